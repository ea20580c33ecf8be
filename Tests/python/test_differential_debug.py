"""Differential tests for DEBUG (Redis 7.0.15's debugCommand): every subcommand whose reply is
deterministic is sent to Apus and to redis-server and the raw replies must be identical, in
RESP2 and RESP3, errors included. Replies that describe each server's own memory layout
(STRUCTSIZE, SDSLEN, HTSTATS of a non-empty table, MALLCTL, which Debian's jemalloc build has
and a libc build does not) are checked for their format on Apus alone. The crash subcommands
(SEGFAULT, PANIC, ASSERT, OOM) and RESTART are exercised on servers of their own."""

import os
import re
import socket
import time

import pytest

from test_differential import open_pair, proto  # noqa: F401

QL_FIELDS = {"refcount", "encoding", "ql_nodes", "ql_avg_node", "ql_listpack_max", "ql_compressed",
             "ql_uncompressed_size", "serializedlength"}


def norm_object(raw, side):
    """DEBUG OBJECT: the address, the LRU clock and the idle time differ by nature; every other
    field (quicklist ones included) must match."""
    if not raw.startswith(b"+"):
        return raw
    out = []
    for tok in raw[1:-2].decode().split(" "):
        k, sep, v = tok.partition(":")
        out.append((k, sep, v if k in QL_FIELDS else "*"))
    return out


