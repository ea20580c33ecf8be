"""Integration: the MEMORY command, INFO memory, active expiry and active defrag.

Every test here was run against Redis 7.0.15 (APUS_BIN=/usr/bin/redis-server) and
passes there, except the active defrag test, which is skipped for redis-server:
Debian's build links the system jemalloc, not Redis's patched one, and refuses
``activedefrag yes`` ("Active defragmentation cannot be enabled: it requires a
Redis server compiled with a modified Jemalloc like the one shipped by default
with the Redis source distribution").

Redis 7.0.15 behaviour the tests pin down (object.c memoryCommand):

* MEMORY USAGE key [SAMPLES count]: the options are parsed before the key is
  looked up (so the errors are the same for a missing key); ``SAMPLES`` without
  a value, an unknown option or a negative count -> ``-ERR syntax error``; a
  count that is not a long long -> ``-ERR value is not an integer or out of
  range``; ``SAMPLES 0`` samples everything; the last SAMPLES wins.  A missing
  key is a null ($-1 / RESP3 _).
* MEMORY STATS: a map (RESP2: flat array) of 27 fields plus one ``db.<n>``
  entry per non-empty database, inserted after ``functions.caches``; each
  ``db.<n>`` is a map of overhead.hashtable.main, overhead.hashtable.expires and
  overhead.hashtable.slot-to-keys.  Ratios/percentages are doubles (RESP2 bulk
  strings, RESP3 ``,``), everything else integers.
  overhead.total = startup.allocated + replication.backlog + clients.slaves +
  clients.normal + cluster.links + aof.buffer + lua.caches + functions.caches +
  the db overheads; dataset.bytes = total.allocated - overhead.total;
  keys.bytes-per-key = (total.allocated - startup.allocated) // keys.count.
* MEMORY DOCTOR: a verbatim string (RESP2 bulk, RESP3 ``=``/``txt:``); below 5 MB
  allocated it is the "Hi Sam, this instance is empty ..." text (with a final \\n).
* MEMORY MALLOC-STATS without jemalloc: the bulk string "Stats not supported for
  the current allocator" (a plain bulk in RESP3 too); with jemalloc, jemalloc's
  stats report as a verbatim string.
* MEMORY PURGE: +OK.  MEMORY HELP: 14 status lines (HELP_TEXT below).
* Unknown subcommand: ``-ERR unknown subcommand '<name, at most 128 bytes, as
  typed>'. Try MEMORY HELP.``; wrong arity: ``-ERR wrong number of arguments for
  'memory|<subcommand in lower case>' command``, or ``... for 'memory' command``
  for a bare MEMORY.
"""

import os
import random
import re

import pytest

from support.integration import RespClient, parse_info, start_server, wait_until
from support.resp import parse
from support.servers import apus_binary


def running_redis():
    return os.path.basename(apus_binary()).startswith("redis-server")


@pytest.fixture
def c(server):
    with RespClient(server.host, server.port) as client:
        assert client.command("FLUSHALL") == b"+OK\r\n"
        yield client


def info(client, section):
    return parse_info(client.command("INFO", section))


def integer(raw):
    assert raw.startswith(b":"), raw
    return int(raw[1:-2])


def load(client, commands, batch=5000):
    """Pipelines the commands in batches; every reply must be a non-error."""
    for start in range(0, len(commands), batch):
        for reply in client.pipeline(commands[start:start + batch]):
            assert not reply.startswith(b"-"), reply


# ---------------------------------------------------------------------------
# MEMORY USAGE
# ---------------------------------------------------------------------------

LONG = "x" * 100

