"""maxmemory and eviction (Redis 7.0's evict.c; tests/unit/maxmemory.tcl's behaviours).

Every scenario runs on Apus and on redis-server 7.0 (parametrized `kind`), so each
assertion is shown to hold for the reference too. The limit is set a little above what
the server uses once the scenario's starting keys are in, then more keys are written;
what the assertions read is which keys survived (statistically: the policy's favoured
victims go first), used_memory against the limit, evicted_keys, the `evicted`
notifications and the DELs that reach a replica and the AOF.

    test_limit_honoured[policy]          used_memory stays near maxmemory while writing 3x it
    test_volatile_policies_keep_persistent_keys[policy]
                                          volatile-* evict only keys with a TTL...
    test_volatile_policy_without_volatile_keys_is_oom
                                          ...and answer -OOM when none is left
    test_noeviction_refuses_writes        -OOM for denyoom commands, reads and DEL still run
    test_lru_keeps_recently_used_keys     allkeys-lru: old keys go, recently used stay
    test_lfu_keeps_frequently_used_keys   allkeys-lfu: frequently read keys stay
    test_volatile_ttl_evicts_nearest_expire_first
    test_random_policy_evicts_both_kinds  allkeys-random takes keys with and without TTL
    test_evicted_notifications            one `evicted` keyevent per evicted key
    test_evictions_reach_replica          the replica ends with the master's keys (DELs)
    test_evictions_in_aof[lazy]           DEL (UNLINK with lazyfree-lazy-eviction) per key
    test_replica_output_buffer_not_counted
                                          a stalled replica's buffer triggers no eviction
    test_client_output_buffers_are_counted
                                          normal clients' output buffers do (7.0)
    test_eviction_continues_after_config_set
                                          CONFIG SET maxmemory below use evicts at once
    test_info_fields                      INFO memory/stats fields move as they should
    test_eviction_touches_watch_and_tracking
                                          an evicted key fails a WATCHing EXEC and invalidates
    test_no_eviction_while_clients_paused the dataset stays still during CLIENT PAUSE
    test_replica_evicts_with_ignore_maxmemory_no
"""

import os
import socket
import time

import pytest
import redis as redispy

from support.replication import REPL_ARGS, poll, wait_synced, wait_link_up
from support.resp import encode_command

KINDS = ["apus", "redis"]
VALUE = "v" * 100


@pytest.fixture
def start(apus_factory, redis_factory):
    def make(kind, *args):
        srv = (apus_factory if kind == "apus" else redis_factory)(extra_args=list(args))
        return srv, redispy.Redis(host="127.0.0.1", port=srv.port, socket_timeout=30)
    return make


def used(r):
    return int(r.info("memory")["used_memory"])


def evicted(r):
    return int(r.info("stats")["evicted_keys"])


def limit_above_use(r, margin):
    """maxmemory = what the server uses now + margin bytes."""
    limit = used(r) + margin
    r.config_set("maxmemory", limit)
    return limit


def write(r, prefix, count, ttl=None, start=0, batch=500):
    """SETs prefix:i (i in start..start+count) in pipelines; the replies (OOM errors kept)."""
    replies = []
    for base in range(start, start + count, batch):
        p = r.pipeline(transaction=False)
        for i in range(base, min(base + batch, start + count)):
            if ttl is None:
                p.set("%s:%d" % (prefix, i), VALUE)
            else:
                p.set("%s:%d" % (prefix, i), VALUE, ex=ttl)
        replies.extend(p.execute(raise_on_error=False))
    return replies


def survivors(r, prefix, count):
    """How many of prefix:0..count-1 still exist (EXISTS does not touch the clock)."""
    alive = 0
    for base in range(0, count, 1000):
        p = r.pipeline(transaction=False)
        for i in range(base, min(base + 1000, count)):
            p.exists("%s:%d" % (prefix, i))
        alive += sum(p.execute())
    return alive


