"""Differential tests for HyperLogLog: PFADD, PFCOUNT, PFMERGE, PFDEBUG and the values
themselves (GET), against redis-server 7.0, in RESP2 and RESP3. Redis's HLL format is compared
byte for byte through GET after every write, so sparse opcode splitting and merging, the promotion
to dense at hll-sparse-max-bytes, and the cached cardinality must match exactly; a value made on
one server and SET on the other must count the same."""

import os
import random

import pytest

from support.resp import RespClient
from test_differential import ChangeCounter, open_pair, proto  # noqa: F401

SEEDS = [int(s) for s in os.environ.get("APUS_HLL_SEEDS", "").split(",") if s.strip()] or list(range(1, 5))
STEPS = int(os.environ.get("APUS_HLL_STEPS", "300"))

SCRIPTED = [
    ("PFADD", "h", "a", "b", "c"), ("GET", "h"), ("PFCOUNT", "h"), ("GET", "h"), ("PFADD", "h", "a"), ("PFADD", "h"),
    ("PFADD", "new"), ("GET", "new"), ("PFCOUNT", "new"), ("PFCOUNT", "nokey"), ("PFCOUNT", "h", "nokey", "new"),
    ("PFDEBUG", "ENCODING", "h"), ("PFDEBUG", "DECODE", "h"), ("OBJECT", "ENCODING", "h"),
    ("PFADD", "h2", *["e%d" % i for i in range(300)]), ("GET", "h2"), ("PFCOUNT", "h2"), ("PFDEBUG", "DECODE", "h2"),
    ("PFMERGE", "m", "h", "h2"), ("GET", "m"), ("PFCOUNT", "m"), ("PFMERGE", "m"), ("PFMERGE", "m", "nokey"),
    ("PFDEBUG", "TODENSE", "h"), ("PFDEBUG", "TODENSE", "h"), ("PFDEBUG", "ENCODING", "h"), ("GET", "h"),
    ("PFDEBUG", "DECODE", "h"), ("PFCOUNT", "h"), ("PFADD", "h", "zz"), ("PFCOUNT", "h", "h2"),
    ("PFMERGE", "m2", "h2", "h"), ("PFDEBUG", "ENCODING", "m2"), ("GET", "m2"),
    ("PFDEBUG", "GETREG", "h2"), ("PFDEBUG", "ENCODING", "h2"), ("PFDEBUG", "NOPE", "h2"), ("PFDEBUG", "GETREG", "h2", "x"),
    ("PFDEBUG", "GETREG", "nokey"), ("PFDEBUG", "GETREG"),
    ("SET", "s", "not an hll"), ("PFADD", "s", "a"), ("PFCOUNT", "s"), ("PFCOUNT", "s", "h"), ("PFMERGE", "s", "h"),
    ("PFMERGE", "h", "s"), ("PFDEBUG", "ENCODING", "s"), ("LPUSH", "l", "a"), ("PFADD", "l", "a"), ("PFCOUNT", "l"),
    ("SET", "n", "12345678901234567"), ("PFADD", "n", "x"),
    # A sparse header with a dense encoding byte of the wrong size, and corrupt sparse opcodes.
    ("SET", "bad", "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00xx"), ("PFCOUNT", "bad"), ("PFADD", "bad", "a"),
    ("SET", "bad2", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"), ("PFCOUNT", "bad2"),
    ("PFADD", "bad2", "a"), ("PFCOUNT", "bad2", "h"), ("PFMERGE", "bad3", "bad2"), ("PFDEBUG", "GETREG", "bad2"),
    ("SET", "bad4", "HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), ("PFCOUNT", "bad4"),
    ("CONFIG", "SET", "hll-sparse-max-bytes", "40"), ("PFADD", "small", *["s%d" % i for i in range(30)]),
    ("PFDEBUG", "ENCODING", "small"), ("GET", "small"), ("CONFIG", "SET", "hll-sparse-max-bytes", "3000"),
    ("PFADD", "big", *["x%d" % i for i in range(5000)]), ("PFDEBUG", "ENCODING", "big"), ("PFCOUNT", "big"),
    ("SET", "t", "x", "EX", "100"), ("PFMERGE", "t", "h"), ("TTL", "t"), ("PFSELFTEST", "extra"),
]




def test_hll_scripted(apus, redis, proto):
    p = open_pair(apus, redis, "hll", proto)
    changes = ChangeCounter(p)
    try:
        for command in SCRIPTED:
            p.cmd(*command)
            changes.check()
    finally:
        p.cmd("CONFIG", "SET", "hll-sparse-max-bytes", "3000")
        p.close()


@pytest.mark.parametrize("seed", SEEDS)
def test_hll_random(apus, redis, seed):
    rng = random.Random(seed)
    p = open_pair(apus, redis, "hll-random-%d" % seed, 2 if seed % 2 else 3)
    changes = ChangeCounter(p)
    try:
        p.cmd("CONFIG", "SET", "hll-sparse-max-bytes", str(rng.choice([60, 300, 3000])))
        for _ in range(STEPS):
            key = rng.choice(["a", "b", "c"])
            kind = rng.randrange(6)
            if kind < 3:
                elements = ["%x" % rng.randrange(10 ** rng.randrange(1, 7)) for _ in range(rng.randrange(1, 40))]
                p.cmd("PFADD", key, *elements)
            elif kind == 3:
                p.cmd("PFCOUNT", *rng.sample(["a", "b", "c", "z"], rng.randrange(1, 4)))
            elif kind == 4:
                p.cmd("PFMERGE", rng.choice(["a", "b", "c", "d"]), *rng.sample(["a", "b", "c"], rng.randrange(1, 3)))
            else:
                p.cmd("PFDEBUG", rng.choice(["ENCODING", "DECODE", "TODENSE"]), key)
            p.cmd("GET", key)
        changes.check()
    finally:
        p.cmd("CONFIG", "SET", "hll-sparse-max-bytes", "3000")
        p.close()


def test_hll_values_cross_servers(apus, redis):
    """An HLL built on one server, copied with GET/SET (and DUMP/RESTORE) to the other, counts the
    same there and keeps growing identically."""
    a = RespClient(port=apus.port)
    r = RespClient(port=redis.port)
    try:
        for source, target in ((a, r), (r, a)):
            for c in (a, r):
                c.value("DEL", "x", "y")
            source.value("PFADD", "x", *["m%d" % i for i in range(2000)])
            value = source.value("GET", "x")
            target.value("SET", "x", value)
            assert target.value("PFCOUNT", "x") == source.value("PFCOUNT", "x")
            target.value("RESTORE", "y", "0", source.value("DUMP", "x"))
            assert target.value("GET", "y") == source.value("GET", "x")
            source.value("PFADD", "x", "more", "and", "more")
            target.value("PFADD", "x", "more", "and", "more")
            assert target.value("GET", "x") == source.value("GET", "x")
    finally:
        a.close()
        r.close()


def test_pfselftest(apus):
    c = RespClient(port=apus.port, timeout=60)
    try:
        assert c.command("PFSELFTEST") == b"+OK\r\n"
    finally:
        c.close()