# (key, setup commands, OBJECT ENCODING) with the default encoding thresholds.
TYPE_CASES = [
    ("str:int", [("SET", "str:int", "12345")], b"int"),
    ("str:embstr", [("SET", "str:embstr", "hello")], b"embstr"),
    ("str:raw", [("SET", "str:raw", LONG)], b"raw"),
    ("list", [("RPUSH", "list", "a", "b", "c")], b"quicklist"),
    ("set:intset", [("SADD", "set:intset", "1", "2", "3")], b"intset"),
    ("set:hashtable", [("SADD", "set:hashtable", "a", "b", "c")], b"hashtable"),
    ("hash:listpack", [("HSET", "hash:listpack", "f1", "v1", "f2", "v2")], b"listpack"),
    ("hash:hashtable", [("HSET", "hash:hashtable", "f1", LONG)], b"hashtable"),
    ("zset:listpack", [("ZADD", "zset:listpack", "1", "a", "2", "b")], b"listpack"),
    ("zset:skiplist", [("ZADD", "zset:skiplist", "1", LONG)], b"skiplist"),
]


@pytest.mark.parametrize("key, setup, encoding", TYPE_CASES, ids=[k for k, _, _ in TYPE_CASES])
def test_memory_usage_every_type_and_encoding(c, key, setup, encoding):
    load(c, setup)
    assert c.command("OBJECT", "ENCODING", key) == b"$%d\r\n%s\r\n" % (len(encoding), encoding)
    for extra in ([], ["SAMPLES", "0"], ["SAMPLES", "1"], ["samples", "1000"]):
        assert integer(c.command("MEMORY", "USAGE", key, *extra)) > 0, extra
    assert integer(c.command("memory", "usage", key)) > 0


def test_memory_usage_missing_key(c):
    assert c.command("MEMORY", "USAGE", "nosuchkey") == b"$-1\r\n"
    assert c.command("MEMORY", "USAGE", "nosuchkey", "SAMPLES", "0") == b"$-1\r\n"
    assert c.command("HELLO", "3").startswith(b"%")
    assert c.command("MEMORY", "USAGE", "nosuchkey") == b"_\r\n"


def test_memory_usage_grows_with_the_value(c):
    c.command("SET", "small", "x" * 10)
    c.command("SET", "big", "x" * 1000)
    small, big = integer(c.command("MEMORY", "USAGE", "small")), integer(c.command("MEMORY", "USAGE", "big"))
    assert big >= small + 990, (small, big)

    def fill(kind, key, n):
        if kind == "hash":
            return [("HSET", key, "field:%d" % i, "value:%d" % i) for i in range(n)]
        if kind == "list":
            return [("RPUSH", key, "item:%d" % i) for i in range(n)]
        if kind == "set":
            return [("SADD", key, "member:%d" % i) for i in range(n)]
        if kind == "intset":
            return [("SADD", key, str(i)) for i in range(n)]
        return [("ZADD", key, str(i), "member:%d" % i) for i in range(n)]

    for kind in ("hash", "list", "set", "intset", "zset"):
        load(c, fill(kind, kind + ":10", 10) + fill(kind, kind + ":10k", 10000))
        small = integer(c.command("MEMORY", "USAGE", kind + ":10"))
        for extra in ([], ["SAMPLES", "0"]):
            big = integer(c.command("MEMORY", "USAGE", kind + ":10k", *extra))
            # 1000 times the elements: Redis reports 500-5000 times the bytes.
            assert big > 100 * small, (kind, extra, small, big)


SYNTAX = b"-ERR syntax error\r\n"
NOT_INTEGER = b"-ERR value is not an integer or out of range\r\n"


