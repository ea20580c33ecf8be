"""Partial resynchronization (PSYNC with the backlog) between Apus and
redis-server: after a killed link, after a backlog overflow (a full sync
instead), and PSYNC2 after a promotion (the old replication ID kept as the
secondary one, so the other replica continues from the new master's backlog).
"""

import pytest

from support.replication import (REPL_ARGS, assert_same_data, client, info, poll,
                                 populate_every_type, replicate, wait_link_up, wait_synced)
from support.resp import encode_pipeline

KINDS = {"apus": "apus_factory", "redis": "redis_factory"}
PAIRS = [("apus", "redis"), ("redis", "apus"), ("apus", "apus")]


def start(request, kind, *extra):
    return request.getfixturevalue(KINDS[kind])(extra_args=REPL_ARGS + list(extra))


def stats(srv):
    fields = info(srv, "stats")
    return {k: int(fields[k]) for k in ("sync_full", "sync_partial_ok", "sync_partial_err")}


def pipelined(srv, commands):
    """Commands in one write: the master runs them in one go, before the
    replica can reconnect (it retries from its once-a-second cron)."""
    with srv.client() as c:
        c.send_raw(encode_pipeline(commands))
        return c.read_replies(len(commands))


def synced_pair(request, master_kind, replica_kind, *master_args):
    master = start(request, master_kind, *master_args)
    populate_every_type(client(master))
    replica = start(request, replica_kind)
    replicate(replica, master)
    wait_synced(master, replica)
    return master, replica


@pytest.mark.parametrize("killed_on", ["replica", "master"])
@pytest.mark.parametrize("master_kind,replica_kind", PAIRS)
def test_partial_resync_after_killed_link(request, master_kind, replica_kind, killed_on):
    master, replica = synced_pair(request, master_kind, replica_kind)
    before = stats(master)
    writes = [("SET", "during:%d" % i, "v" * 100) for i in range(20)] + [("INCR", "s:int"), ("SADD", "set:int", 999)]
    if killed_on == "master":
        replies = pipelined(master, [("CLIENT", "KILL", "TYPE", "replica")] + writes)
        assert replies[0] == b":1\r\n"
    else:
        assert client(replica).execute_command("CLIENT", "KILL", "TYPE", "master") == 1
        pipelined(master, writes)
    poll(lambda: stats(master)["sync_partial_ok"] == before["sync_partial_ok"] + 1,
         what="sync_partial_ok to increase on the master")
    wait_link_up(replica)
    wait_synced(master, replica)
    assert_same_data(master, replica)
    after = stats(master)
    assert after["sync_full"] == before["sync_full"]
    assert after["sync_partial_err"] == before["sync_partial_err"]
    assert client(replica).get("during:19") == b"v" * 100


@pytest.mark.parametrize("master_kind,replica_kind", PAIRS)
def test_backlog_overflow_means_full_resync(request, master_kind, replica_kind):
    master, replica = synced_pair(request, master_kind, replica_kind, "--repl-backlog-size", "16kb")
    before = stats(master)
    # 40 KB written while the replica is away: more than the backlog holds.
    writes = [("SET", "big:%d" % i, "x" * 1024) for i in range(40)]
    replies = pipelined(master, [("CLIENT", "KILL", "TYPE", "replica")] + writes)
    assert replies[0] == b":1\r\n"
    poll(lambda: stats(master)["sync_full"] == before["sync_full"] + 1, what="a new full sync")
    wait_link_up(replica)
    wait_synced(master, replica)
    assert_same_data(master, replica)
    after = stats(master)
    assert after["sync_partial_ok"] == before["sync_partial_ok"]
    assert after["sync_partial_err"] == before["sync_partial_err"] + 1


@pytest.mark.parametrize("kinds", [("apus", "apus", "apus"), ("redis", "apus", "redis"), ("apus", "redis", "apus")])
def test_psync2_after_promotion(request, kinds):
    """M with replicas A and B; M goes away, A is promoted, B follows A and
    continues with a partial resync from A's backlog under M's old ID."""
    m = start(request, kinds[0])
    a = start(request, kinds[1])
    b = start(request, kinds[2])
    populate_every_type(client(m))
    replicate(a, m)
    replicate(b, m)
    client(m).set("last", "from-m")
    wait_synced(m, a, b)
    old_id = info(m)["master_replid"]
    m.stop()
    # Without M nothing moves: A and B stay at the same offset.
    offset = poll(lambda: info(a)["master_repl_offset"] == info(b)["master_repl_offset"]
                  and info(a)["master_repl_offset"], what="A and B at one offset")

    assert client(a).execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    promoted = info(a)
    assert promoted["role"] == "master"
    assert promoted["master_replid2"] == old_id
    assert promoted["master_replid"] != old_id
    assert promoted["second_repl_offset"] == str(int(offset) + 1)

    client(b).execute_command("REPLICAOF", "127.0.0.1", a.port)
    poll(lambda: stats(a)["sync_partial_ok"] == 1, what="B's partial resync with A")
    wait_link_up(b)
    assert stats(a)["sync_full"] == 0
    client(a).set("after", "promotion")
    wait_synced(a, b)
    assert_same_data(a, b)
    assert client(b).get("after") == b"promotion"
    # B took A's new ID, keeping M's as its secondary one.
    fields = info(b)
    assert fields["master_replid"] == promoted["master_replid"]
    assert fields["master_replid2"] == old_id


