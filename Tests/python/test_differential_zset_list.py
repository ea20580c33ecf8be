"""Differential tests for sorted sets and lists: the same commands go to Apus
and to redis-server 7.0 and the raw replies must be identical, in RESP2 and
RESP3.  Harness, fixtures and normalisers come from test_differential.

Layout
    * scripted cases  (test_zl_scripted[...])  every command, option and error
      form, the encodings at exactly their thresholds, wrong types, arities
    * random sequences (test_zl_random[...])   fixed seeds; sorted set, list,
      set and string commands interleaved over a small keyspace, with
      thresholds lowered on some seeds so conversions happen often
The non-blocking paths of the blocking commands are covered here; blocking
itself (FIFO order, timeouts, CLIENT UNBLOCK, ...) is in test_blocking.py.

Normalisers used here, each for one documented source of nondeterminism:
    * ZRANDMEMBER with a count smaller than the set (and negative counts):
      which members come back is random.  Checked on each side against that
      side's own sorted set instead: reply shape, length, distinctness (for
      positive counts), membership and the scores.
    * ZSCAN of a skiplist-encoded set: the cursor sequence depends on the
      hash function.  A full iteration is compared as a set of pairs (each
      member exactly once, with its score text) and must end at cursor 0.
      Listpack-encoded sets come back in one call and are compared exactly.
    * ZUNION/ZINTER/ZDIFF with a plain-set (hashtable) input are ordered by
      score then member, so they stay exact; SMEMBERS is compared sorted.
Knobs: APUS_ZL_SEEDS=1,2,3 (default 1..12), APUS_ZL_STEPS (default 500),
APUS_ZL_CHECK_EVERY=1 (compare every value after each step, to find the step
that made a later difference).
"""

import os
import random

import pytest

from support.resp import parse, bulk_payload
from test_differential import (open_pair, proto, norm_command, norm_sorted, fmt_cmd,  # noqa: F401
                               LLONG_MAX, LLONG_MIN)

SEEDS = [int(s) for s in os.environ.get("APUS_ZL_SEEDS", "").split(",") if s.strip()] or list(range(1, 13))
STEPS = int(os.environ.get("APUS_ZL_STEPS", "500"))
CHECK_EVERY = os.environ.get("APUS_ZL_CHECK_EVERY") == "1"

DEFAULT_CONFIG = {"zset-max-listpack-entries": "128", "zset-max-listpack-value": "64",
                  "list-max-listpack-size": "-2", "list-compress-depth": "0",
                  "set-max-intset-entries": "512"}


def set_config(p, **values):
    for name, value in values.items():
        p.cmd("CONFIG", "SET", name.replace("_", "-"), str(value))


def restore_config(p):
    for side in (p.a, p.b):
        c = side.connect()
        for name, value in DEFAULT_CONFIG.items():
            c.command("CONFIG", "SET", name, value)
        c.close()


# ===========================================================================
# Normalisers
# ===========================================================================

def zset_contents(side, key):
    """{member: score-bytes} of a sorted set, read with ZRANGE WITHSCORES in RESP2 form."""
    c = side.connect()
    try:
        node = parse(c.command("ZRANGE", key, "0", "-1", "WITHSCORES"))
    finally:
        c.close()
    if node[0] != "*" or node[1] is None:
        return {}
    flat = [bulk_payload(x) for x in node[1]]
    return dict(zip(flat[0::2], flat[1::2]))


def check_zrandmember(p, key, *args):
    """ZRANDMEMBER key [count [WITHSCORES]] whose result is random: validate each
    side's reply against its own set and compare the verdicts."""
    def run(side):
        raw = side.c.command("ZRANDMEMBER", key, *args)
        node = parse(raw)
        if node[0] in "-_" or (node[0] == "$" and (node[1] is None or not args)):
            if node[0] == "$" and node[1] is not None:
                return ("member", node[1] in zset_contents(side, key))
            return raw
        contents = zset_contents(side, key)
        count = int(args[0])
        withscores = len(args) > 1
        items = node[1]
        pairs = []
        if withscores:
            if items and items[0][0] == "*":   # RESP3: [member, score] pairs
                shape = "nested"
                for pair in items:
                    pairs.append((bulk_payload(pair[1][0]), pair[1][1]))
            else:
                shape = "flat"
                for m, s in zip(items[0::2], items[1::2]):
                    pairs.append((bulk_payload(m), s))
        else:
            shape = "plain"
            pairs = [(bulk_payload(m), None) for m in items]
        members = [m for m, _ in pairs]
        ok_members = all(m in contents for m in members)
        ok_scores = all(s is None or (s[0] == "," and s[1] == contents[m]) or (s[0] == "$" and s[1] == contents[m])
                        for m, s in pairs if m in contents)
        score_types = sorted({s[0] for _, s in pairs if s is not None})
        if count >= 0:
            expected_len = min(count, len(contents))
            distinct = len(set(members)) == len(members)
        else:
            expected_len = -count
            distinct = True
        return (node[0], shape, len(members) == expected_len, distinct, ok_members, ok_scores, score_types)
    p.proc("ZRANDMEMBER %s %s" % (key, fmt_cmd(args)), run)


def check_zscan(p, key, *options):
    """ZSCAN to the end: a listpack answers in one exact call; for a skiplist
    the pairs seen must be the whole set, each member once."""
    def run(side):
        encoding = side.c.command("OBJECT", "ENCODING", key)
        cursor = b"0"
        seen = []
        calls = 0
        first = None
        while True:
            raw = side.c.command("ZSCAN", key, cursor, *options)
            if first is None:
                first = raw
            node = parse(raw)
            if node[0] != "*":
                return raw
            calls += 1
            cursor = bulk_payload(node[1][0])
            flat = [bulk_payload(x) for x in node[1][1][1]]
            seen += list(zip(flat[0::2], flat[1::2]))
            if cursor == b"0" or calls > 10000:
                break
        if encoding != b"$8\r\nskiplist\r\n":
            return calls, first
        return ("skiplist", sorted(set(seen)), len(seen) == len(set(x[0] for x in seen)))
    p.proc("ZSCAN %s (full)" % key, run)


# ===========================================================================
# Value pools
# ===========================================================================

MEMBERS = ["a", "b", "c", "d", "e", "f", "aa", "ab", "B", "1", "2", "10", "-5", "007", "", "x" * 70,
           b"\x00\xff", "caf\u00e9", "zz"]
SCORES = ["0", "1", "-1", "1.5", "2.5", "-0", "inf", "-inf", "+inf", "1e10", "3.0000000000000004", "0.1",
          "1e308", "5e-324", "12345678901234567", "4503599627370496", "4503599627370495", "-4503599627370495",
          "17", "2", "3"]
BAD_SCORES = ["nan", "abc", "", " 1", "1e400", "0x10", "1 ", "-nan"]
SCORE_BOUNDS = ["-inf", "+inf", "inf", "0", "1", "(1", "2.5", "(2.5", "-1", "(-inf", "(+inf", "1e10", "3",
                "(3", "", "(", "abc", " 1", "0x10", "nan", "(nan", "1e400", "-0", "(0", "10"]
LEX_BOUNDS = ["-", "+", "[a", "(a", "[b", "(b", "[c", "(aa", "[", "(", "[zz", "(zz", "a", "", "+x", "-x", "[1",
              "(10", "[B"]
ELEMENTS = ["a", "b", "c", "d", "1", "2", "-1", "10", "007", "", "x" * 70, "hello world", "9223372036854775807",
            "-9223372036854775808", "9223372036854775808", b"\x00\x01"]
INDEXES = ["0", "1", "-1", "2", "-2", "5", "-5", "100", "-100", LLONG_MAX, LLONG_MIN, "abc", "1.5", ""]

SCRIPTS = {}


def script(fn):
    SCRIPTS[fn.__name__[2:]] = fn
    return fn


def zdump(p, *keys):
    for k in keys:
        p.cmd("TYPE", k)
        p.cmd("OBJECT", "ENCODING", k)
        p.cmd("ZCARD", k)
        p.cmd("ZRANGE", k, "0", "-1", "WITHSCORES")


def ldump(p, *keys):
    for k in keys:
        p.cmd("TYPE", k)
        p.cmd("OBJECT", "ENCODING", k)
        p.cmd("LLEN", k)
        p.cmd("LRANGE", k, "0", "-1")


# ===========================================================================
# Scripted cases: sorted sets
# ===========================================================================

@script
def s_zadd_basic(p):
    p.cmd("ZADD", "z", "1", "a")
    for s in SCORES:
        p.cmd("ZADD", "z", s, "m" + s)
    zdump(p, "z")
    for s in SCORES:
        p.cmd("ZSCORE", "z", "m" + s)
    for s in BAD_SCORES:
        p.cmd("ZADD", "z", s, "bad")
        p.cmd("ZINCRBY", "z", s, "a")
    p.cmd("ZADD", "z", "1", "a", "2")
    p.cmd("ZADD", "z")
    p.cmd("ZADD", "z", "1")
    p.cmd("ZADD", "z", "nx")
    p.cmd("ZADD", "z", "nx", "1")
    p.cmd("ZADD", "z", "1", "a", "abc", "b")   # nothing added: scores parse first
    p.cmd("ZCARD", "z")
    for m in MEMBERS:
        p.cmd("ZADD", "z2", "5", m)
    zdump(p, "z2")
    p.cmd("ZADD", "z2", "5", "a", "5", "a", "4", "a")
    p.cmd("ZSCORE", "z2", "a")
    p.cmd("ZADD", "z3", "-0", "m")
    p.cmd("ZSCORE", "z3", "m")
    p.cmd("ZADD", "z3", "0", "m")
    p.cmd("ZSCORE", "z3", "m")
    p.cmd("ZADD", "z3", "incr", "-0", "m")
    p.cmd("ZADD", "z3", "ch", "0", "m", "-0", "n")
    zdump(p, "z3")


