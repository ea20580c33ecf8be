"""The persistence rows of bench.py: AOF throughput, SAVE and start-up load, BGSAVE under load.

Each part starts Apus and redis-server with the same settings, each in a fresh temporary
directory, and alternates between them (Apus, Redis, Apus, ...):

AOF      redis-benchmark -t set -P 16 -c 50 -r 100000 -d 3 against servers started with
         --appendonly yes --appendfsync everysec: requests/s, server CPU per million requests,
         p99, and the size of appendonlydir/ afterwards (the same writes make the same AOF).
SAVE     N keys (key:<i> -> value:<i>, as DEBUG POPULATE names them, by pipelined MSET: Apus has
         no DEBUG POPULATE), or one hash / set / sorted set of N members filled by pipelined
         HSET / SADD / ZADD, each scenario on fresh servers:
         the time of the SAVE command as the client sees it, the size of dump.rdb, and the
         start-up load of that file: the server's own "DB loaded from disk: X seconds" log line
         (both servers time rdbLoad alone, from the same place in start-up), and the wall time
         from spawning the process until it answers PING, with DBSIZE checked afterwards.
BGSAVE   N keys key:<12 digits> (redis-benchmark's key names) with 3-byte values, then
         redis-benchmark -t set -P 1 -c 50 -r N -d 3 overwriting them: once without a save (the
         baseline), once with BGSAVEs back to back for as long as the load runs (the next as soon
         as INFO shows the last one done: the cron reaps a child up to 1/hz later), so the load
         runs under a save nearly all the time.  p50/p99/max latency of both runs
         (redis-benchmark --csv), latest_fork_usec, and rdb_last_cow_size of the saves that
         finished while the load ran (median).

N is 1,000,000 (100,000 with BENCH_QUICK).  Runs: BENCH_REPEAT (median), at least 5 for SAVE and
load, which take a second or so each, and 3 for BGSAVE (the run with the median p99 under save is
shown): on this shared 2-core machine the save child, the server and redis-benchmark share the
cores with whatever else runs, and single runs of that part moved p99 by 4x.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time

from benchlib import (HarnessError, Server, benchmark_argv, benchmark_result, count_label, fill,
                      info_field, median_run, start_benchmark)

CLIENTS = 50
AOF_ARGS = ["--appendonly", "yes", "--appendfsync", "everysec"]
LOADED_LINE = re.compile(rb"DB loaded from disk: ([0-9.]+) seconds")


def dir_bytes(path: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


# ---------------------------------------------------------------------------
# AOF


def run_aof_once(name: str, binary: str, n: int) -> dict:
    with Server(name, binary, extra_args=AOF_ARGS) as srv:
        with srv.conn() as c:
            if info_field(c, "persistence", "aof_enabled") != "1":
                raise HarnessError("%s: aof_enabled is not 1 with --appendonly yes" % name)
        cpu0 = srv.cpu_seconds()
        res = benchmark_result(srv, start_benchmark(benchmark_argv(srv, n, 100000, 16, CLIENTS)), "AOF SET")
        srv.check_alive()
        res["cpu_s_per_m"] = (srv.cpu_seconds() - cpu0) / n * 1e6
        with srv.conn() as c:
            if int(c.command("DBSIZE")) == 0:
                raise HarnessError("%s: no keys after the AOF SET run" % name)
        time.sleep(1.1)  # everysec: the last second of writes reaches the file
        res["aof_bytes"] = dir_bytes(os.path.join(srv.dir, "appendonlydir"))
    return res


def run_aof(apus_bin: str, redis_bin: str, n: int, repeat: int, log) -> dict:
    runs = {"apus": [], "redis": []}
    for _ in range(repeat):
        runs["apus"].append(run_aof_once("Apus", apus_bin, n))
        runs["redis"].append(run_aof_once("Redis", redis_bin, n))
    res = {"requests": n, "apus": median_run(runs["apus"], "rps"), "redis": median_run(runs["redis"], "rps")}
    log("persistence: SET -P 16 appendfsync everysec  Apus %10.0f rps  Redis %10.0f rps"
        % (res["apus"]["rps"], res["redis"]["rps"]))
    return res


# ---------------------------------------------------------------------------
# SAVE and start-up load


def save_scenarios(n: int) -> list:
    """(label, fill(srv), check command, expected reply)."""
    return [
        ("%s keys" % count_label(n),
         lambda srv: fill(srv, ("MSET",), n, lambda i: ["key:%d" % i, "value:%d" % i]), ("DBSIZE",), n),
        ("hash, %s fields" % count_label(n),
         lambda srv: fill(srv, ("HSET", "myhash"), n, lambda i: ["field:%d" % i, "v%d" % (i % 1000)]),
         ("HLEN", "myhash"), n),
        ("set, %s members" % count_label(n),
         lambda srv: fill(srv, ("SADD", "myset"), n, lambda i: ["member:%d" % i]),
         ("SCARD", "myset"), n),
        ("zset, %s members" % count_label(n),
         lambda srv: fill(srv, ("ZADD", "myzset"), n, lambda i: [str(i * 0.5), "member:%d" % i]),
         ("ZCARD", "myzset"), n),
    ]


def timed_save(srv: Server) -> float:
    with srv.conn(timeout=600) as c:
        t0 = time.monotonic()
        reply = c.command("SAVE")
        seconds = time.monotonic() - t0
    if reply != b"OK":
        raise HarnessError("%s: SAVE answered %r" % (srv.name, reply))
    return seconds


def timed_load(name: str, binary: str, directory: str, check: tuple, expect: int) -> dict:
    srv = Server(name, binary, start_timeout=300.0, directory=directory)
    t0 = time.monotonic()
    srv.start()
    try:
        wall = time.monotonic() - t0
        with srv.conn() as c:
            got = c.command(*check)
        if got != expect:
            raise HarnessError("%s: %s answers %r after loading dump.rdb, expected %d"
                               % (name, " ".join(check), got, expect))
        with open(srv.log_path, "rb") as f:
            found = LOADED_LINE.search(f.read())
        if not found:
            raise HarnessError("%s: no \"DB loaded from disk\" line in its log:\n%s" % (name, srv.log_tail()))
    finally:
        srv.stop()
    return {"load_s": float(found.group(1)), "start_s": wall}


def run_save_scenario(apus_bin: str, redis_bin: str, scenario: tuple, repeat: int) -> dict:
    label, fill_server, check, expect = scenario
    bins = {"apus": ("Apus", apus_bin), "redis": ("Redis", redis_bin)}
    dirs = {k: tempfile.mkdtemp(prefix="apus-bench-save-%s-" % k) for k in bins}
    res = {"scenario": label}
    try:
        servers = {k: Server(name, b, directory=dirs[k]) for k, (name, b) in bins.items()}
        try:
            for srv in servers.values():
                srv.start()
                fill_server(srv)
                with srv.conn() as c:
                    got = c.command(*check)
                if got != expect:
                    raise HarnessError("%s: %s answers %r after filling, expected %d"
                                       % (srv.name, " ".join(check), got, expect))
            saves = {k: [] for k in bins}
            for _ in range(repeat):
                for k, srv in servers.items():
                    saves[k].append(timed_save(srv))
        finally:
            for srv in servers.values():
                srv.stop()
        loads = {k: [] for k in bins}
        for _ in range(repeat):
            for k, (name, binary) in bins.items():
                loads[k].append(timed_load(name, binary, dirs[k], check, expect))
        for k in bins:
            res[k] = {"save_s": statistics.median(saves[k]), "saves": saves[k],
                      "load_s": statistics.median(r["load_s"] for r in loads[k]),
                      "start_s": statistics.median(r["start_s"] for r in loads[k]), "loads": loads[k],
                      "rdb_bytes": os.path.getsize(os.path.join(dirs[k], "dump.rdb"))}
    finally:
        if os.environ.get("BENCH_KEEP_TMP") != "1":
            for d in dirs.values():
                shutil.rmtree(d, ignore_errors=True)
    return res


def run_save_load(apus_bin: str, redis_bin: str, n: int, repeat: int, log) -> list:
    results = []
    for scenario in save_scenarios(n):
        res = run_save_scenario(apus_bin, redis_bin, scenario, repeat)
        a, r = res["apus"], res["redis"]
        log("persistence: %-22s SAVE %.3f s / %.3f s  load %.3f s / %.3f s  dump.rdb %d / %d bytes"
            % (res["scenario"], a["save_s"], r["save_s"], a["load_s"], r["load_s"], a["rdb_bytes"], r["rdb_bytes"]))
        results.append(res)
    return results


# ---------------------------------------------------------------------------
# BGSAVE under a write load




def wait_for_commands(srv: Server, proc: subprocess.Popen, above: int) -> None:
    """Until the load has started (total_commands_processed moved), so the first save meets it."""
    with srv.conn() as c:
        deadline = time.monotonic() + 30
        while int(info_field(c, "stats", "total_commands_processed")) <= above + CLIENTS:
            if proc.poll() is not None or time.monotonic() > deadline:
                return
            time.sleep(0.005)


def bgsaves_while_running(srv: Server, proc: subprocess.Popen) -> dict:
    """BGSAVE after BGSAVE until the load ends; copy-on-write and fork time of each finished save."""
    cows, forks = [], []
    with srv.conn() as c:
        while proc.poll() is None:
            reply = c.command("BGSAVE")
            if reply != b"Background saving started":
                raise HarnessError("%s: BGSAVE answered %r" % (srv.name, reply))
            forks.append(int(info_field(c, "stats", "latest_fork_usec")))
            while info_field(c, "persistence", "rdb_bgsave_in_progress") != "0":
                time.sleep(0.005)
            if info_field(c, "persistence", "rdb_last_bgsave_status") != "ok":
                raise HarnessError("%s: a BGSAVE under load failed:\n%s" % (srv.name, srv.log_tail()))
            if proc.poll() is None:
                cows.append(int(info_field(c, "persistence", "rdb_last_cow_size")))
    return {"saves": len(forks), "cow_bytes": statistics.median(cows) if cows else 0, "cows": cows,
            "fork_us": statistics.median(forks), "forks": forks}


def run_bgsave_once(name: str, binary: str, keys: int, requests: int) -> dict:
    with Server(name, binary, start_timeout=60.0) as srv:
        # The keys redis-benchmark -r <keys> -d 3 overwrites: key:<12 digits> -> "xxx".
        fill(srv, ("MSET",), keys, lambda i: ["key:%012d" % i, "xxx"])
        with srv.conn() as c:
            if c.command("DBSIZE") != keys:
                raise HarnessError("%s: DBSIZE is not %d after filling" % (name, keys))
        argv = benchmark_argv(srv, requests, keys, 1, CLIENTS)
        baseline = benchmark_result(srv, start_benchmark(argv), "SET without BGSAVE")
        with srv.conn() as c:
            done = int(info_field(c, "stats", "total_commands_processed"))
        proc = start_benchmark(argv)
        try:
            wait_for_commands(srv, proc, done)
            saves = bgsaves_while_running(srv, proc)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        loaded = benchmark_result(srv, proc, "SET during BGSAVE")
        srv.check_alive()
        if saves["saves"] < 2 or not saves["cows"]:
            raise HarnessError("%s: only %d BGSAVE(s) during the load; raise the request count"
                               % (name, saves["saves"]))
    return {"baseline": baseline, "loaded": loaded, **saves}


def run_bgsave(apus_bin: str, redis_bin: str, keys: int, requests: int, repeat: int, log) -> dict:
    runs = {"apus": [], "redis": []}
    for _ in range(repeat):
        runs["apus"].append(run_bgsave_once("Apus", apus_bin, keys, requests))
        runs["redis"].append(run_bgsave_once("Redis", redis_bin, keys, requests))
    res = {"keys": keys, "requests": requests}
    for k, rs in runs.items():
        rs.sort(key=lambda r: r["loaded"]["p99_ms"])
        res[k] = dict(rs[len(rs) // 2], runs=rs)
    log("persistence: BGSAVE under SET load  p99 Apus %.3f ms  Redis %.3f ms  cow Apus %d  Redis %d bytes"
        % (res["apus"]["loaded"]["p99_ms"], res["redis"]["loaded"]["p99_ms"],
           res["apus"]["cow_bytes"], res["redis"]["cow_bytes"]))
    return res


# ---------------------------------------------------------------------------


def run_persistence(apus_bin: str, redis_bin: str, quick: bool, repeat: int, log) -> dict:
    n = 100000 if quick else 1000000
    return {
        "aof": run_aof(apus_bin, redis_bin, 200000 if quick else 400000, repeat, log),
        "save": run_save_load(apus_bin, redis_bin, n, max(5, repeat), log),
        "bgsave": run_bgsave(apus_bin, redis_bin, n, 200000 if quick else 300000, max(3, repeat), log),
    }


def print_persistence(res: dict, print_table, ratio) -> None:
    aof = res["aof"]
    a, r = aof["apus"], aof["redis"]
    print("AOF: redis-benchmark -t set -P 16 -c %d -r 100000 -d 3, %d requests, --appendonly yes "
          "--appendfsync everysec, fresh servers. A/R > 1: Apus faster; AOF MiB = appendonlydir/ after the run."
          % (CLIENTS, aof["requests"]))
    print()
    print_table([["SET -P 16 AOF", "%.0f" % a["rps"], "%.0f" % r["rps"], ratio(a["rps"], r["rps"]),
                  "%.2f" % a["cpu_s_per_m"], "%.2f" % r["cpu_s_per_m"], ratio(a["cpu_s_per_m"], r["cpu_s_per_m"]),
                  "%.3f" % a["p99_ms"], "%.3f" % r["p99_ms"],
                  "%.1f" % (a["aof_bytes"] / 2**20), "%.1f" % (r["aof_bytes"] / 2**20)]],
                ["test", "rps Apus", "rps Redis", "A/R", "CPU s/M Apus", "CPU s/M Redis", "CPU A/R",
                 "p99 ms Apus", "p99 ms Redis", "AOF MiB Apus", "AOF MiB Redis"], "lrrrrrrrrrr")
    print()
    print("SAVE and start-up load (median of %d): SAVE s = the SAVE command's time; load s = the server's "
          "\"DB loaded from disk\" line; to PING s = spawn until PONG. A/R < 1: Apus faster / smaller."
          % len(res["save"][0]["apus"]["saves"]))
    print()
    rows = []
    for s in res["save"]:
        a, r = s["apus"], s["redis"]
        rows.append([s["scenario"], "%.3f" % a["save_s"], "%.3f" % r["save_s"], ratio(a["save_s"], r["save_s"]),
                     "%.3f" % a["load_s"], "%.3f" % r["load_s"], ratio(a["load_s"], r["load_s"]),
                     "%.2f" % a["start_s"], "%.2f" % r["start_s"],
                     "%d" % a["rdb_bytes"], "%d" % r["rdb_bytes"], ratio(a["rdb_bytes"], r["rdb_bytes"])])
    print_table(rows, ["scenario", "SAVE s Apus", "SAVE s Redis", "A/R", "load s Apus", "load s Redis", "A/R",
                       "to PING s Apus", "to PING s Redis", "dump.rdb B Apus", "dump.rdb B Redis", "A/R"],
                "lrrrrrrrrrrr")
    print()
    bg = res["bgsave"]
    print("BGSAVE under load: %d keys (3 B values), redis-benchmark -t set -P 1 -c %d -r %d -d 3, %d requests, "
          "without a save and then with BGSAVEs back to back; the run (of %d) with the median p99 under save. "
          "COW = rdb_last_cow_size (median of the saves that finished under load), fork = latest_fork_usec "
          "(median)." % (bg["keys"], CLIENTS, bg["keys"], bg["requests"], len(bg["apus"]["runs"])))
    print()
    rows = []
    for name in ("apus", "redis"):
        x = bg[name]
        rows.append([name.capitalize(), "%.0f" % x["baseline"]["rps"], "%.3f" % x["baseline"]["p99_ms"],
                     "%.0f" % x["loaded"]["rps"], "%.3f" % x["loaded"]["p50_ms"], "%.3f" % x["loaded"]["p99_ms"],
                     "%.3f" % x["loaded"]["max_ms"], "%d" % x["saves"], "%.0f" % x["fork_us"],
                     "%.1f" % (x["cow_bytes"] / 2**20)])
    a, r = bg["apus"], bg["redis"]
    rows.append(["A/R", ratio(a["baseline"]["rps"], r["baseline"]["rps"]),
                 ratio(a["baseline"]["p99_ms"], r["baseline"]["p99_ms"]),
                 ratio(a["loaded"]["rps"], r["loaded"]["rps"]), ratio(a["loaded"]["p50_ms"], r["loaded"]["p50_ms"]),
                 ratio(a["loaded"]["p99_ms"], r["loaded"]["p99_ms"]), ratio(a["loaded"]["max_ms"], r["loaded"]["max_ms"]),
                 "", ratio(a["fork_us"], r["fork_us"]), ratio(a["cow_bytes"], r["cow_bytes"])])
    print_table(rows, ["server", "rps no save", "p99 ms no save", "rps BGSAVE", "p50 ms BGSAVE", "p99 ms BGSAVE",
                       "max ms BGSAVE", "saves", "fork us", "COW MiB"], "lrrrrrrrrr")
    print()


if __name__ == "__main__":
    import sys
    sys.exit("run it through bench.py: BENCH_PERSISTENCE=only python3 Benchmarks/harness/bench.py")