@pytest.mark.parametrize("present", [True, False], ids=["key", "missing-key"])
@pytest.mark.parametrize("options, expected", [
    (["SAMPLES"], SYNTAX),
    (["BOGUS"], SYNTAX),
    (["BOGUS", "1"], SYNTAX),
    (["SAMPLES", "5", "extra"], SYNTAX),
    (["SAMPLES", "-1"], SYNTAX),
    (["SAMPLES", "5", "SAMPLES", "-1"], SYNTAX),
    (["SAMPLES", "x"], NOT_INTEGER),
    (["SAMPLES", "1.5"], NOT_INTEGER),
    (["SAMPLES", "99999999999999999999"], NOT_INTEGER),
    (["SAMPLES", ""], NOT_INTEGER),
], ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_memory_usage_errors(c, present, options, expected):
    if present:
        c.command("SET", "k", "v")
    assert c.command("MEMORY", "USAGE", "k", *options) == expected


def test_memory_usage_repeated_samples_accepted(c):
    c.command("HSET", "h", "a", "1")
    assert integer(c.command("MEMORY", "USAGE", "h", "samples", "5", "SAMPLES", "0")) > 0


# ---------------------------------------------------------------------------
# MEMORY subcommands, HELP and errors
# ---------------------------------------------------------------------------

HELP_LINES = [
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
]
HELP_REPLY = b"*14\r\n" + b"".join(b"+%s\r\n" % line.encode() for line in HELP_LINES)


def test_memory_help(c):
    assert c.command("MEMORY", "HELP") == HELP_REPLY
    assert c.command("memory", "help") == HELP_REPLY
    c.command("HELLO", "3")
    assert c.command("MEMORY", "HELP") == HELP_REPLY


def arity(name):
    return b"-ERR wrong number of arguments for '%s' command\r\n" % name.encode()


@pytest.mark.parametrize("args, expected", [
    (["MEMORY"], arity("memory")),
    (["MEMORY", "USAGE"], arity("memory|usage")),
    (["MEMORY", "STATS", "x"], arity("memory|stats")),
    (["MEMORY", "Stats", "x"], arity("memory|stats")),
    (["MEMORY", "DOCTOR", "x"], arity("memory|doctor")),
    (["MEMORY", "PURGE", "x"], arity("memory|purge")),
    (["MEMORY", "MALLOC-STATS", "x"], arity("memory|malloc-stats")),
    (["MEMORY", "HELP", "x"], arity("memory|help")),
    (["MEMORY", "foo"], b"-ERR unknown subcommand 'foo'. Try MEMORY HELP.\r\n"),
    (["MEMORY", "FoO", "bar"], b"-ERR unknown subcommand 'FoO'. Try MEMORY HELP.\r\n"),
    (["MEMORY", "x" * 200], b"-ERR unknown subcommand '%s'. Try MEMORY HELP.\r\n" % (b"x" * 128)),
], ids=lambda v: " ".join(v)[:30] if isinstance(v, list) else "")
def test_memory_errors(c, args, expected):
    assert c.command(*args) == expected


def test_memory_purge(c):
    assert c.command("MEMORY", "PURGE") == b"+OK\r\n"
    c.command("HELLO", "3")
    assert c.command("memory", "purge") == b"+OK\r\n"


NO_MALLOC_STATS = b"Stats not supported for the current allocator"


def test_memory_malloc_stats(c):
    allocator = info(c, "memory")["mem_allocator"]
    resp2 = c.command("MEMORY", "MALLOC-STATS")
    c.command("HELLO", "3")
    resp3 = c.command("MEMORY", "MALLOC-STATS")
    if allocator.startswith("jemalloc"):
        # jemalloc's own report, sent with addReplyVerbatim.
        assert parse(resp2)[0] == "$" and parse(resp2)[1].startswith(b"___ Begin jemalloc statistics ___")
        assert parse(resp3)[0] == "=" and parse(resp3)[1].startswith(b"txt:___ Begin jemalloc statistics ___")
    elif allocator == "libc+slab":
        # Apus: the record slab's report, verbatim as Redis sends jemalloc's.
        assert parse(resp2)[0] == "$" and parse(resp2)[1].startswith(b"___ Begin Apus record slab statistics ___")
        assert parse(resp3)[0] == "=" and parse(resp3)[1].startswith(b"txt:___ Begin Apus record slab statistics ___")
    else:
        # Any other allocator (plain libc malloc): a plain bulk string in both protocols.
        expected = b"$%d\r\n%s\r\n" % (len(NO_MALLOC_STATS), NO_MALLOC_STATS)
        assert resp2 == expected
        assert resp3 == expected


EMPTY_DOCTOR = (b"Hi Sam, this instance is empty or is using very little memory, my issues detector can't be "
                b"used in these conditions. Please, leave for your mission on Earth and fill it with some data. "
                b"The new Sam and I will be back to our programming as soon as I finished rebooting.\n")
NO_ISSUE_DOCTOR = (b"Hi Sam, I can't find any memory issue in your instance. "
                   b"I can only account for what occurs on this base.\n")
ISSUES_HEAD = b"Sam, I detected a few issues in this Redis instance memory implants:\n\n"
ISSUES_TAIL = b"I'm here to keep you safe, Sam. I want to help you.\n"


def test_memory_doctor_empty_instance():
    srv = start_server()
    try:
        with RespClient(srv.host, srv.port) as c:
            assert c.command("MEMORY", "DOCTOR") == b"$%d\r\n%s\r\n" % (len(EMPTY_DOCTOR), EMPTY_DOCTOR)
            c.command("HELLO", "3")
            assert c.command("MEMORY", "DOCTOR") == b"=%d\r\ntxt:%s\r\n" % (len(EMPTY_DOCTOR) + 4, EMPTY_DOCTOR)
    finally:
        srv.stop()


def test_memory_doctor_with_data():
    # Above 5 MB allocated the detector runs: either no issue or a list of issues.
    srv = start_server()
    try:
        with RespClient(srv.host, srv.port) as c:
            load(c, [("SET", "key:%d" % i, "v" * 64) for i in range(100000)])
            assert int(info(c, "memory")["used_memory"]) > 5 * 1024 * 1024
            node = parse(c.command("MEMORY", "DOCTOR"))
            assert node[0] == "$"
            text = node[1]
            assert text == NO_ISSUE_DOCTOR or (text.startswith(ISSUES_HEAD) and text.endswith(ISSUES_TAIL)), text
    finally:
        srv.stop()


# ---------------------------------------------------------------------------
# MEMORY STATS
# ---------------------------------------------------------------------------

STATS_BEFORE_DBS = [
    "peak.allocated", "total.allocated", "startup.allocated", "replication.backlog", "clients.slaves",
    "clients.normal", "cluster.links", "aof.buffer", "lua.caches", "functions.caches",
]
STATS_AFTER_DBS = [
    "overhead.total", "keys.count", "keys.bytes-per-key", "dataset.bytes", "dataset.percentage",
    "peak.percentage", "allocator.allocated", "allocator.active", "allocator.resident",
    "allocator-fragmentation.ratio", "allocator-fragmentation.bytes", "allocator-rss.ratio",
    "allocator-rss.bytes", "rss-overhead.ratio", "rss-overhead.bytes", "fragmentation", "fragmentation.bytes",
]
STATS_DOUBLES = {"dataset.percentage", "peak.percentage", "allocator-fragmentation.ratio", "allocator-rss.ratio",
                 "rss-overhead.ratio", "fragmentation"}
DB_FIELDS = ["overhead.hashtable.main", "overhead.hashtable.expires", "overhead.hashtable.slot-to-keys"]


def stats_pairs(raw, resp3):
    """MEMORY STATS as an ordered list of (name, node), checking the framing."""
    node = parse(raw)
    if resp3:
        assert node[0] == "%", raw[:100]
        pairs = node[1]
    else:
        assert node[0] == "*", raw[:100]
        items = node[1]
        assert len(items) % 2 == 0
        pairs = list(zip(items[0::2], items[1::2]))
    out = []
    for key, value in pairs:
        assert key[0] == "$", key
        out.append((key[1].decode(), value))
    return out


def number(name, node, resp3):
    if name in STATS_DOUBLES:
        if resp3:
            assert node[0] == ",", (name, node)
        else:
            assert node[0] == "$", (name, node)
        return float(node[1])
    assert node[0] == ":", (name, node)
    return int(node[1])


def db_overheads(name, node, resp3):
    if resp3:
        assert node[0] == "%", (name, node)
        pairs = node[1]
    else:
        assert node[0] == "*", (name, node)
        pairs = list(zip(node[1][0::2], node[1][1::2]))
    assert [k[1].decode() for k, _ in pairs] == DB_FIELDS, (name, pairs)
    for _, v in pairs:
        assert v[0] == ":", (name, v)
    return {k[1].decode(): int(v[1]) for k, v in pairs}


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_memory_stats_shape(c, resp3):
    # Keys in db 0 (no TTL) and db 3 (one with a TTL); every other db is empty.
    load(c, [("SET", "a:%d" % i, "v") for i in range(50)])
    load(c, [("SELECT", "3"), ("SET", "b", "1"), ("SET", "c", "2", "EX", "1000"), ("SELECT", "0")])
    if resp3:
        c.command("HELLO", "3")
    pairs = stats_pairs(c.command("MEMORY", "STATS"), resp3)
    assert [k for k, _ in pairs] == STATS_BEFORE_DBS + ["db.0", "db.3"] + STATS_AFTER_DBS
    values, dbs = {}, {}
    for name, node in pairs:
        if name.startswith("db."):
            dbs[name] = db_overheads(name, node, resp3)
        else:
            values[name] = number(name, node, resp3)
    assert values["keys.count"] == 52
    assert values["total.allocated"] > 0 and values["peak.allocated"] > 0
    assert 0 < values["startup.allocated"] <= values["total.allocated"]
    assert dbs["db.0"]["overhead.hashtable.main"] > 0
    assert dbs["db.0"]["overhead.hashtable.expires"] == 0
    assert dbs["db.3"]["overhead.hashtable.main"] > 0
    assert dbs["db.3"]["overhead.hashtable.expires"] > 0
    overhead = sum(values[k] for k in STATS_BEFORE_DBS[2:]) + sum(sum(d.values()) for d in dbs.values())
    assert values["overhead.total"] == overhead
    assert values["dataset.bytes"] == values["total.allocated"] - values["overhead.total"]
    assert values["keys.bytes-per-key"] == (values["total.allocated"] - values["startup.allocated"]) // 52
    assert 0 <= values["dataset.percentage"] <= 100
    assert values["peak.percentage"] > 0


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_memory_stats_empty_instance(c, resp3):
    if resp3:
        c.command("HELLO", "3")
    raw = c.command("MEMORY", "STATS")
    assert raw.startswith(b"%27\r\n" if resp3 else b"*54\r\n"), raw[:20]
    pairs = stats_pairs(raw, resp3)
    assert [k for k, _ in pairs] == STATS_BEFORE_DBS + STATS_AFTER_DBS
    values = {k: number(k, v, resp3) for k, v in pairs}
    assert values["keys.count"] == 0
    assert values["keys.bytes-per-key"] == 0


# ---------------------------------------------------------------------------
# INFO memory
# ---------------------------------------------------------------------------

# Redis 7.0.15's INFO memory fields, in order.
REDIS_INFO_MEMORY = [
    "used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human", "used_memory_peak",
    "used_memory_peak_human", "used_memory_peak_perc", "used_memory_overhead", "used_memory_startup",
    "used_memory_dataset", "used_memory_dataset_perc", "allocator_allocated", "allocator_active",
    "allocator_resident", "total_system_memory", "total_system_memory_human", "used_memory_lua",
    "used_memory_vm_eval", "used_memory_lua_human", "used_memory_scripts_eval", "number_of_cached_scripts",
    "number_of_functions", "number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total",
    "used_memory_vm_total_human", "used_memory_functions", "used_memory_scripts", "used_memory_scripts_human",
    "maxmemory", "maxmemory_human", "maxmemory_policy", "allocator_frag_ratio", "allocator_frag_bytes",
    "allocator_rss_ratio", "allocator_rss_bytes", "rss_overhead_ratio", "rss_overhead_bytes",
    "mem_fragmentation_ratio", "mem_fragmentation_bytes", "mem_not_counted_for_evict",
    "mem_replication_backlog", "mem_total_replication_buffers", "mem_clients_slaves", "mem_clients_normal",
    "mem_cluster_links", "mem_aof_buffer", "mem_allocator", "active_defrag_running",
    "lazyfree_pending_objects", "lazyfreed_objects",
]


def test_info_memory_has_every_redis_field_in_order(c):
    fields = list(info(c, "memory"))
    missing = [f for f in REDIS_INFO_MEMORY if f not in fields]
    assert not missing, missing
    # Extra fields are allowed; Redis's own ones keep Redis's order.
    assert [f for f in fields if f in REDIS_INFO_MEMORY] == REDIS_INFO_MEMORY
    human = info(c, "memory")["used_memory_human"]
    assert re.fullmatch(r"\d+B|\d+\.\d\d[KMGTP]", human), human


def test_used_memory_grows_with_keys_and_drops_after_flushall():
    srv = start_server()
    try:
        with RespClient(srv.host, srv.port) as c:
            base = int(info(c, "memory")["used_memory"])
            load(c, [("SET", "key:%06d" % i, "value:%06d" % i) for i in range(100000)])
            mem = info(c, "memory")
            loaded = int(mem["used_memory"])
            # At least the 100k keys' and values' own bytes (1.6 MB; Redis uses ~8 MB).
            assert loaded > base + 100000 * 16, (base, loaded)
            assert int(mem["used_memory_peak"]) >= loaded
            assert int(mem["used_memory_rss"]) > 0
            assert int(mem["used_memory_dataset"]) > 0
            assert c.command("FLUSHALL") == b"+OK\r\n"
            wait_until(lambda: int(info(c, "memory")["used_memory"]) <= base + 2 * 1024 * 1024,
                       timeout=10, what="used_memory back within 2 MB of the start")
            assert int(info(c, "memory")["used_memory_peak"]) >= loaded
    finally:
        srv.stop()


def test_fragmentation_ratio_consistent_with_rss_and_used():
    srv = start_server()
    try:
        with RespClient(srv.host, srv.port) as c:
            load(c, [("SET", "key:%06d" % i, "v" * 50) for i in range(50000)])

            def consistent():
                # The ratio is sampled by the cron (as is used_memory_rss), so allow for that
                # and for the two-decimal rounding: within 5%.
                mem = info(c, "memory")
                rss, used = int(mem["used_memory_rss"]), int(mem["used_memory"])
                ratio = float(mem["mem_fragmentation_ratio"])
                assert rss > 0 and used > 0, mem
                return abs(ratio - rss / used) <= 0.05 * (rss / used) + 0.01

            wait_until(consistent, timeout=5, what="mem_fragmentation_ratio ~ used_memory_rss / used_memory")
    finally:
        srv.stop()


# ---------------------------------------------------------------------------
# Active expiry and INFO keyspace
# ---------------------------------------------------------------------------

KEYSPACE_LINE = re.compile(r"^db(\d+):keys=(\d+),expires=(\d+),avg_ttl=(\d+)$", re.M)


def keyspace(client):
    """{db: (keys, expires)} from INFO keyspace."""
    body = client.command("INFO", "keyspace").split(b"\r\n", 1)[1].decode()
    return {int(m.group(1)): (int(m.group(2)), int(m.group(3))) for m in KEYSPACE_LINE.finditer(body.replace("\r", ""))}


def test_active_expiry_reclaims_keys_nobody_touches():
    srv = start_server()
    try:
        with RespClient(srv.host, srv.port) as c:
            load(c, [("SET", "keep:%d" % i, "v") for i in range(100)])
            load(c, [("SET", "vol:%d" % i, "v", "PX", "100") for i in range(10000)])
            load(c, [("SELECT", "1")] + [("SET", "vol1:%d" % i, "v", "PX", "100") for i in range(1000)]
                 + [("SELECT", "0")])
            # Only DBSIZE and INFO from here on: neither touches a key.

            def reclaimed():
                return integer(c.command("DBSIZE")) == 100 and keyspace(c).get(1) is None

            wait_until(reclaimed, timeout=10, interval=0.05, what="active expiry of 11000 keys")
            assert keyspace(c) == {0: (100, 0)}
            assert int(info(c, "stats")["expired_keys"]) == 11000
            assert c.command("SELECT", "1") == b"+OK\r\n"
            assert integer(c.command("DBSIZE")) == 0
    finally:
        srv.stop()


def test_keyspace_expires_is_exact(c):
    load(c, [("SET", "vol:%d" % i, "v", "EX", "100000") for i in range(1000)])
    load(c, [("SET", "per:%d" % i, "v") for i in range(500)])
    assert keyspace(c) == {0: (1500, 1000)}
    load(c, [("PERSIST", "vol:%d" % i) for i in range(300)])                  # vol:0-299 persistent
    assert keyspace(c) == {0: (1500, 700)}
    load(c, [("SET", "vol:%d" % i, "w") for i in range(300, 400)])            # SET drops the TTL
    assert keyspace(c) == {0: (1500, 600)}
    load(c, [("SET", "vol:%d" % i, "w", "KEEPTTL") for i in range(400, 450)])  # KEEPTTL keeps it
    assert keyspace(c) == {0: (1500, 600)}
    load(c, [("EXPIRE", "per:%d" % i, "100000") for i in range(50)])
    assert keyspace(c) == {0: (1500, 650)}
    load(c, [("DEL", "vol:%d" % i) for i in range(990, 1000)])
    assert keyspace(c) == {0: (1490, 640)}
    load(c, [("GETEX", "vol:%d" % i, "PERSIST") for i in range(980, 990)])
    assert keyspace(c) == {0: (1490, 630)}
    load(c, [("SELECT", "2"), ("SET", "x", "1", "PX", "100000"), ("SELECT", "0")])
    assert keyspace(c) == {0: (1490, 630), 2: (1, 1)}
    assert c.command("FLUSHDB") == b"+OK\r\n"
    assert keyspace(c) == {2: (1, 1)}


# ---------------------------------------------------------------------------
# Active defrag (Apus only: Debian's Redis refuses activedefrag, see the top)
# ---------------------------------------------------------------------------

DEFRAG_STATS = ["active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits",
                "active_defrag_key_misses", "total_active_defrag_time", "current_active_defrag_time"]


@pytest.mark.skipif(running_redis(), reason="Debian's redis-server is not built with Redis's patched jemalloc "
                                            "and refuses activedefrag yes")
def test_active_defrag_gives_memory_back():
    srv = start_server(["--activedefrag", "yes", "--active-defrag-ignore-bytes", "1mb",
                        "--active-defrag-threshold-lower", "5", "--active-defrag-cycle-min", "25",
                        "--active-defrag-cycle-max", "75", "--hz", "100"])
    try:
        with RespClient(srv.host, srv.port) as c:
            assert c.command("CONFIG", "GET", "activedefrag") == b"*2\r\n$12\r\nactivedefrag\r\n$3\r\nyes\r\n"
            mem = info(c, "memory")
            for field in ("active_defrag_running", "allocator_frag_ratio", "allocator_frag_bytes"):
                assert field in mem, field
            stats = info(c, "stats")
            for field in DEFRAG_STATS:
                assert field in stats, field
            rss_start = int(mem["used_memory_rss"])

            n = 200000
            value = lambda i: "%07d:%s" % (i, "d" * 90)  # noqa: E731  small allocations, many per page
            load(c, [("SET", "key:%d" % i, value(i)) for i in range(n)])
            rss_loaded = int(info(c, "memory")["used_memory_rss"])
            growth = rss_loaded - rss_start
            assert growth > 10 * 1024 * 1024, (rss_start, rss_loaded)

            rng = random.Random(20240611)
            order = list(range(n))
            rng.shuffle(order)
            kept = sorted(order[:n // 10])
            load(c, [("DEL", "key:%d" % i) for i in order[n // 10:]])
            assert integer(c.command("DBSIZE")) == len(kept)

            # The live 10% sit scattered over every page; only moving them gives pages back.
            wait_until(lambda: int(info(c, "memory")["used_memory_rss"]) <= rss_loaded - growth * 0.3,
                       timeout=60, interval=0.1, what="used_memory_rss to give back 30% of the load's growth")
            assert int(info(c, "stats")["active_defrag_hits"]) > 0
            wait_until(lambda: info(c, "memory")["active_defrag_running"] == "0",
                       timeout=60, interval=0.1, what="active defrag to stop")

            # Nothing lost or changed by the moves.
            for start in range(0, len(kept), 5000):
                chunk = kept[start:start + 5000]
                reply = parse(c.command("MGET", *["key:%d" % i for i in chunk]))
                assert [v[1].decode() for v in reply[1]] == [value(i) for i in chunk]
    finally:
        srv.stop()
