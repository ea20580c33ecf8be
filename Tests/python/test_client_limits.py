"""Client limits compared with redis-server 7.0: maxclients (over TCP and the Unix
socket), client-query-buffer-limit (the client is closed and logged), proto-max-bulk-len
(-ERR Protocol error: invalid bulk length), client-output-buffer-limit for the
replica class (normal and pubsub are in test_output_buffer_limits.py), and `timeout`
(idle clients closed; subscribers, blocked clients and replicas are not).
"""

import re
import socket

import pytest

from support.netfixtures import both, UnixRespClient, info_field, read_until_closed, wait_until
from support.resp import RespClient, encode_command


def log_text(srv):
    with open(srv.log_path, "rb") as f:
        return f.read().decode(errors="replace")


def closed(sock, timeout=5.0):
    """True once the server has closed the connection (whatever it sent before)."""
    try:
        read_until_closed(sock, timeout)
        return True
    except socket.timeout:
        return False


@pytest.mark.parametrize("via", ["tcp", "unix"])
def test_maxclients_refuses_with_redis_text(both, via):
    seen = {}
    for kind, servers in both.items():
        srv = servers.start(unix_socket=True)
        connect = (lambda: UnixRespClient(srv.socket_path)) if via == "unix" else (lambda: RespClient(srv.host, srv.port))
        ctl = RespClient(srv.host, srv.port)
        assert ctl.command("CONFIG", "SET", "maxclients", "3") == b"+OK\r\n"
        kept = [connect(), connect()]
        for c in kept:
            assert c.command("PING") == b"+PONG\r\n"
        extra = connect()
        refused = read_until_closed(extra.sock)
        rejected = info_field(ctl, "stats", "rejected_connections")
        connected = info_field(ctl, "clients", "connected_clients")
        kept[0].close()
        assert wait_until(lambda: info_field(ctl, "clients", "connected_clients") == "2")
        again = connect()
        seen[kind] = (refused, rejected, connected, again.command("PING"))
        for c in [ctl, again] + kept[1:]:
            c.close()
    assert seen["apus"] == (b"-ERR max number of clients reached\r\n", "1", "3", b"+PONG\r\n")
    assert seen["apus"] == seen["redis"]


def test_query_buffer_limit_closes_and_logs(both):
    lines = {}
    for kind, servers in both.items():
        srv = servers.start()
        with RespClient(srv.host, srv.port) as ctl:
            assert ctl.command("CONFIG", "SET", "client-query-buffer-limit", "1mb") == b"+OK\r\n"
            s = socket.create_connection((srv.host, srv.port))
            s.sendall(b"*2\r\n$3\r\nSET\r\n$3000000\r\n")
            try:
                for _ in range(40):
                    s.sendall(b"v" * 65536)
            except OSError:
                pass
            assert closed(s), kind
            s.close()
            assert ctl.command("PING") == b"+PONG\r\n"
        line = [l for l in log_text(srv).splitlines() if "Closing client that reached max query buffer length" in l]
        assert len(line) == 1, kind
        lines[kind] = re.search(r"length: id=\d+ addr=\S+ laddr=\S+ fd=\d+ name= age=\d+ idle=\d+ flags=(\S+) .* "
                                r"\(qbuf initial bytes: (.*)\)$", line[0]).groups()
    assert lines["apus"] == ("N", '"' + "v" * 64 + '"')
    assert lines["apus"] == lines["redis"]


def test_proto_max_bulk_len(both):
    seen = {}
    for kind, servers in both.items():
        srv = servers.start()
        with RespClient(srv.host, srv.port) as ctl:
            assert ctl.command("CONFIG", "SET", "proto-max-bulk-len", "1mb") == b"+OK\r\n"
            s = socket.create_connection((srv.host, srv.port))
            s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n")
            over = read_until_closed(s)
            s.close()
            ok = ctl.command("SET", "k", b"v" * (1024 * 1024))
            seen[kind] = (over, ok, ctl.command("CONFIG", "SET", "proto-max-bulk-len", "1000"))
    assert seen["apus"][:2] == (b"-ERR Protocol error: invalid bulk length\r\n", b"+OK\r\n")
    assert seen["apus"] == seen["redis"]


