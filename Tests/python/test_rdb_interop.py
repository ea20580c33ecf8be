"""RDB files both ways between Apus and redis-server 7.0.15: every type and encoding, TTLs
and several databases load with the same DEBUG DIGEST; Debian's redis-check-rdb accepts what
Apus writes; corrupt and truncated files stop Apus with a clear error (exit 1), never a crash."""

import os
import shutil
import subprocess

import pytest
import redis as redispy

from support import rdb_scene
from support.integration import run_binary
from support.servers import free_port


def client(srv):
    return redispy.Redis(host=srv.host, port=srv.port, socket_timeout=30)


def digest(srv):
    return client(srv).execute_command("DEBUG", "DIGEST")


@pytest.fixture
def redis_file(redis_factory, tmp_path):
    """A dump.rdb written by redis-server from the scene, and its digest."""
    srv = redis_factory(extra_args=["--dir", str(tmp_path), "--dbfilename", "from-redis.rdb"])
    rdb_scene.fill(client(srv))
    want = digest(srv)
    assert client(srv).save()
    return str(tmp_path), "from-redis.rdb", want


def test_apus_loads_redis_file(apus_factory, redis_file):
    d, f, want = redis_file
    srv = apus_factory(extra_args=["--dir", d, "--dbfilename", f])
    assert digest(srv) == want
    c = client(srv)
    assert c.object("encoding", "hash:lp") == b"listpack"
    assert c.object("encoding", "hash:ht") == b"hashtable"
    assert c.object("encoding", "set:intset") == b"intset"
    assert c.object("encoding", "zset:sl") == b"skiplist"
    assert 0 < c.pttl("ttl:str") <= 10_000_000
    log = open(srv.log_path).read()
    assert "Loading RDB produced by version 7.0.15" in log
    assert "Done loading RDB, keys loaded: 27, keys expired: 0." in log


def test_redis_loads_apus_file(apus_factory, redis_factory, tmp_path):
    apus_dir = tmp_path / "apus"
    apus_dir.mkdir()
    srv = apus_factory(extra_args=["--dir", str(apus_dir), "--dbfilename", "from-apus.rdb"])
    rdb_scene.fill(client(srv))
    want = digest(srv)
    assert client(srv).save()
    path = str(apus_dir / "from-apus.rdb")
    check = subprocess.run(["redis-check-rdb", path], capture_output=True, text=True)
    assert check.returncode == 0 and "RDB looks OK" in check.stdout, check.stdout + check.stderr
    ref = redis_factory(extra_args=["--dir", str(apus_dir), "--dbfilename", "from-apus.rdb"])
    assert digest(ref) == want


