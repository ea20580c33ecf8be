#!/usr/bin/env python3
"""Writes the committed seed corpus of the fuzz targets (Fuzz/corpus/<target>/) from real data:
RDB files and DUMP payloads of every type and encoding written by redis-server 7.0.15 and by
Apus, files in the older encodings (zipmap, ziplist, linked lists, text doubles), RESP
pipelines and redis.conf snippets (Debian's /etc/redis/redis.conf without its comments).

Each seed starts with the option bytes its target reads first (see Fuzz/Sources/*/...).
Run after `swift build -c release --product apus-server`:

    python3 scripts/fuzz_seeds.py            (APUS_BIN and REDIS_BIN as for the tests)
"""

import hashlib
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "python"))

import redis as redispy  # noqa: E402

from support import rdb_craft  # noqa: E402
from support.servers import ServerProcess, apus_binary, redis_binary  # noqa: E402

CORPUS = os.path.join(ROOT, "Fuzz", "corpus")

# Low thresholds: a few elements already give tables, skiplists and multi-node quicklists,
# so the files stay small.
SMALL = ["--hash-max-listpack-entries", "4", "--zset-max-listpack-entries", "4",
         "--set-max-intset-entries", "4", "--list-max-listpack-size", "4",
         "--list-compress-depth", "1"]


