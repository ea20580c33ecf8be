"""Differential tests of keyspace notifications: the same command sequences run
against Apus and redis-server 7.0 while a PSUBSCRIBE '__key*__:*' subscriber
listens on each, and the messages received must be identical, in order, byte
for byte (RESP2 and RESP3 subscribers).

Layout
    * test_notifications[<flags>-<area>-resp<n>]  one sequence per command
      family, under every notify-keyspace-events class on its own (with K, with
      E), the usual combinations (KEA, A without K/E, KEAmn, ...) and off
    * test_notifications_random[<seed>]             seeded random sequences of
      deterministic commands over a small keyspace, under KEAmn
    * test_active_expiry_notifications[<flags>]     `expired` from active expiry,
      compared as a multiset (the cycle samples keys at random)
    * test_harness_is_deterministic_on_redis       the harness itself: two
      redis-servers must agree with each other, or the comparison means nothing

How a run ends without sleeping: after the sequence a PUBLISH on a channel the
pattern matches is sent; everything the server published before it arrives
first (one thread, one connection), so reading up to that marker collects every
event of the sequence. Active expiry is switched off (DEBUG SET-ACTIVE-EXPIRE 0)
so `expired` comes only from the lazy expiry the sequences trigger, at a fixed
point; those keys get PX 1 and the sequence waits 5 ms once before touching them.
Blocked clients are served at a fixed point too: the sequence waits until the
server reports them blocked before pushing.

Nothing is normalised: event names, key names and database numbers are exact;
SPOP/SRANDMEMBER pick members at random but events do not carry members.
"""

import random
import time

import pytest

from support.resp import split_frames

PROTOCOLS = [2, 3]
TIMEOUT = 5.0

# Each class alone (with K and with E), combinations, A without K/E (publishes
# nothing), off, and everything including the classes A leaves out.
CLASSES = "g$lshzxetmdn"
FLAGS = (["", "A", "KA", "EA", "KEA", "KEAmn", "KEAm", "KEn", "Kg$lshz", "Ex"]
         + ["K" + c for c in CLASSES] + ["E" + c for c in CLASSES])

STRINGS = [
    ("SET", "s1", "v"), ("SET", "s1", "v2", "EX", "100"), ("SET", "s1", "v3", "KEEPTTL"),
    ("SET", "s1", "v", "GET"), ("SET", "s1", "x", "NX"), ("SET", "s9", "x", "XX"),
    ("SET", "s1", "y", "XX", "PX", "100000"), ("SET", "s8", "y", "EXAT", "4000000000", "GET"),
    ("SETNX", "s1", "x"), ("SETNX", "s2", "x"), ("SETEX", "s3", "100", "v"),
    ("PSETEX", "s3", "100000", "v"), ("GETSET", "s3", "w"), ("GETSET", "s7", "w"),
    ("MSET", "m1", "a", "m2", "b"), ("MSETNX", "m1", "a", "m3", "c"), ("MSETNX", "m4", "a", "m5", "b"),
    ("APPEND", "s4", "hello"), ("APPEND", "s4", "world"), ("SETRANGE", "s4", "2", "XY"),
    ("SETRANGE", "s5", "0", ""), ("SETRANGE", "s4", "1", ""), ("SETRANGE", "s5", "3", "abc"),
    ("INCR", "c1"), ("INCRBY", "c1", "5"), ("DECR", "c1"), ("DECRBY", "c1", "2"),
    ("INCRBYFLOAT", "c2", "1.5"), ("INCRBYFLOAT", "c2", "1"), ("INCR", "s4"), ("INCRBYFLOAT", "s4", "1"),
    ("GET", "missing"), ("MGET", "nope1", "s1", "nope2"), ("STRLEN", "missing"),
    ("GETRANGE", "missing", "0", "1"), ("SUBSTR", "missing", "0", "1"), ("LCS", "s1", "missing"),
    ("GETDEL", "s3"), ("GETDEL", "missing"), ("GETEX", "s1", "EX", "100"), ("GETEX", "s1", "PX", "100000"),
    ("GETEX", "s1", "PERSIST"), ("GETEX", "s1", "PERSIST"), ("GETEX", "s1"), ("GETEX", "missing", "EX", "5"),
    ("SET", "s6", "v"), ("GETEX", "s6", "EXAT", "1"), ("GET", "s6"),
]

