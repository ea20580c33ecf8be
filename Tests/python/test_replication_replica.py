"""What a replica answers, differentially: one master with an Apus replica and
a redis-server replica side by side, the same commands sent to both, the raw
replies compared byte for byte (offsets and link states masked where they
depend on timing). Also the errors of SYNC / PSYNC / REPLCONF / WAIT /
REPLICAOF on a master, Apus against redis-server.
"""

import time

import pytest

from support.differential import assert_same
from support.replication import (REPL_ARGS, client, info, poll, replicate, role,
                                 wait_synced)
from support.resp import encode_pipeline, parse


@pytest.fixture
def trio(apus_factory, redis_factory):
    """An Apus master, with one Apus and one redis-server replica."""
    master = apus_factory(extra_args=REPL_ARGS)
    ours = apus_factory(extra_args=REPL_ARGS)
    theirs = redis_factory(extra_args=REPL_ARGS)
    m = client(master)
    m.set("k", "v")
    m.rpush("l", "a", "b")
    replicate(ours, master)
    replicate(theirs, master)
    wait_synced(master, ours, theirs)
    return master, ours, theirs


def replies(srv, commands):
    with srv.client() as c:
        c.send_raw(encode_pipeline(commands))
        return c.read_replies(len(commands))


def same_replies(ours, theirs, commands, label=""):
    assert_same(replies(ours, commands), replies(theirs, commands), label)


def test_read_only_replica(trio):
    master, ours, theirs = trio
    commands = [
        ("SET", "k", "mine"), ("DEL", "k"), ("INCR", "n"), ("LPUSH", "l", "x"), ("GET", "k"),
        ("LRANGE", "l", "0", "-1"), ("MULTI",), ("SET", "k", "x"), ("GET", "k"), ("EXEC",),
        ("MULTI",), ("GET", "k"), ("EXEC",),
        ("WAIT", "1", "0"), ("REPLICAOF", "127.0.0.1", str(master.port)),
        ("SLAVEOF", "127.0.0.1", str(master.port)), ("FLUSHALL",), ("EXPIRE", "k", "10"),
    ]
    same_replies(ours, theirs, commands, "read-only replica")
    assert replies(ours, [("SET", "k", "mine")]) == [b"-READONLY You can't write against a read only replica.\r\n"]
    assert replies(ours, [("REPLICAOF", "127.0.0.1", str(master.port))]) == [b"+OK Already connected to specified master\r\n"]

    # replica-read-only no: writes are local to the replica.
    writable = [("CONFIG", "SET", "replica-read-only", "no"), ("SET", "local", "1"), ("GET", "local"),
                ("INCR", "local"), ("CONFIG", "SET", "replica-read-only", "yes"), ("SET", "local", "2")]
    same_replies(ours, theirs, writable, "replica-read-only no")
    assert client(master).get("local") is None


def test_replica_with_master_down(trio):
    master, ours, theirs = trio
    master.stop()
    for r in (ours, theirs):
        poll(lambda: info(r)["master_link_status"] == "down", what="link down")
    stale_ok = [("GET", "k"), ("SYNC",), ("PSYNC", "?", "-1"), ("SET", "k", "x"), ("DBSIZE",)]
    same_replies(ours, theirs, stale_ok, "serve-stale-data yes")
    assert replies(ours, [("SYNC",)]) == [b"-NOMASTERLINK Can't SYNC while not connected with my master\r\n"]

    stale_no = [("CONFIG", "SET", "replica-serve-stale-data", "no"), ("GET", "k"), ("PING",), ("DBSIZE",),
                ("SET", "k", "x"), ("SYNC",), ("CONFIG", "GET", "replica-serve-stale-data"), ("ECHO", "e"),
                ("MULTI",), ("GET", "k"), ("EXEC",), ("CLIENT", "SETNAME", "x"), ("DEBUG", "DIGEST")]
    same_replies(ours, theirs, stale_no, "serve-stale-data no")
    assert replies(ours, [("GET", "k")]) == [
        b"-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"]
    # INFO still answers, and says why.
    fields = info(ours)
    assert fields["master_link_status"] == "down"
    assert int(fields["master_link_down_since_seconds"]) >= 0
    assert set(info(theirs)) <= set(fields) | {"master_failover_state"}
    # ROLE: the same shape, a link state of Redis's set.
    for shape in (parse(replies(s, [("ROLE",)])[0]) for s in (ours, theirs)):
        kinds = [node[0] for node in shape[1]]
        assert kinds == ["$", "$", ":", "$", ":"]
        assert shape[1][3][1] in (b"connect", b"connecting")
        assert shape[1][4][1] == b"-1"


