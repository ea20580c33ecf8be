"""Plain quicklist nodes (Redis 7.0): with DEBUG QUICKLIST-PACKED-THRESHOLD lowered, elements at
least that large get a node of their own. Every list command runs on Apus and redis-server in
lockstep over lists mixing small and large elements, and replies must be identical — DEBUG
OBJECT's node count and sizes too, so the node layout is Redis's. RDB files and DUMP payloads
holding plain nodes (RDB_TYPE_LIST_QUICKLIST_2, container 1) move between the two servers."""

import os
import random
import zlib
import shutil

import pytest

from test_differential import open_pair, proto  # noqa: F401
from test_differential_debug import norm_object

THRESHOLD = 40
SEEDS = [int(s) for s in os.environ.get("APUS_PLAIN_SEEDS", "").split(",") if s.strip()] or list(range(1, 9))
STEPS = int(os.environ.get("APUS_PLAIN_STEPS", "300"))


def element(rng):
    kind = rng.random()
    if kind < 0.45:
        return rng.choice(["a", "b", "c", "1", "42", "-7"])
    if kind < 0.6:
        return "m" * rng.randint(THRESHOLD - 3, THRESHOLD - 1)
    return rng.choice("LMNOP") * rng.randint(THRESHOLD, THRESHOLD * 3)


def random_command(rng, keys):
    key = rng.choice(keys)
    other = rng.choice(keys)
    e = element(rng)
    index = str(rng.randint(-8, 8))
    choices = [
        ("RPUSH", key, e, element(rng)), ("LPUSH", key, e), ("RPUSHX", key, e), ("LPUSHX", key, e),
        ("LINSERT", key, rng.choice(["BEFORE", "AFTER"]), element(rng), e),
        ("LSET", key, index, e), ("LINDEX", key, index), ("LRANGE", key, "0", "-1"),
        ("LRANGE", key, index, str(rng.randint(-8, 8))), ("LREM", key, str(rng.randint(-2, 2)), element(rng)),
        ("LPOS", key, element(rng)), ("LPOS", key, element(rng), "RANK", "-1", "COUNT", "0"),
        ("LTRIM", key, str(rng.randint(0, 3)), str(rng.randint(-4, -1))), ("LPOP", key), ("RPOP", key, "2"),
        ("LMOVE", key, other, rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"])),
        ("RPOPLPUSH", key, other), ("LLEN", key), ("DEBUG", "OBJECT", key),
    ]
    return rng.choice(choices)


def run_random(p, seed):
    rng = random.Random(seed)
    keys = ["l1", "l2", "l3"]
    for k in keys:
        p.cmd("RPUSH", k, *[element(rng) for _ in range(rng.randint(1, 12))])
    for _ in range(STEPS):
        command = random_command(rng, keys)
        if command[0] == "DEBUG":
            p.cmd(*command, norm=norm_object)
        else:
            p.cmd(*command)
    for k in keys:
        p.cmd("LRANGE", k, "0", "-1")
        p.cmd("DEBUG", "OBJECT", k, norm=norm_object)
        p.cmd("DEBUG", "DIGEST-VALUE", k)


@pytest.fixture
def plain_pair(apus, redis, proto):
    p = open_pair(apus, redis, "plain-nodes", proto)
    p.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "%db" % THRESHOLD)
    yield p
    p.both(lambda s: s.c.value("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"))
    p.both(lambda s: s.c.value("CONFIG", "SET", "list-max-listpack-size", "-2"))
    p.both(lambda s: s.c.value("CONFIG", "SET", "list-compress-depth", "0"))
    p.close()


@pytest.mark.parametrize("seed", SEEDS)
def test_plain_nodes_random(plain_pair, seed):
    run_random(plain_pair, seed)


@pytest.mark.parametrize("fill,depth", [("4", "0"), ("-1", "1"), ("1", "0"), ("-2", "2")])
def test_plain_nodes_random_configs(plain_pair, fill, depth):
    p = plain_pair
    p.cmd("CONFIG", "SET", "list-max-listpack-size", fill)
    p.cmd("CONFIG", "SET", "list-compress-depth", depth)
    # A fixed seed per configuration: str hashes vary per process (PYTHONHASHSEED).
    run_random(p, zlib.crc32(("%s,%s" % (fill, depth)).encode()) & 0xFFFF)


def test_plain_nodes_scripted(plain_pair):
    p = plain_pair
    big = "x" * 100
    steps = [
        ("RPUSH", "l", "a", big, "b"), ("OBJECT", "ENCODING", "l"), ("LINDEX", "l", "1"),
        ("DEBUG", "OBJECT", "l"), ("LSET", "l", "1", "small"), ("DEBUG", "OBJECT", "l"),
        ("LSET", "l", "1", big + "y"), ("DEBUG", "OBJECT", "l"), ("LSET", "l", "0", big), ("DEBUG", "OBJECT", "l"),
        ("LINSERT", "l", "AFTER", "b", big), ("LINSERT", "l", "BEFORE", big, "c"), ("DEBUG", "OBJECT", "l"),
        ("LRANGE", "l", "0", "-1"), ("LREM", "l", "0", big), ("LRANGE", "l", "0", "-1"), ("DEBUG", "OBJECT", "l"),
        ("LPUSH", "l", big, big), ("LPOS", "l", big, "COUNT", "0"), ("LMOVE", "l", "l2", "LEFT", "RIGHT"),
        ("LRANGE", "l2", "0", "-1"), ("DEBUG", "OBJECT", "l2"), ("LTRIM", "l", "1", "-1"), ("DEBUG", "OBJECT", "l"),
        ("DEBUG", "RELOAD"), ("LRANGE", "l", "0", "-1"), ("DEBUG", "OBJECT", "l"), ("DEBUG", "OBJECT", "l2"),
        ("DEBUG", "DIGEST"), ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"), ("RPUSH", "l", big),
        ("DEBUG", "OBJECT", "l"), ("DEBUG", "RELOAD"), ("DEBUG", "OBJECT", "l"),
        ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1b"), ("RPUSH", "one", "1", "2", ""), ("DEBUG", "OBJECT", "one"),
        ("LRANGE", "one", "0", "-1"), ("DEBUG", "RELOAD"), ("DEBUG", "OBJECT", "one"), ("DUMP", "one"),
        ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "%db" % THRESHOLD),
    ]
    for s in steps:
        p.cmd(*s, norm=norm_object if s[:2] == ("DEBUG", "OBJECT") else None)