@script
def s_zadd_options(p):
    for opts in (["nx"], ["xx"], ["ch"], ["incr"], ["gt"], ["lt"], ["nx", "xx"], ["gt", "lt"], ["nx", "gt"],
                 ["nx", "lt"], ["xx", "gt"], ["xx", "lt"], ["xx", "ch"], ["gt", "ch"], ["lt", "ch"],
                 ["NX", "CH"], ["incr", "nx"], ["incr", "xx"], ["incr", "gt"], ["incr", "lt"], ["ch", "incr"],
                 ["Gt", "xX", "cH"]):
        p.cmd("DEL", "z")
        p.cmd("ZADD", "z", *opts, "5", "a")
        p.cmd("ZADD", "z", "1", "b", "3", "c")
        for score in ("5", "4", "6", "-inf", "inf"):
            p.cmd("ZADD", "z", *opts, score, "a")
            p.cmd("ZADD", "z", *opts, score, "new" + score)
            p.cmd("ZADD", "z", *opts, score, "a", "1", "b")
        zdump(p, "z")
    p.cmd("ZADD", "z", "incr", "1", "a", "2", "b")
    p.cmd("ZADD", "nokey", "xx", "1", "a")
    p.cmd("ZADD", "nokey", "xx", "incr", "1", "a")
    p.cmd("EXISTS", "nokey")
    p.cmd("ZADD", "nokey", "gt", "incr", "1", "a")
    p.cmd("ZADD", "nokey", "gt", "incr", "1", "a")
    p.cmd("ZADD", "nokey", "lt", "incr", "-1", "a")
    p.cmd("ZADD", "nokey", "lt", "incr", "1", "a")
    p.cmd("ZADD", "inf", "inf", "a")
    p.cmd("ZADD", "inf", "incr", "-inf", "a")
    p.cmd("ZINCRBY", "inf", "-inf", "a")
    p.cmd("ZSCORE", "inf", "a")
    p.cmd("ZADD", "inf", "incr", "inf", "a")


@script
def s_zincrby(p):
    p.cmd("ZINCRBY", "z", "1", "a")
    p.cmd("ZINCRBY", "z", "0.1", "a")
    p.cmd("ZINCRBY", "z", "0.2", "a")
    p.cmd("ZINCRBY", "z", "-1e308", "a")
    p.cmd("ZINCRBY", "z", "-1e308", "a")
    p.cmd("ZINCRBY", "z", "inf", "b")
    p.cmd("ZINCRBY", "z", "-inf", "b")
    p.cmd("ZINCRBY", "z", "nx", "a")
    p.cmd("ZINCRBY", "z", "1")
    p.cmd("ZINCRBY", "z", "1", "a", "b")
    p.cmd("ZINCRBY", "z", "5e-324", "c")
    p.cmd("ZINCRBY", "z", "1e-320", "c")
    zdump(p, "z")


@script
def s_zrem_zcard_zscore_zmscore(p):
    p.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c")
    p.cmd("ZREM", "z", "a", "x", "a")
    p.cmd("ZREM", "z", "nope")
    p.cmd("ZREM", "nokey", "a")
    p.cmd("ZCARD", "z")
    p.cmd("ZCARD", "nokey")
    p.cmd("ZSCORE", "z", "b")
    p.cmd("ZSCORE", "z", "a")
    p.cmd("ZSCORE", "nokey", "a")
    p.cmd("ZMSCORE", "z", "a", "b", "c", "d")
    p.cmd("ZMSCORE", "nokey", "a", "b")
    p.cmd("ZMSCORE", "z")
    p.cmd("ZREM", "z", "b", "c", "d")
    p.cmd("EXISTS", "z")
    p.cmd("ZREM", "z")
    p.cmd("ZSCORE", "z")
    p.cmd("ZCARD", "z", "x")


@script
def s_zrank(p):
    for enc in ("128", "1"):
        set_config(p, zset_max_listpack_entries=enc)
        p.cmd("DEL", "z")
        p.cmd("ZADD", "z", "1", "a", "2", "b", "2", "c", "3", "d", "-inf", "e", "inf", "f")
        p.cmd("OBJECT", "ENCODING", "z")
        for m in ("a", "b", "c", "d", "e", "f", "x", ""):
            p.cmd("ZRANK", "z", m)
            p.cmd("ZREVRANK", "z", m)
        p.cmd("ZRANK", "nokey", "a")
        p.cmd("ZREVRANK", "nokey", "a")
        p.cmd("ZRANK", "z", "a", "withscore")
        p.cmd("ZRANK", "z")


@script
def s_zcount_zlexcount(p):
    for enc in ("128", "2"):
        set_config(p, zset_max_listpack_entries=enc)
        p.cmd("DEL", "z", "l")
        p.cmd("ZADD", "z", "1", "a", "2", "b", "2.5", "c", "3", "d", "-inf", "e", "inf", "f", "10", "g")
        p.cmd("ZADD", "l", "0", "a", "0", "aa", "0", "ab", "0", "b", "0", "c", "0", "zz", "0", "B", "0", "")
        for lo in SCORE_BOUNDS:
            for hi in ("+inf", "3", "(3", "inf", "-inf", "(2.5", "10", "abc", ""):
                p.cmd("ZCOUNT", "z", lo, hi)
        for lo in LEX_BOUNDS:
            for hi in ("+", "[c", "(c", "-", "[zz", "(", "b", "[aa"):
                p.cmd("ZLEXCOUNT", "l", lo, hi)
        p.cmd("ZCOUNT", "nokey", "0", "1")
        p.cmd("ZCOUNT", "nokey", "x", "1")
        p.cmd("ZLEXCOUNT", "nokey", "-", "+")
        p.cmd("ZLEXCOUNT", "nokey", "a", "+")


def _range_forms(p, key, lex=True):
    """Every ZRANGE form over `key`.  Lex forms only where Redis's answer is
    defined: on a listpack (a linear walk), or a skiplist whose scores are all
    equal (with mixed scores the skiplist descent depends on random levels)."""
    for start, stop in (("0", "-1"), ("1", "2"), ("-2", "-1"), ("5", "1"), ("-100", "100"), ("0", "0"),
                        ("100", "200"), ("-1", "-100"), (LLONG_MIN, LLONG_MAX), ("a", "1"), ("1", "1.5")):
        p.cmd("ZRANGE", key, start, stop)
        p.cmd("ZRANGE", key, start, stop, "WITHSCORES")
        p.cmd("ZRANGE", key, start, stop, "REV", "withscores")
        p.cmd("ZREVRANGE", key, start, stop)
        p.cmd("ZREVRANGE", key, start, stop, "WITHSCORES")
    for lo, hi in (("-inf", "+inf"), ("1", "3"), ("(1", "3"), ("1", "(3"), ("(2", "(2"), ("3", "1"), ("", "abc"),
                   ("2.5", "2.5"), ("(2.5", "2.5"), ("-inf", "-inf"), ("+inf", "+inf"), ("0x1", "0x3")):
        p.cmd("ZRANGEBYSCORE", key, lo, hi)
        p.cmd("ZRANGEBYSCORE", key, lo, hi, "WITHSCORES")
        p.cmd("ZREVRANGEBYSCORE", key, hi, lo, "WITHSCORES")
        p.cmd("ZRANGE", key, lo, hi, "BYSCORE")
        p.cmd("ZRANGE", key, hi, lo, "BYSCORE", "REV", "WITHSCORES")
        for off, cnt in (("0", "1"), ("1", "2"), ("-1", "5"), ("2", "-1"), ("0", "0"), ("100", "1"), ("1", "-5"),
                         ("x", "1")):
            p.cmd("ZRANGEBYSCORE", key, lo, hi, "LIMIT", off, cnt)
            p.cmd("ZREVRANGEBYSCORE", key, hi, lo, "WITHSCORES", "LIMIT", off, cnt)
            p.cmd("ZRANGE", key, lo, hi, "BYSCORE", "LIMIT", off, cnt, "WITHSCORES")
    if not lex:
        return
    for lo, hi in (("-", "+"), ("[a", "[c"), ("(a", "(c"), ("[b", "+"), ("-", "(b"), ("+", "-"), ("[c", "[a"),
                   ("[aa", "[aa"), ("(aa", "[aa"), ("a", "c"), ("[", "+"), ("-", "[")):
        p.cmd("ZRANGEBYLEX", key, lo, hi)
        p.cmd("ZREVRANGEBYLEX", key, hi, lo)
        p.cmd("ZRANGE", key, lo, hi, "BYLEX")
        p.cmd("ZRANGE", key, hi, lo, "BYLEX", "REV")
        for off, cnt in (("0", "1"), ("1", "2"), ("-1", "5"), ("1", "-1"), ("0", "0")):
            p.cmd("ZRANGEBYLEX", key, lo, hi, "LIMIT", off, cnt)
            p.cmd("ZREVRANGEBYLEX", key, hi, lo, "LIMIT", off, cnt)


@script
def s_zrange_listpack(p):
    p.cmd("ZADD", "z", "1", "a", "2", "b", "2", "bb", "2.5", "c", "3", "d", "-inf", "e", "inf", "f", "0", "aa")
    p.cmd("OBJECT", "ENCODING", "z")
    _range_forms(p, "z")
    p.cmd("ZADD", "lex", "0", "a", "0", "aa", "0", "ab", "0", "b", "0", "c", "0", "zz", "0", "B", "0", "")
    _range_forms(p, "lex")


