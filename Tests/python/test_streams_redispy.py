"""redis-py's stream API, unchanged, against Apus and redis-server 7.0, in RESP2 and RESP3
(protocol=3): the parsed results must hold the expected contents. redis-py parses XREAD
differently per protocol (a list of [key, entries] in RESP2, a dict in RESP3); `by_key`
folds both into a dict so one assertion covers both."""

import threading
import time

import pytest
import redis as redispy

from support.redispy_fixtures import connect, protocol, server_name  # noqa: F401


@pytest.fixture
def r(apus, redis, server_name, protocol):
    client = connect(apus if server_name == "apus" else redis, protocol)
    client.flushall()
    yield client
    client.flushall()
    client.close()


@pytest.fixture
def target(apus, redis, server_name):
    return apus if server_name == "apus" else redis


def by_key(reply):
    if isinstance(reply, dict):
        return {k: v[0] if isinstance(v, list) and len(v) == 1 and isinstance(v[0], list) else v
                for k, v in reply.items()}
    return {k: v for k, v in reply}


def entries(*pairs):
    return [(i.encode(), {k.encode(): v.encode() for k, v in f.items()}) for i, f in pairs]


def test_xadd_xrange_xlen(r):
    assert r.xadd("s", {"a": "1"}, id="1-1") == b"1-1"
    assert r.xadd("s", {"a": "2", "b": "x"}, id="1-2") == b"1-2"
    auto = r.xadd("s", {"c": "3"})
    ms, seq = auto.split(b"-")
    assert int(ms) > 1 and seq.isdigit()
    assert r.xlen("s") == 3
    assert r.xrange("s", "-", "1-2") == entries(("1-1", {"a": "1"}), ("1-2", {"a": "2", "b": "x"}))
    assert r.xrange("s", count=1) == entries(("1-1", {"a": "1"}))
    assert r.xrange("s", "(1-1", "(" + auto.decode()) == entries(("1-2", {"a": "2", "b": "x"}))
    assert [e[0] for e in r.xrevrange("s")] == [auto, b"1-2", b"1-1"]
    assert r.xrevrange("s", "+", "-", count=2)[1][0] == b"1-2"
    assert r.xrange("nokey") == []
    with pytest.raises(redispy.ResponseError, match="equal or smaller"):
        r.xadd("s", {"a": "1"}, id="1-1")
    with pytest.raises(redispy.ResponseError, match="Invalid stream ID"):
        r.xrange("s", "abc", "+")
    r.set("str", "x")
    with pytest.raises(redispy.ResponseError, match="WRONGTYPE"):
        r.xadd("str", {"a": "1"})
    assert r.type("s") == b"stream"


def test_xadd_options(r):
    assert r.xadd("none", {"f": "v"}, nomkstream=True) is None
    assert r.exists("none") == 0
    for i in range(1, 11):
        r.xadd("s", {"n": i}, id="%d-0" % i)
    assert r.xadd("s", {"n": 11}, id="11-0", maxlen=5, approximate=False) == b"11-0"
    assert [e[0] for e in r.xrange("s")] == [b"7-0", b"8-0", b"9-0", b"10-0", b"11-0"]
    r.xadd("s", {"n": 12}, id="12-0", minid="10", approximate=False)
    assert [e[0] for e in r.xrange("s")] == [b"10-0", b"11-0", b"12-0"]
    r.xadd("s", {"n": 13}, id="13-0", maxlen=1, approximate=True, limit=10)
    assert r.xlen("s") == 4           # ~ with 100-entry nodes trims nothing
    assert r.xadd("s", {"n": 14}, id="14-0", nomkstream=True) == b"14-0"
    with pytest.raises(redispy.ResponseError, match="LIMIT cannot be used without"):
        r.execute_command("XADD", "s", "MAXLEN", "1", "LIMIT", "5", "15-0", "f", "v")


def test_xdel_xtrim(r):
    for i in range(1, 21):
        r.xadd("s", {"n": i}, id="%d-0" % i)
    assert r.xdel("s", "1-0", "2-0", "99-0") == 2
    assert r.xdel("s", "1-0") == 0
    assert r.xtrim("s", maxlen=15, approximate=False) == 3
    assert r.xrange("s", count=1)[0][0] == b"6-0"
    assert r.xtrim("s", minid="10-0", approximate=False) == 4
    assert r.xtrim("s", maxlen=0, approximate=True, limit=10) == 0   # the one node has 11 > LIMIT entries
    assert r.xtrim("s", maxlen=5) == 0        # approximate by default: the node cannot go whole
    assert r.xlen("s") == 11
    assert r.xtrim("s", maxlen=0) == 11       # ...but can when nothing is to be kept
    assert r.xlen("s") == 0 and r.exists("s") == 1


