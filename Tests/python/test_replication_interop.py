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
                                 populate_every_type, replicate, wait_synced)

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
@pytest.mark.parametrize("master_kind,replica_kind", [("apus", "redis"), ("redis", "apus"), ("apus", "apus")])
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
