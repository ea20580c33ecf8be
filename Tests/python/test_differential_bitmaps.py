"""Differential tests for the bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
BITFIELD, BITFIELD_RO): the same commands go to Apus and to redis-server 7.0 and the raw replies
must be identical, in RESP2 and RESP3 (the harness is test_differential's). The change counter
(rdb_changes_since_last_save) is compared after each write, since SETBIT and BITFIELD count a
change only when a bit or the length changed."""

import os
import random

import pytest

from test_differential import ChangeCounter, open_pair, proto  # noqa: F401

SEEDS = [int(s) for s in os.environ.get("APUS_BIT_SEEDS", "").split(",") if s.strip()] or list(range(1, 7))
STEPS = int(os.environ.get("APUS_BIT_STEPS", "400"))




SCRIPTED = [
    # SETBIT / GETBIT, errors first
    ("SETBIT", "b", "7", "1"), ("SETBIT", "b", "7", "1"), ("SETBIT", "b", "7", "0"), ("GETBIT", "b", "7"),
    ("SETBIT", "b", "100", "1"), ("GETBIT", "b", "100"), ("GETBIT", "b", "100000"), ("GETBIT", "nokey", "3"),
    ("SETBIT", "b", "-1", "1"), ("SETBIT", "b", "x", "1"), ("SETBIT", "b", "1", "2"), ("SETBIT", "b", "1", "-1"),
    ("SETBIT", "b", "4294967296", "1"), ("SETBIT", "b", "1", "x"), ("GETBIT", "b", "-1"), ("GETBIT", "b", "1.5"),
    ("SETBIT", "b"), ("GETBIT", "b"),
    ("SET", "n", "12345"), ("SETBIT", "n", "3", "1"), ("GET", "n"), ("OBJECT", "ENCODING", "n"),
    ("SET", "s", "foobar"), ("SETBIT", "s", "1", "0"), ("GET", "s"), ("OBJECT", "ENCODING", "s"),
    ("LPUSH", "l", "x"), ("SETBIT", "l", "1", "1"), ("GETBIT", "l", "1"), ("BITCOUNT", "l"), ("BITPOS", "l", "1"),
    # BITCOUNT
    ("BITCOUNT", "s"), ("BITCOUNT", "s", "0", "0"), ("BITCOUNT", "s", "1", "1"), ("BITCOUNT", "s", "-2", "-1"),
    ("BITCOUNT", "s", "-1", "-2"), ("BITCOUNT", "s", "5", "30"), ("BITCOUNT", "s", "1", "1", "BYTE"),
    ("BITCOUNT", "s", "5", "30", "BIT"), ("BITCOUNT", "s", "-3", "-1", "bit"), ("BITCOUNT", "s", "0", "-1", "bit"),
    ("BITCOUNT", "s", "0"), ("BITCOUNT", "s", "0", "1", "x"), ("BITCOUNT", "s", "a", "1"), ("BITCOUNT", "nokey"),
    ("BITCOUNT", "n"), ("BITCOUNT", "s", "0", "1", "BIT", "x"),
    # BITPOS
    ("BITPOS", "s", "1"), ("BITPOS", "s", "0"), ("BITPOS", "s", "1", "2"), ("BITPOS", "s", "0", "1", "-1"),
    ("BITPOS", "s", "1", "7", "15", "BIT"), ("BITPOS", "s", "0", "0", "-1", "BIT"), ("BITPOS", "s", "2"),
    ("BITPOS", "nokey", "0"), ("BITPOS", "nokey", "1"), ("BITPOS", "s", "1", "a"), ("BITPOS", "s", "1", "0", "1", "x"),
    ("SET", "ones", "\xff\xff"), ("BITPOS", "ones", "0"), ("BITPOS", "ones", "0", "0"), ("BITPOS", "ones", "0", "0", "-1"),
    ("BITPOS", "ones", "0", "0", "-1", "bit"), ("BITPOS", "ones", "0", "3", "bit"), ("SET", "e", ""),
    ("BITPOS", "e", "0"), ("BITPOS", "e", "1"), ("BITCOUNT", "e"),
    # BITOP
    ("BITOP", "AND", "d", "s", "ones"), ("GET", "d"), ("OBJECT", "ENCODING", "d"), ("BITOP", "OR", "d", "s", "b", "nokey"),
    ("GET", "d"), ("BITOP", "XOR", "d", "s", "b"), ("GET", "d"), ("BITOP", "NOT", "d", "s"), ("GET", "d"),
    ("BITOP", "NOT", "d", "s", "b"), ("BITOP", "NAND", "d", "s"), ("BITOP", "AND", "d", "l"), ("BITOP", "AND", "d", "nokey"),
    ("EXISTS", "d"), ("SET", "t", "x", "EX", "100"), ("BITOP", "OR", "t", "s"), ("TTL", "t"),
    # BITFIELD
    ("BITFIELD", "bf", "SET", "u8", "0", "255"), ("BITFIELD", "bf", "SET", "u8", "0", "255"),
    ("BITFIELD", "bf", "GET", "u8", "0", "GET", "i8", "0", "GET", "u4", "4", "GET", "i64", "0", "GET", "u63", "1"),
    ("BITFIELD", "bf", "INCRBY", "u8", "0", "10"), ("BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "500"),
    ("BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1"), ("BITFIELD", "bf", "OVERFLOW", "WRAP", "INCRBY", "i8", "#1", "200"),
    ("BITFIELD", "bf", "SET", "i8", "#3", "-128", "GET", "i8", "#3", "SET", "u2", "100", "7"),
    ("BITFIELD", "bf", "OVERFLOW", "SAT", "SET", "i4", "0", "100", "SET", "i4", "0", "-100", "OVERFLOW", "FAIL", "SET", "u3", "0", "9"),
    ("BITFIELD", "bf", "INCRBY", "i64", "0", "9223372036854775807"), ("BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "9223372036854775807"),
    ("BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i64", "64", "-9223372036854775808"),
    ("BITFIELD", "bf", "INCRBY", "u63", "0", "-1"), ("BITFIELD", "bf", "SET", "u63", "0", "-5"),
    ("BITFIELD", "bf", "GET", "u64", "0"), ("BITFIELD", "bf", "GET", "i65", "0"), ("BITFIELD", "bf", "GET", "i0", "0"),
    ("BITFIELD", "bf", "GET", "I8", "0"), ("BITFIELD", "bf", "GET", "u8", "-1"), ("BITFIELD", "bf", "GET", "u8", "#-1"),
    ("BITFIELD", "bf", "GET", "u8"), ("BITFIELD", "bf", "BAD", "u8", "0"), ("BITFIELD", "bf", "OVERFLOW", "NOPE"),
    ("BITFIELD", "bf", "SET", "u8", "0", "x"), ("BITFIELD", "bf"), ("BITFIELD", "nokey", "GET", "u8", "1000"),
    ("BITFIELD", "l", "GET", "u8", "0"), ("BITFIELD", "l", "SET", "u8", "0", "1"), ("BITFIELD", "bf", "GET", "u8", "#2", "GET", "u8", "4294967296"),
    ("BITFIELD_RO", "bf", "GET", "u8", "0"), ("BITFIELD_RO", "bf", "SET", "u8", "0", "1"), ("BITFIELD_RO", "nokey", "GET", "i3", "1"),
    ("BITFIELD_RO", "bf"), ("GET", "bf"), ("STRLEN", "bf"),
]


def test_bitmaps_scripted(apus, redis, proto):
    p = open_pair(apus, redis, "bitmaps", proto)
    changes = ChangeCounter(p)
    try:
        for command in SCRIPTED:
            p.cmd(*command)
            changes.check()
    finally:
        p.close()


def random_command(rng):
    key = rng.choice(["a", "b", "c"])
    kind = rng.randrange(7)
    if kind == 0:
        return ("SETBIT", key, str(rng.randrange(0, 300)), str(rng.randrange(2)))
    if kind == 1:
        return ("GETBIT", key, str(rng.randrange(0, 320)))
    if kind == 2:
        unit = rng.choice([[], ["BYTE"], ["BIT"]])
        if rng.random() < 0.2:
            return ("BITCOUNT", key)
        return ("BITCOUNT", key, str(rng.randrange(-60, 60)), str(rng.randrange(-60, 60)), *unit)
    if kind == 3:
        forms = [[], [str(rng.randrange(-50, 50))], [str(rng.randrange(-50, 50)), str(rng.randrange(-50, 50))],
                 [str(rng.randrange(-300, 300)), str(rng.randrange(-300, 300)), rng.choice(["BIT", "BYTE"])]]
        return ("BITPOS", key, str(rng.randrange(2)), *rng.choice(forms))
    if kind == 4:
        op = rng.choice(["AND", "OR", "XOR", "NOT"])
        sources = [rng.choice(["a", "b", "c", "z"]) for _ in range(1 if op == "NOT" else rng.randrange(1, 4))]
        return ("BITOP", op, rng.choice(["a", "b", "c", "d"]), *sources)
    if kind == 5:
        args = []
        for _ in range(rng.randrange(1, 4)):
            signed = rng.random() < 0.5
            bits = rng.randrange(1, 65 if signed else 64)
            t = ("i" if signed else "u") + str(bits)
            offset = ("#%d" % rng.randrange(0, 8)) if rng.random() < 0.3 else str(rng.randrange(0, 200))
            op = rng.randrange(4)
            if op == 0:
                args += ["GET", t, offset]
            elif op == 1:
                args += ["SET", t, offset, str(rng.randrange(-2 ** 63, 2 ** 63))]
            elif op == 2:
                args += ["INCRBY", t, offset, str(rng.choice([rng.randrange(-300, 300), rng.randrange(-2 ** 63, 2 ** 63)]))]
            else:
                args += ["OVERFLOW", rng.choice(["WRAP", "SAT", "FAIL"])]
        return ("BITFIELD", key, *args)
    return ("GET", key)


@pytest.mark.parametrize("seed", SEEDS)
def test_bitmaps_random(apus, redis, seed):
    rng = random.Random(seed)
    p = open_pair(apus, redis, "bitmaps-random-%d" % seed, 2 if seed % 2 else 3)
    changes = ChangeCounter(p)
    try:
        for _ in range(STEPS):
            p.cmd(*random_command(rng))
        changes.check()
    finally:
        p.close()
