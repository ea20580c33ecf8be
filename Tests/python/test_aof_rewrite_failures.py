"""A rewrite child that dies (SIGKILL) is a failed rewrite, as in Redis 7.0: the parent keeps
its AOF and serves on, INFO counts the failure (aof_last_bgrewrite_status:err,
aof_rewrites_consecutive_failures), the temp file is removed, and after three failures in a row
the automatic rewrite backs off (aofRewriteLimited's log line). Run against redis-server too."""

import os
import signal
import time

import pytest

from support.aof import aof_dir, client, log_text, start_in
from support.integration import wait_until
from support.servers import redis_binary

SLOW_CHILD = ["--appendonly", "yes", "--rdb-key-save-delay", "200000"]


def _child_pid(srv_pid):
    """The server's forked child, read from /proc."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == srv_pid:
            return int(entry)
    return None


def _kill_rewrite_child(srv, r):
    wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 1, timeout=10)
    pid = None
    deadline = time.monotonic() + 10
    while pid is None and time.monotonic() < deadline:
        pid = _child_pid(srv.proc.pid)
        if pid is None:
            time.sleep(0.01)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0, timeout=10)


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_killed_rewrite_children_count_as_failures_and_limit_automatic_rewrites(tmp_path, name):
    srv = start_in(str(tmp_path), SLOW_CHILD, binary=None if name == "apus" else redis_binary(), name=name)
    try:
        r = client(srv)
        r.mset({"k:%d" % i: i for i in range(20)})
        for attempt in range(1, 4):
            assert r.bgrewriteaof()
            _kill_rewrite_child(srv, r)
            info = r.info("persistence")
            assert info["aof_last_bgrewrite_status"] == "err"
            assert info["aof_rewrites_consecutive_failures"] == attempt
            assert r.get("k:1") == b"1"
        # No temp file of a dead child is left behind.
        assert not [f for f in os.listdir(aof_dir(str(tmp_path))) if f.startswith("temp-")]
        assert not [f for f in os.listdir(str(tmp_path)) if f.startswith("temp-rewriteaof")]
        # Growth past the automatic threshold: the limit delays the rewrite instead.
        r.config_set("auto-aof-rewrite-min-size", "1")
        r.config_set("auto-aof-rewrite-percentage", "1")
        r.mset({"grow:%d" % i: "x" * 100 for i in range(200)})
        wait_until(lambda: "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in 1 minutes"
                   in log_text(srv), timeout=10)
        assert r.info("persistence")["aof_rewrite_in_progress"] == 0
    finally:
        srv.stop()
