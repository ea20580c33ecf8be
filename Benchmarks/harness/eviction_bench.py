"""The eviction rows of bench.py (BENCH_TESTS=eviction, or BENCH_EVICTION=0 to skip them).

Apus and redis-server, each fresh, with --maxmemory 100mb --maxmemory-policy allkeys-lru:

Limit    redis-benchmark -t set -P 16 -c 50 -r 10000000 -d 3 with enough requests to pass the
         limit several times over (6M; 3M with BENCH_QUICK): used_memory against maxmemory
         afterwards (goal: within 5%), the keys held, evicted_keys, requests/s of the load.
Zipf     the servers flushed (the limit stays), then a warm-up of Zipf-distributed SETs
         (exponent 0.99 over 10M keys, 100-byte values so that both servers overflow the limit
         during the warm-up, pipelined by 1000), CONFIG RESETSTAT, and a
         cache-aside read load: pipelined GETs of Zipf-drawn keys, each miss followed by a SET of
         it (so evictions go on while it is measured). Hit ratio = keyspace_hits / (hits +
         misses) from INFO (goal: within 5 points of redis-server's). Both servers see the same
         key sequence (one seed). Apus's keys are smaller, so under the same limit it holds more
         of them: the table shows the keys each held and the hit ratio a perfect cache of that
         many keys (the most popular ranks) would reach, to tell capacity from policy.
"""

from __future__ import annotations

import math
import random
import subprocess
import time

from benchlib import (Conn, HarnessError, RespError, Server, benchmark_result, info_field,
                      redis_benchmark_binary)

LIMIT = "100mb"
LIMIT_BYTES = 100 * 1024 * 1024
ARGS = ["--maxmemory", LIMIT, "--maxmemory-policy", "allkeys-lru"]
KEYSPACE = 10_000_000
ZIPF_S = 0.99
BATCH = 1000
SEED = 14
ZIPF_VALUE = b"x" * 100


class Zipf:
    """Ranks 1..n with P(k) ~ k^-s, drawn by inverting the continuous approximation of the CDF."""

    def __init__(self, n: int, s: float, seed: int):
        self.n, self.s = n, s
        self.rng = random.Random(seed)
        self.span = (n + 1) ** (1 - s) - 1
        self.exponent = 1 / (1 - s)

    def draw(self) -> int:
        k = int((self.rng.random() * self.span + 1) ** self.exponent)
        return min(max(k, 1), self.n)

    def coverage(self, top: int) -> float:
        """The share of draws that fall on the `top` most popular ranks."""
        top = min(top, self.n)
        return ((top + 1) ** (1 - self.s) - 1) / self.span


def info(conn: Conn, section: str) -> dict:
    fields = {}
    for line in conn.command("INFO", section).decode().splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


def set_load(srv: Server, requests: int) -> dict:
    argv = [redis_benchmark_binary(), "-h", srv.host, "-p", str(srv.port), "-c", "50", "-n", str(requests),
            "-r", str(KEYSPACE), "-d", "3", "-P", "16", "--csv", "-t", "set"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    result = benchmark_result(srv, proc, "eviction SET load")
    with srv.conn() as c:
        memory, stats = info(c, "memory"), info(c, "stats")
        keys = c.command("DBSIZE")
    return {"rps": result["rps"], "used_memory": int(memory["used_memory"]),
            "maxmemory": int(memory["maxmemory"]), "keys": keys, "evicted": int(stats["evicted_keys"]),
            "not_counted": int(memory["mem_not_counted_for_evict"])}


def key(rank: int) -> bytes:
    return b"z:%d" % rank


def sets(ranks) -> bytes:
    return b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key(r)), key(r), len(ZIPF_VALUE), ZIPF_VALUE)
                    for r in ranks)


def gets(ranks) -> bytes:
    return b"".join(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key(r)), key(r)) for r in ranks)


