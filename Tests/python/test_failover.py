"""FAILOVER between real processes: Apus and redis-server 7.0 as master and as
replica, both ways.

A master with data fails over to its replica: the roles swap (ROLE on both),
every write acknowledged before the failover is on both sides after it, the
new master's writes reach the old one, and a write the paused master held
back runs after the handover (as a replica: READONLY). The waiting phase is
made deterministic by stopping the replica's process (SIGSTOP): it cannot
acknowledge, so the master stays in waiting-for-sync until TIMEOUT (gives up,
or with FORCE fails over anyway) or FAILOVER ABORT. Error replies, INFO's
master_failover_state and the PSYNC ... FAILOVER refusals are compared with
redis-server's byte for byte.
"""

import os
import signal
import socket

import pytest

from support.replication import REPL_ARGS, client, info, poll, replicate, wait_online, wait_synced
from support.resp import encode_command

KINDS = {"apus": "apus_factory", "redis": "redis_factory"}
PAIRS = [("apus", "apus"), ("apus", "redis"), ("redis", "apus")]


def start(request, kind):
    return request.getfixturevalue(KINDS[kind])(extra_args=REPL_ARGS)


def pair(request, master_kind, replica_kind):
    master = start(request, master_kind)
    replica = start(request, replica_kind)
    replicate(replica, master)
    wait_online(master, 1)
    return master, replica


def failover_state(srv):
    return info(srv)["master_failover_state"]


def wait_roles_swapped(old_master, new_master):
    def swapped():
        old = client(old_master).execute_command("ROLE")
        new = client(new_master).execute_command("ROLE")
        return (old[0] == b"slave" and old[2] == new_master.port and old[3] == b"connected"
                and new[0] == b"master" and failover_state(old_master) == "no-failover")
    poll(swapped, what="roles swapped between %d and %d" % (old_master.port, new_master.port))


class Held:
    """A write sent on its own connection while the master pauses writes: no
    reply until the pause ends."""

    def __init__(self, srv, *command):
        self.sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        self.sock.sendall(encode_command(*command))

    def reply(self):
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = self.sock.recv(4096)
            assert chunk, "connection closed"
            data += chunk
        self.sock.close()
        return data


def blocked_clients(srv):
    return int(info(srv, "clients")["blocked_clients"])


@pytest.mark.parametrize("master_kind,replica_kind", PAIRS)
@pytest.mark.parametrize("target", ["to", "any"])
def test_failover_swaps_roles_and_keeps_data(request, master_kind, replica_kind, target):
    master, replica = pair(request, master_kind, replica_kind)
    m = client(master)
    for i in range(100):
        m.set("k%d" % i, i)
    m.rpush("list", *range(50))
    m.set("ttl", "v", px=600000)
    wait_synced(master, replica)
    args = ["TO", "127.0.0.1", replica.port] if target == "to" else []
    assert m.execute_command("FAILOVER", *args) == b"OK"
    wait_roles_swapped(master, replica)

    new = client(replica)
    assert new.get("k99") == b"99" and new.llen("list") == 50
    assert 0 < new.pttl("ttl") <= 600000
    assert failover_state(replica) == "no-failover"
    # The handover was a partial resync: no full sync on the new master.
    assert info(replica, "stats")["sync_full"] == "0"
    new.set("after", "failover")
    wait_synced(replica, master)
    assert m.get("after") == b"failover"
    assert m.get("k0") == b"0"
    with pytest.raises(Exception, match="read only replica"):
        m.set("x", 1)


