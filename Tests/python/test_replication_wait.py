"""WAIT and min-replicas-to-write, on an Apus master with Apus and
redis-server replicas, and on a redis-server master with an Apus replica
(whose answers to REPLCONF GETACK the count relies on)."""

import time

import pytest

from support.differential import assert_same
from support.replication import REPL_ARGS, client, info, poll, replicate, wait_online
from support.resp import encode_pipeline

KINDS = {"apus": "apus_factory", "redis": "redis_factory"}


def start(request, kind, *extra):
    return request.getfixturevalue(KINDS[kind])(extra_args=REPL_ARGS + list(extra))


def replies(srv, commands):
    with srv.client() as c:
        c.send_raw(encode_pipeline(commands))
        return c.read_replies(len(commands))


# An Apus master counting, an Apus replica answering GETACK.
@pytest.mark.parametrize("master_kind,replica_kind", [("apus", "redis"), ("redis", "apus")])
def test_wait_counts_acknowledging_replicas(request, master_kind, replica_kind):
    master = start(request, master_kind)
    assert replies(master, [("WAIT", "0", "0"), ("WAIT", "1", "50")]) == [b":0\r\n", b":0\r\n"]
    replica = start(request, replica_kind)
    replicate(replica, master)
    wait_online(master, 1)
    with master.client() as c:
        assert c.command("SET", "k", "v") == b"+OK\r\n"
        assert c.command("WAIT", "1", "0") == b":1\r\n"
        for i in range(50):
            c.send_command("INCR", "n")
        c.read_replies(50)
        assert c.command("WAIT", "1", "0") == b":1\r\n"
        # Two wanted, one there: the timeout decides, and the count is still 1.
        started = time.monotonic()
        assert c.command("WAIT", "2", "100") == b":1\r\n"
        # It waited (the server's clock counts whole milliseconds: allow for the truncation).
        assert time.monotonic() - started >= 0.095
    assert client(replica).get("n") == b"50"
    # The replica's ACKs moved its offset in the master's INFO to the master's own.
    poll(lambda: "offset=%s," % info(master)["master_repl_offset"] in info(master)["slave0"],
         what="the replica's acknowledged offset")


def test_wait_unblocked_by_role_change(apus_factory):
    master = apus_factory(extra_args=REPL_ARGS)
    other = apus_factory(extra_args=REPL_ARGS)
    with master.client() as c:
        c.command("SET", "k", "v")
        c.send_command("WAIT", "1", "0")
        time.sleep(0.05)
        client(master).execute_command("REPLICAOF", "127.0.0.1", other.port)
        assert c.read_reply() == b"-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n"


MIN_REPLICAS = ["--min-replicas-to-write", "1", "--min-replicas-max-lag", "10"]


def min_replicas_scenario(request, kind):
    master = start(request, kind, *MIN_REPLICAS)
    log = replies(master, [("SET", "k", "v"), ("GET", "k"), ("MULTI",), ("SET", "k", "v"), ("EXEC",),
                           ("MULTI",), ("GET", "k"), ("EXEC",), ("INCR", "n"), ("CONFIG", "GET", "min-replicas-to-write")])
    replica = start(request, kind)
    replicate(replica, master)
    wait_online(master, 1)
    poll(lambda: info(master).get("min_slaves_good_slaves") == "1", what="one good replica")
    log += replies(master, [("SET", "k", "v"), ("MULTI",), ("INCR", "n"), ("EXEC",)])
    replica.stop()
    poll(lambda: info(master)["connected_slaves"] == "0", what="the replica to be gone")
    log += replies(master, [("SET", "k", "v2"), ("GET", "k")])
    log.append(info(master).get("min_slaves_good_slaves"))
    return log


def test_min_replicas_to_write(request):
    ours = min_replicas_scenario(request, "apus")
    theirs = min_replicas_scenario(request, "redis")
    assert_same(ours, theirs, "min-replicas-to-write")
    assert ours[0] == b"-NOREPLICAS Not enough good replicas to write.\r\n"
    assert ours[10] == b"+OK\r\n"
