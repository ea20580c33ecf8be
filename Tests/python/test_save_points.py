"""The `save` points: the cron starts a BGSAVE once a point's changes and seconds are reached,
on Apus as on redis-server 7.0.15; and INFO persistence lists Redis's fields in Redis's order."""

import os
import re

from support.integration import parse_info, wait_until
from test_bgsave import info, log_text, servers  # noqa: F401  (the fixture)


def test_save_point_triggers_a_bgsave(servers):  # noqa: F811
    for kind in ("apus", "redis"):
        srv = servers(kind, "--save", "1 1")
        with srv.client() as c:
            assert info(c)["rdb_saves"] == "0"
            c.command("SET", "k", "v")
            c.command("SET", "k2", "v")
            wait_until(lambda: info(c)["rdb_saves"] == "1" and info(c)["rdb_bgsave_in_progress"] == "0",
                       timeout=10, what="the save point's BGSAVE (%s)" % kind)
            after = info(c)
            assert after["rdb_changes_since_last_save"] == "0"
            assert after["rdb_last_bgsave_status"] == "ok"
            assert os.path.exists(os.path.join(srv.dir, "dump.rdb"))
            assert re.search(r":M .* \* 1 changes in 1 seconds\. Saving\.\.\.", log_text(srv))
            # Nothing changed since: no further save, whatever the time.
            c.command("GET", "k")
            assert info(c)["rdb_saves"] == "1"


def test_points_set_at_run_time_and_removed(servers):  # noqa: F811
    for kind in ("apus", "redis"):
        srv = servers(kind)
        with srv.client() as c:
            c.command("SET", "k", "v")
            assert c.command("CONFIG", "SET", "save", "1 1") == b"+OK\r\n"
            wait_until(lambda: info(c)["rdb_saves"] == "1", timeout=10, what="the BGSAVE (%s)" % kind)
            wait_until(lambda: info(c)["rdb_bgsave_in_progress"] == "0", what="the BGSAVE to end")
            c.command("CONFIG", "SET", "save", "")
            c.command("SET", "k", "v2")
            assert info(c)["rdb_changes_since_last_save"] == "1"


def test_info_persistence_fields_as_redis(servers):  # noqa: F811
    names = []
    for kind in ("apus", "redis"):
        srv = servers(kind)
        with srv.client() as c:
            raw = c.command("INFO", "persistence").split(b"\r\n", 1)[1].decode()
            names.append([line.split(":")[0] for line in raw.splitlines() if line and ":" in line])
            fields = parse_info(c.command("INFO", "persistence"))
            idle = {k: v for k, v in fields.items() if k not in ("rdb_last_save_time",)}
            names.append(idle)
            stats = parse_info(c.command("INFO", "stats"))
            names.append((stats["latest_fork_usec"], stats["total_forks"]))
    assert names[0] == names[3]
    assert names[1] == names[4]
    assert names[2] == names[5] == ("0", "0")
