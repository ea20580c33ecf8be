"""The client controls, differentially against redis-server 7.0: CLIENT REPLY,
CLIENT KILL, CLIENT LIST/INFO flags and fields, RESET, CLIENT PAUSE/UNPAUSE
(MONITOR has its own file, test_monitor.py).

Each scenario runs against Apus and against Redis and what every connection
receives (raw frames, in order) must be identical.  Values that differ between
two processes by nature (client ids, addresses, ports, fds, ages, memory
figures) are normalised, and each normaliser says what it hides.

"Nothing else arrived" is checked with a round trip on the same connection:
anything pending would come before the reply of that later command.  A client
that is held by CLIENT PAUSE is seen as blocked (INFO blocked_clients, flag
``b``) from another connection, polled, never slept on.
"""

import os
import re

import pytest

from support.resp import RespClient
from support.integration import wait_until


class Scene:
    def __init__(self, server):
        self.server = server
        self.clients = []
        self.ids = {}
        self.log = []
        self.ctl = self.connect()
        self.ctl.command("FLUSHALL")

    def connect(self, proto=2):
        c = RespClient(port=self.server.port, timeout=10)
        if proto == 3:
            c.command("HELLO", "3")
        c.client_id = c.command("CLIENT", "ID")[1:-2]
        self.ids[c.client_id] = b"<id%d>" % len(self.ids)
        self.clients.append(c)
        return c

    def norm(self, frame):
        for raw, name in self.ids.items():
            frame = frame.replace(b":" + raw + b"\r\n", b":" + name + b"\r\n")
        # MONITOR lines: the time and the client's address.
        return re.sub(rb"^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]", rb"+<time> [\1 <addr>]", frame)

    def run(self, c, *args):
        self.log.append(self.norm(c.command(*args)))

    def send(self, c, *args):
        c.send_command(*args)

    def read(self, c, n=1):
        for _ in range(n):
            self.log.append(self.norm(c.read_frame()))

    def pending(self, c, marker=("PING",), expected=b"+PONG\r\n"):
        """Everything that arrives before the reply to `marker` (excluded)."""
        c.send_command(*marker)
        while True:
            frame = c.read_frame()
            if frame == expected:
                return
            self.log.append(self.norm(frame))

    def blocked(self, via=None):
        reply = (via or self.ctl).command("INFO", "clients")
        return int(re.search(rb"blocked_clients:(\d+)", reply).group(1))

    def wait_blocked(self, n, via=None):
        wait_until(lambda: self.blocked(via) == n, what="%d blocked clients" % n)

    def close(self):
        for c in self.clients:
            c.close()


def both(apus, redis, scenario):
    out = []
    for server in (apus, redis):
        scene = Scene(server)
        try:
            scenario(scene)
        finally:
            # A monitor is never paused, so it can end a pause ALL that a failure left behind.
            try:
                getattr(scene, "monitor", scene.ctl).send_command("CLIENT", "UNPAUSE")
            except Exception:
                pass
            scene.close()
        out.append(scene.log)
    assert out[0] == out[1]
    return out[1]


# --- CLIENT LIST lines ---------------------------------------------------

# Differ between processes by nature: the id, both addresses and the fd (kept
# in the line as names), the age/idle seconds and every memory/buffer figure.
VOLATILE = rb"(age|idle|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|obl|oll|omem|tot-mem)=\d+"


def client_line(scene, c):
    """The CLIENT LIST line of connection `c`, volatile values normalised."""
    reply = scene.ctl.command("CLIENT", "LIST", "ID", c.client_id)
    line = reply.split(b"\r\n", 1)[1].rstrip(b"\r\n")
    line = re.sub(rb"^id=\d+ addr=\S+ laddr=\S+ fd=\d+ ", b"", line)
    return re.sub(VOLATILE, rb"\1=_", line)


# --- CLIENT REPLY ----------------------------------------------------------