def masked_role(srv):
    """ROLE with the offsets and ports left out (they differ between servers)."""
    def mask(node):
        kind, value = node[0], node[1]
        if kind == "*":
            return [mask(n) for n in value]
        if kind == ":":
            return ":"
        if kind == "$" and value.isdigit():
            return "$digits"
        return (kind, value)
    return mask(parse(replies(srv, [("ROLE",)])[0]))


def test_role_and_info_shape(trio, redis_factory):
    master, ours, theirs = trio
    assert masked_role(ours) == masked_role(theirs)
    assert role(ours)[:4] == [b"slave", b"127.0.0.1", master.port, b"connected"]
    # A redis-server master with one redis-server replica: the same master-side shape as ours.
    their_master = redis_factory(extra_args=REPL_ARGS)
    their_replica = redis_factory(extra_args=REPL_ARGS)
    replicate(their_replica, their_master)
    client(master).execute_command("REPLICAOF", "NO", "ONE")  # no-op on a master
    client(ours).execute_command("REPLICAOF", "NO", "ONE")
    client(theirs).execute_command("REPLICAOF", "NO", "ONE")
    wait_synced(their_master, their_replica)
    poll(lambda: len(role(master)[2]) == 0, what="master to lose its replicas")
    other = apus_replica = client(ours)
    other.execute_command("REPLICAOF", "127.0.0.1", master.port)
    poll(lambda: info(ours)["master_link_status"] == "up", what="link up again")
    for m in (master, their_master):
        poll(lambda: len(role(m)[2]) == 1, what="one online replica")
    assert masked_role(master) == masked_role(their_master)
    assert role(master)[2][0][:2] == [b"127.0.0.1", str(ours.port).encode()]
    # The INFO replication fields a master shows, and those a replica shows.
    assert set(info(master)) == set(info(their_master))
    assert set(info(ours)) == set(info(their_replica))
    # CLIENT LIST flags: S for a replica on its master, M for the master on its replica.
    line = apus_replica.execute_command("CLIENT", "LIST", "TYPE", "master").decode()
    assert " flags=M " in line, line
    line = client(master).execute_command("CLIENT", "LIST", "TYPE", "replica").decode()
    assert " flags=S " in line, line


def test_replicaof_no_one_promotes(trio):
    master, ours, theirs = trio
    r = client(ours)
    assert r.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    fields = info(ours)
    assert fields["role"] == "master"
    assert "master_host" not in fields
    assert r.set("k", "promoted")
    assert r.get("k") == b"promoted"
    assert role(ours)[0] == b"master"
    # The old master no longer lists it.
    poll(lambda: info(master)["connected_slaves"] == "1", what="one replica left")
    assert client(master).get("k") == b"v"


@pytest.mark.parametrize("master_kind", ["apus", "redis"])
def test_logically_expired_key_on_replica(request, master_kind, apus_factory, redis_factory):
    """The master does not expire (active expiry off, nobody touches the key):
    on the replica the key reads as missing but is still stored."""
    master = (apus_factory if master_kind == "apus" else redis_factory)(extra_args=REPL_ARGS)
    ours = apus_factory(extra_args=REPL_ARGS)
    theirs = redis_factory(extra_args=REPL_ARGS)
    m = client(master)
    m.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    m.set("persistent", "p")
    replicate(ours, master)
    replicate(theirs, master)
    set_at = time.monotonic()
    m.set("short", "gone", px=200)
    m.hset("h", "f", "v")
    m.pexpire("h", 200)
    wait_synced(master, ours, theirs)
    time.sleep(max(0.0, set_at + 0.25 - time.monotonic()))
    commands = [("GET", "short"), ("EXISTS", "short", "h"), ("TTL", "short"), ("PTTL", "h"), ("TYPE", "short"),
                ("HGET", "h", "f"), ("DBSIZE",), ("SCAN", "0"), ("KEYS", "*"), ("RANDOMKEY",),
                ("OBJECT", "ENCODING", "short"), ("STRLEN", "short"), ("GET", "persistent"), ("DEBUG", "DIGEST")]
    same_replies(ours, theirs, commands, "expired key on a replica")
    assert replies(ours, [("DBSIZE",)]) == [b":3\r\n"]
    # INFO keyspace counts it too.
    assert info(ours, "keyspace")["db0"].startswith("keys=3,expires=2,")
    # Once the master touches it, its DEL removes it on the replicas.
    m.get("short")
    wait_synced(master, ours, theirs)
    same_replies(ours, theirs, [("DBSIZE",), ("SCAN", "0")], "after the master's DEL")
    assert replies(ours, [("DBSIZE",)]) == [b":2\r\n"]


