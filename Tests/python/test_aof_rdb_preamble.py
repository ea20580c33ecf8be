"""The AOF with its default RDB base (aof-use-rdb-preamble yes): the base is written by the RDB
encoder and read back by the RDB decoder, and the directories interoperate with redis-server's
in both directions."""

import os
import subprocess

import pytest

from support.aof import aof_dir, client, manifest, populate_every_type, snapshot, start_in, wait_for_rewrite
from support.integration import wait_until
from support.servers import redis_binary

AOF_ON = ["--appendonly", "yes"]


def test_fresh_start_writes_an_rdb_base(tmp_path):
    datadir = str(tmp_path)
    srv = start_in(datadir, AOF_ON)
    try:
        assert manifest(datadir) == ("file appendonly.aof.1.base.rdb seq 1 type b\n"
                                     "file appendonly.aof.1.incr.aof seq 1 type i\n")
        with open(os.path.join(aof_dir(datadir), "appendonly.aof.1.base.rdb"), "rb") as f:
            data = f.read()
        assert data.startswith(b"REDIS0010")
        assert b"\xfa\x08aof-base\xc0\x01" in data
    finally:
        srv.stop()


def test_every_type_round_trips_through_an_rdb_base(tmp_path):
    datadir = str(tmp_path)
    srv = start_in(datadir, AOF_ON)
    try:
        r = client(srv)
        populate_every_type(r)
        r.bgrewriteaof()
        wait_for_rewrite(r)
        assert "base.rdb seq 2" in manifest(datadir)
        r.set("tail", "1")
        before = snapshot(r)
        srv.stop()
        srv = start_in(datadir, AOF_ON)
        assert snapshot(client(srv)) == before
        assert "Reading RDB base file on AOF loading..." in open(srv.log_path).read()
    finally:
        srv.stop()


@pytest.mark.parametrize("writer,reader", [("apus", "redis"), ("redis", "apus")])
def test_interop_with_rdb_base(tmp_path, writer, reader):
    datadir = str(tmp_path)
    binaries = {"apus": None, "redis": redis_binary()}
    srv = start_in(datadir, AOF_ON, binary=binaries[writer], name=writer)
    try:
        r = client(srv)
        populate_every_type(r)
        r.bgrewriteaof()
        wait_until(lambda: "base.rdb seq 2" in manifest(datadir))
        wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0)
        r.set("tail", "in-incr")
        before = snapshot(r)
    finally:
        srv.stop()
    check = subprocess.run(["redis-check-aof", os.path.join(aof_dir(datadir), "appendonly.aof.manifest")],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    srv = start_in(datadir, AOF_ON, binary=binaries[reader], name=reader)
    try:
        assert snapshot(client(srv)) == before
    finally:
        srv.stop()


def test_config_set_appendonly_yes_writes_an_rdb_base_and_debug_loadaof_reads_it(tmp_path):
    datadir = str(tmp_path)
    srv = start_in(datadir)
    try:
        r = client(srv)
        populate_every_type(r)
        assert r.config_set("appendonly", "yes")
        wait_for_rewrite(r)
        assert manifest(datadir) == ("file appendonly.aof.1.base.rdb seq 1 type b\n"
                                     "file appendonly.aof.1.incr.aof seq 1 type i\n")
        r.set("incr", "1")
        before = snapshot(r)
        assert r.execute_command("DEBUG", "LOADAOF") in (b"OK", True)
        assert snapshot(r) == before
    finally:
        srv.stop()


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_the_aof_takes_precedence_over_dump_rdb(tmp_path, name):
    datadir = str(tmp_path)
    binary = None if name == "apus" else redis_binary()
    srv = start_in(datadir, binary=binary, name=name)
    r = client(srv)
    r.set("from-rdb", "1")
    r.save()
    srv.stop()
    srv = start_in(datadir, AOF_ON, binary=binary, name=name)
    try:
        r = client(srv)
        assert r.dbsize() == 0
        r.set("from-aof", "1")
        srv.stop()
        srv = start_in(datadir, AOF_ON, binary=binary, name=name)
        assert client(srv).keys() == [b"from-aof"]
        srv.stop()
        srv = start_in(datadir, binary=binary, name=name)
        assert client(srv).keys() == [b"from-rdb"]
    finally:
        srv.stop()


@pytest.mark.parametrize("name", ["apus", "redis"])
def test_old_single_file_aof_with_an_rdb_preamble_and_a_tail(tmp_path, name):
    """A Redis 4-6 appendonly.aof: an RDB preamble, then commands. 7.0 adopts it as the base and
    reads the tail after the RDB."""
    maker = str(tmp_path / "maker")
    os.mkdir(maker)
    srv = start_in(maker, binary=redis_binary(), name="redis")
    r = client(srv)
    populate_every_type(r)
    r.save()
    srv.stop()
    datadir = str(tmp_path / "data")
    os.mkdir(datadir)
    with open(os.path.join(maker, "dump.rdb"), "rb") as f:
        preamble = f.read()
    tail = (b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$4\r\ntail\r\n$3\r\nyes\r\n"
            b"*2\r\n$3\r\nDEL\r\n$5\r\ns:int\r\n")
    with open(os.path.join(datadir, "appendonly.aof"), "wb") as f:
        f.write(preamble + tail)
    srv = start_in(datadir, AOF_ON, binary=None if name == "apus" else redis_binary(), name=name)
    try:
        r = client(srv)
        assert r.get("tail") == b"yes" and r.get("s:int") is None and r.get("s:short") == b"hello"
        assert r.execute_command("SELECT", 9) and r.get("db9") == b"nine"
        assert "Reading the remaining AOF tail..." in open(srv.log_path).read()
    finally:
        srv.stop()