@pytest.mark.parametrize("kinds", [("redis", "apus", "apus"), ("apus", "apus", "redis"), ("apus", "redis", "apus")])
def test_partial_resync_in_a_chain_keeps_the_sub_replica(request, kinds):
    """M -> A -> B: A's link to M is killed; A continues from M's backlog and
    B, which follows the same history, stays attached to A throughout."""
    m = start(request, kinds[0])
    a = start(request, kinds[1])
    b = start(request, kinds[2])
    populate_every_type(client(m))
    replicate(a, m)
    replicate(b, a)
    wait_synced(m, a, b)
    before_m, before_a = stats(m), stats(a)
    assert client(a).execute_command("CLIENT", "KILL", "TYPE", "master") == 1
    pipelined(m, [("SET", "during:%d" % i, i) for i in range(20)])
    poll(lambda: stats(m)["sync_partial_ok"] == before_m["sync_partial_ok"] + 1, what="A's partial resync")
    wait_link_up(a)
    wait_synced(m, a, b)
    assert_same_data(m, a, b)
    assert stats(m)["sync_full"] == before_m["sync_full"]
    # B never had to sync again.
    assert stats(a) == before_a
    assert client(b).get("during:19") == b"19"


@pytest.mark.parametrize("kinds", [("apus", "apus"), ("apus", "redis"), ("redis", "apus")])
def test_old_master_rejoins_the_promoted_replica_partially(request, kinds):
    """Failover the other way round: A is promoted while M still runs, then M
    becomes A's replica and continues from A's backlog (M's own history is
    A's secondary ID, up to where A left it)."""
    # No PING from M after A leaves: M's stream stays where A's copy of it ends.
    quiet = ["--repl-ping-replica-period", "3600"]
    m = request.getfixturevalue(KINDS[kinds[0]])(extra_args=["--repl-diskless-sync-delay", "0"] + quiet)
    a = start(request, kinds[1])
    populate_every_type(client(m))
    replicate(a, m)
    client(m).set("last", "from-m")
    wait_synced(m, a)
    old_id = info(m)["master_replid"]
    assert client(a).execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    poll(lambda: info(m)["connected_slaves"] == "0", what="M to see A go")
    client(a).set("on", "a")
    client(m).execute_command("REPLICAOF", "127.0.0.1", a.port)
    poll(lambda: stats(a)["sync_partial_ok"] == 1, what="M's partial resync with A")
    wait_link_up(m)
    assert stats(a)["sync_full"] == 0
    wait_synced(a, m)
    assert_same_data(a, m)
    assert client(m).get("on") == b"a"
    fields = info(m)
    assert fields["master_replid"] == info(a)["master_replid"]
    assert fields["master_replid2"] == old_id


def test_link_lost_inside_a_transaction(apus_factory, redis_factory):
    """The master's link drops between MULTI and EXEC: the queued commands never
    ran, so the replica's offset stays before MULTI and its PSYNC asks for the
    transaction again (Redis advances reploff only outside MULTI)."""
    from support.replication import FakeMaster
    observed = []
    for factory in (apus_factory, redis_factory):
        replica = factory(extra_args=REPL_ARGS)
        fake = FakeMaster()
        try:
            fake.serve(replica)
            fake.send(("SELECT", "0"), ("SET", "before", "1"))
            before = len(fake.stream)
            poll(lambda: client(replica).exists("before"), what="the first write")
            fake.send(("MULTI",), ("SET", "inside", "1"))
            poll(lambda: info(replica)["slave_read_repl_offset"] == str(len(fake.stream)), what="MULTI read")
            wanted = fake.drop_and_continue()
            fake.send(("INCR", "inside"), ("EXEC",), ("SET", "after", "1"))
            poll(lambda: client(replica).exists("after"), what="the stream after the resync")
            observed.append((wanted - 1 - before, client(replica).get("inside")))
        finally:
            fake.close()
    assert observed[0] == observed[1]
    assert observed[1] == (0, b"2")
