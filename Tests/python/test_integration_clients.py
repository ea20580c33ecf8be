"""Integration: many concurrent clients, clients that vanish mid-reply,
maxclients, timeout, client-query-buffer-limit.

Every expectation was checked against redis-server 7.0.15
(APUS_BIN=/usr/bin/redis-server).
"""

import re
import socket
import struct

import pytest

from support.integration import (EOF, RESET, TIMEOUT, RespClient, connect, connected_clients,
                                 encode_command, raise_nofile, read_exactly, read_until_closed,
                                 start_server, wait_until)
from support.resp import encode_pipeline

N_CLIENTS = 1000


def assert_alive(server):
    assert server.alive(), "server process died"
    with RespClient(server.host, server.port, timeout=10) as c:
        assert c.command("PING") == b"+PONG\r\n"


# ---------------------------------------------------------------------------
# 1000 concurrent clients
# ---------------------------------------------------------------------------

def test_1000_concurrent_clients():
    # Client sockets + the server's own fds must fit; raise before starting
    # the server so that it inherits the higher limit too.
    limit = raise_nofile(N_CLIENTS * 2 + 200)
    if limit < N_CLIENTS + 100:
        pytest.skip("RLIMIT_NOFILE hard limit too low (%d)" % limit)
    srv = start_server()
    socks = []
    try:
        admin = RespClient(srv.host, srv.port)
        baseline = connected_clients(admin)
        assert baseline >= 1
        # Everyone connects first ...
        for i in range(N_CLIENTS):
            socks.append(connect(srv.port, timeout=30))
        # ... then every client sends its SET before anyone reads ...
        for i, s in enumerate(socks):
            s.sendall(encode_command("SET", "cc:%d" % i, "value-%d" % i))
        for s in socks:
            assert read_exactly(s, 5, timeout=30) == b"+OK\r\n"
        # ... and its GET.
        for i, s in enumerate(socks):
            s.sendall(encode_command("GET", "cc:%d" % i))
        for i, s in enumerate(socks):
            v = b"value-%d" % i
            want = b"$%d\r\n%s\r\n" % (len(v), v)
            assert read_exactly(s, len(want), timeout=30) == want
        # All of them have been answered, so all are registered.
        assert connected_clients(admin) == baseline + N_CLIENTS
        assert admin.command("DBSIZE") == b":%d\r\n" % N_CLIENTS
        for s in socks:
            s.close()
        socks = []
        wait_until(lambda: connected_clients(admin) == baseline, timeout=15,
                   what="connected_clients back to %d" % baseline)
        assert admin.command("PING") == b"+PONG\r\n"
        admin.close()
        assert_alive(srv)
    finally:
        for s in socks:
            s.close()
        srv.stop()


# ---------------------------------------------------------------------------
# Clients that vanish while a large reply is being written
# ---------------------------------------------------------------------------

BIG = 50 * 1024 * 1024


