"""Integration: process lifecycle (signals, SHUTDOWN, pidfile) and logging.

Redis 7.0.15 behaviour (verified with APUS_BIN=/usr/bin/redis-server):

* SIGTERM / SIGINT: graceful shutdown, exit status 0; connected clients see
  the connection closed (EOF) with no data; the pidfile is removed.  With
  ``--save ""`` no RDB file is written.
* ``SHUTDOWN NOSAVE``: no reply at all, the connection is closed, exit 0.
* ``--pidfile`` holds ``"<pid>\\n"`` even when not daemonized.
* Log lines: ``<pid>:<role> <dd> <Mon> <yyyy> <hh>:<mm>:<ss>.<mmm> <level> <msg>``
  with role C (before init) / M (master), level ``.`` debug, ``-`` verbose,
  ``*`` notice, ``#`` warning.  The async-signal-safe line written from a
  signal handler has the form ``<pid>:signal-handler (<unix time>) <msg>``.
"""

import os
import re
import signal
import subprocess

import pytest

from support.integration import (EOF, RESET, RespClient, connect, read_exactly, read_until_closed,
                                 start_server, wait_until)

LOG_LINE = re.compile(
    r"^(?P<pid>\d+):(?P<role>[CMSX]) "
    r"(?P<day>\d{2}) (?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<year>\d{4}) "
    r"(?P<time>\d{2}:\d{2}:\d{2}\.\d{3}) (?P<level>[.\-*#]) (?P<msg>.*)$")
SIGNAL_LINE = re.compile(r"^\d+:signal-handler \(\d+\) .+$")


def wait_exit(srv, timeout=15):
    try:
        return srv.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        pytest.fail("server did not exit within %ds" % timeout)


def open_clients(srv, n=3):
    socks = []
    for _ in range(n):
        s = connect(srv.port)
        s.sendall(b"PING\r\n")
        assert read_exactly(s, 7) == b"+PONG\r\n"
        socks.append(s)
    return socks


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_graceful_shutdown(sig):
    srv = start_server(["--pidfile", "@DIR@/x.pid"])
    try:
        pidfile = os.path.join(srv.dir, "x.pid")
        with open(pidfile) as f:
            assert f.read() == "%d\n" % srv.proc.pid
        with RespClient(srv.host, srv.port) as c:
            assert c.command("SET", "k", "v") == b"+OK\r\n"
        socks = open_clients(srv)
        srv.proc.send_signal(sig)
        for s in socks:
            got, how = read_until_closed(s, timeout=15)
            s.close()
            assert got == b""
            assert how in (EOF, RESET)
        assert wait_exit(srv) == 0
        assert not os.path.exists(pidfile), "pidfile not removed on exit"
        assert not os.path.exists(os.path.join(srv.dir, "dump.rdb")), 'RDB written despite --save ""'
        log = open(srv.log_path, "rb").read().decode("utf-8", "replace")
        name = "SIGTERM" if sig == signal.SIGTERM else "SIGINT"
        assert re.search(r"^\d+:signal-handler \(\d+\) Received %s scheduling shutdown\.\.\.$" % name,
                         log, re.M), log[-2000:]
    finally:
        srv.stop()


def test_shutdown_nosave_command():
    srv = start_server(["--pidfile", "@DIR@/x.pid"])
    try:
        pidfile = os.path.join(srv.dir, "x.pid")
        assert os.path.exists(pidfile)
        other = open_clients(srv, 2)
        s = connect(srv.port)
        s.sendall(b"SHUTDOWN NOSAVE\r\n")
        got, how = read_until_closed(s, timeout=15)
        s.close()
        assert got == b"", "SHUTDOWN NOSAVE must not reply, got %r" % got
        assert how in (EOF, RESET)
        for o in other:
            got, how = read_until_closed(o, timeout=15)
            o.close()
            assert (got, how in (EOF, RESET)) == (b"", True)
        assert wait_exit(srv) == 0
        assert not os.path.exists(pidfile)
    finally:
        srv.stop()


def test_shutdown_wrong_argument_keeps_running():
    srv = start_server()
    try:
        with RespClient(srv.host, srv.port) as c:
            assert c.command("SHUTDOWN", "BOGUS") == b"-ERR syntax error\r\n"
            assert c.command("PING") == b"+PONG\r\n"
        assert srv.alive()
    finally:
        srv.stop()


def test_logfile_verbose_format():
    srv = start_server(["--logfile", "apus.log", "--loglevel", "verbose"])
    try:
        logpath = os.path.join(srv.dir, "apus.log")
        with RespClient(srv.host, srv.port) as c:
            assert c.command("CONFIG", "GET", "loglevel") == b"*2\r\n$8\r\nloglevel\r\n$7\r\nverbose\r\n"
            assert c.command("CONFIG", "GET", "logfile") == b"*2\r\n$7\r\nlogfile\r\n$8\r\napus.log\r\n"
        # An accepted connection is logged at verbose level ("-").
        wait_until(lambda: "- Accepted 127.0.0.1:" in open(logpath).read(), what="Accepted line")
        shutdown_nosave(srv)
        text = open(logpath, encoding="utf-8", errors="replace").read()
        lines = text.splitlines()
        assert lines, "empty log file"
        levels = set()
        for line in lines:
            if SIGNAL_LINE.match(line):
                continue
            m = LOG_LINE.match(line)
            assert m, "log line not in Redis format: %r" % line
            assert int(m.group("pid")) == srv.proc.pid
            levels.add(m.group("level"))
        assert "-" in levels, "no verbose-level line in the log"
        msgs = [LOG_LINE.match(l).group("level", "msg") for l in lines if LOG_LINE.match(l)]
        assert ("*", "Ready to accept connections") in msgs
        assert any(lvl == "-" and re.fullmatch(r"Accepted 127\.0\.0\.1:\d+", m) for lvl, m in msgs)
        assert ("#", "User requested shutdown...") in msgs
        assert msgs[-1] == ("#", "Redis is now ready to exit, bye bye...")
    finally:
        srv.stop()


def shutdown_nosave(srv):
    s = connect(srv.port)
    s.sendall(b"SHUTDOWN NOSAVE\r\n")
    got, how = read_until_closed(s, timeout=15)
    s.close()
    assert (got, how in (EOF, RESET)) == (b"", True)
    assert wait_exit(srv) == 0


def test_loglevel_warning_hides_lower_levels():
    srv = start_server(["--logfile", "apus.log", "--loglevel", "warning"])
    try:
        logpath = os.path.join(srv.dir, "apus.log")
        with RespClient(srv.host, srv.port) as c:
            assert c.command("PING") == b"+PONG\r\n"
        shutdown_nosave(srv)
        lines = open(logpath, encoding="utf-8", errors="replace").read().splitlines()
        assert any(l.endswith("# Redis is now ready to exit, bye bye...") for l in lines)
        for line in lines:
            m = LOG_LINE.match(line)
            assert m, "log line not in Redis format: %r" % line
            assert m.group("level") == "#", "non-warning line at loglevel warning: %r" % line
    finally:
        srv.stop()
