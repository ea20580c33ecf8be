"""XREAD BLOCK and XREADGROUP BLOCK, differentially: each timeline runs against Apus and
against redis-server 7.0 with several connections, in RESP2 and RESP3, and the observations
(raw reply bytes per connection, in order) must be identical. Entry IDs are explicit so the
replies are deterministic. Waiting is by polling INFO's blocked_clients; the only fixed waits
are the short BLOCK timeouts measured; whether a client is still blocked is read from CLIENT LIST."""

import re
import time

import pytest

from support.streams import NOTHING, run_both
from test_differential import proto  # noqa: F401  (fixture: 2 or 3)

U64 = "18446744073709551615"


def null_reply(proto):
    return b"*-1\r\n" if proto == 2 else b"_\r\n"


# ===========================================================================
# Timeouts and non-blocking paths
# ===========================================================================

TIMEOUT_FORMS = [
    ["XREAD", "BLOCK", "200", "STREAMS", "s", "$"],
    ["XREAD", "COUNT", "5", "BLOCK", "200", "STREAMS", "s", "t", "$", "0"],
    ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "200", "STREAMS", "s", ">"],
    ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "NOACK", "BLOCK", "200", "STREAMS", "s", ">"],
]


@pytest.mark.parametrize("form", TIMEOUT_FORMS, ids=["xread", "xread-2keys", "xreadgroup", "xreadgroup-noack"])
def test_timeout(apus, redis, proto, form):
    def scenario(s):
        s.ctl.command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        c = s.connect()
        start = time.monotonic()
        reply = c.command(*form)
        elapsed = time.monotonic() - start
        return [reply, 0.15 <= elapsed < 2.0, s.blocked(), c.command("PING"),
                s.ctl.command("XINFO", "GROUPS", "s").count(b"pending")]
    log = run_both(apus, redis, proto, scenario)
    assert log[0] == null_reply(proto) and log[1] is True


def test_nonblocking_paths(apus, redis, proto):
    """BLOCK with data available, an explicit history ID, a wrong type or a missing group
    answers at once; a negative or non-integer timeout is an error."""
    def scenario(s):
        s.ctl.command("XADD", "s", "1-1", "f", "v")
        s.ctl.command("XGROUP", "CREATE", "s", "g", "0")
        s.ctl.command("SET", "str", "x")
        c = s.connect()
        out = [c.command("XREAD", "BLOCK", "0", "STREAMS", "s", "0"),
               c.command("XREAD", "BLOCK", "0", "STREAMS", "s", "nokey", "0", "$"),
               c.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"),
               c.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", "0"),
               c.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "50", "STREAMS", "s", "0"),
               c.command("XREAD", "BLOCK", "0", "STREAMS", "str", "$"),
               c.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "str", ">"),
               c.command("XREADGROUP", "GROUP", "nog", "c", "BLOCK", "0", "STREAMS", "s", ">"),
               c.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "nokey", ">"),
               c.command("XREAD", "BLOCK", "-1", "STREAMS", "s", "$"),
               c.command("XREAD", "BLOCK", "x", "STREAMS", "s", "$"),
               c.command("XREAD", "BLOCK", "1.5", "STREAMS", "s", "$"),
               c.command("XREAD", "BLOCK", "0", "STREAMS", "s", ">"),
               c.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", "$"),
               c.command("XADD", "s", "1-" + U64, "f", "v"), c.command("XADD", "s", "2-1", "f", "v"),
               c.command("XREAD", "BLOCK", "0", "STREAMS", "s", "1-" + U64),
               s.blocked()]
        return out
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# Being served
# ===========================================================================

