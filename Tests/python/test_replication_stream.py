"""The replication stream itself, Apus against redis-server: the same writes
on each master must reach a replica as the same commands, byte for byte, with
the same rewrites (EXPIRE as PEXPIREAT, SET EX as SET PXAT, SPOP as SREM,
INCRBYFLOAT as SET KEEPTTL, lazy expiry as DEL, MULTI/EXEC around a
transaction, SELECT when the database changes).

The test plays the replica itself (PSYNC ? -1 on a socket) and reads exactly
as many bytes as master_repl_offset advanced. Absolute millisecond times are
masked (the two masters do not run at the same instant) and PINGs dropped
(their place depends on the cron's clock); everything else must be equal.
"""

import time

import pytest

from support.replication import RawReplica, client, live_writes, offset, populate_every_type
from support.resp import parse

# No PING while the test reads: the period starts counting at the master's start.
STREAM_ARGS = ["--repl-diskless-sync-delay", "0", "--repl-ping-replica-period", "3600"]


def commands(stream):
    """The stream as argument lists, absolute times masked, PINGs dropped."""
    out = []
    now_ms = time.time() * 1000
    pos = 0
    while pos < len(stream):
        node, pos = _parse_at(stream, pos)
        assert node[0] == "*", node
        args = [item[1] for item in node[1]]
        if args[0].upper() == b"PING":
            continue
        masked = []
        for a in args:
            if a.isdigit() and len(a) == 13 and abs(int(a) - now_ms) < 86400000:
                a = b"<unix-ms>"
            masked.append(a)
        out.append(masked)
    return out


def _parse_at(data, pos):
    from support.resp import frame_length
    n = frame_length(data, pos)
    assert n is not None, data[pos:pos + 100]
    return parse(data[pos:pos + n]), pos + n


def stream_of(factory, diskless):
    master = factory(extra_args=STREAM_ARGS + ["--repl-diskless-sync", diskless])
    m = client(master)
    populate_every_type(m)
    replica = RawReplica(master, eof=diskless == "yes")
    try:
        assert replica.rdb.startswith(b"REDIS00")
        start = replica.offset
        live_writes(m, random=False)
        m.execute_command("SELECT", 0)
        m.flushall()
        return commands(replica.read(offset(master) - start))
    finally:
        replica.close()


@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_stream_is_redis_stream(apus_factory, redis_factory, diskless):
    ours = stream_of(apus_factory, diskless)
    theirs = stream_of(redis_factory, diskless)
    assert len(ours) > 30
    assert ours == theirs


def blocked_stream_of(factory):
    """Clients blocked in BLPOP, BLMOVE (sides in capitals), BRPOPLPUSH and
    BZPOPMIN, served by later pushes: their pops reach the stream in the
    forms Redis gives them (LPOP, LMOVE with its own "left"/"right", ...)."""
    master = factory(extra_args=STREAM_ARGS)
    replica = RawReplica(master)
    waiters = [master.client() for _ in range(4)]
    try:
        start = replica.offset
        waiters[0].send_command("BLPOP", "q", "0")
        waiters[1].send_command("BLMOVE", "z", "dst", "LEFT", "RIGHT", "0")
        waiters[2].send_command("BRPOPLPUSH", "p", "dst", "0")
        waiters[3].send_command("BZPOPMIN", "zz", "0")
        m = client(master)
        while int(m.info("clients")["blocked_clients"]) < 4:
            time.sleep(0.01)
        m.rpush("q", "a", "b")
        m.rpush("z", "1")
        m.lpush("p", "x")
        m.zadd("zz", {"m": 1, "n": 2})
        replies = [w.read_reply() for w in waiters]
        return replies, commands(replica.read(offset(master) - start))
    finally:
        replica.close()
        for w in waiters:
            w.close()


def test_served_blocked_clients_in_the_stream(apus_factory, redis_factory):
    ours = blocked_stream_of(apus_factory)
    theirs = blocked_stream_of(redis_factory)
    assert ours == theirs
    assert [b"LMOVE", b"z", b"dst", b"left", b"right"] in ours[1]
