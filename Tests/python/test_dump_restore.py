"""DUMP and RESTORE against redis-server 7.0.15: identical payload bytes for every type and
encoding whose layout does not depend on hash-table order, payloads moving both ways with
equal DEBUG DIGEST-VALUE, and RESTORE's errors byte for byte."""

import pytest
import redis as redispy

from support import rdb_craft, rdb_scene

# Hash-table-encoded sets and hashes are written in table order, which differs between the
# two servers; their payloads are compared through a RESTORE on the other side instead.
ORDER_DEPENDENT = {"set:intset513", "set:strings", "set:wide", "hash:ht", "hash:longvalue"}


def client(srv, db=0):
    return redispy.Redis(host=srv.host, port=srv.port, db=db, socket_timeout=20)


@pytest.fixture
def pair(apus, redis):
    a, r = client(apus), client(redis)
    keys = rdb_scene.fill(a)
    assert rdb_scene.fill(r) == keys
    yield a, r, keys
    a.flushall()
    r.flushall()


def test_dump_bytes_identical(pair):
    a, r, keys = pair
    for key in keys:
        if key in ORDER_DEPENDENT:
            continue
        assert a.dump(key) == r.dump(key), key


def test_restore_each_way_keeps_digest(pair):
    a, r, keys = pair
    for key in keys:
        from_redis = r.dump(key)
        from_apus = a.dump(key)
        a.restore("copy:" + key, 0, from_redis)
        r.restore("copy:" + key, 0, from_apus)
        want = r.execute_command("DEBUG", "DIGEST-VALUE", "copy:" + key)
        assert a.execute_command("DEBUG", "DIGEST-VALUE", "copy:" + key) == want, key
        if not key.startswith("ttl:"):  # the copies have no TTL, so hash alike the originals
            assert r.execute_command("DEBUG", "DIGEST-VALUE", key) == want, key
        assert a.object("encoding", "copy:" + key) == r.object("encoding", key), key
    assert a.execute_command("DEBUG", "DIGEST") == r.execute_command("DEBUG", "DIGEST")


def test_dump_without_compression_identical(pair):
    a, r, _ = pair
    for c in (a, r):
        c.config_set("rdbcompression", "no")
    try:
        assert a.dump("str:lzf") == r.dump("str:lzf")
        assert a.dump("list:big") == r.dump("list:big")
        assert len(a.dump("str:lzf")) > 160
    finally:
        for c in (a, r):
            c.config_set("rdbcompression", "yes")


def raw(srv, *args):
    with srv.client() as c:
        return c.command(*args)


CASES = [
    ["RESTORE", "k", "0", "garbage"],
    ["RESTORE", "k", "-1", "x"],
    ["RESTORE", "k", "abc", "x"],
    ["RESTORE", "k", "0", "x", "BADOPT"],
    ["RESTORE", "k", "0", "x", "IDLETIME", "-1"],
    ["RESTORE", "k", "0", "x", "FREQ", "256"],
    ["RESTORE", "k", "0", "x", "IDLETIME", "1", "FREQ", "1"],
    ["RESTORE", "existing", "0", "x"],
    ["RESTORE", "k"],
    ["DUMP", "missing"],
]


def test_restore_errors_identical(apus, redis):
    for srv in (apus, redis):
        raw(srv, "FLUSHALL")
        raw(srv, "SET", "existing", "1")
    for case in CASES:
        assert raw(apus, *case) == raw(redis, *case), case
    payload = client(redis).dump("existing")
    for mutated in (payload[:-1] + bytes([payload[-1] ^ 1]),  # checksum
                    payload[:-10] + b"\x0b\x00" + payload[-8:],  # version 11 with the old CRC
                    b"\x00\xc0" + payload[2:]):  # the value changed under its CRC
        assert raw(apus, "RESTORE", "k2", "0", mutated) == raw(redis, "RESTORE", "k2", "0", mutated)
    # Version 11 (Redis 7.2) with a valid CRC: 7.0 refuses it.
    body = payload[:-10] + b"\x0b\x00"
    newer = body + rdb_craft.crc64(body).to_bytes(8, "little")
    assert raw(apus, "RESTORE", "k3", "0", newer) == raw(redis, "RESTORE", "k3", "0", newer)
    assert raw(apus, "RESTORE", "k3", "0", newer).startswith(b"-ERR DUMP payload version")
    for srv in (apus, redis):
        raw(srv, "FLUSHALL")


def test_restore_options(apus, redis):
    for srv in (apus, redis):
        c = client(srv)
        c.flushall()
        c.set("src", "value")
        payload = c.dump("src")
        assert c.restore("src", 0, payload, replace=True) == b"OK"
        assert c.restore("t", 100000, payload) == b"OK"
        assert 99000 < c.pttl("t") <= 100000
        assert c.restore("abs", 1, payload, absttl=True) == b"OK"  # already expired: OK, no key
        assert c.exists("abs") == 0
        assert c.restore("idle", 0, payload, idletime=1000) == b"OK"
        assert c.object("idletime", "idle") >= 1000
        c.flushall()


def test_compressed_lists_and_long_text_identical(apus, redis):
    """Compressed quicklist nodes go out as their LZF blobs and long strings are LZF-compressed
    by liblzf's algorithm: both must match redis-server byte for byte."""
    import random
    clients = (client(apus), client(redis))
    for c in clients:
        c.flushall()
        c.config_set("list-compress-depth", 1)
        rng = random.Random(5)
        c.rpush("cl", *["elem-%d-%s" % (i, "x" * rng.randint(0, 40)) for i in range(5000)])
        c.rpush("cl2", *[rng.randbytes(rng.randint(1, 30)) for _ in range(3000)])
        c.set("txt", " ".join(rng.choice(["alpha", "beta", "gamma", "x%d" % rng.randint(0, 99)]) for _ in range(3000)))
    try:
        a, r = clients
        for key in ("cl", "cl2", "txt"):
            assert a.dump(key) == r.dump(key), key
        assert a.execute_command("DEBUG", "OBJECT", "cl").split(b"serializedlength:")[1].split()[0] == \
            r.execute_command("DEBUG", "OBJECT", "cl").split(b"serializedlength:")[1].split()[0]
    finally:
        for c in clients:
            c.config_set("list-compress-depth", 0)
            c.flushall()