@pytest.mark.parametrize("checksum", ["yes", "no"])
def test_save_reload_round_trip_and_options(apus_factory, tmp_path, checksum):
    srv = apus_factory(extra_args=["--dir", str(tmp_path), "--dbfilename", "d.rdb", "--rdbchecksum", checksum])
    c = client(srv)
    rdb_scene.fill(c)
    want = digest(srv)
    for compression in ("no", "yes"):
        c.config_set("rdbcompression", compression)
        assert c.execute_command("DEBUG", "RELOAD") == b"OK"
        assert digest(srv) == want
        check = subprocess.run(["redis-check-rdb", str(tmp_path / "d.rdb")], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout
        data = (tmp_path / "d.rdb").read_bytes()
        assert data.startswith(b"REDIS0010\xfa\x09redis-ver\x067.0.15")
        assert data[-9] == 0xFF
        assert (data[-8:] == b"\x00" * 8) == (checksum == "no")
    assert not [n for n in os.listdir(tmp_path) if n.startswith("temp-")]


def start_on(tmp_path, data):
    d = tmp_path / "corrupt"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    (d / "dump.rdb").write_bytes(data)
    return run_binary(["--port", str(free_port()), "--save", "", "--dir", str(d), "--dbfilename", "dump.rdb"], cwd=str(d))


def test_corrupt_files_exit_cleanly(redis_file, tmp_path):
    d, f, _ = redis_file
    data = open(os.path.join(d, f), "rb").read()
    cases = {"bad checksum": data[:-1] + bytes([data[-1] ^ 0xFF]),
             "bad magic": b"REDIX" + data[5:],
             "future version": b"REDIS0013" + data[9:]}
    for cut in (5, 9, 20, 100, len(data) // 3, len(data) // 2, len(data) - 9, len(data) - 1):
        cases["truncated at %d" % cut] = data[:cut]
    for i, at in enumerate(range(9, len(data) - 8, max(1, (len(data) - 17) // 40))):
        flipped = bytearray(data)
        flipped[at] ^= 0x5A
        cases["flipped %d" % at] = bytes(flipped)
    for name, payload in cases.items():
        result = start_on(tmp_path, payload)
        out = (result.stdout + result.stderr).decode(errors="replace")
        assert result.returncode == 1, (name, result.returncode, out[-2000:])
        assert "Fatal error loading the DB" in out, (name, out[-2000:])


def run_until_ready_or_exit(tmp_path, data, extra=()):
    """Starts Apus on `data`; returns its exit code, or None if it came up (then stopped)."""
    d = tmp_path / "corrupt"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    (d / "dump.rdb").write_bytes(data)
    from support.servers import apus_binary
    proc = subprocess.Popen([apus_binary(), "--port", str(free_port()), "--save", "", "--dir", str(d)] + list(extra),
                            cwd=str(d), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for line in proc.stdout:
        if b"Ready to accept connections" in line:
            proc.terminate()
            proc.wait(10)
            return None, ""
    return proc.wait(10), ""


def test_corrupt_values_without_checksum_never_crash(redis_file, tmp_path):
    d, f, _ = redis_file
    data = open(os.path.join(d, f), "rb").read()
    failed = 0
    for at in range(9, len(data) - 9, max(1, (len(data) - 18) // 150)):
        flipped = bytearray(data)
        flipped[at] ^= 0xA5
        code, _ = run_until_ready_or_exit(tmp_path, bytes(flipped), ["--rdbchecksum", "no"])
        assert code in (None, 1), (at, code)
        failed += code == 1
    assert failed > 0


@pytest.mark.parametrize("policy,opcode", [("allkeys-lfu", 0xF9), ("volatile-lru", 0xF8)])
def test_idle_and_freq_saved_per_policy(apus_factory, redis_factory, tmp_path, policy, opcode):
    args = ["--dir", str(tmp_path), "--dbfilename", "p.rdb", "--maxmemory-policy", policy]
    srv = apus_factory(extra_args=args)
    c = client(srv)
    c.set("k", "v")
    c.set("idle", "w")
    c.execute_command("RESTORE", "idle", 0, c.dump("idle"), "REPLACE",
                      *(["FREQ", 100] if "lfu" in policy else ["IDLETIME", 5000]))
    assert c.save()
    data = (tmp_path / "p.rdb").read_bytes()
    assert bytes([opcode]) in data[data.index(b"\xfe\x00"):]
    ref = redis_factory(extra_args=args)
    r = client(ref)
    assert digest(ref) == digest(srv)
    if "lfu" in policy:
        assert r.object("freq", "idle") == c.object("freq", "idle") == 100
    else:
        assert r.object("idletime", "idle") >= 5000


def test_debug_reload_options_like_redis(apus_factory, redis_factory, tmp_path):
    results = []
    for i, factory in enumerate((apus_factory, redis_factory)):
        d = tmp_path / str(i)
        d.mkdir()
        c = client(factory(extra_args=["--dir", str(d)]))
        c.set("a", "saved")
        c.rpush("l", 1, 2)
        assert c.save()
        c.set("a", "changed")
        c.set("b", "new")
        steps = [c.execute_command("DEBUG", "RELOAD", "MERGE", "NOFLUSH", "NOSAVE"), c.mget("a", "b"),
                 c.execute_command("DEBUG", "RELOAD", "MERGE", "NOSAVE"), c.mget("a", "b"), c.lrange("l", 0, -1)]
        try:
            c.execute_command("DEBUG", "RELOAD", "BOGUS")
        except redispy.ResponseError as e:
            steps.append(str(e))
        (d / "dump.rdb").unlink()
        try:
            c.execute_command("DEBUG", "RELOAD", "NOSAVE")
        except redispy.ResponseError as e:
            steps.append(str(e))
        results.append(steps)
    assert results[0] == results[1]
    assert results[0][1] == [b"saved", b"new"] and results[0][3] == [b"saved", None]
