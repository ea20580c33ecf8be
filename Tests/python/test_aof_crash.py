"""The crash test: several clients write (INCR of a counter each, SET of fresh keys) while the
acknowledgements are recorded, the server is killed with SIGKILL under that load, and the
restarted server must hold every acknowledged write with `appendfsync always`, and all but at
most the last ~1 s (Redis's everysec bound, up to 2 s when an fsync is slow) with `everysec`.
A BGREWRITEAOF halfway through moves the writes to a new base and incr file under the load.
The counts are printed. AOF_CRASH_SECONDS sets the load's length (`make crash-test` runs a
longer one)."""

import os
import threading
import time

import pytest
import redis as redispy
from redis.backoff import NoBackoff
from redis.retry import Retry

from support.aof import client, start_in

LOAD_SECONDS = float(os.environ.get("AOF_CRASH_SECONDS", "2"))
CLIENTS = 4


class Writer(threading.Thread):
    def __init__(self, port, index):
        super().__init__(daemon=True)
        self.port = port
        self.index = index
        self.counter_acked = 0
        self.counter_sent = 0
        self.keys_acked = []  # (monotonic time of the ack, n)
        self.counter_acks = []  # (monotonic time, value)

    def run(self):
        # No retries: a write after the kill must fail, not wait and reconnect.
        r = redispy.Redis(host="127.0.0.1", port=self.port, socket_timeout=5, retry=Retry(NoBackoff(), 0))
        n = 0
        try:
            while True:
                n += 1
                self.counter_sent += 1
                value = r.execute_command("INCR", "counter:%d" % self.index)
                now = time.monotonic()
                self.counter_acked = value
                self.counter_acks.append((now, value))
                r.execute_command("SET", "k:%d:%d" % (self.index, n), n)
                self.keys_acked.append((time.monotonic(), n))
        except (redispy.ConnectionError, redispy.TimeoutError, OSError):
            return


def run_crash(datadir, policy):
    args = ["--appendonly", "yes", "--appendfsync", policy]
    srv = start_in(datadir, args)
    writers = [Writer(srv.port, i) for i in range(CLIENTS)]
    for w in writers:
        w.start()
    # Halfway, a rewrite switches base and incr files under the load.
    time.sleep(LOAD_SECONDS / 2)
    client(srv).bgrewriteaof()
    time.sleep(LOAD_SECONDS / 2)
    srv.proc.kill()
    killed_at = time.monotonic()
    srv._kill()
    for w in writers:
        w.join(10)
    srv = start_in(datadir, args)
    try:
        r = client(srv)
        acked = lost = 0
        acked_last_2s = 0
        for w in writers:
            present_counter = int(r.get("counter:%d" % w.index) or 0)
            assert present_counter <= w.counter_sent
            acked += w.counter_acked
            lost_counter = max(0, w.counter_acked - present_counter)
            lost += lost_counter
            acked_last_2s += sum(1 for t, _ in w.counter_acks if t >= killed_at - 2.0)
            names = ["k:%d:%d" % (w.index, n) for _, n in w.keys_acked]
            present = 0
            for start in range(0, len(names), 1000):
                present += r.exists(*names[start:start + 1000]) if names[start:start + 1000] else 0
            acked += len(names)
            lost += len(names) - present
            acked_last_2s += sum(1 for t, _ in w.keys_acked if t >= killed_at - 2.0)
        print("\ncrash test appendfsync=%s: %d clients, %.1f s of load, %d writes acknowledged, "
              "%d present after restart, %d lost (acknowledged in the last 2 s before the kill: %d)"
              % (policy, CLIENTS, LOAD_SECONDS, acked, acked - lost, lost, acked_last_2s))
        return acked, lost, acked_last_2s
    finally:
        srv.stop()


def test_crash_with_appendfsync_always_loses_no_acknowledged_write(tmp_path):
    acked, lost, _ = run_crash(str(tmp_path), "always")
    assert acked > 0
    assert lost == 0


def test_crash_with_appendfsync_everysec_loses_at_most_the_last_second(tmp_path):
    acked, lost, recent = run_crash(str(tmp_path), "everysec")
    assert acked > 0
    assert lost <= recent
