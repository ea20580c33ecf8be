"""SLOWLOG against redis-server 7.0: with slowlog-log-slower-than 0 every command is logged, so
the entries' shape, argument trimming, redaction, names and which commands are skipped can be
compared exactly (ids, timestamps, durations and client ports are masked)."""

import pytest

from support.resp import RespClient

PROTOCOLS = [2, 3]


def entries(c, count=None):
    args = ["SLOWLOG", "GET"] + ([str(count)] if count is not None else [])
    reply = c.value(*args)
    masked = []
    for entry in reply:
        _id, _time, _duration, argv, peer, name = entry
        assert isinstance(_id, int) and isinstance(_time, int) and isinstance(_duration, int) and _duration >= 0
        masked.append((argv, peer.split(b":")[0], name))
    return masked


def scenario(server):
    c = RespClient(port=server.port)
    try:
        c.command("CONFIG", "SET", "slowlog-log-slower-than", "0")
        c.command("CONFIG", "SET", "slowlog-max-len", "128")
        c.command("SLOWLOG", "RESET")
        c.command("CLIENT", "SETNAME", "bob")
        c.command("SET", "k", "v" * 200)
        c.command("RPUSH", "l", *[str(i) for i in range(40)])
        c.command("EVAL", "redis.call('set','a','b') return 1", "0")
        c.command("MULTI")
        c.command("SET", "x", "1")
        c.command("EXEC")
        c.command("AUTH", "nopass")
        c.command("AUTH", "user", "pw")
        c.command("HELLO", "2", "AUTH", "default", "secret")
        c.command("CONFIG", "SET", "masterauth", "hidden")
        c.command("CONFIG", "GET", "masterauth")
        out = [entries(c), c.value("SLOWLOG", "LEN"), entries(c, 2), len(entries(c, -1))]
        out.append(c.command("SLOWLOG", "GET", "-2"))
        out.append(c.command("SLOWLOG", "GET", "x"))
        out.append(c.command("SLOWLOG", "NOPE"))
        out.append(c.command("SLOWLOG", "GET", "1", "2"))
        out.append(c.command("SLOWLOG", "HELP"))
        c.command("CONFIG", "SET", "slowlog-max-len", "3")
        c.command("PING")
        out.append(c.value("SLOWLOG", "LEN"))
        c.command("CONFIG", "SET", "slowlog-log-slower-than", "-1")
        c.command("SLOWLOG", "RESET")
        c.command("PING")
        out.append(c.value("SLOWLOG", "LEN"))
        c.command("CONFIG", "SET", "slowlog-log-slower-than", "1000000")
        c.command("PING")
        out.append(c.value("SLOWLOG", "LEN"))
        return out
    finally:
        c.command("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        c.command("CONFIG", "SET", "slowlog-max-len", "128")
        c.command("CONFIG", "SET", "masterauth", "")
        c.close()


def test_slowlog_matches_redis(apus, redis):
    assert scenario(apus) == scenario(redis)