POLICIES = ["allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu",
            "volatile-random", "volatile-ttl"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("policy", POLICIES)
def test_limit_honoured(start, kind, policy):
    srv, r = start(kind, "--maxmemory-policy", policy)
    limit = limit_above_use(r, 1 << 20)
    ttl = 100000 if policy.startswith("volatile") else None
    # About three times the limit's room in new keys.
    replies = write(r, "k", 30000, ttl=ttl)
    assert all(reply is True for reply in replies)
    assert evicted(r) > 0
    # performEvictions runs before INFO: the figure it reports is within the limit, give or
    # take what INFO itself allocates.
    assert used(r) <= limit + 64 * 1024
    assert r.dbsize() < 30000


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"])
def test_volatile_policies_keep_persistent_keys(start, kind, policy):
    srv, r = start(kind, "--maxmemory-policy", policy)
    write(r, "p", 3000)
    write(r, "t", 3000, ttl=100000)
    limit_above_use(r, 256 * 1024)
    replies = write(r, "t", 6000, ttl=100000, start=3000)
    assert all(reply is True for reply in replies)
    assert evicted(r) > 0
    assert survivors(r, "p", 3000) == 3000
    assert survivors(r, "t", 9000) < 9000


@pytest.mark.parametrize("kind", KINDS)
def test_volatile_policy_without_volatile_keys_is_oom(start, kind):
    srv, r = start(kind, "--maxmemory-policy", "volatile-lru")
    write(r, "p", 1000)
    limit_above_use(r, 128 * 1024)
    replies = write(r, "q", 5000)
    errors = [reply for reply in replies if isinstance(reply, Exception)]
    assert errors, "writing past the limit with nothing evictable must fail"
    assert all(str(e) == "command not allowed when used memory > 'maxmemory'." for e in errors)
    assert evicted(r) == 0
    assert survivors(r, "p", 1000) == 1000
    # allkeys-lru may evict those same keys.
    r.config_set("maxmemory-policy", "allkeys-lru")
    assert r.set("q:x", VALUE) is True
    assert evicted(r) > 0


@pytest.mark.parametrize("kind", KINDS)
def test_noeviction_refuses_writes(start, kind):
    srv, r = start(kind)
    r.set("a", "1")
    r.rpush("l", "x")
    r.config_set("maxmemory", 1)
    for command in (("SET", "b", "1"), ("INCR", "a"), ("APPEND", "a", "x"), ("RPUSH", "l", "y"),
                    ("SADD", "s", "m"), ("HSET", "h", "f", "v"), ("SETEX", "a", "10", "v")):
        with pytest.raises(redispy.exceptions.ResponseError, match="command not allowed when used memory"):
            r.execute_command(*command)
    assert r.get("a") == b"1"
    assert r.lpop("l") == b"x"
    assert r.expire("a", 100) is True
    assert r.delete("a") == 1
    assert evicted(r) == 0
    r.config_set("maxmemory", 0)
    assert r.set("b", "1") is True


def dump_payload(r, value):
    r.set("__payload", value)
    payload = r.dump("__payload")
    r.delete("__payload")
    return payload


@pytest.mark.parametrize("kind", KINDS)
def test_lru_keeps_recently_used_keys(start, kind):
    srv, r = start(kind, "--maxmemory-policy", "allkeys-lru")
    payload = dump_payload(r, VALUE)
    # Cold keys last used 1000 s ago (RESTORE ... IDLETIME sets the LRU clock), hot keys now.
    p = r.pipeline(transaction=False)
    for i in range(4000):
        p.execute_command("RESTORE", "cold:%d" % i, 0, payload, "IDLETIME", 1000)
    p.execute()
    write(r, "hot", 400)
    limit_above_use(r, 64 * 1024)
    # New keys worth about half the cold ones, the hot ones read in between.
    for round_ in range(4):
        write(r, "new", 500, start=round_ * 500)
        p = r.pipeline(transaction=False)
        for i in range(400):
            p.get("hot:%d" % i)
        p.execute()
    assert evicted(r) > 1000
    hot = survivors(r, "hot", 400) / 400
    cold = survivors(r, "cold", 4000) / 4000
    assert hot >= 0.95, (hot, cold)
    assert cold <= 0.7, (hot, cold)


@pytest.mark.parametrize("kind", KINDS)
def test_lfu_keeps_frequently_used_keys(start, kind):
    # No decay during the test, so counters only reflect the reads.
    srv, r = start(kind, "--maxmemory-policy", "allkeys-lfu", "--lfu-decay-time", "0")
    write(r, "cold", 4000)
    write(r, "hot", 400)
    p = r.pipeline(transaction=False)
    for _ in range(100):
        for i in range(400):
            p.get("hot:%d" % i)
    p.execute()
    limit_above_use(r, 64 * 1024)
    # New keys are read once each (counter 5 -> 6): the never-read cold keys (5) go first.
    for round_ in range(4):
        write(r, "new", 500, start=round_ * 500)
        p = r.pipeline(transaction=False)
        for i in range(round_ * 500, round_ * 500 + 500):
            p.get("new:%d" % i)
        p.execute()
    assert evicted(r) > 1000
    hot = survivors(r, "hot", 400) / 400
    cold = survivors(r, "cold", 4000) / 4000
    new = survivors(r, "new", 2000) / 2000
    assert hot >= 0.95, (hot, cold, new)
    assert cold <= 0.7, (hot, cold, new)
    assert new > cold, (hot, cold, new)


@pytest.mark.parametrize("kind", KINDS)
def test_volatile_ttl_evicts_nearest_expire_first(start, kind):
    srv, r = start(kind, "--maxmemory-policy", "volatile-ttl")
    write(r, "soon", 3000, ttl=2000)
    write(r, "late", 3000, ttl=200000)
    limit_above_use(r, 64 * 1024)
    write(r, "new", 1500, ttl=300000)
    assert evicted(r) > 500
    soon = survivors(r, "soon", 3000) / 3000
    late = survivors(r, "late", 3000) / 3000
    assert late >= 0.95, (soon, late)
    assert soon <= 0.8, (soon, late)


@pytest.mark.parametrize("kind", KINDS)
def test_random_policy_evicts_both_kinds(start, kind):
    srv, r = start(kind, "--maxmemory-policy", "allkeys-random")
    write(r, "p", 3000)
    write(r, "t", 3000, ttl=100000)
    limit_above_use(r, 64 * 1024)
    write(r, "n", 3000)
    assert survivors(r, "p", 3000) < 3000
    assert survivors(r, "t", 3000) < 3000


def read_messages(sub, count, timeout=10.0):
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        message = sub.get_message(timeout=0.5)
        if message and message["type"] == "message":
            got.append(message)
    return got


@pytest.mark.parametrize("kind", KINDS)
def test_evicted_notifications(start, kind):
    srv, r = start(kind, "--maxmemory-policy", "allkeys-lru", "--notify-keyspace-events", "Ee")
    sub = r.pubsub()
    sub.subscribe("__keyevent@0__:evicted")
    assert read_messages(sub, 0) == []
    sub.get_message(timeout=1)  # the subscribe confirmation
    write(r, "k", 2000)
    limit_above_use(r, 32 * 1024)
    write(r, "k", 2000, start=2000)
    # No more evictions from here: the count is final.
    r.config_set("maxmemory", 0)
    count = evicted(r)
    assert count > 0
    messages = read_messages(sub, count)
    assert len(messages) == count
    gone = [m["data"] for m in messages]
    assert all(r.exists(key) == 0 for key in gone[:200])
    assert sub.get_message(timeout=0.2) is None
    sub.close()


@pytest.mark.parametrize("kind", KINDS)
def test_evictions_reach_replica(start, kind):
    master, m = start(kind, "--maxmemory-policy", "allkeys-random", *REPL_ARGS)
    replica, s = start(kind, *REPL_ARGS)
    s.execute_command("REPLICAOF", "127.0.0.1", master.port)
    wait_link_up(replica)
    write(m, "k", 3000)
    wait_synced(master, replica)
    limit_above_use(m, 64 * 1024)
    write(m, "k", 3000, start=3000)
    assert evicted(m) > 0
    wait_synced(master, replica)
    # The replica ignores maxmemory: it holds what the master holds because the DELs came.
    assert evicted(s) == 0
    assert s.dbsize() == m.dbsize()
    assert s.execute_command("DEBUG", "DIGEST") == m.execute_command("DEBUG", "DIGEST")


def aof_commands(srv):
    directory = os.path.join(srv.dir, "appendonlydir")
    data = b""
    for name in sorted(os.listdir(directory)):
        if ".incr." in name:
            with open(os.path.join(directory, name), "rb") as f:
                data += f.read()
    return data


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lazy", ["no", "yes"])
def test_evictions_in_aof(start, kind, lazy):
    srv, r = start(kind, "--maxmemory-policy", "allkeys-lru", "--appendonly", "yes",
                   "--appendfsync", "always", "--lazyfree-lazy-eviction", lazy)
    write(r, "k", 2000)
    limit_above_use(r, 32 * 1024)
    write(r, "k", 2000, start=2000)
    count = evicted(r)
    assert count > 0
    # The AOF buffer is left out of the figure eviction compares with the limit.
    assert int(r.info("memory")["mem_not_counted_for_evict"]) > 0
    data = aof_commands(srv)
    verb = b"UNLINK" if lazy == "yes" else b"DEL"
    assert data.count(b"\r\n$%d\r\n%s\r\n" % (len(verb), verb)) == count
    other = b"DEL" if lazy == "yes" else b"UNLINK"
    assert data.count(b"\r\n$%d\r\n%s\r\n" % (len(other), other)) == 0


def stalled_replica(port):
    """A replica that asks for a full sync and then never reads: the master's stream to it
    piles up in its output buffer."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(encode_command("REPLCONF", "listening-port", "1"))
    assert sock.recv(5) == b"+OK\r\n"
    sock.sendall(encode_command("PSYNC", "?", "-1"))
    return sock


@pytest.mark.parametrize("kind", KINDS)
def test_replica_output_buffer_not_counted(start, kind):
    srv, r = start(kind, "--maxmemory-policy", "allkeys-lru", "--client-output-buffer-limit", "replica 0 0 0",
                   *REPL_ARGS)
    write(r, "k", 1000)
    sock = stalled_replica(srv.port)
    poll(lambda: r.info("replication")["connected_slaves"] == 1, what="the replica attached")
    # About 30 MB of stream, far more than the socket takes: the rest waits in the buffer.
    big = "x" * 100000
    for base in range(0, 300, 50):
        p = r.pipeline(transaction=False)
        for i in range(base, base + 50):
            p.set("big", big)
        p.execute()
    poll(lambda: int(r.info("memory")["mem_not_counted_for_evict"]) > 10 << 20,
         what="the replica's buffer to be set aside")
    memory = r.info("memory")
    not_counted = int(memory["mem_not_counted_for_evict"])
    # Over the limit by used_memory, within it once the replica's buffer is left out.
    r.config_set("maxmemory", int(memory["used_memory"]) - not_counted // 2)
    before = evicted(r)
    assert r.set("another", "v") is True
    assert evicted(r) == before
    assert used(r) > int(r.config_get("maxmemory")["maxmemory"])
    sock.close()


@pytest.mark.parametrize("kind", KINDS)
def test_client_output_buffers_are_counted(start, kind):
    srv, r = start(kind, "--maxmemory-policy", "allkeys-random")
    write(r, "k", 2000)
    limit_above_use(r, 2 << 20)
    # Clients that ask for a lot and read nothing: their replies stay in the server's buffers.
    keys = ["k:%d" % i for i in range(2000)]
    command = encode_command("MGET", *keys)
    stalled = []
    for _ in range(10):
        sock = socket.create_connection(("127.0.0.1", srv.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(command * 20)
        stalled.append(sock)
    poll(lambda: evicted(r) > 0, what="evictions caused by client output buffers")
    for sock in stalled:
        sock.close()


@pytest.mark.parametrize("kind", KINDS)
def test_eviction_continues_after_config_set(start, kind):
    srv, r = start(kind, "--maxmemory-policy", "allkeys-lru", "--maxmemory-eviction-tenacity", "0")
    write(r, "k", 20000)
    limit = used(r) - (1 << 20)
    r.config_set("maxmemory", limit)
    # With the smallest tenacity each call evicts little; the timer goes on without commands.
    poll(lambda: used(r) <= limit + 64 * 1024, what="the timer to bring memory within the limit")
    assert evicted(r) > 0


@pytest.mark.parametrize("kind", KINDS)
def test_info_fields(start, kind):
    srv, r = start(kind, "--maxmemory-policy", "allkeys-lru")
    memory = r.info("memory")
    assert memory["maxmemory"] == 0 and memory["maxmemory_policy"] == "allkeys-lru"
    assert int(memory["mem_not_counted_for_evict"]) == 0
    write(r, "k", 3000)
    limit_above_use(r, 32 * 1024)
    write(r, "k", 3000, start=3000)
    memory = r.info("memory")
    stats = r.info("stats")
    assert memory["maxmemory"] == int(r.config_get("maxmemory")["maxmemory"])
    assert stats["evicted_keys"] > 0
    assert stats["total_eviction_exceeded_time"] >= stats["current_eviction_exceeded_time"] >= 0
    r.config_resetstat()
    stats = r.info("stats")
    assert stats["evicted_keys"] == 0


@pytest.mark.parametrize("kind", KINDS)
def test_eviction_touches_watch_and_tracking(start, kind):
    srv, r = start(kind, "--maxmemory-policy", "allkeys-random")
    r.set("watched", "v")
    watcher = redispy.Redis(host="127.0.0.1", port=srv.port, socket_timeout=10)
    tracker = srv.client()
    tracker.command("HELLO", "3")
    assert tracker.command("CLIENT", "TRACKING", "ON") == b"+OK\r\n"
    assert tracker.command("GET", "watched") == b"$1\r\nv\r\n"
    pipe = watcher.pipeline(transaction=True)
    pipe.watch("watched")
    # Everything goes before the next command (maxmemory 1 and no other key to pick).
    r.config_set("maxmemory", 1)
    r.ping()
    assert r.exists("watched") == 0
    r.config_set("maxmemory", 0)
    pipe.multi()
    pipe.set("other", "x")
    with pytest.raises(redispy.exceptions.WatchError):
        pipe.execute()
    # The tracking client got the invalidation for the evicted key before PING's reply.
    tracker.send_command("PING")
    frames = []
    while not frames or frames[-1] != b"+PONG\r\n":
        frames.append(tracker.read_frame())
    assert b">2\r\n$10\r\ninvalidate\r\n*1\r\n$7\r\nwatched\r\n" in frames
    tracker.close()


@pytest.mark.parametrize("kind", KINDS)
def test_no_eviction_while_clients_paused(start, kind):
    srv, r = start(kind, "--maxmemory-policy", "allkeys-random")
    write(r, "k", 100)
    r.execute_command("CLIENT", "PAUSE", "100000", "WRITE")
    r.config_set("maxmemory", 1)
    # The dataset stays still while paused: reads run and nothing is evicted.
    assert r.get("k:1") == VALUE.encode()
    assert r.dbsize() == 100
    assert evicted(r) == 0
    r.execute_command("CLIENT", "UNPAUSE")
    assert r.dbsize() == 0
    assert evicted(r) == 100


@pytest.mark.parametrize("kind", KINDS)
def test_replica_evicts_with_ignore_maxmemory_no(start, kind):
    master, m = start(kind, *REPL_ARGS)
    replica, s = start(kind, "--maxmemory-policy", "allkeys-lru", "--replica-ignore-maxmemory", "no", *REPL_ARGS)
    s.execute_command("REPLICAOF", "127.0.0.1", master.port)
    wait_link_up(replica)
    write(m, "k", 2000)
    wait_synced(master, replica)
    assert s.dbsize() == 2000
    limit_above_use(s, 32 * 1024)
    write(m, "k", 3000, start=2000)
    wait_synced(master, replica)
    # The replica evicted on its own; the master kept everything.
    assert m.dbsize() == 5000
    assert evicted(s) > 0
    assert s.dbsize() < 5000