def test_reply_off_skip_on_sequences(apus, redis):
    def scenario(s):
        a = s.connect()
        s.run(a, "SET", "x", "1")
        s.send(a, "CLIENT", "REPLY", "OFF")
        s.send(a, "SET", "x", "2")
        s.send(a, "CLIENT", "REPLY", "SKIP")       # ignored while OFF
        s.send(a, "CLIENT", "REPLY", "bogus")      # its error is silenced too
        s.run(a, "CLIENT", "REPLY", "ON")
        s.send(a, "CLIENT", "REPLY", "SKIP")
        s.send(a, "GET", "x")                      # skipped
        s.run(a, "GET", "x")
        s.send(a, "CLIENT", "REPLY", "SKIP")
        s.send(a, "CLIENT", "REPLY", "SKIP")       # skipped, and skips the next
        s.send(a, "PING")
        s.run(a, "ECHO", "after-two-skips")
        s.send(a, "CLIENT", "REPLY", "SKIP")
        s.run(a, "CLIENT", "REPLY", "ON")          # ON clears the skip before replying
        s.run(a, "PING")
        s.send(a, "CLIENT", "REPLY", "SKIP")
        s.send(a, "NOSUCHCOMMAND")                 # an error is a reply like any other
        s.run(a, "ECHO", "after-skipped-error")
        s.send(a, "CLIENT", "REPLY", "SKIP")
        s.send(a, "CLIENT", "REPLY", "OFF")
        s.send(a, "PING")
        s.run(a, "CLIENT", "REPLY", "ON")
    log = both(apus, redis, scenario)
    assert b"$1\r\n2\r\n" in log and b"-ERR syntax error\r\n" not in log


