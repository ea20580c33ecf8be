#!/usr/bin/env python3
"""A subscriber that stops reading must not make the server's memory grow without bound.

    python3 Benchmarks/harness/pubsub_slow_subscriber.py          # 1 GiB, limit 32 MiB
    SLOW_SUB_TOTAL_MB=4096 SLOW_SUB_LIMIT_MB=8 python3 Benchmarks/harness/pubsub_slow_subscriber.py

For Apus and then redis-server (for reference), with `client-output-buffer-limit pubsub <limit>
0 0`: one stalled subscriber (a socket with a 4 KiB receive buffer that never reads after its
SUBSCRIBE confirmation) on a channel, and a publisher sending SLOW_SUB_TOTAL_MB of 64 KiB
messages to it, pipelined 16 at a time. Whenever the server drops the subscriber (a PUBLISH
reaches nobody), a new stalled one takes its place, so the pressure never stops. A sampler
reads VmRSS from /proc/<pid>/status every 2 ms. Apus passes when its RSS never grows more than
the limit + 20% over its RSS before the run (exit status 1 otherwise).
Not part of CI (it moves a gigabyte); Tests/python/test_output_buffer_limits.py has a 64 MiB
version. Environment: SLOW_SUB_TOTAL_MB, SLOW_SUB_LIMIT_MB, APUS_BIN, REDIS_BIN.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import HarnessError, Server, apus_binary, encode, redis_binary  # noqa: E402

TOTAL = int(os.environ.get("SLOW_SUB_TOTAL_MB", "1024")) << 20
LIMIT = int(os.environ.get("SLOW_SUB_LIMIT_MB", "32")) << 20
MESSAGE = b"m" * (64 * 1024)
PIPELINE = 16


def vm_rss(pid: int) -> int:
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise HarnessError("no VmRSS for pid %d" % pid)


def stalled_subscriber(srv: Server) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((srv.host, srv.port))
    s.settimeout(30)
    s.sendall(encode("SUBSCRIBE", "slow"))
    data = b""
    while not data.endswith(b":1\r\n"):
        chunk = s.recv(4096)
        if not chunk:
            raise HarnessError("%s closed the subscriber while subscribing" % srv.name)
        data += chunk
    return s


def read_integers(sock: socket.socket, count: int, pending: bytearray) -> list:
    out = []
    while len(out) < count:
        end = pending.find(b"\r\n")
        if end < 0:
            chunk = sock.recv(65536)
            if not chunk:
                raise HarnessError("publisher connection closed")
            pending += chunk
            continue
        line = bytes(pending[:end])
        del pending[:end + 2]
        if not line.startswith(b":"):
            raise HarnessError("unexpected reply %r" % line)
        out.append(int(line[1:]))
    return out


def run(name: str, binary: str) -> dict:
    with Server(name, binary, extra_args=["--client-output-buffer-limit", "pubsub %d 0 0" % LIMIT]) as srv:
        pub = socket.create_connection((srv.host, srv.port), timeout=60)
        pending = bytearray()
        batch = encode("PUBLISH", "slow", MESSAGE) * PIPELINE
        pub.sendall(batch)                      # warm the query buffer before the baseline
        read_integers(pub, PIPELINE, pending)
        time.sleep(0.2)
        baseline = vm_rss(srv.pid)
        peak = [baseline]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], vm_rss(srv.pid))
                time.sleep(0.002)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        subscriber = stalled_subscriber(srv)
        drops = 0
        sent = 0
        t0 = time.monotonic()
        try:
            while sent < TOTAL:
                pub.sendall(batch)
                sent += PIPELINE * len(MESSAGE)
                if 0 in read_integers(pub, PIPELINE, pending):
                    drops += 1
                    subscriber.close()
                    subscriber = stalled_subscriber(srv)
        finally:
            stop.set()
            sampler.join()
            subscriber.close()
            pub.close()
        srv.check_alive()
        return {"name": name, "baseline": baseline, "peak": peak[0], "growth": peak[0] - baseline,
                "drops": drops, "seconds": time.monotonic() - t0}


def main() -> int:
    results = [run("Apus", apus_binary()), run("Redis", redis_binary())]
    print("Stalled subscriber: %d MiB published in 64 KiB messages, client-output-buffer-limit pubsub %d MiB"
          % (TOTAL >> 20, LIMIT >> 20))
    print("%-6s %12s %10s %12s %13s %8s %8s" % ("server", "RSS before", "RSS peak", "growth MiB", "growth/limit",
                                                "drops", "seconds"))
    for r in results:
        print("%-6s %12.1f %10.1f %12.1f %13.2f %8d %8.1f" % (
            r["name"], r["baseline"] / 2**20, r["peak"] / 2**20, r["growth"] / 2**20, r["growth"] / LIMIT,
            r["drops"], r["seconds"]))
    apus = results[0]
    ok = apus["growth"] <= LIMIT * 1.2 and apus["drops"] >= 1
    print("Apus: %s (RSS growth must stay within the limit + 20%%, with at least one disconnection)"
          % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except HarnessError as e:
        print("pubsub_slow_subscriber: FAILED: %s" % e, file=sys.stderr)
        sys.exit(2)
