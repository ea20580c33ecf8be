"""The Unix socket (`unixsocket`, `unixsocketperm`): clients connect through it and
are served by the same read/write path as TCP clients; CLIENT LIST shows them as
`addr=<path>:0 laddr=<path>:0 flags=U`; the file gets the configured mode, a stale
file is replaced at start-up and the file is removed at shutdown; both directives are
immutable in 7.0.15.  Compared with redis-server 7.0 where the outcome is comparable.
"""

import os
import re
import stat
import subprocess
import tempfile

import pytest

from support.netfixtures import Servers, both, UnixRespClient, wait_until
from support.servers import apus_binary, redis_binary


def fields(line: bytes, names):
    found = dict(re.findall(rb"(\S+?)=(\S*)", line))
    return {n: found[n.encode()].decode() for n in names}


def test_client_list_and_info_describe_unix_clients(both):
    seen = {}
    for kind, servers in both.items():
        srv = servers.start(unix_socket=True)
        with UnixRespClient(srv.socket_path) as u:
            info = u.command("CLIENT", "INFO")
            listing = u.command("CLIENT", "LIST")
            u.command("CLIENT", "NO-EVICT", "on")
            flags_no_evict = fields(u.command("CLIENT", "INFO"), ["flags"])["flags"]
        got = fields(info, ["addr", "laddr", "flags"])
        assert got["addr"] == srv.socket_path + ":0", kind
        assert b"addr=%s:0 " % srv.socket_path.encode() in listing
        seen[kind] = (got["addr"] == got["laddr"], got["flags"], flags_no_evict)
    assert seen["apus"] == (True, "U", "Ue")
    assert seen["apus"] == seen["redis"]


def test_unix_clients_share_the_tcp_paths(both):
    for kind, servers in both.items():
        srv = servers.start(unix_socket=True)
        big = b"x" * (3 * 1024 * 1024)
        with UnixRespClient(srv.socket_path) as u:
            assert u.command("SET", "big", big) == b"+OK\r\n"
            assert u.command("GET", "big") == b"$%d\r\n%s\r\n" % (len(big), big)
            # A pipeline, an inline command and a protocol error, as over TCP.
            assert u.raw(b"PING\r\n*1\r\n$4\r\nPING\r\n", replies=2) == b"+PONG\r\n+PONG\r\n"
            assert u.raw(b"*1\r\n$x\r\n") == b"-ERR Protocol error: invalid bulk length\r\n"


def test_socket_permissions_and_removal_at_shutdown(both):
    modes = {}
    for kind, servers in both.items():
        srv = servers.start(["--unixsocketperm", "640"], unix_socket=True)
        st = os.stat(srv.socket_path)
        assert stat.S_ISSOCK(st.st_mode)
        modes[kind] = stat.S_IMODE(st.st_mode)
        with UnixRespClient(srv.socket_path) as u:
            assert u.command("CONFIG", "GET", "unixsocketperm") == b"*2\r\n$14\r\nunixsocketperm\r\n$3\r\n640\r\n"
        path = srv.socket_path
        srv.stop()
        servers.started.remove(srv)
        assert not os.path.exists(path), kind
    assert modes["apus"] == 0o640 == modes["redis"]


def test_stale_socket_file_is_replaced(both):
    for kind, servers in both.items():
        d = tempfile.mkdtemp(prefix="apus-net-stale-")
        path = os.path.join(d, "s.sock")
        with open(path, "w") as f:
            f.write("stale")
        srv = servers.start(["--unixsocket", path])
        with UnixRespClient(path) as u:
            assert u.command("PING") == b"+PONG\r\n", kind


def test_unixsocket_directives_are_immutable(both):
    replies = {}
    for kind, servers in both.items():
        srv = servers.start(unix_socket=True)
        with UnixRespClient(srv.socket_path) as u:
            replies[kind] = (u.command("CONFIG", "SET", "unixsocket", "/tmp/other.sock"),
                             u.command("CONFIG", "SET", "unixsocketperm", "777"))
            path = srv.socket_path.encode()
            assert u.command("CONFIG", "GET", "unixsocket") == \
                b"*2\r\n$10\r\nunixsocket\r\n$%d\r\n%s\r\n" % (len(path), path)
    assert replies["apus"][0] == b"-ERR CONFIG SET failed (possibly related to argument 'unixsocket') - can't set immutable config\r\n"
    assert replies["apus"] == replies["redis"]


def test_redis_cli_and_redis_py_over_the_socket(both):
    redis_py = pytest.importorskip("redis")
    srv = both["apus"].start(unix_socket=True)
    out = subprocess.run(["redis-cli", "-s", srv.socket_path, "SET", "k", "v"], capture_output=True, timeout=10)
    assert out.stdout == b"OK\n"
    r = redis_py.Redis(unix_socket_path=srv.socket_path)
    assert r.get("k") == b"v"
    assert r.client_info()["addr"] == srv.socket_path + ":0"
    r.close()


@pytest.mark.parametrize("kind", ["apus", "redis"])
def test_unopenable_socket_path_stops_start_up(kind):
    d = tempfile.mkdtemp(prefix="apus-net-bad-")
    binary = apus_binary() if kind == "apus" else redis_binary()
    proc = subprocess.run([binary, "--port", "0", "--save", "", "--dir", d,
                           "--unixsocket", os.path.join(d, "missing", "s.sock")],
                          capture_output=True, timeout=20, cwd=d)
    assert proc.returncode == 1
    assert b"Failed opening Unix socket: bind: No such file or directory" in proc.stdout


def test_unix_socket_alone_with_port_zero():
    servers = Servers("apus")
    try:
        srv = servers.start(unix_socket=True)
        with UnixRespClient(srv.socket_path) as u:
            assert u.command("CONFIG", "SET", "port", "0") == b"+OK\r\n"
            assert wait_until(lambda: u.command("PING") == b"+PONG\r\n")
            assert b"tcp_port:0\r\n" in u.command("INFO", "server")
    finally:
        servers.stop_all()


def test_monitor_names_unix_clients_like_redis(both):
    lines = {}
    for kind, servers in both.items():
        srv = servers.start(unix_socket=True)
        with UnixRespClient(srv.socket_path) as monitor, UnixRespClient(srv.socket_path) as u:
            assert monitor.command("MONITOR") == b"+OK\r\n"
            assert u.command("SET", "k", "v") == b"+OK\r\n"
            line = monitor.read_reply().decode()
        lines[kind] = re.sub(r"^\+\d+\.\d+ ", "+T ", line).replace(srv.socket_path, "PATH")
    assert lines["apus"] == '+T [0 unix:PATH] "SET" "k" "v"\r\n'
    assert lines["apus"] == lines["redis"]
