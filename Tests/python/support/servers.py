"""Start / stop redis-compatible server processes for the Python test suites.

Shared by test_differential.py, test_redispy_smoke.py and the integration
tests (test_integration_*.py).  Standard library only.

    from support.servers import ServerProcess, apus_binary, redis_binary

    with ServerProcess(apus_binary(), extra_args=["--maxmemory", "1mb"]) as srv:
        ...srv.port, srv.host, srv.dir, srv.client() ...

Binaries:
    APUS_BIN   default <repo>/.build/release/apus-server
    REDIS_BIN  default /usr/bin/redis-server
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import List, Optional, Sequence

from .resp import RespClient

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

DEFAULT_ARGS = [
    "--bind", "127.0.0.1",
    "--save", "",
    "--appendonly", "no",
    "--enable-debug-command", "yes",
]


def apus_binary() -> str:
    return os.environ.get("APUS_BIN") or os.path.join(REPO_ROOT, ".build", "release", "apus-server")


def redis_binary() -> str:
    return os.environ.get("REDIS_BIN") or "/usr/bin/redis-server"


def free_port() -> int:
    """A TCP port that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerStartError(RuntimeError):
    pass


class ServerProcess:
    """One server process on a free port, in its own temporary directory.

    ``config_text`` (optional) is written to ``<dir>/server.conf`` and passed
    as the first argument, like ``redis-server /path/to/redis.conf``.
    ``extra_args`` are appended after the defaults (later directives win).

    ``extra_files`` (optional, {relative name: text}) are written into the
    server directory before start (e.g. a file for an ``include`` directive).
    In ``config_text``, ``extra_files`` and the arguments, the tokens
    ``@PORT@`` and ``@DIR@`` are replaced by the chosen port and the server
    directory (e.g. ``extra_args=["--pidfile", "@DIR@/x.pid"]``).  With
    ``port_on_cmdline=False`` no ``--port`` argument is passed, so the port
    must come from the config file (``port @PORT@``).

    ``tmp_prefix`` names the temporary directory (default
    ``apus-test-<name>-``); it is kept after stop() when the environment
    variable ``keep_tmp_env`` (default ``APUS_KEEP_TMP``) is ``1``.  The
    benchmark harness (Benchmarks/harness/benchlib.py) sets both.
    """

    def __init__(self, binary: str, extra_args: Sequence[str] = (), name: str = "server",
                 config_text: Optional[str] = None, default_args: Sequence[str] = DEFAULT_ARGS,
                 start_timeout: float = 15.0, extra_files: Optional[dict] = None,
                 port_on_cmdline: bool = True, tmp_prefix: Optional[str] = None,
                 keep_tmp_env: str = "APUS_KEEP_TMP"):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.name = name
        self.config_text = config_text
        self.default_args = list(default_args)
        self.start_timeout = start_timeout
        self.extra_files = dict(extra_files or {})
        self.port_on_cmdline = port_on_cmdline
        self.tmp_prefix = tmp_prefix if tmp_prefix is not None else "apus-test-%s-" % name
        self.keep_tmp_env = keep_tmp_env
        self.host = "127.0.0.1"
        self.port: int = 0
        self.dir: str = ""
        self.proc: Optional[subprocess.Popen] = None
        self.log_path: str = ""
        self._log = None
        self._own_dir = False

    # -- lifecycle ----------------------------------------------------------
    def _subst(self, text: str) -> str:
        return text.replace("@PORT@", str(self.port)).replace("@DIR@", self.dir)

    def argv(self) -> List[str]:
        args = [self.binary]
        for rel, text in self.extra_files.items():
            with open(os.path.join(self.dir, rel), "w") as f:
                f.write(self._subst(text))
        if self.config_text is not None:
            conf = os.path.join(self.dir, "server.conf")
            with open(conf, "w") as f:
                f.write(self._subst(self.config_text))
            args.append(conf)
        if self.port_on_cmdline:
            args += ["--port", str(self.port)]
        args += [self._subst(a) for a in self.default_args] + ["--dir", self.dir]
        args += [self._subst(a) for a in self.extra_args]
        return args

    def start(self) -> "ServerProcess":
        if not (os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)):
            raise ServerStartError("%s binary not found or not executable: %s" % (self.name, self.binary))
        if not self.dir:
            self.dir = tempfile.mkdtemp(prefix=self.tmp_prefix)
            self._own_dir = True
        last_error = ""
        for _attempt in range(3):  # a port can be stolen between free_port() and bind()
            self.port = free_port()
            self.log_path = os.path.join(self.dir, "server-%d.log" % self.port)
            self._log = open(self.log_path, "wb")
            self.proc = subprocess.Popen(self.argv(), cwd=self.dir, stdin=subprocess.DEVNULL,
                                         stdout=self._log, stderr=subprocess.STDOUT)
            try:
                self._wait_ready()
                return self
            except ServerStartError as e:
                last_error = str(e)
                self._kill()
        raise ServerStartError(last_error)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError("%s exited with %s during startup:\n%s"
                                       % (self.name, self.proc.returncode, self.log_tail()))
            try:
                with RespClient(self.host, self.port, timeout=2.0) as c:
                    if c.command("PING") == b"+PONG\r\n":
                        return
            except OSError:
                pass
            time.sleep(0.02)
        raise ServerStartError("%s did not answer PING on port %d within %.0fs:\n%s"
                               % (self.name, self.port, self.start_timeout, self.log_tail()))

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """SIGTERM, wait; SIGKILL if it does not exit. Returns the exit code."""
        rc = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            rc = self.proc.returncode
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._own_dir and os.environ.get(self.keep_tmp_env) != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
        return rc

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def restart(self) -> "ServerProcess":
        """Stop (if still running) and start again on a fresh port (and a
        fresh temp dir when the old one was ours).  Used by the conftest
        watchdog to replace a crashed session server."""
        self.stop()
        if self._own_dir:
            self.dir = ""
            self._own_dir = False
        return self.start()

    # -- helpers ------------------------------------------------------------
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def client(self, timeout: float = 10.0) -> RespClient:
        return RespClient(self.host, self.port, timeout=timeout)

    def log_tail(self, n: int = 40) -> str:
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return "(no log)"

    def __repr__(self) -> str:
        return "<ServerProcess %s %s port=%s>" % (self.name, self.binary, self.port)
