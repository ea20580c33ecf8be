"""redis-py's scripting paths — Redis.eval / evalsha / eval_ro, Script objects from
register_script (EVALSHA, then SCRIPT LOAD + EVALSHA again on NOSCRIPT), script_exists /
script_flush / script_load, errors raised as exceptions, scripts inside pipelines — against Apus
and, as the reference, redis-server 7.0, in RESP2 and RESP3. Each test asserts the values it
expects on both servers; where the values depend on the protocol, Apus must give what Redis
gives. (redis-py's Lock, which is built on scripts, is tested in test_redispy_transactions.py.)
"""

import hashlib

import pytest
import redis as redispy
from redis.exceptions import NoScriptError, ResponseError


from support.redispy_fixtures import connect, protocol, server_name  # noqa: F401


@pytest.fixture
def r(apus, redis, server_name, protocol):
    client = connect(apus if server_name == "apus" else redis, protocol)
    client.flushall()
    client.script_flush()
    yield client
    client.flushall()
    client.close()


@pytest.fixture
def pair(apus, redis, protocol):
    clients = (connect(apus, protocol), connect(redis, protocol))
    for c in clients:
        c.flushall()
        c.script_flush()
    yield clients
    for c in clients:
        c.flushall()
        c.close()


def test_eval_keys_and_args(r):
    assert r.eval("return redis.call('set', KEYS[1], ARGV[1])", 1, "k", "v") in (b"OK", True)
    assert r.get("k") == b"v"
    assert r.eval("return {KEYS[1], KEYS[2], ARGV[1], #ARGV}", 2, "a", "b", "c") == [b"a", b"b", b"c", 1]
    assert r.eval("return redis.call('incrby', KEYS[1], ARGV[1])", 1, "n", 5) == 5
    assert r.eval_ro("return redis.call('get', KEYS[1])", 1, "k") == b"v"


def test_eval_errors_raise(r):
    with pytest.raises(ResponseError, match="Unknown Redis command called from script"):
        r.eval("return redis.call('nosuch')", 0)
    r.set("s", "x")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        r.eval("return redis.call('lpush', KEYS[1], 'a')", 1, "s")
    with pytest.raises(ResponseError, match="Error compiling script"):
        r.eval("this is not lua", 0)
    with pytest.raises(ResponseError, match="Write commands are not allowed from read-only scripts"):
        r.eval_ro("return redis.call('set', 'a', 'b')", 0)
    with pytest.raises(ResponseError, match="MY custom"):
        r.eval("return redis.error_reply('MY custom')", 0)
    with pytest.raises(NoScriptError):
        r.evalsha("0" * 40, 0)


def test_register_script_loads_on_noscript(r):
    script = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
    assert r.script_exists(script.sha) == [False]
    # The first call gets NOSCRIPT from EVALSHA, loads the script and runs it again.
    assert script(keys=["counter"], args=[2]) == 2
    assert r.script_exists(script.sha) == [True]
    assert script(keys=["counter"], args=[3]) == 5
    r.script_flush()
    assert script(keys=["counter"], args=[1]) == 6


def test_script_load_and_evalsha(r):
    sha = r.script_load("return ARGV[1] .. ARGV[2]")
    assert sha == hashlib.sha1(b"return ARGV[1] .. ARGV[2]").hexdigest()
    assert r.evalsha(sha, 0, "ab", "cd") == b"abcd"
    assert r.evalsha(sha.upper(), 0, "x", "y") == b"xy"
    assert r.script_exists(sha, "f" * 40) == [True, False]


def test_scripts_in_pipeline(r):
    script = r.register_script("return redis.call('incr', KEYS[1])")
    with r.pipeline(transaction=True) as pipe:
        pipe.set("c", 10)
        script(keys=["c"], client=pipe)
        pipe.eval("return redis.call('get', KEYS[1])", 1, "c")
        results = pipe.execute()
    assert results[1:] == [11, b"11"]


def comparable(value):
    """Errors inside replies as their text (exception objects do not compare equal)."""
    if isinstance(value, Exception):
        return ("error", str(value))
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    return value


def test_conversions_match_redis(pair):
    a, r = pair
    scripts = [
        "return {1, 2.9, 'x', true, false, {err='inner'}}",
        "return {ok='fine'}",
        "redis.setresp(3) return redis.call('hgetall', KEYS[1])",
        "redis.setresp(3) return {map={a=1}}",
        "redis.setresp(3) return {set={x=true}}",
        "redis.setresp(3) return {double=1.5}",
        "redis.setresp(3) return true",
        "return redis.call('hgetall', KEYS[1])",
    ]
    for c in (a, r):
        c.hset("h", mapping={"f": "v"})
    for script in scripts:
        results = []
        for c in (a, r):
            try:
                results.append(("value", comparable(c.eval(script, 1, "h"))))
            except ResponseError as e:
                results.append(("error", str(e)))
        assert results[0] == results[1], script
