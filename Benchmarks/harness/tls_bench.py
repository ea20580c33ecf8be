"""The TLS rows of bench.py: GET and SET at -P 16 over TLS, Apus and redis-server side by side.

Certificates (a CA, a server and a client certificate) are made with the openssl CLI in a temp
dir, as the tests make them (Tests/python/support/tls_certs.py).  Both servers listen on a
tls-port with tls-auth-clients yes; redis-benchmark --tls --cacert --cert --key drives them,
-c 50 -r 100000 -d 3, alternating Apus/Redis per run; CPU = the server's utime+stime.
"""

from __future__ import annotations

import subprocess
import tempfile
import time

from benchlib import HarnessError, Server, benchmark_result, redis_benchmark_binary, start_benchmark
from support.servers import free_port
from support.tls_certs import cli_args, make_test_certs, server_args

CLIENTS = 50
KEYSPACE = 100000
PIPELINE = 16
TESTS = ("SET", "GET")


def _run(srv: Server, certs: dict, test: str, n: int) -> dict:
    argv = [redis_benchmark_binary(), "-h", srv.host, "-p", str(srv.tls_port)] + cli_args(certs) + [
        "-c", str(CLIENTS), "-n", str(n), "-r", str(KEYSPACE), "-d", "3", "-P", str(PIPELINE), "--csv", "-t", test.lower()]
    srv.check_alive()
    cpu0 = srv.cpu_seconds()
    t0 = time.monotonic()
    result = benchmark_result(srv, start_benchmark(argv), "TLS " + test)
    result["wall_s"] = time.monotonic() - t0
    srv.check_alive()
    result["cpu_s_per_m"] = (srv.cpu_seconds() - cpu0) / n * 1e6
    return result


def run_tls(apus_bin: str, redis_bin: str, quick: bool, repeat: int, log) -> list:
    n = 200000 if quick else 400000
    with tempfile.TemporaryDirectory(prefix="apus-bench-tls-") as directory:
        try:
            certs = make_test_certs(directory)
        except (OSError, subprocess.CalledProcessError) as e:
            raise HarnessError("making the TLS test certificates with openssl failed: %s" % e)
        servers = []
        try:
            for name, binary in (("Apus", apus_bin), ("Redis", redis_bin)):
                port = free_port()
                srv = Server(name, binary, extra_args=server_args(certs, port))
                srv.tls_port = port
                servers.append(srv.start())
            apus, redis = servers
            results = []
            for test in TESTS:
                runs = {"apus": [], "redis": []}
                for _ in range(repeat):
                    runs["apus"].append(_run(apus, certs, test, n))
                    runs["redis"].append(_run(redis, certs, test, n))
                a = sorted(runs["apus"], key=lambda r: r["rps"])[len(runs["apus"]) // 2]
                r = sorted(runs["redis"], key=lambda r: r["rps"])[len(runs["redis"]) // 2]
                log("TLS %-4s -P %d n=%d  Apus %10.0f rps  Redis %10.0f rps" % (test, PIPELINE, n, a["rps"], r["rps"]))
                results.append({"test": test, "pipeline": PIPELINE, "requests": n, "apus": a, "redis": r})
            return results
        finally:
            for srv in servers:
                srv.stop()


def print_tls(results: list, print_table, ratio) -> None:
    print("TLS: redis-benchmark --tls (client certificate, tls-auth-clients yes) -c %d -r %d -d 3, "
          "alternating Apus/Redis. A/R > 1: Apus faster." % (CLIENTS, KEYSPACE))
    print()
    rows = []
    for res in results:
        a, r = res["apus"], res["redis"]
        rows.append(["TLS " + res["test"], res["pipeline"], "%.0f" % a["rps"], "%.0f" % r["rps"], ratio(a["rps"], r["rps"]),
                     "%.2f" % a["cpu_s_per_m"], "%.2f" % r["cpu_s_per_m"], ratio(a["cpu_s_per_m"], r["cpu_s_per_m"]),
                     "%.3f" % a["p99_ms"], "%.3f" % r["p99_ms"]])
    print_table(rows, ["test", "-P", "rps Apus", "rps Redis", "A/R", "CPU s/M Apus", "CPU s/M Redis", "CPU A/R",
                       "p99 ms Apus", "p99 ms Redis"], "lrrrrrrrrr")
    print()
