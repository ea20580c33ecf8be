#!/usr/bin/env python3
"""Apus vs redis-server: throughput, CPU per request, latency and memory per key.

    make bench                      # full run (~10 minutes at most)
    BENCH_QUICK=1 make bench        # short run (under 2 minutes)
    python3 Benchmarks/harness/bench.py

Starts Apus and redis-server on free ports with the same settings
(--bind 127.0.0.1 --save "" --appendonly no) and drives both with redis-benchmark
in one run, alternating the server per test (Apus, Redis, Apus, Redis, ...) so that
machine drift hits both.  Per test it records requests/s and p50/p99 latency
(redis-benchmark --csv) and the server's CPU time (utime+stime from /proc/<pid>/stat).
Then (unless BENCH_MEMORY=0) it loads 1,000,000 keys into fresh servers and reports
used_memory and RSS per key.

Pub/sub (Benchmarks/harness/pubsub_bench.py): one publisher, 50 subscribers on a channel and 50 on a
matching pattern; messages delivered per second and server CPU per delivered message.

Persistence (Benchmarks/harness/persistence_bench.py, fresh servers in fresh directories): SET -P 16
with appendonly yes / appendfsync everysec (requests/s); SAVE time, start-up load time ("DB loaded
from disk") and dump.rdb size for 1M keys and for a 1M-member hash, set and zset; p99 latency of a
SET load with BGSAVEs back to back over 1M keys, and rdb_last_cow_size.

Replication (Benchmarks/harness/replication_bench.py, Apus master + Apus replica beside redis-server
master + redis-server replica, fresh servers, --repl-diskless-sync-delay 0): SET -P 16 against a master
alone and with one replica (the master's requests/s with over without, CPU of master and replica), the
replica's lag sampled by ROLE during the load (bytes, and the age of the oldest write not yet applied),
the catch-up time after it and DEBUG DIGEST equal; a full resync of 1M keys to a fresh replica with
repl-diskless-sync no and yes: REPLICAOF until master_link_status:up and DBSIZE = 1M, split into
transfer and load (the replica's log), and the first write after it.

TLS (Benchmarks/harness/tls_bench.py, both servers on a tls-port with certificates made by openssl
in a temp dir): GET and SET at -P 16 through redis-benchmark --tls.

Tests: PING_INLINE PING_MBULK SET GET INCR MSET always; LPUSH RPUSH LPOP RPOP SADD HSET
SPOP ZADD ZPOPMIN LRANGE_100 LRANGE_600 XADD when Apus answers COMMAND INFO <command>.
LRANGE_* run as custom commands on a list pre-filled with 600 elements (so the CPU of
redis-benchmark's LPUSH prelude is not counted), XADD as `XADD mystream * myfield <d bytes>`
(redis-benchmark 7.0 has no XADD test).  Each at -P 1 and -P 16, -c 50, -r 100000,
-d 3 and -d 1024 (-d 3 only with BENCH_QUICK, and for the tests whose requests and replies
do not carry the -d payload).  redis-benchmark 7.0's CSV columns: test, rps, avg_latency_ms,
min_latency_ms, p50_latency_ms, p95_latency_ms, p99_latency_ms, max_latency_ms.

Environment:
    BENCH_QUICK=1      fewer requests, -d 3 only
    BENCH_MEMORY=0     skip the memory part;  BENCH_MEMORY=only  run only the memory part
    BENCH_TESTS=set,get   only these tests (names as in the table, case-insensitive; PUBSUB
                          for the pub/sub row, PERSISTENCE / REPLICATION / TLS for those rows)
    BENCH_TLS=0        skip the TLS rows
    BENCH_PUBSUB=0     skip the pub/sub row
    BENCH_EVICTION=0   skip the eviction rows (Benchmarks/harness/eviction_bench.py: maxmemory 100mb
                       allkeys-lru, used_memory against the limit, Zipf hit ratio);
                       BENCH_EVICTION=only or BENCH_TESTS=eviction  run only them
    BENCH_PERSISTENCE=0  skip the persistence rows;  BENCH_PERSISTENCE=only  run only them
                       (BENCH_QUICK: 100k keys/members instead of 1M)
    BENCH_REPLICATION=0  skip the replication rows;  BENCH_REPLICATION=only  run only them (with
                       BENCH_PERSISTENCE=only as well: both)  (BENCH_QUICK: 500k requests instead
                       of 2M, 100k keys instead of 1M)
    BENCH_N=N          requests per test at -P 1 (x4 at -P 16), overriding the defaults
    BENCH_REPEAT=k     run each test k times per server (still alternating); the table shows
                       the median rps/p99 and CPU over all k runs (k times longer)
    BENCH_ALL_SIZES=1  also run the tests that ignore -d (PING_*, INCR, SADD, SPOP, ZADD,
                       ZPOPMIN) at -d 1024; by default they run at -d 3 only
    BENCH_JSON=path    also write every measurement as JSON
    BENCH_KEEP_TMP=1   keep the servers' temporary directories (logs)
    APUS_BIN, REDIS_BIN, REDIS_BENCHMARK   binaries
Exit status: 0 on success, 1 if a test errored or a server died, 2 for a setup problem.
"""

