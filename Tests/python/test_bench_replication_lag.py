"""The arithmetic of make bench's replication rows (Benchmarks/harness/replication_bench.py):
the replica's lag from sampled offsets, and the load time from the replica's log lines.
No server is started."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Benchmarks", "harness"))
import replication_bench as rb  # noqa: E402


def test_a_replica_that_has_every_write_has_no_lag_even_when_the_master_is_idle():
    # Master idle at offset 500 for a second, the replica at 500 all along.
    master = [(0.0, 500), (0.5, 500), (1.0, 500)]
    replica = [(0.49, 500), (0.99, 500)]
    got = rb.lags(master, replica)
    assert got == {"max_lag_bytes": 0, "max_lag_s": 0.0, "p50_lag_s": 0.0}


def test_the_lag_is_the_age_of_the_oldest_write_not_yet_applied():
    # The master writes 1000 bytes a second; at t=0.6 the replica has applied 300 bytes, which
    # the master had passed at t=0.3: 0.3 s behind, and 700 bytes behind the next master sample.
    master = [(t / 10, 100 * t) for t in range(11)]
    replica = [(0.6, 300), (0.95, 900)]
    got = rb.lags(master, replica)
    assert got["max_lag_s"] == pytest.approx(0.3)
    assert got["p50_lag_s"] == pytest.approx((0.3 + 0.05) / 2)
    assert got["max_lag_bytes"] == 300  # against the next master sample: 600 - 300, 1000 - 900


def test_load_seconds_come_from_the_last_sync_in_the_log(tmp_path):
    log = tmp_path / "server.log"
    log.write_bytes(
        b"7:S 01 Dec 2026 13:00:00.000 * MASTER <-> REPLICA sync: Loading DB in memory\n"
        b"7:S 01 Dec 2026 13:00:05.000 * MASTER <-> REPLICA sync: Finished with success\n"
        b"7:S 01 Dec 2026 13:59:59.750 * MASTER <-> REPLICA sync: Loading DB in memory\n"
        b"7:S 01 Dec 2026 13:59:59.900 * Done loading RDB, keys loaded: 3, keys expired: 0.\n"
        b"7:S 01 Dec 2026 14:00:00.125 * MASTER <-> REPLICA sync: Finished with success\n")

    class Log:
        name = "replica"
        log_path = str(log)

        def log_tail(self):
            return ""
    assert rb.log_seconds(Log(), rb.LOADING_LINE, rb.FINISHED_LINE) == pytest.approx(0.375)
