"""Helpers for the Apus performance harness (bench.py).  Standard library only.

    Server      one server process (Apus or redis-server) on a free 127.0.0.1 port,
                in its own temporary directory, with CPU time and RSS from /proc
    Conn        a minimal RESP2 connection: command(), pipelined loads
    machine()   one-line description of the machine (CPU model, cores, kernel, date)

Binaries:  APUS_BIN (default <repo>/.build/release/apus-server),
           REDIS_BIN (default: redis-server on PATH, else /usr/bin/redis-server),
           REDIS_BENCHMARK (default: redis-benchmark on PATH).
"""

from __future__ import annotations

import datetime
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import List, Optional, Sequence

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Same settings for both servers: no persistence, loopback only.
COMMON_ARGS = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


class HarnessError(RuntimeError):
    """A failure the harness reports in one line (no traceback)."""


def apus_binary() -> str:
    return os.environ.get("APUS_BIN") or os.path.join(REPO_ROOT, ".build", "release", "apus-server")


def redis_binary() -> str:
    return os.environ.get("REDIS_BIN") or shutil.which("redis-server") or "/usr/bin/redis-server"


def redis_benchmark_binary() -> str:
    return os.environ.get("REDIS_BENCHMARK") or shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"


def require_executable(path: str, what: str, hint: str) -> None:
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise HarnessError("%s not found or not executable: %s (%s)" % (what, path, hint))


def free_port() -> int:
    """A TCP port that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def install_sigterm_handler() -> None:
    """Turn SIGTERM/SIGHUP into SystemExit so `finally` blocks stop the servers."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


# ---------------------------------------------------------------------------
# RESP


def encode(*args) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = b"%d" % a
        elif isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RespError(Exception):
    pass