from __future__ import annotations

import csv
import io
import json
import os
import statistics
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import (Conn, HarnessError, RespError, Server, apus_binary,  # noqa: E402
                      command_supported, info_field, install_sigterm_handler, log, machine,
                      redis_benchmark_binary, redis_binary, require_executable)
from eviction_bench import print_eviction, run_eviction  # noqa: E402
from persistence_bench import print_persistence, run_persistence  # noqa: E402
from pubsub_bench import print_pubsub, run_pubsub  # noqa: E402
from replication_bench import print_replication, run_replication  # noqa: E402
from tls_bench import print_tls, run_tls  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
CLIENTS = 50
KEYSPACE = 100000
PIPELINES = [1, 16]
SIZES = [3] if QUICK else [3, 1024]
LIST_FILL = 600
REPEAT = max(1, int(os.environ.get("BENCH_REPEAT", "1")))


class Test:
    """One redis-benchmark test.

    name       the label in the table (redis-benchmark's own test name where it has one)
    probe      commands the server must know (COMMAND INFO) for the test to run
    t          redis-benchmark -t name, or None for a custom command
    custom     custom command (a function of the value size), when t is None
    scale      fraction of the base request count (heavy tests run fewer requests)
    big_scale  a further factor at -d 1024 (replies or memory grow with the value size)
    always     part of the set every server must support (never skipped)
    fill_list  (re)fill `mylist` with 600 elements of -d bytes before the test
    setup      run on each server's connection first (SCRIPT LOAD, FUNCTION LOAD)
    sized      whether the requests or replies carry the -d payload; a test that does not
               (PING, INCR, SADD "element:N", ...) would repeat itself at -d 1024, so it runs
               at the smallest size only unless BENCH_ALL_SIZES=1
    """

    def __init__(self, name, probe, t=None, custom=None, scale=1.0, big_scale=1.0,
                 always=False, fill_list=False, sized=True, setup=None):
        self.name = name
        self.probe = probe
        self.t = t
        self.custom = custom
        self.scale = scale
        self.big_scale = big_scale  # extra factor at -d 1024
        self.always = always
        self.fill_list = fill_list
        self.sized = sized
        self.setup = setup  # a function of a connection, run on both servers before the test


# The scripting rows: one redis.call('INCR', KEYS[1]) as a cached script and as a function.
# They run 4x the base count (800,000 requests at -P 16, ~2 s): at 200,000 a run lasted half a
# second, and one scheduling hiccup of the client moved the ratio by a third.
INCR_SCRIPT = b"return redis.call('INCR', KEYS[1])"
INCR_SCRIPT_SHA = "b8e3a5d7a3ebb8d9e80e1b81f2ad6e0dbb8c3e0b"
INCR_LIBRARY = b"#!lua name=benchlib\nredis.register_function('benchincr', function(keys, args) return redis.call('INCR', keys[1]) end)"


def load_incr_script(conn) -> None:
    global INCR_SCRIPT_SHA
    INCR_SCRIPT_SHA = conn.command("SCRIPT", "LOAD", INCR_SCRIPT).decode()


def load_incr_function(conn) -> None:
    conn.command("FUNCTION", "LOAD", "REPLACE", INCR_LIBRARY)