@pytest.mark.parametrize("master_kind,replica_kind", PAIRS)
def test_write_held_during_failover_fails_after_it(request, master_kind, replica_kind):
    master, replica = pair(request, master_kind, replica_kind)
    os.kill(replica.proc.pid, signal.SIGSTOP)
    try:
        client(master).set("before", 1)
        assert client(master).execute_command("FAILOVER", "TO", "127.0.0.1", replica.port) == b"OK"
        assert failover_state(master) == "waiting-for-sync"
        held = Held(master, "SET", "during", "1")
        poll(lambda: blocked_clients(master) == 1, what="the write postponed")
        # Reads are served while writes wait; CLIENT UNPAUSE does not end a failover's pause.
        assert client(master).get("before") == b"1"
        assert client(master).execute_command("CLIENT", "UNPAUSE") == b"OK"
        assert blocked_clients(master) == 1
    finally:
        os.kill(replica.proc.pid, signal.SIGCONT)
    wait_roles_swapped(master, replica)
    assert held.reply() == b"-READONLY You can't write against a read only replica.\r\n"
    assert client(replica).get("before") == b"1"
    assert client(replica).get("during") is None


def observe_timeouts(request, master_kind, replica_kind, expect_all_writes):
    """What a master reports through a failover that times out, one that is
    aborted, and one forced at its timeout. A forced failover hands over to a
    replica that may not have read everything yet: redis-server then sometimes
    loses the writes still unread on the stalled replica's link (it promotes
    before reading them); Apus's replica applies them first, so with Apus on
    both sides every write survives."""
    master, replica = pair(request, master_kind, replica_kind)
    m = client(master)
    seen = []
    os.kill(replica.proc.pid, signal.SIGSTOP)
    try:
        m.set("a", 1)
        seen.append(m.execute_command("FAILOVER", "TIMEOUT", 300))
        seen.append(failover_state(master))
        seen.append(command_reply(master, "FAILOVER"))
        seen.append(command_reply(master, "REPLICAOF", "127.0.0.1", "1"))
        held = Held(master, "SET", "b", "2")
        poll(lambda: failover_state(master) == "no-failover", what="the failover to give up")
        seen.append(held.reply())
        seen.append(m.execute_command("ROLE")[0])

        m.set("c", 3)
        seen.append(m.execute_command("FAILOVER", "TO", "127.0.0.1", replica.port))
        seen.append(command_reply(master, "FAILOVER", "ABORT"))
        seen.append(failover_state(master))
        seen.append(command_reply(master, "FAILOVER", "ABORT"))

        m.set("d", 4)
        seen.append(m.execute_command("FAILOVER", "TO", "127.0.0.1", replica.port, "FORCE", "TIMEOUT", 200))
        poll(lambda: failover_state(master) == "failover-in-progress", what="the forced failover")
        fields = info(master)
        seen.append((fields["role"], fields["master_port"] == str(replica.port), fields["master_link_status"]))
    finally:
        os.kill(replica.proc.pid, signal.SIGCONT)
    wait_roles_swapped(master, replica)
    if expect_all_writes:
        assert [client(replica).get(k) for k in "abcd"] == [b"1", b"2", b"3", b"4"]
    return seen


def command_reply(srv, *args):
    with srv.client() as c:
        return c.command(*args)


def test_timeout_abort_and_force_as_redis(request):
    apus = observe_timeouts(request, "apus", "apus", expect_all_writes=True)
    redis = observe_timeouts(request, "redis", "redis", expect_all_writes=False)
    assert apus == redis
    assert apus[1] == "waiting-for-sync" and apus[4] == b"+OK\r\n"
    assert apus[-1] == ("slave", True, "down")


def error_replies(master, replica):
    """Every refusal of FAILOVER and PSYNC ... FAILOVER, raw."""
    commands = [
        ("FAILOVER", "ABORT"), ("FAILOVER", "ABORT", "x"), ("FAILOVER", "TIMEOUT", "0"),
        ("FAILOVER", "TIMEOUT", "-5"), ("FAILOVER", "TIMEOUT", "abc"),
        ("FAILOVER", "TIMEOUT", "10", "TIMEOUT", "20"), ("FAILOVER", "TO", "127.0.0.1"),
        ("FAILOVER", "TO", "127.0.0.1", "abc"), ("FAILOVER", "FORCE", "FORCE"), ("FAILOVER", "bogus"),
        ("FAILOVER", "FORCE"), ("FAILOVER", "FORCE", "TIMEOUT", "10"),
        ("FAILOVER", "TO", "127.0.0.1", str(replica.port), "FORCE"),
        ("FAILOVER", "TO", "127.0.0.1", "1"), ("FAILOVER", "TO", "localhost", str(replica.port)),
        ("PSYNC", "abc", "1", "FAILOVER"),
    ]
    replies = [command_reply(master, *cmd) for cmd in commands]
    replies.append(command_reply(replica, "FAILOVER"))
    replies.append(command_reply(replica, "PSYNC", "0" * 40, "1", "FAILOVER"))
    return replies


