"""redis-py's PubSub object, unchanged, against Apus: subscribe / psubscribe with
get_message() (compared message by message with redis-server 7.0, RESP2 and
RESP3) and run_in_thread() with handlers."""

import threading
import time

import pytest
import redis as redispy

from support.integration import wait_until


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def resp(request):
    return request.param


def redispy_get_message_flow(server, protocol):
    r = redispy.Redis(host=server.host, port=server.port, protocol=protocol, socket_timeout=10)
    p = r.pubsub()
    got = []

    def next_message(kind=None):
        deadline = time.time() + 5
        while time.time() < deadline:
            m = p.get_message(timeout=0.5)
            if m is not None and (kind is None or m["type"] == kind):
                return m
        raise AssertionError("no %s message" % (kind or "any"))

    try:
        p.subscribe("news")
        got.append(next_message("subscribe"))
        p.psubscribe("n*")
        got.append(next_message("psubscribe"))
        assert r.publish("news", "hello") == 2
        got.append(next_message())
        got.append(next_message())
        p.unsubscribe("news")
        got.append(next_message("unsubscribe"))
        p.punsubscribe()
        got.append(next_message("punsubscribe"))
        assert r.publish("news", "late") == 0
        assert p.get_message(timeout=0.1) is None
    finally:
        p.close()
        r.close()
    return got


def test_redispy_get_message(apus, redis, resp):
    a = redispy_get_message_flow(apus, resp)
    assert a == redispy_get_message_flow(redis, resp)
    assert [m["type"] for m in a] == ["subscribe", "psubscribe", "message", "pmessage", "unsubscribe", "punsubscribe"]
    assert a[2]["data"] == b"hello" and a[3]["pattern"] == b"n*"


def test_redispy_run_in_thread(apus, resp):
    r = redispy.Redis(host=apus.host, port=apus.port, protocol=resp, socket_timeout=10)
    p = r.pubsub()
    received = []
    done = threading.Event()

    def handler(message):
        received.append(message["data"])
        if len(received) == 20:
            done.set()

    p.subscribe(**{"ticks": handler})
    p.psubscribe(**{"tick*": handler})
    worker = p.run_in_thread(sleep_time=0.01, daemon=True)
    try:
        wait_until(lambda: r.pubsub_numsub("ticks") == [(b"ticks", 1)] and r.pubsub_numpat() == 1,
                   timeout=5, what="the thread's subscriptions")
        for i in range(10):
            assert r.publish("ticks", str(i)) == 2
        assert done.wait(5), received
        assert sorted(received) == sorted([str(i).encode() for i in range(10)] * 2)
    finally:
        worker.stop()
        worker.join(5)
        p.close()
        r.close()
    wait_until(lambda: redispy.Redis(host=apus.host, port=apus.port).pubsub_numpat() == 0,
               timeout=5, what="the pattern gone")