class Conn:
    """Blocking RESP2 connection. Replies: bytes/int/list/None; errors as RespError values."""

    def __init__(self, host: str, port: int, timeout: float = 60.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "Conn":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _fill(self) -> None:
        if self.pos > 0 and self.pos >= len(self.buf) // 2:
            del self.buf[:self.pos]
            self.pos = 0
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _line(self) -> bytes:
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def read_reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest
        if t == b"-":
            return RespError(rest.decode("utf-8", "replace"))
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            data = bytes(self.buf[self.pos:self.pos + n])
            self.pos += n + 2
            return data
        if t == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [self.read_reply() for _ in range(n)]
        raise ConnectionError("unexpected RESP reply: %r" % line[:80])

    def command(self, *args):
        self.sock.sendall(encode(*args))
        reply = self.read_reply()
        if isinstance(reply, RespError):
            raise reply
        return reply

    def pipeline_simple(self, chunks: Sequence[bytes], counts: Sequence[int]) -> None:
        """Send each chunk of commands and read its replies before the next one.

        Every reply must be a one-line reply (+OK or :n); an error reply raises."""
        for chunk, count in zip(chunks, counts):
            self.sock.sendall(chunk)
            seen = 0
            while seen < count:
                i = self.buf.find(b"\r\n", self.pos)
                if i < 0:
                    self._fill()
                    continue
                first = self.buf[self.pos:self.pos + 1]
                if first not in (b"+", b":"):
                    raise RespError("load command failed: %r"
                                    % bytes(self.buf[self.pos:min(i, self.pos + 200)]))
                self.pos = i + 2
                seen += 1


def command_supported(conn: Conn, name: str) -> bool:
    """COMMAND INFO <name> answers [nil] for an unknown command.

    If the answer is malformed (not exactly one entry), say so and fall back to sending the
    bare command name: "unknown command" or not.  Only for commands whose bare form is
    harmless (PING, or an arity error for the data commands the harness probes)."""
    try:
        reply = conn.command("COMMAND", "INFO", name)
    except RespError:
        reply = None
    if isinstance(reply, list) and len(reply) == 1:
        return reply[0] is not None
    if not getattr(conn, "warned_command_info", False):
        conn.warned_command_info = True
        log("warning: the server answered COMMAND INFO %s with %s (expected one entry); "
            "probing each command by sending its bare name instead"
            % (name, "%d entries" % len(reply) if isinstance(reply, list) else repr(reply)[:60]))
    conn.sock.sendall(encode(name))
    answer = conn.read_reply()
    return not (isinstance(answer, RespError) and str(answer).startswith("ERR unknown command"))


def info_field(conn: Conn, section: str, field: str) -> str:
    text = conn.command("INFO", section).decode()
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    raise HarnessError("INFO %s has no field %s" % (section, field))


# ---------------------------------------------------------------------------
# Server processes


class Server:
    """One server on a free 127.0.0.1 port in a fresh temporary directory.

    `wrapper` is prepended to the command line (e.g. valgrind); the process id
    is still the server's, because valgrind runs the program in its own process.
    """

    def __init__(self, name: str, binary: str, extra_args: Sequence[str] = (),
                 wrapper: Sequence[str] = (), start_timeout: float = 20.0):
        self.name = name
        self.binary = binary
        self.extra_args = list(extra_args)
        self.wrapper = list(wrapper)
        self.start_timeout = start_timeout
        self.host = "127.0.0.1"
        self.port = 0
        self.dir = ""
        self.proc: Optional[subprocess.Popen] = None
        self.log_path = ""
        self._log = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> "Server":
        require_executable(self.binary, "%s binary" % self.name,
                           "run `make release`" if self.name.lower().startswith("apus")
                           else "install redis-server (make deps-apt)")
        self.dir = tempfile.mkdtemp(prefix="apus-bench-%s-" % self.name.lower())
        last = ""
        for _attempt in range(3):  # a free port can be taken before the server binds it
            self.port = free_port()
            self.log_path = os.path.join(self.dir, "server-%d.log" % self.port)
            self._log = open(self.log_path, "wb")
            argv = self.wrapper + [self.binary, "--port", str(self.port)] + COMMON_ARGS + \
                ["--dir", self.dir] + self.extra_args
            self.proc = subprocess.Popen(argv, cwd=self.dir, stdin=subprocess.DEVNULL,
                                         stdout=self._log, stderr=subprocess.STDOUT)
            try:
                self._wait_ready()
                return self
            except HarnessError as e:
                last = str(e)
                self._kill()
        shutil.rmtree(self.dir, ignore_errors=True)
        raise HarnessError(last)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError("%s exited with status %s during start-up:\n%s"
                                   % (self.name, self.proc.returncode, self.log_tail()))
            try:
                with Conn(self.host, self.port, timeout=5.0) as c:
                    if c.command("PING") == b"PONG":
                        return
            except (OSError, ConnectionError, RespError):
                pass
            time.sleep(0.05)
        raise HarnessError("%s did not answer PING on port %d within %.0f s:\n%s"
                           % (self.name, self.port, self.start_timeout, self.log_tail()))

    def check_alive(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            raise HarnessError("%s is not running (exit status %s); log tail:\n%s"
                               % (self.name, code, self.log_tail()))

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time; removes the temp dir."""
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    self.proc.send_signal(signal.SIGTERM)
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.dir and os.environ.get("BENCH_KEEP_TMP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = ""

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def conn(self, timeout: float = 60.0) -> Conn:
        return Conn(self.host, self.port, timeout=timeout)

    def cpu_seconds(self) -> float:
        """utime + stime of the server process, in seconds."""
        with open("/proc/%d/stat" % self.pid) as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()  # fields from #3 (state) on
        utime, stime = int(fields[11]), int(fields[12])  # #14 and #15
        return (utime + stime) / CLK_TCK

    def rss_bytes(self) -> int:
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise HarnessError("no VmRSS for pid %d" % self.pid)

    def log_tail(self, n: int = 30) -> str:
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return "(no log)"


# ---------------------------------------------------------------------------
# Machine


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        mem = ", %.1f GiB RAM" % (kb / 1048576)
    except (OSError, ValueError, IndexError):
        pass
    load = ""
    try:
        load = ", load %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        pass
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    cores_text = "%d cores" % cores if usable == cores else "%d cores (%d usable)" % (cores, usable)
    return "%s, %s%s, Linux %s%s | %s" % (model, cores_text, mem, os.uname().release, load, now)


def version_of(binary: str) -> str:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "?"
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "?"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