def test_errors_as_redis(request):
    lone_apus = start(request, "apus")
    lone_redis = start(request, "redis")
    assert command_reply(lone_apus, "FAILOVER") == command_reply(lone_redis, "FAILOVER") \
        == b"-ERR FAILOVER requires connected replicas.\r\n"
    apus = error_replies(*pair(request, "apus", "apus"))
    redis = error_replies(*pair(request, "redis", "redis"))
    assert apus == redis
    assert b"-ERR FAILOVER target HOST and PORT is not a replica.\r\n" in apus
    assert b"-ERR PSYNC FAILOVER can't be sent to a master.\r\n" in apus
    assert apus[-1] == b"-ERR PSYNC FAILOVER replid must match my replid.\r\n"


def observe_abort_in_progress(request, master_kind, replica_kind):
    """A forced failover aborted while the master is already the target's
    replica: a master again, taking writes; meanwhile no replica may sync."""
    master, replica = pair(request, master_kind, replica_kind)
    m = client(master)
    seen = []
    os.kill(replica.proc.pid, signal.SIGSTOP)
    try:
        m.set("a", 1)
        seen.append(m.execute_command("FAILOVER", "TO", "127.0.0.1", replica.port, "TIMEOUT", 100, "FORCE"))
        seen.append(command_reply(master, "PSYNC", "?", "-1"))
        poll(lambda: failover_state(master) == "failover-in-progress", what="the forced failover")
        # A replica now: writes are refused before the pause could hold them.
        seen.append(command_reply(master, "SET", "b", "2"))
        seen.append(command_reply(master, "FAILOVER", "ABORT"))
        seen.append(command_reply(master, "SET", "b", "2"))
        seen.append(m.execute_command("ROLE")[0])
        seen.append(failover_state(master))
    finally:
        os.kill(replica.proc.pid, signal.SIGCONT)
    # The replica follows its master again and gets what was written meanwhile.
    m.set("c", 3)
    poll(lambda: client(replica).get("c") == b"3", what="the replica to catch up")
    seen.append([client(replica).get(k) for k in "abc"])
    return seen


def test_abort_in_progress_as_redis(request):
    apus = observe_abort_in_progress(request, "apus", "apus")
    assert apus == observe_abort_in_progress(request, "redis", "redis")
    assert apus[1] == b"-NOMASTERLINK Can't SYNC while failing over\r\n"
    assert apus[2] == b"-READONLY You can't write against a read only replica.\r\n"
    assert apus[3:7] == [b"+OK\r\n", b"+OK\r\n", b"master", "no-failover"]


def not_online_reply(request, kind):
    """FAILOVER to a replica still waiting for its diskless sync to start."""
    master = request.getfixturevalue(KINDS[kind])(
        extra_args=["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "30"])
    sock = socket.create_connection(("127.0.0.1", master.port), timeout=10)
    try:
        # One at a time: PSYNC is refused with replies pending.
        for command in (("REPLCONF", "listening-port", "12345"), ("REPLCONF", "capa", "eof")):
            sock.sendall(encode_command(*command))
            assert sock.recv(5) == b"+OK\r\n"
        sock.sendall(encode_command("PSYNC", "?", "-1"))
        poll(lambda: "state=wait_bgsave" in info(master).get("slave0", ""), what="a waiting replica")
        return [command_reply(master, "FAILOVER", "TO", "127.0.0.1", "12345"), failover_state(master)]
    finally:
        sock.close()


def test_target_not_online_as_redis(request):
    ours = not_online_reply(request, "apus")
    assert ours == not_online_reply(request, "redis")
    assert ours == [b"-ERR FAILOVER target replica is not online.\r\n", "no-failover"]
