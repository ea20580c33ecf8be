"""Busy scripts, against Apus and redis-server side by side (Redis 7.0's scriptInterrupt):
past busy-reply-threshold other clients get -BUSY except for SCRIPT KILL and SHUTDOWN NOSAVE;
SCRIPT KILL stops a script that has not written (its caller gets the kill error), and answers
-UNKILLABLE once it has; -NOTBUSY with nothing running; the server is usable afterwards."""

import time

import pytest

from support.resp import ConnectionClosed, RespClient

SPIN = b"local i = 0 while true do i = i + 1 end"
WRITE_THEN_SPIN = b"redis.call('set', 'busykey', '1') while true do end"


@pytest.fixture(params=["apus", "redis"])
def busy_server(request, apus_factory, redis_factory):
    factory = apus_factory if request.param == "apus" else redis_factory
    return factory(extra_args=["--busy-reply-threshold", "50"])


def wait_busy(srv, deadline=5.0):
    """Polls until the server answers -BUSY (the script passed the threshold)."""
    end = time.monotonic() + deadline
    with RespClient(port=srv.port) as probe:
        while time.monotonic() < end:
            reply = probe.command("GET", "x")
            if reply.startswith(b"-BUSY"):
                return reply
            time.sleep(0.01)
    raise AssertionError("the server never reported -BUSY")


def test_not_busy(busy_server):
    with RespClient(port=busy_server.port) as c:
        assert c.command("SCRIPT", "KILL") == b"-NOTBUSY No scripts in execution right now.\r\n"


def test_busy_then_script_kill(busy_server):
    caller = RespClient(port=busy_server.port)
    caller.send_command("EVAL", SPIN, "0")
    busy = wait_busy(busy_server)
    assert busy == b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
    with RespClient(port=busy_server.port) as other:
        assert other.command("PING").startswith(b"-BUSY")
        # MULTI is allowed while busy (Redis lets transactions' own commands through).
        assert other.command("SHUTDOWN").startswith(b"-BUSY")
        assert other.command("SCRIPT", "KILL") == b"+OK\r\n"
    reply = caller.read_reply()
    assert reply.startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    assert b"on @user_script:1." in reply
    assert caller.command("PING") == b"+PONG\r\n"
    caller.close()


def test_unkillable_after_a_write(busy_server):
    caller = RespClient(port=busy_server.port)
    caller.send_command("EVAL", WRITE_THEN_SPIN, "0")
    wait_busy(busy_server)
    with RespClient(port=busy_server.port) as other:
        assert other.command("SCRIPT", "KILL") == (
            b"-UNKILLABLE Sorry the script already executed write commands against the dataset. "
            b"You can either wait the script termination or kill the server in a hard way using the "
            b"SHUTDOWN NOSAVE command.\r\n")
        other.send_command("SHUTDOWN", "NOSAVE")
        # The server exits without answering.
        with pytest.raises((ConnectionClosed, ConnectionError)):
            other.read_reply()
    busy_server.proc.wait(timeout=10)
    caller.close()
