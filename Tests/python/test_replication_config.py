"""Replication set up by configuration: replicaof on the command line (both
spellings) and in a config file, masterauth against a master with
requirepass (Apus and redis-server either side), and the replica class of
client-output-buffer-limit closing a replica that does not read."""

import pytest

from support.replication import (REPL_ARGS, RawReplica, assert_same_data, client, info, poll,
                                 populate_every_type, replicate, wait_link_up, wait_synced)

KINDS = {"apus": "apus_factory", "redis": "redis_factory"}


def start(request, kind, *extra, config_text=None):
    return request.getfixturevalue(KINDS[kind])(extra_args=REPL_ARGS + list(extra), config_text=config_text)


@pytest.mark.parametrize("form", ["two-arguments", "one-argument", "config-file"])
def test_replicaof_at_start_up(request, form):
    master = start(request, "apus")
    populate_every_type(client(master))
    if form == "two-arguments":
        replica = start(request, "apus", "--replicaof", "127.0.0.1", str(master.port))
    elif form == "one-argument":
        replica = start(request, "apus", "--replicaof", "127.0.0.1 %d" % master.port)
    else:
        replica = start(request, "apus", config_text="replicaof 127.0.0.1 %d\n" % master.port)
    wait_link_up(replica)
    assert info(replica)["master_port"] == str(master.port)
    wait_synced(master, replica)
    assert_same_data(master, replica)


@pytest.mark.parametrize("master_kind,replica_kind", [("apus", "redis"), ("redis", "apus"), ("apus", "apus")])
def test_masterauth(request, master_kind, replica_kind):
    master = start(request, master_kind)
    client(master).config_set("requirepass", "s3cret")  # after start: the harness's PING needs none
    m = client(master, password="s3cret")
    m.set("k", "v")
    replica = start(request, replica_kind, "--masterauth", "wrong")
    client(replica).execute_command("REPLICAOF", "127.0.0.1", master.port)
    # A wrong password: the handshake fails and is retried, the link stays down.
    poll(lambda: "NOAUTH" in open(replica.log_path, errors="replace").read()
         or "Unable to AUTH to MASTER" in open(replica.log_path, errors="replace").read(),
         what="the failed AUTH in the replica's log")
    assert info(replica)["master_link_status"] == "down"
    client(replica).execute_command("CONFIG", "SET", "masterauth", "s3cret")
    wait_link_up(replica)
    assert client(replica).get("k") == b"v"


@pytest.mark.parametrize("kind", ["apus", "redis"])
def test_replica_output_buffer_limit(request, kind):
    master = start(request, kind, "--client-output-buffer-limit", "replica 1mb 0 0")
    stuck = RawReplica(master)  # attaches, then never reads the stream
    try:
        poll(lambda: info(master)["connected_slaves"] == "1", what="the replica to attach")
        m = client(master)
        value = "x" * 100000
        for i in range(150):  # 15 MB: past the limit and whatever the socket buffers take
            m.set("big:%d" % (i % 10), value)
            if info(master)["connected_slaves"] == "0":
                break
        poll(lambda: info(master)["connected_slaves"] == "0", what="the replica to be dropped")
        log = open(master.log_path, errors="replace").read()
        assert "scheduled to be closed ASAP for overcoming of output buffer limits" in log
        assert "flags=S" in log
    finally:
        stuck.close()


def log_of(srv):
    return open(srv.log_path, errors="replace").read()


def frozen(srv, seconds):
    """DEBUG SLEEP on a connection of its own, not waiting for the answer."""
    c = srv.client()
    c.send_command("DEBUG", "SLEEP", str(seconds))
    return c


def test_repl_timeout_both_sides(request):
    """repl-timeout, with both sides silent at once (one wait for both): an Apus
    replica drops a redis-server master that sends nothing, not even PINGs, and
    an Apus master drops a redis-server replica whose ACKs stop; once awake,
    each link comes back with a partial resync."""
    their_master = start(request, "redis")
    our_replica = start(request, "apus", "--repl-timeout", "2")
    our_master = start(request, "apus", "--repl-timeout", "2")
    their_replica = start(request, "redis")
    replicate(our_replica, their_master)
    replicate(their_replica, our_master)
    wait_synced(their_master, our_replica)
    wait_synced(our_master, their_replica)
    with frozen(their_master, 3.5), frozen(their_replica, 3.5):
        poll(lambda: "MASTER timeout: no data nor PING received..." in log_of(our_replica), timeout=8,
             what="the replica's timeout")
        poll(lambda: "Disconnecting timedout replica (streaming sync)" in log_of(our_master), timeout=8,
             what="the master's timeout")
    for master, replica in ((their_master, our_replica), (our_master, their_replica)):
        poll(lambda: info(master, "stats")["sync_partial_ok"] == "1", what="a partial resync")
        wait_link_up(replica)
        assert info(master, "stats")["sync_full"] == "1"
