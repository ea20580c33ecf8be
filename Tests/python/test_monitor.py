"""MONITOR, differentially against redis-server 7.0: what a monitor receives
for other clients' commands — the line format, the quoting of binary
arguments, the order inside MULTI/EXEC, what is left out (admin commands,
refused commands, queued commands until EXEC) and what is redacted (AUTH,
HELLO AUTH) — and how a monitor itself is treated (no keyspace access, never
paused, leaves on RESET or close).

Each MONITOR line carries the wall-clock time and the commanding client's
address; the comparison replaces them with ``<time>`` and ``<addr>`` after a
separate test checked their form (seconds, six-digit microseconds, the
client's own ip:port).
"""

import re

from support.resp import RespClient
from test_client_controls import both

LINE = re.compile(rb"^\+(\d+)\.(\d{6}) \[(\d+) ([0-9.]+:\d+)\] (.*)\r\n$", re.S)


def test_line_format_names_time_db_and_address(apus, redis):
    for server in (apus, redis):
        m = RespClient(port=server.port)
        c = RespClient(port=server.port)
        assert m.command("MONITOR") == b"+OK\r\n"
        c.command("SELECT", "2")
        c.command("PING")
        m.read_frame()                                    # the SELECT
        match = LINE.match(m.read_frame())
        assert match, "not a MONITOR line"
        host, port = c.sock.getsockname()
        assert match.group(3) == b"2"
        assert match.group(4) == b"%s:%d" % (host.encode(), port)
        assert match.group(5) == b'"PING"'
        m.close()
        c.close()


def test_quoting_of_binary_arguments(apus, redis):
    def scenario(s):
        m, c = s.connect(), s.connect()
        s.run(m, "MONITOR")
        s.run(c, "SET", b'q"uote\\back', b"\n\r\t\x07\x08 sp\x00\x01\x7f\x80\xff~")
        s.run(c, "ECHO", "")
        s.run(c, "ECHO", "caf\xe9")
        s.read(m, 3)
    log = both(apus, redis, scenario)
    assert log[4] == b'+<time> [0 <addr>] "SET" "q\\"uote\\\\back" "\\n\\r\\t\\a\\b sp\\x00\\x01\\x7f\\x80\\xff~"\r\n'


def test_transactions_blocking_and_what_is_left_out(apus, redis):
    def scenario(s):
        m, c, d = s.connect(), s.connect(), s.connect(3)
        s.run(m, "MONITOR")
        s.run(c, "SELECT", "5")                  # fed after it ran: db 5
        s.run(c, "MULTI")
        s.run(c, "SET", "x", "1")               # queued: not fed yet
        s.run(c, "INCR", "x")
        s.run(c, "EXEC")                        # set, incr, then exec
        s.run(c, "MULTI")
        s.run(c, "SET", "x")                    # refused: never fed
        s.run(c, "EXEC")                        # EXECABORT, still fed
        s.run(c, "MULTI")
        s.run(c, "DISCARD")
        s.run(c, "NOSUCH", "arg")               # unknown: not fed
        s.run(c, "GET")                         # wrong arity: not fed
        s.run(c, "CONFIG", "GET", "maxmemory")  # admin: not fed
        c.command("CLIENT", "LIST")             # admin subcommand: not fed
        s.run(c, "CLIENT", "ID")                # not admin: fed
        s.run(c, "BLPOP", "nothing", "0.01")    # fed once, when it blocks
        s.run(d, "HELLO", "3")
        s.run(d, "WATCH", "w")
        s.run(d, "UNWATCH")
        s.run(c, "QUIT")
        s.pending(m, marker=("ECHO", "end"), expected=b"$3\r\nend\r\n")
    log = both(apus, redis, scenario)
    lines = [l for l in log if l.startswith(b"+<time>")]
    assert lines[1:5] == [b'+<time> [5 <addr>] "MULTI"\r\n', b'+<time> [5 <addr>] "SET" "x" "1"\r\n',
                          b'+<time> [5 <addr>] "INCR" "x"\r\n', b'+<time> [5 <addr>] "EXEC"\r\n']


