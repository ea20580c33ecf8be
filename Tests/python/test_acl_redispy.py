"""redis-py's ACL helpers against Apus: acl_setuser, acl_getuser, acl_deluser, acl_whoami,
acl_log, auth, and a connection made with a username and password."""

import socket

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


def test_info_counts_denials_by_reason(r):
    """INFO stats acl_access_denied_* (the fields of 7.2) count refused logins, commands, keys and
    channels, and CONFIG RESETSTAT clears them."""
    client, server = r
    client.acl_setuser("limited", enabled=True, passwords=["+pw"], keys=["k:*"], channels=["ch"],
                       commands=["+get", "+subscribe"])
    other = redis_py.Redis(host=server.host, port=server.port, username="limited", password="pw")
    # A raw socket: redis-py retries a failed AUTH (AuthenticationError is a ConnectionError).
    with socket.create_connection((server.host, server.port)) as raw:
        raw.sendall(b"AUTH limited wrong\r\n")
        assert raw.recv(100).startswith(b"-WRONGPASS")
    with pytest.raises(redis_py.exceptions.NoPermissionError):
        other.set("k:1", "v")
    for key in ("x", "y"):
        with pytest.raises(redis_py.exceptions.NoPermissionError):
            other.get(key)
    with pytest.raises(redis_py.exceptions.NoPermissionError):
        other.execute_command("SUBSCRIBE", "elsewhere")
    stats = client.info("stats")
    assert [stats[f"acl_access_denied_{r}"] for r in ("auth", "cmd", "key", "channel")] == [1, 1, 2, 1]
    client.config_resetstat()
    stats = client.info("stats")
    assert [stats[f"acl_access_denied_{r}"] for r in ("auth", "cmd", "key", "channel")] == [0, 0, 0, 0]
