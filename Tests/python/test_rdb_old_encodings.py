"""Files in the encodings of older Redis versions (zipmap, ziplist, linked list, quicklist 1,
text doubles, EXPIRETIME in seconds, RDB versions 6 to 9), loaded by redis-server 7.0.15 and by
Apus: the same DEBUG DIGEST, and each value in the encoding Redis 7.0 converts it to. Redis
7.2's listpack sets (type 20) and RDB versions 11/12 load into Apus as 7.0 encodings."""

import pytest
import redis as redispy

from support import rdb_craft
from support.servers import free_port

KEYS = ["hash:zipmap", "hash:ziplist", "list:ziplist", "list:linked", "set:plain", "set:strings",
        "set:intset", "zset:ziplist", "zset:text", "str:expiring", "list:quicklist"]


def client(srv, db=0):
    return redispy.Redis(host=srv.host, port=srv.port, db=db, socket_timeout=20)


@pytest.mark.parametrize("version", [6, 7, 9])
def test_old_encodings_load_like_redis(apus_factory, redis_factory, tmp_path, version):
    (tmp_path / "old.rdb").write_bytes(rdb_craft.old_encodings_file(version))
    args = ["--dir", str(tmp_path), "--dbfilename", "old.rdb"]
    ref = redis_factory(extra_args=args)
    srv = apus_factory(extra_args=args)
    a, r = client(srv), client(ref)
    assert a.dbsize() == r.dbsize() > 0
    assert a.execute_command("DEBUG", "DIGEST") == r.execute_command("DEBUG", "DIGEST")
    for key in KEYS:
        if r.exists(key):
            assert a.object("encoding", key) == r.object("encoding", key), key
            assert a.execute_command("DEBUG", "DIGEST-VALUE", key) == r.execute_command("DEBUG", "DIGEST-VALUE", key)
    assert a.ttl("str:expiring") == r.ttl("str:expiring") > 0
    assert client(srv, 3).hgetall("db3:hash") == {b"f": b"v", b"g": b"w"}


@pytest.mark.parametrize("version", [11, 12])
def test_listpack_sets_and_newer_versions(apus_factory, tmp_path, version):
    data = rdb_craft.rdb(version, [
        (0, 20, "set:lp", rdb_craft.string(rdb_craft.listpack(["a", "b", 7])), None),
        (0, 20, "set:lpints", rdb_craft.string(rdb_craft.listpack([1, 2, 3])), None),
        (0, 0, "str", rdb_craft.string("x"), None),
    ])
    (tmp_path / "new.rdb").write_bytes(data)
    srv = apus_factory(extra_args=["--dir", str(tmp_path), "--dbfilename", "new.rdb"])
    a = client(srv)
    assert a.smembers("set:lp") == {b"a", b"b", b"7"}
    assert a.object("encoding", "set:lp") == b"hashtable"
    assert a.smembers("set:lpints") == {b"1", b"2", b"3"}
    assert a.object("encoding", "set:lpints") == b"intset"


def test_unsupported_types_are_named(tmp_path):
    from support.integration import run_binary
    data = rdb_craft.rdb(10, [(0, 7, "module", rdb_craft.length(0), None)])
    (tmp_path / "s.rdb").write_bytes(data)
    result = run_binary(["--port", str(free_port()), "--save", "", "--dir", str(tmp_path), "--dbfilename", "s.rdb"], cwd=str(tmp_path))
    out = (result.stdout + result.stderr).decode(errors="replace")
    assert result.returncode == 1
    assert "Apus does not support module values yet (RDB object type 7)" in out
    # Streams load now; a truncated one is a clear error too.
    (tmp_path / "s.rdb").write_bytes(rdb_craft.rdb(10, [(0, 21, "stream", rdb_craft.length(0), None)]))
    result = run_binary(["--port", str(free_port()), "--save", "", "--dir", str(tmp_path), "--dbfilename", "s.rdb"], cwd=str(tmp_path))
    assert result.returncode == 1
    assert "for the stream length" in (result.stdout + result.stderr).decode(errors="replace")


def test_expired_keys_are_skipped_at_load(apus_factory, tmp_path):
    data = rdb_craft.rdb(9, [
        (0, 0, "gone", rdb_craft.string("x"), 1),
        (0, 13, "gone:hash", rdb_craft.string(rdb_craft.ziplist(["f", "v"])), 2),
        (0, 0, "kept", rdb_craft.string("y"), 2_100_000_000),
    ])
    (tmp_path / "e.rdb").write_bytes(data)
    srv = apus_factory(extra_args=["--dir", str(tmp_path), "--dbfilename", "e.rdb"])
    a = client(srv)
    assert a.keys("*") == [b"kept"]
    assert "Done loading RDB, keys loaded: 1, keys expired: 2." in open(srv.log_path).read()