def test_consumer_group_flow(r):
    for i in range(1, 6):
        r.xadd("s", {"n": i}, id="%d-0" % i)
    assert r.xgroup_create("s", "g", id="0") is True
    assert r.xgroup_create("new", "g", id="$", mkstream=True) is True
    assert r.xgroup_create("s", "g2", id="0", entries_read=2) is True
    with pytest.raises(redispy.ResponseError, match="BUSYGROUP"):
        r.xgroup_create("s", "g", id="0")
    assert r.xgroup_createconsumer("s", "g", "idle-one") == 1
    got = by_key(r.xreadgroup("g", "alice", {"s": ">"}, count=2))
    assert got == {b"s": entries(("1-0", {"n": "1"}), ("2-0", {"n": "2"}))}
    got = by_key(r.xreadgroup("g", "bob", {"s": ">"}, count=2))
    assert [e[0] for e in got[b"s"]] == [b"3-0", b"4-0"]
    history = by_key(r.xreadgroup("g", "alice", {"s": "0"}))
    assert [e[0] for e in history[b"s"]] == [b"1-0", b"2-0"]
    summary = r.xpending("s", "g")
    assert summary["pending"] == 4 and summary["min"] == b"1-0" and summary["max"] == b"4-0"
    assert sorted((c["name"], c["pending"]) for c in summary["consumers"]) == [(b"alice", 2), (b"bob", 2)]
    rng = r.xpending_range("s", "g", "-", "+", 10)
    assert [(p["message_id"], p["consumer"], p["times_delivered"]) for p in rng] == [
        (b"1-0", b"alice", 2), (b"2-0", b"alice", 2), (b"3-0", b"bob", 1), (b"4-0", b"bob", 1)]
    assert all(isinstance(p["time_since_delivered"], int) for p in rng)
    assert [p["message_id"] for p in r.xpending_range("s", "g", "-", "+", 10, consumername="bob")] == [b"3-0", b"4-0"]
    assert r.xpending_range("s", "g", "-", "+", 10, idle=3600000) == []
    assert r.xack("s", "g", "1-0", "3-0", "99-0") == 2
    assert r.xpending("s", "g")["pending"] == 2
    assert by_key(r.xreadgroup("g", "carol", {"s": ">"}, noack=True)) == {b"s": entries(("5-0", {"n": "5"}))}
    assert r.xpending("s", "g")["pending"] == 2
    with pytest.raises(redispy.ResponseError, match="NOGROUP"):
        r.xreadgroup("nog", "c", {"s": ">"})
    assert r.xgroup_delconsumer("s", "g", "bob") == 1
    assert r.xgroup_setid("s", "g", "0", entries_read=0) is True
    assert r.xgroup_destroy("s", "g2") == 1
    assert r.xgroup_destroy("s", "g2") == 0


def test_xclaim_xautoclaim(r):
    for i in range(1, 6):
        r.xadd("s", {"n": i}, id="%d-0" % i)
    r.xgroup_create("s", "g", id="0")
    r.xreadgroup("g", "alice", {"s": ">"})
    claimed = r.xclaim("s", "g", "bob", 0, ["1-0", "2-0"])
    assert claimed == entries(("1-0", {"n": "1"}), ("2-0", {"n": "2"}))
    assert r.xclaim("s", "g", "bob", 3600000, ["3-0"]) == []
    assert r.xclaim("s", "g", "bob", 0, ["3-0"], justid=True) == [b"3-0"]
    assert r.xclaim("s", "g", "carol", 0, ["4-0"], idle=100000000, retrycount=7, justid=True) == [b"4-0"]
    p = r.xpending_range("s", "g", "4-0", "4-0", 1)[0]
    assert p["consumer"] == b"carol" and p["times_delivered"] == 7 and p["time_since_delivered"] >= 100000000
    r.xadd("s", {"n": 6}, id="6-0")
    assert r.xclaim("s", "g", "dave", 0, ["6-0"], force=True, justid=True) == [b"6-0"]
    assert r.xclaim("s", "g", "dave", 0, ["5-0"], time=1000, justid=True) == [b"5-0"]
    r.xdel("s", "2-0")
    auto = r.xautoclaim("s", "g", "erin", 0, "0-0", count=2)
    assert auto[0] == b"3-0" and auto[1] == entries(("1-0", {"n": "1"}))
    assert auto[2] == [b"2-0"]                      # 7.0's third element: IDs that no longer exist
    auto = r.xautoclaim("s", "g", "erin", 0, "3-0", justid=True)
    assert auto == [b"3-0", b"4-0", b"5-0", b"6-0"]   # redis-py returns just the IDs with JUSTID
    assert r.xautoclaim("s", "g", "erin", 3600000, "0-0") == [b"0-0", [], []]
    assert r.xpending("s", "g")["consumers"] == [{"name": b"erin", "pending": 5}]


