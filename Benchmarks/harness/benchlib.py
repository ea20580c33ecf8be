"""Helpers for the Apus performance harness (bench.py).  Standard library only.

    Server      one server process (Apus or redis-server) on a free 127.0.0.1 port,
                in its own temporary directory, with CPU time and RSS from /proc
                (the tests' ServerProcess, Tests/python/support/servers.py)
    Conn        a minimal RESP2 connection: command(), pipelined loads
    fill()      pipelined MSET / HSET / SADD / ZADD of many members
    benchmark_argv(), start_benchmark(), benchmark_result()
                a redis-benchmark SET load run in the background, and its CSV result
    machine()   one-line description of the machine (CPU model, cores, kernel, date)

Binaries:  APUS_BIN (default <repo>/.build/release/apus-server),
           REDIS_BIN (default: redis-server on PATH, else /usr/bin/redis-server),
           REDIS_BENCHMARK (default: redis-benchmark on PATH).
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
from typing import Sequence

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Server start/stop is shared with the Python tests (Tests/python/support/servers.py).
sys.path.insert(0, os.path.join(REPO_ROOT, "Tests", "python"))
from support.servers import ServerProcess, ServerStartError, apus_binary  # noqa: E402,F401
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Same settings for both servers: no persistence, loopback only.
COMMON_ARGS = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


class HarnessError(RuntimeError):
    """A failure the harness reports in one line (no traceback)."""


def redis_binary() -> str:
    return os.environ.get("REDIS_BIN") or shutil.which("redis-server") or "/usr/bin/redis-server"


def redis_benchmark_binary() -> str:
    return os.environ.get("REDIS_BENCHMARK") or shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"


def require_executable(path: str, what: str, hint: str) -> None:
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise HarnessError("%s not found or not executable: %s (%s)" % (what, path, hint))


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

        Every reply must be a one-line reply (+OK or :n) or a bulk string (XADD's ID); an error
        reply raises."""
        for chunk, count in zip(chunks, counts):
            self.sock.sendall(chunk)
            seen = 0
            while seen < count:
                i = self.buf.find(b"\r\n", self.pos)
                if i < 0:
                    self._fill()
                    continue
                first = self.buf[self.pos:self.pos + 1]
                if first == b"$":
                    # _fill may move the buffer, so the reply's length is kept relative to pos.
                    size = i + 2 - self.pos + int(self.buf[self.pos + 1:i]) + 2
                    while len(self.buf) - self.pos < size:
                        self._fill()
                    self.pos += size
                    seen += 1
                    continue
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
# Loads

MEMBERS_PER_COMMAND = 1000


def fill(srv: "Server", head: tuple, n: int, member_args) -> None:
    """Pipelined <head> m1 [v1] m2 [v2] ... of MEMBERS_PER_COMMAND members each (MSET for keys)."""
    commands = []
    for lo in range(0, n, MEMBERS_PER_COMMAND):
        args = []
        for i in range(lo, min(n, lo + MEMBERS_PER_COMMAND)):
            args += member_args(i)
        commands.append(encode(*head, *args))
    chunks = [b"".join(commands[k:k + 20]) for k in range(0, len(commands), 20)]
    counts = [len(commands[k:k + 20]) for k in range(0, len(commands), 20)]
    with srv.conn(timeout=300) as c:
        c.pipeline_simple(chunks, counts)


def benchmark_argv(srv: "Server", n: int, keyspace: int, pipeline: int, clients: int) -> list:
    """redis-benchmark -t set with 3-byte values."""
    return [redis_benchmark_binary(), "-h", srv.host, "-p", str(srv.port), "-c", str(clients),
            "-n", str(n), "-r", str(keyspace), "-d", "3", "-P", str(pipeline), "--csv", "-t", "set"]


def start_benchmark(argv: list) -> subprocess.Popen:
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def benchmark_result(srv: "Server", proc: subprocess.Popen, what: str) -> dict:
    """The last CSV row of a finished redis-benchmark run; an error line fails the run."""
    try:
        out, err = proc.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise HarnessError("%s on %s: redis-benchmark did not finish within 600 s" % (what, srv.name))
    bad = [l for l in (out + "\n" + err).splitlines()
           if "error" in l.lower() or "refused" in l.lower() or "reset by peer" in l.lower()]
    rows = list(csv.DictReader(io.StringIO(out)))
    if proc.returncode != 0 or bad or not rows or "rps" not in rows[-1]:
        raise HarnessError("%s on %s: redis-benchmark failed (exit status %d):\n%s\n%s"
                           % (what, srv.name, proc.returncode, err.strip(), out.strip()))
    row = rows[-1]
    return {k: float(row[c]) for k, c in (("rps", "rps"), ("p50_ms", "p50_latency_ms"),
                                          ("p99_ms", "p99_latency_ms"), ("max_ms", "max_latency_ms"))}


def count_label(n: int) -> str:
    """1000000 -> "1M", 100000 -> "100k"."""
    return "%dM" % (n // 1000000) if n % 1000000 == 0 else "%dk" % (n // 1000)


def median_run(runs: list, key: str) -> dict:
    """The run with the median <key>, with all runs under "runs"."""
    ordered = sorted(runs, key=lambda r: r[key])
    return dict(ordered[len(ordered) // 2], runs=runs)


# ---------------------------------------------------------------------------
# Server processes


class Server(ServerProcess):
    """One server on a free 127.0.0.1 port in a fresh temporary directory: the
    tests' ServerProcess (Tests/python/support/servers.py) with the harness's
    settings (COMMON_ARGS, 20 s start-up, BENCH_KEEP_TMP), failures as
    HarnessError, and CPU time / RSS from /proc."""

    def __init__(self, name: str, binary: str, extra_args: Sequence[str] = (),
                 start_timeout: float = 20.0, directory: str = ""):
        super().__init__(binary, extra_args=extra_args, name=name, default_args=COMMON_ARGS,
                         start_timeout=start_timeout,
                         tmp_prefix="apus-bench-%s-" % name.lower(), keep_tmp_env="BENCH_KEEP_TMP")
        # A directory of the caller's (kept after stop) lets a restart load what a run saved.
        self.dir = directory

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> "Server":
        require_executable(self.binary, "%s binary" % self.name,
                           "run `make release`" if self.name.lower().startswith("apus")
                           else "install redis-server (make deps-apt)")
        try:
            super().start()
        except ServerStartError as e:
            self.stop()  # removes the temporary directory
            raise HarnessError(str(e)) from None
        return self

    def check_alive(self) -> None:
        if not self.alive():
            code = None if self.proc is None else self.proc.returncode
            raise HarnessError("%s is not running (exit status %s); log tail:\n%s"
                               % (self.name, code, self.log_tail()))

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
