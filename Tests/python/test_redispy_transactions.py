"""redis-py's transaction paths — pipeline(transaction=True), WATCH / WatchError,
Redis.transaction(), Lock — against Apus and, as the reference, against
redis-server 7.0, in RESP2 and RESP3. Each test asserts the values it expects on
both servers, and where the values depend on the protocol's types, that Apus
gives exactly what Redis gives.

Lock.release(), extend() and reacquire() run Lua scripts (EVALSHA, SCRIPT LOAD).
"""

import threading

import pytest
import redis as redispy
from redis.exceptions import ExecAbortError, LockNotOwnedError, ResponseError, WatchError  # noqa: F401


from support.redispy_fixtures import connect, protocol, server_name  # noqa: F401


@pytest.fixture
def pair(apus, redis, protocol):
    """(apus client, redis client), both flushed."""
    clients = (connect(apus, protocol), connect(redis, protocol))
    for c in clients:
        c.flushall()
    yield clients
    for c in clients:
        c.flushall()
        c.close()


@pytest.fixture
def r(apus, redis, server_name, protocol):
    client = connect(apus if server_name == "apus" else redis, protocol)
    client.flushall()
    yield client
    client.flushall()
    client.close()


def other_client(r):
    kwargs = r.connection_pool.connection_kwargs
    return redispy.Redis(host=kwargs["host"], port=kwargs["port"], protocol=kwargs.get("protocol", 2),
                         socket_timeout=10)


# ===========================================================================
# pipeline(transaction=True)
# ===========================================================================

def test_pipeline_transaction_values(r):
    r.set("s", "10")
    with r.pipeline(transaction=True) as pipe:
        pipe.incr("s").get("s").set("k", "v").get("missing").rpush("l", "a", "b").lrange("l", 0, -1)
        pipe.sadd("set", "x").sismember("set", "x").exists("s", "l", "nokey").delete("k")
        assert pipe.execute() == [11, b"11", True, None, 2, [b"a", b"b"], 1, True, 2, 1]
    assert r.get("s") == b"11" and r.exists("k") == 0


def test_pipeline_transaction_protocol_typed_values(pair):
    """Hashes, scores, floats: whatever the protocol makes of them, as Redis does."""
    results = []
    for c in pair:
        c.hset("h", mapping={"f": "v", "g": "w"})
        with c.pipeline(transaction=True) as pipe:
            pipe.hgetall("h").zadd("z", {"a": 1.5, "b": 2}).zrange("z", 0, -1, withscores=True)
            pipe.zscore("z", "a").incrbyfloat("f", 0.25).zpopmin("z").hgetall("nohash").ttl("h")
            results.append(pipe.execute())
    assert results[0] == results[1]
    assert results[1][0] == {b"f": b"v", b"g": b"w"} and results[1][3] == 1.5 and results[1][4] == 0.25


def test_pipeline_transaction_runtime_error(r):
    r.set("s", "abc")
    with r.pipeline(transaction=True) as pipe:
        pipe.set("a", "1").incr("s").incr("a")
        with pytest.raises(ResponseError, match="not an integer"):
            pipe.execute()
    assert r.get("a") == b"2"  # the rest of the transaction ran
    with r.pipeline(transaction=True) as pipe:
        pipe.set("a", "5").lpush("s", "x").get("a")
        first, error, last = pipe.execute(raise_on_error=False)
    assert first is True and last == b"5"
    assert isinstance(error, ResponseError) and "WRONGTYPE" in str(error)


def test_pipeline_transaction_queue_time_error_discards_everything(r):
    with r.pipeline(transaction=True) as pipe:
        pipe.set("a", "1").execute_command("NOSUCHCOMMAND", "x").set("b", "2")
        with pytest.raises(ResponseError, match="unknown command"):
            pipe.execute()
    assert r.exists("a", "b") == 0
    with r.pipeline(transaction=True) as pipe:
        pipe.set("a", "1").execute_command("GET")  # wrong arity
        with pytest.raises(ResponseError, match="wrong number of arguments"):
            pipe.execute()
    assert r.exists("a") == 0
    assert r.ping() is True  # the connection is out of MULTI


def test_empty_pipeline_transaction(r):
    with r.pipeline(transaction=True) as pipe:
        assert pipe.execute() == []


def test_pipeline_transaction_blocking_commands_do_not_block(r):
    with r.pipeline(transaction=True) as pipe:
        pipe.blpop(["empty"], timeout=0).bzpopmin(["emptyz"], timeout=0).blmove("e", "d", 0, "LEFT", "RIGHT")
        assert pipe.execute() == [None, None, None]


# ===========================================================================
# WATCH
# ===========================================================================