KEYS = [
    ("MSET", "k1", "a", "k2", "b", "k3", "c"), ("DEL", "k1", "missing", "k1"), ("UNLINK", "k2", "nope"),
    ("EXISTS", "k3", "missing"), ("TYPE", "missing"), ("TYPE", "k3"), ("TOUCH", "k3", "missing"),
    ("RENAME", "k3", "k4"), ("RENAME", "k4", "k4"), ("RENAME", "missing", "k5"), ("SET", "k5", "x"),
    ("RENAME", "k4", "k5"), ("RENAMENX", "k5", "k6"), ("SET", "k7", "y"), ("RENAMENX", "k6", "k7"),
    ("COPY", "k6", "k8"), ("COPY", "k6", "k8"), ("COPY", "k6", "k8", "REPLACE"), ("COPY", "k6", "k9", "DB", "1"),
    ("COPY", "missing", "k10"), ("MOVE", "k6", "1"), ("MOVE", "k8", "1"), ("MOVE", "missing", "1"),
    ("SET", "k9", "z"), ("MOVE", "k9", "1"),
    ("SELECT", "1"), ("DEL", "k9", "k6"), ("GET", "k6"), ("SELECT", "0"),
    ("KEYS", "*"), ("SCAN", "0"), ("DBSIZE",),
]

EXPIRES = [
    ("SET", "e1", "v"), ("EXPIRE", "e1", "100"), ("EXPIRE", "e1", "200", "NX"), ("PEXPIRE", "e1", "100000", "XX"),
    ("EXPIRE", "e1", "50", "GT"), ("EXPIRE", "e1", "50", "LT"), ("EXPIREAT", "e1", "4000000000"),
    ("PEXPIREAT", "e1", "4000000000000"), ("EXPIRE", "missing", "10"),
    ("TTL", "e1"), ("TTL", "missing"), ("PTTL", "missing"), ("EXPIRETIME", "missing"), ("PEXPIRETIME", "e1"),
    ("PERSIST", "e1"), ("PERSIST", "e1"), ("PERSIST", "missing"), ("EXPIRE", "e1", "-1"),
    ("SET", "e2", "v"), ("PEXPIREAT", "e2", "1"),
    ("SET", "x1", "v", "PX", "1"), ("SET", "x2", "1", "PX", "1"), ("RPUSH", "x3", "a"), ("PEXPIRE", "x3", "1"),
    ("SET", "x4", "v", "PX", "1"), ("SET", "x5", "v", "PX", "1"), ("HSET", "x6", "f", "v"), ("PEXPIRE", "x6", "1"),
    ("@sleep", 0.005),
    ("GET", "x1"), ("INCR", "x2"), ("LPUSH", "x3", "b"), ("EXISTS", "x4"), ("DEL", "x5"), ("HGET", "x6", "f"),
]

