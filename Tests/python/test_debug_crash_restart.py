"""DEBUG's crash and restart subcommands, each on servers of its own: SEGFAULT, PANIC, ASSERT
and OOM end the process by the same signal as redis-server (after logging Redis's crash
lines); RESTART re-executes the binary after a proper shutdown (the final save included) and
CRASH-AND-RECOVER without one, both keeping the port."""

import time

import pytest

from support.resp import ConnectionClosed

CRASHES = {
    "SEGFAULT": None,
    "PANIC": "Guru Meditation: DEBUG PANIC called at Unix time",
    "ASSERT": "=== ASSERTION FAILED ===",
    "OOM": "Redis aborting for OUT OF MEMORY",
}


def crash(srv, sub):
    c = srv.client()
    c.send_command("DEBUG", sub)
    try:
        c.read_reply()
    except (ConnectionClosed, ConnectionResetError, OSError):
        pass
    c.close()
    srv.proc.wait(timeout=60)
    return srv.proc.returncode


@pytest.mark.parametrize("sub", sorted(CRASHES))
def test_crash_like_redis(apus_factory, redis_factory, sub):
    apus = apus_factory()
    redis = redis_factory(extra_args=["--crash-memcheck-enabled", "no"])
    codes = [crash(apus, sub), crash(redis, sub)]
    assert codes[0] == codes[1] and codes[0] < 0, codes
    if CRASHES[sub]:
        assert CRASHES[sub] in open(apus.log_path, errors="replace").read()


def wait_back(srv, deadline=20):
    end = time.time() + deadline
    while time.time() < end:
        try:
            c = srv.client(timeout=2)
            if c.value("PING") == b"PONG":
                return c
            c.close()
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("server did not come back:\n" + srv.log_tail())


def restart(srv, sub, *args):
    c = srv.client()
    c.send_command("DEBUG", sub, *args)
    with pytest.raises((ConnectionClosed, ConnectionResetError)):
        c.read_reply()
    c.close()


def test_restart_saves_and_comes_back(apus_factory):
    srv = apus_factory(extra_args=["--save", "3600 1"])
    c = srv.client()
    c.value("SET", "kept", "yes")
    pid = c.value("INFO", "server").split(b"process_id:")[1].split(b"\r\n")[0]
    c.close()
    restart(srv, "RESTART", "10")
    c = wait_back(srv)
    assert c.value("GET", "kept") == b"yes"
    # The same process, re-executed with the same arguments.
    assert c.value("INFO", "server").split(b"process_id:")[1].split(b"\r\n")[0] == pid
    assert c.value("CONFIG", "GET", "save") == [b"save", b"3600 1"]
    c.close()
    assert "User requested shutdown..." in open(srv.log_path, errors="replace").read()


def test_crash_and_recover_does_not_save(apus_factory):
    srv = apus_factory(extra_args=["--save", "3600 1"])
    c = srv.client()
    c.value("SET", "lost", "yes")
    c.close()
    restart(srv, "CRASH-AND-RECOVER")
    c = wait_back(srv)
    assert c.value("EXISTS", "lost") == 0
    c.close()
