"""Differential tests for hashes and sets: the same commands go to Apus and to
redis-server 7.0 and the raw replies must be identical, in RESP2 and RESP3
(the harness -- Pair, open_pair, the `proto` fixture -- is test_differential's).

Layout
    * scripted cases  (test_hash_set_scripted[...])  every command, option,
      error form, WRONGTYPE pairing and encoding conversion at its threshold;
      COMMAND INFO/DOCS; keyspace hits/misses and change counts per command
    * random sequences (test_hash_set_random[...])   fixed seeds over a small
      keyspace of hashes, sets and a string, some seeds with tiny thresholds
      so that conversions happen all the time

What is compared as a multiset instead of byte for byte, and why
    * Order.  A listpack hash replies in insertion order and an intset in
      ascending order: those are compared exactly.  A hashtable replies in its
      table's order, which depends on the hash function and its random seed
      (it differs between two redis-server processes too), so replies from a
      hashtable-encoded value are compared as multisets (`unordered`) after
      OBJECT ENCODING has been compared.  SINTER/SUNION/SDIFF results are built
      in temporary sets whose encoding depends on the members; the random
      sequences compare them as multisets, the scripted cases exactly where
      Redis's order is defined (intset results).
    * HSCAN/SSCAN cursors over a hashtable are positions in the table: the
      whole iteration's set of elements is compared (`scan_collect`); a
      listpack/intset comes back whole with cursor 0 and is compared exactly.
    * SPOP/SRANDMEMBER/HRANDFIELD pick at random: each side checks its own
      reply against its own value (reply type, count, distinctness, membership,
      values matching fields, what SPOP left behind) and those verdicts are
      compared; count 0, a missing key, errors and "count covers the whole
      value" of a compact encoding are compared exactly.  After SPOP the two
      servers hold different members, so `resync` rebuilds the key on both from
      Redis's contents (same members, order and encoding).

Knobs: APUS_HS_SEEDS=1,2 (default 1..8, plus 101..104 with tiny thresholds),
APUS_HS_STEPS (default 500).
"""

import os
import random

import pytest

from support.resp import parse, serialize, bulk_payload
from test_differential import (LLONG_MAX, LLONG_MIN, fmt_cmd, norm_command, norm_config_get, open_pair,  # noqa: F401
                               proto)

SEEDS = [int(s) for s in os.environ.get("APUS_HS_SEEDS", "").split(",") if s.strip()] or \
    list(range(1, 9)) + list(range(101, 105))
STEPS = int(os.environ.get("APUS_HS_STEPS", "500"))

HASH_COMMANDS = ["hset", "hmset", "hsetnx", "hget", "hmget", "hdel", "hlen", "hstrlen", "hexists", "hkeys",
                 "hvals", "hgetall", "hincrby", "hincrbyfloat", "hrandfield", "hscan"]
SET_COMMANDS = ["sadd", "srem", "smembers", "sismember", "smismember", "scard", "spop", "srandmember", "smove",
                "sinter", "sintercard", "sinterstore", "sunion", "sunionstore", "sdiff", "sdiffstore", "sscan"]
COMPACT = (b"listpack", b"intset")
THRESHOLDS = ("hash-max-listpack-entries", "hash-max-listpack-value", "set-max-intset-entries")
DEFAULT_THRESHOLDS = ("512", "64", "512")

# Integers at every listpack/intset width boundary, and texts that look like integers but are not.
INTS = ["0", "1", "-1", "7", "127", "128", "-128", "4095", "4096", "-4096", "-4097", "32767", "32768",
        "-32768", "-32769", "8388607", "8388608", "-8388609", "2147483647", "2147483648", "-2147483649",
        LLONG_MAX, LLONG_MIN]
NOT_INTS = ["007", "-0", "+1", " 1", "1 ", "1.5", "9223372036854775808", "-9223372036854775809", "0x10", "1e3"]
TEXTS = ["a", "b", "hello", "", "x" * 63, "y" * 64, "z" * 65, "w" * 200, b"bin\x00\xff", "1.5e3", "-inf"]


# ===========================================================================
# Comparison helpers
# ===========================================================================

def _canon(node):
    """A comparable form of a reply in which aggregates are unordered."""
    t = node[0]
    if t in "*~>" and node[1] is not None:
        return t, tuple(sorted((_canon(x) for x in node[1]), key=repr))
    if t == "%":
        return t, tuple(sorted(((_canon(k), _canon(v)) for k, v in node[1]), key=repr))
    return node


def unordered(raw, side):
    """Multiset comparison of an aggregate reply (hashtable order; see the module doc)."""
    return _canon(parse(raw))


def unordered_pairs(raw, side):
    """As `unordered`, for RESP2's flat field/value arrays (HGETALL, HRANDFIELD WITHVALUES)."""
    node = parse(raw)
    if node[0] == "*" and node[1] and len(node[1]) % 2 == 0 and node[1][0][0] == "$":
        pairs = sorted(zip(node[1][0::2], node[1][1::2]), key=repr)
        return "*pairs", tuple(pairs)
    return _canon(node)


def encoding(side, key):
    return bulk_payload(parse(side.c.command("OBJECT", "ENCODING", key)))


def key_type(side, key):
    return bulk_payload(parse(side.c.command("TYPE", key)))


def read_order_sensitive(p, *args, pairs=False):
    """A single-key read whose order is defined only for compact encodings: compare OBJECT
    ENCODING first, then the reply exactly (compact) or as a multiset (hashtable)."""
    if ordered(p.cmd("OBJECT", "ENCODING", args[1])):
        return p.cmd(*args)
    return p.cmd(*args, norm=unordered_pairs if pairs else unordered)


def ordered(encoding_reply):
    """Whether a value with this OBJECT ENCODING reply has a defined order: a compact
    encoding, or no value at all."""
    node = parse(encoding_reply)
    return node[0] == "_" or (node[0] == "$" and (node[1] is None or node[1] in COMPACT))


def scan_collect(command, key, args, pairs):
    """Full HSCAN/SSCAN iteration: the set of elements (or field/value pairs) seen."""
    def fn(side):
        cursor = b"0"
        seen = set()
        for _ in range(100000):
            raw = side.c.command(command, key, cursor, *args)
            node = parse(raw)
            if node[0] != "*" or len(node[1]) != 2 or node[1][1][0] != "*":
                return raw
            cursor = node[1][0][1]
            items = [x[1] for x in node[1][1][1]]
            if pairs:
                if len(items) % 2:
                    return ("odd number of items", raw)
                seen.update(zip(items[0::2], items[1::2]))
            else:
                seen.update(items)
            if cursor == b"0":
                return ("elements", sorted(seen))
        return ("scan did not terminate",)
    return fn


def scan(p, command, key, *args):
    pairs = command == "HSCAN"
    if ordered(p.cmd("OBJECT", "ENCODING", key)):
        p.cmd(command, key, "0", *args)
    p.proc("%s %s (full iteration) %s" % (command, key, fmt_cmd(args)), scan_collect(command, key, args, pairs))


def set_members(side, key):
    node = parse(side.c.command("SMEMBERS", key))
    return [x[1] for x in node[1]] if node[0] in "*~" else None