def write(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def fill(r):
    r.flushall()
    p = r.pipeline(transaction=False)
    p.set("s:embstr", "hello")
    p.set("s:int", "-123456")
    p.set("s:big", "9000000000000000000")
    p.set("s:lzf", "abcdefgh" * 12)
    p.set("s:raw", bytes(range(256)))
    p.set("s:empty", "")
    p.set("s:ttl", "v", px=10_000_000)
    p.rpush("l:lp", "a", 1, -2, 1 << 40)
    p.rpush("l:ql", *["e%d" % i for i in range(20)])
    p.rpush("l:plain", "y" * 9000, "z")
    p.sadd("set:intset", 1, 2, 3)
    p.sadd("set:ht", *range(10))
    p.sadd("set:str", "a", "b", "c")
    p.zadd("z:lp", {"a": 1, "b": 2.5, "c": -3})
    p.zadd("z:sl", {"m%d" % i: i / 3 for i in range(8)})
    p.zadd("z:inf", {"p": float("inf"), "n": float("-inf")})
    p.hset("h:lp", mapping={"f": "v", "n": 12})
    p.hset("h:ht", mapping={"f%d" % i: "v%d" % i for i in range(8)})
    p.hset("h:long", "k", "w" * 100)
    p.pexpire("h:ht", 50_000_000)
    for i in range(6):
        p.xadd("x:stream", {"f": i, "g": "v%d" % i}, id="1-%d" % (i + 1))
    p.xdel("x:stream", "1-2")
    p.xgroup_create("x:stream", "grp", id="0")
    p.xgroup_create("x:stream", "grp2", id="$")
    p.xadd("x:empty", {"a": 1}, id="5-5")
    p.xdel("x:empty", "5-5")
    p.execute()
    r.xreadgroup("grp", "alice", {"x:stream": ">"}, count=3)
    r.xreadgroup("grp", "bob", {"x:stream": ">"}, count=1)
    r.execute_command("SELECT", 3)
    r.set("db3:key", "in db 3")
    r.hset("db3:hash", "f", "v")
    r.execute_command("SELECT", 0)


def server_seeds(binary, name):
    srv = ServerProcess(binary, extra_args=SMALL, name="seeds-" + name).start()
    try:
        r = redispy.Redis(host=srv.host, port=srv.port, socket_timeout=20)
        fill(r)
        r.execute_command("FUNCTION", "LOAD", "#!lua name=seedlib\nredis.register_function('f1', function() return 1 end)")
        for compression in ("yes", "no"):
            r.config_set("rdbcompression", compression)
            r.save()
            with open(os.path.join(srv.dir, "dump.rdb"), "rb") as f:
                data = f.read()
            # Option byte 0x02: checksum verified; 0x03: with the tiny limits too.
            write("rdb", "%s-all-types-compression-%s" % (name, compression), b"\x02" + data)
            write("rdb", "%s-all-types-compression-%s-tiny" % (name, compression), b"\x03" + data)
            for key in sorted(r.scan_iter()):
                payload = r.dump(key)
                label = key.decode().replace(":", "-")
                write("restore", "%s-%s-%s" % (name, label, compression), b"\x02" + payload)
        r.config_set("rdbcompression", "yes")
    finally:
        srv.stop()


def old_encoding_seeds():
    for version in (6, 7, 9):
        write("rdb", "crafted-old-encodings-v%d" % version, b"\x02" + rdb_craft.old_encodings_file(version))
    sets = rdb_craft.rdb(11, [
        (0, 20, "set:lp", rdb_craft.string(rdb_craft.listpack(["a", "b", 7])), None),
        (0, 20, "set:lpints", rdb_craft.string(rdb_craft.listpack([1, 2, 3])), None),
    ])
    write("rdb", "crafted-listpack-sets-v11", b"\x02" + sets)


def resp_seeds():
    pipelines = {
        "multibulk": b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n",
        "inline": b"PING\r\nSET k \"a\\x41\\n\\\"q\" 'it\\'s'\r\nGET k\n",
        "mixed": b"*1\r\n$4\r\nPING\r\nECHO hi\r\n*0\r\n\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
        "partial": b"*2\r\n$4\r\nECHO\r\n$10\r\n0123",
        "bigbulk": b"*2\r\n$4\r\nECHO\r\n$3000\r\n" + b"x" * 3000 + b"\r\n",
        "errors": b"*2\r\n$4\r\nECHO\r\n$-5\r\n",
        "badtype": b"*1\r\n+PING\r\n",
        "unbalanced": b"SET \"abc\r\n",
    }
    for name, data in pipelines.items():
        # Option bytes: [flags, split seed]; flags 0x00 default limits, 0x01 unauthenticated,
        # 0x02 small limits; bits 2-3 the buffer's starting capacity.
        write("request-parser", name, b"\x0c\x07" + data)
        write("request-parser", name + "-small", b"\x03\x2a" + data)
        line = data.split(b"\n")[0]
        write("inline-splitter", name, line)
    for name, line in {
        "quotes": b"set \"a b\" 'c d' \"\\x00\\xff\\n\\r\\t\\b\\a\\\\\"",
        "escapes": b"'a\\'b' \"\\\"\" plain",
        "blank": b" \t \x0b\x0c ",
        "nul": b"a\x00b \"c\x00d\"",
    }.items():
        write("inline-splitter", name, line)


def config_seeds():
    debian = "/etc/redis/redis.conf"
    if os.path.exists(debian):
        with open(debian, "rb") as f:
            lines = [l for l in f.read().split(b"\n") if l.strip() and not l.lstrip().startswith(b"#")]
        write("config", "debian-redis-conf", b"\n".join(lines) + b"\n")
    snippets = {
        "save": b"save 3600 1 300 100 60 10000\nsave \"\"\nappendonly yes\nappendfsync everysec\n",
        "memory": b"maxmemory 1gb\nmaxmemory-policy allkeys-lru\nmaxmemory-samples 5\nactive-defrag-threshold-lower 10\n",
        "clients": b"client-output-buffer-limit normal 0 0 0\nclient-output-buffer-limit replica 256mb 64mb 60\n"
                   b"client-query-buffer-limit 1gb\nmaxclients 10000\n",
        "quoting": b"requirepass \"p\\x41ss word\"\nbind '127.0.0.1 ::1'\nrename-command FLUSHALL \"\"\n",
        "errors": b"port 99999\nunknown-directive 1\nsave \"3600\n",
        "misc": b"oom-score-adj-values 0 200 800\nlatency-tracking-info-percentiles 50 99 99.9\n"
                b"notify-keyspace-events KEA\nreplicaof 127.0.0.1 6380\nuser alice on >pw ~* +@all\n",
    }
    for name, text in snippets.items():
        write("config", name, text)


def regression_seeds():
    """Inputs that once failed, kept so every run replays them."""
    # RESTORE of a value followed by a stray byte: refused, and the decoded set must be freed
    # (it was left in the record slab).
    body = b"\x02\x02\x01a\x01b\x00" + b"\x0a\x00"
    write("restore", "regression-trailing-byte-frees-value", b"\x02" + body + struct.pack("<Q", rdb_craft.crc64(body)))
    # A key loaded with a TTL and replaced (MERGE) by one without: the replacement has none.
    write("rdb", "regression-merge-replaces-ttl", b"\x30REDIS0010\x00\x00\x00\xfc" + b"\x00" * 7 + b"\x34"
          + b"\x00\x00\x00\xff" + b"\x00" * 8)
    # A line too long for the inline limit only once split reads arrive, after a complete command.
    write("request-parser", "regression-split-too-big-inline", b"\x0a\x00" + b"\x00" * 65 + b"G" + b"\x00" * 60 + b"\n"
          + b"\x00" * 226)


def main():
    for target in ("rdb", "restore", "request-parser", "inline-splitter", "config"):
        shutil.rmtree(os.path.join(CORPUS, target), ignore_errors=True)
    server_seeds(redis_binary(), "redis-7.0.15")
    server_seeds(apus_binary(), "apus")
    old_encoding_seeds()
    resp_seeds()
    config_seeds()
    regression_seeds()
    for target in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, target))
        size = sum(os.path.getsize(os.path.join(CORPUS, target, f)) for f in files)
        print("%-16s %4d seeds %8d bytes" % (target, len(files), size))


if __name__ == "__main__":
    main()