# redis-benchmark's default order: the pops follow the pushes and drain what they pushed.
TESTS = [
    Test("PING_INLINE", ["ping"], t="ping_inline", always=True, sized=False),
    Test("PING_MBULK", ["ping"], t="ping_mbulk", always=True, sized=False),
    Test("SET", ["set"], t="set", always=True),
    Test("GET", ["get"], t="get", always=True),
    Test("INCR", ["incr"], t="incr", always=True, sized=False),
    Test("LPUSH", ["lpush"], t="lpush", big_scale=0.5),
    Test("RPUSH", ["rpush"], t="rpush", big_scale=0.5),
    Test("LPOP", ["lpop"], t="lpop", big_scale=0.5),
    Test("RPOP", ["rpop"], t="rpop", big_scale=0.5),
    Test("SADD", ["sadd"], t="sadd", sized=False),
    Test("HSET", ["hset"], t="hset"),
    Test("SPOP", ["spop"], t="spop", sized=False),
    Test("ZADD", ["zadd"], t="zadd", sized=False),
    Test("ZPOPMIN", ["zpopmin"], t="zpopmin", sized=False),
    Test("LRANGE_100", ["lrange", "lpush"], custom=lambda d: ["LRANGE", "mylist", "0", "99"],
         scale=0.25, big_scale=0.1, fill_list=True),
    Test("LRANGE_600", ["lrange", "lpush"], custom=lambda d: ["LRANGE", "mylist", "0", "599"],
         scale=0.06, big_scale=0.1, fill_list=True),
    Test("MSET", ["mset"], t="mset", scale=0.5, big_scale=0.25, always=True),
    Test("XADD", ["xadd"], custom=lambda d: ["XADD", "mystream", "*", "myfield", "x" * d],
         scale=0.5, big_scale=0.5),
    Test("EVALSHA", ["evalsha", "script"], custom=lambda d: ["EVALSHA", INCR_SCRIPT_SHA, "1", "counter:__rand_int__"],
         scale=2.0, sized=False, setup=load_incr_script),
    Test("FCALL", ["fcall", "function"], custom=lambda d: ["FCALL", "benchincr", "1", "counter:__rand_int__"],
         scale=2.0, sized=False, setup=load_incr_function),
]


def base_requests(pipeline: int) -> int:
    if os.environ.get("BENCH_N"):
        n = int(os.environ["BENCH_N"])
        return n if pipeline == 1 else 4 * n
    if QUICK:
        return 20000 if pipeline == 1 else 200000
    return 100000 if pipeline == 1 else 400000


def requests_for(test: Test, pipeline: int, size: int) -> int:
    n = base_requests(pipeline) * test.scale * (test.big_scale if size > 100 else 1.0)
    return max(1000, int(round(n / 1000.0)) * 1000)


# ---------------------------------------------------------------------------
# redis-benchmark


def total_commands(srv: Server) -> int:
    with srv.conn() as c:
        return int(info_field(c, "stats", "total_commands_processed"))


def run_benchmark(srv: Server, test: Test, n: int, pipeline: int, size: int) -> dict:
    argv = [redis_benchmark_binary(), "-h", srv.host, "-p", str(srv.port),
            "-c", str(CLIENTS), "-n", str(n), "-r", str(KEYSPACE), "-d", str(size),
            "-P", str(pipeline), "--csv"]
    argv += ["-t", test.t] if test.t else test.custom(size)
    srv.check_alive()
    cmds0 = total_commands(srv)
    cpu0 = srv.cpu_seconds()
    t0 = time.monotonic()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise HarnessError("%s on %s: redis-benchmark did not finish within 600 s" % (test.name, srv.name))
    wall = time.monotonic() - t0
    srv.check_alive()
    cpu = srv.cpu_seconds() - cpu0
    cmds = total_commands(srv) - cmds0
    out, err = proc.stdout, proc.stderr
    bad = [l for l in (out + "\n" + err).splitlines()
           if "error" in l.lower() or "refused" in l.lower() or "reset by peer" in l.lower()]
    if proc.returncode != 0 or bad:
        raise HarnessError("%s on %s (-P %d -d %d) failed (redis-benchmark exit status %d):\n%s%s"
                           % (test.name, srv.name, pipeline, size, proc.returncode,
                              err.strip(), ("\n" + out.strip()) if out.strip() else ""))
    rows = list(csv.DictReader(io.StringIO(out)))
    if not rows or "rps" not in rows[-1]:
        raise HarnessError("%s on %s: no CSV result from redis-benchmark:\n%s\n%s"
                           % (test.name, srv.name, out, err))
    row = rows[-1]
    if cmds < n:
        raise HarnessError("%s on %s: server counted %d commands for %d requests"
                           % (test.name, srv.name, cmds, n))
    return {
        "rps": float(row["rps"]),
        "avg_ms": float(row["avg_latency_ms"]),
        "p50_ms": float(row["p50_latency_ms"]),
        "p95_ms": float(row["p95_latency_ms"]),
        "p99_ms": float(row["p99_latency_ms"]),
        "max_ms": float(row["max_latency_ms"]),
        "cpu_s": cpu,
        "cpu_s_per_m": cpu / n * 1e6,
        "wall_s": wall,
        "requests": n,
    }


