"""Blocking commands (BLPOP BRPOP BLMPOP BLMOVE BRPOPLPUSH BZPOPMIN BZPOPMAX
BZMPOP), differentially: each scenario runs against Apus and against
redis-server 7.0 with several connections, and the observations (raw reply
bytes, in order, per connection) must be identical, in RESP2 and RESP3.

Waiting is by polling INFO's blocked_clients, never by fixed sleeps, except
where a test asserts that nothing arrives (0.15 s) or measures a timeout.
Normalisation: CLIENT LIST lines keep only the flags and cmd fields (ids,
addresses and ages are per process).
"""

import re
import socket
import time

import pytest

from support import differential
from support.resp import RespClient, parse, bulk_payload
from test_differential import proto  # noqa: F401  (fixture: 2 or 3)

NOTHING = differential.NOTHING
nothing_yet = differential.nothing_yet


class Scene(differential.Scene):
    def __init__(self, server, proto):
        super().__init__(server, proto)
        self.ctl.command("FLUSHALL")

    def blocked(self):
        info = self.ctl.command("INFO", "clients")
        return int(re.search(rb"blocked_clients:(\d+)", info).group(1))

    def wait_blocked(self, n, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.blocked() == n:
                return True
            time.sleep(0.005)
        return False

    def block(self, c, *args):
        """Sends a blocking command and waits until the server has parked it."""
        before = self.blocked()
        c.send_command(*args)
        assert self.wait_blocked(before + 1), "client did not block on %r" % (args,)




def run_both(apus, redis, proto, scenario):
    return differential.run_both(apus, redis, scenario, lambda server: Scene(server, proto), "resp%d" % proto)


# ===========================================================================
# Timeouts
# ===========================================================================

TIMEOUT_FORMS = [
    ["BLPOP", "k1", "k2", "0.2"], ["BRPOP", "k1", "0.2"], ["BLMPOP", "0.2", "2", "k1", "k2", "LEFT", "COUNT", "3"],
    ["BLMOVE", "k1", "dst", "LEFT", "RIGHT", "0.2"], ["BRPOPLPUSH", "k1", "dst", "0.2"], ["BZPOPMIN", "k1", "0.2"],
    ["BZPOPMAX", "k1", "k2", "0.2"], ["BZMPOP", "0.2", "1", "k1", "MAX"],
]


@pytest.mark.parametrize("form", TIMEOUT_FORMS, ids=lambda f: f[0].lower())
def test_timeout(apus, redis, proto, form):
    def scenario(s):
        c = s.connect()
        start = time.time()
        reply = c.command(*form)
        elapsed = time.time() - start
        return [reply, 0.15 <= elapsed < 2.0, s.blocked(), c.command("PING")]
    run_both(apus, redis, proto, scenario)


def test_timeout_fractional_and_served_before_timeout(apus, redis, proto):
    def scenario(s):
        a = s.connect()
        s.block(a, "BLPOP", "k", "5")
        s.ctl.command("RPUSH", "k", "v")
        out = [a.read_reply()]
        out.append(nothing_yet(a, 0.3))          # no late timeout reply
        start = time.time()
        out.append(a.command("BLPOP", "k", "0.05"))
        out.append(time.time() - start < 1.5)
        out.append(s.ctl.command("INFO", "clients").count(b"clients_in_timeout_table:0"))
        return out
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# Serving order
# ===========================================================================

def test_fifo_order_lists(apus, redis, proto):
    def scenario(s):
        clients = [s.connect() for _ in range(3)]
        for c in clients:
            s.block(c, "BLPOP", "k", "0")
        out = [s.ctl.command("RPUSH", "k", "a", "b")]     # the pusher sees the length before pops
        out += [clients[0].read_reply(), clients[1].read_reply(), nothing_yet(clients[2])]
        out.append(s.ctl.command("LLEN", "k"))
        out.append(s.ctl.command("EXISTS", "k"))
        out.append(s.ctl.command("LPUSH", "k", "c", "d", "e"))
        out.append(clients[2].read_reply())
        out.append(s.ctl.command("LRANGE", "k", "0", "-1"))
        out.append(s.blocked())
        return out
    run_both(apus, redis, proto, scenario)


def test_fifo_order_sorted_sets(apus, redis, proto):
    def scenario(s):
        a, b, c, d = (s.connect() for _ in range(4))
        s.block(a, "BZPOPMIN", "z", "0")
        s.block(b, "BZPOPMAX", "z", "0")
        s.block(c, "BZMPOP", "0", "1", "z", "MIN", "COUNT", "2")
        s.block(d, "BZPOPMIN", "z", "0")
        out = [s.ctl.command("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "0.5", "f")]
        out += [x.read_reply() for x in (a, b, c, d)]
        out.append(s.ctl.command("ZRANGE", "z", "0", "-1", "WITHSCORES"))
        return out
    run_both(apus, redis, proto, scenario)


def test_multiple_keys_and_repeats(apus, redis, proto):
    def scenario(s):
        a, b = s.connect(), s.connect()
        s.block(a, "BLPOP", "k1", "k2", "k1", "0")
        s.block(b, "BRPOP", "k2", "k3", "0")
        out = [s.ctl.command("RPUSH", "k2", "x", "y", "z")]
        out += [a.read_reply(), b.read_reply()]
        out.append(s.ctl.command("LRANGE", "k2", "0", "-1"))
        out.append(s.ctl.command("RPUSH", "k1", "w"))
        out.append(s.ctl.command("LRANGE", "k1", "0", "-1"))
        out.append(s.blocked())
        return out
    run_both(apus, redis, proto, scenario)


def test_blmpop_served(apus, redis, proto):
    def scenario(s):
        a, b = s.connect(), s.connect()
        s.block(a, "BLMPOP", "0", "2", "k1", "k2", "RIGHT", "COUNT", "2")
        s.block(b, "BLMPOP", "0", "1", "k2", "LEFT", "COUNT", "10")
        out = [s.ctl.command("RPUSH", "k2", "a", "b", "c")]
        out += [a.read_reply(), b.read_reply()]
        out.append(s.ctl.command("EXISTS", "k2"))
        return out
    run_both(apus, redis, proto, scenario)


def test_blmove_chain(apus, redis, proto):
    def scenario(s):
        a, b, c = s.connect(), s.connect(), s.connect()
        s.block(a, "BLMOVE", "src", "mid", "LEFT", "RIGHT", "0")
        s.block(b, "BRPOPLPUSH", "mid", "dst", "0")
        s.block(c, "BLPOP", "dst", "0")
        out = [s.ctl.command("RPUSH", "src", "v1", "v2")]
        out += [a.read_reply(), b.read_reply(), c.read_reply()]
        for k in ("src", "mid", "dst"):
            out.append(s.ctl.command("LRANGE", k, "0", "-1"))
        return out
    run_both(apus, redis, proto, scenario)


def test_blmove_same_key_and_wrong_destination(apus, redis, proto):
    def scenario(s):
        a, b = s.connect(), s.connect()
        s.block(a, "BLMOVE", "k", "k", "LEFT", "RIGHT", "0")
        out = [s.ctl.command("RPUSH", "k", "x", "y")]
        out.append(a.read_reply())
        out.append(s.ctl.command("LRANGE", "k", "0", "-1"))
        s.block(b, "BLMOVE", "src", "dst", "RIGHT", "LEFT", "0")
        out.append(s.ctl.command("SET", "dst", "string"))
        out.append(s.ctl.command("RPUSH", "src", "v"))
        out.append(b.read_reply())
        out.append(s.ctl.command("LRANGE", "src", "0", "-1"))
        out.append(s.blocked())
        out.append(b.command("PING"))
        return out
    run_both(apus, redis, proto, scenario)


def test_wrong_type_then_right_type(apus, redis, proto):
    def scenario(s):
        a, b = s.connect(), s.connect()
        s.block(a, "BLPOP", "k", "0")
        s.block(b, "BZPOPMIN", "k", "0")
        out = [s.ctl.command("SET", "k", "x"), nothing_yet(a), nothing_yet(b)]
        out.append(s.ctl.command("DEL", "k"))
        out.append(s.ctl.command("RPUSH", "k", "v1", "v2"))     # only the list client is served
        out.append(a.read_reply())
        out.append(nothing_yet(b))
        out.append(s.ctl.command("DEL", "k"))
        out.append(s.ctl.command("ZADD", "k", "1", "m"))
        out.append(b.read_reply())
        out.append(s.blocked())
        return out
    run_both(apus, redis, proto, scenario)


def test_databases_are_separate(apus, redis, proto):
    def scenario(s):
        a = s.connect()
        a.command("SELECT", "2")
        s.block(a, "BLPOP", "k", "0")
        out = [s.ctl.command("RPUSH", "k", "db0"), nothing_yet(a)]
        s.ctl.command("SELECT", "2")
        out.append(s.ctl.command("RPUSH", "k", "db2"))
        out.append(a.read_reply())
        s.ctl.command("SELECT", "0")
        out.append(s.ctl.command("LRANGE", "k", "0", "-1"))
        return out
    run_both(apus, redis, proto, scenario)


def test_served_by_other_commands(apus, redis, proto):
    """Any command that creates a list or sorted set at a waited key serves it
    (Redis's dbAdd signal): RENAME, MOVE, COPY, SWAPDB, LMOVE, the *STORE commands."""
    def scenario(s):
        out = []
        c = s.connect()
        for setup, trigger in (
                (["RPUSH", "tmp", "r"], ["RENAME", "tmp", "k"]),
                (["RPUSH", "tmp", "n"], ["RENAMENX", "tmp", "k"]),
                (["RPUSH", "tmp", "c"], ["COPY", "tmp", "k"]),
                (["RPUSH", "tmp", "m1", "m2"], ["LMOVE", "tmp", "k", "LEFT", "LEFT"]),
                (["RPUSH", "tmp", "q"], ["RPOPLPUSH", "tmp", "k"])):
            s.ctl.command("DEL", "k", "tmp")
            s.block(c, "BLPOP", "k", "0")
            out.append(s.ctl.command(*setup))
            out.append(s.ctl.command(*trigger))
            out.append(c.read_reply())
        for store in (["ZUNIONSTORE", "k", "1", "src"], ["ZRANGESTORE", "k", "src", "0", "-1"],
                      ["ZINTERSTORE", "k", "2", "src", "src"], ["ZDIFFSTORE", "k", "1", "src"]):
            s.ctl.command("DEL", "k")
            s.ctl.command("ZADD", "src", "1", "a", "2", "b")
            s.block(c, "BZPOPMAX", "k", "0")
            out.append(s.ctl.command(*store))
            out.append(c.read_reply())
        # MOVE into the waiter's database, and SWAPDB bringing a list in
        s.ctl.command("DEL", "k")
        s.block(c, "BLPOP", "k", "0")
        s.ctl.command("SELECT", "1")
        out.append(s.ctl.command("RPUSH", "k", "moved"))
        out.append(s.ctl.command("MOVE", "k", "0"))
        out.append(c.read_reply())
        out.append(s.ctl.command("RPUSH", "k", "swapped"))
        s.block(c, "BLPOP", "k", "0")
        out.append(s.ctl.command("SWAPDB", "0", "1"))
        out.append(c.read_reply())
        s.ctl.command("SELECT", "0")
        out.append(s.ctl.command("DBSIZE"))
        return out
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# The blocked client itself
# ===========================================================================

def test_pipeline_waits_while_blocked(apus, redis, proto):
    def scenario(s):
        a = s.connect()
        a.send_raw(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n"
                   b"*3\r\n$5\r\nRPUSH\r\n$1\r\nq\r\n$1\r\n1\r\n")
        assert s.wait_blocked(1)
        out = [nothing_yet(a), s.ctl.command("EXISTS", "q")]
        a.send_command("ECHO", "later")            # input arriving while blocked waits too
        out.append(nothing_yet(a))
        out.append(s.ctl.command("RPUSH", "k", "v"))
        out += [a.read_reply() for _ in range(4)]
        out.append(s.ctl.command("EXISTS", "q"))
        # blocking again from the pipeline, then served again
        a.send_raw(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n")
        assert s.wait_blocked(1)
        out.append(s.ctl.command("RPUSH", "k", "w"))
        out += [a.read_reply(), a.read_reply()]
        return out
    run_both(apus, redis, proto, scenario)


def test_disconnect_while_blocked(apus, redis, proto):
    def scenario(s):
        a, b = s.connect(), s.connect()
        s.block(a, "BLPOP", "k", "0")
        s.block(b, "BZPOPMIN", "z", "10")
        a.close()
        b.close()
        out = [s.wait_blocked(0)]
        out.append(s.ctl.command("RPUSH", "k", "v"))
        out.append(s.ctl.command("ZADD", "z", "1", "m"))
        out.append(s.ctl.command("LLEN", "k"))
        out.append(s.ctl.command("ZCARD", "z"))
        info = s.ctl.command("INFO", "clients")
        out.append(re.findall(rb"(blocked_clients|clients_in_timeout_table):(\d+)", info))
        return out
    run_both(apus, redis, proto, scenario)


def test_client_kill_while_blocked(apus, redis, proto):
    def scenario(s):
        a = s.connect()
        cid = a.command("CLIENT", "ID")
        s.block(a, "BLPOP", "k", "0")
        out = [s.ctl.command("CLIENT", "KILL", "ID", bulk_or_int(cid))]
        out.append(s.wait_blocked(0))
        out.append(s.ctl.command("RPUSH", "k", "v"))
        out.append(s.ctl.command("LLEN", "k"))
        return out
    run_both(apus, redis, proto, scenario)


def bulk_or_int(raw):
    return raw[1:-2].decode()


def test_client_unblock(apus, redis, proto):
    def scenario(s):
        a = s.connect()
        cid = bulk_or_int(a.command("CLIENT", "ID"))
        out = []
        for reason in ([], ["TIMEOUT"], ["timeout"], ["ERROR"], ["error"]):
            s.block(a, "BLPOP", "k", "0")
            out.append(s.ctl.command("CLIENT", "UNBLOCK", cid, *reason))
            out.append(a.read_reply())
            out.append(s.blocked())
        s.block(a, "BZMPOP", "0", "1", "z", "MIN")
        out.append(s.ctl.command("CLIENT", "UNBLOCK", cid, "FOO"))
        out.append(s.blocked())
        out.append(s.ctl.command("CLIENT", "UNBLOCK", cid, "ERROR"))
        out.append(a.read_reply())
        out.append(a.command("PING"))
        for args in ([cid], ["999999"], ["abc"], ["-1"], [cid, "TIMEOUT", "extra"], []):
            out.append(s.ctl.command("CLIENT", "UNBLOCK", *args))
        info = s.ctl.command("INFO", "errorstats")
        out.append(b"errorstat_UNBLOCKED:count=2" in info)
        return out
    run_both(apus, redis, proto, scenario)


def _flags_and_cmd(raw):
    node = parse(raw)
    text = node[1][4:] if node[0] == "=" else node[1]
    lines = [l for l in text.decode().split("\n") if l]
    out = []
    for line in lines:
        fields = dict(tok.partition("=")[::2] for tok in line.split(" "))
        out.append((fields.get("flags"), fields.get("cmd"), fields.get("db")))
    return sorted(out)


def test_client_list_and_info(apus, redis, proto):
    def scenario(s):
        a, b = s.connect(), s.connect()
        s.block(a, "BLPOP", "k", "0")
        s.block(b, "BZPOPMAX", "z", "100")
        out = [_flags_and_cmd(s.ctl.command("CLIENT", "LIST"))]
        info = s.ctl.command("INFO", "clients")
        out.append(re.findall(rb"(blocked_clients|clients_in_timeout_table):(\d+)", info))
        out.append(s.ctl.command("RPUSH", "k", "v"))
        out.append(a.read_reply())
        out.append(_flags_and_cmd(s.ctl.command("CLIENT", "LIST")))
        info = s.ctl.command("INFO", "clients")
        out.append(re.findall(rb"(blocked_clients|clients_in_timeout_table):(\d+)", info))
        return out
    run_both(apus, redis, proto, scenario)


def test_many_clients_one_key(apus, redis, proto):
    """A hundred waiters, served in order by pushes of varying sizes."""
    def scenario(s):
        clients = [s.connect() for _ in range(100)]
        for i, c in enumerate(clients):
            s.block(c, "BRPOP" if i % 2 else "BLPOP", "k", "other%d" % (i % 3), "0")
        out = []
        served = 0
        for size in (1, 7, 30, 2, 60, 5):
            values = ["v%d.%d" % (size, j) for j in range(size)]
            out.append(s.ctl.command("RPUSH", "k", *values))
            take = min(size, len(clients) - served)
            for c in clients[served:served + take]:
                out.append(c.read_reply())
            served += take
        out.append(s.ctl.command("LRANGE", "k", "0", "-1"))
        out.append(s.blocked())
        return out
    run_both(apus, redis, proto, scenario)