LISTS = [
    ("LPUSH", "l1", "a", "b", "c"), ("RPUSH", "l1", "d"), ("LPUSHX", "l1", "e"), ("RPUSHX", "l1", "f"),
    ("RPUSHX", "missing", "x"), ("LPUSHX", "missing", "x"),
    ("LINSERT", "l1", "BEFORE", "a", "z"), ("LINSERT", "l1", "AFTER", "nothere", "z"), ("LINSERT", "missing", "AFTER", "a", "z"),
    ("LSET", "l1", "0", "q"), ("LSET", "l1", "99", "q"), ("LREM", "l1", "1", "q"), ("LREM", "l1", "0", "nothere"),
    ("LTRIM", "l1", "0", "10"), ("LTRIM", "l1", "1", "3"), ("LTRIM", "missing", "0", "1"),
    ("LPOP", "l1"), ("RPOP", "l1"), ("LPOP", "missing"), ("LPOP", "l1", "0"),
    ("RPUSH", "l2", "a", "b", "c", "d"), ("LPOP", "l2", "2"), ("RPOP", "l2", "5"), ("RPOP", "l2", "5"),
    ("RPUSH", "l3", "a", "b", "c"), ("LMOVE", "l3", "l4", "LEFT", "RIGHT"), ("LMOVE", "l3", "l4", "RIGHT", "LEFT"),
    ("RPOPLPUSH", "l4", "l4"), ("RPOPLPUSH", "missing", "l4"), ("LMOVE", "l3", "l3", "LEFT", "LEFT"),
    ("LMOVE", "l3", "l4", "LEFT", "LEFT"),
    ("LMPOP", "2", "missing", "l4", "LEFT", "COUNT", "10"), ("LMPOP", "1", "missing", "RIGHT"),
    ("LRANGE", "missing", "0", "1"), ("LLEN", "missing"), ("LINDEX", "missing", "0"), ("LPOS", "missing", "a"),
    ("RPUSH", "l5", "a", "b", "c"), ("BLPOP", "missing", "l5", "0"), ("BRPOP", "l5", "0"),
    ("BLMPOP", "0", "1", "l5", "RIGHT", "COUNT", "2"),
    ("RPUSH", "l6", "a", "b"), ("BLMOVE", "l6", "l7", "right", "left", "0"), ("BRPOPLPUSH", "l6", "l7", "0"),
    ("SET", "str", "v"), ("LPUSH", "str", "a"), ("LMOVE", "l7", "str", "LEFT", "LEFT"),
    # Served later: each waits until the server reports it blocked, then a push serves it.
    ("@async", "w1", "BLPOP", "b1", "0"), ("@blocked", 1),
    ("@async", "w2", "BLMPOP", "0", "1", "b2", "RIGHT", "COUNT", "5"), ("@blocked", 2),
    ("@async", "w3", "BLMOVE", "b3", "b4", "RIGHT", "LEFT", "0"), ("@blocked", 3),
    ("@async", "w4", "BRPOPLPUSH", "b5", "b4", "0"), ("@blocked", 4),
    ("RPUSH", "b1", "a", "b"), ("RPUSH", "b2", "a", "b", "c"), ("RPUSH", "b3", "a"), ("LPUSH", "b5", "x", "y"),
    ("@read", "w1"), ("@read", "w2"), ("@read", "w3"), ("@read", "w4"),
]

HASHES = [
    ("HSET", "h1", "f", "v"), ("HSET", "h1", "f", "v2", "g", "w"), ("HMSET", "h1", "a", "b"),
    ("HSETNX", "h1", "f", "x"), ("HSETNX", "h1", "n", "v"), ("HSETNX", "h2", "n", "v"),
    ("HINCRBY", "h1", "cnt", "5"), ("HINCRBYFLOAT", "h1", "fl", "1.5"), ("HINCRBY", "h1", "f", "1"),
    ("HINCRBY", "h3", "cnt", "1"), ("HINCRBYFLOAT", "h4", "fl", "2"),
    ("HDEL", "h1", "f", "nothere"), ("HDEL", "h1", "nothere"), ("HDEL", "missing", "f"),
    ("HGET", "missing", "f"), ("HMGET", "missing", "a"), ("HLEN", "missing"), ("HGETALL", "missing"),
    ("HKEYS", "missing"), ("HVALS", "missing"), ("HEXISTS", "missing", "f"), ("HSTRLEN", "missing", "f"),
    ("HRANDFIELD", "missing"), ("HRANDFIELD", "missing", "2"), ("HSCAN", "missing", "0"),
    ("HDEL", "h1", "g", "a", "n", "cnt", "fl", "more"), ("HDEL", "h2", "n"),
]