def test_reply_skip_in_a_pipeline(apus, redis):
    def scenario(s):
        a = s.connect()
        a.send_raw(b"*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n"
                   b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nz\r\n")
        s.read(a)
        s.send(a, "CLIENT", "REPLY", "OFF")
        a.send_raw(b"*1\r\n$4\r\nPING\r\n" * 2000)   # 2000 replies never queued
        s.run(a, "CLIENT", "REPLY", "ON")
    assert both(apus, redis, scenario)[0] == b"$1\r\nz\r\n"


def test_reply_off_inside_exec_keeps_the_array_header(apus, redis):
    def scenario(s):
        a = s.connect()
        s.run(a, "MULTI")
        s.run(a, "CLIENT", "REPLY", "OFF")
        s.run(a, "PING")
        # EXEC's "*2" header went out before OFF took effect, then nothing: the two later
        # replies read as its elements.
        s.send(a, "EXEC")
        s.send(a, "CLIENT", "REPLY", "ON")
        s.send(a, "ECHO", "x")
        s.read(a)
    assert both(apus, redis, scenario)[-1] == b"*2\r\n+OK\r\n$1\r\nx\r\n"


def test_reply_skip_and_off_apply_to_a_served_blocked_client(apus, redis):
    def scenario(s):
        a, b = s.connect(), s.connect()
        s.send(a, "CLIENT", "REPLY", "SKIP")
        s.send(a, "BLPOP", "list", "0")
        s.wait_blocked(1)
        s.run(b, "RPUSH", "list", "v1")
        s.pending(a)                               # the BLPOP reply was skipped
        s.send(a, "CLIENT", "REPLY", "OFF")
        s.send(a, "BLPOP", "list", "0")
        s.wait_blocked(1)
        s.run(b, "RPUSH", "list", "v2")
        s.run(a, "CLIENT", "REPLY", "ON")
        s.run(b, "LLEN", "list")
    assert both(apus, redis, scenario)[-1] == b":0\r\n"


def test_reply_off_large_values_are_dropped(apus, redis):
    def scenario(s):
        a = s.connect()
        s.run(a, "SET", "big", "x" * 70000)
        s.send(a, "CLIENT", "REPLY", "OFF")
        s.send(a, "GET", "big")
        s.send(a, "GET", "big")
        s.run(a, "CLIENT", "REPLY", "ON")
        s.run(a, "STRLEN", "big")
    assert both(apus, redis, scenario) == [b"+OK\r\n", b"+OK\r\n", b":70000\r\n"]


def test_reply_off_lets_tracking_invalidations_through(apus, redis):
    def scenario(s):
        a, b = s.connect(3), s.connect()
        s.run(a, "CLIENT", "TRACKING", "on")
        s.run(a, "GET", "tracked")
        s.send(a, "CLIENT", "REPLY", "OFF")
        s.send(a, "GET", "other")
        s.run(b, "SET", "tracked", "1")
        s.read(a)                                  # the invalidation push
        s.run(a, "CLIENT", "REPLY", "ON")
    log = both(apus, redis, scenario)
    assert log[-2].startswith(b">2\r\n$10\r\ninvalidate")


def test_reply_errors(apus, redis):
    def scenario(s):
        a = s.connect()
        s.run(a, "CLIENT", "REPLY")
        s.run(a, "CLIENT", "REPLY", "ON", "OFF")
        s.run(a, "CLIENT", "REPLY", "maybe")
    both(apus, redis, scenario)


# --- CLIENT KILL -----------------------------------------------------------

KILL_ERRORS = [
    ("CLIENT", "KILL"),
    ("CLIENT", "KILL", "1.2.3.4:5"),
    ("CLIENT", "KILL", "ID"),
    ("CLIENT", "KILL", "ID", "abc"),
    ("CLIENT", "KILL", "ID", "0"),
    ("CLIENT", "KILL", "ID", "-5"),
    ("CLIENT", "KILL", "ID", "99999999999999999999"),
    ("CLIENT", "KILL", "ID", "1", "SKIPME"),
    ("CLIENT", "KILL", "ID", "abc", "SKIPME"),
    ("CLIENT", "KILL", "TYPE", "foo"),
    ("CLIENT", "KILL", "TYPE", "foo", "ID", "abc"),
    ("CLIENT", "KILL", "USER", "nobody"),
    ("CLIENT", "KILL", "USER", "Default"),
    ("CLIENT", "KILL", "USER", "default", "SKIPME", "maybe"),
    ("CLIENT", "KILL", "foo", "bar"),
    ("CLIENT", "KILL", "ADDR", "1.2.3.4:5"),
    ("CLIENT", "KILL", "LADDR", "1.2.3.4:5"),
    ("CLIENT", "KILL", "ID", "99999"),
    ("CLIENT", "KILL", "TYPE", "Normal", "ID", "99999"),
    ("CLIENT", "KILL", "TYPE", "pubsub"),
    ("CLIENT", "KILL", "TYPE", "master"),
    ("CLIENT", "KILL", "TYPE", "replica"),
    ("CLIENT", "KILL", "TYPE", "slave"),
    ("CLIENT", "KILL", "SKIPME", "yes"),
    ("CLIENT", "NO-EVICT", "maybe"),
    ("CLIENT", "NO-EVICT", "ON"),
    ("CLIENT", "NO-EVICT", "off"),
    ("CLIENT", "LIST", "TYPE", "x"),
    ("CLIENT", "LIST", "TYPE", "pubsub"),
    ("CLIENT", "LIST", "ID", "abc"),
    ("CLIENT", "LIST", "ID"),
    ("CLIENT", "LIST", "foo"),
]


def test_kill_errors_and_empty_matches(apus, redis):
    def scenario(s):
        for command in KILL_ERRORS:
            s.run(s.ctl, *command)
    both(apus, redis, scenario)


def test_kill_by_each_filter(apus, redis):
    def scenario(s):
        victims = [s.connect() for _ in range(6)]
        s.run(s.ctl, "CLIENT", "KILL", "ID", victims[0].client_id)
        port = victims[1].sock.getsockname()[1]
        s.run(s.ctl, "CLIENT", "KILL", "ADDR", "127.0.0.1:%d" % port)
        s.run(s.ctl, "CLIENT", "KILL", "127.0.0.1:%d" % victims[2].sock.getsockname()[1])
        s.run(s.ctl, "CLIENT", "KILL", "127.0.0.1:%d" % victims[2].sock.getsockname()[1])
        s.run(s.ctl, "CLIENT", "KILL", "USER", "default", "ID", victims[3].client_id)
        # The killed are gone at once: the list no longer shows them.
        s.log.append(s.ctl.command("CLIENT", "LIST").count(b"\n"))
        laddr = "127.0.0.1:%d" % s.server.port
        s.run(s.ctl, "CLIENT", "KILL", "LADDR", laddr, "TYPE", "normal")   # all but the caller
        for v in victims:
            s.log.append(v.is_closed())
        s.run(s.ctl, "PING")
    log = both(apus, redis, scenario)
    assert log[:4] == [b":1\r\n", b":1\r\n", b"+OK\r\n", b"-ERR No such client\r\n"]
    assert log[-8:] == [b":2\r\n"] + [True] * 6 + [b"+PONG\r\n"]


def test_kill_yourself_replies_first(apus, redis):
    def scenario(s):
        a = s.connect()
        s.run(a, "CLIENT", "KILL", "ID", a.client_id)                    # SKIPME yes by default
        s.run(a, "CLIENT", "KILL", "ID", a.client_id, "SKIPME", "no")
        s.log.append(a.is_closed())
        b = s.connect()
        s.run(b, "CLIENT", "KILL", "127.0.0.1:%d" % b.sock.getsockname()[1])
        s.log.append(b.is_closed())
    assert both(apus, redis, scenario) == [b":0\r\n", b":1\r\n", True, b"+OK\r\n", True]


def test_kill_pubsub_type_spares_normal_clients(apus, redis):
    def scenario(s):
        a = s.connect()
        s.run(s.ctl, "CLIENT", "KILL", "TYPE", "pubsub")
        s.run(a, "PING")
    assert both(apus, redis, scenario) == [b":0\r\n", b"+PONG\r\n"]


# --- CLIENT LIST / INFO ------------------------------------------------------

def test_list_flags_and_fields(apus, redis):
    def scenario(s):
        a, b = s.connect(), s.connect(3)
        s.log.append(client_line(s, a))                       # N, cmd=client|id
        s.run(a, "WATCH", "w")
        s.run(b, "SET", "w", "1")
        s.log.append(client_line(s, a))                       # d
        s.run(a, "MULTI")
        s.run(a, "SET", "q", "1")
        s.run(a, "GET", "q")
        s.log.append(client_line(s, a))                       # xd, multi=2
        s.run(a, "EXEC")
        s.run(a, "CLIENT", "NO-EVICT", "on")
        s.run(a, "SELECT", "3")
        s.run(a, "CLIENT", "SETNAME", "named")
        s.log.append(client_line(s, a))                       # e, db=3, name
        s.run(a, "NOSUCH")
        s.log.append(client_line(s, a))                       # cmd=NULL
        s.run(a, "GET")
        s.log.append(client_line(s, a))                       # a refused command still counts
        s.run(a, "CLIENT", "NOSUCH")
        s.log.append(client_line(s, a))                       # unknown subcommand: NULL
        s.send(b, "BLPOP", "nothing", "0")
        s.wait_blocked(1)
        s.log.append(client_line(s, b))                       # b, resp=3
        s.run(a, "CLIENT", "TRACKING", "on")
        s.log.append(client_line(s, a))                       # t
        s.run(a, "CLIENT", "TRACKING", "on", "BCAST")
        s.log.append(client_line(s, a))                       # tB
        s.run(a, "CLIENT", "TRACKING", "off")
        s.run(a, "CLIENT", "UNBLOCK", b.client_id)
        s.read(b)
        m = s.connect()
        s.run(m, "MONITOR")
        s.log.append(client_line(s, m))                       # O
        s.log.append(s.ctl.command("CLIENT", "LIST", "TYPE", "normal").count(b"flags=O"))
    both(apus, redis, scenario)


# --- RESET -------------------------------------------------------------------

def test_reset_clears_connection_state(apus, redis):
    def scenario(s):
        a, b = s.connect(3), s.connect()
        s.run(a, "SELECT", "4")
        s.run(a, "CLIENT", "SETNAME", "x")
        s.run(a, "CLIENT", "TRACKING", "on")
        s.run(a, "CLIENT", "NO-EVICT", "on")
        s.run(a, "WATCH", "k")
        s.run(a, "MULTI")
        s.run(a, "SET", "k", "v")
        s.run(a, "RESET")
        s.log.append(client_line(s, a))        # db 0, no name, RESP2, no tracking, e kept
        s.run(a, "EXEC")
        s.send(a, "CLIENT", "REPLY", "OFF")
        s.run(a, "RESET")                      # OFF is cleared before +RESET
        s.run(a, "PING")
        s.send(a, "CLIENT", "REPLY", "SKIP")
        s.send(a, "RESET")                     # a SKIP already in force silences RESET
        s.run(a, "PING")
        s.run(a, "MONITOR")
        s.run(b, "PING")
        s.read(a)
        s.run(a, "RESET")                      # no longer a monitor
        s.run(b, "PING")
        s.run(a, "GET", "k")                   # and may use the keyspace again
        s.log.append(s.blocked())
    log = both(apus, redis, scenario)
    assert log[-1] == 0 and log[-2] == b"$-1\r\n"


# --- CLIENT PAUSE / UNPAUSE ----------------------------------------------------

PAUSE_ERRORS = [
    ("CLIENT", "PAUSE"),
    ("CLIENT", "PAUSE", "abc"),
    ("CLIENT", "PAUSE", "1.5"),
    ("CLIENT", "PAUSE", "-1"),
    ("CLIENT", "PAUSE", "9223372036854775807"),
    ("CLIENT", "PAUSE", "99999999999999999999"),
    ("CLIENT", "PAUSE", "10", "foo"),
    ("CLIENT", "PAUSE", "10", "write", "x"),
    ("CLIENT", "UNPAUSE", "x"),
    ("CLIENT", "UNPAUSE"),
]


def test_pause_errors(apus, redis):
    def scenario(s):
        for command in PAUSE_ERRORS:
            s.run(s.ctl, *command)
    both(apus, redis, scenario)


def test_pause_write_holds_writes_and_lets_reads_through(apus, redis):
    def scenario(s):
        a, b, c = s.connect(), s.connect(), s.connect()
        s.run(a, "SET", "k", "0")
        s.run(s.ctl, "CLIENT", "PAUSE", "100000", "WRITE")
        s.run(b, "GET", "k")                       # reads go through
        s.send(b, "SET", "k", "1")                 # held ...
        s.send(b, "GET", "k")                      # ... and so is what follows it
        s.wait_blocked(1)
        s.log.append(client_line(s, b))            # flags=b, cmd=set
        s.run(c, "MULTI")
        s.run(c, "GET", "k")                       # reads queue
        s.send(c, "INCR", "k")                     # a write is held even when it would queue
        s.wait_blocked(2)
        s.log.append(client_line(s, c))            # flags=xb, multi=1
        s.run(a, "MULTI")                          # a read-only transaction runs
        s.run(a, "GET", "k")
        s.run(a, "EXEC")
        s.run(a, "EXISTS", "k")
        s.run(s.ctl, "CLIENT", "UNPAUSE")
        s.read(b, 2)                               # +OK then "1"
        s.read(c)                                  # QUEUED
        s.run(c, "EXEC")
        s.run(a, "GET", "k")
        s.log.append(s.blocked())
    log = both(apus, redis, scenario)
    assert log[-1] == 0 and log[-2] == b"$1\r\n2\r\n"


def test_pause_write_holds_exec_of_a_write_transaction(apus, redis):
    def scenario(s):
        a = s.connect()
        s.run(a, "MULTI")
        s.run(a, "SET", "t", "1")
        s.run(s.ctl, "CLIENT", "PAUSE", "100000", "WRITE")
        s.send(a, "EXEC")
        s.wait_blocked(1)
        s.run(s.ctl, "GET", "t")
        s.run(s.ctl, "CLIENT", "UNPAUSE")
        s.read(a)
        s.run(s.ctl, "GET", "t")
    assert both(apus, redis, scenario)[-3:] == [b"+OK\r\n", b"*1\r\n+OK\r\n", b"$1\r\n1\r\n"]


def test_pause_all_holds_everything_but_monitors(apus, redis):
    def scenario(s):
        a, b, m = s.connect(), s.connect(), monitor_of(s)
        s.run(a, "CLIENT", "PAUSE", "10000", "ALL")
        s.send(b, "GET", "k")
        s.send(a, "PING")                          # the pausing client too
        s.send(s.ctl, "CLIENT", "UNPAUSE")         # and even UNPAUSE
        # A monitor counts as a replica and is never paused: it can watch.
        s.wait_blocked(3, via=MonitorInfo(m))
        s.run(m, "CLIENT", "UNPAUSE")
        s.read(b)
        s.read(a)
        s.read(s.ctl)
    assert both(apus, redis, scenario)[-3:] == [b"$-1\r\n", b"+PONG\r\n", b"+OK\r\n"]


class MonitorInfo:
    """INFO through a monitor connection: the lines it is fed are skipped."""

    def __init__(self, monitor):
        self.monitor = monitor

    def command(self, *args):
        self.monitor.send_command(*args)
        while True:
            frame = self.monitor.read_frame()
            if not frame.startswith(b"+"):
                return frame


def test_pause_ends_by_itself_and_postponed_clients_resume_in_order(apus, redis):
    def scenario(s):
        clients = [s.connect() for _ in range(4)]
        s.run(s.ctl, "CLIENT", "PAUSE", "1500", "WRITE")
        for index, c in enumerate(clients):
            s.send(c, "RPUSH", "order", "c%d" % index)
            s.wait_blocked(index + 1)
        for c in clients:
            s.read(c)                              # no UNPAUSE: the timeout ends it
        s.run(s.ctl, "LRANGE", "order", "0", "-1")
    log = both(apus, redis, scenario)
    assert log[-1] == b"*4\r\n$2\r\nc0\r\n$2\r\nc1\r\n$2\r\nc2\r\n$2\r\nc3\r\n"


def test_a_pause_over_a_pause_keeps_the_stricter_type_and_the_later_end(apus, redis):
    def scenario(s):
        a, b, m = s.connect(), s.connect(), monitor_of(s)
        s.run(s.ctl, "CLIENT", "PAUSE", "10000", "ALL")
        s.send(b, "SET", "k", "1")
        s.send(a, "GET", "k")
        s.wait_blocked(2, via=MonitorInfo(m))
        # Shorter and only WRITE: the pause stays ALL until the first end.
        s.run(m, "CLIENT", "PAUSE", "10", "WRITE")
        c = RespClient(port=s.server.port, timeout=10)
        s.clients.append(c)
        c.send_command("PING")
        s.wait_blocked(3, via=MonitorInfo(m))
        s.run(m, "CLIENT", "UNPAUSE")
        s.read(b)                                  # released in the order they were held
        s.read(a)
        s.read(c)
        s.run(s.ctl, "CLIENT", "PAUSE", "10000", "WRITE")
        s.run(s.ctl, "CLIENT", "PAUSE", "10", "WRITE")
        s.send(b, "SET", "k", "2")
        s.wait_blocked(1)                          # still paused: the later end counts
        s.run(s.ctl, "CLIENT", "UNPAUSE")
        s.read(b)
    assert both(apus, redis, scenario)[-7:-4] == [b"+OK\r\n", b"$1\r\n1\r\n", b"+PONG\r\n"]


def monitor_of(scene):
    """The scene's monitor, made before any pause (becoming one is a command a pause holds)."""
    scene.monitor = scene.connect()
    scene.monitor.command("MONITOR")
    return scene.monitor


def test_pause_stops_expiry(apus, redis):
    def scenario(s):
        a = s.connect()
        s.run(a, "SET", "soon", "v", "PX", "30")
        s.run(a, "SET", "kept", "v")
        s.run(a, "CLIENT", "PAUSE", "100000", "WRITE")
        wait_until(lambda: a.command("PTTL", "soon") == b":-2\r\n", what="the TTL to pass")
        s.run(a, "GET", "soon")                    # reads as missing ...
        s.run(a, "DBSIZE")                         # ... but is not deleted (nor by active expiry)
        s.run(a, "EXISTS", "soon")
        s.run(a, "CLIENT", "UNPAUSE")
        s.run(a, "GET", "soon")                    # now expired for good
        s.run(a, "DBSIZE")
    log = both(apus, redis, scenario)
    assert log[4] == b":2\r\n" and log[-1] == b":1\r\n"


def test_pause_inside_a_transaction_starts_after_it(apus, redis):
    def scenario(s):
        a = s.connect()
        s.run(a, "MULTI")
        s.run(a, "SET", "one", "1")
        s.run(a, "CLIENT", "PAUSE", "100000", "WRITE")
        s.run(a, "SET", "two", "2")
        s.run(a, "EXEC")
        s.run(a, "MGET", "one", "two")
        s.send(a, "SET", "three", "3")
        s.wait_blocked(1)
        s.run(s.ctl, "CLIENT", "UNPAUSE")
        s.read(a)
    both(apus, redis, scenario)


def test_pause_zero_is_over_at_once(apus, redis):
    def scenario(s):
        a = s.connect()
        s.run(a, "CLIENT", "PAUSE", "0")
        s.run(a, "SET", "k", "1")
        s.run(a, "GET", "k")
    both(apus, redis, scenario)


def test_killed_postponed_client_leaves_nothing_behind(apus, redis):
    def scenario(s):
        a = s.connect()
        s.run(s.ctl, "CLIENT", "PAUSE", "100000", "WRITE")
        s.send(a, "SET", "k", "1")
        s.wait_blocked(1)
        s.run(s.ctl, "CLIENT", "KILL", "ID", a.client_id)
        s.log.append(s.blocked())
        s.run(s.ctl, "CLIENT", "UNPAUSE")
        s.run(s.ctl, "EXISTS", "k")
    assert both(apus, redis, scenario)[-3:] == [0, b"+OK\r\n", b":0\r\n"]


def test_write_after_a_pause_inside_exec_over_an_expired_key(apus):
    """Apus only: redis-server 7.0.15 aborts here (dbAdd finds the expired key it kept). The
    rest of the transaction runs with expiry as usual, so INCR starts from a deleted key."""
    if os.path.basename(apus.binary) == "redis-server":
        pytest.skip("redis-server 7.0.15 aborts on this sequence")
    a = RespClient(port=apus.port, timeout=10)
    try:
        a.command("FLUSHALL")
        a.command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        a.command("SET", "e", "5", "PX", "1")
        a.command("DEBUG", "SLEEP", "0.01")          # expired, and not looked at since
        assert a.pipeline([("MULTI",), ("CLIENT", "PAUSE", "100000", "WRITE"), ("INCR", "e"), ("EXEC",)])[-1] \
            == b"*2\r\n+OK\r\n:1\r\n"
        assert a.command("CLIENT", "UNPAUSE") == b"+OK\r\n"
        assert a.command("DBSIZE") == b":1\r\n"
        assert a.command("GET", "e") == b"$1\r\n1\r\n"
    finally:
        a.command("CLIENT", "UNPAUSE")
        a.command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        a.close()


@pytest.mark.parametrize("proto", [2, 3])
def test_reply_off_lets_pubsub_pushes_through(apus, redis, proto):
    def scenario(s):
        a, b = s.connect(proto), s.connect()
        s.send(a, "CLIENT", "REPLY", "OFF")
        s.send(a, "SUBSCRIBE", "ch")
        s.read(a)                                  # the confirmation is a push
        s.run(b, "PUBLISH", "ch", "hello")
        s.read(a)                                  # and so is the message
        s.send(a, "PING")                          # silenced (RESP2: its subscribed-mode reply)
        s.send(a, "CLIENT", "REPLY", "ON")         # RESP2: refused in subscribed mode, silently
        s.send(a, "UNSUBSCRIBE")
        s.read(a)
        s.run(a, "CLIENT", "REPLY", "ON")
        s.run(a, "PING")
    both(apus, redis, scenario)


def test_pubsub_clients_in_list_and_kill(apus, redis):
    def scenario(s):
        a, b = s.connect(), s.connect(3)
        s.run(a, "SUBSCRIBE", "ch")
        s.run(b, "PSUBSCRIBE", "p*")
        s.log.append(client_line(s, a))            # flags=P sub=1
        s.log.append(client_line(s, b))            # flags=P psub=1
        s.log.append(s.ctl.command("CLIENT", "LIST", "TYPE", "pubsub").count(b"flags=P"))
        s.log.append(s.ctl.command("CLIENT", "LIST", "TYPE", "normal").count(b"flags=P"))
        s.run(s.ctl, "CLIENT", "KILL", "TYPE", "pubsub")
        s.log.append(a.is_closed())
        s.log.append(b.is_closed())
        s.run(s.ctl, "CLIENT", "KILL", "TYPE", "pubsub")
    log = both(apus, redis, scenario)
    assert log[-6:] == [2, 0, b":2\r\n", True, True, b":0\r\n"]


def test_silenced_replies_never_count_against_the_output_limit(apus, redis):
    def scenario(s):
        a = s.connect()
        s.run(a, "SET", "big", "x" * 70000)
        s.run(s.ctl, "CONFIG", "SET", "client-output-buffer-limit", "normal 1000 0 0")
        try:
            s.send(a, "CLIENT", "REPLY", "OFF")
            s.send(a, "GET", "big")
            s.run(a, "CLIENT", "REPLY", "ON")      # still connected
        finally:
            s.ctl.command("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0")
    assert both(apus, redis, scenario)[-1] == b"+OK\r\n"