def hash_pairs(side, key):
    node = parse(side.c.command("HGETALL", key))
    if node[0] == "%":
        return [(k[1], v[1]) for k, v in node[1]]
    if node[0] == "*":
        return list(zip([x[1] for x in node[1][0::2]], [x[1] for x in node[1][1::2]]))
    return None


def _flat(node):
    return [x[1] for x in node[1]]


def check_srandmember(key, *args):
    """SRANDMEMBER's verdict: reply type, count, membership and (positive count) distinctness."""
    def fn(side):
        members = set(set_members(side, key) or [])
        raw = side.c.command("SRANDMEMBER", key, *args)
        node = parse(raw)
        if node[0] not in "*~$" or not members:
            return raw
        picked = [node[1]] if node[0] == "$" else _flat(node)
        count = int(args[0]) if args else 1
        expected = min(count, len(members)) if count >= 0 else -count
        distinct = len(set(picked)) == len(picked)
        return node[0], len(picked) == expected, set(picked) <= members, distinct or count < 0
    return fn


def check_spop(key, *args):
    """SPOP's verdict: the reply's type and count, every popped member was a member, and what
    is left is exactly the rest."""
    def fn(side):
        before = set(set_members(side, key) or [])
        raw = side.c.command("SPOP", key, *args)
        node = parse(raw)
        if node[0] not in "*~$" or not before or node[1] is None:
            return raw
        popped = [node[1]] if node[0] == "$" else _flat(node)
        after = set(set_members(side, key) or [])
        count = int(args[0]) if args else 1
        return (node[0], len(popped) == min(count, len(before)), len(set(popped)) == len(popped),
                set(popped) <= before, after == before - set(popped))
    return fn


def check_hrandfield(key, *args):
    """HRANDFIELD's verdict: reply shape for the protocol, count, fields existing, values
    matching their fields, distinctness for a positive count."""
    def fn(side):
        content = dict(hash_pairs(side, key) or [])
        raw = side.c.command("HRANDFIELD", key, *args)
        node = parse(raw)
        if node[0] not in "*$" or not content or node[1] is None:
            return raw
        if node[0] == "$":
            return "$", node[1] in content
        withvalues = len(args) > 1
        items = node[1]
        if withvalues and items and items[0][0] == "*":
            shape = "nested"
            pairs = [(x[1][0][1], x[1][1][1]) for x in items]
        elif withvalues:
            shape = "flat"
            pairs = list(zip([x[1] for x in items[0::2]], [x[1] for x in items[1::2]]))
        else:
            shape = "fields"
            pairs = [(x[1], content.get(x[1])) for x in items]
        count = int(args[0])
        expected = min(count, len(content)) if count >= 0 else -count
        fields = [f for f, _ in pairs]
        return (shape, len(pairs) == expected, all(content.get(f) == v for f, v in pairs),
                len(set(fields)) == len(fields) or count < 0)
    return fn


def resync(p, key):
    """Rebuild `key` on both servers from Redis's contents: same members in the same order,
    the same encoding (forced to hashtable by a long temporary member when Redis's is), the
    same TTL.  Used after SPOP, whose choices differ between the servers."""
    rb = p.b
    typ = key_type(rb, key)
    enc = encoding(rb, key)
    pttl = int(parse(rb.c.command("PTTL", key))[1])
    if typ == b"set":
        content = set_members(rb, key)
    elif typ == b"hash":
        content = hash_pairs(rb, key)
    else:
        return
    for side in (p.a, p.b):
        c = side.c
        c.command("DEL", key)
        if typ == b"set":
            c.command("SADD", key, *content)
            if enc == b"hashtable" and encoding(side, key) != b"hashtable":
                c.command("SADD", key, "__not_an_integer__")
                c.command("SREM", key, "__not_an_integer__")
        else:
            c.command("HSET", key, *[x for kv in content for x in kv])
            if enc == b"hashtable" and encoding(side, key) != b"hashtable":
                c.command("HSET", key, "f" * 5000, "v")
                c.command("HDEL", key, "f" * 5000)
        if pttl > 0:
            c.command("PEXPIRE", key, str(pttl))
    p.cmd("OBJECT", "ENCODING", key)


def load(p, *args):
    """A long write (hundreds of arguments), compared like p.cmd but named briefly in failure
    reports."""
    p.proc("%s (%d arguments)" % (fmt_cmd(args[:4]), len(args)), lambda side: side.c.command(*args))


def set_thresholds(p, values):
    for side in (p.a, p.b):
        side.connect().command("CONFIG", "SET", *[x for kv in zip(THRESHOLDS, values) for x in kv])


# ===========================================================================
# Scripted cases
# ===========================================================================

SCRIPTS = {}


def script(fn):
    SCRIPTS[fn.__name__[2:]] = fn
    return fn


def inspect_hash(p, key):
    p.cmd("TYPE", key)
    p.cmd("HLEN", key)
    for cmd in ("HGETALL", "HKEYS", "HVALS"):
        read_order_sensitive(p, cmd, key, pairs=cmd == "HGETALL")


def inspect_set(p, key):
    p.cmd("TYPE", key)
    p.cmd("SCARD", key)
    read_order_sensitive(p, "SMEMBERS", key)


@script
def s_hash_basics(p):
    p.cmd("HGET", "h", "f")
    p.cmd("HSET", "h", "f", "v")
    p.cmd("HSET", "h", "f", "v2", "g", "w", "f", "v3")
    inspect_hash(p, "h")
    for v in INTS + NOT_INTS + TEXTS:
        p.cmd("HSET", "h", "f", v)
        p.cmd("HGET", "h", "f")
        p.cmd("HSTRLEN", "h", "f")
        p.cmd("HSET", "h", v, v)
        p.cmd("HGET", "h", v)
        p.cmd("HEXISTS", "h", v)
    inspect_hash(p, "h")
    p.cmd("HMGET", "h", "f", "nofield", "", "127", "g")
    p.cmd("HMGET", "nokey", "a", "b")
    p.cmd("HMSET", "h", "m1", "1", "m2", "2")
    p.cmd("HSETNX", "h", "m1", "x")
    p.cmd("HSETNX", "h", "m3", "x")
    p.cmd("HSETNX", "new", "f", "v")
    p.cmd("HSTRLEN", "h", "nofield")
    p.cmd("HSTRLEN", "nokey", "f")
    p.cmd("HEXISTS", "nokey", "f")
    p.cmd("HLEN", "nokey")
    for cmd in ("HGETALL", "HKEYS", "HVALS"):
        p.cmd(cmd, "nokey")
    inspect_hash(p, "h")
    p.cmd("HDEL", "h", "f", "f", "nofield", "g", "127")
    p.cmd("HDEL", "nokey", "f")
    inspect_hash(p, "h")
    # deleting the last field deletes the key
    p.cmd("HSET", "one", "f", "v")
    p.cmd("HDEL", "one", "x", "f", "f")
    p.cmd("EXISTS", "one")
    # argument counts
    for args in (["HSET", "h", "f"], ["HSET", "h", "f", "v", "g"], ["HMSET", "h", "f"], ["HMSET", "h", "a", "1", "b"],
                 ["HSET", "h"], ["HGET", "h"], ["HMGET", "h"], ["HDEL", "h"], ["HSETNX", "h", "f"], ["HLEN"],
                 ["HSTRLEN", "h"], ["HEXISTS", "h"], ["HKEYS"], ["HVALS", "h", "x"], ["HGETALL"],
                 ["HINCRBY", "h", "f"], ["HINCRBYFLOAT", "h", "f"], ["HRANDFIELD"], ["HSCAN", "h"]):
        p.cmd(*args)
    p.cmd("HSET", "str", "f")  # arity is checked before the type
    p.cmd("hset", "h", "lower", "case")
    p.cmd("HGET", "h", "lower")


