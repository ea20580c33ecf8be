"""oom-score-adj and oom-score-adj-values (setOOMScoreAdj): the score written to
/proc/<pid>/oom_score_adj at start-up, on CONFIG SET, on a role change (master /
replica) and in forked children (bgchild); `relative` (= `yes`) adds the score the
process had when Apus first took control, `absolute` does not, `no` restores it.
Values are read from /proc for Apus and for redis-server 7.0 and compared.
Lowering a score below its original needs CAP_SYS_RESOURCE, so scores here only go up
from the original unless the test runs as root.
"""

import os

import pytest

from support.netfixtures import both, wait_until
from support.resp import RespClient
from support.servers import free_port


def score(pid):
    with open("/proc/%d/oom_score_adj" % pid) as f:
        return int(f.read())


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def test_config_set_modes_and_restore(both):
    seen = {}
    for kind, servers in both.items():
        srv = servers.start()
        pid = srv.proc.pid
        original = score(pid)
        with RespClient(srv.host, srv.port) as c:
            assert c.command("CONFIG", "SET", "oom-score-adj-values", "100 200 300") == b"+OK\r\n"
            unchanged = score(pid) == original  # still `no`
            assert c.command("CONFIG", "SET", "oom-score-adj", "absolute") == b"+OK\r\n"
            absolute = score(pid)
            assert c.command("CONFIG", "SET", "oom-score-adj-values", "150 200 300") == b"+OK\r\n"
            new_values = score(pid)
            assert c.command("CONFIG", "SET", "oom-score-adj", "relative") == b"+OK\r\n"
            relative = score(pid) - original
            get = c.command("CONFIG", "GET", "oom-score-adj")
            assert c.command("CONFIG", "SET", "oom-score-adj", "no") == b"+OK\r\n"
            restored = score(pid) == original
        seen[kind] = (unchanged, absolute, new_values, relative, get, restored)
    assert seen["apus"] == (True, 100, 150, 150, b"*2\r\n$13\r\noom-score-adj\r\n$3\r\nyes\r\n", True)
    assert seen["apus"] == seen["redis"]


@pytest.mark.skipif(os.geteuid() != 0, reason="writes another process's oom_score_adj")
def test_relative_adds_the_original_score_and_no_restores_it(both):
    seen = {}
    for kind, servers in both.items():
        srv = servers.start()
        pid = srv.proc.pid
        with open("/proc/%d/oom_score_adj" % pid, "w") as f:
            f.write("50\n")
        with RespClient(srv.host, srv.port) as c:
            c.command("CONFIG", "SET", "oom-score-adj-values", "100 200 980")
            c.command("CONFIG", "SET", "oom-score-adj", "yes")
            relative = score(pid)
            c.command("CONFIG", "SET", "oom-score-adj-values", "990 995 999")
            clamped = score(pid)
            c.command("CONFIG", "SET", "oom-score-adj", "no")
            restored = score(pid)
        seen[kind] = (relative, clamped, restored)
    assert seen["apus"] == (150, 1000, 50)
    assert seen["apus"] == seen["redis"]


def test_start_up_role_change_and_background_child(both):
    seen = {}
    for kind, servers in both.items():
        srv = servers.start(["--oom-score-adj", "absolute", "--oom-score-adj-values", "123 456 789",
                             "--rdb-key-save-delay", "100000"])
        pid = srv.proc.pid
        at_start = score(pid)
        with RespClient(srv.host, srv.port) as c:
            # A master nobody listens on: the role changes at once, the link never comes up.
            assert c.command("REPLICAOF", "127.0.0.1", str(free_port())) == b"+OK\r\n"
            as_replica = score(pid)
            assert c.command("REPLICAOF", "NO", "ONE") == b"+OK\r\n"
            as_master = score(pid)
            for i in range(5):
                c.command("SET", "k%d" % i, "v")
            assert c.command("BGSAVE") == b"+Background saving started\r\n"
            assert wait_until(lambda: children(pid) and score(children(pid)[0]) == 789, timeout=5)
            child = score(children(pid)[0])
            assert child == 789
            assert score(pid) == 123
            c.command("CONFIG", "SET", "rdb-key-save-delay", "0")
        seen[kind] = (at_start, as_replica, as_master, child)
    assert seen["apus"] == (123, 456, 123, 789)
    assert seen["apus"] == seen["redis"]


@pytest.mark.parametrize("name,value", [
    ("oom-score-adj-values", "1 2"),
    ("oom-score-adj-values", "1 2 3 4"),
    ("oom-score-adj-values", "3000 0 0"),
    ("oom-score-adj-values", "0 -2001 0"),
    ("oom-score-adj-values", "0 x 0"),
    ("oom-score-adj-values", "0 1.5 0"),
    ("oom-score-adj", "maybe"),
])
def test_invalid_values_are_refused_as_redis_does(both, name, value):
    replies = {}
    for kind, servers in both.items():
        srv = servers.start()
        with RespClient(srv.host, srv.port) as c:
            replies[kind] = (c.command("CONFIG", "SET", name, value), c.command("CONFIG", "GET", name))
    assert replies["apus"][0].startswith(b"-ERR CONFIG SET failed")
    assert replies["apus"] == replies["redis"]


def test_out_of_order_values_only_warn(both):
    for kind, servers in both.items():
        srv = servers.start()
        with RespClient(srv.host, srv.port) as c:
            assert c.command("CONFIG", "SET", "oom-score-adj-values", "800 200 0") == b"+OK\r\n"
        with open(srv.log_path, "rb") as f:
            assert b"The oom-score-adj-values configuration may not work for non-privileged processes!" in f.read(), kind
