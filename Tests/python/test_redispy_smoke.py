"""redis-py smoke test against Apus only (RESP2 and protocol=3).

Asserts real values through the most common client API paths.  redis-py
is the client most users will point at Apus, so its connection handshake
(HELLO / CLIENT SETINFO fallbacks), parsers and pipelines must all work.
"""

import time

import pytest
import redis as redispy


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def r(apus, request):
    client = redispy.Redis(host=apus.host, port=apus.port, protocol=request.param,
                           socket_timeout=10, decode_responses=False)
    client.flushall()
    yield client
    client.flushall()
    client.close()


def test_ping_echo(r):
    assert r.ping() is True
    assert r.echo("hello") == b"hello"
    assert r.echo(b"\x00\xff") == b"\x00\xff"


def test_set_get_strings(r):
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.get("missing") is None
    assert r.set("k", "w", nx=True) is None
    assert r.set("k", "w", xx=True) is True
    assert r.set("k", "x", get=True) == b"w"
    assert r.get("k") == b"x"
    long = b"y" * 1000
    r.set("long", long)
    assert r.get("long") == long
    assert r.strlen("long") == 1000
    assert r.append("k", "yz") == 3
    assert r.getrange("k", 0, 1) == b"xy"
    assert r.setrange("k", 1, "Z") == 3
    assert r.get("k") == b"xZz"
    assert r.getdel("k") == b"xZz"
    assert r.exists("k") == 0


def test_incr_family(r):
    assert r.incr("n") == 1
    assert r.incr("n", 10) == 11
    assert r.decr("n") == 10
    assert r.decrby("n", 5) == 5
    assert r.incrbyfloat("n", 0.5) == 5.5
    assert r.get("n") == b"5.5"
    r.set("s", "abc")
    with pytest.raises(redispy.ResponseError, match="not an integer"):
        r.incr("s")


def test_expire_ttl(r):
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.expire("k", 100) is True
    assert 98 <= r.ttl("k") <= 100
    assert 98000 <= r.pttl("k") <= 100000
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.ttl("missing") == -2
    r.set("e", "v", ex=50)
    assert 48 <= r.ttl("e") <= 50
    at = int(time.time()) + 1000
    assert r.expireat("e", at) is True
    assert r.expiretime("e") == at
    assert r.expire("e", 10, gt=True) is False


def test_mget_mset(r):
    assert r.mset({"a": "1", "b": "2", "c": b"\x00"}) is True
    assert r.mget(["a", "b", "c", "missing"]) == [b"1", b"2", b"\x00", None]
    assert r.msetnx({"a": "x", "z": "y"}) is False
    assert r.get("z") is None


def test_pipeline(r):
    with r.pipeline(transaction=False) as pipe:
        pipe.set("p", 1).incr("p").incrby("p", 5).get("p").delete("p").exists("p")
        assert pipe.execute() == [True, 2, 7, b"7", 1, 0]


def test_scan_iter_and_delete(r):
    keys = {("key:%d" % i).encode() for i in range(250)}
    r.mset({k: b"v" for k in keys})
    r.set("other", "x")
    assert set(r.scan_iter(match="key:*", count=17)) == keys
    assert len(set(r.scan_iter())) == 251
    assert sorted(r.keys("key:1?")) == sorted(k for k in keys if len(k) == 6 and k.startswith(b"key:1"))
    assert r.dbsize() == 251
    assert r.delete(*list(keys)[:100]) == 100
    assert r.unlink(*list(keys)[100:]) == 150
    assert r.dbsize() == 1
    assert r.type("other") == b"string"


def test_info(r):
    info = r.info()
    assert "redis_version" in info
    assert info["tcp_port"] == r.connection_pool.connection_kwargs["port"]
    assert "connected_clients" in info
    r.set("k", "v")
    assert r.info("keyspace")["db0"]["keys"] == 1
    assert "used_memory" in r.info("memory")


def test_config_get(r):
    assert r.config_get("databases") == {"databases": "16"}
    assert r.config_get("port") == {"port": str(r.connection_pool.connection_kwargs["port"])}
    assert r.config_get("save") == {"save": ""}
    assert r.config_get("appendonly") == {"appendonly": "no"}
    assert r.config_set("hz", 20) is True
    try:
        assert r.config_get("hz") == {"hz": "20"}
    finally:
        r.config_set("hz", 10)


def test_client_setname(r):
    assert r.client_setname("smoke") is True
    assert r.client_getname() in ("smoke", b"smoke")
    assert isinstance(r.client_id(), int)
    info = r.client_info()
    assert info["name"] == "smoke"
    assert any(c["name"] == "smoke" for c in r.client_list())


def test_select_and_databases(apus):
    c = redispy.Redis(host=apus.host, port=apus.port, db=3)
    try:
        c.flushall()
        c.set("k", "db3")
        assert redispy.Redis(host=apus.host, port=apus.port, db=0).get("k") is None
        assert c.get("k") == b"db3"
    finally:
        c.flushall()
        c.close()


def test_decode_responses(apus):
    c = redispy.Redis(host=apus.host, port=apus.port, protocol=3, decode_responses=True)
    try:
        c.set("k", "caf\u00e9")
        assert c.get("k") == "caf\u00e9"
    finally:
        c.delete("k")
        c.close()