@script
def s_zrange_skiplist(p):
    set_config(p, zset_max_listpack_entries="3")
    p.cmd("ZADD", "z", "1", "a", "2", "b", "2", "bb", "2.5", "c", "3", "d", "-inf", "e", "inf", "f", "0", "aa")
    p.cmd("OBJECT", "ENCODING", "z")
    _range_forms(p, "z", lex=False)
    p.cmd("ZADD", "lex", "0", "a", "0", "aa", "0", "ab", "0", "b", "0", "c", "0", "zz", "0", "B", "0", "")
    _range_forms(p, "lex")


@script
def s_zrange_errors(p):
    p.cmd("ZADD", "z", "1", "a", "2", "b")
    for args in (["0", "-1", "rev", "rev"], ["0", "-1", "byscore", "bylex"], ["0", "-1", "limit", "0", "1"],
                 ["[a", "[b", "bylex", "withscores"], ["0", "1", "foo"], ["0", "1", "limit", "0"],
                 ["0", "1", "limit"], ["0", "1", "byscore", "limit", "a", "1"], ["(", "(", "byscore"],
                 ["0", "1", "WITHSCORES", "WITHSCORES"], ["-inf", "inf", "byscore", "byscore"],
                 ["-inf", "inf", "byscore", "limit", "0", "1", "limit", "1", "1"], ["a", "b", "bylex"]):
        p.cmd("ZRANGE", "z", *args)
        p.cmd("ZRANGE", "nokey", *args)
        p.cmd("ZRANGESTORE", "dst", "z", *args)
    p.cmd("ZREVRANGE", "z", "0", "-1", "limit", "0", "1")
    p.cmd("ZREVRANGEBYSCORE", "z", "5", "1", "rev")
    p.cmd("ZRANGEBYSCORE", "z", "1", "5", "byscore")
    p.cmd("ZRANGEBYLEX", "z", "-", "+", "withscores")
    p.cmd("ZRANGEBYLEX", "z", "-", "+", "bylex")
    p.cmd("ZRANGE", "z", "0")
    p.cmd("ZRANGEBYSCORE", "z", "0")
    p.cmd("ZRANGESTORE", "dst", "z", "0")


@script
def s_zrangestore(p):
    p.cmd("ZADD", "src", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    for args in (["0", "-1"], ["1", "2"], ["5", "1"], ["-inf", "+inf", "byscore"], ["(1", "4", "byscore", "limit", "1", "2"],
                 ["4", "1", "byscore", "rev"], ["[a", "[c", "bylex"], ["+", "-", "bylex", "rev", "limit", "0", "2"],
                 ["0", "-1", "rev"], ["10", "20", "byscore"]):
        p.cmd("ZRANGESTORE", "dst", "src", *args)
        zdump(p, "dst")
    p.cmd("SET", "dst", "string")
    p.cmd("EXPIRE", "dst", "1000")
    p.cmd("ZRANGESTORE", "dst", "src", "0", "1")
    p.cmd("TTL", "dst")
    zdump(p, "dst")
    p.cmd("ZRANGESTORE", "dst", "nokey", "0", "-1")
    p.cmd("EXISTS", "dst")
    p.cmd("SET", "str", "x")
    p.cmd("ZRANGESTORE", "dst", "str", "0", "-1")
    p.cmd("ZRANGESTORE", "src", "src", "1", "2")
    zdump(p, "src")
    set_config(p, zset_max_listpack_entries="3")
    p.cmd("ZADD", "src", "3", "c", "4", "d", "5", "e")
    p.cmd("ZRANGESTORE", "d2", "src", "0", "2")
    p.cmd("ZRANGESTORE", "d3", "src", "0", "3")
    p.cmd("ZRANGESTORE", "d4", "src", "-inf", "+inf", "byscore", "limit", "0", "3")
    p.cmd("ZRANGESTORE", "d5", "src", "-inf", "+inf", "byscore")
    zdump(p, "d2", "d3", "d4", "d5")


@script
def s_zremrange(p):
    for enc in ("128", "2"):
        set_config(p, zset_max_listpack_entries=enc)
        for args in (["ZREMRANGEBYRANK", "0", "1"], ["ZREMRANGEBYRANK", "-2", "-1"], ["ZREMRANGEBYRANK", "5", "1"],
                     ["ZREMRANGEBYRANK", "0", "-1"], ["ZREMRANGEBYRANK", "1", "100"], ["ZREMRANGEBYRANK", "a", "1"],
                     ["ZREMRANGEBYSCORE", "1", "2"], ["ZREMRANGEBYSCORE", "(1", "(3"], ["ZREMRANGEBYSCORE", "-inf", "+inf"],
                     ["ZREMRANGEBYSCORE", "5", "1"], ["ZREMRANGEBYSCORE", "x", "1"],
                     ["ZREMRANGEBYLEX", "[a", "[b"], ["ZREMRANGEBYLEX", "-", "+"], ["ZREMRANGEBYLEX", "(a", "(c"],
                     ["ZREMRANGEBYLEX", "a", "b"], ["ZREMRANGEBYLEX", "+", "-"]):
            p.cmd("DEL", "z")
            p.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
            p.cmd(args[0], "z", *args[1:])
            zdump(p, "z")
            p.cmd(args[0], "nokey", *args[1:])
    p.cmd("SET", "str", "x")
    p.cmd("ZREMRANGEBYRANK", "str", "0", "1")
    p.cmd("ZREMRANGEBYSCORE", "str", "x", "1")


@script
def s_zpop(p):
    for enc in ("128", "2"):
        set_config(p, zset_max_listpack_entries=enc)
        p.cmd("DEL", "z")
        p.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "-inf", "m", "inf", "n")
        p.cmd("ZPOPMIN", "z")
        p.cmd("ZPOPMAX", "z")
        p.cmd("ZPOPMIN", "z", "2")
        p.cmd("ZPOPMAX", "z", "1")
        p.cmd("ZPOPMIN", "z", "0")
        p.cmd("ZPOPMAX", "z", "100")
        p.cmd("EXISTS", "z")
        p.cmd("ZPOPMIN", "z")
        p.cmd("ZPOPMIN", "z", "3")
        for bad in ("-1", "abc", "", "1.5", LLONG_MIN):
            p.cmd("ZPOPMIN", "z", bad)
            p.cmd("ZPOPMAX", "nokey", bad)
        p.cmd("ZPOPMIN", "z", "1", "2")
    p.cmd("SET", "str", "x")
    p.cmd("ZPOPMIN", "str")
    p.cmd("ZPOPMAX", "str", "2")


@script
def s_zmpop(p):
    p.cmd("ZADD", "z1", "1", "a", "2", "b", "3", "c")
    p.cmd("ZADD", "z2", "10", "x")
    p.cmd("SET", "str", "v")
    for args in (["1", "z1", "MIN"], ["1", "z1", "max"], ["2", "nokey", "z1", "MIN", "COUNT", "2"],
                 ["2", "nokey", "z2", "MAX", "count", "10"], ["1", "nokey", "MIN"], ["2", "z1", "str", "min"],
                 ["2", "str", "z1", "min"], ["0", "z1", "MIN"], ["-1", "z1", "MIN"], ["abc", "z1", "MIN"],
                 ["1", "z1", "FOO"], ["1", "z1", "MIN", "COUNT", "0"], ["1", "z1", "MIN", "COUNT", "-1"],
                 ["1", "z1", "MIN", "COUNT"], ["1", "z1", "MIN", "COUNT", "1", "COUNT", "1"], ["3", "z1", "MIN"],
                 ["1", "z1"], [LLONG_MAX, "z1", "MIN"], ["1", "z1", "MIN", "foo"], ["1", "z1", "MIN", "COUNT", "abc"]):
        p.cmd("ZMPOP", *args)
    zdump(p, "z1", "z2")
    p.cmd("ZMPOP")
    p.cmd("ZMPOP", "1")


@script
def s_zrandmember(p):
    for enc in ("128", "3"):
        set_config(p, zset_max_listpack_entries=enc)
        p.cmd("DEL", "z")
        p.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "1.5", "f")
        for args in ([], ["1"], ["2"], ["5"], ["-1"], ["-3"], ["-20"], ["3", "WITHSCORES"], ["-5", "withscores"],
                     ["1", "withscores"]):
            check_zrandmember(p, "z", *args)
        for args in (["6"], ["7"], ["100"], ["6", "withscores"], ["100", "WITHSCORES"], ["0"], ["0", "withscores"]):
            p.cmd("ZRANDMEMBER", "z", *args)
    p.cmd("ZRANDMEMBER", "nokey")
    p.cmd("ZRANDMEMBER", "nokey", "5")
    p.cmd("ZRANDMEMBER", "nokey", "5", "foo")
    p.cmd("ZRANDMEMBER", "nokey", "abc")
    p.cmd("SET", "str", "x")
    p.cmd("ZRANDMEMBER", "str")
    p.cmd("ZRANDMEMBER", "str", "5")
    p.cmd("ZRANDMEMBER", "str", "abc")
    p.cmd("ZRANDMEMBER", "str", "5", "foo")
    for args in ([LLONG_MIN], [LLONG_MIN, "withscores"], ["-9223372036854775807", "withscores"],
                 [LLONG_MAX, "withscores"], ["4611686018427387904", "withscores"], ["4611686018427387903", "withscores"],
                 ["5", "withscores", "x"], ["5", "foo"], ["1.5"], ["abc", "foo"]):
        p.cmd("ZRANDMEMBER", "z", *args)
    p.cmd("ZADD", "one", "7", "only")
    p.cmd("ZRANDMEMBER", "one")
    p.cmd("ZRANDMEMBER", "one", "-3", "withscores")
    p.cmd("ZRANDMEMBER", "one", "1", "withscores")


