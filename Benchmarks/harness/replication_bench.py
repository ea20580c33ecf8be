"""The replication rows of bench.py: a replica under a SET load, and full resyncs of 1M keys.

Apus master + Apus replica beside redis-server master + redis-server replica, every server started
with the same settings (benchlib's --bind 127.0.0.1 --save "" --appendonly no, and
--repl-diskless-sync-delay 0 --enable-debug-command yes), alternating Apus, Redis, Apus, ...

KEEP-UP  redis-benchmark -t set -P 16 -c 50 -r 100000 -d 3 against a fresh master alone, then against
         a fresh master with a fresh replica (REPLICAOF, waited for until the link is up, the master
         lists the replica online and a SET on the master has reached the replica: "first write",
         since after a diskless sync a master holds the stream back until the replica's first
         REPLCONF ACK).  While the load runs the harness samples ROLE about every 5 ms, first on the
         replica (its processed offset) and then on the master (master_repl_offset), each sample
         timed at the middle of its round trip (the slowest round trip is reported):
           byte lag  master offset minus the replica's (the master is read just after the replica,
                     so this errs high by what the master wrote in between);
           time lag  how long ago the master passed the replica's offset: the age of the oldest
                     write the replica has not applied yet (0 when it has them all), interpolated
                     linearly between the two master samples around that offset;
           catch-up  from redis-benchmark's exit until the replica's offset equals the master's.
         Then DEBUG DIGEST on both must be equal.  Also the master's requests/s with the replica over
         without (issue 10 asks >= 0.9), and CPU seconds per million requests of master and replica
         (utime+stime from /proc).  On this 2-core machine master, replica and redis-benchmark share
         the two cores: the replica's CPU is taken from the others, for both servers alike.
FULLSYNC N keys (key:<i> -> value:<i>, pipelined MSET) on one master per server, then for
         repl-diskless-sync no (the master BGSAVEs to dump.rdb and sends the file) and yes (the child
         streams the RDB to the socket), each run on a fresh empty replica: the time from REPLICAOF
         until INFO replication shows master_link_status:up and DBSIZE = N (polled every 5 ms).
         "load s" is the replica's own log, from "MASTER <-> REPLICA sync: Loading DB in memory" to
         "...: Finished with success" (ms timestamps); the rest (handshake, fork, the RDB written and
         sent) is "transfer s".  Both replicas keep repl-diskless-load at its default (disabled):
         redis-server writes the received RDB to a temporary file and loads that file, Apus keeps it in
         memory and loads from there.  The master's sync_full must count every run.  Then "first
         write": a SET on the master until the replica's offset has passed it.

KEEP-UP: 2,000,000 requests (500,000 with BENCH_QUICK), median of max(3, BENCH_REPEAT) runs.
FULLSYNC: N = 1,000,000 (100,000 with BENCH_QUICK), median of max(3, BENCH_REPEAT) runs per mode.
"""

from __future__ import annotations

import bisect
import datetime
import re
import statistics
import subprocess
import time

from benchlib import (HarnessError, RespError, Server, benchmark_argv, benchmark_result, count_label,
                      fill, info_field, start_benchmark)

CLIENTS = 50
KEYSPACE = 100000
REPL_ARGS = ["--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"]
SAMPLE_INTERVAL = 0.005
SYNC_TIMEOUT = 300.0
LOG_TIME = re.compile(rb"^\d+:[A-Z] (\d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3}) . (.*)$", re.M)
LOADING_LINE = b"MASTER <-> REPLICA sync: Loading DB in memory"
FINISHED_LINE = b"MASTER <-> REPLICA sync: Finished with success"
PROBE_KEY = "bench:first-write"


# ---------------------------------------------------------------------------
# Replica links


def role_offset(conn) -> int:
    """A master's master_repl_offset, or the offset a replica has processed (ROLE)."""
    reply = conn.command("ROLE")
    return reply[1] if reply[0] == b"master" else reply[4]


