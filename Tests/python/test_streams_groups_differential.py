"""Consumer groups (XGROUP XREADGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO GROUPS/CONSUMERS/
STREAM FULL), differentially against redis-server 7.0 in RESP2 and RESP3. Replies are compared
byte for byte after support.streams.group_normalise, which masks only what depends on the clock:
idle times (XPENDING's extended form, XINFO CONSUMERS), delivery/seen times (XINFO STREAM FULL),
wall-clock ms of `*` IDs; and hides radix-tree-nodes. Delivery counts, PEL contents, lag and
entries-read are compared exactly. Min-idle arguments are 0 or far beyond the test's run time,
and IDLE filters likewise, so which entries they select is deterministic."""

import random

import pytest

from support.streams import StreamScene, group_normalise, run_script
from test_differential import proto  # noqa: F401  (fixture: 2 or 3)

HOUR = "3600000"
LONG_AGO = "100000000"      # an IDLE given to XCLAIM, far beyond any IDLE filter below
FILTER = "50000000"

SETUP = [("XADD", "s", "%d-0" % i, "f", "v%d" % i) for i in range(1, 7)]

SCRIPTS = {
    "xgroup-create": [
        ("XGROUP", "CREATE", "nokey", "g", "$"), ("XGROUP", "CREATE", "nokey", "g", "$", "MKSTREAM"),
        ("XINFO", "STREAM", "nokey"), ("XINFO", "GROUPS", "nokey"), *SETUP,
        ("XGROUP", "CREATE", "s", "g0", "0"), ("XGROUP", "CREATE", "s", "g0", "0"),
        ("XGROUP", "CREATE", "s", "gd", "$"), ("XGROUP", "CREATE", "s", "g3", "3-0"), ("XGROUP", "CREATE", "s", "g3b", "3"),
        ("XGROUP", "CREATE", "s", "ger", "0", "ENTRIESREAD", "2"), ("XGROUP", "CREATE", "s", "gern", "0", "ENTRIESREAD", "-1"),
        ("XGROUP", "CREATE", "s", "gbad", "0", "ENTRIESREAD", "-2"), ("XGROUP", "CREATE", "s", "gbad", "0", "ENTRIESREAD", "x"),
        ("XGROUP", "CREATE", "s", "gbig", "0", "ENTRIESREAD", "100"), ("XGROUP", "CREATE", "s", "gfut", "99-0"),
        ("XGROUP", "CREATE", "s", "gbad", "abc"), ("XGROUP", "CREATE", "s", "gbad", "0", "FOO"),
        ("XGROUP", "CREATE", "s", "gbad", "0", "MKSTREAM", "ENTRIESREAD"), ("XGROUP", "CREATE", "s", "gbad"),
        ("XGROUP", "CREATE", "s", "gbad", "-"), ("XGROUP", "CREATE", "s", "gbad", "+"),
        ("XGROUP", "CREATE", "s", "gmk", "0", "MKSTREAM", "ENTRIESREAD", "1"),
        ("XINFO", "GROUPS", "s"), ("XINFO", "STREAM", "s"),
        ("SET", "str", "x"), ("XGROUP", "CREATE", "str", "g", "$"), ("XGROUP", "CREATE", "str", "g", "$", "MKSTREAM"),
        ("XGROUP", "CREATE", "e", "g", "0-0", "MKSTREAM"), ("XINFO", "GROUPS", "e"), ("XINFO", "STREAM", "e", "FULL"),
        ("XGROUP",), ("XGROUP", "FOO"), ("XGROUP", "HELP"), ("XGROUP", "help", "xxx"), ("xgroup", "create"),
    ],
    "xgroup-setid-destroy-consumers": [
        *SETUP, ("XGROUP", "CREATE", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "s", ">"),
        ("XGROUP", "SETID", "s", "g", "4-0"), ("XINFO", "GROUPS", "s"),
        ("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"), ("XINFO", "GROUPS", "s"),
        ("XGROUP", "SETID", "s", "g", "$"), ("XINFO", "GROUPS", "s"),
        ("XGROUP", "SETID", "s", "g", "3-0", "ENTRIESREAD", "3"), ("XINFO", "GROUPS", "s"),
        ("XGROUP", "SETID", "s", "g", "3-0", "ENTRIESREAD", "-3"), ("XGROUP", "SETID", "s", "g", "3-0", "FOO", "1"),
        ("XGROUP", "SETID", "s", "nog", "0"), ("XGROUP", "SETID", "nokey", "g", "0"), ("XGROUP", "SETID", "s", "g", "bad"),
        ("XGROUP", "SETID", "s", "g"), ("XPENDING", "s", "g"),
        ("XGROUP", "CREATECONSUMER", "s", "g", "c2"), ("XGROUP", "CREATECONSUMER", "s", "g", "c2"),
        ("XGROUP", "CREATECONSUMER", "s", "nog", "c2"), ("XGROUP", "CREATECONSUMER", "nokey", "g", "c2"),
        ("XGROUP", "CREATECONSUMER", "s", "g"), ("XINFO", "CONSUMERS", "s", "g"),
        ("XGROUP", "DELCONSUMER", "s", "g", "c1"), ("XGROUP", "DELCONSUMER", "s", "g", "c1"),
        ("XGROUP", "DELCONSUMER", "s", "g", "nobody"), ("XGROUP", "DELCONSUMER", "s", "nog", "c1"),
        ("XGROUP", "DELCONSUMER", "nokey", "g", "c1"), ("XPENDING", "s", "g"), ("XINFO", "CONSUMERS", "s", "g"),
        ("XINFO", "CONSUMERS", "s", "nog"), ("XINFO", "CONSUMERS", "nokey", "g"), ("XINFO", "CONSUMERS", "s"),
        ("XGROUP", "DESTROY", "s", "g"), ("XGROUP", "DESTROY", "s", "g"), ("XGROUP", "DESTROY", "nokey", "g"),
        ("XGROUP", "DESTROY", "s"), ("XINFO", "GROUPS", "s"),
        ("SET", "str", "x"), ("XGROUP", "DESTROY", "str", "g"), ("XGROUP", "SETID", "str", "g", "0"),
        ("XGROUP", "CREATECONSUMER", "str", "g", "c"), ("XINFO", "GROUPS", "str"), ("XINFO", "CONSUMERS", "str", "g"),
    ],
    "xreadgroup": [
        *SETUP, ("XADD", "t", "1-0", "a", "b"), ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "t", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c2", "COUNT", "1", "STREAMS", "s", "t", ">", ">"),
        ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"), ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "1-0"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", "0-0"),
        ("XREADGROUP", "GROUP", "g", "c3", "STREAMS", "s", "0"), ("XINFO", "CONSUMERS", "s", "g"),
        ("XREADGROUP", "GROUP", "g", "c3", "NOACK", "COUNT", "1", "STREAMS", "s", ">"), ("XPENDING", "s", "g"),
        ("XREADGROUP", "GROUP", "g", "c3", "COUNT", "0", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"), ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", "t", "0", "0"),
        ("XDEL", "s", "1-0", "4-0"), ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", "0"),
        ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "$"),
        ("XREADGROUP", "GROUP", "nog", "c1", "STREAMS", "s", ">"), ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "nokey", ">"),
        ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "nokey", ">", ">"),
        ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s"), ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "t", ">"),
        ("XREADGROUP", "GROUP", "g", "STREAMS", "s", ">"), ("XREADGROUP", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "x", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "-1", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "-1", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c1", "FOO", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "bad"),
        ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "+"),
        ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "-"),
        ("XREAD", "STREAMS", "s", ">"), ("XREAD", "COUNT", "2", "STREAMS", "s", "t", "0", "0"),
        ("XREAD", "STREAMS", "s", "$"), ("XREAD", "STREAMS", "nokey", "0"), ("XREAD", "STREAMS", "s", "s", "2-0", "5-0"),
        ("XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"), ("XREAD", "NOACK", "STREAMS", "s", "0"),
        ("XREAD", "COUNT", "0", "STREAMS", "s", "0"), ("XREAD", "STREAMS"), ("XREAD", "STREAMS", "s", "t", "0"),
        ("XINFO", "GROUPS", "s"), ("XINFO", "GROUPS", "t"), ("XINFO", "CONSUMERS", "s", "g"),
        ("XINFO", "STREAM", "s", "FULL"),
        ("SET", "str", "x"), ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "str", ">"), ("XREAD", "STREAMS", "str", "0"),
    ],
    "xack-xpending": [
        *SETUP, ("XGROUP", "CREATE", "s", "g", "0"), ("XPENDING", "s", "g"),
        ("XPENDING", "s", "g", "-", "+", "10"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c2", "COUNT", "2", "STREAMS", "s", ">"),
        ("XPENDING", "s", "g"), ("XPENDING", "s", "g", "-", "+", "10"), ("XPENDING", "s", "g", "-", "+", "2"),
        ("XPENDING", "s", "g", "(1-0", "(5-0", "10"), ("XPENDING", "s", "g", "2", "4", "10", "c1"),
        ("XPENDING", "s", "g", "-", "+", "10", "c2"), ("XPENDING", "s", "g", "-", "+", "10", "nobody"),
        ("XPENDING", "s", "g", "IDLE", "0", "-", "+", "10"), ("XPENDING", "s", "g", "IDLE", HOUR, "-", "+", "10"),
        ("XPENDING", "s", "g", "IDLE", "0", "-", "+", "10", "c1"),
        ("XPENDING", "s", "g", "-", "+", "0"), ("XPENDING", "s", "g", "-", "+", "-1"),
        ("XPENDING", "s", "g", "+", "-", "10"), ("XPENDING", "s", "g", "-", "+"), ("XPENDING", "s", "g", "-"),
        ("XPENDING", "s", "g", "IDLE", "-", "+", "10"), ("XPENDING", "s", "g", "IDLE", "x", "-", "+", "10"),
        ("XPENDING", "s", "g", "IDLE", "-1", "-", "+", "10"), ("XPENDING", "s", "g", "x", "+", "10"),
        ("XPENDING", "s", "g", "(" + "18446744073709551615-18446744073709551615", "+", "10"),
        ("XPENDING", "s", "g", "-", "+", "x"), ("XPENDING", "s", "g", "-", "+", "10", "c1", "extra"),
        ("XPENDING", "s", "nog"), ("XPENDING", "nokey", "g"), ("XPENDING", "s"),
        ("XACK", "s", "g", "1-0"), ("XACK", "s", "g", "1-0"), ("XACK", "s", "g", "2-0", "3-0", "2-0", "99-0"),
        ("XACK", "s", "g", "bad"), ("XACK", "s", "g", "4-0", "bad"), ("XPENDING", "s", "g"),
        ("XACK", "s", "nog", "4-0"), ("XACK", "nokey", "g", "4-0"), ("XACK", "s", "g"),
        ("XPENDING", "s", "g", "-", "+", "10"), ("XINFO", "CONSUMERS", "s", "g"),
        ("XACK", "s", "g", "4-0", "5-0"), ("XPENDING", "s", "g"), ("XINFO", "STREAM", "s", "FULL"),
        ("SET", "str", "x"), ("XACK", "str", "g", "1-0"), ("XPENDING", "str", "g"),
    ],
    "xclaim": [
        *SETUP, ("XGROUP", "CREATE", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "4", "STREAMS", "s", ">"),
        ("XCLAIM", "s", "g", "c2", "0", "1-0"), ("XPENDING", "s", "g", "-", "+", "10"),
        ("XCLAIM", "s", "g", "c2", HOUR, "2-0"), ("XCLAIM", "s", "g", "c2", "0", "2-0", "JUSTID"),
        ("XPENDING", "s", "g", "-", "+", "10"),
        ("XCLAIM", "s", "g", "c3", "0", "3-0", "IDLE", LONG_AGO), ("XPENDING", "s", "g", "IDLE", FILTER, "-", "+", "10"),
        ("XCLAIM", "s", "g", "c1", FILTER, "3-0", "4-0"), ("XPENDING", "s", "g", "-", "+", "10"),
        ("XCLAIM", "s", "g", "c3", "0", "4-0", "TIME", "1000", "RETRYCOUNT", "7"),
        ("XPENDING", "s", "g", "-", "+", "10"), ("XINFO", "STREAM", "s", "FULL"),
        ("XCLAIM", "s", "g", "c3", "0", "5-0"), ("XCLAIM", "s", "g", "c3", "0", "5-0", "FORCE"),
        ("XPENDING", "s", "g", "-", "+", "10"), ("XCLAIM", "s", "g", "c3", "0", "99-0", "FORCE"),
        ("XCLAIM", "s", "g", "c2", "0", "1-0", "2-0", "JUSTID", "LASTID", "6-0"), ("XINFO", "GROUPS", "s"),
        ("XCLAIM", "s", "g", "c2", "0", "1-0", "LASTID", "2-0"), ("XINFO", "GROUPS", "s"),
        ("XDEL", "s", "2-0"), ("XCLAIM", "s", "g", "c4", "0", "1-0", "2-0"), ("XPENDING", "s", "g", "-", "+", "10"),
        ("XCLAIM", "s", "g", "c4", "0", "1-0", "RETRYCOUNT", "-1"), ("XCLAIM", "s", "g", "c4", "0", "1-0", "IDLE", "-5"),
        ("XPENDING", "s", "g", "-", "+", "10"),
        ("XCLAIM", "s", "g", "c4", "0", "1-0", "TIME", "x"), ("XCLAIM", "s", "g", "c4", "0", "1-0", "IDLE"),
        ("XCLAIM", "s", "g", "c4", "0", "1-0", "FOO"), ("XCLAIM", "s", "g", "c4", "0", "bad"),
        ("XCLAIM", "s", "g", "c4", "0", "1-0", "bad"), ("XCLAIM", "s", "g", "c4", "x", "1-0"),
        ("XCLAIM", "s", "g", "c4", "-1", "1-0"), ("XCLAIM", "s", "g", "c4", "0", "1-0", "LASTID", "bad"),
        ("XCLAIM", "s", "nog", "c4", "0", "1-0"), ("XCLAIM", "nokey", "g", "c4", "0", "1-0"), ("XCLAIM", "s", "g", "c4", "0"),
        ("XINFO", "CONSUMERS", "s", "g"), ("XINFO", "STREAM", "s", "FULL"),
        ("SET", "str", "x"), ("XCLAIM", "str", "g", "c", "0", "1-0"),
    ],
    "xautoclaim": [
        *SETUP, ("XGROUP", "CREATE", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"),
        ("XAUTOCLAIM", "s", "g", "c2", "0", "0", "COUNT", "2"), ("XAUTOCLAIM", "s", "g", "c2", "0", "2-1", "COUNT", "2"),
        ("XAUTOCLAIM", "s", "g", "c3", HOUR, "0"), ("XAUTOCLAIM", "s", "g", "c3", "0", "(4-0", "JUSTID"),
        ("XPENDING", "s", "g", "-", "+", "10"), ("XDEL", "s", "2-0", "5-0"),
        ("XAUTOCLAIM", "s", "g", "c4", "0", "-", "COUNT", "3"), ("XPENDING", "s", "g"),
        ("XAUTOCLAIM", "s", "g", "c4", "0", "-", "JUSTID"), ("XAUTOCLAIM", "s", "g", "c4", "0", "+"),
        ("XAUTOCLAIM", "s", "g", "c4", "0", "0", "COUNT", "0"), ("XAUTOCLAIM", "s", "g", "c4", "0", "0", "COUNT", "-1"),
        ("XAUTOCLAIM", "s", "g", "c4", "0", "0", "COUNT", "x"), ("XAUTOCLAIM", "s", "g", "c4", "0", "0", "COUNT", "999999999999"),
        ("XAUTOCLAIM", "s", "g", "c4", "0", "0", "FOO"), ("XAUTOCLAIM", "s", "g", "c4", "x", "0"),
        ("XAUTOCLAIM", "s", "g", "c4", "-1", "0"), ("XAUTOCLAIM", "s", "g", "c4", "0", "bad"),
        ("XAUTOCLAIM", "s", "nog", "c4", "0", "0"), ("XAUTOCLAIM", "nokey", "g", "c4", "0", "0"),
        ("XAUTOCLAIM", "s", "g", "c4", "0"), ("XINFO", "CONSUMERS", "s", "g"),
        *[("XADD", "s", "%d-0" % i, "f", "v") for i in range(10, 40)],
        ("XREADGROUP", "GROUP", "g", "c5", "STREAMS", "s", ">"), ("XDEL", "s", *["%d-0" % i for i in range(12, 30)]),
        ("XAUTOCLAIM", "s", "g", "c6", "0", "0", "COUNT", "5"), ("XAUTOCLAIM", "s", "g", "c6", "0", "10-0", "COUNT", "1"),
        ("XAUTOCLAIM", "s", "g", "c6", "0", "11-0", "COUNT", "4", "JUSTID"), ("XPENDING", "s", "g"),
        ("XINFO", "STREAM", "s", "FULL", "COUNT", "3"),
        ("SET", "str", "x"), ("XAUTOCLAIM", "str", "g", "c", "0", "0"),
    ],
    "xinfo-lag": [
        *SETUP, ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "s", "late", "$"),
        ("XINFO", "GROUPS", "s"), ("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"),
        ("XINFO", "GROUPS", "s"), ("XDEL", "s", "5-0"), ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"), ("XINFO", "GROUPS", "s"),
        ("XDEL", "s", "1-0"), ("XINFO", "GROUPS", "s"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
        ("XINFO", "GROUPS", "s"), ("XADD", "s", "7-0", "f", "v"), ("XINFO", "GROUPS", "s"),
        ("XGROUP", "SETID", "s", "g", "2-0"), ("XINFO", "GROUPS", "s"),
        ("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"), ("XINFO", "GROUPS", "s"),
        ("XTRIM", "s", "MAXLEN", "2"), ("XINFO", "GROUPS", "s"), ("XSETID", "s", "8-0", "ENTRIESADDED", "20"),
        ("XINFO", "GROUPS", "s"), ("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "18"), ("XINFO", "GROUPS", "s"),
        ("XINFO", "STREAM", "s"), ("XINFO", "STREAM", "s", "FULL"),
        ("XSETID", "s", "9-0", "MAXDELETEDID", "7-5"), ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "g2", "c", "STREAMS", "s", ">"), ("XINFO", "GROUPS", "s"),
        ("XGROUP", "CREATE", "e", "g", "$", "MKSTREAM"), ("XINFO", "GROUPS", "e"),
        ("XADD", "e", "1-0", "f", "v"), ("XINFO", "GROUPS", "e"),
    ],
    "multi-and-types": [
        *SETUP, ("XGROUP", "CREATE", "s", "g", "0"),
        ("MULTI",), ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"),
        ("XACK", "s", "g", "1-0"), ("XPENDING", "s", "g"), ("EXEC",),
        ("RENAME", "s", "r"), ("XINFO", "GROUPS", "r"), ("COPY", "r", "c"), ("XINFO", "GROUPS", "c"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "c", ">"), ("XINFO", "GROUPS", "r"), ("XINFO", "GROUPS", "c"),
        ("OBJECT", "ENCODING", "r"), ("TYPE", "c"), ("DEL", "c"), ("XINFO", "GROUPS", "c"),
    ],
}


@pytest.mark.parametrize("case", sorted(SCRIPTS))
def test_scripted(apus, redis, proto, case):
    log = run_script(apus, redis, proto, SCRIPTS[case], group_normalise)
    assert len(log) == len(SCRIPTS[case])


def test_redis_7_0_shapes(redis, proto):
    """Pins the reply shapes of redis 7.0 that the scripts compare against: XAUTOCLAIM's third
    element (deleted IDs), XINFO CONSUMERS without 7.2's `inactive`, XCLAIM of a deleted entry."""
    s = StreamScene(redis, proto)
    try:
        for cmd in SETUP + [("XGROUP", "CREATE", "s", "g", "0"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
                            ("XDEL", "s", "2-0")]:
            s.ctl.command(*cmd)
        auto = s.ctl.value("XAUTOCLAIM", "s", "g", "d", "0", "0", "COUNT", "2", "JUSTID")
        consumers = s.ctl.value("XINFO", "CONSUMERS", "s", "g")
        claim = s.ctl.command("XCLAIM", "s", "g", "d", "0", "2-0")
        gone = s.ctl.value("XPENDING", "s", "g", "-", "+", "10")
        blocked_dollar = s.ctl.command("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$")
    finally:
        s.close()
    assert auto == [b"3-0", [b"1-0"], [b"2-0"]]
    first = consumers[0]
    keys = list(first.keys()) if isinstance(first, dict) else first[0::2]
    assert keys == [b"name", b"pending", b"idle"]
    assert claim == b"*0\r\n"
    assert [e[0] for e in gone] == [b"1-0", b"3-0", b"4-0", b"5-0", b"6-0"]
    assert blocked_dollar.startswith(b"-ERR The $ ID is meaningless in the context of XREADGROUP")


def test_normaliser_masks_only_time(redis, proto):
    """group_normalise must hide idle/delivery times and nothing else (so the differential
    comparisons still see counts and IDs)."""
    s = StreamScene(redis, proto)
    try:
        for cmd in SETUP[:2] + [("XGROUP", "CREATE", "s", "g", "0"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
                                ("XCLAIM", "s", "g", "c", "0", "1-0", "IDLE", LONG_AGO, "RETRYCOUNT", "9")]:
            s.ctl.command(*cmd)
        pend = ("XPENDING", "s", "g", "-", "+", "10")
        full = ("XINFO", "STREAM", "s", "FULL")
        cons = ("XINFO", "CONSUMERS", "s", "g")
        raw = {c: s.ctl.command(*c) for c in (pend, full, cons)}
    finally:
        s.close()
    masked = {c: group_normalise(c, r) for c, r in raw.items()}
    assert b"100000" not in masked[pend] and b":9\r\n" in masked[pend] and b"$3\r\n1-0\r\n" in masked[pend]
    assert masked[pend].count(b":?\r\n") == 2
    assert masked[full].count(b":?\r\n") == 1 + 2 + 2 + 1   # rax nodes, 2 group PEL + 2 consumer PEL times, seen-time
    assert b":9\r\n" in masked[full] and b"radix-tree-keys" in masked[full]
    assert masked[cons].count(b":?\r\n") == 1 and b":2\r\n" in masked[cons]


# ===========================================================================
# Randomized consumer-group workload
# ===========================================================================

def random_group_steps(rng, n):
    steps = [("CONFIG", "SET", "stream-node-max-entries", str(rng.choice([3, 5, 100])))]
    ms = 0
    ids = []
    consumers = ["alice", "bob", "carol"]
    groups = ["g1", "g2"]
    for i in range(8):
        ms += 1
        ids.append("%d-0" % ms)
        steps.append(("XADD", "s", ids[-1], "n", str(i)))
    steps += [("XGROUP", "CREATE", "s", "g1", "0"), ("XGROUP", "CREATE", "s", "g2", "$")]

    def some_id():
        return rng.choice(ids) if rng.random() < 0.85 else "%d-%d" % (rng.randint(0, ms + 1), rng.randint(0, 1))

    for _ in range(n):
        g, c = rng.choice(groups), rng.choice(consumers)
        r = rng.random()
        if r < 0.2:
            ms += rng.randint(1, 2)
            ids.append("%d-%d" % (ms, rng.randint(0, 2)))
            steps.append(("XADD", "s", ids[-1], "n", str(len(ids))))
        elif r < 0.38:
            count = ["COUNT", str(rng.randint(1, 4))] if rng.random() < 0.8 else []
            noack = ["NOACK"] if rng.random() < 0.1 else []
            start = ">" if rng.random() < 0.75 else rng.choice(["0", some_id()])
            steps.append(("XREADGROUP", "GROUP", g, c, *count, *noack, "STREAMS", "s", start))
        elif r < 0.5:
            steps.append(("XACK", "s", g, *[some_id() for _ in range(rng.randint(1, 3))]))
        elif r < 0.6:
            opts = rng.choice([[], ["JUSTID"], ["RETRYCOUNT", str(rng.randint(0, 5))], ["FORCE"], ["IDLE", LONG_AGO]])
            steps.append(("XCLAIM", "s", g, c, rng.choice(["0", "0", HOUR]),
                          *[some_id() for _ in range(rng.randint(1, 3))], *opts))
        elif r < 0.66:
            opts = rng.choice([[], ["JUSTID"], ["COUNT", str(rng.randint(1, 5))]])
            steps.append(("XAUTOCLAIM", "s", g, c, "0", rng.choice(["0", some_id()]), *opts))
        elif r < 0.72:
            steps.append(("XDEL", "s", some_id()))
        elif r < 0.78:
            steps.append(("XPENDING", "s", g))
        elif r < 0.86:
            lo, hi = sorted([some_id(), some_id()], key=lambda x: [int(p) for p in x.split("-")])
            idle = ["IDLE", rng.choice(["0", FILTER])] if rng.random() < 0.3 else []
            who = [c] if rng.random() < 0.4 else []
            steps.append(("XPENDING", "s", g, *idle, rng.choice([lo, "-"]), rng.choice([hi, "+"]),
                          str(rng.randint(1, 10)), *who))
        elif r < 0.9:
            steps.append(("XINFO", "GROUPS", "s"))
        elif r < 0.93:
            steps.append(("XINFO", "CONSUMERS", "s", g))
        elif r < 0.95:
            steps.append(("XINFO", "STREAM", "s", "FULL", "COUNT", "3"))
        elif r < 0.97:
            steps.append(("XGROUP", "DELCONSUMER", "s", g, c))
        elif r < 0.98:
            steps.append(("XGROUP", "SETID", "s", g, rng.choice(["0", "$", some_id()])))
        else:
            steps.append(("XTRIM", "s", "MAXLEN", str(rng.randint(3, 12))))
    steps += [("XPENDING", "s", g, "-", "+", "100") for g in groups]
    steps += [("XINFO", "STREAM", "s", "FULL"), ("XINFO", "GROUPS", "s")]
    return steps


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_group_workload(apus, redis, proto, seed):
    steps = random_group_steps(random.Random(seed), 250)
    log = run_script(apus, redis, proto, steps, group_normalise)
    replies = dict(enumerate(r for _, r in log))
    claims = [replies[i] for i, st in enumerate(steps) if st[0] == "XCLAIM"]
    assert any(r not in (b"*0\r\n",) for r in claims), "no XCLAIM claimed anything"
    reads = [replies[i] for i, st in enumerate(steps) if st[0] == "XREADGROUP"]
    assert any(r[:1] in b"*%" and r not in (b"*-1\r\n",) for r in reads)


# ===========================================================================
# Arity and keyspace notifications
# ===========================================================================

ARITY = [
    ("XACK",), ("XACK", "s"), ("XACK", "s", "g"), ("XCLAIM", "s", "g", "c"), ("XCLAIM", "s", "g", "c", "0"),
    ("XAUTOCLAIM", "s", "g", "c", "0"), ("XPENDING", "s"), ("XPENDING",), ("XREADGROUP", "GROUP", "g", "c"),
    ("XREADGROUP", "GROUP", "g"), ("XREADGROUP",), ("XREAD",), ("XREAD", "STREAMS", "s"),
    ("XGROUP", "CREATE", "s"), ("XGROUP", "CREATE", "s", "g"), ("XGROUP", "SETID", "s", "g"),
    ("XGROUP", "DESTROY", "s"), ("XGROUP", "DESTROY", "s", "g", "x"), ("XGROUP", "CREATECONSUMER", "s", "g"),
    ("XGROUP", "DELCONSUMER", "s", "g"), ("XGROUP", "DELCONSUMER", "s", "g", "c", "x"),
    ("XGROUP", "CREATE", "s", "g", "0", "MKSTREAM", "x"), ("XGROUP", "NOPE", "s"), ("XGROUP", "help"),
    ("XINFO", "GROUPS"), ("XINFO", "GROUPS", "s", "x"), ("XINFO", "CONSUMERS", "s"),
    ("XINFO", "CONSUMERS", "s", "g", "x"), ("XINFO", "STREAM", "s", "FULL", "COUNT", "1", "x"),
    ("XINFO", "NOPE"), ("xinfo", "help", "extra"),
]


def test_arity_and_unknown_subcommands(apus, redis, proto):
    steps = [("XADD", "s", "1-0", "f", "v"), ("XGROUP", "CREATE", "s", "g", "0")] + ARITY
    run_script(apus, redis, proto, steps, group_normalise)


GROUP_NOTIFY_STEPS = [
    ("XADD", "s", "1-0", "f", "v"), ("XADD", "s", "2-0", "f", "v"), ("XGROUP", "CREATE", "s", "g", "0"),
    ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"),
    ("XGROUP", "SETID", "s", "g", "0"), ("XGROUP", "SETID", "s", "nog", "0"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "c1"), ("XGROUP", "CREATECONSUMER", "s", "g", "c1"),
    ("XREADGROUP", "GROUP", "g", "c2", "COUNT", "1", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"), ("XREADGROUP", "GROUP", "g", "c3", "STREAMS", "s", "0"),
    ("XREADGROUP", "GROUP", "g", "c4", "STREAMS", "s", ">"),
    ("XCLAIM", "s", "g", "c5", "0", "1-0"), ("XCLAIM", "s", "g", "c6", HOUR, "1-0"),
    ("XAUTOCLAIM", "s", "g", "c7", "0", "0"), ("XACK", "s", "g", "1-0"), ("XACK", "s", "g", "1-0"),
    ("XGROUP", "DELCONSUMER", "s", "g", "c1"), ("XGROUP", "DELCONSUMER", "s", "g", "nobody"),
    ("XDEL", "s", "2-0"), ("XAUTOCLAIM", "s", "g", "c7", "0", "0"),
    ("XGROUP", "DESTROY", "s", "g"), ("XGROUP", "DESTROY", "s", "g"),
    ("XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "1"),
    ("MULTI",), ("XGROUP", "CREATECONSUMER", "s", "g", "m"), ("XREADGROUP", "GROUP", "g", "m", "STREAMS", "s", ">"),
    ("EXEC",), ("DEL", "s", "new"),
]


@pytest.mark.parametrize("flags", ["KEA", "Et", "Kg"])
def test_group_keyspace_notifications(apus, redis, proto, flags):
    from support.streams import drain_events, run_both

    def scenario(s):
        sub = s.connect()
        sub.command("PSUBSCRIBE", "__key*@*__:*")
        s.ctl.command("CONFIG", "SET", "notify-keyspace-events", flags)
        out = s.run(GROUP_NOTIFY_STEPS, group_normalise)
        return out + drain_events(s, sub)
    log = run_both(apus, redis, proto, scenario)
    if flags == "KEA":
        text = b"".join(x for x in log if isinstance(x, bytes))
        for event in (b"xgroup-create", b"xgroup-setid", b"xgroup-createconsumer", b"xgroup-delconsumer",
                      b"xgroup-destroy"):
            assert b"\r\n" + event + b"\r\n" in text, event


# ===========================================================================
# Propagation: what a replica (and the AOF) receives
# ===========================================================================
#
# The test plays the replica (support.replication.RawReplica) and compares the command
# streams of the two masters: XADD * as its explicit ID, approximate trimming rewritten,
# XREADGROUP/XAUTOCLAIM as XCLAIM ... TIME RETRYCOUNT ... JUSTID LASTID plus XGROUP SETID,
# NOACK reads, served blocked XREADGROUPs. Wall-clock ms (IDs and XCLAIM TIME) are masked.

PROPAGATION_STEPS = [
    ("CONFIG", "SET", "stream-node-max-entries", "4"),
    *[("XADD", "s", "%d-0" % i, "f", "v%d" % i) for i in range(1, 13)],
    ("XADD", "s", "MAXLEN", "~", "6", "13-0", "f", "v"), ("XADD", "s", "MAXLEN", "~", "6", "LIMIT", "1", "14-0", "f", "v"),
    ("XTRIM", "s", "MAXLEN", "~", "5"), ("XTRIM", "s", "MINID", "~", "12"), ("XTRIM", "s", "MAXLEN", "100"),
    ("XTRIM", "s", "MAXLEN", "=", "6"), ("XADD", "t", "*", "f", "v"), ("XADD", "t", "MAXLEN", "0", "*", "f", "v"),
    ("XADD", "nokey", "NOMKSTREAM", "*", "f", "v"),
    ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "3"),
    ("XGROUP", "CREATE", "m", "g", "$", "MKSTREAM"), ("XGROUP", "CREATECONSUMER", "s", "g", "idle"),
    ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "bob", "NOACK", "COUNT", "1", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"), ("XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", ">"),
    ("XACK", "s", "g", "9-0", "99-0"), ("XACK", "s", "g", "99-0"),
    ("XCLAIM", "s", "g", "dave", "0", "10-0", "RETRYCOUNT", "5"), ("XCLAIM", "s", "g", "dave", "0", "11-0", "JUSTID"),
    ("XCLAIM", "s", "g", "dave", "0", "12-0", "IDLE", LONG_AGO), ("XCLAIM", "s", "g", "dave", "0", "13-0", "TIME", "1000"),
    ("XCLAIM", "s", "g", "dave", HOUR, "14-0"), ("XCLAIM", "s", "g", "erin", "0", "99-0", "FORCE"),
    ("XCLAIM", "s", "g", "erin", "0", "14-0", "LASTID", "20-0"),
    ("XDEL", "s", "12-0"), ("XAUTOCLAIM", "s", "g", "frank", "0", "0", "COUNT", "2"),
    ("XAUTOCLAIM", "s", "g", "frank", "0", "0", "JUSTID"),
    ("XGROUP", "SETID", "s", "g2", "0", "ENTRIESREAD", "0"), ("XGROUP", "DELCONSUMER", "s", "g", "idle"),
    ("XGROUP", "DESTROY", "s", "g2"), ("XGROUP", "DESTROY", "s", "g2"),
    ("XSETID", "s", "50-0"), ("XSETID", "s", "60-0", "ENTRIESADDED", "100", "MAXDELETEDID", "55-0"),
    ("XDEL", "s", "99-0"), ("XTRIM", "nokey", "MAXLEN", "0"),
    ("MULTI",), ("XADD", "m", "1-0", "f", "v"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "m", ">"), ("EXEC",),
    ("XADD", "e", "1-0", "f", "v"), ("XGROUP", "CREATE", "e", "g", "$"),
]


def propagated(factory):
    from support.replication import RawReplica, offset
    from support.streams import StreamScene, mask_wall_ms
    from test_replication_stream import STREAM_ARGS, commands
    master = factory(extra_args=STREAM_ARGS)
    replica = RawReplica(master)
    s = StreamScene(master, 2)
    try:
        start = replica.offset
        replies = s.run(PROPAGATION_STEPS, group_normalise)
        a = s.connect()
        s.block(a, "XREADGROUP", "GROUP", "g", "blocked", "COUNT", "1", "BLOCK", "0", "STREAMS", "e", ">")
        s.ctl.command("XADD", "e", "2-0", "f", "v")
        replies.append(a.read_reply())
        s.ctl.command("FLUSHALL")
        stream = [[mask_wall_ms(x) for x in cmd] for cmd in commands(replica.read(offset(master) - start))]
        return replies, stream
    finally:
        s.close()
        replica.close()


def test_propagation(apus_factory, redis_factory):
    ours = propagated(apus_factory)
    theirs = propagated(redis_factory)
    assert ours[0] == theirs[0]
    for i, (x, y) in enumerate(zip(ours[1], theirs[1])):
        assert x == y, "command %d of the replication stream: apus %r, redis %r" % (i, x, y)
    assert len(ours[1]) == len(theirs[1])
    flat = [c[0].upper() for c in theirs[1]]
    assert b"XCLAIM" in flat and b"XGROUP" in flat and b"XADD" in flat
