"""A replica restarted from its own RDB (written by SHUTDOWN SAVE, with the repl-id, repl-offset
and repl-stream-db AUX fields) continues its master's stream with a partial resync, as Redis
7.0's replicationCacheMasterUsingMyself: the master counts sync_partial_ok, no new full sync,
and the stream continues in the database it had selected (no SELECT is resent). Checked with
an Apus master and a redis-server master."""

import time

import pytest

from support.resp import RespClient
from support.servers import ServerProcess, apus_binary, redis_binary


def _wait(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached within %.0f s" % timeout)


def _info(srv, section):
    with RespClient(port=srv.port) as c:
        text = c.command("INFO", section).decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def _link_up(replica):
    return _info(replica, "replication").get("master_link_status") == "up"


def _value(srv, db, key):
    with RespClient(port=srv.port) as c:
        c.command("SELECT", str(db))
        return c.command("GET", key)


@pytest.mark.parametrize("master_binary,replica_binary", [("apus", "apus"), ("redis", "apus"), ("apus", "redis"),
                                                          ("redis", "redis")])
def test_restarted_replica_resyncs_partially_in_the_same_database(tmp_path, master_binary, replica_binary):
    def pick(name):
        return apus_binary() if name == "apus" else redis_binary()
    master = ServerProcess(pick(master_binary), extra_args=["--repl-diskless-sync-delay", "0"], name="master").start()
    replica = ServerProcess(pick(replica_binary), name="replica")
    replica.dir = str(tmp_path)
    try:
        replica.extra_args = ["--replicaof", "127.0.0.1", str(master.port)]
        replica.start()
        _wait(lambda: _link_up(replica))
        with RespClient(port=master.port) as m:
            m.command("SELECT", "3")
            m.command("SET", "a", "1")
        _wait(lambda: _value(replica, 3, "a") == b"$1\r\n1\r\n")
        with RespClient(port=replica.port) as r:
            r.send_command("SHUTDOWN", "SAVE")
            try:
                r.read_reply()
            except Exception:
                pass
        replica.proc.wait(timeout=10)
        replica.proc = None
        # Written while the replica is down, still in database 3 without a new SELECT.
        with RespClient(port=master.port) as m:
            m.command("SELECT", "3")
            m.command("SET", "b", "2")
        full_before = int(_info(master, "stats")["sync_full"])
        replica.start()
        _wait(lambda: _link_up(replica))
        _wait(lambda: _value(replica, 3, "b") == b"$1\r\n2\r\n")
        stats = _info(master, "stats")
        assert int(stats["sync_partial_ok"]) == 1
        assert int(stats["sync_full"]) == full_before
        assert _value(replica, 3, "a") == b"$1\r\n1\r\n"
        assert _value(replica, 0, "b") == b"$-1\r\n"
    finally:
        replica.stop()
        master.stop()