def test_xread_woken_by_xadd(apus, redis, proto):
    def scenario(s):
        s.ctl.command("XADD", "s", "1-0", "old", "x")
        a = s.connect()
        s.block(a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        out = [s.outcome(a)]
        out.append(s.ctl.command("XADD", "s", "2-0", "new", "y"))
        out.append(a.read_reply())
        out.append(s.blocked())
        # An older ID than the top answers at once with everything after it.
        out.append(a.command("XREAD", "BLOCK", "0", "STREAMS", "s", "0"))
        s.block(a, "XREAD", "BLOCK", "5000", "STREAMS", "s", "2-0")
        out.append(s.ctl.command("XADD", "s", "3-0", "f", "v"))
        out.append(a.read_reply())
        out.append(a.command("PING"))         # nothing else queued (no timeout reply after being served)
        return out
    log = run_both(apus, redis, proto, scenario)
    assert log[0] == NOTHING and log[3] == 0


def test_dollar_on_missing_stream_and_id_edge(apus, redis, proto):
    def scenario(s):
        a, b = s.connect(), s.connect()
        s.block(a, "XREAD", "BLOCK", "0", "STREAMS", "x", "$")
        s.block(b, "XREAD", "BLOCK", "0", "STREAMS", "x", "1-" + U64)
        out = [s.ctl.command("XADD", "x", "1-1", "f", "v"), a.read_reply(), s.outcome(b)]
        out.append(s.ctl.command("XADD", "x", "1-" + U64, "f", "v"))
        out.append(s.outcome(b))
        out.append(s.ctl.command("XADD", "x", "2-1", "f", "v"))
        out.append(b.read_reply())
        return out
    run_both(apus, redis, proto, scenario)


def test_xread_all_blocked_clients_served_in_order(apus, redis, proto):
    """XREAD does not consume: every client blocked on the key gets the new entries,
    each limited by its own COUNT, the first blocked answered first."""
    def scenario(s):
        clients = [s.connect() for _ in range(3)]
        s.block(clients[0], "XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "$")
        s.block(clients[1], "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        s.block(clients[2], "XREAD", "COUNT", "2", "BLOCK", "0", "STREAMS", "other", "s", "$", "$")
        out = [s.ctl.command("MULTI"), s.ctl.command("XADD", "s", "1-1", "a", "1"),
               s.ctl.command("XADD", "s", "1-2", "a", "2"), s.ctl.command("XADD", "s", "1-3", "a", "3")]
        out.append(s.outcome(clients[0]))      # not before EXEC
        out.append(s.ctl.command("EXEC"))
        out += [c.read_reply() for c in clients]
        out.append(s.blocked())
        return out
    run_both(apus, redis, proto, scenario)


def test_xreadgroup_first_consumer_served_second_waits(apus, redis, proto):
    def scenario(s):
        s.ctl.command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        a, b, c = s.connect(), s.connect(), s.connect()
        s.block(a, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
        s.block(b, "XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", ">")
        out = [s.ctl.command("XADD", "s", "1-0", "f", "v1"), a.read_reply(), s.outcome(b)]
        out.append(s.blocked())
        # Two entries at once: bob (COUNT 1) takes the first, carol (blocked after bob) the rest.
        s.block(c, "XREADGROUP", "GROUP", "g", "carol", "BLOCK", "0", "STREAMS", "s", ">")
        out += [s.ctl.command("MULTI"), s.ctl.command("XADD", "s", "2-0", "f", "v2"),
                s.ctl.command("XADD", "s", "3-0", "f", "v3"), s.ctl.command("EXEC")]
        out += [b.read_reply(), c.read_reply(), s.blocked()]
        out.append(s.ctl.command("XPENDING", "s", "g"))
        out.append(s.ctl.command("XINFO", "GROUPS", "s"))
        return out
    run_both(apus, redis, proto, scenario)


def test_xreadgroup_noack_and_other_group(apus, redis, proto):
    def scenario(s):
        s.ctl.command("XGROUP", "CREATE", "s", "g1", "$", "MKSTREAM")
        s.ctl.command("XGROUP", "CREATE", "s", "g2", "$")
        a, b, c = s.connect(), s.connect(), s.connect()
        s.block(a, "XREADGROUP", "GROUP", "g1", "c", "NOACK", "BLOCK", "0", "STREAMS", "s", ">")
        s.block(b, "XREADGROUP", "GROUP", "g2", "c", "BLOCK", "0", "STREAMS", "s", ">")
        s.block(c, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        out = [s.ctl.command("XADD", "s", "1-0", "f", "v"), a.read_reply(), b.read_reply(), c.read_reply()]
        out += [s.ctl.command("XPENDING", "s", "g1"), s.ctl.command("XPENDING", "s", "g2"),
                s.ctl.command("XINFO", "GROUPS", "s")]
        return out
    run_both(apus, redis, proto, scenario)


def test_blocked_on_several_streams(apus, redis, proto):
    def scenario(s):
        s.ctl.command("XADD", "s2", "1-0", "old", "x")
        for k in ("s1", "s3"):
            s.ctl.command("XGROUP", "CREATE", k, "g", "$", "MKSTREAM")
        a, b, c = s.connect(), s.connect(), s.connect()
        s.block(a, "XREAD", "BLOCK", "0", "STREAMS", "s1", "s2", "s3", "$", "$", "$")
        s.block(b, "XREAD", "BLOCK", "0", "STREAMS", "s2", "s2", "s2", "$", "$", "$")
        s.block(c, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s1", "s3", ">", ">")
        out = [s.ctl.command("XADD", "s2", "2-0", "new", "y"), a.read_reply(), b.read_reply(), s.outcome(c)]
        out += [s.ctl.command("XADD", "s3", "1-0", "f", "v"), c.read_reply(), s.blocked()]
        return out
    run_both(apus, redis, proto, scenario)


def test_xadd_with_trim_while_blocked(apus, redis, proto):
    """The entry is added and trimmed away by the same XADD: 7.0 still serves the blocked
    reader, with an empty entry list for the key (`*1 [s, *0]`). XDEL/XTRIM/XSETID wake nobody."""
    def scenario(s):
        s.ctl.command("XADD", "s", "1-0", "f", "v")
        a, b = s.connect(), s.connect()
        s.block(a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        out = [s.ctl.command("XADD", "s", "MAXLEN", "0", "2-0", "f", "v"), s.outcome(a)]
        s.block(a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        out += [s.ctl.command("XADD", "s", "MAXLEN", "1", "3-0", "f", "v"), s.outcome(a)]
        s.block(b, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        out += [s.ctl.command("XDEL", "s", "3-0"), s.ctl.command("XTRIM", "s", "MAXLEN", "0"),
                s.ctl.command("XSETID", "s", "10-0"), s.outcome(b), s.ctl.command("XADD", "s", "11-0", "f", "v"),
                s.outcome(b)]
        return out
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# The key or group goes away while XREADGROUP is blocked
# ===========================================================================

KEY_CHANGES = {
    "del": [("DEL", "s")],
    "unlink": [("UNLINK", "s")],
    "destroy-group": [("XGROUP", "DESTROY", "s", "g")],
    "set-overwrite": [("SET", "s", "x")],
    "flushall": [("FLUSHALL",)],
    "flushdb": [("FLUSHDB",)],
    "rename": [("RENAME", "s", "t")],
    "rename-onto": [("XADD", "t", "5-0", "f", "v"), ("RENAME", "t", "s")],
    "expire": [("PEXPIRE", "s", "1")],
    "swapdb": [("SWAPDB", "0", "1")],
    "move": [("MOVE", "s", "1")],
    "delconsumer": [("XGROUP", "DELCONSUMER", "s", "g", "c")],
    "setid-back": [("XGROUP", "SETID", "s", "g", "0")],
    "multi-del-recreate": [("MULTI",), ("DEL", "s"), ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
                           ("XADD", "s", "9-0", "f", "v"), ("EXEC",)],
    "multi-destroy-recreate": [("MULTI",), ("XGROUP", "DESTROY", "s", "g"), ("XGROUP", "CREATE", "s", "g", "0"),
                               ("EXEC",)],
    "xtrim-all": [("XTRIM", "s", "MAXLEN", "0")],
}


@pytest.mark.parametrize("change", sorted(KEY_CHANGES))
def test_xreadgroup_key_or_group_changes(apus, redis, proto, change):
    def scenario(s):
        s.ctl.command("XADD", "s", "1-0", "f", "v")
        s.ctl.command("XGROUP", "CREATE", "s", "g", "$")
        a, b = s.connect(), s.connect()
        s.block(a, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        s.block(b, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        out = [s.ctl.command(*cmd) for cmd in KEY_CHANGES[change]]
        if change == "expire":
            deadline = time.monotonic() + 5
            while s.ctl.command("PTTL", "s") != b":-2\r\n" and time.monotonic() < deadline:
                time.sleep(0.002)
        first = [s.outcome(a), s.outcome(b)]
        out += first + [s.blocked()]
        # Whoever is still blocked is served by a new entry (a new stream if the key is gone).
        if s.ctl.command("TYPE", "s") != b"+stream\r\n":
            s.ctl.command("DEL", "s")
        out.append(s.ctl.command("XADD", "s", "20-0", "f", "late"))
        out += [s.outcome(x) if r == NOTHING else b"" for x, r in zip((a, b), first)]
        out.append(s.blocked())
        return out
    log = run_both(apus, redis, proto, scenario)
    if change in ("del", "flushall", "rename", "set-overwrite"):
        assert b"-UNBLOCKED the stream key no longer exists\r\n" in log
    if change == "destroy-group":
        assert b"-NOGROUP the consumer group this client was blocked on no longer exists\r\n" in log


def test_xread_survives_key_deletion(apus, redis, proto):
    """A plain XREAD is not woken by DEL, nor by XADD+DEL or XADD+DEL+LPUSH in a transaction."""
    def scenario(s):
        a = s.connect()
        s.block(a, "XREAD", "BLOCK", "0", "STREAMS", "s1", "$")
        out = [s.ctl.command(*c) for c in [("MULTI",), ("XADD", "s1", "1-0", "old", "x"), ("DEL", "s1"), ("EXEC",)]]
        out.append(s.outcome(a))
        out += [s.ctl.command(*c) for c in [("MULTI",), ("XADD", "s1", "2-0", "old", "x"), ("DEL", "s1"),
                                            ("LPUSH", "s1", "foo"), ("EXEC",)]]
        out += [s.outcome(a), s.ctl.command("DEL", "s1"), s.ctl.command("XADD", "s1", "3-0", "new", "y"), a.read_reply()]
        return out
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# Transactions, other blocking types, CLIENT UNBLOCK
# ===========================================================================

def test_blocking_reads_inside_multi_do_not_block(apus, redis, proto):
    def scenario(s):
        s.ctl.command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        c = s.connect()
        out = [c.command("MULTI"), c.command("XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
               c.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"),
               c.command("XREAD", "BLOCK", "0", "STREAMS", "s", "0"), c.command("EXEC")]
        s.ctl.command("XADD", "s", "1-0", "f", "v")
        out += [c.command("MULTI"), c.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"),
                c.command("XREAD", "BLOCK", "100", "STREAMS", "s", "$"), c.command("EXEC"), s.blocked()]
        return out
    run_both(apus, redis, proto, scenario)


def test_blocking_xread_in_eval_does_not_block(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        return [c.command("EVAL", "return redis.call('XREAD','BLOCK','0','STREAMS','s','$')", "0"),
                c.command("EVAL", "return redis.pcall('XREADGROUP','GROUP','g','c','BLOCK','0','STREAMS','s','>')", "0"),
                s.blocked()]
    run_both(apus, redis, proto, scenario)


def test_xread_and_blpop_woken_in_same_pass(apus, redis, proto):
    def scenario(s):
        a, b, c = s.connect(), s.connect(), s.connect()
        s.block(a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        s.block(b, "BLPOP", "l", "0")
        s.block(c, "XREAD", "BLOCK", "0", "STREAMS", "l", "s", "$", "$")
        out = [s.ctl.command("MULTI"), s.ctl.command("RPUSH", "l", "x"), s.ctl.command("XADD", "s", "1-0", "f", "v"),
               s.ctl.command("EXEC")]
        out += [a.read_reply(), b.read_reply(), c.read_reply(), s.blocked()]
        return out
    run_both(apus, redis, proto, scenario)


def test_client_unblock(apus, redis, proto):
    def scenario(s):
        s.ctl.command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        a = s.connect()
        aid = re.search(rb"\d+", a.command("CLIENT", "ID")).group(0)
        out = []
        for form in ([], ["TIMEOUT"], ["ERROR"]):
            for cmd in (("XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
                        ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")):
                s.block(a, *cmd)
                out.append(s.ctl.command("CLIENT", "UNBLOCK", aid, *form))
                out.append(a.read_reply())
                out.append(s.blocked())
        out.append(s.ctl.command("CLIENT", "UNBLOCK", aid))
        out.append(s.ctl.command("CLIENT", "UNBLOCK", aid, "FOO"))
        out.append(s.ctl.command("XINFO", "CONSUMERS", "s", "g").count(b"pending"))
        return out
    log = run_both(apus, redis, proto, scenario)
    assert b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" in log
    assert null_reply(proto) in log


def test_client_list_shows_blocked_stream_reader(apus, redis, proto):
    def scenario(s):
        a = s.connect()
        a.command("CLIENT", "SETNAME", "reader")
        s.block(a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        line = [l for l in s.ctl.command("CLIENT", "LIST").split(b"\n") if b"name=reader" in l][0]
        fields = dict(f.split(b"=", 1) for f in line.split() if b"=" in f)
        out = [fields[b"flags"], fields[b"cmd"], s.ctl.command("INFO", "clients").count(b"blocked_clients:1")]
        s.ctl.command("XADD", "s", "1-0", "f", "v")
        out.append(a.read_reply())
        return out
    log = run_both(apus, redis, proto, scenario)
    assert log[:2] == [b"b", b"xread"]


def test_consumer_and_events_of_a_blocked_xreadgroup(apus, redis, proto):
    """The consumer exists while its XREADGROUP is blocked; serving it emits the same keyspace
    events (and only those) as on Redis; a timed-out XREADGROUP leaves the consumer behind."""
    from support.streams import drain_events, group_normalise

    def scenario(s):
        sub = s.connect()
        sub.command("PSUBSCRIBE", "__key*@*__:*")
        s.ctl.command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        s.ctl.command("CONFIG", "SET", "notify-keyspace-events", "KEA")
        a, b = s.connect(), s.connect()
        s.block(a, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
        cons = ("XINFO", "CONSUMERS", "s", "g")
        out = [group_normalise(cons, s.ctl.command(*cons))]
        out += [s.ctl.command("XADD", "s", "1-0", "f", "v"), a.read_reply()]
        out.append(b.command("XREADGROUP", "GROUP", "g", "bob", "BLOCK", "20", "STREAMS", "s", ">"))
        out.append(group_normalise(cons, s.ctl.command(*cons)))
        out.append(s.ctl.command("XPENDING", "s", "g"))
        return out + drain_events(s, sub)
    log = run_both(apus, redis, proto, scenario)
    assert any(b"xgroup-createconsumer" in x for x in log if isinstance(x, bytes))