def test_replica_output_buffer_limit(both):
    seen = {}
    for kind, servers in both.items():
        srv = servers.start(["--repl-diskless-sync", "no"])
        with RespClient(srv.host, srv.port) as ctl:
            assert ctl.command("CONFIG", "SET", "client-output-buffer-limit", "replica 1mb 0 0") == b"+OK\r\n"
            replica = socket.socket()
            replica.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            replica.connect((srv.host, srv.port))
            replica.settimeout(10)
            replica.sendall(encode_command("REPLCONF", "listening-port", "1"))
            assert replica.recv(64) == b"+OK\r\n"
            replica.sendall(encode_command("PSYNC", "?", "-1"))
            data = b""
            # +FULLRESYNC <id> <offset>, then $<len> and the RDB: take it all, then stop reading.
            while True:
                match = re.search(rb"\$(\d+)\r\n", data)
                if match and len(data) >= match.end() + int(match.group(1)):
                    break
                chunk = replica.recv(65536)
                assert chunk, kind
                data += chunk
            assert wait_until(lambda: info_field(ctl, "replication", "connected_slaves") == "1")
            value = b"x" * 65536
            for i in range(64):
                ctl.command("SET", "k%d" % i, value)
            assert wait_until(lambda: info_field(ctl, "replication", "connected_slaves") == "0"), kind
            replica.close()
        seen[kind] = "scheduled to be closed ASAP for overcoming of output buffer limits." in log_text(srv)
    assert seen == {"apus": True, "redis": True}


def test_timeout_closes_idle_clients_only(both):
    seen = {}
    for kind, servers in both.items():
        srv = servers.start()
        ctl = RespClient(srv.host, srv.port)
        subscriber = RespClient(srv.host, srv.port)
        subscriber.command("SUBSCRIBE", "ch")
        blocked = RespClient(srv.host, srv.port)
        blocked.send_command("BLPOP", "nothing", "0")
        assert wait_until(lambda: info_field(ctl, "clients", "blocked_clients") == "1")
        idle = RespClient(srv.host, srv.port)
        assert idle.command("PING") == b"+PONG\r\n"
        assert ctl.command("CONFIG", "SET", "timeout", "1") == b"+OK\r\n"
        # Everyone but ctl is idle from here on; ctl keeps itself busy while waiting.
        assert wait_until(lambda: ctl.command("PING") and info_field(ctl, "clients", "connected_clients") == "3",
                          timeout=10), kind
        idle_closed = closed(idle.sock, timeout=1)
        subscriber_alive = ctl.command("PUBLISH", "ch", "hi") == b":1\r\n"
        ctl.command("LPUSH", "nothing", "x")
        blocked_reply = blocked.read_reply()
        seen[kind] = (idle_closed, subscriber_alive, blocked_reply)
        for c in (ctl, subscriber, blocked, idle):
            c.close()
    assert seen["apus"] == (True, True, b"*2\r\n$7\r\nnothing\r\n$1\r\nx\r\n")
    assert seen["apus"] == seen["redis"]


def test_maxclients_beyond_the_open_files_limit_is_refused(both):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > 10_000_000:
        pytest.skip("no hard open-files limit to run into")
    replies = {}
    for kind, servers in both.items():
        srv = servers.start()
        with RespClient(srv.host, srv.port) as c:
            replies[kind] = (c.command("CONFIG", "SET", "maxclients", str(hard + 1000)),
                             c.command("CONFIG", "GET", "maxclients"))
    assert replies["apus"][0] == (b"-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating "
                                  b"system is not able to handle the specified number of clients, try with %d\r\n" % (hard - 32))
    assert replies["apus"] == replies["redis"]