def fill_list(srv: Server, size: int) -> None:
    with srv.conn() as c:
        c.command("DEL", "mylist")
        c.command("LPUSH", "mylist", *([b"x" * size] * LIST_FILL))


def supported_tests(apus: Server, redis: Server) -> list:
    only = [s.strip().upper() for s in os.environ.get("BENCH_TESTS", "").split(",") if s.strip()]
    chosen, skipped = [], []
    with apus.conn() as ca, redis.conn() as cr:
        for test in TESTS:
            if only and test.name not in only:
                continue
            missing_a = [p for p in test.probe if not command_supported(ca, p)]
            missing_r = [p for p in test.probe if not command_supported(cr, p)]
            if missing_r:
                raise HarnessError("redis-server does not know %s" % ",".join(missing_r))
            if missing_a:
                if test.always:
                    raise HarnessError("Apus does not support %s, needed by the %s test"
                                       % (",".join(missing_a), test.name))
                skipped.append("%s (no %s)" % (test.name, ",".join(missing_a)))
                continue
            chosen.append(test)
    if only:
        unknown = set(only) - {t.name for t in TESTS} - {"PUBSUB", "PERSISTENCE", "REPLICATION", "TLS", "EVICTION"}
        if unknown:
            raise HarnessError("unknown BENCH_TESTS entries: %s" % ", ".join(sorted(unknown)))
    if skipped:
        log("skipped (Apus lacks the command): " + ", ".join(skipped))
    return chosen


def combine(runs: list) -> dict:
    """Median rps and latencies over the repeats; CPU summed over all of them."""
    if len(runs) == 1:
        return runs[0]
    out = {k: statistics.median(r[k] for r in runs)
           for k in ("rps", "avg_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms", "wall_s")}
    out["cpu_s"] = sum(r["cpu_s"] for r in runs)
    out["requests"] = sum(r["requests"] for r in runs)
    out["cpu_s_per_m"] = out["cpu_s"] / out["requests"] * 1e6
    out["runs"] = runs
    return out


def run_throughput(apus: Server, redis: Server) -> list:
    tests = supported_tests(apus, redis)
    results = []
    configs = [(size, p) for size in SIZES for p in PIPELINES]
    all_sizes = os.environ.get("BENCH_ALL_SIZES", "") not in ("", "0")

    def selected(test, size):
        return all_sizes or test.sized or size == SIZES[0]
    total = sum(1 for size, _ in configs for t in tests if selected(t, size))
    unsized = [t.name for t in tests if not t.sized]
    if len(SIZES) > 1 and unsized and not all_sizes:
        log("-d %s only (the payload size does not change them): %s" % (SIZES[0], ", ".join(unsized)))
    k = 0
    for size, pipeline in configs:
        for srv in (apus, redis):
            with srv.conn() as c:
                c.command("FLUSHALL")
        for test in tests:
            if not selected(test, size):
                continue
            k += 1
            n = requests_for(test, pipeline, size)
            if test.fill_list:
                fill_list(apus, size)
                fill_list(redis, size)
            if test.setup:
                for srv in (apus, redis):
                    with srv.conn() as c:
                        test.setup(c)
            runs_a, runs_r = [], []
            for _ in range(REPEAT):
                runs_a.append(run_benchmark(apus, test, n, pipeline, size))
                runs_r.append(run_benchmark(redis, test, n, pipeline, size))
            a, r = combine(runs_a), combine(runs_r)
            log("[%3d/%d] %-11s -d %-4d -P %-2d n=%-7d  Apus %10.0f rps  Redis %10.0f rps"
                % (k, total, test.name, size, pipeline, n, a["rps"], r["rps"]))
            results.append({"test": test.name, "size": size, "pipeline": pipeline, "requests": n,
                            "apus": a, "redis": r})
    return results


def pubsub_selected() -> bool:
    only = [s.strip().upper() for s in os.environ.get("BENCH_TESTS", "").split(",") if s.strip()]
    return os.environ.get("BENCH_PUBSUB", "1") not in ("0", "no") and (not only or "PUBSUB" in only)


def section_mode(variable: str, test_name: str) -> str:
    """"1", "0" or "only" for a part switched by <variable> (BENCH_PERSISTENCE, BENCH_REPLICATION);
    BENCH_MEMORY=only and a BENCH_TESTS list without <test_name> leave it out."""
    only = [s.strip().upper() for s in os.environ.get("BENCH_TESTS", "").split(",") if s.strip()]
    mode = os.environ.get(variable, "1")
    if mode in ("0", "no", "false") or os.environ.get("BENCH_MEMORY") == "only" or (only and test_name not in only):
        return "0"
    return "only" if mode == "only" else "1"