@script
def s_hash_conversions(p):
    try:
        # default thresholds: 512 entries, 64 bytes
        for name, field, value in (("v64", "f", "x" * 64), ("v65", "f", "x" * 65), ("f64", "y" * 64, "v"),
                                   ("f65", "y" * 65, "v")):
            p.cmd("HSET", name, "a", "1", field, value)
            p.cmd("OBJECT", "ENCODING", name)
            inspect_hash(p, name)
        load(p, "HSET", "big", *[x for i in range(512) for x in ("f%d" % i, str(i))])
        p.cmd("OBJECT", "ENCODING", "big")
        p.cmd("HSET", "big", "f0", "again")
        p.cmd("OBJECT", "ENCODING", "big")
        p.cmd("HSET", "big", "f512", "512")
        p.cmd("OBJECT", "ENCODING", "big")
        p.cmd("HLEN", "big")
        p.cmd("HGET", "big", "f511")
        load(p, "HSET", "big513", *[x for i in range(513) for x in ("f%d" % i, str(i))])
        p.cmd("OBJECT", "ENCODING", "big513")
        # small thresholds: exact boundaries for every writer
        set_thresholds(p, ("4", "8", "4"))
        p.cmd("CONFIG", "GET", "hash-max-*", norm=norm_config_get)
        p.cmd("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
        p.cmd("OBJECT", "ENCODING", "h")
        p.cmd("HSET", "h", "a", "12345678")
        p.cmd("OBJECT", "ENCODING", "h")
        p.cmd("HSET", "h", "e", "5")
        p.cmd("OBJECT", "ENCODING", "h")
        inspect_hash(p, "h")
        p.cmd("HDEL", "h", "a", "b", "c", "d")
        p.cmd("OBJECT", "ENCODING", "h")  # never converts back
        # duplicates in one HSET are not counted twice
        p.cmd("HSET", "dup", "a", "1", "a", "2", "a", "3", "a", "4", "a", "5")
        p.cmd("OBJECT", "ENCODING", "dup")
        # a long argument anywhere in HSET converts before anything is written
        p.cmd("HSET", "late", "a", "1")
        p.cmd("HSET", "late", "b", "2", "c", "123456789")
        p.cmd("OBJECT", "ENCODING", "late")
        # HSETNX converts only when it writes
        for key, field, value in (("nx1", "a", "123456789"), ("nx2", "longfield", "1"), ("nx3", "f", "1")):
            p.cmd("HSET", key, "f", "1")
            p.cmd("HSETNX", key, field, value)
            p.cmd("OBJECT", "ENCODING", key)
        p.cmd("HSETNX", "nx3", "f", "123456789")
        p.cmd("OBJECT", "ENCODING", "nx3")
        # HINCRBY / HINCRBYFLOAT: long field, long result
        p.cmd("HINCRBY", "i1", "longfield", "1")
        p.cmd("OBJECT", "ENCODING", "i1")
        p.cmd("HINCRBY", "i2", "f", "123456789")
        p.cmd("OBJECT", "ENCODING", "i2")
        p.cmd("HINCRBY", "i3", "f", "12345678")
        p.cmd("OBJECT", "ENCODING", "i3")
        p.cmd("HINCRBYFLOAT", "i4", "f", "1.2345678")
        p.cmd("OBJECT", "ENCODING", "i4")
        p.cmd("HINCRBYFLOAT", "i5", "f", "1.234567")
        p.cmd("OBJECT", "ENCODING", "i5")
        # zero thresholds: everything is a hashtable
        set_thresholds(p, ("0", "0", "0"))
        p.cmd("HSET", "z", "a", "1")
        p.cmd("OBJECT", "ENCODING", "z")
        p.cmd("HSET", "z2", "", "")
        p.cmd("OBJECT", "ENCODING", "z2")
        # the old names are aliases
        p.cmd("CONFIG", "SET", "hash-max-ziplist-entries", "2", "hash-max-ziplist-value", "3")
        p.cmd("CONFIG", "GET", "hash-max-*", norm=norm_config_get)
        p.cmd("HSET", "alias", "a", "1", "b", "2")
        p.cmd("OBJECT", "ENCODING", "alias")
        p.cmd("HSET", "alias", "c", "3")
        p.cmd("OBJECT", "ENCODING", "alias")
    finally:
        set_thresholds(p, DEFAULT_THRESHOLDS)


@script
def s_hincr(p):
    for by in ["1", "-1", "0", "100", LLONG_MAX, LLONG_MIN, "9223372036854775808", "abc", "", "1.5", " 1", "007"]:
        p.cmd("HINCRBY", "h", "n", by)
        p.cmd("HGET", "h", "n")
    p.cmd("HSET", "h", "max", LLONG_MAX, "min", LLONG_MIN, "s", "abc", "sp", " 1", "f", "1.5", "z", "007")
    for field, by in (("max", "1"), ("max", "0"), ("max", "-1"), ("min", "-1"), ("min", "1"), ("s", "1"),
                      ("sp", "1"), ("f", "1"), ("z", "1"), ("new", LLONG_MIN)):
        p.cmd("HINCRBY", "h", field, by)
    for by in ["0.1", "-0.1", "1e2", "3", "1.5e-5", "5.0e3", "abc", "", "inf", "-inf", "nan", "1e400", " 1",
               "1e308", "-1e308", "0x10", "1.0"]:
        p.cmd("HINCRBYFLOAT", "h", "x", by)
        p.cmd("HGET", "h", "x")
    p.cmd("HSET", "h", "big", "1e308")
    p.cmd("HINCRBYFLOAT", "h", "big", "1e308")
    p.cmd("HINCRBYFLOAT", "h", "big", "1e308")
    p.cmd("HSET", "h", "inf", "inf")
    p.cmd("HINCRBYFLOAT", "h", "inf", "1")
    for field in ("s", "sp", "max", "min", "z", "f"):
        p.cmd("HINCRBYFLOAT", "h", field, "1")
        p.cmd("HGET", "h", field)
    p.cmd("HINCRBYFLOAT", "fresh", "f", "inf")
    p.cmd("EXISTS", "fresh")
    p.cmd("HINCRBY", "fresh", "f", "abc")
    p.cmd("EXISTS", "fresh")
    inspect_hash(p, "h")
    p.cmd("SET", "str", "1")
    p.cmd("HINCRBY", "str", "f", "1")
    p.cmd("HINCRBY", "str", "f", "abc")
    p.cmd("HINCRBYFLOAT", "str", "f", "1")
    p.cmd("HINCRBYFLOAT", "str", "f", "inf")


@script
def s_hrandfield(p):
    p.cmd("HRANDFIELD", "nokey")
    for args in (["0"], ["1"], ["-1"], ["5"], ["0", "WITHVALUES"], ["3", "withvalues"], ["-3", "WITHVALUES"]):
        p.cmd("HRANDFIELD", "nokey", *args)
    p.cmd("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
    for args in (["x"], [LLONG_MIN], ["1", "foo"], ["1", "withvalues", "x"], ["x", "withvalues"],
                 ["4611686018427387904", "WITHVALUES"], ["-4611686018427387904", "WITHVALUES"], ["0"],
                 ["0", "WITHVALUES"], ["5"], ["6", "WITHVALUES"], [LLONG_MAX], ["4611686018427387903", "WITHVALUES"]):
        p.cmd("HRANDFIELD", "h", *args)
    for _ in range(5):
        for args in ([], ["1"], ["-1"], ["2"], ["3"], ["4"], ["-10"], ["2", "WITHVALUES"], ["-7", "WITHVALUES"],
                     ["1", "WITHVALUES"], ["4", "WITHVALUES"]):
            p.proc("HRANDFIELD h %s" % fmt_cmd(args), check_hrandfield("h", *args))
    load(p, "HSET", "t", *[x for i in range(600) for x in ("field:%d" % i, "value:%d" % i)])
    p.cmd("OBJECT", "ENCODING", "t")
    p.cmd("HRANDFIELD", "t", "700", norm=unordered)
    p.cmd("HRANDFIELD", "t", "600", "WITHVALUES", norm=unordered_pairs)
    for args in ([], ["1"], ["10"], ["250"], ["500"], ["599", "WITHVALUES"], ["-5", "WITHVALUES"], ["30", "WITHVALUES"]):
        p.proc("HRANDFIELD t %s" % fmt_cmd(args), check_hrandfield("t", *args))
    p.cmd("SET", "str", "x")
    p.cmd("HRANDFIELD", "str")
    p.cmd("HRANDFIELD", "str", "1")
    p.cmd("HRANDFIELD", "str", "x")
    p.cmd("HRANDFIELD", "nokey", "1", "foo")


@script
def s_hscan(p):
    p.cmd("HSCAN", "nokey", "0")
    p.cmd("HSCAN", "nokey", "0", "foo")
    p.cmd("HSCAN", "nokey", "x")
    p.cmd("HSET", "h", "a", "1", "b", "2", "ab", "3", "12", "4", "k1", "x" * 64)
    for args in ([], ["COUNT", "1"], ["MATCH", "a*"], ["match", "*b"], ["MATCH", "1?"], ["MATCH", "*"],
                 ["MATCH", "nomatch"], ["COUNT", "100", "MATCH", "a*"], ["MATCH", "a*", "MATCH", "b*"]):
        p.cmd("HSCAN", "h", "0", *args)
    for args in (["COUNT", "0"], ["COUNT", "-1"], ["COUNT", "x"], ["MATCH"], ["COUNT"], ["TYPE", "string"],
                 ["FOO"], ["NOVALUES"]):
        p.cmd("HSCAN", "h", "0", *args)
    for cursor in ("x", "-1", "1", "18446744073709551615", "18446744073709551616", " 0", ""):
        p.cmd("HSCAN", "h", cursor)
    load(p, "HSET", "t", *[x for i in range(1000) for x in ("f%d" % i, "v%d" % i)])
    for args in ([], ["COUNT", "3"], ["COUNT", "1000"], ["MATCH", "f1*"], ["MATCH", "f1*", "COUNT", "50"]):
        scan(p, "HSCAN", "t", *args)
    p.cmd("SADD", "s", "1")
    p.cmd("HSCAN", "s", "0")
    p.cmd("HSCAN", "s", "x")


@script
def s_set_basics(p):
    p.cmd("SMEMBERS", "s")
    p.cmd("SADD", "s", "3", "1", "2", "1")
    inspect_set(p, "s")
    p.cmd("OBJECT", "ENCODING", "s")
    # intset widths: 16 → 32 → 64 bits, values placed at either end on upgrade
    for v in ["40000", "-5", "-40000", "5000000000", "-5000000000", LLONG_MAX, LLONG_MIN, "0", "127", "-32769"]:
        p.cmd("SADD", "s", v)
        p.cmd("SMEMBERS", "s")
    p.cmd("OBJECT", "ENCODING", "s")
    for v in INTS + NOT_INTS + ["a"]:
        p.cmd("SISMEMBER", "s", v)
    p.cmd("SMISMEMBER", "s", *(INTS + NOT_INTS))
    p.cmd("SMISMEMBER", "nokey", "1", "a")
    p.cmd("SISMEMBER", "nokey", "1")
    p.cmd("SCARD", "nokey")
    p.cmd("SREM", "s", "40000", "40000", "007", "x", "-5")
    p.cmd("SREM", "nokey", "a")
    inspect_set(p, "s")
    # the first member decides the encoding of a new set
    for key, members in (("n1", ["1", "a"]), ("n2", ["a", "1"]), ("n3", ["-0"]), ("n4", ["007"]), ("n5", [" 1"]),
                         ("n6", [LLONG_MAX]), ("n7", ["9223372036854775808"]), ("n8", [""]), ("n9", ["1.0"])):
        p.cmd("SADD", key, *members)
        p.cmd("OBJECT", "ENCODING", key)
        inspect_set(p, key)
    for v in NOT_INTS + TEXTS:
        p.cmd("SADD", "t", v)
        p.cmd("SISMEMBER", "t", v)
    inspect_set(p, "t")
    p.cmd("SMISMEMBER", "t", *(NOT_INTS + TEXTS + ["nope"]))
    p.cmd("SREM", "t", *(NOT_INTS + TEXTS))
    p.cmd("EXISTS", "t")
    # a hashtable holding only integers stays a hashtable
    p.cmd("SADD", "h", "a", "3", "1", "2")
    p.cmd("SREM", "h", "a")
    p.cmd("OBJECT", "ENCODING", "h")
    inspect_set(p, "h")
    for args in (["SADD", "s"], ["SREM", "s"], ["SMEMBERS"], ["SISMEMBER", "s"], ["SMISMEMBER", "s"], ["SCARD"],
                 ["SPOP"], ["SRANDMEMBER"], ["SMOVE", "a", "b"], ["SINTER"], ["SINTERCARD", "1"], ["SINTERSTORE", "d"],
                 ["SUNION"], ["SUNIONSTORE", "d"], ["SDIFF"], ["SDIFFSTORE", "d"], ["SSCAN", "s"], ["SCARD", "a", "b"],
                 ["SISMEMBER", "s", "a", "b"]):
        p.cmd(*args)


@script
def s_set_conversions(p):
    try:
        load(p, "SADD", "s512", *[str(i) for i in range(512)])
        p.cmd("OBJECT", "ENCODING", "s512")
        p.cmd("SADD", "s512", "0")
        p.cmd("OBJECT", "ENCODING", "s512")
        p.cmd("SADD", "s512", "512")
        p.cmd("OBJECT", "ENCODING", "s512")
        load(p, "SADD", "s513", *[str(i) for i in range(513)])
        p.cmd("OBJECT", "ENCODING", "s513")
        p.cmd("SCARD", "s513")
        set_thresholds(p, ("512", "64", "3"))
        p.cmd("CONFIG", "GET", "set-max-intset-entries", norm=norm_config_get)
        p.cmd("SADD", "a", "3", "2", "1")
        p.cmd("OBJECT", "ENCODING", "a")
        p.cmd("SMEMBERS", "a")
        p.cmd("SADD", "a", "1", "2")
        p.cmd("OBJECT", "ENCODING", "a")
        p.cmd("SADD", "a", "4")
        p.cmd("OBJECT", "ENCODING", "a")
        inspect_set(p, "a")
        p.cmd("SREM", "a", "1", "2", "3")
        p.cmd("OBJECT", "ENCODING", "a")
        # results of the algebra take the encoding their members call for
        p.cmd("SADD", "b", "1", "2", "3")
        p.cmd("SADD", "c", "2", "3", "4", "5")
        for args in (["SUNIONSTORE", "d", "b", "c"], ["SUNIONSTORE", "d", "b"], ["SINTERSTORE", "d", "b", "c"],
                     ["SDIFFSTORE", "d", "c", "b"], ["SDIFFSTORE", "d", "b", "c"]):
            p.cmd(*args)
            p.cmd("OBJECT", "ENCODING", "d")
            inspect_set(p, "d")
        set_thresholds(p, ("512", "64", "0"))
        p.cmd("SADD", "zero", "1")
        p.cmd("OBJECT", "ENCODING", "zero")
    finally:
        set_thresholds(p, DEFAULT_THRESHOLDS)


@script
def s_smove(p):
    p.cmd("SADD", "src", "1", "2", "a")
    p.cmd("SADD", "ints", "1", "2", "3")
    p.cmd("SET", "str", "x")
    p.cmd("HSET", "hash", "f", "v")
    for args in (["nokey", "dst", "1"], ["src", "src", "1"], ["src", "src", "9"], ["src", "str", "1"],
                 ["str", "src", "1"], ["nokey", "str", "1"], ["src", "hash", "1"], ["src", "dst", "9"],
                 ["src", "dst", "1"], ["src", "dst", "1"], ["src", "ints", "2"], ["src", "ints", "a"],
                 ["ints", "newi", "3"], ["ints", "news", "1"]):
        p.cmd("SMOVE", *args)
    for key in ("src", "dst", "ints", "newi", "news"):
        p.cmd("EXISTS", key)
        p.cmd("OBJECT", "ENCODING", key)
        inspect_set(p, key)
    p.cmd("SADD", "last", "x")
    p.cmd("SMOVE", "last", "other", "x")
    p.cmd("EXISTS", "last")
    inspect_set(p, "other")


@script
def s_set_algebra(p):
    p.cmd("SADD", "i1", "5", "3", "1", "2", "4")
    p.cmd("SADD", "i2", "4", "2", "6", "8")
    p.cmd("SADD", "i3", "2", "4", "10")
    p.cmd("SADD", "t1", "a", "b", "c", "1", "2")
    p.cmd("SADD", "t2", "b", "c", "d", "2")
    p.cmd("SADD", "h1", "a", "9", "7", "8")  # a hashtable holding only integers after the SREM
    p.cmd("SREM", "h1", "a")
    p.cmd("SET", "str", "x")
    p.cmd("HSET", "hash", "f", "v")
    # replies whose order Redis defines (intset iteration / intset-built results): exact
    for args in (["i1"], ["i1", "i2"], ["i1", "i2", "i3"], ["i2", "i1"], ["i1", "i1"], ["i1", "nokey"],
                 ["nokey"], ["nokey", "i1"], ["nokey", "nokey2"]):
        p.cmd("SINTER", *args)
        p.cmd("SINTERCARD", str(len(args)), *args)
        p.cmd("SUNION", *args)
        p.cmd("SDIFF", *args)
    for args in (["h1"], ["h1", "i1"], ["i1", "h1"], ["i1", "h1", "nokey"]):
        p.cmd("SUNION", *args)
        p.cmd("SDIFF", *args)
    p.cmd("SINTER", "i1", "t1")  # the intset is the smaller set: its order
    p.cmd("SINTER", "t2", "i1", "i2", "t1")
    # hashtable results: as multisets
    for args in (["t1"], ["t1", "t2"], ["t2", "t1"], ["t1", "t1"], ["t1", "t2", "i1"], ["h1", "h1"], ["i1", "t1"],
                 ["t1", "i1"], ["t1", "t2", "c"]):
        for cmd in ("SINTER", "SUNION", "SDIFF"):
            p.cmd(cmd, *args, norm=unordered)
        p.cmd("SINTERCARD", str(len(args)), *args)
    # the second SDIFF algorithm (a big first set, small others) leaves a hashtable behind
    p.cmd("SADD", "big", "a", "1", "2", "3", "4", "5", "6", "7")
    p.cmd("SADD", "y", "a")
    p.cmd("SADD", "z", "b")
    for args in (["big", "y", "z"], ["big", "y"], ["big", "nokey", "nokey2"], ["big", "big"], ["big", "y", "big"]):
        p.cmd("SDIFF", *args, norm=unordered)
        p.cmd("SDIFFSTORE", "r", *args)
        p.cmd("OBJECT", "ENCODING", "r")
        inspect_set(p, "r")
    # *STORE: replaces any value, deletes on an empty result, may name a source
    for cmd in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
        for args in (["d", "i1", "i2"], ["d", "t1", "t2"], ["str", "i1", "i2"], ["d", "nokey"], ["d", "i1", "nokey"],
                     ["i3", "i3", "i1"], ["d", "i1", "str"], ["d", "hash"], ["d", "nokey", "str"]):
            p.cmd("SET", "str", "x")
            p.cmd("SADD", "i3", "2", "4", "10")
            p.cmd(cmd, *args)
            p.cmd("TYPE", args[0])
            p.cmd("OBJECT", "ENCODING", args[0])
            if parse(p.cmd("TYPE", args[0]))[1] == b"set":
                inspect_set(p, args[0])
    # WRONGTYPE wherever the string is, even after a missing key
    for args in (["str"], ["i1", "str"], ["nokey", "str"], ["str", "nokey"], ["hash", "i1"]):
        for cmd in ("SINTER", "SUNION", "SDIFF"):
            p.cmd(cmd, *args)
        p.cmd("SINTERCARD", str(len(args)), *args)
    # SINTERCARD's arguments
    for args in (["0", "i1"], ["-1", "i1"], ["x", "i1"], ["3", "i1"], ["2", "i1"], ["1", "i1", "LIMIT", "2"],
                 ["1", "i1", "limit", "0"], ["1", "i1", "LIMIT", "-1"], ["1", "i1", "LIMIT", "x"], ["1", "i1", "LIMIT"],
                 ["1", "i1", "FOO"], ["2", "i1", "i2", "LIMIT", "1"], ["2", "i1", "i2", "LIMIT", "1", "LIMIT", "5"],
                 ["1", "nokey", "str"], ["1", "str", "LIMIT", "-1"], [LLONG_MAX, "i1"], ["1", "t1", "LIMIT", "3"]):
        p.cmd("SINTERCARD", *args)


@script
def s_spop_srandmember(p):
    for args in ([], ["0"], ["1"], ["5"], ["-1"], ["x"], ["1", "2"]):
        p.cmd("SPOP", "nokey", *args)
        p.cmd("SRANDMEMBER", "nokey", *args)
    p.cmd("SET", "str", "x")
    for args in ([], ["1"], ["-1"], ["x"]):
        p.cmd("SPOP", "str", *args)
        p.cmd("SRANDMEMBER", "str", *args)
    p.cmd("SADD", "s", "5", "3", "1", "4", "2")
    for args in (["0"], ["-1"], ["x"], ["1", "2"], [LLONG_MIN], ["9223372036854775808"]):
        p.cmd("SPOP", "s", *args)
    for args in (["0"], ["5"], ["6"], [LLONG_MAX], [LLONG_MIN], ["x"], ["1", "2"], ["-0"]):
        p.cmd("SRANDMEMBER", "s", *args)
    for _ in range(4):
        for args in ([], ["1"], ["2"], ["3"], ["4"], ["-1"], ["-3"], ["-12"]):
            p.proc("SRANDMEMBER s %s" % fmt_cmd(args), check_srandmember("s", *args))
    load(p, "SADD", "t", *["m%d" % i for i in range(300)])
    p.cmd("SRANDMEMBER", "t", "300", norm=unordered)
    p.cmd("SRANDMEMBER", "t", "1000", norm=unordered)
    for args in ([], ["1"], ["50"], ["150"], ["299"], ["-20"]):
        p.proc("SRANDMEMBER t %s" % fmt_cmd(args), check_srandmember("t", *args))
    # SPOP: each pop strategy (one by one, rebuilt set, everything), then resynchronised
    for key, members in (("p1", [str(i) for i in range(20)]), ("p2", ["a"] + [str(i) for i in range(20)]),
                         ("p3", ["m%d" % i for i in range(40)])):
        for args in ([], ["1"], ["2"], ["10"], ["4"], ["50"]):
            p.cmd("DEL", key)
            p.cmd("SADD", key, *members)
            p.cmd("EXPIRE", key, "1000")
            p.proc("SPOP %s %s" % (key, fmt_cmd(args)), check_spop(key, *args))
            p.cmd("TTL", key)
            resync(p, key)
            p.cmd("EXISTS", key)
            inspect_set(p, key)
    # popping everything replies like SUNION (sorted when the members fit an intset)
    p.cmd("SADD", "all", "a", "3", "1", "2")
    p.cmd("SREM", "all", "a")
    p.cmd("SPOP", "all", "3")
    p.cmd("EXISTS", "all")
    p.cmd("SADD", "all", "3", "1", "2")
    p.cmd("SPOP", "all", "10")


@script
def s_sscan(p):
    p.cmd("SSCAN", "nokey", "0")
    p.cmd("SADD", "s", "3", "1", "2", "10", "11", "100")
    for args in ([], ["COUNT", "1"], ["MATCH", "1*"], ["MATCH", "?"], ["MATCH", "[0-2]"], ["MATCH", "nomatch"],
                 ["COUNT", "0"], ["COUNT", "x"], ["MATCH"], ["TYPE", "set"], ["BAR", "1"]):
        p.cmd("SSCAN", "s", "0", *args)
    for cursor in ("x", "-1", "1", "007"):
        p.cmd("SSCAN", "s", cursor)
    load(p, "SADD", "t", *["m%d" % i for i in range(700)] + [str(i) for i in range(300)])
    for args in ([], ["COUNT", "7"], ["MATCH", "m1*"], ["MATCH", "1*", "COUNT", "100"]):
        scan(p, "SSCAN", "t", *args)
    p.cmd("HSET", "h", "f", "v")
    p.cmd("SSCAN", "h", "0")


@script
def s_wrongtype_matrix(p):
    p.cmd("SET", "str", "x")
    p.cmd("HSET", "hash", "f", "1")
    p.cmd("SADD", "set", "1")
    for key in ("str", "set"):
        for args in (["HSET", key, "f", "v"], ["HMSET", key, "f", "v"], ["HSETNX", key, "f", "v"], ["HGET", key, "f"],
                     ["HMGET", key, "f"], ["HDEL", key, "f"], ["HLEN", key], ["HSTRLEN", key, "f"],
                     ["HEXISTS", key, "f"], ["HKEYS", key], ["HVALS", key], ["HGETALL", key],
                     ["HINCRBY", key, "f", "1"], ["HINCRBYFLOAT", key, "f", "1"], ["HRANDFIELD", key],
                     ["HRANDFIELD", key, "2"], ["HSCAN", key, "0"]):
            p.cmd(*args)
    for key in ("str", "hash"):
        for args in (["SADD", key, "1"], ["SREM", key, "1"], ["SMEMBERS", key], ["SISMEMBER", key, "1"],
                     ["SMISMEMBER", key, "1"], ["SCARD", key], ["SPOP", key], ["SPOP", key, "1"],
                     ["SRANDMEMBER", key], ["SRANDMEMBER", key, "1"], ["SMOVE", key, "set", "1"],
                     ["SMOVE", "set", key, "1"], ["SINTER", key], ["SINTERCARD", "1", key], ["SUNION", key],
                     ["SDIFF", key], ["SINTERSTORE", "d", key], ["SUNIONSTORE", "d", key], ["SDIFFSTORE", "d", key],
                     ["SSCAN", key, "0"]):
            p.cmd(*args)
    for cmd in ("GET", "INCR", "APPEND", "STRLEN", "GETRANGE"):
        args = {"APPEND": ["x"], "GETRANGE": ["0", "1"]}.get(cmd, [])
        p.cmd(cmd, "hash", *args)
        p.cmd(cmd, "set", *args)
    p.cmd("SET", "hash", "overwritten")
    p.cmd("TYPE", "hash")


@script
def s_keyspace(p):
    p.cmd("HSET", "h", "a", "1", "b", "x" * 70)
    p.cmd("HSET", "hl", "a", "1", "b", "2")
    p.cmd("SADD", "s", "1", "2", "3")
    p.cmd("SADD", "st", "a", "b")
    for key in ("h", "hl", "s", "st"):
        p.cmd("TYPE", key)
        p.cmd("OBJECT", "ENCODING", key)
        p.cmd("COPY", key, key + ":copy")
        p.cmd("OBJECT", "ENCODING", key + ":copy")
    # the copy is independent of its source
    p.cmd("HSET", "hl:copy", "a", "changed", "c", "3")
    p.cmd("HDEL", "h:copy", "a")
    p.cmd("SADD", "s:copy", "4")
    p.cmd("SREM", "st:copy", "a")
    for key in ("h", "hl", "s", "st"):
        for k in (key, key + ":copy"):
            if key.startswith("h"):
                inspect_hash(p, k)
            else:
                inspect_set(p, k)
    p.cmd("COPY", "hl", "s", "REPLACE")
    p.cmd("TYPE", "s")
    inspect_hash(p, "s")
    p.cmd("COPY", "st", "other", "DB", "1")
    p.cmd("SELECT", "1")
    inspect_set(p, "other")
    p.cmd("SELECT", "0")
    p.cmd("RENAME", "hl", "hl2")
    inspect_hash(p, "hl2")
    p.cmd("MOVE", "st", "2")
    p.cmd("EXISTS", "st")
    p.cmd("EXPIRE", "hl2", "100")
    p.cmd("HSET", "hl2", "z", "1")
    p.cmd("TTL", "hl2")
    p.cmd("HDEL", "hl2", "a", "b", "z")
    p.cmd("EXISTS", "hl2")
    p.cmd("TTL", "hl2")
    p.cmd("DEL", "h", "s")
    p.cmd("DBSIZE")
    for side in (p.a, p.b):
        side.c.command("FLUSHALL")


STATS_COMMANDS = [
    ["HSET", "h", "f", "v", "n", "1"], ["HSET", "h", "f", "v"], ["HMSET", "h", "g", "w"], ["HSETNX", "h", "f", "v"],
    ["HSETNX", "h", "z", "v"], ["HGET", "h", "f"], ["HGET", "nokey", "f"], ["HMGET", "h", "f", "g"], ["HMGET", "nokey", "f"],
    ["HDEL", "h", "zz"], ["HDEL", "h", "z", "g"], ["HDEL", "nokey", "f"], ["HLEN", "h"], ["HLEN", "nokey"],
    ["HSTRLEN", "h", "f"], ["HEXISTS", "h", "f"], ["HKEYS", "h"], ["HVALS", "nokey"], ["HGETALL", "h"],
    ["HINCRBY", "h", "n", "1"], ["HINCRBY", "h", "f", "1"], ["HINCRBYFLOAT", "h", "x", "1"], ["HRANDFIELD", "h"],
    ["HRANDFIELD", "h", "2"], ["HRANDFIELD", "nokey", "2"], ["HSCAN", "h", "0"], ["HSCAN", "nokey", "0"],
    ["SADD", "s", "1", "2"], ["SADD", "s", "1"], ["SREM", "s", "9"], ["SREM", "nokey", "1"], ["SMEMBERS", "s"],
    ["SMEMBERS", "nokey"], ["SISMEMBER", "s", "1"], ["SMISMEMBER", "s", "1"], ["SCARD", "s"], ["SRANDMEMBER", "s"],
    ["SRANDMEMBER", "s", "2"], ["SRANDMEMBER", "nokey", "2"], ["SMOVE", "s", "t", "1"], ["SMOVE", "nokey", "t", "1"],
    ["SMOVE", "s", "s", "2"], ["SADD", "s", "1", "5", "6", "7"], ["SINTER", "s", "t"], ["SINTER", "s", "nokey"],
    ["SINTERCARD", "2", "s", "t"], ["SINTERSTORE", "d", "s", "t"], ["SINTERSTORE", "d", "s", "nokey"],
    ["SUNION", "s", "t", "nokey"], ["SUNIONSTORE", "d", "s", "t", "nokey"], ["SDIFF", "s", "t", "nokey"],
    ["SDIFFSTORE", "d", "s", "t", "nokey"], ["SDIFFSTORE", "d", "s", "s"], ["SSCAN", "s", "0"], ["SPOP", "s"],
    ["SPOP", "s", "1"], ["SPOP", "nokey"], ["SPOP", "nokey", "1"], ["SPOP", "s", "100"], ["SADD", "s", "1", "2", "3"],
    ["SPOP", "s", "0"], ["SADD", "s", *[str(i) for i in range(20)]], ["SPOP", "s", "2"], ["SPOP", "s", "12"],
    ["SPOP", "s", LLONG_MAX], ["COPY", "h", "h2"], ["SET", "str", "x"], ["HGET", "str", "f"], ["SADD", "str", "x"],
    ["SINTER", "str", "s"], ["HSET", "big", "f", "x" * 100], ["HDEL", "big", "f"],
]


def counters(side):
    """keyspace_hits, keyspace_misses and rdb_changes_since_last_save (Redis's `dirty`)."""
    fields = {}
    for section in ("stats", "persistence"):
        for line in bulk_payload(parse(side.c.command("INFO", section))).decode().splitlines():
            name, _, value = line.partition(":")
            fields[name] = value
    return int(fields["keyspace_hits"]), int(fields["keyspace_misses"]), int(fields["rdb_changes_since_last_save"])


@script
def s_keyspace_stats(p):
    """Which lookups count as keyspace hits/misses and how many changes each write counts."""
    p.cmd("CONFIG", "RESETSTAT")
    for args in STATS_COMMANDS:
        def step(side, args=args):
            before = counters(side)
            raw = side.c.command(*args)
            after = counters(side)
            random_reply = args[0] in ("HRANDFIELD", "SRANDMEMBER", "SPOP")
            return (parse(raw)[0] if random_reply else raw), tuple(y - x for x, y in zip(before, after))
        p.proc("%s (reply, hits/misses/changes)" % fmt_cmd(args), step)


@script
def s_command_docs(p):
    for name in HASH_COMMANDS + SET_COMMANDS:
        p.cmd("COMMAND", "INFO", name, norm=norm_command)
        p.cmd("COMMAND", "DOCS", name, norm=norm_command)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_hash_set_scripted(apus, redis, proto, name):
    p = open_pair(apus, redis, "hash/set script=%s" % name, proto)
    try:
        SCRIPTS[name](p)
        p.cmd("PING")
    finally:
        p.close()


# ===========================================================================
# Random sequences
# ===========================================================================

HASH_KEYS = ["h1", "h2", "h3"]
SET_KEYS = ["s1", "s2", "s3", "s4"]
OTHER_KEYS = ["str", "nokey"]
MEMBERS = ["0", "1", "2", "3", "7", "-1", "100", "127", "128", "40000", "5000000000", LLONG_MIN, "a", "b", "c",
           "hello", "", "-0", "007", "1.5", "z" * 65]
MEMBER_WEIGHTS = [8, 8, 8, 6, 6, 4, 4, 2, 2, 2, 2, 1, 4, 4, 3, 2, 1, 1, 1, 1, 1]
FIELDS = ["f1", "f2", "f3", "f4", "f5", "1", "2", "", "f" * 65]
FIELD_WEIGHTS = [8, 8, 6, 4, 3, 3, 2, 1, 1]
VALUES = ["1", "-5", "100", "0", LLONG_MAX, "abc", "", "1.5", "3e2", "v" * 64, "v" * 65, " 2"]
VALUE_WEIGHTS = [6, 3, 3, 3, 1, 3, 1, 3, 1, 1, 1, 1]


def rhkey(rng):
    return rng.choice(HASH_KEYS) if rng.random() < 0.92 else rng.choice(SET_KEYS + OTHER_KEYS)


def rskey(rng):
    return rng.choice(SET_KEYS) if rng.random() < 0.92 else rng.choice(HASH_KEYS + OTHER_KEYS)


def rmember(rng):
    return rng.choices(MEMBERS, MEMBER_WEIGHTS)[0]


def rfield(rng):
    return rng.choices(FIELDS, FIELD_WEIGHTS)[0]


def rvalue(rng):
    return rng.choices(VALUES, VALUE_WEIGHTS)[0]


def rcount(rng):
    r = rng.random()
    if r < 0.8:
        return str(rng.randint(-6, 8))
    return rng.choice(["x", "0", "30", "-30", LLONG_MIN])


def g_hash_write(rng, p):
    k = rhkey(rng)
    r = rng.randrange(6)
    if r < 3:
        args = [x for _ in range(rng.randint(1, 3)) for x in (rfield(rng), rvalue(rng))]
        if rng.random() < 0.03:
            args.pop()
        p.cmd(rng.choice(["HSET", "HSET", "HMSET"]), k, *args)
    elif r == 3:
        p.cmd("HSETNX", k, rfield(rng), rvalue(rng))
    elif r == 4:
        p.cmd("HDEL", k, *[rfield(rng) for _ in range(rng.randint(1, 3))])
    elif rng.random() < 0.5:
        p.cmd("HINCRBY", k, rfield(rng), rng.choice(["1", "-3", "100", LLONG_MAX, "x"]))
    else:
        p.cmd("HINCRBYFLOAT", k, rfield(rng), rng.choice(["1.5", "-0.25", "1e3", "3", "inf", "x"]))


def g_hash_read(rng, p):
    k = rhkey(rng)
    r = rng.randrange(7)
    if r == 0:
        p.cmd("HGET", k, rfield(rng))
    elif r == 1:
        p.cmd("HMGET", k, *[rfield(rng) for _ in range(rng.randint(1, 4))])
    elif r == 2:
        p.cmd(rng.choice(["HLEN", "TYPE"]), k)
    elif r == 3:
        p.cmd(rng.choice(["HSTRLEN", "HEXISTS"]), k, rfield(rng))
    elif r == 4:
        cmd = rng.choice(["HGETALL", "HKEYS", "HVALS"])
        read_order_sensitive(p, cmd, k, pairs=cmd == "HGETALL")
    elif r == 5:
        args = [rcount(rng)] if rng.random() < 0.8 else []
        if args and rng.random() < 0.4:
            args.append("WITHVALUES")
        p.proc("HRANDFIELD %s %s" % (k, fmt_cmd(args)), check_hrandfield(k, *args))
    else:
        args = rng.choice([[], ["COUNT", "2"], ["MATCH", "f*"], ["MATCH", "?"]])
        scan(p, "HSCAN", k, *args)


def g_set_write(rng, p):
    k = rskey(rng)
    r = rng.randrange(6)
    if r < 3:
        p.cmd("SADD", k, *[rmember(rng) for _ in range(rng.randint(1, 4))])
    elif r == 3:
        p.cmd("SREM", k, *[rmember(rng) for _ in range(rng.randint(1, 3))])
    elif r == 4:
        p.cmd("SMOVE", k, rskey(rng), rmember(rng))
    else:
        args = [] if rng.random() < 0.4 else [rng.choice(["0", "1", "2", "3", "10", "-1", "x"])]
        p.proc("SPOP %s %s" % (k, fmt_cmd(args)), check_spop(k, *args))
        resync(p, k)


def g_set_read(rng, p):
    k = rskey(rng)
    r = rng.randrange(6)
    if r == 0:
        p.cmd("SISMEMBER", k, rmember(rng))
    elif r == 1:
        p.cmd("SMISMEMBER", k, *[rmember(rng) for _ in range(rng.randint(1, 4))])
    elif r == 2:
        p.cmd(rng.choice(["SCARD", "TYPE"]), k)
    elif r == 3:
        read_order_sensitive(p, "SMEMBERS", k)
    elif r == 4:
        args = [rcount(rng)] if rng.random() < 0.8 else []
        p.proc("SRANDMEMBER %s %s" % (k, fmt_cmd(args)), check_srandmember(k, *args))
    else:
        args = rng.choice([[], ["COUNT", "2"], ["MATCH", "1*"], ["MATCH", "?"]])
        scan(p, "SSCAN", k, *args)


def g_set_algebra(rng, p):
    keys = [rskey(rng) for _ in range(rng.randint(1, 3))]
    r = rng.randrange(7)
    if r < 3:
        p.cmd(["SINTER", "SUNION", "SDIFF"][r], *keys, norm=unordered)
    elif r < 6:
        dst = rng.choice(SET_KEYS + ["dst"])
        p.cmd(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"][r - 3], dst, *keys)
        p.cmd("OBJECT", "ENCODING", dst)
        read_order_sensitive(p, "SMEMBERS", dst)
    else:
        opts = [] if rng.random() < 0.5 else ["LIMIT", rng.choice(["0", "1", "2", "-1"])]
        p.cmd("SINTERCARD", str(len(keys)), *keys, *opts)


def g_keyspace(rng, p):
    k = rng.choice(HASH_KEYS + SET_KEYS + OTHER_KEYS)
    r = rng.randrange(7)
    if r == 0:
        p.cmd("DEL", k)
    elif r == 1:
        p.cmd("SET", "str", rvalue(rng))
    elif r == 2:
        p.cmd("COPY", k, rng.choice(HASH_KEYS + SET_KEYS), *(["REPLACE"] if rng.random() < 0.5 else []))
    elif r == 3:
        p.cmd("RENAME", k, rng.choice(HASH_KEYS + SET_KEYS))
    elif r == 4:
        p.cmd("EXPIRE", k, str(rng.randint(100, 1000)))
    else:
        p.cmd("OBJECT", "ENCODING", k)


GENERATORS = [(g_hash_write, 14), (g_hash_read, 12), (g_set_write, 14), (g_set_read, 12), (g_set_algebra, 8),
              (g_keyspace, 5)]


@pytest.mark.parametrize("seed", SEEDS)
def test_hash_set_random(apus, redis, proto, seed):
    rng = random.Random(seed)
    p = open_pair(apus, redis, "hash/set seed=%d (rerun: APUS_HS_SEEDS=%d)" % (seed, seed), proto)
    small = seed > 100
    try:
        if small:
            set_thresholds(p, ("3", "4", "3"))
        gens = [g for g, _ in GENERATORS]
        weights = [w for _, w in GENERATORS]
        for _ in range(STEPS):
            rng.choices(gens, weights)[0](rng, p)
        for k in HASH_KEYS + SET_KEYS + OTHER_KEYS + ["dst"]:
            p.cmd("TYPE", k)
            p.cmd("OBJECT", "ENCODING", k)
            t = parse(p.cmd("TYPE", k))[1]
            if t == b"hash":
                inspect_hash(p, k)
            elif t == b"set":
                inspect_set(p, k)
    finally:
        if small:
            set_thresholds(p, DEFAULT_THRESHOLDS)
        p.close()