def test_watch_then_concurrent_change_raises_watch_error(r):
    other = other_client(r)
    try:
        r.set("k", "1")
        with r.pipeline(transaction=True) as pipe:
            pipe.watch("k")
            assert pipe.get("k") == b"1"  # immediate mode while watching
            other.set("k", "1")           # same value: still a change
            pipe.multi()
            pipe.set("k", "2")
            with pytest.raises(WatchError):
                pipe.execute()
        assert r.get("k") == b"1"
    finally:
        other.close()


def test_watch_without_change_executes(r):
    r.set("k", "1")
    with r.pipeline(transaction=True) as pipe:
        pipe.watch("k", "other")
        value = int(pipe.get("k"))
        pipe.multi()
        pipe.set("k", value + 1)
        assert pipe.execute() == [True]
    assert r.get("k") == b"2"


def test_pipeline_reset_unwatches(r):
    other = other_client(r)
    try:
        with r.pipeline(transaction=True) as pipe:
            pipe.watch("k")
            pipe.reset()  # UNWATCH
            other.set("k", "changed")
            pipe.multi()
            pipe.get("k")
            assert pipe.execute() == [b"changed"]
    finally:
        other.close()


def test_watch_error_on_expiry_and_flush(r):
    other = other_client(r)
    try:
        r.set("k", "v")
        with r.pipeline(transaction=True) as pipe:
            pipe.watch("k")
            other.flushdb()
            pipe.multi()
            pipe.set("k", "new")
            with pytest.raises(WatchError):
                pipe.execute()
        assert r.exists("k") == 0
    finally:
        other.close()


def test_transaction_helper_retries_after_a_concurrent_change(r):
    other = other_client(r)
    calls = []

    def bump(pipe):
        current = int(pipe.get("counter") or 0)
        calls.append(current)
        if len(calls) == 1:
            other.set("counter", "100")  # lose the first race
        pipe.multi()
        pipe.set("counter", current + 1)

    try:
        r.set("counter", "5")
        assert r.transaction(bump, "counter") == [True]
        assert calls == [5, 100]
        assert r.get("counter") == b"101"
        assert r.transaction(bump, "counter", value_from_callable=True) is None
        assert r.get("counter") == b"102"
    finally:
        other.close()


def test_concurrent_increments_through_watch_are_not_lost(r):
    """Optimistic locking: 4 threads x 25 WATCH/GET/MULTI/SET/EXEC increments."""
    kwargs = r.connection_pool.connection_kwargs
    r.set("n", "0")

    def worker():
        c = redispy.Redis(host=kwargs["host"], port=kwargs["port"], protocol=kwargs.get("protocol", 2),
                          socket_timeout=10)
        try:
            for _ in range(25):
                c.transaction(lambda pipe: (lambda v: (pipe.multi(), pipe.set("n", v + 1)))(int(pipe.get("n"))),
                              "n")
        finally:
            c.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert r.get("n") == b"100"


# ===========================================================================
# Lock
# ===========================================================================

def test_lock_acquire_and_locked(r):
    lock = r.lock("resource", timeout=10)
    assert lock.locked() is False
    assert lock.acquire(blocking=False) is True
    assert lock.locked() is True and lock.owned() is True
    assert 0 < r.pttl("resource") <= 10000
    rival = r.lock("resource", timeout=10)
    assert rival.acquire(blocking=False) is False
    assert rival.acquire(blocking=True, blocking_timeout=0.05) is False
    assert rival.owned() is False
    r.delete("resource")
    assert rival.acquire(blocking=False) is True and lock.owned() is False


def test_lock_expires_with_its_timeout(r):
    lock = r.lock("resource", timeout=0.05)
    assert lock.acquire(blocking=False) is True
    rival = r.lock("resource", timeout=10)
    assert rival.acquire(blocking=True, blocking_timeout=5) is True


def test_lock_release(r):
    lock = r.lock("resource", timeout=10)
    assert lock.acquire(blocking=False) is True
    lock.release()
    assert lock.locked() is False
    # Released behind its back and taken by a rival: the script refuses to release it.
    assert lock.acquire(blocking=False) is True
    r.delete("resource")
    rival = r.lock("resource", timeout=10)
    assert rival.acquire(blocking=False) is True
    with pytest.raises(LockNotOwnedError):
        lock.release()
    assert rival.owned() is True


def test_lock_extend_and_reacquire(r):
    lock = r.lock("resource", timeout=10)
    assert lock.acquire(blocking=False) is True
    assert lock.extend(20) is True
    assert 20000 < r.pttl("resource") <= 30000
    assert lock.extend(5, replace_ttl=True) is True
    assert r.pttl("resource") <= 5000
    assert lock.reacquire() is True
    assert 5000 < r.pttl("resource") <= 10000


def test_lock_as_context_manager(r):
    # Leaving the block releases the lock (a script).
    with r.lock("resource", timeout=10) as lock:
        assert lock.owned() is True
    assert r.exists("resource") == 0
