"""The append-only file as Redis 7.0's multi-part AOF: layout and manifest, round-trips of
every type through restarts and rewrites, absolute expiries, MULTI/EXEC in the file, truncated
and corrupt files, the upgrade of an old single-file AOF, CONFIG SET appendonly, DEBUG LOADAOF,
INFO's aof_* fields, automatic rewrite, and interop with redis-server and redis-check-aof."""

import os
import time
import shutil
import subprocess

import pytest

from support.aof import (aof_dir, client, incr_name, log_text, manifest, populate_every_type,
                         read_aof_file, snapshot, start_in, wait_for_rewrite)
from support.integration import wait_until
from support.servers import redis_binary

COMMAND_BASE = ["--aof-use-rdb-preamble", "no"]
AOF_ON = ["--appendonly", "yes"] + COMMAND_BASE


@pytest.fixture
def datadir(tmp_path):
    return str(tmp_path)


def restart(srv, extra_args=AOF_ON):
    srv.stop()
    return start_in(srv.dir, extra_args)


def test_fresh_start_creates_base_incr_and_manifest(datadir):
    srv = start_in(datadir, AOF_ON)
    try:
        assert sorted(os.listdir(aof_dir(datadir))) == [
            "appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]
        assert manifest(datadir) == ("file appendonly.aof.1.base.aof seq 1 type b\n"
                                     "file appendonly.aof.1.incr.aof seq 1 type i\n")
        assert "Creating AOF incr file appendonly.aof.1.incr.aof on server start" in log_text(srv)
    finally:
        srv.stop()


def test_commands_reach_the_incr_file_with_select(datadir):
    srv = start_in(datadir, AOF_ON)
    try:
        r = client(srv)
        r.set("a", "1")
        r.execute_command("SELECT", 3)
        r.execute_command("INCR", "c")
        expected = (b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
                    b"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$4\r\nINCR\r\n$1\r\nc\r\n")
        # With everysec a write waits (up to 2 s, as in Redis) while the background fsync runs.
        deadline = time.monotonic() + 5
        data = read_aof_file(datadir, "appendonly.aof.1.incr.aof")
        while data != expected and time.monotonic() < deadline:
            time.sleep(0.02)
            data = read_aof_file(datadir, "appendonly.aof.1.incr.aof")
        assert data == expected
    finally:
        srv.stop()


@pytest.mark.parametrize("rewrite", [False, True], ids=["incr", "rewritten"])
def test_every_type_round_trips_through_restart(datadir, rewrite):
    srv = start_in(datadir, AOF_ON)
    try:
        r = client(srv)
        populate_every_type(r)
        if rewrite:
            assert r.bgrewriteaof() in ("Background append only file rewriting started", True)
            wait_for_rewrite(r)
            r.set("after-rewrite", "yes")
        before = snapshot(r)
        srv = restart(srv)
        assert snapshot(client(srv)) == before
        # A second restart loads what the first one left (and its own incr file).
        srv = restart(srv)
        assert snapshot(client(srv)) == before
    finally:
        srv.stop()


def test_rewrite_replaces_files_and_deletes_history(datadir):
    srv = start_in(datadir, AOF_ON)
    try:
        r = client(srv)
        r.set("k", "v")
        r.bgrewriteaof()
        wait_for_rewrite(r)
        assert manifest(datadir) == ("file appendonly.aof.2.base.aof seq 2 type b\n"
                                     "file appendonly.aof.2.incr.aof seq 2 type i\n")
        assert sorted(os.listdir(aof_dir(datadir))) == [
            "appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
        assert read_aof_file(datadir, "appendonly.aof.2.base.aof") == (
            b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
        assert read_aof_file(datadir, "appendonly.aof.2.incr.aof") == b""
        info = r.info("persistence")
        assert info["aof_rewrites"] == 1 and info["aof_last_bgrewrite_status"] == "ok"
    finally:
        srv.stop()


def test_relative_ttls_are_written_as_absolute(datadir):
    srv = start_in(datadir, AOF_ON)
    try:
        r = client(srv)
        r.set("a", "v", ex=100)
        r.set("b", "v")
        r.expire("b", 100)
        r.execute_command("SETEX", "c", 100, "v")
        data = read_aof_file(datadir, incr_name(datadir))
        assert b"PXAT" in data and b"PEXPIREAT" in data
        assert b"$2\r\nEX\r\n" not in data and b"SETEX" not in data and b"$6\r\nEXPIRE\r\n" not in data
        deadlines = {k: r.execute_command("PEXPIRETIME", k) for k in ("a", "b", "c")}
        srv = restart(srv)
        r = client(srv)
        assert {k: r.execute_command("PEXPIRETIME", k) for k in ("a", "b", "c")} == deadlines
    finally:
        srv.stop()


def test_multi_exec_is_written_and_applied(datadir):
    srv = start_in(datadir, AOF_ON)
    try:
        r = client(srv)
        pipe = r.pipeline(transaction=True)
        pipe.set("x", 1).incr("x").rpush("l", "a")
        pipe.execute()
        data = read_aof_file(datadir, incr_name(datadir))
        assert b"*1\r\n$5\r\nMULTI\r\n" in data and data.endswith(b"*1\r\n$4\r\nEXEC\r\n")
        srv = restart(srv)
        r = client(srv)
        assert r.get("x") == b"2" and r.lrange("l", 0, -1) == [b"a"]
    finally:
        srv.stop()


def _stop_and_append(srv, tail):
    srv.stop()
    path = os.path.join(aof_dir(srv.dir), incr_name(srv.dir))
    with open(path, "ab") as f:
        f.write(tail)
    return path


def test_unterminated_multi_at_the_end_is_reverted(datadir):
    srv = start_in(datadir, AOF_ON)
    client(srv).set("kept", "1")
    path = _stop_and_append(srv, b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$1\r\n1\r\n")
    valid = os.path.getsize(path) - len(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$1\r\n1\r\n")
    srv = start_in(datadir, AOF_ON)
    try:
        r = client(srv)
        assert r.get("kept") == b"1" and r.get("lost") is None
        assert "Revert incomplete MULTI/EXEC transaction in AOF file" in log_text(srv)
        assert os.path.getsize(path) == valid
    finally:
        srv.stop()


def test_truncated_tail_is_cut_when_aof_load_truncated_yes(datadir):
    srv = start_in(datadir, AOF_ON)
    client(srv).set("kept", "1")
    path = _stop_and_append(srv, b"*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$5\r\nab")
    srv = start_in(datadir, AOF_ON)
    try:
        r = client(srv)
        assert r.get("kept") == b"1" and r.get("lost") is None
        log = log_text(srv)
        assert "!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!" in log
        assert "AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled" in log
        assert read_aof_file(datadir, "appendonly.aof.1.incr.aof").endswith(b"$4\r\nkept\r\n$1\r\n1\r\n")
        r.set("next", "2")
        srv = restart(srv)
        assert client(srv).get("next") == b"2"
    finally:
        srv.stop()


def test_truncated_tail_stops_start_up_when_aof_load_truncated_no(datadir):
    srv = start_in(datadir, AOF_ON)
    client(srv).set("kept", "1")
    _stop_and_append(srv, b"*3\r\n$3\r\nSET\r\n$4\r\nlo")
    code, log = start_in(datadir, AOF_ON + ["--aof-load-truncated", "no"], expect_failure=True)
    assert code == 1
    assert "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof" in log


def test_bad_format_names_the_file_and_offset(datadir):
    srv = start_in(datadir, AOF_ON)
    client(srv).set("kept", "1")
    path = os.path.join(aof_dir(datadir), "appendonly.aof.1.incr.aof")
    srv.stop()
    offset = os.path.getsize(path)
    with open(path, "ab") as f:
        f.write(b"garbage\r\n")
    code, log = start_in(datadir, AOF_ON, expect_failure=True)
    assert code == 1
    assert ("Unexpected bytes at offset %d of the append only file appendonly.aof.1.incr.aof" % offset) in log
    assert ("Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of your AOF file, "
            "then use ./redis-check-aof --fix <filename.manifest>") in log


def test_unknown_command_stops_start_up(datadir):
    srv = start_in(datadir, AOF_ON)
    _stop_and_append(srv, b"*1\r\n$7\r\nNOSUCHX\r\n")
    code, log = start_in(datadir, AOF_ON, expect_failure=True)
    assert code == 1
    assert "Unknown command 'NOSUCHX' reading the append only file appendonly.aof.1.incr.aof" in log


def test_old_single_file_aof_is_upgraded(datadir):
    with open(os.path.join(datadir, "appendonly.aof"), "wb") as f:
        f.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$3\r\nyes\r\n")
    srv = start_in(datadir, AOF_ON)
    try:
        r = client(srv)
        assert r.get("old") == b"yes"
        assert not os.path.exists(os.path.join(datadir, "appendonly.aof"))
        assert manifest(datadir) == ("file appendonly.aof seq 1 type b\n"
                                     "file appendonly.aof.1.incr.aof seq 1 type i\n")
        r.set("new", "1")
        srv = restart(srv)
        assert client(srv).mget("old", "new") == [b"yes", b"1"]
    finally:
        srv.stop()


def test_timestamp_annotations(datadir):
    srv = start_in(datadir, AOF_ON + ["--aof-timestamp-enabled", "yes"])
    try:
        r = client(srv)
        r.set("a", "1")
        data = read_aof_file(datadir, incr_name(datadir))
        assert data.startswith(b"#TS:") and b"\r\n*2\r\n$6\r\nSELECT" in data
        srv = restart(srv)
        assert client(srv).get("a") == b"1"
    finally:
        srv.stop()


def test_config_set_appendonly_at_run_time(datadir):
    srv = start_in(datadir, COMMAND_BASE)
    try:
        r = client(srv)
        r.set("before", "1")
        assert not os.path.exists(aof_dir(datadir))
        assert r.config_set("appendonly", "yes")
        wait_for_rewrite(r)
        assert r.info("persistence")["aof_enabled"] == 1
        assert b"before" in read_aof_file(datadir, "appendonly.aof.1.base.aof")
        r.set("after", "2")
        assert r.config_set("appendonly", "no")
        r.set("off", "3")
        assert r.info("persistence")["aof_enabled"] == 0
        srv = restart(srv)
        assert client(srv).mget("before", "after", "off") == [b"1", b"2", None]
    finally:
        srv.stop()


def test_debug_loadaof(datadir):
    srv = start_in(datadir, AOF_ON)
    try:
        r = client(srv)
        r.set("a", "1")
        r.rpush("l", "x", "y")
        assert r.execute_command("DEBUG", "LOADAOF") in (b"OK", True)
        assert r.get("a") == b"1" and r.lrange("l", 0, -1) == [b"x", b"y"]
        assert "Append Only File loaded by DEBUG LOADAOF" in log_text(srv)
    finally:
        srv.stop()


def test_info_persistence_aof_fields_match_redis(datadir, tmp_path_factory):
    other = str(tmp_path_factory.mktemp("redis-aof"))
    apus = start_in(datadir, AOF_ON)
    redis = start_in(other, AOF_ON, binary=redis_binary(), name="redis")
    try:
        def aof_fields(srv):
            return [name for name in client(srv).info("persistence") if name.startswith("aof_")]
        assert aof_fields(apus) == aof_fields(redis)
        for srv in (apus, redis):
            client(srv).config_set("appendonly", "no")
        assert aof_fields(apus) == aof_fields(redis)
    finally:
        apus.stop()
        redis.stop()


def test_automatic_rewrite_on_growth(datadir):
    srv = start_in(datadir, AOF_ON + ["--auto-aof-rewrite-min-size", "1kb",
                                      "--auto-aof-rewrite-percentage", "100"])
    try:
        r = client(srv)
        for i in range(200):
            r.set("key", "v" * 50)
        wait_until(lambda: r.info("persistence")["aof_rewrites"] >= 1)
        assert "Starting automatic rewriting of AOF on" in log_text(srv)
        assert r.get("key") == b"v" * 50
    finally:
        srv.stop()


@pytest.mark.parametrize("writer,reader", [("apus", "redis"), ("redis", "apus")])
def test_interop_with_redis_server(datadir, writer, reader):
    binaries = {"apus": None, "redis": redis_binary()}
    srv = start_in(datadir, AOF_ON, binary=binaries[writer], name=writer)
    try:
        r = client(srv)
        populate_every_type(r)
        r.bgrewriteaof()
        wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0)
        wait_until(lambda: "base.aof seq 2" in manifest(datadir))
        r.set("tail", "in-incr")
        pipe = r.pipeline(transaction=True)
        pipe.incr("counter").sadd("set:int", 999)
        pipe.execute()
        before = snapshot(r)
    finally:
        srv.stop()
    check = subprocess.run(["redis-check-aof", os.path.join(aof_dir(datadir), "appendonly.aof.manifest")],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "is valid" in check.stdout
    srv = start_in(datadir, AOF_ON, binary=binaries[reader], name=reader)
    try:
        assert snapshot(client(srv)) == before
    finally:
        srv.stop()


def _incr_on_dev_full(datadir, binary, name):
    srv = start_in(datadir, AOF_ON, binary=binary, name=name)
    srv.stop()
    path = os.path.join(aof_dir(datadir), incr_name(datadir))
    os.unlink(path)
    os.symlink("/dev/full", path)


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_write_error_refuses_writes_with_misconf(tmp_path, name):
    datadir = str(tmp_path)
    binary = None if name == "apus" else redis_binary()
    _incr_on_dev_full(datadir, binary, name)
    srv = start_in(datadir, AOF_ON, binary=binary, name=name)
    try:
        r = client(srv)
        assert r.set("a", "1")
        with pytest.raises(Exception) as refused:
            r.set("b", "2")
        assert str(refused.value) == "MISCONF Errors writing to the AOF file: No space left on device"
        assert r.get("a") == b"1"
        info = r.info("persistence")
        assert info["aof_last_write_status"] == "err"
        assert "Error writing to the AOF file: No space left on device" in log_text(srv)
    finally:
        srv.stop()


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_write_error_with_always_exits(tmp_path, name):
    datadir = str(tmp_path)
    binary = None if name == "apus" else redis_binary()
    _incr_on_dev_full(datadir, binary, name)
    srv = start_in(datadir, AOF_ON + ["--appendfsync", "always"], binary=binary, name=name)
    r = client(srv)
    with pytest.raises(Exception):
        r.set("a", "1")
    srv.proc.wait(10)
    assert srv.proc.returncode == 1
    assert "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting..." in log_text(srv)
    srv.stop()


def test_turning_on_gathers_writes_in_a_temp_incr_until_the_base_exists(datadir):
    """As Redis's AOF_WAIT_REWRITE: after CONFIG SET appendonly yes, the manifest lists the new
    base and the incr file renamed from temp-appendonly.aof.incr, and an earlier AOF's files
    become history and are deleted."""
    srv = start_in(datadir, AOF_ON)
    try:
        r = client(srv)
        r.set("first", "1")
        r.config_set("appendonly", "no")
        r.set("while-off", "2")
        r.config_set("appendonly", "yes")
        wait_for_rewrite(r)
        assert manifest(datadir) == ("file appendonly.aof.2.base.aof seq 2 type b\n"
                                     "file appendonly.aof.2.incr.aof seq 2 type i\n")
        assert sorted(os.listdir(aof_dir(datadir))) == [
            "appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
        assert "Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr into appendonly.aof.2.incr.aof" in log_text(srv)
        r.set("after", "3")
        srv = restart(srv)
        assert client(srv).mget("first", "while-off", "after") == [b"1", b"2", b"3"]
    finally:
        srv.stop()


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_debug_loadaof_without_an_aof_exits_as_redis(tmp_path, name):
    srv = start_in(str(tmp_path), COMMAND_BASE, binary=None if name == "apus" else redis_binary(), name=name)
    r = client(srv)
    r.set("a", "1")
    with pytest.raises(Exception):
        r.execute_command("DEBUG", "LOADAOF")
    srv.proc.wait(10)
    assert srv.proc.returncode == 1
    srv.stop()


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_bgrewriteaof_inside_exec_is_scheduled(tmp_path, name):
    srv = start_in(str(tmp_path), AOF_ON, binary=None if name == "apus" else redis_binary(), name=name)
    try:
        r = client(srv)
        with srv.client() as raw:
            for command in (("MULTI",), ("BGREWRITEAOF",), ("EXEC",)):
                raw.send_command(*command)
            assert raw.read_replies(3) == [b"+OK\r\n", b"+QUEUED\r\n",
                                           b"*1\r\n+Background append only file rewriting scheduled\r\n"]
        wait_until(lambda: r.info("persistence")["aof_rewrites"] == 1)
        assert r.info("persistence")["aof_rewrite_scheduled"] == 0
    finally:
        srv.stop()


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_loaded_commands_count_as_changes_but_not_as_calls(tmp_path, name):
    binary = None if name == "apus" else redis_binary()
    srv = start_in(str(tmp_path), AOF_ON, binary=binary, name=name)
    r = client(srv)
    r.set("a", "1")
    r.rpush("l", "x", "y")
    r.execute_command("INCR", "n")
    srv.stop()
    srv = start_in(str(tmp_path), AOF_ON, binary=binary, name=name)
    try:
        with srv.client() as raw:
            # Only the readiness PING has been processed; nothing the file ran is counted.
            raw.send_command("INFO", "stats")
            assert b"\r\ntotal_commands_processed:1\r\n" in raw.read_reply()
            raw.send_command("INFO", "commandstats")
            stats = raw.read_reply()
            assert b"cmdstat_ping:calls=1," in stats
            assert b"cmdstat_set" not in stats and b"cmdstat_rpush" not in stats and b"cmdstat_incr" not in stats
            raw.send_command("INFO", "persistence")
            assert b"\r\nrdb_changes_since_last_save:4\r\n" in raw.read_reply()
    finally:
        srv.stop()


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_bad_manifest_stops_start_up_quoting_the_line(tmp_path, name):
    datadir = str(tmp_path)
    os.mkdir(aof_dir(datadir))
    with open(os.path.join(aof_dir(datadir), "appendonly.aof.manifest"), "w") as f:
        f.write("file appendonly.aof.1.base.aof seq 1 type b\nfile x seq 1\n")
    code, log = start_in(datadir, AOF_ON, binary=None if name == "apus" else redis_binary(), name=name,
                         expect_failure=True)
    assert code == 1
    assert "*** FATAL AOF MANIFEST FILE ERROR ***" in log
    assert "Reading the manifest file, at line 2" in log
    assert ">>> 'file x seq 1'" in log
    assert "Invalid AOF manifest file format" in log


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_expired_keys_reach_the_file_as_del(tmp_path, name):
    datadir = str(tmp_path)
    srv = start_in(datadir, AOF_ON + ["--hz", "100"], binary=None if name == "apus" else redis_binary(), name=name)
    try:
        r = client(srv)
        r.set("gone", "v", px=30)
        wait_until(lambda: r.info("stats")["expired_keys"] == 1)
        r.set("after", "1")
        data = read_aof_file(datadir, incr_name(datadir))
        assert data.endswith(b"*2\r\n$3\r\nDEL\r\n$4\r\ngone\r\n*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n")
    finally:
        srv.stop()


def test_appendfsync_changes_at_run_time(datadir):
    srv = start_in(datadir, AOF_ON)
    try:
        r = client(srv)
        for policy in ("always", "no", "everysec"):
            assert r.config_set("appendfsync", policy)
            r.set("k-" + policy, policy)
        srv = restart(srv)
        assert client(srv).mget("k-always", "k-no", "k-everysec") == [b"always", b"no", b"everysec"]
    finally:
        srv.stop()