def sections() -> tuple:
    """(persistence on, replication on, only those): one part's "only" leaves out the rest, the
    other part too unless it is "only" as well."""
    persist, repl = section_mode("BENCH_PERSISTENCE", "PERSISTENCE"), section_mode("BENCH_REPLICATION", "REPLICATION")
    only = "only" in (persist, repl)
    if only:
        return persist == "only", repl == "only", True
    return persist == "1", repl == "1", False


def eviction_mode() -> str:
    """"1", "0" or "only" for the eviction rows: BENCH_EVICTION, or BENCH_TESTS naming only them."""
    only = [s.strip().upper() for s in os.environ.get("BENCH_TESTS", "").split(",") if s.strip()]
    mode = os.environ.get("BENCH_EVICTION", "1")
    if mode in ("0", "no", "false") or (only and "EVICTION" not in only):
        return "0"
    return "only" if mode == "only" or only == ["EVICTION"] else "1"


def ratio(a: float, b: float) -> str:
    return "%.2f" % (a / b) if b > 0 else "-"


def print_table(rows: list, header_cols: list, aligns: str, group=None) -> None:
    """Aligned columns; a blank line whenever group(row) changes."""
    widths = [max(len(str(r[i])) for r in [header_cols] + rows) for i in range(len(header_cols))]

    def fmt(r):
        return "  ".join(str(c).ljust(w) if al == "l" else str(c).rjust(w)
                         for c, w, al in zip(r, widths, aligns))
    print(fmt(header_cols))
    print("  ".join("-" * w for w in widths))
    prev = None
    for r in rows:
        if group is not None and prev is not None and group(r) != group(prev):
            print()
        print(fmt(r))
        prev = r


def print_throughput(results: list) -> None:
    header = ["test", "-d", "-P", "rps Apus", "rps Redis", "A/R",
              "CPU s/M Apus", "CPU s/M Redis", "CPU A/R", "p99 ms Apus", "p99 ms Redis"]
    rows = []
    for res in results:
        a, r = res["apus"], res["redis"]
        rows.append([res["test"], res["size"], res["pipeline"],
                     "%.0f" % a["rps"], "%.0f" % r["rps"], ratio(a["rps"], r["rps"]),
                     "%.2f" % a["cpu_s_per_m"], "%.2f" % r["cpu_s_per_m"],
                     ratio(a["cpu_s_per_m"], r["cpu_s_per_m"]),
                     "%.3f" % a["p99_ms"], "%.3f" % r["p99_ms"]])
    print("Throughput: redis-benchmark -c %d -r %d --csv, alternating Apus/Redis per test%s. "
          "A/R > 1: Apus faster; CPU A/R < 1: Apus cheaper."
          % (CLIENTS, KEYSPACE, ", median of %d runs each" % REPEAT if REPEAT > 1 else ""))
    print("CPU s/M = server CPU seconds (utime+stime) per million requests. "
          "p99 = 99th percentile latency seen by redis-benchmark.")
    print()
    print_table(rows, header, "lrrrrrrrrrr", group=lambda r: r[1:3])
    print()


# ---------------------------------------------------------------------------
# Memory

MEM_N = 1000000
KEY_FMT = b"key:%012d"            # 16 bytes
MEMBER_FMT = b"$16\r\nkey:%012d\r\n"


def _chunks(cmds_per_chunk: int, n_cmds: int, make_cmd) -> tuple:
    chunks, counts = [], []
    for start in range(0, n_cmds, cmds_per_chunk):
        stop = min(n_cmds, start + cmds_per_chunk)
        chunks.append(b"".join(make_cmd(i) for i in range(start, stop)))
        counts.append(stop - start)
    return chunks, counts


def _bulk(b: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(b), b)


