"""XREAD/XREADGROUP beyond the shared stream test files, differentially against redis-server
7.0.15: what a played replica receives for the reads (NOACK, history, served blocked readers,
reads inside MULTI), the statistics of a blocked reader ended by an error, keys the read
lookups count, COMMAND GETKEYS, client tracking of XREAD keys, the NOGROUP text with odd key
names, and the edges of serving a blocked reader (an XADD undone by XDEL in the same
transaction, a huge BLOCK, RESTORE over a waited stream)."""

import re

import pytest

from support.replication import RawReplica, offset
from support.resp import parse, bulk_payload
from support.streams import NOTHING, StreamScene, mask_wall_ms, run_both
from test_differential import proto  # noqa: F401  (fixture: 2 or 3)
from test_replication_stream import STREAM_ARGS, commands


# ---------------------------------------------------------------------------
# Propagation: a played replica of each server
# ---------------------------------------------------------------------------

def replicated(factory, scenario):
    master = factory(extra_args=STREAM_ARGS)
    replica = RawReplica(master)
    s = StreamScene(master, 2)
    try:
        start = replica.offset
        replies = scenario(s)
        s.ctl.command("PING")
        stream = [[mask_wall_ms(x) for x in cmd] for cmd in commands(replica.read(offset(master) - start))]
        return [mask_wall_ms(r) for r in replies], stream
    finally:
        s.close()
        replica.close()


def both_replicated(apus_factory, redis_factory, scenario):
    ours = replicated(apus_factory, scenario)
    theirs = replicated(redis_factory, scenario)
    assert ours[0] == theirs[0]
    for i, (x, y) in enumerate(zip(ours[1], theirs[1])):
        assert x == y, "command %d of the replication stream: apus %r, redis %r" % (i, x, y)
    assert len(ours[1]) == len(theirs[1])
    return theirs