def test_credentials_are_redacted(apus, redis):
    def scenario(s):
        m, c = s.connect(), s.connect()
        s.run(m, "MONITOR")
        s.run(c, "AUTH", "secret")
        s.run(c, "AUTH", "user", "secret")
        s.run(c, "AUTH", "a", "b", "c")                          # syntax error first: shown
        s.run(c, "HELLO", "3", "AUTH", "user", "secret")
        s.run(c, "HELLO", "2", "SETNAME", "n", "AUTH", "default", "pw")
        s.run(c, "HELLO", "4", "AUTH", "user", "secret")         # refused version: shown
        s.run(c, "HELLO", "2", "AUTH", "user")                   # incomplete option: shown
        s.run(c, "HELLO", "2", "bogus", "AUTH", "u", "p")        # stops at the bad option
        s.run(c, "HELLO", "2", "AUTH", "u", "p", "bogus")
        s.pending(m, marker=("ECHO", "end"), expected=b"$3\r\nend\r\n")
    log = both(apus, redis, scenario)
    assert b'+<time> [0 <addr>] "AUTH" "(redacted)"\r\n' in log


def test_monitor_is_a_replica_and_leaves_on_reset(apus, redis):
    def scenario(s):
        m, c = s.connect(3), s.connect()
        s.run(m, "MONITOR")
        s.send(m, "MONITOR")                     # already one: no reply at all
        s.run(m, "PING")                         # its own commands are fed to it too
        s.read(m)
        s.run(m, "GET", "k")                     # no keyspace for replicas (refused: not fed)
        s.run(m, "MULTI")
        s.read(m)
        s.run(m, "GET", "k")
        s.run(m, "EXEC")
        s.read(m)
        s.run(c, "CLIENT", "PAUSE", "100000", "WRITE")
        s.send(m, "CLIENT", "REPLY", "OFF")      # a silenced monitor gets no lines
        s.run(c, "ECHO", "unseen")
        s.run(m, "CLIENT", "REPLY", "ON")
        s.read(m)
        s.run(c, "CLIENT", "UNPAUSE")
        s.run(m, "RESET")
        s.run(c, "ECHO", "after-reset")
        s.run(m, "GET", "k")
        s.run(m, "MULTI")
        s.run(m, "MONITOR")                      # queued, refused when EXEC runs it
        s.run(m, "EXEC")
        s.run(c, "ECHO", "unseen-again")
        s.pending(m)
    log = both(apus, redis, scenario)
    assert b"-ERR Replica can't interact with the keyspace\r\n" in log
    assert not any(b"unseen" in l for l in log if l.startswith(b"+<time>"))


def test_closed_monitor_is_forgotten(apus, redis):
    def scenario(s):
        m, c = s.connect(), s.connect()
        s.run(m, "MONITOR")
        m.close()
        for _ in range(50):
            s.run(c, "PING")
        s.log.append(s.ctl.command("CLIENT", "LIST").count(b"flags=O"))
    assert both(apus, redis, scenario)[-1] == 0


def test_served_and_postponed_commands_are_fed_once(apus, redis):
    def scenario(s):
        m, c, d = s.connect(), s.connect(), s.connect()
        s.run(m, "MONITOR")
        s.send(c, "BLPOP", "list", "0")           # fed as it blocks ...
        s.wait_blocked(1)
        s.run(d, "RPUSH", "list", "v")            # ... and not again when served
        s.read(c)
        s.run(d, "CLIENT", "PAUSE", "100000", "WRITE")
        s.send(c, "SET", "k", "1")                # held: not fed yet
        s.wait_blocked(1)
        s.run(d, "ECHO", "while-paused")
        s.run(d, "CLIENT", "UNPAUSE")
        s.read(c)                                 # now it ran, and is fed
        s.pending(m, marker=("ECHO", "end"), expected=b"$3\r\nend\r\n")
    log = both(apus, redis, scenario)
    lines = [l for l in log if l.startswith(b"+<time>") and b'"INFO"' not in l]   # INFO: the polling
    assert [l.split(b"] ", 1)[1] for l in lines] == [
        b'"BLPOP" "list" "0"\r\n', b'"RPUSH" "list" "v"\r\n', b'"ECHO" "while-paused"\r\n',
        b'"SET" "k" "1"\r\n']