def payload_strings(value: bytes, use_mset: bool) -> tuple:
    pair = MEMBER_FMT + _bulk(value).replace(b"%", b"%%")
    if use_mset:
        per = 1000  # pairs per MSET

        def make(j):
            lo, hi = j * per, min(MEM_N, (j + 1) * per)
            return (b"*%d\r\n$4\r\nMSET\r\n" % (1 + 2 * (hi - lo))) + b"".join(pair % i for i in range(lo, hi))
        return _chunks(20, (MEM_N + per - 1) // per, make)
    cmd = b"*3\r\n$3\r\nSET\r\n" + pair
    return _chunks(10000, MEM_N, lambda i: cmd % i)


def payload_strings_ttl(value: bytes) -> tuple:
    cmd = b"*5\r\n$3\r\nSET\r\n" + MEMBER_FMT + _bulk(value).replace(b"%", b"%%") + \
        b"$2\r\nEX\r\n$6\r\n100000\r\n"
    return _chunks(10000, MEM_N, lambda i: cmd % i)


def payload_collection(cmd_name: bytes, key: bytes, args_per_member: int, member_fmt) -> tuple:
    per = 1000  # members per command
    head = _bulk(cmd_name) + _bulk(key)

    def make(j):
        lo, hi = j * per, min(MEM_N, (j + 1) * per)
        return b"*%d\r\n" % (2 + args_per_member * (hi - lo)) + head + \
            b"".join(member_fmt(i) for i in range(lo, hi))
    return _chunks(20, (MEM_N + per - 1) // per, make)


def payload_stream() -> tuple:
    """XADD mystream <i+1>-1 name key:<i> n <i>, one entry per command."""
    def make(i):
        return b"*7\r\n$4\r\nXADD\r\n$8\r\nmystream\r\n" + _bulk(b"%d-1" % (i + 1)) + _bulk(b"name") \
            + MEMBER_FMT % i + _bulk(b"n") + _bulk(b"%d" % i)
    return _chunks(10000, MEM_N, make)


def settle(conn: Conn, timeout: float = 6.0) -> int:
    """used_memory once two readings 0.3 s apart agree (incremental rehash, buffers)."""
    deadline = time.monotonic() + timeout
    prev = int(info_field(conn, "memory", "used_memory"))
    while time.monotonic() < deadline:
        time.sleep(0.3)
        cur = int(info_field(conn, "memory", "used_memory"))
        if cur == prev:
            return cur
        prev = cur
    return prev


def measure_memory(srv: Server, payload: tuple, expect_keys: int) -> dict:
    with srv.conn() as c:
        c.command("FLUSHALL")
        mem0 = settle(c)
        rss0 = srv.rss_bytes()
    t0 = time.monotonic()
    with srv.conn(timeout=120) as c:
        c.pipeline_simple(*payload)
    load_s = time.monotonic() - t0
    srv.check_alive()
    with srv.conn() as c:
        mem1 = settle(c)
        rss1 = srv.rss_bytes()
        dbsize = c.command("DBSIZE")
    if dbsize != expect_keys:
        raise HarnessError("%s: DBSIZE is %s after loading, expected %d" % (srv.name, dbsize, expect_keys))
    return {"used_memory_delta": mem1 - mem0, "rss_delta": rss1 - rss0, "load_s": load_s,
            "used_memory_empty": mem0, "rss_empty": rss0}


def run_memory(apus_bin: str, redis_bin: str) -> list:
    with Server("Apus", apus_bin) as probe, probe.conn() as c:
        has = {name: command_supported(c, name) for name in ("mset", "hset", "sadd", "zadd", "xadd")}
    scenarios = [
        ("1M keys, 3 B values", lambda: payload_strings(b"abc", has["mset"]), MEM_N),
        ("1M keys, 100 B values", lambda: payload_strings(b"v" * 100, has["mset"]), MEM_N),
        ("1M keys, 3 B values, EX 100000", lambda: payload_strings_ttl(b"abc"), MEM_N),
        ("1M keys, 100 B values, EX 100000", lambda: payload_strings_ttl(b"v" * 100), MEM_N),
    ]
    if has["hset"]:
        scenarios.append(("hash, 1M fields, 3 B values",
                          lambda: payload_collection(b"HSET", b"myhash", 2, lambda i: MEMBER_FMT % i + b"$3\r\nabc\r\n"), 1))
    if has["sadd"]:
        scenarios.append(("set, 1M members",
                          lambda: payload_collection(b"SADD", b"myset", 1, lambda i: MEMBER_FMT % i), 1))
    if has["zadd"]:
        scenarios.append(("sorted set, 1M members",
                          lambda: payload_collection(b"ZADD", b"myzset", 2,
                                                     lambda i: _bulk(b"%d" % i) + MEMBER_FMT % i), 1))
    if has["xadd"]:
        # One XADD per entry with two fields, explicit increasing IDs (so both servers store the
        # same entries) and the default node limits.
        scenarios.append(("stream, 1M entries, 2 fields",
                          payload_stream, 1))
    skipped = [n for n in ("hset", "sadd", "zadd", "xadd") if not has[n]]
    if skipped:
        log("memory: skipping %s (Apus lacks the command)" % ", ".join(c.upper() for c in skipped))
    results = []
    for label, make_payload, expect in scenarios:
        payload = make_payload()
        res = {"scenario": label}
        # Fresh servers per scenario: freed memory is not always returned to the OS,
        # so a second load into a flushed server would understate the RSS growth.
        for name, binary in (("Apus", apus_bin), ("Redis", redis_bin)):
            with Server(name, binary) as srv:
                res[name.lower()] = measure_memory(srv, payload, expect)
        log("memory: %-32s Apus %6.1f B  Redis %6.1f B used_memory per item (load %.1f s / %.1f s)"
            % (label, res["apus"]["used_memory_delta"] / MEM_N, res["redis"]["used_memory_delta"] / MEM_N,
               res["apus"]["load_s"], res["redis"]["load_s"]))
        results.append(res)
    return results


FRAG_KEEP = 10  # percent of the keys kept


def measure_fragmentation(srv: Server, defrag: bool) -> dict:
    """Loads MEM_N keys, deletes 90% of them in random order, lets the server compact (Apus with
    activedefrag) and reports the RSS left against what the kept keys need (their share of a
    fresh load's RSS)."""
    import random
    payload = payload_strings(b"abc", True)
    with srv.conn() as c:
        if defrag:
            c.command("CONFIG", "SET", "activedefrag", "yes")
            c.command("CONFIG", "SET", "active-defrag-ignore-bytes", "1mb")
            c.command("CONFIG", "SET", "active-defrag-cycle-max", "75")
        settle(c)
        rss0 = srv.rss_bytes()
    with srv.conn(timeout=120) as c:
        c.pipeline_simple(*payload)
        settle(c)
    rss_full = srv.rss_bytes() - rss0
    order = list(range(MEM_N))
    random.Random(7).shuffle(order)
    doomed = order[:MEM_N * (100 - FRAG_KEEP) // 100]
    per = 1000
    cmds = []
    for j in range(0, len(doomed), per):
        part = doomed[j:j + per]
        cmds.append(b"*%d\r\n$3\r\nDEL\r\n" % (1 + len(part)) + b"".join(MEMBER_FMT % i for i in part))
    chunks = [b"".join(cmds[k:k + 20]) for k in range(0, len(cmds), 20)]
    counts = [len(cmds[k:k + 20]) for k in range(0, len(cmds), 20)]
    t0 = time.monotonic()
    with srv.conn(timeout=120) as c:
        c.pipeline_simple(chunks, counts)
        # Compaction (Apus), table shrinking and rehashing run from the cron in small steps: wait
        # until RSS has stopped falling for 2 s (four readings) with no defrag pass running.
        prev = srv.rss_bytes()
        steady = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and steady < 4:
            time.sleep(0.5)
            running = defrag and info_field(c, "memory", "active_defrag_running") != "0"
            cur = srv.rss_bytes()
            steady = steady + 1 if not running and cur >= prev - 4096 else 0
            prev = min(prev, cur)
        dbsize = c.command("DBSIZE")
    if dbsize != MEM_N * FRAG_KEEP // 100:
        raise HarnessError("%s: DBSIZE %s after deleting, expected %d" % (srv.name, dbsize, MEM_N * FRAG_KEEP // 100))
    rss_left = srv.rss_bytes() - rss0
    need = rss_full * FRAG_KEEP / 100
    return {"rss_full": rss_full, "rss_left": rss_left, "need": need, "ratio": rss_left / need,
            "seconds": time.monotonic() - t0}


def run_fragmentation(apus_bin: str, redis_bin: str) -> dict:
    res = {}
    for name, binary, defrag in (("Apus", apus_bin, True), ("Redis", redis_bin, False)):
        with Server(name, binary) as srv:
            res[name.lower()] = measure_fragmentation(srv, defrag)
    return res


def print_fragmentation(res: dict) -> None:
    print("Fragmentation: 1M keys (3 B values), 90% deleted at random, then compaction (Apus: activedefrag yes; "
          "Debian's Redis refuses activedefrag, its jemalloc lacks the defrag hint, so none). RSS left over the "
          "empty server, against the kept keys' share of the full load's RSS.")
    print()
    rows = []
    for name in ("apus", "redis"):
        r = res[name]
        rows.append([name.capitalize(), "%.1f" % (r["rss_full"] / 2**20), "%.1f" % (r["rss_left"] / 2**20),
                     "%.1f" % (r["need"] / 2**20), "%.2f" % r["ratio"], "%.1f" % r["seconds"]])
    print_table(rows, ["server", "RSS full MiB", "RSS left MiB", "kept keys need MiB", "left/need", "settle s"],
                "lrrrrr")
    print()


def print_memory(results: list) -> None:
    header = ["scenario", "used_memory B Apus", "B Redis", "A/R", "RSS B Apus", "B Redis", "A/R"]
    rows = []
    for res in results:
        a, r = res["apus"], res["redis"]
        rows.append([res["scenario"],
                     "%.1f" % (a["used_memory_delta"] / MEM_N), "%.1f" % (r["used_memory_delta"] / MEM_N),
                     ratio(a["used_memory_delta"], r["used_memory_delta"]),
                     "%.1f" % (a["rss_delta"] / MEM_N), "%.1f" % (r["rss_delta"] / MEM_N),
                     ratio(a["rss_delta"], r["rss_delta"])])
    print("Memory: bytes per key (or per member), growth over the empty server; "
          "keys key:NNNNNNNNNNNN (16 B). A/R < 1: Apus smaller.")
    print()
    print_table(rows, header, "lrrrrrr")
    print()


# ---------------------------------------------------------------------------


def header(apus: Server, redis: Server) -> None:
    def describe(srv):
        with srv.conn() as c:
            return "%s (redis_version %s, mem_allocator %s)" % (
                srv.binary, info_field(c, "server", "redis_version"), info_field(c, "memory", "mem_allocator"))
    print("Apus benchmark%s | %s" % (" (BENCH_QUICK)" if QUICK else "", machine()))
    print("Apus:  " + describe(apus))
    print("Redis: " + describe(redis))
    print("Both:  --bind 127.0.0.1 --save \"\" --appendonly no; client %s" % redis_benchmark_binary())
    print()


def main() -> int:
    install_sigterm_handler()
    apus_bin, redis_bin = apus_binary(), redis_binary()
    require_executable(apus_bin, "Apus binary", "build it with `make release`")
    require_executable(redis_bin, "redis-server", "install it with `make deps-apt`")
    require_executable(redis_benchmark_binary(), "redis-benchmark", "install it with `make deps-apt`")
    if eviction_mode() == "only":
        started = time.monotonic()
        result = run_eviction(apus_bin, redis_bin, QUICK, log)
        print_eviction(result, print_table, ratio)
        print("total time %.0f s" % (time.monotonic() - started))
        return 0
    run_persist, run_repl, sections_only = sections()
    mem_mode = "0" if sections_only else os.environ.get("BENCH_MEMORY", "1")
    started = time.monotonic()
    report = {"machine": machine(), "quick": QUICK}
    apus = Server("Apus", apus_bin)
    redis = Server("Redis", redis_bin)
    try:
        apus.start()
        redis.start()
        header(apus, redis)
        sys.stdout.flush()
        if mem_mode != "only" and not sections_only:
            report["throughput"] = run_throughput(apus, redis)
            if pubsub_selected():
                report["pubsub"] = run_pubsub(apus, redis, publishes=20000 if QUICK else 100000,
                                              repeat=REPEAT, log=log)
    finally:
        apus.stop()
        redis.stop()
    if mem_mode != "only" and not sections_only:
        if report["throughput"]:
            print_throughput(report["throughput"])
        if "pubsub" in report:
            print_pubsub(report["pubsub"], print_table, ratio)
        sys.stdout.flush()
        if section_mode("BENCH_TLS", "TLS") != "0":
            report["tls"] = run_tls(apus_bin, redis_bin, QUICK, REPEAT, log)
            print_tls(report["tls"], print_table, ratio)
            sys.stdout.flush()
    if mem_mode not in ("0", "no", "false"):
        report["memory"] = run_memory(apus_bin, redis_bin)
        print_memory(report["memory"])
        report["fragmentation"] = run_fragmentation(apus_bin, redis_bin)
        print_fragmentation(report["fragmentation"])
    if run_persist:
        report["persistence"] = run_persistence(apus_bin, redis_bin, QUICK, REPEAT, log)
        print_persistence(report["persistence"], print_table, ratio)
        sys.stdout.flush()
    if run_repl:
        report["replication"] = run_replication(apus_bin, redis_bin, QUICK, REPEAT, log)
        print_replication(report["replication"], print_table, ratio)
    if eviction_mode() == "1" and not sections_only:
        report["eviction"] = run_eviction(apus_bin, redis_bin, QUICK, log)
        print_eviction(report["eviction"], print_table, ratio)
    print("total time %.0f s" % (time.monotonic() - started))
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as f:
            json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except HarnessError as e:
        print("\nbench: FAILED: %s" % e, file=sys.stderr)
        sys.exit(1 if "not found" not in str(e) else 2)
    except (RespError, ConnectionError, OSError) as e:
        traceback.print_exc()
        print("\nbench: FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        sys.exit(130)
