"""The pub/sub row of bench.py: fan-out throughput and server CPU per delivered message.

One publisher (redis-benchmark -c 1 -P 16 running PUBLISH bench:chan <payload>), 50 clients
subscribed to bench:chan and 50 to the pattern bench:*, so every PUBLISH delivers 100 messages
(50 `message`, 50 `pmessage`).  The subscribers are raw sockets drained by one selector loop
in this process that counts bytes only (each delivered frame has a known length), so the
client side costs as little as it can.  The run ends when every subscriber has received every
message; delivered/s = 100 * PUBLISHes / wall time, CPU = the server's utime+stime over the run.
"""

from __future__ import annotations

import selectors
import socket
import subprocess
import time

from benchlib import HarnessError, Server, encode, redis_benchmark_binary

CHANNEL = b"bench:chan"
PATTERN = b"bench:*"
PAYLOAD = b"p" * 16
SUBSCRIBERS = 50  # per kind


def _frame_bytes() -> tuple:
    def bulk(b):
        return b"$%d\r\n%s\r\n" % (len(b), b)
    message = b"*3\r\n" + bulk(b"message") + bulk(CHANNEL) + bulk(PAYLOAD)
    pmessage = b"*4\r\n" + bulk(b"pmessage") + bulk(PATTERN) + bulk(CHANNEL) + bulk(PAYLOAD)
    return len(message), len(pmessage)


def _subscribe(srv: Server, command: bytes, name: bytes) -> socket.socket:
    s = socket.create_connection((srv.host, srv.port), timeout=30)
    s.sendall(encode(command, name))
    want = b":1\r\n"
    data = b""
    while not data.endswith(want):
        chunk = s.recv(4096)
        if not chunk:
            raise HarnessError("%s closed a subscriber while subscribing" % srv.name)
        data += chunk
    s.setblocking(False)
    return s


def run_pubsub_once(srv: Server, publishes: int) -> dict:
    msg_len, pmsg_len = _frame_bytes()
    # The reader may fall behind; the run measures fan-out, not the default pubsub limits.
    with srv.conn() as c:
        c.command("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 0 0")
    subs = [(_subscribe(srv, b"SUBSCRIBE", CHANNEL), publishes * msg_len) for _ in range(SUBSCRIBERS)]
    subs += [(_subscribe(srv, b"PSUBSCRIBE", PATTERN), publishes * pmsg_len) for _ in range(SUBSCRIBERS)]
    sel = selectors.DefaultSelector()
    remaining = {}
    for s, expected in subs:
        sel.register(s, selectors.EVENT_READ)
        remaining[s] = expected
    argv = [redis_benchmark_binary(), "-h", srv.host, "-p", str(srv.port), "-c", "1", "-P", "16",
            "-n", str(publishes), "-q", "PUBLISH", CHANNEL.decode(), PAYLOAD.decode()]
    srv.check_alive()
    cpu0 = srv.cpu_seconds()
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    buf = bytearray(1 << 20)
    open_subs = len(subs)
    deadline = t0 + 600
    try:
        while open_subs:
            if time.monotonic() > deadline:
                raise HarnessError("%s: pub/sub run did not finish within 600 s" % srv.name)
            for key, _ in sel.select(timeout=1.0):
                s = key.fileobj
                try:
                    n = s.recv_into(buf)
                except BlockingIOError:
                    continue
                if n == 0:
                    raise HarnessError("%s closed a subscriber during the run" % srv.name)
                remaining[s] -= n
                if remaining[s] <= 0:
                    sel.unregister(s)
                    open_subs -= 1
        wall = time.monotonic() - t0
        cpu = srv.cpu_seconds() - cpu0
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
        for s, _ in subs:
            s.close()
        sel.close()
    if proc.returncode != 0:
        raise HarnessError("%s: redis-benchmark PUBLISH failed (%d): %s" % (srv.name, proc.returncode, err.strip()))
    if any(v < 0 for v in remaining.values()):
        raise HarnessError("%s: a subscriber received more bytes than expected" % srv.name)
    delivered = publishes * 2 * SUBSCRIBERS
    return {"publishes": publishes, "delivered": delivered, "wall_s": wall, "cpu_s": cpu,
            "delivered_per_s": delivered / wall, "cpu_us_per_delivered": cpu / delivered * 1e6}


def run_pubsub(apus: Server, redis: Server, publishes: int, repeat: int, log) -> dict:
    runs = {"apus": [], "redis": []}
    for _ in range(repeat):
        for key, srv in (("apus", apus), ("redis", redis)):
            runs[key].append(run_pubsub_once(srv, publishes))
    res = {}
    for key, rs in runs.items():
        rs.sort(key=lambda r: r["delivered_per_s"])
        mid = rs[len(rs) // 2]
        res[key] = dict(mid, runs=rs)
    log("pubsub: %d PUBLISH x %d subscribers  Apus %10.0f msg/s  Redis %10.0f msg/s"
        % (publishes, 2 * SUBSCRIBERS, res["apus"]["delivered_per_s"], res["redis"]["delivered_per_s"]))
    return res


def print_pubsub(res: dict, print_table, ratio) -> None:
    a, r = res["apus"], res["redis"]
    print("Pub/sub fan-out: 1 publisher (redis-benchmark -c 1 -P 16, PUBLISH of %d bytes), %d subscribers "
          "on the channel + %d on a matching pattern; %d PUBLISH per run. msg/s = messages delivered per "
          "second; CPU us/msg = server CPU per delivered message." % (len(PAYLOAD), SUBSCRIBERS, SUBSCRIBERS,
                                                                      a["publishes"]))
    print()
    rows = [["PUBSUB", "%.0f" % a["delivered_per_s"], "%.0f" % r["delivered_per_s"],
             ratio(a["delivered_per_s"], r["delivered_per_s"]),
             "%.3f" % a["cpu_us_per_delivered"], "%.3f" % r["cpu_us_per_delivered"],
             ratio(a["cpu_us_per_delivered"], r["cpu_us_per_delivered"])]]
    print_table(rows, ["test", "msg/s Apus", "msg/s Redis", "A/R", "CPU us/msg Apus", "CPU us/msg Redis",
                       "CPU A/R"], "lrrrrrr")
    print()