@script
def s_zunion_zinter_zdiff(p):
    p.cmd("ZADD", "z1", "1", "a", "2", "b", "3", "c")
    p.cmd("ZADD", "z2", "10", "b", "20", "c", "30", "d")
    p.cmd("ZADD", "z3", "inf", "a", "-inf", "b", "0.1", "c")
    p.cmd("SADD", "s1", "a", "d", "e")
    p.cmd("SADD", "si", "1", "2", "3")
    p.cmd("ZADD", "zi", "5", "1", "6", "2", "7", "x")
    p.cmd("SET", "str", "v")
    combos = [["2", "z1", "z2"], ["3", "z1", "z2", "z3"], ["2", "z1", "s1"], ["2", "s1", "z2"], ["1", "z1"],
              ["2", "z1", "nokey"], ["2", "nokey", "z1"], ["2", "z1", "z1"], ["2", "zi", "si"], ["3", "z3", "z3", "z1"],
              ["1", "s1"], ["2", "si", "nokey"]]
    for op in ("ZUNION", "ZINTER", "ZDIFF"):
        for keys in combos:
            p.cmd(op, *keys)
            p.cmd(op, *keys, "WITHSCORES")
            p.cmd(op + "STORE", "dst", *keys)
            zdump(p, "dst")
            if op != "ZDIFF":
                n = int(keys[0])
                p.cmd(op, *keys, "WEIGHTS", *(["2"] * n), "WITHSCORES")
                p.cmd(op, *keys, "WEIGHTS", *(["0.1", "-3", "inf"][:n]), "WITHSCORES")
                for agg in ("SUM", "MIN", "MAX", "min", "foo"):
                    p.cmd(op, *keys, "AGGREGATE", agg, "WITHSCORES")
                    p.cmd(op + "STORE", "dst", *keys, "WEIGHTS", *(["-1"] * n), "AGGREGATE", agg)
                    zdump(p, "dst")
                p.cmd(op, *keys, "WEIGHTS", *(["x"] * n))
                p.cmd(op, *keys, "WEIGHTS")
                p.cmd(op, *keys, "WEIGHTS", "1", "2", "3", "4")
                p.cmd(op, *keys, "AGGREGATE")
            else:
                p.cmd(op, *keys, "WEIGHTS", *(["2"] * int(keys[0])))
                p.cmd(op, *keys, "AGGREGATE", "SUM")
            p.cmd(op + "STORE", "dst", *keys, "WITHSCORES")
        for bad in (["0", "z1"], ["-1", "z1"], ["abc", "z1"], ["3", "z1", "z2"], ["2", "z1", "str"], ["2", "str", "nokey"],
                    ["1", "z1", "foo"], ["1", "z1", "WITHSCORES", "foo"], [LLONG_MAX, "z1"], ["2", "z1", "str", "foo"]):
            p.cmd(op, *bad)
            p.cmd(op + "STORE", "dst", *bad)
        p.cmd(op)
        p.cmd(op, "1")
        p.cmd(op + "STORE", "dst", "1")
    # empty results delete the destination; results that fit go back to a listpack
    p.cmd("ZADD", "dst", "1", "q")
    p.cmd("ZINTERSTORE", "dst", "2", "z1", "nokey")
    p.cmd("EXISTS", "dst")
    p.cmd("SET", "dst", "x")
    p.cmd("ZUNIONSTORE", "dst", "1", "z1")
    zdump(p, "dst")
    p.cmd("ZDIFFSTORE", "z1", "2", "z1", "z2")
    zdump(p, "z1")
    set_config(p, zset_max_listpack_entries="2")
    p.cmd("ZUNIONSTORE", "big", "2", "z2", "s1")
    p.cmd("ZUNIONSTORE", "small", "1", "z1")
    p.cmd("ZINTERSTORE", "small2", "2", "z2", "z2")
    zdump(p, "big", "small", "small2")
    set_config(p, zset_max_listpack_entries="128", zset_max_listpack_value="3")
    p.cmd("ZADD", "long", "1", "abcd", "2", "ab")
    p.cmd("ZUNIONSTORE", "d1", "1", "long")
    p.cmd("ZDIFFSTORE", "d2", "2", "long", "z1")
    p.cmd("ZADD", "short", "1", "abcd")
    p.cmd("ZDIFFSTORE", "d3", "2", "long", "short")
    p.cmd("ZINTERSTORE", "d4", "2", "long", "short")
    zdump(p, "d1", "d2", "d3", "d4")


@script
def s_zintercard(p):
    p.cmd("ZADD", "z1", "1", "a", "2", "b", "3", "c", "4", "d")
    p.cmd("ZADD", "z2", "1", "b", "2", "c", "3", "d", "4", "e")
    p.cmd("SADD", "s1", "c", "d", "x")
    p.cmd("SET", "str", "v")
    for args in (["2", "z1", "z2"], ["1", "z1"], ["3", "z1", "z2", "s1"], ["2", "z1", "nokey"], ["2", "z1", "z1"],
                 ["2", "z1", "z2", "LIMIT", "0"], ["2", "z1", "z2", "LIMIT", "1"], ["2", "z1", "z2", "limit", "2"],
                 ["2", "z1", "z2", "LIMIT", "100"], ["2", "z1", "z2", "LIMIT", "-1"], ["2", "z1", "z2", "LIMIT", "x"],
                 ["2", "z1", "z2", "LIMIT"], ["2", "z1", "z2", "WITHSCORES"], ["2", "z1", "z2", "WEIGHTS", "1", "1"],
                 ["0", "z1"], ["3", "z1", "z2"], ["2", "z1", "str"], ["abc", "z1"], ["-5", "z1"]):
        p.cmd("ZINTERCARD", *args)
    p.cmd("ZINTERCARD")
    p.cmd("ZINTERCARD", "1")


@script
def s_zscan(p):
    p.cmd("ZADD", "z", "1", "a", "2.5", "b", "0.1", "c", "-0", "d", "inf", "e", "1e20", "f", "-3", "g", "100", "h")
    p.cmd("ZSCAN", "z", "0")
    p.cmd("ZSCAN", "z", "0", "MATCH", "*")
    p.cmd("ZSCAN", "z", "0", "MATCH", "[a-c]")
    p.cmd("ZSCAN", "z", "0", "COUNT", "1")
    p.cmd("ZSCAN", "z", "0", "COUNT", "0")
    p.cmd("ZSCAN", "z", "0", "COUNT", "-1")
    p.cmd("ZSCAN", "z", "0", "COUNT", "abc")
    p.cmd("ZSCAN", "z", "0", "TYPE", "zset")
    p.cmd("ZSCAN", "z", "0", "MATCH")
    p.cmd("ZSCAN", "z", "0", "NOVALUES")
    p.cmd("ZSCAN", "z", "abc")
    p.cmd("ZSCAN", "z", "-1")
    p.cmd("ZSCAN", "z", "5")
    p.cmd("ZSCAN", "nokey", "0")
    p.cmd("ZSCAN", "nokey", "0", "COUNT", "0")
    p.cmd("ZSCAN", "nokey", "x")
    p.cmd("SET", "str", "x")
    p.cmd("ZSCAN", "str", "0")
    p.cmd("ZSCAN", "str", "0", "COUNT", "0")
    set_config(p, zset_max_listpack_entries="4")
    for i in range(200):
        p.cmd("ZADD", "big", str(i * 0.5), "m%d" % i)
    p.cmd("OBJECT", "ENCODING", "big")
    check_zscan(p, "big")
    check_zscan(p, "big", "COUNT", "7")
    check_zscan(p, "big", "MATCH", "m1*", "COUNT", "30")
    check_zscan(p, "big", "COUNT", "1000")