MASTER_ERRORS = [
    ("REPLCONF", "foo", "bar"), ("REPLCONF", "a"), ("REPLCONF",), ("REPLCONF", "listening-port", "x"),
    ("REPLCONF", "listening-port", "123"), ("REPLCONF", "capa", "whatever"),
    ("REPLCONF", "ip-address", "a" * 255), ("REPLCONF", "ip-address", "a" * 256),
    ("REPLCONF", "rdb-only", "2"), ("REPLCONF", "rdb-only", "x"), ("REPLCONF", "listening-port", "1", "foo", "2"),
    ("PSYNC", "?", "notanumber"), ("PSYNC", "?"), ("SYNC", "extra"),
    ("WAIT", "1", "abc"), ("WAIT", "abc", "1"), ("WAIT", "1", "-1"), ("WAIT", "0", "0"), ("WAIT", "1"),
    ("REPLICAOF", "127.0.0.1", "99999"), ("REPLICAOF", "127.0.0.1", "abc"), ("REPLICAOF", "127.0.0.1"),
    ("SLAVEOF", "127.0.0.1", "-1"), ("REPLICAOF", "NO", "ONE"), ("ROLE", "x"),
]


def test_error_texts_on_a_master(apus_factory, redis_factory):
    ours = apus_factory(extra_args=REPL_ARGS)
    theirs = redis_factory(extra_args=REPL_ARGS)
    same_replies(ours, theirs, MASTER_ERRORS, "replication errors on a master")
    assert replies(ours, [("REPLCONF", "foo", "bar")]) == [b"-ERR Unrecognized REPLCONF option: foo\r\n"]
    assert replies(ours, [("PSYNC", "?", "notanumber")]) == [b"-ERR value is not an integer or out of range\r\n"]
    # REPLCONF ACK / GETACK from a normal client: no reply at all.
    with ours.client() as c, theirs.client() as d:
        for conn in (c, d):
            conn.send_raw(encode_pipeline([("REPLCONF", "ACK", "5"), ("REPLCONF", "GETACK", "*"), ("PING",)]))
        assert c.read_reply() == d.read_reply() == b"+PONG\r\n"


PAST_EXPIRIES = [
    ("SET", "a", "v", "PXAT", "1"), ("HSET", "h", "f", "v"), ("PEXPIREAT", "h", "1"),
    ("SET", "d", "v"), ("EXPIRE", "d", "-5"), ("RPUSH", "g", "x"), ("EXPIREAT", "g", "5"),
    ("SET", "x", "v"), ("GETEX", "x", "PXAT", "1"), ("SET", "y", "v", "EXAT", "1"), ("SET", "live", "v"),
]


def test_master_stream_with_past_expiries(apus_factory, redis_factory):
    """Times already past in the master's stream (its clock ran ahead, or the
    stream was late) store the keys expired on a replica; they wait for the
    master's DEL instead of vanishing (checkAlreadyExpired on a replica)."""
    from support.replication import FakeMaster
    observed = []
    for factory in (apus_factory, redis_factory):
        replica = factory(extra_args=REPL_ARGS)
        fake = FakeMaster()
        try:
            fake.serve(replica)
            fake.send(("SELECT", "0"), *PAST_EXPIRIES)
            fake.send(("DEL", "a", "h"))
            fake.send(("SET", "marker", "1"))
            poll(lambda: client(replica).exists("marker"), what="the stream to arrive")
            observed.append(replies(replica, [("DBSIZE",), ("GET", "a"), ("PTTL", "d"), ("EXISTS", "live", "x"),
                                              ("DEBUG", "DIGEST"), ("INFO", "keyspace")]))
            observed[-1].append(sorted(client(replica).keys()))
        finally:
            fake.close()
    assert_same(observed[0], observed[1], "past expiries from the master")
    assert observed[0][0] == b":6\r\n"


def test_rdb_filter_only(apus_factory, redis_factory):
    """REPLCONF rdb-filter-only (what redis-cli --replica sends): its errors,
    a filtered SYNC refused without capa eof, and an RDB without keys."""
    observed = []
    for factory in (apus_factory, redis_factory):
        srv = factory(extra_args=REPL_ARGS)
        client(srv).set("a-key-to-filter-out", "v")
        log = replies(srv, [("REPLCONF", "rdb-filter-only", "x"), ("REPLCONF", "rdb-filter-only", "functions x"),
                            ("REPLCONF", "rdb-filter-only", '"open'), ("REPLCONF", "rdb-filter-only", "FUNCTIONS")])
        with srv.client() as c:
            log.append(c.command("REPLCONF", "rdb-filter-only", ""))
            log.append(c.command("SYNC"))
        from support.replication import RawReplica
        filtered = RawReplica(srv, eof=True, filters="")
        full = RawReplica(srv, eof=True)
        log.append(b"a-key-to-filter-out" in filtered.rdb)
        log.append(b"a-key-to-filter-out" in full.rdb)
        filtered.close()
        full.close()
        observed.append(log)
    assert_same(observed[0], observed[1], "rdb-filter-only")
    assert observed[0][-2:] == [False, True]
