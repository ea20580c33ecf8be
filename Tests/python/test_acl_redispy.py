"""redis-py's ACL helpers against Apus: acl_setuser, acl_getuser, acl_deluser, acl_whoami,
acl_log, auth, and a connection made with a username and password."""

import pytest

redis_py = pytest.importorskip("redis")


@pytest.fixture
def r(apus_factory):
    server = apus_factory()
    return redis_py.Redis(host=server.host, port=server.port, decode_responses=True), server


def test_setuser_getuser_and_login(r):
    client, server = r
    assert client.acl_setuser("app", enabled=True, passwords=["+s3cret"], keys=["app:*"], channels=["events"],
                              commands=["+get", "+set", "+acl|whoami"])
    user = client.acl_getuser("app")
    assert user["enabled"] is True
    assert "+get" in user["commands"] and "+set" in user["commands"]
    assert user["keys"] == ["~app:*"] or user["keys"] == "~app:*"
    assert len(user["passwords"]) == 1
    other = redis_py.Redis(host=server.host, port=server.port, username="app", password="s3cret", decode_responses=True)
    assert other.acl_whoami() == "app"
    assert other.set("app:1", "v")
    with pytest.raises(redis_py.exceptions.NoPermissionError):
        other.get("elsewhere")
    with pytest.raises(redis_py.exceptions.NoPermissionError):
        other.delete("app:1")
    entries = client.acl_log()
    assert [e["reason"] for e in entries[:2]] == ["command", "key"]
    assert client.acl_log_reset()
    assert client.acl_users() == ["app", "default"]
    assert client.acl_deluser("app") == 1
    assert client.acl_getuser("app") is None


def test_auth_errors(r):
    client, server = r
    client.acl_setuser("u", enabled=True, passwords=["+pw"], commands=["+@all"], keys=["*"])
    other = redis_py.Redis(host=server.host, port=server.port)
    assert other.auth("pw", username="u")
    with pytest.raises(redis_py.exceptions.AuthenticationError):
        other.auth("wrong", username="u")
    client.config_set("requirepass", "topsecret")
    fresh = redis_py.Redis(host=server.host, port=server.port)
    with pytest.raises(redis_py.exceptions.AuthenticationError):
        fresh.ping()
    assert redis_py.Redis(host=server.host, port=server.port, password="topsecret").ping()
    assert client.acl_getuser("default")["passwords"]