SETS = [
    ("SADD", "st1", "a", "b", "c"), ("SADD", "st1", "a"), ("SREM", "st1", "a", "x"), ("SREM", "st1", "zz"),
    ("SREM", "missing", "a"), ("SMOVE", "st1", "st2", "b"), ("SMOVE", "st1", "st2", "nothere"),
    ("SADD", "st3", "c"), ("SMOVE", "st1", "st3", "c"), ("SADD", "st2", "c"), ("SMOVE", "st2", "st3", "c"),
    ("SMOVE", "st3", "st3", "c"), ("SMOVE", "missing", "st3", "c"),
    ("SPOP", "st2"), ("SPOP", "missing"), ("SPOP", "missing", "3"),
    ("SADD", "st4", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"), ("SPOP", "st4", "2"), ("SPOP", "st4", "0"),
    ("SPOP", "st4", "7"), ("SPOP", "st4", "100"),
    ("SADD", "st5", "a", "b", "c"), ("SADD", "st6", "b", "c", "d"),
    ("SINTERSTORE", "d1", "st5", "st6"), ("SUNIONSTORE", "d1", "st5", "st6"), ("SDIFFSTORE", "d1", "st5", "st6"),
    ("SDIFFSTORE", "d1", "st5", "st5"), ("SINTERSTORE", "d1", "st5", "missing"), ("SINTERSTORE", "d2", "missing"),
    ("SUNIONSTORE", "d3", "missing"), ("SUNIONSTORE", "st5", "st5", "st6"),
    ("SMEMBERS", "missing"), ("SISMEMBER", "missing", "a"), ("SMISMEMBER", "missing", "a"), ("SCARD", "missing"),
    ("SRANDMEMBER", "missing"), ("SRANDMEMBER", "st5", "2"), ("SINTER", "missing", "st5"), ("SUNION", "st5", "missing"),
    ("SDIFF", "missing"), ("SINTERCARD", "2", "st5", "missing"), ("SSCAN", "missing", "0"),
]

ZSETS = [
    ("ZADD", "z1", "1", "a", "2", "b"), ("ZADD", "z1", "1", "a"), ("ZADD", "z1", "XX", "5", "new"),
    ("ZADD", "z1", "NX", "3", "c"), ("ZADD", "z1", "GT", "0", "a"), ("ZADD", "z1", "CH", "10", "a"),
    ("ZADD", "z1", "INCR", "1", "a"), ("ZADD", "z1", "NX", "INCR", "1", "a"), ("ZINCRBY", "z1", "2", "b"),
    ("ZINCRBY", "z9", "2", "b"), ("ZADD", "missing", "XX", "1", "a"),
    ("ZADD", "zinf", "+inf", "m"), ("ZINCRBY", "zinf", "-inf", "m"),
    ("ZREM", "z1", "a", "nothere"), ("ZREM", "z1", "nothere"), ("ZREM", "missing", "a"),
    ("ZADD", "z2", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"),
    ("ZREMRANGEBYRANK", "z2", "0", "0"), ("ZREMRANGEBYRANK", "z2", "10", "20"), ("ZREMRANGEBYSCORE", "z2", "2", "2"),
    ("ZREMRANGEBYSCORE", "z2", "100", "200"), ("ZREMRANGEBYLEX", "z2", "[c", "[c"), ("ZREMRANGEBYLEX", "missing", "-", "+"),
    ("ZPOPMIN", "z2"), ("ZPOPMIN", "z2", "0"), ("ZPOPMAX", "z2", "5"), ("ZPOPMIN", "missing"),
    ("ZADD", "z3", "1", "a", "2", "b", "3", "c", "4", "d"), ("ZMPOP", "1", "z3", "MIN"),
    ("ZMPOP", "2", "missing", "z3", "MAX", "COUNT", "1"), ("BZPOPMIN", "z3", "0"), ("BZPOPMAX", "missing", "z3", "0"),
    ("ZMPOP", "1", "missing", "MIN"),
    ("ZADD", "z4", "1", "a", "2", "b"), ("ZADD", "z5", "1", "b", "2", "c"),
    ("ZUNIONSTORE", "zd", "2", "z4", "z5"), ("ZINTERSTORE", "zd", "2", "z4", "z5"), ("ZDIFFSTORE", "zd", "2", "z4", "z5"),
    ("ZDIFFSTORE", "zd", "2", "z4", "z4"), ("ZINTERSTORE", "zd", "2", "z4", "missing"), ("ZUNIONSTORE", "ze", "1", "missing"),
    ("ZRANGESTORE", "zr", "z4", "0", "-1"), ("ZRANGESTORE", "zr", "z4", "5", "10"), ("ZRANGESTORE", "zr2", "missing", "0", "1"),
    ("ZSCORE", "missing", "a"), ("ZMSCORE", "missing", "a"), ("ZRANGE", "missing", "0", "1"), ("ZCARD", "missing"),
    ("ZRANK", "missing", "a"), ("ZCOUNT", "missing", "0", "1"), ("ZLEXCOUNT", "missing", "-", "+"),
    ("ZRANGEBYSCORE", "missing", "0", "1"), ("ZUNION", "2", "missing", "z4"), ("ZINTERCARD", "1", "missing"),
    ("ZRANDMEMBER", "missing"), ("ZSCAN", "missing", "0"),
    ("BZMPOP", "0", "1", "z4", "MAX", "COUNT", "5"),
    ("@async", "w1", "BZPOPMIN", "q1", "0"), ("@blocked", 1),
    ("@async", "w2", "BZMPOP", "0", "1", "q2", "MAX", "COUNT", "2"), ("@blocked", 2),
    ("ZADD", "q1", "1", "a"), ("ZADD", "q2", "1", "a", "2", "b", "3", "c"), ("@read", "w1"), ("@read", "w2"),
]

SORTS = [
    ("RPUSH", "sl", "3", "1", "2"), ("SET", "w_1", "30"), ("SET", "o_2", "two"),
    ("SORT", "sl", "STORE", "so"), ("SORT", "sl", "STORE", "so"), ("SORT", "sl", "BY", "w_*", "GET", "o_*", "GET", "#"),
    ("SORT", "sl", "LIMIT", "0", "0", "STORE", "so"), ("SORT", "sl", "LIMIT", "0", "0", "STORE", "so"),
    ("SORT", "missing", "STORE", "so2"), ("SORT_RO", "missing"), ("SORT", "sl", "BY", "nosort", "STORE", "so3"),
]

TRANSACTIONS_AND_SERVER = [
    ("MULTI",), ("SET", "t1", "1"), ("LPUSH", "t2", "a"), ("INCR", "t1"), ("GET", "nope"), ("EXEC",),
    ("MULTI",), ("BLPOP", "t2", "t3", "0"), ("BLPOP", "t3", "0"), ("EXEC",),
    ("SET", "a", "1"), ("SELECT", "2"), ("SET", "b", "2"), ("SWAPDB", "0", "2"), ("SELECT", "0"), ("GET", "a"),
    ("FLUSHDB",), ("SET", "c", "3"), ("FLUSHALL",), ("GET", "b"),
]

# Lookups that expire what they find, lookups that never notify a miss (OBJECT, MEMORY
# USAGE), TTLs carried by RENAME/COPY/MOVE, a non-zero database.
MISC = [
    ("SET", "rk", "v", "PX", "1"), ("@sleep", 0.005), ("RANDOMKEY",),
    ("SET", "sc", "v", "PX", "1"), ("@sleep", 0.005), ("KEYS", "*"), ("SCAN", "0"),
    ("SET", "ex", "v", "PX", "1"), ("SET", "oe", "v", "PX", "1"), ("SET", "mu", "v", "PX", "1"),
    ("SET", "d1", "x", "PX", "1"), ("SET", "d2", "x", "PX", "1"), ("SET", "d3", "x", "PX", "1"),
    ("SET", "d4", "x", "PX", "1"), ("SET", "d5", "x", "PX", "1"), ("SET", "d6", "x", "PX", "1"), ("@sleep", 0.005),
    # Empty results delete their destination without looking it up: past its TTL, it goes with `del`.
    ("ZUNIONSTORE", "d1", "1", "missing"), ("SORT", "missing", "STORE", "d2"), ("ZRANGESTORE", "d3", "missing", "0", "1"),
    ("SINTERSTORE", "d4", "missing"), ("SUNIONSTORE", "d5", "missing"), ("SORT", "missing", "LIMIT", "0", "0", "STORE", "d6"),
    # Stores over a key past its TTL expire it first (setKey's lookup), then create it anew.
    ("SADD", "src", "a"), ("RPUSH", "sl", "b"),
    ("SET", "o1", "x", "PX", "1"), ("SET", "o2", "x", "PX", "1"), ("SET", "o3", "x", "PX", "1"),
    ("SET", "o4", "x", "PX", "1"), ("SET", "o5", "x", "PX", "1"), ("SET", "o6", "x", "PX", "1"), ("@sleep", 0.005),
    ("MSET", "o1", "y"), ("SINTERSTORE", "o2", "src"), ("SORT", "sl", "ALPHA", "STORE", "o3"),
    ("ZUNIONSTORE", "o4", "1", "src"), ("MSETNX", "o5", "z"), ("ZRANGESTORE", "o6", "src", "0", "-1"),
    ("EXPIRE", "ex", "10"), ("PERSIST", "ex"), ("MEMORY", "USAGE", "mu"), ("OBJECT", "ENCODING", "oe"), ("DEL", "mu"),
    ("OBJECT", "ENCODING", "missing"), ("OBJECT", "FREQ", "missing"), ("MEMORY", "USAGE", "missing"),
    ("SET", "t", "v", "EX", "100"), ("RENAME", "t", "t2"), ("COPY", "t2", "t3"), ("MOVE", "t3", "3"),
    ("MSET", "d", "1", "d", "2"), ("SADD", "st", "a"), ("SET", "str", "x"), ("SMOVE", "st", "str", "a"),
    ("SELECT", "3"), ("LPUSH", "l", "a"), ("RPOP", "l"), ("GET", "t3"), ("SELECT", "0"),
]

AREAS = {
    "strings": STRINGS, "keys": KEYS, "expires": EXPIRES, "lists": LISTS, "hashes": HASHES,
    "sets": SETS, "zsets": ZSETS, "sort": SORTS, "multi-server": TRANSACTIONS_AND_SERVER, "misc": MISC,
}

SENTINEL_CHANNEL = "__keyspace@0__:~end-of-sequence~"


class Endpoint:
    """One server: a connection for the commands, a subscriber, helpers that block."""

    def __init__(self, server, proto):
        self.server = server
        self.c = server.client(timeout=TIMEOUT)
        self.sub = server.client(timeout=TIMEOUT)
        if proto == 3:
            self.sub.command("HELLO", "3")
        self.sub.command("PSUBSCRIBE", "__key*__:*")
        self.helpers = {}

    def close(self):
        for client in [self.c, self.sub, *self.helpers.values()]:
            client.close()

    def blocked_clients(self):
        info = self.c.command("INFO", "clients").decode()
        for line in info.split("\r\n"):
            if line.startswith("blocked_clients:"):
                return int(line.split(":")[1])
        return -1

    def run(self, flags, steps):
        """Runs `steps` with `flags` enabled; returns (events, replies)."""
        self.c.command("CONFIG", "SET", "notify-keyspace-events", "")
        self.c.command("FLUSHALL")
        self.c.command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        self.c.command("CONFIG", "SET", "notify-keyspace-events", flags)
        replies = []
        for step in steps:
            if step[0] == "@sleep":
                time.sleep(step[1])
            elif step[0] == "@async":
                helper = self.helpers.get(step[1]) or self.server.client(timeout=TIMEOUT)
                self.helpers[step[1]] = helper
                helper.send_command(*step[2:])
            elif step[0] == "@blocked":
                deadline = time.monotonic() + TIMEOUT
                while self.blocked_clients() != step[1]:
                    assert time.monotonic() < deadline, "%s: clients never blocked" % self.server.name
                    time.sleep(0.001)
            elif step[0] == "@read":
                replies.append(self.helpers[step[1]].read_reply())
            else:
                replies.append(self.c.command(*step))
        self.c.command("PUBLISH", SENTINEL_CHANNEL, "end")
        events = []
        while True:
            frame = self.sub.read_frame()
            if SENTINEL_CHANNEL.encode() in frame:
                break
            events.append(frame)
        self.c.command("CONFIG", "SET", "notify-keyspace-events", "")
        return events, replies


def describe(events):
    """Readable lines for a mismatch message: channel and message of each event."""
    lines = []
    for frame in events:
        parts = [p for p in frame.split(b"\r\n") if p and p[:1] not in b"*>$"]
        lines.append(" ".join(p.decode(errors="replace") for p in parts[2:]))
    return lines


def compare(first, second, flags, area, steps):
    events_a, _ = first.run(flags, steps)
    events_b, _ = second.run(flags, steps)
    if events_a != events_b:
        a, b = describe(events_a), describe(events_b)
        diverge = next((i for i in range(max(len(a), len(b))) if a[i:i + 1] != b[i:i + 1]), None)
        pytest.fail("flags %r, %s: events differ from #%s\n%s: %s\n%s: %s" % (
            flags, area, diverge, first.server.name, a[diverge:diverge + 12], second.server.name, b[diverge:diverge + 12]))
    return events_a


@pytest.fixture(params=PROTOCOLS, ids=lambda p: "resp%d" % p)
def proto(request):
    return request.param


@pytest.fixture
def endpoints(apus, redis, proto):
    pair = Endpoint(apus, proto), Endpoint(redis, proto)
    yield pair
    for endpoint in pair:
        endpoint.close()


@pytest.mark.parametrize("area", list(AREAS))
@pytest.mark.parametrize("flags", FLAGS)
def test_notifications(endpoints, flags, area):
    apus_side, redis_side = endpoints
    events = compare(apus_side, redis_side, flags, area, AREAS[area])
    if flags == "":
        assert events == []


FAMILY_KEYS = {family: [family + str(i) for i in range(3)] for family in "slhtz"}
MEMBERS = ["x", "y", "z", "1", "2"]


def random_command(rng):
    """One deterministic command (no random picks, no short TTLs) over a small keyspace: each
    family mostly uses its own keys, so collections grow, empty and get stored over, and now and
    then another family's, so types collide."""
    def key(family):
        pool = FAMILY_KEYS[family] if rng.random() < 0.9 else FAMILY_KEYS[rng.choice("slhtz")]
        return rng.choice(pool)
    s, l, h, t, z = (lambda f=f: key(f) for f in "slhtz")
    anykey = lambda: key(rng.choice("slhtz"))
    m = lambda: rng.choice(MEMBERS)
    n = lambda: str(rng.randint(-3, 5))
    side = lambda: rng.choice(["LEFT", "RIGHT"])
    choices = [
        lambda: ("SET", s(), m()), lambda: ("SET", s(), m(), rng.choice(["NX", "XX", "GET", "KEEPTTL"])),
        lambda: ("SET", s(), m(), "EX", "1000"), lambda: ("GETDEL", s()), lambda: ("GETEX", s(), "PERSIST"),
        lambda: ("APPEND", s(), m()), lambda: ("INCR", s()), lambda: ("INCRBYFLOAT", s(), "1.5"),
        lambda: ("SETRANGE", s(), str(rng.randint(0, 3)), rng.choice(["", "ab"])), lambda: ("GET", s()),
        lambda: ("MSET", s(), m(), s(), m()), lambda: ("MSETNX", s(), m(), s(), m()),
        lambda: ("DEL", anykey(), anykey()), lambda: ("EXISTS", anykey()), lambda: ("TYPE", anykey()),
        lambda: ("RENAME", anykey(), anykey()), lambda: ("RENAMENX", anykey(), anykey()),
        lambda: ("COPY", anykey(), anykey()), lambda: ("COPY", anykey(), anykey(), "REPLACE"),
        lambda: ("EXPIRE", anykey(), "1000"), lambda: ("EXPIRE", anykey(), "-1"), lambda: ("PERSIST", anykey()),
        lambda: ("TTL", anykey()), lambda: ("MOVE", anykey(), "1"),
        lambda: ("LPUSH", l(), m(), m()), lambda: ("RPUSH", l(), m()), lambda: ("RPUSHX", l(), m()),
        lambda: ("LPOP", l()), lambda: ("RPOP", l(), str(rng.randint(0, 3))), lambda: ("LREM", l(), n(), m()),
        lambda: ("LTRIM", l(), n(), n()), lambda: ("LSET", l(), n(), m()), lambda: ("LINSERT", l(), "BEFORE", m(), m()),
        lambda: ("LMOVE", l(), l(), side(), side()), lambda: ("LMPOP", "2", l(), l(), side(), "COUNT", "2"),
        lambda: ("BLPOP", l(), l(), "0.01"), lambda: ("LRANGE", l(), "0", "-1"),
        lambda: ("SORT", l(), "ALPHA", "STORE", l()),
        lambda: ("HSET", h(), m(), m()), lambda: ("HSETNX", h(), m(), m()), lambda: ("HDEL", h(), m(), m()),
        lambda: ("HINCRBY", h(), m(), "2"), lambda: ("HINCRBYFLOAT", h(), m(), "0.5"), lambda: ("HGET", h(), m()),
        lambda: ("SADD", t(), m(), m()), lambda: ("SREM", t(), m()), lambda: ("SMOVE", t(), t(), m()),
        lambda: ("SINTERSTORE", t(), t(), t()), lambda: ("SUNIONSTORE", t(), t(), t()),
        lambda: ("SDIFFSTORE", t(), t(), t()), lambda: ("SISMEMBER", t(), m()),
        lambda: ("ZADD", z(), n(), m()), lambda: ("ZADD", z(), rng.choice(["NX", "XX", "GT", "LT", "INCR"]), n(), m()),
        lambda: ("ZINCRBY", z(), n(), m()), lambda: ("ZREM", z(), m(), m()), lambda: ("ZPOPMIN", z()),
        lambda: ("ZPOPMAX", z(), "2"), lambda: ("ZREMRANGEBYSCORE", z(), n(), n()), lambda: ("ZREMRANGEBYRANK", z(), n(), n()),
        lambda: ("ZUNIONSTORE", z(), "2", z(), z()), lambda: ("ZINTERSTORE", z(), "2", z(), z()),
        lambda: ("ZDIFFSTORE", z(), "2", z(), z()), lambda: ("ZRANGESTORE", z(), z(), n(), n()),
        lambda: ("ZMPOP", "1", z(), "MIN"), lambda: ("BZPOPMAX", z(), "0.01"), lambda: ("ZSCORE", z(), m()),
    ]
    return rng.choice(choices)()


@pytest.mark.parametrize("seed", range(1, 9))
def test_notifications_random(endpoints, seed):
    """Seeded random sequences under every class (KEAmn): interactions the scripted areas miss."""
    rng = random.Random(seed)
    steps = [random_command(rng) for _ in range(600)]
    compare(*endpoints, "KEAmn", "random seed %d" % seed, steps)


def run_active_expiry(endpoint, flags):
    """Keys with 1 ms TTLs in two databases, left to active expiry; returns the events."""
    c = endpoint.c
    c.command("CONFIG", "SET", "notify-keyspace-events", "")
    c.command("FLUSHALL")
    c.command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    for db in ("0", "2"):
        c.command("SELECT", db)
        for index in range(20):
            c.command("SET", "ax:%d" % index, "v", "PX", "1")
        c.command("HSET", "ah", "f", "v")
        c.command("PEXPIRE", "ah", "1")
    c.command("SELECT", "0")
    c.command("CONFIG", "SET", "notify-keyspace-events", flags)
    c.command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    deadline = time.monotonic() + TIMEOUT
    while b"keys=" in c.command("INFO", "keyspace"):
        assert time.monotonic() < deadline, "%s: active expiry left keys behind" % endpoint.server.name
        time.sleep(0.01)
    c.command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    c.command("PUBLISH", SENTINEL_CHANNEL, "end")
    events = []
    while True:
        frame = endpoint.sub.read_frame()
        if SENTINEL_CHANNEL.encode() in frame:
            break
        events.append(frame)
    c.command("CONFIG", "SET", "notify-keyspace-events", "")
    return events


@pytest.mark.parametrize("flags", ["KEA", "Kx", "Ex", "KEg"])
def test_active_expiry_notifications(endpoints, flags):
    """`expired` from active expiry, one per key and database. The order in which the cycle
    samples keys is random in Redis, so the events are compared as a multiset."""
    apus_side, redis_side = endpoints
    apus_events = run_active_expiry(apus_side, flags)
    redis_events = run_active_expiry(redis_side, flags)
    assert sorted(describe(apus_events)) == sorted(describe(redis_events))
    assert sorted(apus_events) == sorted(redis_events)
    assert len(redis_events) == (0 if flags == "KEg" else 42 * (2 if flags == "KEA" else 1)), describe(redis_events)


def test_harness_is_deterministic_on_redis(redis, redis_factory):
    """Two redis-servers agree on every sequence, and the sequences do produce events."""
    first, second = Endpoint(redis, 2), Endpoint(redis_factory(), 3)
    try:
        for area, steps in AREAS.items():
            for flags in ("KEAmn", "Kx", "Em"):
                # RESP2 and RESP3 frames differ only in their header: compare the rest.
                a, _ = first.run(flags, steps)
                b, _ = second.run(flags, steps)
                assert describe(a) == describe(b), (area, flags)
                if area != "multi-server" or flags == "KEAmn":
                    assert a or flags != "KEAmn", area
    finally:
        first.close()
        second.close()
