"""A randomized write load of every type (seeded, so a failure replays), with
short TTLs that the master's active expiry turns into DELs, transactions,
commands with random effects (SPOP, SRANDMEMBER-free moves), and several
databases; afterwards DEBUG DIGEST and master_repl_offset must agree on
master and replicas, Apus and redis-server either side."""

import random
import time
import zlib

import pytest

from support.replication import REPL_ARGS, assert_same_data, client, populate_every_type, replicate, wait_synced
from support.resp import encode_pipeline

KINDS = {"apus": "apus_factory", "redis": "redis_factory"}


def random_command(rng):
    k = "k%d" % rng.randrange(40)
    other = "k%d" % rng.randrange(40)
    n = str(rng.randrange(-50, 50))
    member = "m%d" % rng.randrange(30)
    choices = [
        ("SET", k, "v%d" % rng.randrange(1000)), ("SET", k, n, "PX", str(rng.randrange(1, 80))),
        ("SET", k, "x", "EX", "100", "NX"), ("INCR", k), ("INCRBY", k, n), ("APPEND", k, "ab"),
        ("SETRANGE", k, str(rng.randrange(10)), "zz"), ("GETSET", k, "g"), ("GETDEL", k), ("DEL", k, other),
        ("EXPIRE", k, str(rng.randrange(1, 100))), ("PEXPIRE", k, str(rng.randrange(1, 60))), ("PERSIST", k),
        ("RENAME", k, other), ("COPY", k, other, "REPLACE"), ("INCRBYFLOAT", k, "1.5"),
        ("RPUSH", k, member, n), ("LPUSH", k, member), ("LPOP", k), ("RPOP", k, "2"), ("LTRIM", k, "0", "5"),
        ("LSET", k, "0", "s"), ("LINSERT", k, "BEFORE", member, "ins"), ("LREM", k, "0", member),
        ("LMOVE", k, other, "LEFT", "RIGHT"),
        ("HSET", k, member, n), ("HDEL", k, member), ("HINCRBY", k, member, n), ("HINCRBYFLOAT", k, member, "0.5"),
        ("SADD", k, member, n), ("SREM", k, member), ("SPOP", k), ("SPOP", k, "3"), ("SMOVE", k, other, member),
        ("SINTERSTORE", k, other, "k1"), ("SUNIONSTORE", k, other, "k2"),
        ("ZADD", k, n, member), ("ZINCRBY", k, "2", member), ("ZREM", k, member), ("ZPOPMIN", k),
        ("ZREMRANGEBYSCORE", k, "-10", "0"), ("ZUNIONSTORE", k, "2", other, "k3"),
        ("SORT", other, "ALPHA", "STORE", k), ("UNLINK", k),
    ]
    return rng.choice(choices)


def random_load(srv, seed, count=1500):
    rng = random.Random(seed)
    with srv.client() as c:
        sent = 0
        while sent < count:
            batch = []
            db = rng.randrange(3)
            batch.append(("SELECT", str(db)))
            if rng.random() < 0.15:
                batch.append(("MULTI",))
                batch += [random_command(rng) for _ in range(rng.randrange(1, 6))]
                batch.append(("EXEC",))
            else:
                batch += [random_command(rng) for _ in range(rng.randrange(1, 40))]
            if rng.random() < 0.01:
                batch.append(("FLUSHDB",))
            c.send_raw(encode_pipeline(batch))
            c.read_replies(len(batch))
            sent += len(batch)
            if rng.random() < 0.1:
                time.sleep(0.01)  # let some short TTLs pass: active and lazy expiry send DELs


@pytest.mark.parametrize("kinds", [("apus", "redis"), ("redis", "apus"), ("apus", "apus")])
def test_random_load_keeps_replicas_identical(request, kinds):
    master = request.getfixturevalue(KINDS[kinds[0]])(extra_args=REPL_ARGS)
    replica = request.getfixturevalue(KINDS[kinds[1]])(extra_args=REPL_ARGS)
    populate_every_type(client(master))
    replicate(replica, master)
    random_load(master, seed=zlib.crc32("-".join(kinds).encode()))
    # Freeze the master's expiries, so both digests see the same keys.
    client(master).execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    wait_synced(master, replica)
    assert_same_data(master, replica)
