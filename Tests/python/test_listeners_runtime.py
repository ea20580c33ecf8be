"""Listeners changed at run time: CONFIG SET port and CONFIG SET bind rebind the TCP
listeners without a restart and without dropping connected clients; a port or an
address that can't be bound leaves the old listeners serving, and the reply and the
log lines are Redis's.  Each scenario runs on Apus and on redis-server 7.0.
"""

import socket

import pytest

from support.netfixtures import both, UnixRespClient, connect_from, info_field
from support.resp import RespClient
from support.servers import free_port


def serves(host, port, source=None):
    try:
        s = connect_from(source, port) if source else socket.create_connection((host, port), timeout=2)
    except OSError:
        return False
    try:
        s.settimeout(2)
        s.sendall(b"PING\r\n")
        return s.recv(64) == b"+PONG\r\n"
    except OSError:
        return False
    finally:
        s.close()


def log_text(srv):
    with open(srv.log_path, "rb") as f:
        return f.read().decode(errors="replace")


def test_port_change_keeps_clients_and_moves_the_listener(both):
    for kind, servers in both.items():
        srv = servers.start()
        old = srv.port
        new = free_port()
        with RespClient(srv.host, old) as c:
            assert c.command("CONFIG", "SET", "port", str(new)) == b"+OK\r\n", kind
            assert c.command("PING") == b"+PONG\r\n"
            assert info_field(c, "server", "tcp_port") == str(new)
            assert c.command("CONFIG", "GET", "port") == b"*2\r\n$4\r\nport\r\n$%d\r\n%d\r\n" % (len(str(new)), new)
        assert serves("127.0.0.1", new), kind
        assert not serves("127.0.0.1", old), kind
        srv.port = new


def test_port_in_use_is_refused_and_old_listener_stays(both):
    replies = {}
    for kind, servers in both.items():
        srv = servers.start()
        blocker = socket.socket()
        blocker.bind(("0.0.0.0", 0))
        blocker.listen(1)
        busy = blocker.getsockname()[1]
        with RespClient(srv.host, srv.port) as c:
            # The default bind, so the log names '*' as Redis's does.
            assert c.command("CONFIG", "SET", "bind", "* -::*") == b"+OK\r\n"
            replies[kind] = (c.command("CONFIG", "SET", "port", str(busy)),
                             c.command("CONFIG", "GET", "port") == b"*2\r\n$4\r\nport\r\n$%d\r\n%d\r\n" % (len(str(srv.port)), srv.port))
        blocker.close()
        assert serves("127.0.0.1", srv.port), kind
        text = log_text(srv)
        assert "Warning: Could not create server TCP listening socket *:%d: bind: Address already in use" % busy in text
        assert "Failed applying new configuration. Possibly related to new port setting. Restoring previous settings." in text
    assert replies["apus"] == (b"-ERR CONFIG SET failed (possibly related to argument 'port') - "
                               b"Unable to listen on this port. Check server logs.\r\n", True)
    assert replies["apus"] == replies["redis"]


@pytest.mark.parametrize("address", ["1.2.3.4", "no-such-host.invalid"])
def test_unbindable_address_is_refused_and_old_bind_restored(both, address):
    replies = {}
    for kind, servers in both.items():
        srv = servers.start()
        with RespClient(srv.host, srv.port) as c:
            replies[kind] = (c.command("CONFIG", "SET", "bind", address), c.command("CONFIG", "GET", "bind"))
            assert c.command("PING") == b"+PONG\r\n"
        assert serves("127.0.0.1", srv.port), kind
        assert "Failed to bind" in log_text(srv)
    assert replies["apus"][0] == (b"-ERR CONFIG SET failed (possibly related to argument 'bind') - "
                                  b"Failed to bind to specified addresses.\r\n")
    assert replies["apus"] == replies["redis"]


def test_bind_change_moves_to_other_addresses(both):
    outcomes = {}
    for kind, servers in both.items():
        srv = servers.start(["--protected-mode", "no"])
        with RespClient(srv.host, srv.port) as c:
            assert c.command("CONFIG", "SET", "bind", "127.0.0.2") == b"+OK\r\n"
            # The connected client is not dropped.
            assert c.command("PING") == b"+PONG\r\n"
            only_second = (serves("127.0.0.1", srv.port), serves("127.0.0.2", srv.port))
            assert c.command("CONFIG", "SET", "bind", "localhost -::1") == b"+OK\r\n"
            by_name = serves("127.0.0.1", srv.port)
            # An optional address that is missing is skipped: no TCP listener at all, still OK.
            skipped = c.command("CONFIG", "SET", "bind", "-1.2.3.4")
            none_left = serves("127.0.0.1", srv.port)
            assert c.command("CONFIG", "SET", "bind", "127.0.0.1") == b"+OK\r\n"
        outcomes[kind] = (only_second, by_name, skipped, none_left, serves("127.0.0.1", srv.port))
    assert outcomes["apus"] == ((False, True), True, b"+OK\r\n", False, True)
    assert outcomes["apus"] == outcomes["redis"]


def test_port_zero_closes_tcp_and_a_port_reopens_it(both):
    for kind, servers in both.items():
        srv = servers.start(unix_socket=True)
        with UnixRespClient(srv.socket_path) as u:
            assert u.command("CONFIG", "SET", "port", "0") == b"+OK\r\n"
            assert not serves("127.0.0.1", srv.port), kind
            new = free_port()
            assert u.command("CONFIG", "SET", "port", str(new)) == b"+OK\r\n"
            assert serves("127.0.0.1", new), kind
            srv.port = new


@pytest.mark.parametrize("kind", ["apus", "redis"])
def test_start_up_failures_are_logged_as_redis_does(kind):
    import subprocess
    import tempfile
    from support.servers import apus_binary, redis_binary
    binary = apus_binary() if kind == "apus" else redis_binary()
    d = tempfile.mkdtemp(prefix="apus-net-start-")
    nowhere = subprocess.run([binary, "--port", "0", "--save", "", "--dir", d],
                             capture_output=True, timeout=20, cwd=d)
    assert nowhere.returncode == 1
    assert b"Configured to not listen anywhere, exiting." in nowhere.stdout
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    busy = blocker.getsockname()[1]
    try:
        taken = subprocess.run([binary, "--port", str(busy), "--bind", "127.0.0.1", "--save", "", "--dir", d],
                               capture_output=True, timeout=20, cwd=d)
    finally:
        blocker.close()
    assert taken.returncode == 1
    assert (b"Warning: Could not create server TCP listening socket 127.0.0.1:%d: bind: Address already in use" % busy
            in taken.stdout)
    assert b"Failed listening on port %d (TCP), aborting." % busy in taken.stdout
