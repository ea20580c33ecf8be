"""BGREWRITEAOF and the automatic rewrite in a forked child, as Redis 7.0: the parent keeps
answering (and appending to the new incr file) while the child writes the base, nothing
written meanwhile is lost, one child at a time (the scheduling and refusal replies compared
byte for byte with redis-server), and SHUTDOWN kills a running rewrite child."""

import os
import threading

import pytest

from support.aof import aof_dir, client, log_text, manifest, start_in, wait_for_rewrite
from support.integration import wait_until
from support.servers import redis_binary

AOF_ON = ["--appendonly", "yes"]
KEYS = 100
# 100 keys at 20 ms each: the child runs for about two seconds.
SLOW_CHILD = ["--rdb-key-save-delay", "20000"]


def _start(tmp_path, name, extra=()):
    return start_in(str(tmp_path), AOF_ON + list(extra), binary=None if name == "apus" else redis_binary(),
                    name=name)


def _fill(r):
    r.mset({"k:%d" % i: i for i in range(KEYS)})


def _reply(srv, *command):
    with srv.client() as raw:
        raw.send_command(*command)
        return raw.read_frame()


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_parent_serves_and_loses_nothing_while_the_child_rewrites(tmp_path, name):
    srv = _start(tmp_path, name)
    try:
        r = client(srv)
        _fill(r)
        r.config_set("rdb-key-save-delay", 20000)
        assert _reply(srv, "BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
        info = r.info("persistence")
        assert info["aof_rewrite_in_progress"] == 1 and info["aof_current_rewrite_time_sec"] >= 0
        # The parent answers writes while the child runs; they land in the new incr file.
        written = 0
        while r.info("persistence")["aof_rewrite_in_progress"] == 1:
            r.set("during:%d" % written, written)
            written += 1
        assert written > 0
        r.config_set("rdb-key-save-delay", 0)
        wait_for_rewrite(r)
        info = r.info("persistence")
        assert info["aof_rewrites"] == 1 and info["aof_last_bgrewrite_status"] == "ok"
        assert info["aof_current_rewrite_time_sec"] == -1 and info["aof_last_rewrite_time_sec"] >= 0
        assert manifest(str(tmp_path)) == ("file appendonly.aof.2.base.rdb seq 2 type b\n"
                                           "file appendonly.aof.2.incr.aof seq 2 type i\n")
        assert not [f for f in os.listdir(str(tmp_path)) if f.startswith("temp-rewriteaof")]
        log = log_text(srv)
        assert "Background append only file rewriting started by pid" in log
        assert "Background AOF rewrite terminated with success" in log
        assert "Background AOF rewrite finished successfully" in log
        srv.stop()
        srv = _start(tmp_path, name)
        r = client(srv)
        assert r.dbsize() == KEYS + written
        assert r.get("k:%d" % (KEYS - 1)) == str(KEYS - 1).encode()
        assert r.get("during:%d" % (written - 1)) == str(written - 1).encode()
    finally:
        srv.stop()


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_one_child_at_a_time(tmp_path, name):
    srv = _start(tmp_path, name, SLOW_CHILD)
    try:
        r = client(srv)
        r.config_set("rdb-key-save-delay", 0)
        _fill(r)
        r.config_set("rdb-key-save-delay", 20000)
        assert _reply(srv, "BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
        assert _reply(srv, "BGREWRITEAOF") == b"-ERR Background append only file rewriting already in progress\r\n"
        assert _reply(srv, "BGSAVE") == (b"-ERR Another child process is active (AOF?): can't BGSAVE right now. "
                                         b"Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n")
        r.config_set("rdb-key-save-delay", 0)
        wait_for_rewrite(r)

        r.config_set("rdb-key-save-delay", 20000)
        assert _reply(srv, "BGSAVE") == b"+Background saving started\r\n"
        assert _reply(srv, "BGREWRITEAOF") == b"+Background append only file rewriting scheduled\r\n"
        info = r.info("persistence")
        assert info["aof_rewrite_scheduled"] == 1 and info["aof_rewrite_in_progress"] == 0
        r.config_set("rdb-key-save-delay", 0)
        # The cron starts the scheduled rewrite once the BGSAVE child is gone.
        wait_until(lambda: r.info("persistence")["aof_rewrites"] == 2)
        wait_for_rewrite(r)
        info = r.info("persistence")
        assert info["rdb_last_bgsave_status"] == "ok" and info["aof_last_bgrewrite_status"] == "ok"
        assert "base.rdb seq 3" in manifest(str(tmp_path))
    finally:
        srv.stop()


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_shutdown_kills_the_rewrite_child_and_removes_its_temp_file(tmp_path, name):
    srv = _start(tmp_path, name, SLOW_CHILD)
    r = client(srv)
    r.config_set("rdb-key-save-delay", 0)
    _fill(r)
    r.config_set("rdb-key-save-delay", 1000000)
    assert _reply(srv, "BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
    # The child has written part of its base by now.
    wait_until(lambda: [f for f in os.listdir(str(tmp_path)) if f.startswith("temp-")])
    srv.stop()
    assert "There is a child rewriting the AOF. Killing it!" in log_text(srv)
    assert not [f for f in os.listdir(str(tmp_path)) if f.startswith("temp-")]
    srv = _start(tmp_path, name)
    try:
        assert client(srv).dbsize() == KEYS
    finally:
        srv.stop()


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_config_set_appendonly_yes_during_a_bgsave_schedules_the_first_rewrite(tmp_path, name):
    srv = start_in(str(tmp_path), [], binary=None if name == "apus" else redis_binary(), name=name)
    try:
        r = client(srv)
        _fill(r)
        r.config_set("rdb-key-save-delay", 20000)
        assert _reply(srv, "BGSAVE") == b"+Background saving started\r\n"
        assert r.config_set("appendonly", "yes")
        info = r.info("persistence")
        assert info["aof_rewrite_scheduled"] == 1 and info["aof_enabled"] == 1
        r.set("while-waiting", "1")
        r.config_set("rdb-key-save-delay", 0)
        wait_until(lambda: r.info("persistence")["aof_rewrites"] == 1)
        wait_for_rewrite(r)
        assert "AOF was enabled but there is already another background operation." in log_text(srv)
        srv.stop()
        srv = start_in(str(tmp_path), AOF_ON, binary=None if name == "apus" else redis_binary(), name=name)
        r = client(srv)
        assert r.dbsize() == KEYS + 1 and r.get("while-waiting") == b"1"
    finally:
        srv.stop()


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_appendonly_no_kills_a_running_rewrite(tmp_path, name):
    srv = _start(tmp_path, name)
    try:
        r = client(srv)
        _fill(r)
        r.config_set("rdb-key-save-delay", 1000000)
        assert _reply(srv, "BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
        assert r.config_set("appendonly", "no")
        info = r.info("persistence")
        # aof_rewrites counts rewrites started.
        assert info["aof_rewrite_in_progress"] == 0 and info["aof_rewrites"] == 1
        assert "Killing running AOF rewrite child" in log_text(srv)
        assert not [f for f in os.listdir(str(tmp_path)) if f.startswith("temp-")]
    finally:
        srv.stop()
