"""Helpers for the integration tests (Tests/python/test_integration_*.py).

These tests start their *own* server processes (never the session-scoped
``apus`` fixture shared with the differential tests), so they may flood the
keyspace, change CONFIG, kill the server, ... without disturbing anything.

Everything speaks raw RESP over plain sockets; ``support.resp.RespClient`` is
used where one-reply-at-a-time reading is enough, and the functions below
cover what it does not: reading everything until the server closes the
connection, polling with a bounded deadline, INFO parsing, fd limits.

Standard library + pytest only.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import time
from typing import Callable, Optional, Sequence, Tuple

import pytest

from .resp import RespClient, encode_command
from .servers import ServerProcess, ServerStartError, apus_binary

HOST = "127.0.0.1"

# How a read ended.
EOF = "eof"          # recv() returned b'' (orderly FIN from the server)
RESET = "reset"      # ECONNRESET (server closed with unread data in its buffer)
TIMEOUT = "timeout"  # nothing more arrived before the deadline; still open


def start_server(extra_args: Sequence[str] = (), **kwargs) -> ServerProcess:
    """Start an Apus (APUS_BIN) server with the standard test defaults.

    Fails the test (or skips it with APUS_SKIP_MISSING=1 when the binary is
    not built) if the server does not come up.
    """
    binary = apus_binary()
    srv = ServerProcess(binary, extra_args=list(extra_args), name="apus-it", **kwargs)
    try:
        return srv.start()
    except ServerStartError as e:
        if not os.path.exists(binary) and os.environ.get("APUS_SKIP_MISSING") == "1":
            pytest.skip(str(e))
        pytest.fail(str(e), pytrace=False)


def connect(port: int, timeout: float = 10.0) -> socket.socket:
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until_closed(sock: socket.socket, timeout: float = 5.0,
                      prefix: bytes = b"") -> Tuple[bytes, str]:
    """Read until the peer closes the connection or ``timeout`` seconds pass
    without it closing.  Returns (all bytes received, EOF|RESET|TIMEOUT)."""
    data = bytearray(prefix)
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return bytes(data), TIMEOUT
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(1 << 16)
        except socket.timeout:
            return bytes(data), TIMEOUT
        except ConnectionResetError:
            return bytes(data), RESET
        if not chunk:
            return bytes(data), EOF
        data += chunk


def read_exactly(sock: socket.socket, n: int, timeout: float = 10.0) -> bytes:
    """Read exactly n bytes (raises AssertionError on EOF/timeout)."""
    data = bytearray()
    deadline = time.monotonic() + timeout
    while len(data) < n:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "timed out after %d of %d bytes: %r" % (len(data), n, bytes(data[:200]))
        sock.settimeout(remaining)
        chunk = sock.recv(min(1 << 20, n - len(data)))
        assert chunk, "connection closed after %d of %d bytes: %r" % (len(data), n, bytes(data[:200]))
        data += chunk
    return bytes(data)


def nothing_pending(sock: socket.socket, wait: float = 0.05) -> bool:
    """True if no byte arrives within ``wait`` seconds (and not closed).
    Only used for negative checks: it can let a bug slip through, but it can
    never fail a correct server."""
    sock.settimeout(wait)
    try:
        sock.recv(1, socket.MSG_PEEK)
    except socket.timeout:
        return True
    except ConnectionResetError:
        return False
    return False  # data arrived, or EOF


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0,
               interval: float = 0.02, what: str = "condition") -> None:
    """Poll ``predicate`` until true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def parse_info(raw_reply: bytes) -> dict:
    """Parse the raw bulk reply of INFO into {field: str}."""
    assert raw_reply.startswith(b"$"), raw_reply[:100]
    body = raw_reply.split(b"\r\n", 1)[1]
    out = {}
    for line in body.decode("utf-8", "replace").splitlines():
        if not line or line.startswith("#") or ":" not in line:
            continue
        k, v = line.split(":", 1)
        out[k] = v
    return out


def info_field(client: RespClient, section: str, field: str) -> str:
    return parse_info(client.command("INFO", section))[field]


def connected_clients(client: RespClient) -> int:
    return int(info_field(client, "clients", "connected_clients"))


def raise_nofile(wanted: int) -> int:
    """Raise this process's RLIMIT_NOFILE soft limit to at least ``wanted``
    (bounded by the hard limit).  Server processes started afterwards
    inherit it.  Returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return soft


def run_binary(args: Sequence[str], cwd: Optional[str] = None,
               timeout: float = 20.0) -> subprocess.CompletedProcess:
    """Run the server binary to completion (for start-up failures)."""
    binary = apus_binary()
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        msg = "apus binary not found or not executable: %s" % binary
        if os.environ.get("APUS_SKIP_MISSING") == "1":
            pytest.skip(msg)
        pytest.fail(msg, pytrace=False)
    return subprocess.run([binary] + list(args), cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


__all__ = [
    "HOST", "EOF", "RESET", "TIMEOUT", "RespClient", "encode_command", "ServerProcess",
    "start_server", "connect", "read_until_closed", "read_exactly", "nothing_pending",
    "wait_until", "parse_info", "info_field", "connected_clients", "raise_nofile", "run_binary",
]
