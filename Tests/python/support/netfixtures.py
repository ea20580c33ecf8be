"""Servers for the network-exposure tests (protected mode, Unix sockets, listeners,
client limits): Apus and redis-server started the same way, with the defaults of
support.servers except where a test needs another bind (protected mode needs the
default ``* -::*``), a Unix socket in the server's directory, and a raw-socket reader.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time

import pytest

from .resp import RespClient
from .servers import DEFAULT_ARGS, ServerProcess, apus_binary, redis_binary

BINARIES = {"apus": apus_binary, "redis": redis_binary}


class Servers:
    """Starts servers of one kind and stops them all at the end."""

    def __init__(self, kind: str):
        self.kind = kind
        self.started = []

    def start(self, extra_args=(), default_bind=False, unix_socket=False, config_text=None):
        defaults = list(DEFAULT_ARGS)
        if default_bind:
            index = defaults.index("--bind")
            del defaults[index:index + 2]
        args = list(extra_args)
        srv = ServerProcess(BINARIES[self.kind](), extra_args=args, name=self.kind,
                            default_args=defaults, config_text=config_text)
        if unix_socket:
            srv.dir = tempfile.mkdtemp(prefix="apus-net-%s-" % self.kind)
            srv._own_dir = True
            srv.socket_path = os.path.join(srv.dir, "s.sock")
            srv.extra_args += ["--unixsocket", srv.socket_path]
        srv.start()
        self.started.append(srv)
        return srv

    def stop_all(self):
        for srv in self.started:
            srv.stop()


def read_until_closed(sock: socket.socket, timeout: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection."""
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def connect_from(source_ip: str, port: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source_ip, 0))
    s.connect(("127.0.0.1", port))
    return s


def unix_connect(path: str) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def info_field(client, section: str, name: str) -> str:
    text = client.command("INFO", section).decode()
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    raise KeyError(name)


class UnixRespClient(RespClient):
    """RespClient over a Unix socket."""

    def __init__(self, path: str, timeout: float = 10.0):
        self.host = path
        self.port = 0
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""


@pytest.fixture
def both():
    """One Servers of each kind, for a test that runs the same scenario on Apus and redis-server."""
    made = {"apus": Servers("apus"), "redis": Servers("redis")}
    yield made
    for servers in made.values():
        servers.stop_all()