def zipf_phase(srv: Server, warmup: int, reads: int) -> dict:
    zipf = Zipf(KEYSPACE, ZIPF_S, SEED)
    with srv.conn(timeout=300) as c:
        c.command("FLUSHALL")
        c.command("CONFIG", "RESETSTAT")
        for base in range(0, warmup, BATCH):
            ranks = [zipf.draw() for _ in range(min(BATCH, warmup - base))]
            c.pipeline_simple([sets(ranks)], [len(ranks)])
        warm = info(c, "stats")
        c.command("CONFIG", "RESETSTAT")
        started = time.monotonic()
        for base in range(0, reads, BATCH):
            ranks = [zipf.draw() for _ in range(min(BATCH, reads - base))]
            c.sock.sendall(gets(ranks))
            missed = []
            for rank in ranks:
                reply = c.read_reply()
                if isinstance(reply, RespError):
                    raise HarnessError("%s: GET failed: %s" % (srv.name, reply))
                if reply is None:
                    missed.append(rank)
            if missed:
                c.pipeline_simple([sets(missed)], [len(missed)])
        seconds = time.monotonic() - started
        stats, memory = info(c, "stats"), info(c, "memory")
        keys = c.command("DBSIZE")
    hits, misses = int(stats["keyspace_hits"]), int(stats["keyspace_misses"])
    return {"hits": hits, "misses": misses, "hit_ratio": hits / max(1, hits + misses), "keys": keys,
            "ideal": zipf.coverage(keys), "evicted": int(stats["evicted_keys"]), "seconds": seconds,
            "warmup_evicted": int(warm["evicted_keys"]),
            "used_memory": int(memory["used_memory"])}


def run_eviction(apus_bin: str, redis_bin: str, quick: bool, log) -> dict:
    requests = 3_000_000 if quick else 6_000_000
    warmup = 1_000_000 if quick else 3_000_000
    reads = 500_000 if quick else 2_000_000
    res = {}
    for name, binary in (("Apus", apus_bin), ("Redis", redis_bin)):
        with Server(name, binary, extra_args=ARGS) as srv:
            limit = set_load(srv, requests)
            log("eviction: %-5s SET load %.0f rps, used_memory %.1f MiB of %.1f MiB, %d keys, %d evicted"
                % (name, limit["rps"], limit["used_memory"] / 2**20, limit["maxmemory"] / 2**20,
                   limit["keys"], limit["evicted"]))
            zipf = zipf_phase(srv, warmup, reads)
            log("eviction: %-5s Zipf hit ratio %.4f with %d keys (perfect cache of that size %.4f), %.1f s"
                % (name, zipf["hit_ratio"], zipf["keys"], zipf["ideal"], zipf["seconds"]))
            srv.check_alive()
            res[name.lower()] = {"limit": limit, "zipf": zipf}
    res["requests"], res["warmup"], res["reads"] = requests, warmup, reads
    return res


def print_eviction(res: dict, print_table, ratio) -> None:
    print("Eviction: --maxmemory %s --maxmemory-policy allkeys-lru. redis-benchmark -t set -P 16 -c 50 "
          "-r %d -d 3 -n %d, then used_memory against the limit (goal within 5%%)."
          % (LIMIT, KEYSPACE, res["requests"]))
    print()
    rows = []
    for name in ("apus", "redis"):
        r = res[name]["limit"]
        rows.append([name.capitalize(), "%.2f" % (r["used_memory"] / 2**20), "%.2f" % (r["maxmemory"] / 2**20),
                     "%+.2f%%" % ((r["used_memory"] / r["maxmemory"] - 1) * 100), str(r["keys"]),
                     "%.1f" % (r["used_memory"] / max(1, r["keys"])), str(r["evicted"]), "%.0f" % r["rps"]])
    print_table(rows, ["server", "used_memory MiB", "maxmemory MiB", "over limit", "keys", "B/key", "evicted",
                       "SET rps"], "lrrrrrrr")
    print()
    print("Zipf (s=%.2f over %d keys, 100-byte values): %d SETs warm-up, then %d GETs with a SET after each miss; hit ratio "
          "from keyspace_hits/misses (goal within 5 points of Redis). 'perfect' = the share of draws on "
          "the top-<keys> ranks, the best any policy could do with that many keys."
          % (ZIPF_S, KEYSPACE, res["warmup"], res["reads"]))
    print()
    rows = []
    for name in ("apus", "redis"):
        z = res[name]["zipf"]
        rows.append([name.capitalize(), "%.2f%%" % (z["hit_ratio"] * 100), str(z["keys"]),
                     "%.2f%%" % (z["ideal"] * 100), "%.2f" % (z["hit_ratio"] / z["ideal"]),
                     str(z["warmup_evicted"]), str(z["evicted"]), "%.2f" % (z["used_memory"] / 2**20)])
    print_table(rows, ["server", "hit ratio", "keys", "perfect", "hit/perfect", "evicted warm-up", "evicted reads",
                       "used_memory MiB"], "lrrrrrrr")
    a, r = res["apus"]["zipf"]["hit_ratio"], res["redis"]["zipf"]["hit_ratio"]
    print()
    print("hit ratio Apus - Redis: %+.2f points" % ((a - r) * 100))
    print()
