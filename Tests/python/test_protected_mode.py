"""Protected mode (clientAcceptHandler): with `protected-mode yes` (the default) and no
password for the default user, a TCP client from any address but 127.0.0.1 / ::1 gets
Redis's -DENIED text and is disconnected; Unix-socket clients are always let in.
Redis 7.0 applies this whatever `bind` says.  The "remote" client is a socket bound
to the second loopback address 127.0.0.2 (the server listens on every address, as
with the default bind).  Each scenario runs on Apus and on redis-server 7.0 and the
bytes are compared.
"""

import pytest

from support.netfixtures import (both, UnixRespClient, connect_from, info_field,
                                 read_until_closed)
from support.resp import RespClient, encode_command

DENIED_PREFIX = b"-DENIED Redis is running in protected mode because protected mode is enabled"


def remote_exchange(srv, payload=encode_command("PING")):
    s = connect_from("127.0.0.2", srv.port)
    try:
        s.sendall(payload)
        return read_until_closed(s, timeout=2.0)
    finally:
        s.close()


def remote_reply(srv, *command):
    """A command from 127.0.0.2 on a connection that stays open (protected mode off)."""
    s = connect_from("127.0.0.2", srv.port)
    s.settimeout(5)
    try:
        s.sendall(encode_command(*command))
        return s.recv(65536)
    finally:
        s.close()


def test_remote_client_is_denied_with_redis_text(both):
    replies = {}
    for kind, servers in both.items():
        srv = servers.start(default_bind=True)
        replies[kind] = remote_exchange(srv)
    assert replies["apus"].startswith(DENIED_PREFIX)
    assert replies["apus"].endswith(b"to start accepting connections from the outside.\r\n")
    assert replies["apus"] == replies["redis"]


def test_explicit_bind_does_not_lift_protected_mode(both):
    # Redis 7.0 dropped the "no bind configured" condition.
    replies = {}
    for kind, servers in both.items():
        srv = servers.start(["--bind", "0.0.0.0"])
        replies[kind] = remote_exchange(srv)
    assert replies["apus"].startswith(DENIED_PREFIX)
    assert replies["apus"] == replies["redis"]


def test_loopback_and_unix_clients_are_served(both):
    for kind, servers in both.items():
        srv = servers.start(default_bind=True, unix_socket=True)
        with RespClient(srv.host, srv.port) as c:
            assert c.command("PING") == b"+PONG\r\n", kind
        with UnixRespClient(srv.socket_path) as u:
            assert u.command("PING") == b"+PONG\r\n", kind


def test_denied_connections_are_counted_as_rejected_not_received(both):
    deltas = {}
    for kind, servers in both.items():
        srv = servers.start(default_bind=True)
        with RespClient(srv.host, srv.port) as c:
            before = (int(info_field(c, "stats", "total_connections_received")),
                      int(info_field(c, "stats", "rejected_connections")))
            first_id = int(c.command("CLIENT", "ID")[1:])
            remote_exchange(srv)
            remote_exchange(srv)
            after = (int(info_field(c, "stats", "total_connections_received")),
                     int(info_field(c, "stats", "rejected_connections")))
            with RespClient(srv.host, srv.port) as later:
                ids_used = int(later.command("CLIENT", "ID")[1:]) - first_id
        deltas[kind] = (after[0] - before[0], after[1] - before[1], ids_used)
    assert deltas["apus"] == (0, 2, 3)
    assert deltas["apus"] == deltas["redis"]


@pytest.mark.parametrize("name,value", [("protected-mode", "no"), ("requirepass", "secret")])
def test_protected_mode_off_or_password_lets_remote_clients_in(both, name, value):
    replies = {}
    for kind, servers in both.items():
        srv = servers.start(["--" + name, value] if name == "protected-mode" else [], default_bind=True)
        if name == "requirepass":
            with RespClient(srv.host, srv.port) as c:
                assert c.command("CONFIG", "SET", name, value) == b"+OK\r\n"
        replies[kind] = remote_reply(srv, "PING")
        if name == "requirepass":
            with RespClient(srv.host, srv.port) as c:
                c.command("AUTH", value)
                c.command("CONFIG", "SET", name, "")
    assert not replies["apus"].startswith(b"-DENIED")
    assert replies["apus"] == replies["redis"]


def test_config_set_protected_mode_applies_to_new_connections(both):
    replies = {}
    for kind, servers in both.items():
        srv = servers.start(default_bind=True)
        with RespClient(srv.host, srv.port) as c:
            assert c.command("CONFIG", "SET", "protected-mode", "no") == b"+OK\r\n"
            open_reply = remote_reply(srv, "PING")
            assert c.command("CONFIG", "SET", "protected-mode", "yes") == b"+OK\r\n"
        replies[kind] = (open_reply, remote_exchange(srv)[:len(DENIED_PREFIX)])
    assert replies["apus"] == (b"+PONG\r\n", DENIED_PREFIX)
    assert replies["apus"] == replies["redis"]