def wait_until(what: str, servers: tuple, done, timeout: float = SYNC_TIMEOUT, pause: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        for srv in servers:
            srv.check_alive()
        if time.monotonic() > deadline:
            raise HarnessError("%s: not within %.0f s; log tails:\n%s" % (what, timeout, "\n".join(
                "--- %s\n%s" % (s.name, s.log_tail()) for s in servers)))
        time.sleep(pause)


def link_up(conn) -> bool:
    return b"master_link_status:up" in conn.command("INFO", "replication")


def attach(replica: Server, master: Server) -> float:
    """REPLICAOF, then wait until the link is up and the master lists the replica as online.

    Returns how long the first write after that took to reach the replica: a master may hold the
    stream back until the replica's first REPLCONF ACK (after a diskless sync)."""
    with replica.conn() as cr, master.conn() as cm:
        if cr.command("REPLICAOF", master.host, str(master.port)) != b"OK":
            raise HarnessError("%s: REPLICAOF did not answer OK" % replica.name)
        wait_until("%s: replica of %s" % (replica.name, master.name), (replica, master),
                   lambda: link_up(cr) and len(cm.command("ROLE")[2]) == 1, timeout=60)
        return first_write_seconds(cm, cr, replica, master)


def first_write_seconds(cm, cr, replica: Server, master: Server) -> float:
    """SET on the master, then until the replica's offset has passed it."""
    t0 = time.monotonic()
    cm.command("SET", PROBE_KEY, "1")
    written = role_offset(cm)
    wait_until("%s: the first write after the sync" % replica.name, (replica, master),
               lambda: role_offset(cr) >= written, timeout=60, pause=0.0005)
    return time.monotonic() - t0


def log_seconds(srv: Server, first: bytes, last: bytes) -> float:
    """Seconds from the latest <first> line of the server's log to the <last> line after it."""
    with open(srv.log_path, "rb") as f:
        lines = [(m.group(1), m.group(2)) for m in LOG_TIME.finditer(f.read())]
    parse = lambda s: datetime.datetime.strptime(s.decode(), "%d %b %Y %H:%M:%S.%f")  # noqa: E731
    start, seconds = None, None
    for stamp, text in lines:
        if text.startswith(first):
            start = stamp
        elif text.startswith(last) and start is not None:
            seconds = (parse(stamp) - parse(start)).total_seconds()
            start = None
    if seconds is None:
        raise HarnessError("%s: no \"%s\" ... \"%s\" in its log:\n%s"
                           % (srv.name, first.decode(), last.decode(), srv.log_tail()))
    return seconds


# ---------------------------------------------------------------------------
# Keep-up under a SET load


def sample_offsets(proc: subprocess.Popen, master: Server, replica) -> dict:
    """ROLE offsets while redis-benchmark runs: replica first, then master; stops when it exits."""
    m_series, r_series, rtts = [], [], []
    cm = master.conn()
    cr = replica.conn() if replica is not None else None
    try:
        while True:
            if cr is not None:
                t0 = time.monotonic()
                off = role_offset(cr)
                t1 = time.monotonic()
                r_series.append(((t0 + t1) / 2, off))
                rtts.append(t1 - t0)
            t0 = time.monotonic()
            off = role_offset(cm)
            t1 = time.monotonic()
            m_series.append(((t0 + t1) / 2, off))
            rtts.append(t1 - t0)
            try:
                proc.wait(timeout=SAMPLE_INTERVAL)
                break
            except subprocess.TimeoutExpired:
                pass
        ended = time.monotonic()
        res = {"master": m_series, "replica": r_series, "samples": len(m_series), "max_rtt_s": max(rtts)}
        if cr is not None:
            final = role_offset(cm)
            res["end_lag_bytes"] = final - role_offset(cr)
            wait_until("%s: catching up with %s" % (replica.name, master.name), (replica, master),
                       lambda: role_offset(cr) >= final, timeout=60, pause=0.0005)
            res["catch_up_s"] = time.monotonic() - ended
    finally:
        cm.close()
        if cr is not None:
            cr.close()
    return res


def lags(m_series: list, r_series: list) -> dict:
    """Byte and time lag of every replica sample against the master's samples (see the docstring)."""
    times = [t for t, _ in m_series]
    offsets = [o for _, o in m_series]
    byte_lags, time_lags = [], []
    for t_r, off_r in r_series:
        after = bisect.bisect_left(times, t_r)  # the master sample taken just after this one
        if after < len(offsets):
            byte_lags.append(max(0, offsets[after] - off_r))
        j = bisect.bisect_right(offsets, off_r) - 1  # last master sample at or below the replica
        if j + 1 >= len(offsets):
            time_lags.append(0.0)  # the master was never seen past the replica
            continue
        if j < 0:
            passed = times[0]
        else:
            t0, o0, t1, o1 = times[j], offsets[j], times[j + 1], offsets[j + 1]
            passed = t0 + (off_r - o0) / (o1 - o0) * (t1 - t0)
        time_lags.append(max(0.0, t_r - passed))
    return {"max_lag_bytes": max(byte_lags, default=0), "max_lag_s": max(time_lags, default=0.0),
            "p50_lag_s": statistics.median(time_lags) if time_lags else 0.0}


def run_keepup_once(name: str, binary: str, n: int, with_replica: bool) -> dict:
    args = REPL_ARGS + ["--repl-diskless-sync", "yes"]
    master = Server(name + "-master", binary, extra_args=args)
    replica = Server(name + "-replica", binary, extra_args=args) if with_replica else None
    try:
        master.start()
        if replica is not None:
            replica.start()
            first_write = attach(replica, master)
        else:
            with master.conn() as cm:
                cm.command("SET", PROBE_KEY, "1")  # the same keyspace as with a replica
        cpu_m = master.cpu_seconds()
        cpu_r = replica.cpu_seconds() if replica is not None else 0.0
        proc = start_benchmark(benchmark_argv(master, n, KEYSPACE, 16, CLIENTS))
        try:
            series = sample_offsets(proc, master, replica)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        res = benchmark_result(master, proc, "SET -P 16 %s a replica" % ("with" if with_replica else "without"))
        master.check_alive()
        res["master_cpu_s_per_m"] = (master.cpu_seconds() - cpu_m) / n * 1e6
        res["samples"] = series["samples"]
        res["max_rtt_s"] = series["max_rtt_s"]
        if replica is not None:
            replica.check_alive()
            res["replica_cpu_s_per_m"] = (replica.cpu_seconds() - cpu_r) / n * 1e6
            res.update(lags(series["master"], series["replica"]))
            res["end_lag_bytes"] = series["end_lag_bytes"]
            res["catch_up_s"] = series["catch_up_s"]
            res["first_write_s"] = first_write
            with master.conn() as cm, replica.conn() as cr:
                digests = cm.command("DEBUG", "DIGEST"), cr.command("DEBUG", "DIGEST")
                sizes = cm.command("DBSIZE"), cr.command("DBSIZE")
            if digests[0] != digests[1] or sizes[0] != sizes[1]:
                raise HarnessError("%s: after the load the replica differs from the master: DEBUG DIGEST %r / %r, "
                                   "DBSIZE %r / %r" % (name, digests[0], digests[1], sizes[0], sizes[1]))
    finally:
        if replica is not None:
            replica.stop()
        master.stop()
    return res


def run_keepup(apus_bin: str, redis_bin: str, n: int, repeat: int, log) -> dict:
    runs = {k: {"alone": [], "replica": []} for k in ("apus", "redis")}
    for _ in range(repeat):
        for k, name, binary in (("apus", "Apus", apus_bin), ("redis", "Redis", redis_bin)):
            runs[k]["alone"].append(run_keepup_once(name, binary, n, False))
            runs[k]["replica"].append(run_keepup_once(name, binary, n, True))
    res = {"requests": n}
    for k, r in runs.items():
        alone, rep = r["alone"], r["replica"]
        med = lambda rs, key: statistics.median(x[key] for x in rs)  # noqa: E731
        res[k] = {"rps_alone": med(alone, "rps"), "rps_replica": med(rep, "rps"),
                  "p99_alone_ms": med(alone, "p99_ms"), "p99_replica_ms": med(rep, "p99_ms"),
                  "master_cpu_alone": med(alone, "master_cpu_s_per_m"),
                  "master_cpu_replica": med(rep, "master_cpu_s_per_m"),
                  "replica_cpu": med(rep, "replica_cpu_s_per_m"),
                  "max_lag_bytes": med(rep, "max_lag_bytes"), "max_lag_s": med(rep, "max_lag_s"),
                  "worst_lag_s": max(x["max_lag_s"] for x in rep), "p50_lag_s": med(rep, "p50_lag_s"),
                  "max_rtt_s": max(x["max_rtt_s"] for x in rep),
                  "first_write_s": med(rep, "first_write_s"),
                  "worst_first_write_s": max(x["first_write_s"] for x in rep),
                  "catch_up_s": med(rep, "catch_up_s"), "worst_catch_up_s": max(x["catch_up_s"] for x in rep),
                  "runs": r}
        res[k]["with_over_without"] = res[k]["rps_replica"] / res[k]["rps_alone"]
    a, r = res["apus"], res["redis"]
    log("replication: SET -P 16 with a replica  Apus %.0f rps (%.2fx alone), lag max %.0f ms  "
        "Redis %.0f rps (%.2fx alone), lag max %.0f ms"
        % (a["rps_replica"], a["with_over_without"], a["max_lag_s"] * 1e3,
           r["rps_replica"], r["with_over_without"], r["max_lag_s"] * 1e3))
    return res


# ---------------------------------------------------------------------------
# Full resync


def run_full_sync_once(name: str, binary: str, master: Server, n: int) -> dict:
    replica = Server(name + "-replica", binary, extra_args=REPL_ARGS)
    try:
        replica.start()
        with master.conn() as cm:
            full0 = int(info_field(cm, "stats", "sync_full"))
        with replica.conn(timeout=SYNC_TIMEOUT) as c:
            state = {}

            def loaded() -> bool:
                if not link_up(c):
                    return False
                state["dbsize"] = c.command("DBSIZE")
                return state["dbsize"] == n
            t0 = time.monotonic()
            if c.command("REPLICAOF", master.host, str(master.port)) != b"OK":
                raise HarnessError("%s: REPLICAOF did not answer OK" % replica.name)
            try:
                wait_until("%s: full sync of %d keys from %s" % (replica.name, n, master.name),
                           (replica, master), loaded)
            except HarnessError:
                if "dbsize" in state:
                    raise HarnessError("%s: link up but DBSIZE %r, expected %d" % (replica.name, state["dbsize"], n))
                raise
            total = time.monotonic() - t0
            with master.conn() as cm:
                first_write = first_write_seconds(cm, c, replica, master)
                cm.command("DEL", PROBE_KEY)
                full = int(info_field(cm, "stats", "sync_full"))
        load = log_seconds(replica, LOADING_LINE, FINISHED_LINE)
        if full != full0 + 1:
            raise HarnessError("%s: sync_full went from %d to %d for one fresh replica" % (master.name, full0, full))
    finally:
        replica.stop()
    return {"total_s": total, "load_s": load, "transfer_s": total - load, "first_write_s": first_write}


def run_full_sync(apus_bin: str, redis_bin: str, n: int, repeat: int, log) -> list:
    kinds = (("apus", "Apus", apus_bin), ("redis", "Redis", redis_bin))
    masters = {k: Server(name + "-master", binary, extra_args=REPL_ARGS, start_timeout=60.0)
               for k, name, binary in kinds}
    results = []
    try:
        for srv in masters.values():
            srv.start()
            fill(srv, ("MSET",), n, lambda i: ["key:%d" % i, "value:%d" % i])
            with srv.conn() as c:
                if c.command("DBSIZE") != n:
                    raise HarnessError("%s: DBSIZE is not %d after filling" % (srv.name, n))
        for mode, diskless in (("disk", "no"), ("diskless", "yes")):
            for srv in masters.values():
                with srv.conn() as c:
                    c.command("CONFIG", "SET", "repl-diskless-sync", diskless)
                    if c.command("CONFIG", "GET", "repl-diskless-sync") != [b"repl-diskless-sync", diskless.encode()]:
                        raise HarnessError("%s: CONFIG SET repl-diskless-sync %s did not stick" % (srv.name, diskless))
            runs = {k: [] for k, _, _ in kinds}
            for _ in range(repeat):
                for k, name, binary in kinds:
                    runs[k].append(run_full_sync_once(name, binary, masters[k], n))
            res = {"scenario": "%s keys, %s" % (count_label(n), mode), "keys": n, "diskless": diskless}
            for k, rs in runs.items():
                res[k] = {key: statistics.median(r[key] for r in rs) for key in ("total_s", "load_s", "transfer_s", "first_write_s")}
                res[k]["runs"] = rs
            log("replication: full sync %-18s Apus %.3f s  Redis %.3f s"
                % (res["scenario"], res["apus"]["total_s"], res["redis"]["total_s"]))
            results.append(res)
    except RespError as e:
        raise HarnessError("full sync: %s" % e)
    finally:
        for srv in masters.values():
            srv.stop()
    return results


# ---------------------------------------------------------------------------


def run_replication(apus_bin: str, redis_bin: str, quick: bool, repeat: int, log) -> dict:
    return {
        "keepup": run_keepup(apus_bin, redis_bin, 500000 if quick else 2000000, max(3, repeat), log),
        "fullsync": run_full_sync(apus_bin, redis_bin, 100000 if quick else 1000000, max(3, repeat), log),
    }


def print_replication(res: dict, print_table, ratio) -> None:
    k = res["keepup"]
    a, r = k["apus"], k["redis"]
    print("Replication keep-up: redis-benchmark -t set -P 16 -c %d -r %d -d 3, %d requests, against a fresh "
          "master alone and a fresh master with one fresh replica (median of %d runs each). with/alone = the "
          "master's rps with the replica over without (goal >= 0.9). CPU s/M = CPU seconds per million requests."
          % (CLIENTS, KEYSPACE, k["requests"], len(a["runs"]["alone"])))
    print()
    rows = []
    for name, x in (("Apus", a), ("Redis", r)):
        rows.append([name, "%.0f" % x["rps_alone"], "%.0f" % x["rps_replica"], "%.2f" % x["with_over_without"],
                     "%.3f" % x["p99_alone_ms"], "%.3f" % x["p99_replica_ms"], "%.2f" % x["master_cpu_alone"],
                     "%.2f" % x["master_cpu_replica"], "%.2f" % x["replica_cpu"]])
    rows.append(["A/R"] + [ratio(a[f], r[f]) for f in ("rps_alone", "rps_replica", "with_over_without",
                                                       "p99_alone_ms", "p99_replica_ms", "master_cpu_alone",
                                                       "master_cpu_replica", "replica_cpu")])
    print_table(rows, ["server", "rps alone", "rps w/ replica", "with/alone", "p99 ms alone", "p99 ms w/ replica",
                       "master CPU s/M alone", "w/ replica", "replica CPU s/M"], "lrrrrrrrr")
    print()
    print("Replica lag during that load, from ROLE on replica then master every ~%d ms: ms = age of the oldest "
          "write the replica had not applied (p50 over the samples; max: the median run's and the worst run's); "
          "KiB = master offset - replica offset (max); catch-up = from the end of the load until the offsets are "
          "equal; first write = from the master listing the replica online until a SET reaches it, before the "
          "load; ROLE rtt max = the slowest ROLE round trip of the sampler (each sample is timed at the middle of "
          "its round trip). DEBUG DIGEST equal afterwards." % (SAMPLE_INTERVAL * 1000))
    print()
    fields = ("first_write_s", "p50_lag_s", "max_lag_s", "worst_lag_s", "max_lag_bytes", "catch_up_s",
              "worst_catch_up_s", "max_rtt_s")
    rows = []
    for name, x in (("Apus", a), ("Redis", r)):
        rows.append([name] + ["%.0f" % (x[f] / 1024) if f.endswith("bytes") else "%.1f" % (x[f] * 1e3)
                              for f in fields])
    rows.append(["A/R"] + [ratio(a[f], r[f]) for f in fields])
    print_table(rows, ["server", "first write ms", "lag p50 ms", "lag max ms", "worst run", "lag max KiB",
                       "catch-up ms", "worst run", "ROLE rtt max ms"], "lrrrrrrrr")
    print()
    fs = res["fullsync"]
    print("Full resync: %d keys (key:<i> -> value:<i>), fresh empty replica, REPLICAOF until master_link_status:up "
          "and DBSIZE = %d (median of %d). load s = the replica's log from \"Loading DB in memory\" to \"Finished "
          "with success\"; transfer s = the rest (handshake, fork, RDB made and sent). Redis's replica stores the "
          "RDB in a file first (repl-diskless-load disabled, the default), Apus's in memory. first write = a SET on "
          "the master after that, until the replica has it. A/R < 1: Apus faster."
          % (fs[0]["keys"], fs[0]["keys"], len(fs[0]["apus"]["runs"])))
    print()
    rows = []
    for s in fs:
        a, r = s["apus"], s["redis"]
        rows.append([s["scenario"], "%.3f" % a["total_s"], "%.3f" % r["total_s"], ratio(a["total_s"], r["total_s"]),
                     "%.3f" % a["transfer_s"], "%.3f" % r["transfer_s"], ratio(a["transfer_s"], r["transfer_s"]),
                     "%.3f" % a["load_s"], "%.3f" % r["load_s"], ratio(a["load_s"], r["load_s"]),
                     "%.1f" % (a["first_write_s"] * 1e3), "%.1f" % (r["first_write_s"] * 1e3)])
    print_table(rows, ["scenario", "total s Apus", "total s Redis", "A/R", "transfer s Apus", "transfer s Redis",
                       "A/R", "load s Apus", "load s Redis", "A/R", "first write ms Apus", "first write ms Redis"],
                "lrrrrrrrrrrr")
    print()


if __name__ == "__main__":
    import sys
    sys.exit("run it through bench.py: BENCH_REPLICATION=only python3 Benchmarks/harness/bench.py")