@script
def s_zset_encodings(p):
    """Conversions at exactly the thresholds."""
    set_config(p, zset_max_listpack_entries="4", zset_max_listpack_value="5")
    p.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    p.cmd("OBJECT", "ENCODING", "z")
    p.cmd("ZADD", "z", "5", "e")
    p.cmd("OBJECT", "ENCODING", "z")
    p.cmd("ZREM", "z", "e", "d")
    p.cmd("OBJECT", "ENCODING", "z")    # never converts back
    p.cmd("ZADD", "v", "1", "12345")
    p.cmd("OBJECT", "ENCODING", "v")
    p.cmd("ZADD", "v", "1", "123456")
    p.cmd("OBJECT", "ENCODING", "v")
    p.cmd("ZADD", "w", "1", "123456")
    p.cmd("OBJECT", "ENCODING", "w")
    p.cmd("ZADD", "w2", "1", "a", "1", "123456")
    p.cmd("OBJECT", "ENCODING", "w2")
    p.cmd("ZADD", "w3", "1", "123456", "1", "a")
    p.cmd("OBJECT", "ENCODING", "w3")
    p.cmd("ZADD", "dup", "1", "a", "1", "a", "1", "a", "1", "a", "1", "a")
    p.cmd("OBJECT", "ENCODING", "dup")
    p.cmd("ZADD", "many", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    p.cmd("OBJECT", "ENCODING", "many")
    p.cmd("ZINCRBY", "inc", "1", "123456")
    p.cmd("OBJECT", "ENCODING", "inc")
    set_config(p, zset_max_listpack_entries="0")
    p.cmd("ZADD", "zero", "1", "a")
    p.cmd("OBJECT", "ENCODING", "zero")
    p.cmd("ZUNIONSTORE", "zero2", "1", "z")
    p.cmd("OBJECT", "ENCODING", "zero2")
    set_config(p, zset_max_listpack_entries="128", zset_max_listpack_value="0")
    p.cmd("ZADD", "empty", "1", "")
    p.cmd("OBJECT", "ENCODING", "empty")
    p.cmd("ZADD", "empty", "1", "a")
    p.cmd("OBJECT", "ENCODING", "empty")
    zdump(p, "z", "v", "w", "w2", "w3", "dup", "many", "inc", "zero", "zero2", "empty")
    set_config(p, zset_max_listpack_entries="128", zset_max_listpack_value="64")
    for n in (127, 128, 129):
        p.cmd("DEL", "t")
        for i in range(n):
            p.cmd("ZADD", "t", str(i), "m%d" % i)
        p.cmd("OBJECT", "ENCODING", "t")
        p.cmd("ZRANGE", "t", "0", "-1", "WITHSCORES")
    for length in (64, 65):
        p.cmd("DEL", "t")
        p.cmd("ZADD", "t", "1", "x" * length)
        p.cmd("OBJECT", "ENCODING", "t")
    p.cmd("ZADD", "c", "1", "a", "2", "b")
    p.cmd("COPY", "c", "c2")
    p.cmd("ZADD", "c2", "3", "c")
    zdump(p, "c", "c2")
    set_config(p, zset_max_listpack_entries="1")
    p.cmd("ZADD", "s", "1", "a", "2", "b")
    p.cmd("COPY", "s", "s2")
    p.cmd("ZREM", "s", "a")
    zdump(p, "s", "s2")


@script
def s_zset_wrongtype_and_arity(p):
    p.cmd("SET", "str", "x")
    p.cmd("RPUSH", "list", "a")
    for cmd in (["ZADD", "str", "1", "a"], ["ZINCRBY", "str", "1", "a"], ["ZREM", "str", "a"], ["ZCARD", "str"],
                ["ZSCORE", "str", "a"], ["ZMSCORE", "str", "a"], ["ZRANK", "str", "a"], ["ZREVRANK", "str", "a"],
                ["ZCOUNT", "str", "0", "1"], ["ZLEXCOUNT", "str", "-", "+"], ["ZRANGE", "str", "0", "1"],
                ["ZREVRANGE", "str", "0", "1"], ["ZRANGEBYSCORE", "str", "0", "1"], ["ZRANGEBYLEX", "str", "-", "+"],
                ["ZREVRANGEBYSCORE", "str", "1", "0"], ["ZREVRANGEBYLEX", "str", "+", "-"],
                ["ZREMRANGEBYRANK", "str", "0", "1"], ["ZREMRANGEBYSCORE", "str", "0", "1"],
                ["ZREMRANGEBYLEX", "str", "-", "+"], ["ZPOPMIN", "str"], ["ZPOPMAX", "str"],
                ["ZMPOP", "1", "str", "MIN"], ["ZRANDMEMBER", "str"], ["ZSCAN", "str", "0"],
                ["ZUNION", "1", "list"], ["ZINTERSTORE", "d", "1", "list"], ["BZPOPMIN", "str", "0"],
                ["BZPOPMAX", "list", "0"], ["BZMPOP", "0", "1", "str", "MIN"], ["ZADD", "list", "1", "a"]):
        p.cmd(*cmd)
        p.cmd(cmd[0])
    for name in ("zadd", "zincrby", "zrem", "zcard", "zscore", "zmscore", "zrank", "zrevrank", "zcount", "zlexcount",
                 "zrange", "zrangestore", "zrevrange", "zrangebyscore", "zrevrangebyscore", "zrangebylex",
                 "zrevrangebylex", "zremrangebyrank", "zremrangebyscore", "zremrangebylex", "zpopmin", "zpopmax",
                 "zmpop", "zrandmember", "zunion", "zinter", "zdiff", "zunionstore", "zinterstore", "zdiffstore",
                 "zintercard", "zscan", "bzpopmin", "bzpopmax", "bzmpop"):
        p.cmd("COMMAND", "INFO", name, norm=norm_command)
        p.cmd("COMMAND", "DOCS", name, norm=norm_command)


@script
def s_bzpop_immediate(p):
    p.cmd("ZADD", "z1", "1", "a", "2", "b", "3", "c")
    p.cmd("ZADD", "z2", "5", "x")
    p.cmd("SET", "str", "v")
    p.cmd("BZPOPMIN", "z1", "0")
    p.cmd("BZPOPMAX", "nokey", "z1", "0")
    p.cmd("BZPOPMIN", "nokey", "z2", "1.5")
    p.cmd("BZPOPMIN", "str", "z1", "0")
    p.cmd("BZPOPMIN", "z1", "str", "0")
    p.cmd("ZADD", "z1", "1", "a", "2", "b", "3", "c")
    p.cmd("BZMPOP", "0", "2", "nokey", "z1", "MIN", "COUNT", "5")
    p.cmd("ZADD", "z1", "1", "a", "2", "b", "3", "c")
    p.cmd("BZMPOP", "0.5", "1", "z1", "MAX")
    for args in (["z1", "-1"], ["z1", "abc"], ["z1", "nan"], ["z1", "inf"], ["z1", "1e30"], ["z1", ""], ["z1", "0x10"],
                 ["z1", " 1"], ["z1", "-0"], ["z1", "0.0001"], ["z1", "9223372036854775"]):
        p.cmd("ZADD", "z1", "1", "a")   # valid timeouts must not block here
        p.cmd("BZPOPMIN", *args)
    for args in (["-1", "1", "z1", "MIN"], ["abc", "1", "z1", "MIN"], ["0", "0", "z1", "MIN"], ["0", "1", "z1", "FOO"],
                 ["0", "1", "z1", "MIN", "COUNT", "0"], ["-1", "0", "z1", "MIN"], ["-1", "1", "z1", "MIN", "COUNT", "0"],
                 ["0", "2", "z1", "MIN"], ["0", "1", "str", "MIN"], ["0", "1", "z1", "MAX", "COUNT", "2"]):
        p.cmd("ZADD", "z1", "1", "a", "2", "b")
        p.cmd("BZMPOP", *args)
    p.cmd("BZPOPMIN", "z1")
    p.cmd("BZMPOP", "0", "1")
    zdump(p, "z1", "z2")


# ===========================================================================
# Scripted cases: lists
# ===========================================================================

@script
def s_push_pop(p):
    p.cmd("LPUSH", "l", "a")
    p.cmd("LPUSH", "l", "b", "c", "d")
    p.cmd("RPUSH", "l", "e", "f")
    for e in ELEMENTS:
        p.cmd("RPUSH", "l", e)
        p.cmd("LPUSH", "l", e)
    ldump(p, "l")
    p.cmd("LPUSHX", "nokey", "a")
    p.cmd("RPUSHX", "nokey", "a", "b")
    p.cmd("EXISTS", "nokey")
    p.cmd("LPUSHX", "l", "x", "y")
    p.cmd("RPUSHX", "l", "z")
    p.cmd("LPOP", "l")
    p.cmd("RPOP", "l")
    p.cmd("LPOP", "l", "3")
    p.cmd("RPOP", "l", "2")
    p.cmd("LPOP", "l", "0")
    p.cmd("RPOP", "l", "1")
    for bad in ("-1", "abc", "", "1.5", LLONG_MIN):
        p.cmd("LPOP", "l", bad)
        p.cmd("RPOP", "nokey", bad)
    p.cmd("LPOP", "l", "1", "2")
    p.cmd("RPOP", "l", "1", "2", "3")
    p.cmd("LPOP", "nokey")
    p.cmd("LPOP", "nokey", "2")
    p.cmd("RPOP", "nokey", "0")
    p.cmd("LPOP", "l", "1000")
    p.cmd("EXISTS", "l")
    p.cmd("RPUSH", "l", "a", "b", "c")
    p.cmd("RPOP", "l", "1000")
    p.cmd("EXISTS", "l")
    p.cmd("RPUSH", "l", "only")
    p.cmd("RPOP", "l")
    p.cmd("LPOP", "l")
    p.cmd("LPUSH", "l")
    p.cmd("RPUSHX", "l")


@script
def s_lrange_lindex_lset(p):
    p.cmd("RPUSH", "l", *[str(i) for i in range(20)])
    p.cmd("RPUSH", "l", "x" * 100, "y", "-7", "")
    for a in INDEXES:
        for b in ("0", "-1", "3", "-3", "100", "abc"):
            p.cmd("LRANGE", "l", a, b)
        p.cmd("LINDEX", "l", a)
        p.cmd("LSET", "l", a, "set:" + a)
    p.cmd("LRANGE", "nokey", "0", "-1")
    p.cmd("LRANGE", "nokey", "abc", "1")
    p.cmd("LINDEX", "nokey", "0")
    p.cmd("LINDEX", "nokey", "abc")
    p.cmd("LSET", "nokey", "0", "x")
    p.cmd("LSET", "nokey", "abc", "x")
    ldump(p, "l")
    p.cmd("LSET", "l", "0", "x" * 10000)
    p.cmd("LINDEX", "l", "0")
    p.cmd("LSET", "l", "-1", "12345")
    p.cmd("LINDEX", "l", "-1")
    p.cmd("LLEN", "nokey")
    p.cmd("LLEN", "l", "x")


@script
def s_linsert_lrem(p):
    p.cmd("RPUSH", "l", "a", "b", "c", "a", "b", "1", "01", "1", "")
    for where in ("BEFORE", "after", "middle"):
        for pivot in ("a", "b", "1", "01", "", "nope", "c"):
            p.cmd("LINSERT", "l", where, pivot, "new")
    p.cmd("LINSERT", "nokey", "BEFORE", "a", "x")
    p.cmd("LINSERT", "nokey", "foo", "a", "x")
    ldump(p, "l")
    for count in ("1", "-1", "2", "-2", "0", "100", "abc", LLONG_MIN):
        p.cmd("LREM", "l", count, "new")
        p.cmd("LREM", "l", count, "a")
        ldump(p, "l")
    p.cmd("LREM", "l", "0", "1")
    p.cmd("LREM", "nokey", "0", "a")
    p.cmd("LREM", "nokey", "x", "a")
    p.cmd("DEL", "l")
    p.cmd("RPUSH", "l", "x", "x", "x")
    p.cmd("LREM", "l", "0", "x")
    p.cmd("EXISTS", "l")


@script
def s_ltrim(p):
    for a, b in (("0", "-1"), ("1", "-2"), ("2", "1"), ("-3", "-1"), ("5", "100"), ("100", "200"), ("-100", "2"),
                 ("0", "0"), (LLONG_MIN, LLONG_MAX), ("abc", "1"), ("1", "x")):
        p.cmd("DEL", "l")
        p.cmd("RPUSH", "l", "a", "b", "c", "d", "e", "f")
        p.cmd("LTRIM", "l", a, b)
        ldump(p, "l")
    p.cmd("LTRIM", "nokey", "0", "1")
    p.cmd("LTRIM", "nokey", "x", "1")


@script
def s_lpos(p):
    p.cmd("RPUSH", "l", "a", "b", "c", "a", "b", "a", "1", "1")
    for opts in ([], ["RANK", "1"], ["RANK", "2"], ["RANK", "-1"], ["RANK", "-2"], ["RANK", "10"], ["RANK", "0"],
                 ["COUNT", "0"], ["COUNT", "1"], ["COUNT", "2"], ["COUNT", "0", "RANK", "-1"], ["COUNT", "2", "RANK", "2"],
                 ["MAXLEN", "3"], ["MAXLEN", "0"], ["COUNT", "0", "MAXLEN", "4"], ["RANK", "-1", "MAXLEN", "2"],
                 ["RANK", LLONG_MIN], ["RANK", LLONG_MIN, "COUNT", "0"], ["RANK", LLONG_MIN, "COUNT", "2"],
                 ["RANK", LLONG_MAX], ["RANK", "-9223372036854775807", "COUNT", "0"], ["COUNT", "-1"],
                 ["COUNT", "abc"], ["MAXLEN", "-1"], ["MAXLEN", "x"], ["RANK", "x"], ["RANK"], ["COUNT"], ["FOO", "1"],
                 ["RANK", "1", "RANK", "2"]):
        for e in ("a", "b", "1", "z"):
            p.cmd("LPOS", "l", e, *opts)
        p.cmd("LPOS", "nokey", "a", *opts)
    p.cmd("SET", "str", "x")
    p.cmd("LPOS", "str", "a")
    p.cmd("LPOS", "str", "a", "COUNT", "x")


@script
def s_lmove(p):
    p.cmd("RPUSH", "src", "a", "b", "c", "d")
    for a in ("LEFT", "right", "up"):
        for b in ("left", "RIGHT", "down"):
            p.cmd("LMOVE", "src", "dst", a, b)
            ldump(p, "src", "dst")
    p.cmd("RPOPLPUSH", "src", "dst")
    p.cmd("RPOPLPUSH", "src", "src")
    p.cmd("LMOVE", "src", "src", "LEFT", "RIGHT")
    ldump(p, "src", "dst")
    p.cmd("LMOVE", "nokey", "dst", "LEFT", "LEFT")
    p.cmd("RPOPLPUSH", "nokey", "dst")
    p.cmd("SET", "str", "x")
    p.cmd("LMOVE", "src", "str", "LEFT", "LEFT")
    p.cmd("LMOVE", "str", "dst", "LEFT", "LEFT")
    p.cmd("RPOPLPUSH", "src", "str")
    p.cmd("LMOVE", "nokey", "str", "LEFT", "LEFT")
    p.cmd("DEL", "one")
    p.cmd("RPUSH", "one", "x")
    p.cmd("RPOPLPUSH", "one", "one")
    ldump(p, "one")
    p.cmd("RPOPLPUSH", "one", "two")
    ldump(p, "one", "two")
    p.cmd("BLMOVE", "two", "three", "LEFT", "RIGHT", "0")
    p.cmd("BRPOPLPUSH", "three", "four", "0")
    p.cmd("BLMOVE", "nokey", "four", "LEFT", "RIGHT", "0.01")
    p.cmd("BRPOPLPUSH", "nokey", "four", "0.01")
    ldump(p, "two", "three", "four")
    p.cmd("RPUSH", "src", "a", "b")
    for args in (["src", "dst", "LEFT", "LEFT", "-1"], ["src", "dst", "LEFT", "LEFT", "x"], ["src", "dst", "FOO", "LEFT", "x"],
                 ["str", "dst", "LEFT", "LEFT", "0"], ["src", "str", "LEFT", "LEFT", "0"], ["nokey", "str", "LEFT", "LEFT", "0.01"]):
        p.cmd("BLMOVE", *args)
    p.cmd("BRPOPLPUSH", "src", "dst", "-1")
    p.cmd("BRPOPLPUSH", "str", "dst", "0")


@script
def s_lmpop_and_blocking_immediate(p):
    p.cmd("RPUSH", "l1", "a", "b", "c", "d")
    p.cmd("RPUSH", "l2", "x")
    p.cmd("SET", "str", "v")
    for args in (["1", "l1", "LEFT"], ["1", "l1", "right"], ["2", "nokey", "l1", "LEFT", "COUNT", "2"],
                 ["2", "nokey", "l2", "RIGHT", "count", "10"], ["1", "nokey", "LEFT"], ["2", "l1", "str", "LEFT"],
                 ["2", "str", "l1", "LEFT"], ["0", "l1", "LEFT"], ["abc", "l1", "LEFT"], ["1", "l1", "UP"],
                 ["1", "l1", "LEFT", "COUNT", "0"], ["1", "l1", "LEFT", "COUNT"], ["1", "l1", "LEFT", "COUNT", "1", "COUNT", "1"],
                 ["3", "l1", "LEFT"], [LLONG_MAX, "l1", "LEFT"]):
        p.cmd("LMPOP", *args)
    p.cmd("RPUSH", "l1", "a", "b", "c", "d")
    p.cmd("BLPOP", "l1", "0")
    p.cmd("BRPOP", "nokey", "l1", "0")
    p.cmd("BLPOP", "l1", "l1", "1")
    p.cmd("BLPOP", "str", "l1", "0")
    p.cmd("BLPOP", "nokey", "str", "0")
    p.cmd("BLMPOP", "0", "2", "nokey", "l1", "LEFT", "COUNT", "5")
    p.cmd("RPUSH", "l1", "a", "b")
    p.cmd("BLMPOP", "0", "1", "l1", "RIGHT")
    for args in (["l1", "-1"], ["l1", "abc"], ["l1", "nan"], ["l1", "inf"], ["l1", "1e30"], ["l1", "9223372036854775"],
                 ["l1", ""], ["l1", " 1"], ["l1", "-0"], ["l1", "-0.0001"], ["l1", "0.0001"]):
        p.cmd("RPUSH", "l1", "v")   # valid timeouts must not block here
        p.cmd("BLPOP", *args)
    for args in (["-1", "1", "l1", "LEFT"], ["x", "1", "l1", "LEFT"], ["0", "0", "l1", "LEFT"], ["0", "1", "l1", "FOO"],
                 ["-1", "0", "l1", "LEFT"], ["0", "1", "str", "LEFT"], ["0", "2", "l1", "LEFT"], ["0", "1", "l1", "RIGHT"]):
        p.cmd("RPUSH", "l1", "v", "w")
        p.cmd("BLMPOP", *args)
    p.cmd("BLPOP", "l1")
    p.cmd("BLMPOP", "0", "1")
    ldump(p, "l1", "l2")


@script
def s_list_encodings(p):
    """Node sizes never show in replies: big lists, big elements and every
    list-max-listpack-size give the same answers and 'quicklist'."""
    for fill in ("-5", "-2", "-1", "1", "2", "7"):
        set_config(p, list_max_listpack_size=fill)
        p.cmd("DEL", "l")
        p.cmd("RPUSH", "l", "a")
        p.cmd("OBJECT", "ENCODING", "l")
        for i in range(60):
            p.cmd("RPUSH" if i % 3 else "LPUSH", "l", ("v%d" % i) * (1 + i % 7), str(i))
        p.cmd("LINSERT", "l", "BEFORE", "v10", "ins")
        p.cmd("LINSERT", "l", "AFTER", "5", "ins2")
        p.cmd("LSET", "l", "30", "y" * 5000)
        p.cmd("LSET", "l", "31", "z")
        p.cmd("LREM", "l", "3", "ins")
        p.cmd("LRANGE", "l", "0", "-1")
        p.cmd("LRANGE", "l", "17", "43")
        p.cmd("LINDEX", "l", "47")
        p.cmd("LINDEX", "l", "-47")
        p.cmd("LPOS", "l", "5", "RANK", "-1")
        p.cmd("LTRIM", "l", "3", "-4")
        p.cmd("LPOP", "l", "7")
        p.cmd("RPOP", "l", "9")
        ldump(p, "l")
    set_config(p, list_max_listpack_size="-2")
    p.cmd("DEL", "big")
    for i in range(0, 3000, 100):
        p.cmd("RPUSH", "big", *[str(j) for j in range(i, i + 100)])
    p.cmd("LLEN", "big")
    p.cmd("LRANGE", "big", "1500", "1510")
    p.cmd("LINDEX", "big", "2999")
    p.cmd("LINDEX", "big", "-3000")
    p.cmd("LPOS", "big", "2500")
    p.cmd("LTRIM", "big", "100", "-100")
    p.cmd("LRANGE", "big", "0", "5")
    p.cmd("LRANGE", "big", "-5", "-1")
    p.cmd("RPUSH", "huge", "h" * 100000)
    p.cmd("LRANGE", "huge", "0", "-1")
    p.cmd("OBJECT", "ENCODING", "huge")
    set_config(p, list_compress_depth="1")
    p.cmd("RPUSH", "cmp", *["e%d" % i for i in range(500)])
    p.cmd("LRANGE", "cmp", "240", "260")
    p.cmd("COPY", "cmp", "cmp2")
    p.cmd("RPUSH", "cmp2", "more")
    p.cmd("LLEN", "cmp")
    p.cmd("LRANGE", "cmp2", "-3", "-1")


@script
def s_list_wrongtype_and_arity(p):
    p.cmd("SET", "str", "x")
    p.cmd("ZADD", "z", "1", "a")
    for cmd in (["LPUSH", "str", "a"], ["RPUSH", "z", "a"], ["LPUSHX", "str", "a"], ["RPUSHX", "str", "a"],
                ["LPOP", "str"], ["RPOP", "str", "2"], ["LLEN", "str"], ["LRANGE", "str", "0", "1"],
                ["LINDEX", "str", "0"], ["LSET", "str", "0", "a"], ["LINSERT", "str", "BEFORE", "a", "b"],
                ["LREM", "str", "0", "a"], ["LTRIM", "str", "0", "1"], ["LPOS", "str", "a"],
                ["LMOVE", "str", "d", "LEFT", "LEFT"], ["RPOPLPUSH", "z", "d"], ["LMPOP", "1", "str", "LEFT"],
                ["BLPOP", "str", "0"], ["BRPOP", "z", "0"], ["BLMOVE", "str", "d", "LEFT", "LEFT", "0"],
                ["BRPOPLPUSH", "str", "d", "0"], ["BLMPOP", "0", "1", "str", "LEFT"]):
        p.cmd(*cmd)
        p.cmd(cmd[0])
    p.cmd("LINDEX", "str", "abc")
    p.cmd("LSET", "str", "abc", "x")
    for name in ("lpush", "rpush", "lpushx", "rpushx", "lpop", "rpop", "llen", "lrange", "lindex", "lset", "linsert",
                 "lrem", "ltrim", "lpos", "lmove", "rpoplpush", "lmpop", "blpop", "brpop", "blmove", "brpoplpush",
                 "blmpop"):
        p.cmd("COMMAND", "INFO", name, norm=norm_command)
        p.cmd("COMMAND", "DOCS", name, norm=norm_command)


@script
def s_keyspace_interplay(p):
    p.cmd("RPUSH", "l", "a", "b")
    p.cmd("ZADD", "z", "1", "a")
    p.cmd("TYPE", "l")
    p.cmd("TYPE", "z")
    p.cmd("RENAME", "l", "l2")
    p.cmd("RENAME", "z", "z2")
    ldump(p, "l2")
    zdump(p, "z2")
    p.cmd("COPY", "l2", "l3")
    p.cmd("LPUSH", "l3", "c")
    ldump(p, "l2", "l3")
    p.cmd("MOVE", "z2", "1")
    p.cmd("SELECT", "1")
    zdump(p, "z2")
    p.cmd("SELECT", "0")
    p.cmd("EXPIRE", "l2", "100")
    p.cmd("RPUSH", "l2", "c")
    p.cmd("TTL", "l2")
    p.cmd("DEBUG", "OBJECT", "nokey")
    for t in ("list", "zset"):
        p.proc("SCAN 0 TYPE %s (keys sorted)" % t,
               lambda side, t=t: sorted(bulk_payload(x) for x in parse(side.c.command("SCAN", "0", "TYPE", t))[1][1][1]))
    p.cmd("KEYS", "*", norm=norm_sorted)


def test_zl_scripted_names():
    assert len(SCRIPTS) >= 20


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_zl_scripted(apus, redis, proto, name):
    p = open_pair(apus, redis, "zl-script=%s" % name, proto)
    try:
        SCRIPTS[name](p)
        p.cmd("PING")
    finally:
        restore_config(p)
        p.close()


# ===========================================================================
# Random sequences
# ===========================================================================

ZKEYS = ["z1", "z2", "z3"]
LEX_KEY = "zl"
LKEYS = ["l1", "l2", "l3"]
OTHER_KEYS = ["s1", "str", "nokey"]


def rk(rng, prefer):
    r = rng.random()
    if r < 0.8:
        return rng.choice(prefer)
    if r < 0.9:
        return rng.choice(ZKEYS + LKEYS)
    return rng.choice(OTHER_KEYS)


def rmember(rng):
    if rng.random() < 0.8:
        return rng.choice(MEMBERS[:10])
    return rng.choice(MEMBERS)


def rscore(rng):
    r = rng.random()
    if r < 0.6:
        return str(rng.randint(-5, 5))
    if r < 0.95:
        return rng.choice(SCORES)
    return rng.choice(BAD_SCORES)


def rindex(rng):
    return str(rng.randint(-8, 8)) if rng.random() < 0.9 else rng.choice(INDEXES)


def g_zadd(rng, p):
    opts = [o for o in ("NX", "XX", "GT", "LT", "CH", "INCR") if rng.random() < 0.12]
    pairs = []
    for _ in range(1 if "INCR" in opts else rng.randint(1, 5)):
        pairs += [rscore(rng), rmember(rng)]
    p.cmd("ZADD", rk(rng, ZKEYS), *opts, *pairs)


def g_zsingle(rng, p):
    k = rk(rng, ZKEYS)
    c = rng.randrange(7)
    if c == 0:
        p.cmd("ZINCRBY", k, rscore(rng), rmember(rng))
    elif c == 1:
        p.cmd("ZREM", k, *[rmember(rng) for _ in range(rng.randint(1, 3))])
    elif c == 2:
        p.cmd("ZSCORE", k, rmember(rng))
    elif c == 3:
        p.cmd("ZMSCORE", k, *[rmember(rng) for _ in range(rng.randint(1, 3))])
    elif c == 4:
        p.cmd(rng.choice(["ZRANK", "ZREVRANK"]), k, rmember(rng))
    elif c == 5:
        p.cmd("ZCARD", k)
    else:
        p.cmd("ZCOUNT", k, rng.choice(SCORE_BOUNDS), rng.choice(SCORE_BOUNDS))


def g_zrange(rng, p):
    k = rk(rng, ZKEYS)
    c = rng.randrange(5)
    extra = []
    if rng.random() < 0.3:
        extra += ["LIMIT", str(rng.randint(-1, 4)), str(rng.randint(-1, 5))]
    if c == 0:
        p.cmd("ZRANGE", k, rindex(rng), rindex(rng), *(["REV"] if rng.random() < 0.3 else []),
              *(["WITHSCORES"] if rng.random() < 0.5 else []))
    elif c == 1:
        p.cmd(rng.choice(["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]), k, rng.choice(SCORE_BOUNDS), rng.choice(SCORE_BOUNDS),
              *(["WITHSCORES"] if rng.random() < 0.5 else []), *extra)
    elif c == 2:
        p.cmd("ZRANGE", k, rng.choice(SCORE_BOUNDS), rng.choice(SCORE_BOUNDS), "BYSCORE",
              *(["REV"] if rng.random() < 0.4 else []), *extra, *(["WITHSCORES"] if rng.random() < 0.3 else []))
    elif c == 3:
        p.cmd("ZREVRANGE", k, rindex(rng), rindex(rng), *(["WITHSCORES"] if rng.random() < 0.5 else []))
    else:
        args = rng.choice([[rindex(rng), rindex(rng)], [rng.choice(SCORE_BOUNDS), rng.choice(SCORE_BOUNDS), "BYSCORE"]])
        p.cmd("ZRANGESTORE", rk(rng, ZKEYS), k, *args, *(extra if len(args) == 3 else []))


def g_zlex(rng, p):
    """Lex commands on LEX_KEY, whose scores are all 0 (where Redis defines them).
    No other generator writes LEX_KEY, lexstr or lexnokey."""
    k = LEX_KEY if rng.random() < 0.9 else rng.choice(["lexstr", "lexnokey"])
    c = rng.randrange(6)
    extra = ["LIMIT", str(rng.randint(-1, 4)), str(rng.randint(-1, 5))] if rng.random() < 0.3 else []
    lo, hi = rng.choice(LEX_BOUNDS), rng.choice(LEX_BOUNDS)
    if c == 0:
        p.cmd("ZADD", k, *[x for _ in range(rng.randint(1, 4)) for x in ("0", rmember(rng))])
    elif c == 1:
        p.cmd("ZLEXCOUNT", k, lo, hi)
    elif c == 2:
        p.cmd(rng.choice(["ZRANGEBYLEX", "ZREVRANGEBYLEX"]), k, lo, hi, *extra)
    elif c == 3:
        p.cmd("ZRANGE", k, lo, hi, "BYLEX", *(["REV"] if rng.random() < 0.4 else []), *extra)
    elif c == 4:
        p.cmd("ZRANGESTORE", rk(rng, ZKEYS), k, lo, hi, "BYLEX", *extra)
    else:
        p.cmd("ZREMRANGEBYLEX", k, lo, hi) if rng.random() < 0.3 else p.cmd("ZREM", k, rmember(rng))


def g_zremove_pop(rng, p):
    k = rk(rng, ZKEYS)
    c = rng.randrange(7)
    if c == 0:
        p.cmd("ZREMRANGEBYRANK", k, rindex(rng), rindex(rng))
    elif c == 1:
        p.cmd("ZREMRANGEBYSCORE", k, rng.choice(SCORE_BOUNDS), rng.choice(SCORE_BOUNDS))
    elif c == 2:
        p.cmd("ZREMRANGEBYSCORE", k, rng.choice(SCORE_BOUNDS), rng.choice(SCORE_BOUNDS))
    elif c == 3:
        p.cmd(rng.choice(["ZPOPMIN", "ZPOPMAX"]), k, *([str(rng.randint(-1, 4))] if rng.random() < 0.6 else []))
    elif c == 4:
        keys = [rk(rng, ZKEYS) for _ in range(rng.randint(1, 3))]
        p.cmd("ZMPOP", str(len(keys)), *keys, rng.choice(["MIN", "MAX"]),
              *(["COUNT", str(rng.randint(0, 4))] if rng.random() < 0.5 else []))
    elif c == 5:
        keys = [rk(rng, ZKEYS) for _ in range(rng.randint(1, 2))]
        p.cmd(rng.choice(["BZPOPMIN", "BZPOPMAX"]), *keys, "0.01")
    else:
        keys = [rk(rng, ZKEYS) for _ in range(rng.randint(1, 2))]
        p.cmd("BZMPOP", "0.01", str(len(keys)), *keys, rng.choice(["MIN", "MAX"]), "COUNT", str(rng.randint(1, 3)))


def g_zalgebra(rng, p):
    keys = [rk(rng, ZKEYS + ["s1"]) for _ in range(rng.randint(1, 3))]
    op = rng.choice(["ZUNION", "ZINTER", "ZDIFF"])
    extra = []
    if op != "ZDIFF" and rng.random() < 0.4:
        extra += ["WEIGHTS"] + [rng.choice(["1", "2", "-1", "0.5", "0", "inf"]) for _ in keys]
    if op != "ZDIFF" and rng.random() < 0.4:
        extra += ["AGGREGATE", rng.choice(["SUM", "MIN", "MAX"])]
    r = rng.random()
    if r < 0.45:
        p.cmd(op, str(len(keys)), *keys, *extra, *(["WITHSCORES"] if rng.random() < 0.5 else []))
    elif r < 0.9:
        p.cmd(op + "STORE", rk(rng, ZKEYS), str(len(keys)), *keys, *extra)
    else:
        p.cmd("ZINTERCARD", str(len(keys)), *keys, *(["LIMIT", str(rng.randint(0, 3))] if rng.random() < 0.5 else []))


def g_zrandom(rng, p):
    k = rk(rng, ZKEYS)
    if rng.random() < 0.5:
        check_zrandmember(p, k, *rng.choice([[], [str(rng.randint(-5, 5))], [str(rng.randint(-5, 5)), "WITHSCORES"]]))
    else:
        check_zscan(p, k, *rng.choice([[], ["COUNT", "3"], ["MATCH", "*a*"]]))


def g_lpush(rng, p):
    k = rk(rng, LKEYS)
    cmd = rng.choice(["LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"])
    p.cmd(cmd, k, *[rng.choice(ELEMENTS) for _ in range(rng.randint(1, 6))])


def g_lread(rng, p):
    k = rk(rng, LKEYS)
    c = rng.randrange(5)
    if c == 0:
        p.cmd("LRANGE", k, rindex(rng), rindex(rng))
    elif c == 1:
        p.cmd("LINDEX", k, rindex(rng))
    elif c == 2:
        p.cmd("LLEN", k)
    elif c == 3:
        opts = []
        if rng.random() < 0.4:
            opts += ["RANK", str(rng.choice([1, 2, -1, -2, 3]))]
        if rng.random() < 0.4:
            opts += ["COUNT", str(rng.randint(0, 3))]
        if rng.random() < 0.3:
            opts += ["MAXLEN", str(rng.randint(0, 6))]
        p.cmd("LPOS", k, rng.choice(ELEMENTS[:8]), *opts)
    else:
        p.cmd("TYPE", k)


def g_lwrite(rng, p):
    k = rk(rng, LKEYS)
    c = rng.randrange(9)
    if c == 0:
        p.cmd(rng.choice(["LPOP", "RPOP"]), k, *([str(rng.randint(-1, 4))] if rng.random() < 0.5 else []))
    elif c == 1:
        p.cmd("LSET", k, rindex(rng), rng.choice(ELEMENTS))
    elif c == 2:
        p.cmd("LINSERT", k, rng.choice(["BEFORE", "AFTER"]), rng.choice(ELEMENTS[:8]), rng.choice(ELEMENTS))
    elif c == 3:
        p.cmd("LREM", k, str(rng.randint(-3, 3)), rng.choice(ELEMENTS[:8]))
    elif c == 4:
        p.cmd("LTRIM", k, rindex(rng), rindex(rng))
    elif c == 5:
        p.cmd("LMOVE", k, rk(rng, LKEYS), rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"]))
    elif c == 6:
        p.cmd("RPOPLPUSH", k, rk(rng, LKEYS))
    elif c == 7:
        keys = [rk(rng, LKEYS) for _ in range(rng.randint(1, 3))]
        p.cmd("LMPOP", str(len(keys)), *keys, rng.choice(["LEFT", "RIGHT"]),
              *(["COUNT", str(rng.randint(0, 4))] if rng.random() < 0.5 else []))
    else:
        r = rng.random()
        if r < 0.4:
            p.cmd(rng.choice(["BLPOP", "BRPOP"]), *[rk(rng, LKEYS) for _ in range(rng.randint(1, 2))], "0.01")
        elif r < 0.7:
            p.cmd("BLMOVE", k, rk(rng, LKEYS), rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"]), "0.01")
        else:
            p.cmd("BLMPOP", "0.01", "1", k, rng.choice(["LEFT", "RIGHT"]), "COUNT", str(rng.randint(1, 3)))


def g_other(rng, p):
    c = rng.randrange(8)
    k = rng.choice(ZKEYS + LKEYS + OTHER_KEYS)
    if c == 0:
        p.cmd("DEL", k)
    elif c == 1:
        p.cmd("SADD", "s1", *[rmember(rng) for _ in range(rng.randint(1, 3))])
    elif c == 2:
        p.cmd("SET", rng.choice(["str", "nokey"]), "v")
    elif c == 3:
        p.cmd("OBJECT", "ENCODING", k)
    elif c == 4:
        p.cmd("RENAME", k, rng.choice(ZKEYS + LKEYS))
    elif c == 5:
        p.cmd("COPY", k, rng.choice(ZKEYS + LKEYS), "REPLACE")
    elif c == 6:
        p.cmd("EXISTS", k)
    else:
        p.cmd("TYPE", k)


GENERATORS = [(g_zadd, 14), (g_zsingle, 12), (g_zrange, 10), (g_zlex, 6), (g_zremove_pop, 8), (g_zalgebra, 6),
              (g_zrandom, 3),
              (g_lpush, 14), (g_lread, 10), (g_lwrite, 12), (g_other, 6)]

SEED_CONFIGS = [
    {},
    {"zset-max-listpack-entries": "4", "zset-max-listpack-value": "6", "list-max-listpack-size": "3"},
    {"zset-max-listpack-entries": "0", "list-max-listpack-size": "-1", "set-max-intset-entries": "2"},
    {"zset-max-listpack-entries": "8", "list-max-listpack-size": "1", "list-compress-depth": "1"},
]


@pytest.mark.parametrize("seed", SEEDS)
def test_zl_random(apus, redis, proto, seed):
    rng = random.Random(seed * 7919)
    p = open_pair(apus, redis, "zl-seed=%d (rerun: APUS_ZL_SEEDS=%d)" % (seed, seed), proto)
    gens = [g for g, _ in GENERATORS]
    weights = [w for _, w in GENERATORS]
    try:
        for name, value in SEED_CONFIGS[seed % len(SEED_CONFIGS)].items():
            p.cmd("CONFIG", "SET", name, value)
        p.cmd("SET", "lexstr", "v")   # g_zlex's wrong type; no other generator touches it
        for _ in range(STEPS):
            rng.choices(gens, weights)[0](rng, p)
            if CHECK_EVERY:
                final_state(p)
        final_state(p)
    finally:
        restore_config(p)
        p.close()


def final_state(p):
    """Every key's type and encoding, and the contents of the sorted sets and lists."""
    def state(side):
        c = side.connect()
        out = []
        for k in ZKEYS + LKEYS + OTHER_KEYS + [LEX_KEY]:
            out.append(c.command("TYPE", k))
            out.append(c.command("OBJECT", "ENCODING", k))
            out.append(c.command("ZRANGE", k, "0", "-1", "WITHSCORES"))
            out.append(c.command("LRANGE", k, "0", "-1"))
        c.close()
        return out
    p.proc("state of every key", state)
    p.cmd("SMEMBERS", "s1", norm=norm_sorted)