SCRIPTED = [
    ("DEBUG", "HELP"), ("DEBUG", "help", "extra"), ("DEBUG",), ("DEBUG", "nosuch"), ("DEBUG", "STRINGMATCH-LEN"),
    ("DEBUG", "JMAP"),
    # PROTOCOL
    *[("DEBUG", "PROTOCOL", t) for t in ["string", "integer", "double", "bignum", "null", "array", "set", "map",
                                          "attrib", "push", "verbatim", "true", "false", "nope"]],
    ("DEBUG", "PROTOCOL"),
    # POPULATE
    ("CONFIG", "RESETSTAT"), ("DEBUG", "POPULATE", "5"), ("DBSIZE",), ("GET", "key:0"), ("GET", "key:4"), ("OBJECT", "ENCODING", "key:1"),
    ("SET", "key:2", "mine"), ("DEBUG", "POPULATE", "4"), ("GET", "key:2"), ("DBSIZE",),
    ("DEBUG", "POPULATE", "3", "p", "12"), ("GET", "p:0"), ("GET", "p:2"), ("STRLEN", "p:1"),
    ("DEBUG", "POPULATE", "2", "q", "3"), ("GET", "q:1"), ("DEBUG", "POPULATE", "2", "z", "0"), ("GET", "z:1"),
    ("DEBUG", "POPULATE", "0"), ("DEBUG", "POPULATE", "-1"), ("DEBUG", "POPULATE", "abc"),
    ("DEBUG", "POPULATE", "1", "k", "-5"), ("DEBUG", "POPULATE", "1", "k", "x"), ("DEBUG", "POPULATE"),
    ("DEBUG", "POPULATE", "1", "a", "1", "extra"), ("DEBUG", "POPULATE", "1", "x" * 200), ("KEYS", "xxxx*"),
    ("DEBUG", "DIGEST"), ("DEBUG", "DIGEST-VALUE", "key:0", "p:1", "nokey"), ("DEBUG", "DIGEST-VALUE"),
    ("DEBUG", "DIGEST", "x"),
    # OBJECT, SDSLEN, LISTPACK, QUICKLIST, HTSTATS-KEY: errors and statuses
    ("RPUSH", "list", "a", "b", "c"), ("HSET", "hash", "f", "v"), ("ZADD", "zset", "1", "m"), ("SADD", "set", "1", "2"),
    ("SADD", "sset", "a"), ("SET", "int", "123"),
    ("DEBUG", "OBJECT", "nokey"), ("DEBUG", "OBJECT"),
    ("DEBUG", "SDSLEN", "nokey"), ("DEBUG", "SDSLEN", "int"), ("DEBUG", "SDSLEN", "list"), ("DEBUG", "SDSLEN"),
    ("DEBUG", "LISTPACK", "nokey"), ("DEBUG", "LISTPACK", "hash"), ("DEBUG", "LISTPACK", "zset"),
    ("DEBUG", "LISTPACK", "list"), ("DEBUG", "LISTPACK", "set"), ("DEBUG", "LISTPACK"),
    ("DEBUG", "QUICKLIST", "list"), ("DEBUG", "QUICKLIST", "list", "1"), ("DEBUG", "QUICKLIST", "hash"),
    ("DEBUG", "QUICKLIST", "nokey"), ("DEBUG", "QUICKLIST", "list", "1", "2"),
    ("DEBUG", "HTSTATS-KEY", "nokey"), ("DEBUG", "HTSTATS-KEY", "hash"), ("DEBUG", "HTSTATS-KEY", "set"),
    ("DEBUG", "HTSTATS-KEY", "key:0"), ("DEBUG", "HTSTATS-KEY"),
    # HTSTATS: an empty database reads the same; errors
    ("DEBUG", "HTSTATS", "9"), ("DEBUG", "HTSTATS", "16"), ("DEBUG", "HTSTATS", "-1"), ("DEBUG", "HTSTATS", "x"),
    ("DEBUG", "HTSTATS"),
    # switches
    ("DEBUG", "SET-ACTIVE-EXPIRE", "0"), ("DEBUG", "SET-ACTIVE-EXPIRE", "1"), ("DEBUG", "SET-ACTIVE-EXPIRE"),
    ("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0"), ("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION"),
    ("DEBUG", "AOF-FLUSH-SLEEP", "0"), ("DEBUG", "AOF-FLUSH-SLEEP"),
    ("DEBUG", "PAUSE-CRON", "0"), ("DEBUG", "PAUSE-CRON"), ("DEBUG", "PAUSE-CRON", "0", "1"),
    ("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0"), ("DEBUG", "SET-DISABLE-DENY-SCRIPTS"),
    ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1kb"), ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"),
    ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "abc"), ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "-1"),
    ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "5gb"), ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "4gb"),
    ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "4293918720"), ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "4293918721"),
    ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1G"), ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", ""),
    ("DEBUG", "QUICKLIST-PACKED-THRESHOLD"),
    ("DEBUG", "DROP-CLUSTER-PACKET-FILTER", "-1"), ("DEBUG", "DROP-CLUSTER-PACKET-FILTER", "x"),
    ("DEBUG", "DROP-CLUSTER-PACKET-FILTER"),
    ("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "NEVER"), ("DEBUG", "REPLYBUFFER", "peak-reset-time", "reset"),
    ("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100"), ("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "x"),
    ("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "reset"),
    ("DEBUG", "REPLYBUFFER", "RESIZING", "0"), ("DEBUG", "REPLYBUFFER", "RESIZING", "1"),
    ("DEBUG", "REPLYBUFFER", "other", "1"), ("DEBUG", "REPLYBUFFER", "RESIZING"),
    ("DEBUG", "CLUSTERLINK", "KILL", "to", "abc"), ("DEBUG", "CLUSTERLINK", "other", "to", "abc"),
    ("DEBUG", "CLUSTERLINK", "KILL", "to"),
    # messages
    ("DEBUG", "ERROR", "foo bar"), ("DEBUG", "ERROR", "ERR with\r\nnewlines\n"), ("DEBUG", "ERROR", ""),
    ("DEBUG", "ERROR"), ("DEBUG", "ERROR", "a", "b"),
    ("DEBUG", "LOG", "hello from the test"), ("DEBUG", "LOG"), ("DEBUG", "LEAK", "abc"), ("DEBUG", "LEAK"),
    ("DEBUG", "REPLICATE", "SET", "r", "1"), ("DEBUG", "REPLICATE"), ("EXISTS", "r"),
    ("DEBUG", "CHANGE-REPL-ID"), ("DEBUG", "CHANGE-REPL-ID", "x"),
    ("DEBUG", "CONFIG-REWRITE-FORCE-ALL"), ("DEBUG", "CONFIG-REWRITE-FORCE-ALL", "x"),
    ("DEBUG", "CLIENT-EVICTION"), ("DEBUG", "CLIENT-EVICTION", "x"),
    ("DEBUG", "STRUCTSIZE", "x"), ("DEBUG", "STRINGMATCH-TEST", "x"),
    ("DEBUG", "SLEEP", "0"), ("DEBUG", "SLEEP", "0.001"), ("DEBUG", "SLEEP"),
    ("DEBUG", "RELOAD", "BAD"), ("DEBUG", "RESTART", "x"), ("DEBUG", "CRASH-AND-RECOVER", "x"),
]


def test_debug_scripted(apus, redis, proto):
    p = open_pair(apus, redis, "debug", proto)
    try:
        for command in SCRIPTED:
            if command[:2] == ("DEBUG", "OBJECT") and len(command) == 3:
                p.cmd(*command, norm=norm_object)
            else:
                p.cmd(*command, push=command == ("DEBUG", "PROTOCOL", "push") and proto == 3)
        p.cmd("DEBUG", "OBJECT", "list", norm=norm_object)
        # POPULATE counted no change (nothing to propagate or save).
        p.cmd("FLUSHALL")
        p.cmd("SAVE")
        p.cmd("DEBUG", "POPULATE", "10")
        p.cmd("INFO", "persistence", norm=lambda raw, side: [l for l in raw.split(b"\r\n")
                                                             if l.startswith(b"rdb_changes_since_last_save")])
        p.cmd("DEBUG", "OBJECT", "key:0", norm=norm_object)
        p.cmd("DEBUG", "OBJECT", "hash", norm=norm_object)
    finally:
        for command in [("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"), ("DEBUG", "SET-ACTIVE-EXPIRE", "1")]:
            p.both(lambda s: s.c.value(*command))
        p.close()


def info_field(side, section, field):
    body = side.c.value("INFO", section).decode()
    return dict(l.split(":", 1) for l in body.split("\r\n") if ":" in l)[field]


def test_change_repl_id(apus, redis):
    p = open_pair(apus, redis, "debug-replid", 2)
    try:
        before = p.both(lambda s: (info_field(s, "replication", "master_replid"),
                                   info_field(s, "replication", "master_replid2")))
        p.cmd("DEBUG", "CHANGE-REPL-ID")
        after = p.both(lambda s: (info_field(s, "replication", "master_replid"),
                                  info_field(s, "replication", "master_replid2")))
        for b, a in zip(before, after):
            assert a[0] != b[0] and re.fullmatch("[0-9a-f]{40}", a[0])
            assert a[1] == "0" * 40
    finally:
        p.close()


def test_skip_checksum_validation(apus, redis, proto):
    p = open_pair(apus, redis, "debug-checksum", proto)
    try:
        p.cmd("SET", "src", "payload")
        dumps = p.both(lambda s: s.c.value("DUMP", "src"))
        assert dumps[0] == dumps[1]
        broken = dumps[0][:-1] + bytes([dumps[0][-1] ^ 0xFF])
        p.cmd("RESTORE", "dst", "0", broken)
        p.cmd("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1")
        p.cmd("RESTORE", "dst", "0", broken)
        p.cmd("GET", "dst")
        # The version check stays.
        p.cmd("RESTORE", "dst2", "0", dumps[0][:-10] + b"\xff\x00" + dumps[0][-8:])
    finally:
        p.both(lambda s: s.c.value("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0"))
        p.close()


def test_skip_checksum_validation_rdb(apus_factory, redis_factory):
    """A file whose CRC64 is wrong loads after SET-SKIP-CHECKSUM-VALIDATION 1, on both."""
    for factory in (apus_factory, redis_factory):
        srv = factory()
        c = srv.client()
        c.value("SET", "k", "v")
        assert c.value("SAVE") == b"OK"
        path = os.path.join(srv.dir, "dump.rdb")
        data = bytearray(open(path, "rb").read())
        data[-1] ^= 0xFF
        open(path, "wb").write(bytes(data))
        assert c.value("DEBUG", "RELOAD", "NOSAVE") == b"ERR Error trying to load the RDB dump"
        assert c.value("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1") == b"OK"
        assert c.value("DEBUG", "RELOAD", "NOSAVE") == b"OK"
        assert c.value("GET", "k") == b"v"
        c.close()


def test_disable_deny_scripts(apus, redis, proto):
    p = open_pair(apus, redis, "debug-deny-scripts", proto)
    try:
        script = "return redis.call('watch','x')"
        p.cmd("EVAL", script, "0")
        p.cmd("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1")
        p.cmd("EVAL", script, "0")
        p.cmd("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0")
        p.cmd("EVAL", script, "0")
    finally:
        p.both(lambda s: s.c.value("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0"))
        p.close()


def test_client_eviction_buckets(apus, redis, proto):
    """With maxmemory-clients on, the bucket layout (labels and the client counts of idle
    connections, which all sit in the first bucket) is Redis's; tot-mem is each server's own."""
    p = open_pair(apus, redis, "debug-client-eviction", proto)

    def layout(raw, side):
        text = raw.decode(errors="replace")
        return [re.sub(r"tot-mem: +\d+", "tot-mem: *", line) for line in text.split("\n") if "bucket" in line]
    try:
        p.cmd("CONFIG", "SET", "maxmemory-clients", "100mb")
        p.cmd("DEBUG", "CLIENT-EVICTION", norm=layout)
    finally:
        p.both(lambda s: s.c.value("CONFIG", "SET", "maxmemory-clients", "0"))
        p.close()


def test_pause_cron_stops_active_expiry(apus):
    c = apus.client()
    try:
        c.value("FLUSHALL")
        assert c.value("DEBUG", "PAUSE-CRON", "1") == b"OK"
        c.value("SET", "gone", "x", "PX", "1")
        time.sleep(0.3)
        assert c.value("DBSIZE") == 1  # nothing expired it: no cron
        assert c.value("DEBUG", "PAUSE-CRON", "0") == b"OK"
        deadline = time.time() + 5
        while c.value("DBSIZE") != 0 and time.time() < deadline:
            time.sleep(0.05)
        assert c.value("DBSIZE") == 0
    finally:
        c.value("DEBUG", "PAUSE-CRON", "0")
        c.close()


def test_apus_layout_reports(apus):
    """Replies that describe Apus's own structures, in Redis's format."""
    c = apus.client()
    try:
        c.value("FLUSHALL")
        c.value("DEBUG", "POPULATE", "100")
        c.value("EXPIRE", "key:1", "100")
        stats = c.value("DEBUG", "HTSTATS", "0").decode()
        assert re.fullmatch(r"\[Dictionary HT\]\nHash table 0 stats \(main hash table\):\n table size: \d+\n"
                            r" number of elements: 100\n different slots: \d+\n max chain length: \d+\n"
                            r" avg chain length \(counted\): \d+\.\d\d\n avg chain length \(computed\): \d+\.\d\d\n"
                            r" Chain length distribution:\n(   \d+: \d+ \(\d+\.\d\d%\)\n)+"
                            r"\[Expires HT\]\nHash table 0 stats \(main hash table\):\n table size: \d+\n"
                            r" number of elements: 1\n.*", stats, flags=re.S), stats
        c.value("CONFIG", "SET", "hash-max-listpack-entries", "0")
        c.value("HSET", "h", "a", "1", "b", "2")
        assert b"number of elements: 2\n" in c.value("DEBUG", "HTSTATS-KEY", "h")
        c.value("CONFIG", "SET", "hash-max-listpack-entries", "512")
        assert re.fullmatch(rb"key_sds_len:5, key_sds_avail:0, key_zmalloc: \d+, val_sds_len:7, val_sds_avail:0, val_zmalloc: \d+",
                            c.value("DEBUG", "SDSLEN", "key:1"))
        assert re.fullmatch(rb"bits:64 robj:\d+ dictentry:\d+ sdshdr5:\d+ sdshdr8:\d+ sdshdr16:\d+ sdshdr32:\d+ sdshdr64:\d+ ",
                            c.value("DEBUG", "STRUCTSIZE"))
        # A libc build has no MALLCTL: the unknown-subcommand error.
        for sub in ("MALLCTL", "MALLCTL-STR"):
            assert c.value("DEBUG", sub, "x") == (
                "ERR unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP." % sub).encode()
    finally:
        c.close()



@pytest.mark.parametrize("kind", ["apus", "redis"])
def test_replicate_reaches_replicas_only(apus_factory, redis_factory, kind):
    """DEBUG REPLICATE feeds replicas (after a SELECT -1 they refuse) but changes nothing on
    the master; a master of either kind and an Apus replica."""
    from support.replication import replicate, wait_synced
    master = (apus_factory if kind == "apus" else redis_factory)()
    replica = apus_factory()
    replicate(replica, master)
    m, r = master.client(), replica.client()
    try:
        assert m.value("DEBUG", "REPLICATE", "SET", "diverged", "1") == b"OK"
        assert m.value("EXISTS", "diverged") == 0
        wait_synced(master, replica)
        assert r.value("GET", "diverged") == b"1"
        # Ordinary writes go on in their database afterwards.
        m.value("SELECT", "3")
        m.value("SET", "after", "2")
        wait_synced(master, replica)
        r.value("SELECT", "3")
        assert r.value("GET", "after") == b"2"
    finally:
        m.close()
        r.close()


@pytest.mark.parametrize("kind", ["apus", "redis"])
def test_config_rewrite_force_all(apus_factory, redis_factory, kind):
    """With a config file, CONFIG-REWRITE-FORCE-ALL writes default values too, which CONFIG
    REWRITE leaves out."""
    srv = (apus_factory if kind == "apus" else redis_factory)(config_text="appendonly no\n")
    c = srv.client()
    try:
        path = os.path.join(srv.dir, "server.conf")
        assert c.value("CONFIG", "REWRITE") == b"OK"
        assert "\nhz 10\n" not in open(path).read()
        assert c.value("DEBUG", "CONFIG-REWRITE-FORCE-ALL") == b"OK"
        text = open(path).read()
        assert "\nhz 10\n" in text and "\nmaxmemory-policy noeviction\n" in text
    finally:
        c.close()


def test_stringmatch_fuzz(apus):
    """DEBUG STRINGMATCH-TEST: ten million random patterns through the glob matcher."""
    c = apus.client(timeout=120)
    try:
        assert c.value("DEBUG", "STRINGMATCH-TEST") == b"Apparently Redis did not crash: test passed"
    finally:
        c.close()


def test_logically_expired_keys(apus, redis, proto):
    """OBJECT and SDSLEN find a key whose TTL passed (dictFind); LISTPACK, QUICKLIST and
    HTSTATS-KEY look it up and expire it."""
    p = open_pair(apus, redis, "debug-expired", proto)
    try:
        p.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        p.cmd("SET", "s", "value", "PX", "1")
        p.cmd("RPUSH", "l", "a")
        p.cmd("PEXPIRE", "l", "1")
        time.sleep(0.01)
        p.cmd("DEBUG", "OBJECT", "s", norm=norm_object)
        p.cmd("DEBUG", "SDSLEN", "s", norm=lambda raw, side: raw[:1])
        p.cmd("DEBUG", "QUICKLIST", "l")
        p.cmd("DEBUG", "OBJECT", "l")
    finally:
        p.both(lambda s: s.c.value("DEBUG", "SET-ACTIVE-EXPIRE", "1"))
        p.close()