def _close_with_rst(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def test_client_vanishes_during_50mb_get(server):
    with RespClient(server.host, server.port, timeout=60) as c:
        assert c.command("SET", "van:big", b"z" * BIG) == b"+OK\r\n"
        baseline = connected_clients(c)
        for how in ("close", "rst", "partial-read"):
            s = connect(server.port)
            s.sendall(encode_command("GET", "van:big"))
            if how == "close":
                s.close()
            elif how == "rst":
                _close_with_rst(s)
            else:
                head = read_exactly(s, 4096)
                assert head.startswith(b"$52428800\r\nzzz")
                s.close()
        # The server survives, drops the dead clients and serves others.
        wait_until(lambda: connected_clients(c) == baseline, timeout=20,
                   what="vanished clients to be freed")
        assert c.command("STRLEN", "van:big") == b":%d\r\n" % BIG
        assert c.command("SET", "van:after", "ok") == b"+OK\r\n"
        assert c.command("GET", "van:after") == b"$2\r\nok\r\n"
        assert c.command("DEL", "van:big") == b":1\r\n"
    assert_alive(server)


def test_client_vanishes_during_keys_star(server):
    n = 200000
    with RespClient(server.host, server.port, timeout=60) as c:
        assert c.command("FLUSHALL") == b"+OK\r\n"
        cmds = []
        for base in range(0, n, 1000):
            args = ["MSET"]
            for i in range(base, base + 1000):
                args += ["vk:%d" % i, "1"]
            cmds.append(args)
        assert c.pipeline(cmds) == [b"+OK\r\n"] * len(cmds)
        assert c.command("DBSIZE") == b":%d\r\n" % n
        baseline = connected_clients(c)
        for rst in (False, True):
            s = connect(server.port)
            s.sendall(b"KEYS *\r\n" * 3)  # several multi-MB replies queued
            if rst:
                _close_with_rst(s)
            else:
                s.close()
        wait_until(lambda: connected_clients(c) == baseline, timeout=20,
                   what="vanished clients to be freed")
        assert c.command("PING") == b"+PONG\r\n"
        assert c.command("EXISTS", "vk:0", "vk:%d" % (n - 1)) == b":2\r\n"
        assert c.command("FLUSHALL") == b"+OK\r\n"
    assert_alive(server)


def test_client_vanishes_with_unsent_pipeline(server):
    # Many requests whose replies are never read, then the client disappears.
    s = connect(server.port)
    s.sendall(encode_pipeline([("ECHO", b"e" * 10000)] * 2000))
    _close_with_rst(s)
    assert_alive(server)


# ---------------------------------------------------------------------------
# maxclients
# ---------------------------------------------------------------------------

def test_maxclients():
    srv = start_server(["--maxclients", "5"])
    clients = []
    try:
        first = RespClient(srv.host, srv.port)
        clients.append(first)
        # The readiness probe's connection may still be counted: wait for it.
        wait_until(lambda: connected_clients(first) == 1, what="only one client connected")
        for _ in range(4):
            c = RespClient(srv.host, srv.port)
            clients.append(c)
            assert c.command("PING") == b"+PONG\r\n"
        assert connected_clients(first) == 5
        # The 6th connection gets the error and is closed right away.
        s = connect(srv.port)
        got, how = read_until_closed(s, timeout=5)
        s.close()
        assert got == b"-ERR max number of clients reached\r\n"
        assert how in (EOF, RESET)
        # Existing clients are unaffected.
        for c in clients:
            assert c.command("PING") == b"+PONG\r\n"
        assert first.command("CONFIG", "GET", "maxclients") == b"*2\r\n$10\r\nmaxclients\r\n$1\r\n5\r\n"
        # A freed slot can be reused.
        clients.pop().close()
        wait_until(lambda: connected_clients(first) == 4, what="slot to be freed")
        with RespClient(srv.host, srv.port) as c:
            assert c.command("PING") == b"+PONG\r\n"
    finally:
        for c in clients:
            c.close()
        srv.stop()


# ---------------------------------------------------------------------------
# timeout
# ---------------------------------------------------------------------------

def test_idle_client_is_disconnected_by_timeout():
    srv = start_server(["--timeout", "1"])
    try:
        s = connect(srv.port)
        s.sendall(b"PING\r\n")
        assert read_exactly(s, 7) == b"+PONG\r\n"
        # Redis closes clients idle for more than `timeout` seconds (checked
        # from serverCron); poll with a bounded deadline.  Nothing is sent
        # before the close.
        got, how = read_until_closed(s, timeout=15)
        s.close()
        assert got == b""
        assert how == EOF, "idle client not disconnected (%s)" % how
        with RespClient(srv.host, srv.port) as c:
            assert c.command("CONFIG", "GET", "timeout") == b"*2\r\n$7\r\ntimeout\r\n$1\r\n1\r\n"
            assert c.command("PING") == b"+PONG\r\n"
    finally:
        srv.stop()


def test_timeout_zero_keeps_idle_clients():
    srv = start_server()
    try:
        s = connect(srv.port)
        s.sendall(b"CONFIG GET timeout\r\n")
        want = b"*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"
        assert read_exactly(s, len(want)) == want
        got, how = read_until_closed(s, timeout=2.0)
        s.close()
        assert (got, how) == (b"", TIMEOUT)
    finally:
        srv.stop()


# ---------------------------------------------------------------------------
# client-query-buffer-limit
# ---------------------------------------------------------------------------

def test_client_query_buffer_limit():
    srv = start_server(["--client-query-buffer-limit", "1mb"])
    try:
        with RespClient(srv.host, srv.port, timeout=30) as c:
            assert c.command("CONFIG", "GET", "client-query-buffer-limit") == \
                b"*2\r\n$25\r\nclient-query-buffer-limit\r\n$7\r\n1048576\r\n"
            # Below the limit: fine.
            assert c.command("SET", "qbl:k", b"a" * 1000000) == b"+OK\r\n"
            baseline = connected_clients(c)
            # Above the limit: the client is closed without any reply.
            s = connect(srv.port, timeout=30)
            got = b""
            how = None
            try:
                s.sendall(encode_command("SET", "qbl:k", b"b" * 2000000))
            except (BrokenPipeError, ConnectionResetError):
                how = RESET
            if how is None:
                got, how = read_until_closed(s, timeout=10)
            s.close()
            assert got == b"", "expected no reply, got %r" % got[:200]
            assert how in (EOF, RESET), "client over the query buffer limit was not closed"
            wait_until(lambda: connected_clients(c) == baseline, what="client to be freed")
            assert c.command("STRLEN", "qbl:k") == b":1000000\r\n"
        assert_alive(srv)
        # Logged at warning level (so visible at the default loglevel), e.g.
        # "123:M 25 Nov 2026 12:17:59.989 # Closing client that reached max
        # query buffer length: id=61 addr=127.0.0.1:49242 ... (qbuf initial bytes: "bbb...")"
        log = open(srv.log_path, encoding="utf-8", errors="replace").read()
        assert re.search(r"^\d+:M .* # Closing client that reached max query buffer length: ", log, re.M), \
            log[-2000:]
    finally:
        srv.stop()
