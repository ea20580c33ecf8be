"""The full sync seen by Redis's own tools and by several replicas at once:
redis-cli --rdb and --replica against Apus, one BGSAVE shared by replicas
that arrive together (diskless, within repl-diskless-sync-delay), and a
replica attaching to a disk BGSAVE that already runs."""

import os
import select
import shutil
import subprocess
import time

import pytest

from support.replication import (REPL_ARGS, assert_same_data, client, digest, info, poll,
                                 populate_every_type, wait_link_up, wait_synced)

KINDS = {"apus": "apus_factory", "redis": "redis_factory"}


def start(request, kind, *extra):
    return request.getfixturevalue(KINDS[kind])(extra_args=REPL_ARGS + list(extra))


def log_text(srv):
    with open(srv.log_path, "r", errors="replace") as f:
        return f.read()


@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_redis_cli_rdb(apus_factory, redis_factory, tmp_path, diskless):
    master = apus_factory(extra_args=REPL_ARGS + ["--repl-diskless-sync", diskless])
    populate_every_type(client(master))
    path = str(tmp_path / "fetched.rdb")
    done = subprocess.run(["redis-cli", "-p", str(master.port), "--rdb", path],
                          capture_output=True, timeout=20)
    assert done.returncode == 0, done.stderr
    assert b"Transfer finished with success" in done.stdout + done.stderr
    check = subprocess.run(["redis-check-rdb", path], capture_output=True, timeout=20)
    assert check.returncode == 0, check.stdout
    assert b"RDB looks OK!" in check.stdout
    # redis-server loads it into the same dataset.
    loader = redis_factory()
    shutil.copy(path, os.path.join(loader.dir, "dump.rdb"))
    assert client(loader).execute_command("DEBUG", "RELOAD", "NOSAVE") == b"OK"
    assert digest(loader) == digest(master)
    # The rdb-only replica was dropped after its RDB, nothing stays attached.
    poll(lambda: info(master)["connected_slaves"] == "0", what="the rdb-only replica to go")


def test_redis_cli_replica_prints_the_stream(apus_factory):
    master = apus_factory(extra_args=REPL_ARGS)
    client(master).set("before", "1")
    proc = subprocess.Popen(["redis-cli", "-p", str(master.port), "--replica"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        seen = b""

        def read_until(needle, timeout=10.0):
            nonlocal seen
            deadline = time.monotonic() + timeout
            while needle not in seen:
                left = deadline - time.monotonic()
                assert left > 0, "no %r in redis-cli's output: %r" % (needle, seen)
                if select.select([proc.stdout], [], [], left)[0]:
                    chunk = os.read(proc.stdout.fileno(), 4096)
                    assert chunk, "redis-cli exited: %r" % seen
                    seen += chunk

        read_until(b"SYNC done")
        client(master).set("live", "value")
        read_until(b'"SET","live","value"')
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("master_kind", ["apus", "redis"])
def test_replicas_arriving_together_share_one_bgsave(request, master_kind):
    master = start(request, master_kind, "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "1")
    populate_every_type(client(master))
    replicas = [start(request, kind) for kind in ("apus", "apus", "redis")]
    before = info(master, "persistence")
    forks = int(info(master, "stats")["total_forks"])
    for r in replicas:
        client(r).execute_command("REPLICAOF", "127.0.0.1", master.port)
    for r in replicas:
        wait_link_up(r)
    # One fork served the three; a transfer to sockets is no save (rdb_saves and the
    # changes since the last save stay), as Redis counts it.
    assert int(info(master, "stats")["total_forks"]) == forks + 1
    after = info(master, "persistence")
    for field in ("rdb_saves", "rdb_changes_since_last_save", "rdb_last_save_time"):
        assert after[field] == before[field], field
    assert info(master, "stats")["sync_full"] == "3"
    assert log_text(master).count("Starting BGSAVE for SYNC with target: replicas sockets") == 1
    wait_synced(master, *replicas)
    assert_same_data(master, *replicas)


@pytest.mark.parametrize("master_kind", ["apus", "redis"])
def test_replica_attaches_to_a_running_disk_bgsave(request, master_kind):
    # 20 keys at 50 ms each: the BGSAVE runs for about a second.
    master = start(request, master_kind, "--repl-diskless-sync", "no", "--rdb-key-save-delay", "50000")
    m = client(master)
    for i in range(20):
        m.set("k%d" % i, i)
    first, second = start(request, "apus"), start(request, "redis")
    saves = int(info(master, "persistence")["rdb_saves"])
    client(first).execute_command("REPLICAOF", "127.0.0.1", master.port)
    poll(lambda: info(master, "persistence")["rdb_bgsave_in_progress"] == "1", what="the BGSAVE to start")
    m.set("during", "bgsave")
    client(second).execute_command("REPLICAOF", "127.0.0.1", master.port)
    poll(lambda: "Waiting for end of BGSAVE for SYNC" in log_text(master), what="the second replica to attach")
    assert log_text(master).count("Starting BGSAVE for SYNC with target: disk") == 1
    wait_link_up(first, timeout=15)
    wait_link_up(second, timeout=15)
    assert int(info(master, "persistence")["rdb_saves"]) == saves + 1
    m.set("after", "sync")
    wait_synced(master, first, second)
    assert_same_data(master, first, second)
    assert client(second).get("during") == b"bgsave"