def test_plain_nodes_dump_restore(plain_pair):
    p = plain_pair
    big = "y" * 90
    p.cmd("RPUSH", "l", "a", big, "b", "c", big + "z")
    dumps = p.both(lambda s: s.c.value("DUMP", "l"))
    assert dumps[0] == dumps[1]
    # Each server restores the other's payload and answers the same.
    p.a.c.value("RESTORE", "from-redis", "0", dumps[1])
    p.b.c.value("RESTORE", "from-redis", "0", dumps[0])
    p.cmd("LRANGE", "from-redis", "0", "-1")
    p.cmd("DEBUG", "OBJECT", "from-redis", norm=norm_object)
    p.cmd("DUMP", "from-redis")
    # A plain container is kept plain on load whatever the threshold (quicklistAppendPlainNode).
    p.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")
    p.cmd("RESTORE", "again", "0", dumps[0])
    p.cmd("DEBUG", "OBJECT", "again", norm=norm_object)
    p.cmd("LPUSH", "again", big)
    p.cmd("DEBUG", "OBJECT", "again", norm=norm_object)


@pytest.mark.parametrize("direction", ["redis-to-apus", "apus-to-redis"])
def test_plain_nodes_rdb_files(apus_factory, redis_factory, direction):
    """An RDB with plain nodes written by one server is loaded by the other."""
    apus, redis = apus_factory(), redis_factory()
    source, target = (redis, apus) if direction == "redis-to-apus" else (apus, redis)
    s, t = source.client(), target.client()
    try:
        s.value("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "50b")
        big = "q" * 70
        s.value("RPUSH", "l", "a", big, "b", "c", big + "1", "d")
        s.value("RPUSH", "only-plain", big)
        expected = {k: s.value("LRANGE", k, "0", "-1") for k in ("l", "only-plain")}
        objects = {k: norm_object(s.command("DEBUG", "OBJECT", k), None) for k in ("l", "only-plain")}
        digest = s.value("DEBUG", "DIGEST")
        assert s.value("SAVE") == b"OK"
        shutil.copy(os.path.join(source.dir, "dump.rdb"), os.path.join(target.dir, "dump.rdb"))
        # The target's threshold stays at the default: plain nodes load plain anyway.
        assert t.value("DEBUG", "RELOAD", "NOSAVE") == b"OK"
        for k, v in expected.items():
            assert t.value("LRANGE", k, "0", "-1") == v
            assert norm_object(t.command("DEBUG", "OBJECT", k), None) == objects[k]
        assert t.value("DEBUG", "DIGEST") == digest
    finally:
        s.value("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")
        s.close()
        t.close()


def packed_element(rng, fill):
    """Small elements for count fills; for byte fills, sizes that reach the 4 KiB / 8 KiB limits
    within a few dozen elements, so inserts meet full nodes and split them."""
    if fill > 0 or rng.random() < 0.3:
        return rng.choice(["a", "b", "c", "1", "42", "-7", "zz" * rng.randint(1, 20)])
    return rng.choice("STUVW") * rng.randint(100, 900)


@pytest.mark.parametrize("fill", ["1", "2", "3", "4", "5", "-1", "-2"])
def test_packed_node_layout_after_inserts(apus, redis, proto, fill):
    """Inserts into full packed nodes split them at the position and merge the neighbourhood
    (_quicklistInsert, _quicklistMergeNodes): after every LINSERT/LSET/LREM the node count and
    serialized length (DEBUG OBJECT) equal redis-server's."""
    p = open_pair(apus, redis, "packed-layout", proto)
    try:
        p.cmd("CONFIG", "SET", "list-max-listpack-size", fill)
        rng = random.Random(zlib.crc32(fill.encode()))
        f = int(fill)
        p.cmd("RPUSH", "l", *[packed_element(rng, f) for _ in range(12)])
        pivots = ["a", "b", "c", "1", "42", "-7"]
        for _ in range(STEPS):
            kind = rng.random()
            if kind < 0.55:
                p.cmd("LINSERT", "l", rng.choice(["BEFORE", "AFTER"]), rng.choice(pivots), packed_element(rng, f))
            elif kind < 0.7:
                p.cmd("LSET", "l", str(rng.randint(-10, 10)), packed_element(rng, f))
            elif kind < 0.8:
                p.cmd("LREM", "l", str(rng.randint(-2, 2)), rng.choice(pivots))
            elif kind < 0.9:
                p.cmd(rng.choice(["LPUSH", "RPUSH"]), "l", packed_element(rng, f))
            else:
                p.cmd(rng.choice(["LPOP", "RPOP"]), "l")
            p.cmd("DEBUG", "OBJECT", "l", norm=norm_object)
        p.cmd("LRANGE", "l", "0", "-1")
        p.cmd("DEBUG", "DIGEST-VALUE", "l")
    finally:
        p.both(lambda s: s.c.value("CONFIG", "SET", "list-max-listpack-size", "-2"))
        p.close()
