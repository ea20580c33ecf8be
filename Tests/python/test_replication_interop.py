"""Replication between Apus and Debian's redis-server, both ways, and chains.

Each test builds a master with data of every type (TTLs, several databases),
attaches a replica (full sync, diskless or disk-based on the master's side),
then sends live writes of every type through the stream (MULTI/EXEC, EXPIRE
rewritten as PEXPIREAT, SPOP as SREM, a lazily expired key as DEL, SELECT,
FLUSHDB / FLUSHALL). At the end DEBUG DIGEST and master_repl_offset must be
the same everywhere: the same data, and a stream of the same length.
"""

import pytest

from support.replication import (REPL_ARGS, assert_same_data, client, info, live_writes,
                                 populate_every_type, replicate, wait_link_up, wait_synced)

KINDS = {"apus": "apus_factory", "redis": "redis_factory"}


def start(request, kind, *extra):
    return request.getfixturevalue(KINDS[kind])(extra_args=REPL_ARGS + list(extra))


def check_live_replication(master, *replicas):
    m = client(master)
    wait_synced(master, *replicas)
    assert_same_data(master, *replicas)

    live_writes(m)
    wait_synced(master, *replicas)
    assert_same_data(master, *replicas)
    for r in replicas:
        rc = client(r)
        # EXPIRE went down as an absolute PEXPIREAT: the same instant everywhere.
        assert rc.execute_command("PEXPIRETIME", "s:raw") == m.execute_command("PEXPIRETIME", "s:raw")
        # The lazily expired key was deleted by the master's DEL, not just hidden.
        assert rc.dbsize() == m.dbsize()
        assert rc.get("tx:a") == b"2"
        rc.execute_command("SELECT", 3)
        assert rc.keys() == [b"db3:after"]

    m.flushall()
    m.set("after:flushall", "x")
    wait_synced(master, *replicas)
    assert_same_data(master, *replicas)
    for r in replicas:
        assert client(r).dbsize() == 1
        assert int(info(r, "keyspace").get("db9", "keys=0").split(",")[0].split("=")[1]) == 0


@pytest.mark.parametrize("diskless", ["yes", "no"])
# Apus -> Apus: in the chains and the two-replica test below.
@pytest.mark.parametrize("master_kind,replica_kind", [("apus", "redis"), ("redis", "apus")])
def test_full_sync_then_stream(request, master_kind, replica_kind, diskless):
    master = start(request, master_kind, "--repl-diskless-sync", diskless)
    populate_every_type(client(master))
    replica = start(request, replica_kind)
    replicate(replica, master)
    assert client(replica).get("s:int") == b"12345"
    check_live_replication(master, replica)
    full = int(info(master, "stats")["sync_full"])
    assert full == 1


@pytest.mark.parametrize("kinds", [("apus", "apus", "redis"), ("redis", "apus", "apus"), ("apus", "apus", "apus")])
def test_chain_relays_the_masters_stream(request, kinds):
    master = start(request, kinds[0])
    populate_every_type(client(master))
    middle = start(request, kinds[1])
    last = start(request, kinds[2])
    replicate(middle, master)
    replicate(last, middle)
    check_live_replication(master, middle, last)
    # The middle's replica follows the master's history: same replication ID down the chain.
    ids = {info(s)["master_replid"] for s in (master, middle, last)}
    assert len(ids) == 1


def test_master_with_two_replicas(request):
    master = start(request, "apus")
    populate_every_type(client(master))
    one = start(request, "apus")
    two = start(request, "redis")
    replicate(one, master)
    replicate(two, master)
    check_live_replication(master, one, two)
    assert info(master)["connected_slaves"] == "2"


@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_large_sync_with_writes_during_the_transfer(request, diskless):
    """5 MB of payload (more than the sockets buffer, so the transfer waits on
    them) to an Apus and a redis-server replica at once, and writes while the
    BGSAVE runs (buffered, then streamed)."""
    # 10 µs a key: the snapshot of 10000 keys takes a moment.
    master = start(request, "apus", "--repl-diskless-sync", diskless, "--rdb-key-save-delay", "10")
    with master.client() as c:
        for first in range(0, 10000, 2000):
            c.pipeline([("SET", "big:%d" % i, "v" * 500) for i in range(first, first + 2000)])
    replicas = [start(request, kind) for kind in ("apus", "redis")]
    for r in replicas:
        client(r).execute_command("REPLICAOF", "127.0.0.1", master.port)
    with master.client() as c:
        for n in range(20):
            c.pipeline([("INCR", "during"), ("RPUSH", "during:list", n)] * 25)
            if info(replicas[0])["master_link_status"] == "up":
                break
    for r in replicas:
        wait_link_up(r, timeout=20)
    client(master).set("after", "1")
    wait_synced(master, *replicas)
    assert_same_data(master, *replicas)
    assert client(replicas[0]).dbsize() == client(master).dbsize()
