"""Streams outside their commands, against redis-server 7.0.15: RDB files both ways (many nodes,
tombstones, groups with PELs, consumers with nothing pending, empty streams, XSETID, TTLs),
redis-check-rdb on Apus's files, DUMP/RESTORE both ways with identical payload bytes, the
RDB types Redis 5.0-6.2 (15) and 7.2 (21) wrote, corrupt payloads, the AOF rewrite's commands
byte for byte, replication both ways, COPY/RENAME/MOVE/SWAPDB, DEBUG OBJECT, MEMORY USAGE.

Groups are made on redis-server (Apus's group commands are written in parallel) and reach
Apus through RDB files, RESTORE and full syncs; DUMP payload equality then checks every part
of a stream Apus holds, PELs and consumers included."""

import os
import random
import shutil
import struct
import subprocess

import pytest
import redis as redispy

from support import rdb_craft, rdb_stream
from support.aof import aof_dir, manifest, start_in, wait_for_rewrite
from support.servers import redis_binary
from support.replication import REPL_ARGS, replicate, wait_synced


def client(srv, db=0):
    return redispy.Redis(host=srv.host, port=srv.port, db=db, socket_timeout=30)


def has_command(srv, name):
    """Whether the server runs `name` (its table may know commands that have no handler yet)."""
    with srv.client() as c:
        return not c.command(name).startswith(b"-ERR unknown command")