def test_xinfo(r):
    r.xadd("s", {"a": "1"}, id="1-0")
    r.xadd("s", {"a": "2"}, id="2-0")
    r.xadd("s", {"a": "3"}, id="3-0")
    r.xdel("s", "3-0")
    r.xgroup_create("s", "g", id="0")
    r.xreadgroup("g", "alice", {"s": ">"}, count=1)
    info = r.xinfo_stream("s")
    assert info["length"] == 2 and info["radix-tree-keys"] == 1 and info["groups"] == 1
    assert info["last-generated-id"] == b"3-0" and info["max-deleted-entry-id"] == b"3-0"
    assert info["entries-added"] == 3 and info["recorded-first-entry-id"] == b"1-0"
    assert info["first-entry"] == (b"1-0", {b"a": b"1"}) and info["last-entry"] == (b"2-0", {b"a": b"2"})
    full = r.xinfo_stream("s", full=True)
    assert full["length"] == 2
    assert full["entries"] == dict(entries(("1-0", {"a": "1"}), ("2-0", {"a": "2"})))   # redis-py makes it a dict
    group = full["groups"][0]
    assert group["name"] == b"g" and group["last-delivered-id"] == b"1-0" and group["pel-count"] == 1
    # 3-0 was deleted after the group's position, so neither counter can be derived (both nil)
    assert group["entries-read"] is None and group["lag"] is None
    assert [p[0] for p in group["pending"]] == [b"1-0"] and group["pending"][0][1] == b"alice"
    # redis-py 8 leaves these keys as bytes under protocol=3 and decodes them under RESP2
    consumer = {k.decode() if isinstance(k, bytes) else k: v for k, v in group["consumers"][0].items()}
    assert consumer["name"] == b"alice" and consumer["pel-count"] == 1 and "seen-time" in consumer
    groups = r.xinfo_groups("s")
    assert len(groups) == 1
    g = groups[0]
    assert (g["name"], g["consumers"], g["pending"], g["last-delivered-id"], g["entries-read"], g["lag"]) == \
        (b"g", 1, 1, b"1-0", None, None)
    consumers = r.xinfo_consumers("s", "g")
    assert [(c["name"], c["pending"]) for c in consumers] == [(b"alice", 1)]
    assert set(consumers[0]) == {"name", "pending", "idle"}        # 7.0: no 'inactive'
    r.xreadgroup("g", "alice", {"s": ">"})
    assert r.xinfo_groups("s")[0]["lag"] is None          # still behind the last ID, 3-0
    r.xadd("s", {"a": "4"}, id="4-0")
    r.xreadgroup("g", "alice", {"s": ">"})
    assert (r.xinfo_groups("s")[0]["entries-read"], r.xinfo_groups("s")[0]["lag"]) == (4, 0)
    with pytest.raises(redispy.ResponseError, match="no such key"):
        r.xinfo_stream("nokey")


def test_xsetid_via_execute_command(r):
    r.xadd("s", {"a": "1"}, id="5-0")
    assert r.execute_command("XSETID", "s", "10-0", "ENTRIESADDED", "3", "MAXDELETEDID", "7-0") in (b"OK", True, "OK")
    info = r.xinfo_stream("s")
    assert info["last-generated-id"] == b"10-0" and info["entries-added"] == 3
    assert info["max-deleted-entry-id"] == b"7-0"


def test_xread_and_block(r, target, protocol):
    r.xadd("s", {"a": "1"}, id="1-0")
    r.xadd("t", {"b": "2"}, id="1-0")
    got = by_key(r.xread({"s": "0", "t": "0"}, count=1))
    assert got == {b"s": entries(("1-0", {"a": "1"})), b"t": entries(("1-0", {"b": "2"}))}
    empty = r.xread({"s": "$"}, block=50)
    assert empty in (None, [], {})
    other = connect(target, protocol)
    results = []

    def reader():
        results.append(other.xread({"s": "$", "t": "$"}, block=5000))
    thread = threading.Thread(target=reader)
    thread.start()
    deadline = time.monotonic() + 5
    while int(r.info("clients")["blocked_clients"]) != 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    r.xadd("t", {"c": "3"}, id="2-0")
    thread.join(5)
    other.close()
    assert by_key(results[0]) == {b"t": entries(("2-0", {"c": "3"}))}


def test_xreadgroup_block(r, target, protocol):
    r.xgroup_create("s", "g", id="$", mkstream=True)
    other = connect(target, protocol)
    results = []

    def reader():
        results.append(other.xreadgroup("g", "c", {"s": ">"}, block=5000, count=1))
    thread = threading.Thread(target=reader)
    thread.start()
    deadline = time.monotonic() + 5
    while int(r.info("clients")["blocked_clients"]) != 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    r.xadd("s", {"x": "y"}, id="1-0")
    thread.join(5)
    other.close()
    assert by_key(results[0]) == {b"s": entries(("1-0", {"x": "y"}))}
    assert r.xpending("s", "g")["pending"] == 1
