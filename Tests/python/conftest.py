"""pytest fixtures shared by every test file in Tests/python.

Fixtures
    apus           session-scoped Apus server  (APUS_BIN,  default <repo>/.build/release/apus-server)
    redis          session-scoped reference    (REDIS_BIN, default /usr/bin/redis-server)
    apus_factory   start extra Apus servers:   apus_factory(extra_args=[...], config_text=None)
    redis_factory  same for the reference server
    server         module-scoped Apus server of the integration tests (support.integration.start_server)

A crashed session server is reported as an error of the test that crashed it
(with the server's log tail) and restarted, so later tests still run.

Each server binds 127.0.0.1 on a free port, runs with
``--save "" --appendonly no --enable-debug-command yes`` in a fresh temporary
directory (cwd and --dir), is ready once it answers PING and is stopped with
SIGTERM at the end.  Set APUS_SKIP_MISSING=1 to skip (instead of fail) tests
that need a binary which is not built; APUS_KEEP_TMP=1 keeps the temp dirs.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support.servers import ServerProcess, ServerStartError, apus_binary, redis_binary  # noqa: E402


def _start(binary, name, extra_args=(), config_text=None):
    srv = ServerProcess(binary, extra_args=extra_args, name=name, config_text=config_text)
    try:
        return srv.start()
    except ServerStartError as e:
        if not os.path.exists(binary) and os.environ.get("APUS_SKIP_MISSING") == "1":
            pytest.skip(str(e))
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def apus():
    srv = _start(apus_binary(), "apus")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def redis():
    srv = _start(redis_binary(), "redis")
    yield srv
    srv.stop()


def _factory(binary, name):
    started = []

    def make(extra_args=(), config_text=None):
        srv = _start(binary, name, extra_args=extra_args, config_text=config_text)
        started.append(srv)
        return srv

    return make, started


@pytest.fixture(scope="module")
def server():
    from support.integration import start_server
    srv = start_server()
    yield srv
    srv.stop()


@pytest.fixture
def apus_factory():
    make, started = _factory(apus_binary(), "apus")
    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def redis_factory():
    make, started = _factory(redis_binary(), "redis")
    yield make
    for srv in started:
        srv.stop()


@pytest.fixture(autouse=True)
def _session_server_watchdog(request):
    """If a test crashes a session server (apus / redis), report it as an
    error of that test with the server log tail, and restart the server on a
    new port so the remaining tests still run against a live process."""
    watched = [request.getfixturevalue(n) for n in ("apus", "redis") if n in request.fixturenames]
    yield
    for srv in watched:
        if not srv.alive():
            rc = srv.proc.returncode if srv.proc is not None else None
            excerpt = _crash_excerpt(srv.log_path)
            srv.restart()
            pytest.fail("%s server died during this test (exit status %s); restarted on port %d.\n"
                        "log:\n%s" % (srv.name, rc, srv.port, excerpt), pytrace=False)


def _crash_excerpt(path, head=30, tail=15):
    """The interesting part of a crash log: from the first line that names
    the failure (Swift 'Fatal error', 'Crash', redis 'BUG REPORT', ...) plus
    the last lines; the whole log if it is short."""
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return "(no log)"
    if len(lines) <= head + tail:
        return "\n".join(lines)
    markers = ("fatal error", "crash", "bug report", "assertion", "precondition", "panic", "signal")
    start = next((i for i, l in enumerate(lines) if any(m in l.lower() for m in markers)), None)
    out = []
    if start is not None:
        out = lines[max(0, start - 2):start + head] + ["..."]
    return "\n".join(out + lines[-tail:])