def test_propagation_of_reads(apus_factory, redis_factory):
    """NOACK reads (CREATECONSUMER + SETID), history reads (nothing), a reassigned pending entry
    after SETID back, several keys in one read, a read inside MULTI with its XADD."""
    def scenario(s):
        steps = [
            *[("XADD", "s", "%d-0" % i, "f", "v%d" % i) for i in range(1, 7)],
            ("XADD", "t", "1-0", "f", "t1"),
            ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "t", "g", "0"),
            ("XREADGROUP", "GROUP", "g", "n1", "NOACK", "COUNT", "2", "STREAMS", "s", ">"),
            ("XREADGROUP", "GROUP", "g", "n1", "NOACK", "COUNT", "1", "STREAMS", "s", ">"),
            ("XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", "t", ">", ">"),
            ("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "0"),
            ("XREADGROUP", "GROUP", "g", "fresh", "STREAMS", "s", "0"),
            ("XGROUP", "SETID", "s", "g", "3-0"),
            ("XREADGROUP", "GROUP", "g", "b", "COUNT", "1", "STREAMS", "s", ">"),
            ("XREADGROUP", "GROUP", "g", "b", "COUNT", "1", "STREAMS", "s", "s", ">", ">"),
            ("MULTI",), ("XADD", "s", "7-0", "f", "v7"),
            ("XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "s", ">"), ("EXEC",),
            ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
            ("XINFO", "GROUPS", "s"),
        ]
        return [s.ctl.command(*cmd) for cmd in steps]
    _, stream = both_replicated(apus_factory, redis_factory, scenario)
    names = [c[0].upper() + b" " + (c[1].upper() if len(c) > 1 else b"") for c in stream]
    assert b"XGROUP CREATECONSUMER" in names and b"XGROUP SETID" in names and b"XCLAIM S" in names


def test_propagation_of_served_blocked_readers(apus_factory, redis_factory):
    """A served XREADGROUP NOACK (consumer created then: CREATECONSUMER + SETID, one unit), a
    served XREADGROUP of two entries (two XCLAIMs in MULTI), a served XREAD (nothing)."""
    def scenario(s):
        s.ctl.command("XADD", "s", "1-0", "f", "v")
        s.ctl.command("XGROUP", "CREATE", "s", "g", "$")
        a, b, c = s.connect(), s.connect(), s.connect()
        s.block(a, "XREADGROUP", "GROUP", "g", "quiet", "NOACK", "BLOCK", "0", "STREAMS", "s", ">")
        s.block(b, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        out = [s.ctl.command("XADD", "s", "2-0", "f", "v"), a.read_reply(), b.read_reply()]
        s.block(c, "XREADGROUP", "GROUP", "g", "loud", "BLOCK", "0", "STREAMS", "s", ">")
        out += [s.ctl.command("MULTI"), s.ctl.command("XADD", "s", "3-0", "f", "v"),
                s.ctl.command("XADD", "s", "4-0", "f", "v"), s.ctl.command("EXEC"), c.read_reply()]
        return out
    _, stream = both_replicated(apus_factory, redis_factory, scenario)
    assert [b"XGROUP", b"CREATECONSUMER", b"s", b"g", b"quiet"] in stream


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------

def stat_lines(s, section, pattern):
    text = s.ctl.command("INFO", section).decode()
    # Sorted: Redis lists commandstats in its dict's order.
    return sorted(re.sub(r"usec=\d+,usec_per_call=[0-9.]+,", "", line) for line in text.split("\r\n")
                  if re.match(pattern, line))


def test_stats_of_a_reader_ended_by_an_error(apus, redis, proto):
    """calls at the call, failed_calls when a blocked XREADGROUP ends with -NOGROUP/-UNBLOCKED,
    the error codes counted, and keyspace hits/misses (each key is looked up twice)."""
    def scenario(s):
        s.ctl.command("XADD", "s", "1-0", "f", "v")
        s.ctl.command("XGROUP", "CREATE", "s", "g", "$")
        s.ctl.command("CONFIG", "RESETSTAT")
        a = s.connect()
        out = []
        s.block(a, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        out += [s.ctl.command("XGROUP", "DESTROY", "s", "g"), a.read_reply()]
        s.ctl.command("XGROUP", "CREATE", "s", "g", "$")
        s.block(a, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        out += [s.ctl.command("DEL", "s"), a.read_reply()]
        out += [s.ctl.command("XADD", "s", "2-0", "f", "v"),
                s.ctl.command("XREAD", "STREAMS", "s", "nokey", "s", "0", "0", "1")]
        out += stat_lines(s, "commandstats", r"cmdstat_xread")
        out += stat_lines(s, "errorstats", r"errorstat_")
        out += stat_lines(s, "stats", r"keyspace_(hits|misses)")
        return out
    log = run_both(apus, redis, proto, scenario)
    assert any("failed_calls=2" in str(x) for x in log)


# ---------------------------------------------------------------------------
# Keys of the command: COMMAND GETKEYS and client tracking
# ---------------------------------------------------------------------------

GETKEYS = [
    ["XREAD", "STREAMS", "s", "0"],
    ["XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "a", "b", "0", "0"],
    ["XREAD", "STREAMS", "a", "b", "0"],
    ["XREAD", "STREAMS", "streams", "streams", "0"],
    ["XREAD", "foo", "STREAMS", "a", "0"],
    ["XREADGROUP", "GROUP", "streams", "c", "STREAMS", "s", ">"],
    ["XREADGROUP", "GROUP", "g", "streams", "streams", "s", ">"],
    ["XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "a", "b", "c", "d"],
]


def test_command_getkeys(apus, redis, proto):
    run_both(apus, redis, proto, lambda s: [s.ctl.command("COMMAND", "GETKEYS", *form) for form in GETKEYS])


def test_tracking_of_xread_keys(apus, redis):
    """RESP3 tracking: XREAD's keys are remembered, so an XADD to them invalidates."""
    def scenario(s):
        r = s.connect()
        out = [r.command("HELLO", "3")[:1], r.command("CLIENT", "TRACKING", "on"),
               r.command("XREAD", "STREAMS", "s", "t", "0", "0")]
        s.ctl.command("XADD", "t", "1-0", "f", "v")
        out.append(r.command("PING"))
        return out
    log = run_both(apus, redis, 3, scenario)
    assert any(b"invalidate" in x for x in log if isinstance(x, bytes))


# ---------------------------------------------------------------------------
# Reply edges
# ---------------------------------------------------------------------------

def test_nogroup_text_with_odd_names(apus, redis, proto):
    def scenario(s):
        s.ctl.command("XADD", "s", "1-0", "f", "v")
        return [s.ctl.command("XREADGROUP", "GROUP", "g\r\nx", "c", "STREAMS", "s", ">"),
                s.ctl.command("XREADGROUP", "GROUP", "g", "c", "STREAMS", "k\x00ey", ">"),
                s.ctl.command("XREADGROUP", "GROUP", "g", "c", "STREAMS", b"\xff\xfe", ">")]
    run_both(apus, redis, proto, scenario)


def test_served_after_an_undone_xadd(apus, redis, proto):
    """MULTI XADD + XDEL: the stream's last ID passed the readers' (and the group's), so both are
    served, an empty list: Redis compares the last ID, not the entries."""
    def scenario(s):
        s.ctl.command("XADD", "s", "1-0", "f", "v")
        s.ctl.command("XGROUP", "CREATE", "s", "g", "$")
        a, b = s.connect(), s.connect()
        s.block(a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        s.block(b, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        out = [s.ctl.command(*c) for c in [("MULTI",), ("XADD", "s", "2-0", "f", "v"), ("XDEL", "s", "2-0"),
                                            ("EXEC",)]]
        out += [s.outcome(a), s.outcome(b), s.blocked(), s.ctl.command("XINFO", "GROUPS", "s")]
        return out
    log = run_both(apus, redis, proto, scenario)
    assert log[-2] == 0


def test_xsetid_does_not_wake_readers(apus, redis, proto):
    def scenario(s):
        s.ctl.command("XADD", "s", "1-0", "f", "v")
        a = s.connect()
        s.block(a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        out = [s.ctl.command("XSETID", "s", "5-0"), s.outcome(a)]
        out += [s.ctl.command("XADD", "s", "6-0", "f", "v"), s.outcome(a)]
        return out
    run_both(apus, redis, proto, scenario)


def test_huge_block_waits_until_unblocked(apus, redis, proto):
    def scenario(s):
        a = s.connect()
        a_id = int(a.command("CLIENT", "ID")[1:-2])
        s.block(a, "XREAD", "BLOCK", "9223372036854775807", "STREAMS", "s", "$")
        out = [s.outcome(a), s.ctl.command("CLIENT", "UNBLOCK", str(a_id), "TIMEOUT"), s.outcome(a)]
        out.append(s.ctl.command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"))
        s.block(a, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        out += [s.ctl.command("CLIENT", "UNBLOCK", str(a_id), "ERROR"), s.outcome(a)]
        return out
    run_both(apus, redis, proto, scenario)


def test_restore_over_a_waited_stream(apus, redis, proto):
    """RESTORE REPLACE of a string over the stream an XREADGROUP waits on ends it (-UNBLOCKED)."""
    def scenario(s):
        s.ctl.command("SET", "str", "value")
        payload = bulk_payload(parse(s.ctl.command("DUMP", "str")))
        s.ctl.command("XADD", "s", "1-0", "f", "v")
        s.ctl.command("XGROUP", "CREATE", "s", "g", "$")
        a = s.connect()
        s.block(a, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        return [s.ctl.command("RESTORE", "s", "0", payload, "REPLACE"), s.outcome(a), s.blocked()]
    run_both(apus, redis, proto, scenario)


@pytest.mark.parametrize("count", ["1", "2"])
def test_same_stream_named_twice(apus, redis, proto, count):
    """Serving the first `>` moves the group on, which decides whether the second is served."""
    def scenario(s):
        for i in range(1, 4):
            s.ctl.command("XADD", "s", "%d-0" % i, "f", "v%d" % i)
        s.ctl.command("XGROUP", "CREATE", "s", "g", "0")
        return [s.ctl.command("XREADGROUP", "GROUP", "g", "c", "COUNT", count, "STREAMS", "s", "s", "s", ">", ">", "0"),
                s.ctl.command("XREAD", "COUNT", count, "STREAMS", "s", "s", "0", "1-0"),
                s.ctl.command("XPENDING", "s", "g")]
    run_both(apus, redis, proto, scenario)


def test_blocked_key_named_twice_keeps_its_first_id(apus, redis, proto):
    def scenario(s):
        s.ctl.command("XADD", "s", "5-0", "f", "v")
        a = s.connect()
        s.block(a, "XREAD", "BLOCK", "0", "STREAMS", "s", "s", "9-0", "5-0")
        out = [s.ctl.command("XADD", "s", "7-0", "f", "v"), s.outcome(a)]
        out += [s.ctl.command("XADD", "s", "10-0", "f", "v"), s.outcome(a), s.blocked()]
        return out
    log = run_both(apus, redis, proto, scenario)
    assert log[1] == NOTHING