def fill(r, node_entries=4):
    """Streams of every shape, in db 0 and db 2; needs redis-server (consumer groups)."""
    r.config_set("stream-node-max-entries", node_entries)
    x = lambda *args: r.execute_command(*args)
    keys = []

    # Many nodes, fields changing (SAMEFIELDS and not), integers, empty and long values,
    # tombstones, a node deleted whole, trimmed nodes.
    for i in range(1, 61):
        fields = ["f", "v%d" % i, "n", str(i * 37)] if i % 5 else ["other", "", "n", "-%d" % i, "bin", b"\x00\xff" * i]
        x("XADD", "s:nodes", "%d-%d" % (1000 + i // 3, i % 3), *fields)
    x("XADD", "s:nodes", "2000-0", "long", "L" * 300)
    x("XDEL", "s:nodes", "1001-1", "1003-0", "1003-1", "1003-2", "1004-0", "1020-0")
    x("XTRIM", "s:nodes", "MINID", "1002-0")
    keys.append("s:nodes")

    # Groups: PELs of two consumers, an acknowledged entry, a claimed one, a pending entry that
    # was deleted, a consumer with nothing pending, a group at $, an integer-named group with
    # ENTRIESREAD, a group read with NOACK.
    for i in range(1, 21):
        x("XADD", "s:groups", "%d-0" % (5000 + i), "k", "v%d" % i)
    x("XGROUP", "CREATE", "s:groups", "g1", "0")
    x("XREADGROUP", "GROUP", "g1", "alice", "COUNT", 5, "STREAMS", "s:groups", ">")
    x("XREADGROUP", "GROUP", "g1", "bob", "COUNT", 3, "STREAMS", "s:groups", ">")
    x("XACK", "s:groups", "g1", "5002-0")
    x("XCLAIM", "s:groups", "g1", "carol", 0, "5004-0", "RETRYCOUNT", 7)
    x("XDEL", "s:groups", "5003-0")
    x("XGROUP", "CREATECONSUMER", "s:groups", "g1", "idle")
    x("XGROUP", "CREATE", "s:groups", "g2", "$")
    x("XGROUP", "CREATE", "s:groups", "12345", "5010-0", "ENTRIESREAD", 10)
    x("XGROUP", "CREATE", "s:groups", "noack", "0")
    x("XREADGROUP", "GROUP", "noack", "dave", "NOACK", "COUNT", 4, "STREAMS", "s:groups", ">")
    keys.append("s:groups")

    x("XADD", "s:empty", "MAXLEN", "0", "77-7", "a", "b")
    keys.append("s:empty")
    x("XGROUP", "CREATE", "s:mkstream", "g", "$", "MKSTREAM")
    keys.append("s:mkstream")
    for i in range(1, 4):
        x("XADD", "s:setid", "%d-1" % i, "a", i)
    x("XDEL", "s:setid", "3-1")
    x("XSETID", "s:setid", "9999-99", "ENTRIESADDED", 1000, "MAXDELETEDID", "5-0")
    keys.append("s:setid")
    # XSETID below a tombstone: the next entry lands after it, in its node or in a new node whose
    # master is below the tombstone.
    r.config_set("stream-node-max-entries", 2)
    for key in ("s:tomb", "s:tomb-nodes"):
        x("XADD", key, "1-0", "a", 1)
        x("XADD", key, "5-0", "a", 5)
        x("XDEL", key, "5-0")
        x("XSETID", key, "3-0")
        if key == "s:tomb":
            r.config_set("stream-node-max-entries", 4)
        x("XADD", key, "4-0", "a", 4)
        x("XADD", key, "5-0", "a", "again")
        keys.append(key)
    r.config_set("stream-node-max-entries", node_entries)
    x("XADD", "s:ttl", "1-1", "a", "b")
    x("PEXPIRE", "s:ttl", 100_000_000)
    keys.append("s:ttl")

    # Default node limits, a value LZF compresses well, and a big PEL.
    r.config_set("stream-node-max-entries", 100)
    pipe = r.pipeline(transaction=False)
    for i in range(1200):
        pipe.execute_command("XADD", "s:big", "%d-0" % (10_000 + i), "field", "value-%d" % (i % 17), "pad", "x" * 40)
    pipe.execute()
    x("XGROUP", "CREATE", "s:big", "workers", "0")
    for w in range(3):
        x("XREADGROUP", "GROUP", "workers", "w%d" % w, "COUNT", 150, "STREAMS", "s:big", ">")
    keys.append("s:big")

    x("SELECT", 2)
    x("XADD", "s:db2", "3-3", "in", "db2")
    x("SELECT", 0)
    r.config_set("stream-node-max-entries", 100)
    return keys


# The streams fill() gives consumer groups.
GROUPED = {"s:groups", "s:mkstream", "s:big"}


def dumps(r, keys):
    return {k: r.dump(k) for k in keys}


def assert_same_streams(a, want_dumps, redis_side, keys):
    """Apus `a` holds what redis-server `redis_side` holds: payloads, digests, replies."""
    for key in keys:
        assert a.type(key) == b"stream", key
        assert a.object("encoding", key) == b"stream", key
        assert a.dump(key) == want_dumps[key], key
        assert a.xlen(key) == redis_side.xlen(key), key
        assert a.xrange(key) == redis_side.xrange(key), key
        assert a.execute_command("DEBUG", "DIGEST-VALUE", key) == \
            redis_side.execute_command("DEBUG", "DIGEST-VALUE", key), key
        assert (a.pttl(key) > 0) == (redis_side.pttl(key) > 0), key
    assert a.execute_command("DEBUG", "DIGEST") == redis_side.execute_command("DEBUG", "DIGEST")


@pytest.fixture
def redis_scene(redis_factory, tmp_path):
    """A redis-server holding the scene, having saved it to tmp_path/from-redis.rdb."""
    srv = redis_factory(extra_args=["--dir", str(tmp_path), "--dbfilename", "from-redis.rdb"])
    r = client(srv)
    keys = fill(r)
    assert r.save()
    return srv, r, keys


def test_apus_loads_redis_rdb(apus_factory, redis_scene, tmp_path):
    srv, r, keys = redis_scene
    apus = apus_factory(extra_args=["--dir", str(tmp_path), "--dbfilename", "from-redis.rdb"])
    a = client(apus)
    assert_same_streams(a, dumps(r, keys), r, keys)
    assert client(apus, 2).dump("s:db2") == client(srv, 2).dump("s:db2")
    assert "keys loaded: %d," % (len(keys) + 1) in open(apus.log_path).read()
    # The loaded streams keep working: an append to the tail node lands as in redis-server.
    for c in (a, r):
        c.execute_command("XADD", "s:nodes", "3000-0", "f", "after", "n", "1")
        c.execute_command("XADD", "s:big", "99999-0", "field", "tail", "pad", "y")
    assert a.dump("s:nodes") == r.dump("s:nodes")
    assert a.dump("s:big") == r.dump("s:big")


def test_redis_loads_apus_rdb(apus_factory, redis_factory, redis_scene, tmp_path):
    srv, r, keys = redis_scene
    want = dumps(r, keys)
    out = tmp_path / "apus"
    out.mkdir()
    shutil.copy(tmp_path / "from-redis.rdb", out / "from-apus.rdb")
    apus = apus_factory(extra_args=["--dir", str(out), "--dbfilename", "from-apus.rdb"])
    a = client(apus)
    # Apus's own streams, made by its XADD/XDEL/XSETID, travel too.
    a.config_set("stream-node-max-entries", 3)
    for i in range(1, 11):
        a.execute_command("XADD", "apus:own", "%d-0" % i, "a", i, "b", "x" * i)
    a.execute_command("XDEL", "apus:own", "4-0", "5-0", "6-0")
    a.execute_command("XSETID", "apus:own", "50-0")
    own = a.dump("apus:own")
    assert a.save()
    check = subprocess.run(["redis-check-rdb", str(out / "from-apus.rdb")], capture_output=True, text=True)
    assert check.returncode == 0 and "RDB looks OK" in check.stdout, check.stdout + check.stderr
    ref = redis_factory(extra_args=["--dir", str(out), "--dbfilename", "from-apus.rdb"])
    rr = client(ref)
    for key in keys:
        assert rr.dump(key) == want[key], key
    assert rr.dump("apus:own") == own
    assert rr.execute_command("DEBUG", "DIGEST") == a.execute_command("DEBUG", "DIGEST")
    assert client(ref, 2).xrange("s:db2") == [(b"3-3", {b"in": b"db2"})]


def test_debug_reload_keeps_streams(apus_factory, redis_scene, tmp_path):
    srv, r, keys = redis_scene
    apus = apus_factory(extra_args=["--dir", str(tmp_path), "--dbfilename", "from-redis.rdb"])
    a = client(apus)
    want = dumps(r, keys)
    for compression in ("yes", "no"):
        a.config_set("rdbcompression", compression)
        assert a.execute_command("DEBUG", "RELOAD") == b"OK"
        a.config_set("rdbcompression", "yes")
        assert dumps(a, keys) == want


def same_commands_on_both(a, r, key):
    """The same XADD/XDEL/XTRIM/XSETID sequence on both servers."""
    for c in (a, r):
        c.config_set("stream-node-max-entries", 5)
        for i in range(1, 40):
            c.execute_command("XADD", key, "%d-%d" % (i // 4 + 1, i % 4), "name", "n%d" % (i % 6), "num", i * 1000,
                              *(["extra", "z"] if i % 9 == 0 else []))
        c.execute_command("XDEL", key, "2-0", "2-1", "2-2", "2-3", "5-1")
        c.execute_command("XTRIM", key, "MAXLEN", "30")
        c.execute_command("XSETID", key, "100-0", "ENTRIESADDED", 60, "MAXDELETEDID", "50-0")
        c.config_set("stream-node-max-entries", 100)


def test_dump_restore_both_ways(apus, redis):
    a, r = client(apus), client(redis)
    a.flushall(), r.flushall()
    keys = fill(r)
    # Redis's payloads restore on Apus and dump back to the same bytes.
    for key in keys:
        payload = r.dump(key)
        a.restore(key, max(r.pttl(key), 0), payload)
        assert a.dump(key) == payload, key
        assert a.execute_command("DEBUG", "DIGEST-VALUE", key) == r.execute_command("DEBUG", "DIGEST-VALUE", key)
    # Streams built by Apus's own commands are Redis's bytes, and restore on redis-server.
    same_commands_on_both(a, r, "built")
    assert a.dump("built") == r.dump("built")
    r.restore("from-apus", 0, a.dump("built"))
    assert r.dump("from-apus") == a.dump("built")
    # Without compression too, and DEBUG OBJECT's serializedlength follows.
    for c in (a, r):
        c.config_set("rdbcompression", "no")
    try:
        for key in keys + ["built"]:
            assert a.dump(key) == r.dump(key), key
            length = lambda c: c.execute_command("DEBUG", "OBJECT", key).split(b"serializedlength:")[1].split()[0]
            assert length(a) == length(r), key
    finally:
        for c in (a, r):
            c.config_set("rdbcompression", "yes")
    a.flushall(), r.flushall()


def test_types_15_and_21(apus, redis, apus_factory, tmp_path):
    """Redis 6.2's layout restored on both servers derives the same counters (DUMP equal);
    7.2's layout loads from a version-11 file with the active times dropped."""
    a, r = client(apus), client(redis)
    a.flushall(), r.flushall()
    keys = fill(r)
    r.config_set("rdbcompression", "no")
    a.config_set("rdbcompression", "no")
    try:
        plain = dumps(r, keys)
        for key in keys:
            old = rdb_stream.dump_payload(rdb_stream.value(rdb_stream.parse(plain[key]), 15), 15)
            r.restore("old:" + key, 0, old)
            a.restore("old:" + key, 0, old)
            assert a.dump("old:" + key) == r.dump("old:" + key), key
        # The derived counters differ from the saved ones where history mattered.
        assert r.dump("old:s:setid") != plain["s:setid"]

        entries = [(0, 21, key, rdb_stream.value(rdb_stream.parse(plain[key]), 21), None) for key in keys]
        (tmp_path / "v11.rdb").write_bytes(rdb_craft.rdb(11, entries))
        newer = apus_factory(extra_args=["--dir", str(tmp_path), "--dbfilename", "v11.rdb", "--rdbcompression", "no"])
        n = client(newer)
        for key in keys:
            assert n.dump(key) == plain[key], key
    finally:
        r.config_set("rdbcompression", "yes")
        a.config_set("rdbcompression", "yes")
    a.flushall(), r.flushall()


def test_corrupt_payloads_are_refused_never_crash(apus, redis):
    """Single-byte changes with a valid CRC: Apus answers OK or Redis's error, refuses whatever
    redis-server with sanitize-dump-payload refuses, and what it accepts works."""
    a, r = client(apus), client(redis)
    a.flushall(), r.flushall()
    x = lambda *args: r.execute_command(*args)
    for i in range(1, 9):
        x("XADD", "small", "%d-%d" % (i, i), "f", "v%d" % i, *(["g", i] if i % 3 == 0 else []))
    x("XDEL", "small", "2-2")
    x("XGROUP", "CREATE", "small", "g", "0")
    x("XREADGROUP", "GROUP", "g", "c1", "COUNT", 2, "STREAMS", "small", ">")
    x("XREADGROUP", "GROUP", "g", "c2", "COUNT", 1, "STREAMS", "small", ">")
    x("XGROUP", "CREATECONSUMER", "small", "g", "c3")
    r.config_set("rdbcompression", "no")
    r.config_set("sanitize-dump-payload", "yes")
    try:
        payload = r.dump("small")
        rng = random.Random(15)
        accepted = refused = 0
        for position in range(1, len(payload) - 10):
            for flip in (0x01, 0x80, rng.randrange(2, 0x80)):
                bad = bytearray(payload)
                bad[position] ^= flip
                bad = rdb_stream.with_checksum(bytes(bad))
                try:
                    r.restore("t", 0, bad, replace=True)
                    redis_ok = True
                except redispy.ResponseError:
                    redis_ok = False
                try:
                    a.restore("t", 0, bad, replace=True)
                except redispy.ResponseError as e:
                    assert str(e) == "Bad data format", str(e)
                    refused += 1
                    continue
                assert redis_ok, "Apus accepted a payload redis-server refuses (byte %d ^ %d)" % (position, flip)
                accepted += 1
                n = a.xlen("t")
                assert len(a.xrange("t")) == n
                again = a.dump("t")
                a.restore("t2", 0, again, replace=True)
                assert a.dump("t2") == again
                try:
                    a.execute_command("XADD", "t", "*", "x", "y")
                except redispy.ResponseError:
                    pass  # a changed last ID may leave no ID to give
                a.execute_command("XTRIM", "t", "MAXLEN", 2)
        assert accepted > 0 and refused > 0
        assert a.ping()
    finally:
        r.config_set("sanitize-dump-payload", "no")
        r.config_set("rdbcompression", "yes")
    a.flushall(), r.flushall()


def base_file(directory):
    name = [l for l in manifest(directory).splitlines() if l.endswith("type b")][-1].split()[1]
    return open(os.path.join(aof_dir(directory), name), "rb").read()


AOF_ARGS = ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"]


def test_aof_rewrite_writes_redis_commands(apus_factory, redis_factory, tmp_path):
    """BGREWRITEAOF without the RDB preamble: the stream's commands are redis-server's bytes."""
    source = redis_factory()
    keys = fill(client(source))
    for key in keys:
        if key == "s:ttl":
            continue
        payload = client(source).dump(key)
        dirs = []
        for kind, factory in (("redis", redis_factory), ("apus", apus_factory)):
            d = tmp_path / ("%s-%s" % (kind, key.replace(":", "_")))
            d.mkdir()
            srv = factory(extra_args=["--dir", str(d)] + AOF_ARGS)
            c = client(srv)
            c.restore(key, 0, payload)
            c.bgrewriteaof()
            wait_for_rewrite(c)
            dirs.append(str(d))
        assert base_file(dirs[1]) == base_file(dirs[0]), key


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_rewrite_then_restart_keeps_streams(redis, tmp_path, preamble):
    """The same rewrite, later write and restart on both servers end in the same payloads
    (without the preamble the XADDs are replayed under the node limits, on both sides)."""
    source = client(redis)
    source.flushall()
    keys = fill(source)
    payloads = dumps(source, keys)
    source.flushall()
    args = ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble]
    for name in ("apus", "redis"):
        os.makedirs(tmp_path / name)
    apus = start_in(str(tmp_path / "apus"), args)
    ref = start_in(str(tmp_path / "redis"), args, binary=redis_binary(), name="redis")
    try:
        if preamble == "no" and not has_command(apus, "XGROUP"):
            keys = [k for k in keys if k not in GROUPED]
        for srv in (apus, ref):
            c = client(srv)
            for key in keys:
                c.restore(key, 0, payloads[key])
            c.bgrewriteaof()
            wait_for_rewrite(c)
            # Written after the rewrite: replayed from the incremental file on top of the base.
            c.execute_command("XADD", "s:nodes", "5000-0", "after", "rewrite")
            srv.stop()
            srv.start()
        a, r = client(apus), client(ref)
        for key in keys:
            if preamble == "no" and key in GROUPED:
                # Replayed XCLAIM and XGROUP CREATECONSUMER stamp seen-times with each server's
                # clock; everything else must agree.
                assert a.xrange(key) == r.xrange(key), key
                assert a.xinfo_groups(key) == r.xinfo_groups(key), key
                for group in r.xinfo_groups(key):
                    name = group["name"]
                    assert a.xpending(key, name) == r.xpending(key, name), (key, name)
                    rows = lambda c: [(p["message_id"], p["consumer"], p["times_delivered"])
                                      for p in c.xpending_range(key, name, "-", "+", 1000)]
                    assert rows(a) == rows(r), (key, name)
                continue
            assert a.dump(key) == r.dump(key), key
            if preamble == "yes":
                assert a.dump(key) == (payloads[key] if key != "s:nodes" else r.dump(key)), key
    finally:
        apus.stop()
        ref.stop()


def stream_workload(c, groups):
    """Live writes of a stream workload (group commands only when the server has them)."""
    x = lambda *args: c.execute_command(*args)
    for i in range(30):
        x("XADD", "live", "*", "i", i)
    x("XADD", "live", "MAXLEN", "~", "10", "*", "i", "trimmed")
    x("XTRIM", "live", "MAXLEN", 12)
    first = c.xrange("live", count=2)
    x("XDEL", "live", first[0][0])
    x("XADD", "s:nodes", "9000-0", "f", "v", "n", "1")
    x("XDEL", "s:nodes", "1010-1")
    x("XSETID", "s:setid", "99999-0")
    # The live 5-0 sits after the tombstone 5-0; 4-0 is in a node below the tombstone.
    assert x("XDEL", "s:tomb", "5-0") == 1
    assert x("XDEL", "s:tomb-nodes", "4-0") == 1
    x("XADD", "s:empty", "NOMKSTREAM", "*", "a", "b")
    x("XADD", "missing", "NOMKSTREAM", "*", "a", "b")
    if groups:
        x("XGROUP", "CREATE", "live", "lg", "0")
        x("XREADGROUP", "GROUP", "lg", "c1", "COUNT", 3, "STREAMS", "live", ">")
        x("XACK", "live", "lg", c.xrange("live", count=1)[0][0])
        x("XCLAIM", "s:groups", "g1", "zed", 0, "5001-0")
        x("XGROUP", "DELCONSUMER", "s:groups", "g1", "bob")
        x("XGROUP", "SETID", "s:groups", "g2", "0")
        x("XGROUP", "DESTROY", "s:groups", "noack")
    x("COPY", "s:groups", "s:copy")
    x("RENAME", "s:copy", "s:renamed")


@pytest.mark.parametrize("master_kind", ["redis", "apus"])
def test_replication_keeps_streams_identical(redis_factory, apus_factory, master_kind):
    source = redis_factory()
    keys = fill(client(source))
    payloads = dumps(client(source), keys)
    make = {"redis": redis_factory, "apus": apus_factory}
    master = make[master_kind](extra_args=REPL_ARGS)
    replica = make["apus" if master_kind == "redis" else "redis"](extra_args=REPL_ARGS)
    m = client(master)
    for key in keys:
        m.restore(key, 0, payloads[key], replace=True)
    replicate(replica, master)
    wait_synced(master, replica)
    rc = client(replica)
    for key in keys:
        assert rc.dump(key) == payloads[key], key
    apus_side = replica if master_kind == "redis" else master
    groups = has_command(apus_side, "XREADGROUP")
    stream_workload(m, groups)
    wait_synced(master, replica)
    assert rc.execute_command("DEBUG", "DIGEST") == m.execute_command("DEBUG", "DIGEST")
    # Streams no live group command touched are the same bytes, groups and seen-times included.
    for key in ["s:nodes", "s:setid", "s:empty", "s:big", "s:mkstream", "s:tomb", "s:tomb-nodes"] + \
            ([] if groups else ["live", "s:renamed"]):
        assert rc.dump(key) == m.dump(key), key
    if groups:
        # Touched groups: the same PELs (their seen-times are each server's own clock).
        for key, group in (("live", "lg"), ("s:groups", "g1"), ("s:groups", "g2"), ("s:renamed", "g1")):
            assert rc.xpending(key, group) == m.xpending(key, group), (key, group)
            # Without the idle times, which depend on when each server is asked.
            rows = lambda c: [(p["message_id"], p["consumer"], p["times_delivered"])
                              for p in c.xpending_range(key, group, "-", "+", 1000)]
            assert rows(rc) == rows(m), (key, group)


def test_key_commands_on_streams(apus, redis):
    a, r = client(apus), client(redis)
    a.flushall(), r.flushall()
    fill(r)
    payload = r.dump("s:groups")
    r.flushall()
    for c in (a, r):
        c.restore("s", 0, payload)
        c.pexpire("s", 50_000_000)
        assert c.copy("s", "copy") == 1
        assert c.copy("s", "other-db", destination_db=3) == 1
        assert c.dump("copy") == payload and c.pttl("copy") > 0
        assert client(apus if c is a else redis, 3).dump("other-db") == payload
        c.rename("copy", "renamed")
        assert c.move("renamed", 4)
        c.swapdb(0, 4)
        assert c.dump("renamed") == payload and not c.exists("s")
        c.swapdb(0, 4)
        c.execute_command("XADD", "s", "99999-0", "k", "changed")
        assert client(apus if c is a else redis, 4).dump("renamed") == payload  # COPY is deep
    assert a.execute_command("DEBUG", "DIGEST") == r.execute_command("DEBUG", "DIGEST")
    assert a.object("refcount", "s") == r.object("refcount", "s")
    debug = a.execute_command("DEBUG", "OBJECT", "s").decode()
    assert " encoding:stream serializedlength:" in debug
    a.flushall()
    assert a.dbsize() == 0 and client(apus, 4).dbsize() == 0
    r.flushall()


def test_memory_usage_of_streams(apus, redis):
    """Apus's own accounting, shaped like objectComputeSize: the listpacks dominate, SAMPLES
    matters only with more nodes than samples, groups and PELs add their share."""
    a, r = client(apus), client(redis)
    a.flushall(), r.flushall()
    fill(r)
    r.config_set("rdbcompression", "no")
    try:
        for key in ("s:big", "s:nodes", "s:groups", "s:empty"):
            a.restore(key, 0, r.dump(key))
    finally:
        r.config_set("rdbcompression", "yes")
    a.config_set("rdbcompression", "no")
    raw = len(a.dump("s:big"))
    a.config_set("rdbcompression", "yes")
    usage = a.memory_usage("s:big")
    assert raw < usage < 3 * raw, (raw, usage)
    assert a.memory_usage("s:big", samples=0) > 0
    assert a.memory_usage("s:empty") < a.memory_usage("s:nodes") < usage
    before = a.memory_usage("s:groups")
    a.restore("s:group2", 0, r.dump("s:groups"))
    # Objects are measured by malloc's usable size, which a reused chunk can raise a little.
    assert a.memory_usage("s:groups") == before
    assert abs(a.memory_usage("s:group2") - before) < before // 20
    # The big stream's group holds 450 pending entries: without it the stream is smaller by
    # at least their IDs.
    r.restore("nogroups", 0, r.dump("s:big"))
    r.execute_command("XGROUP", "DESTROY", "nogroups", "workers")
    a.restore("nogroups", 0, r.dump("nogroups"))
    assert a.memory_usage("s:big") - a.memory_usage("nogroups") > 450 * 16
    a.flushall(), r.flushall()
