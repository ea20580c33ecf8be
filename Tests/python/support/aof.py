"""Helpers for the AOF tests: servers sharing a data directory across restarts, and a
dataset snapshot (type, value, absolute expiry of every key in every database) to compare
what a server holds before and after a restart."""

import os
import subprocess
import tempfile
import time

import redis as redispy

from .servers import ServerProcess, ServerStartError, apus_binary, redis_binary, free_port, DEFAULT_ARGS


def start_in(directory, extra_args=(), binary=None, name="apus", expect_failure=False):
    """Starts a server whose --dir is `directory` (kept across restarts). With
    expect_failure, waits for the process to exit and returns (exit code, log text)."""
    srv = ServerProcess(binary or apus_binary(), extra_args=list(extra_args), name=name,
                        start_timeout=10.0 if expect_failure else 15.0)
    srv.dir = directory
    if not expect_failure:
        return srv.start()
    srv.port = free_port()
    srv.log_path = os.path.join(directory, "failed-%d.log" % srv.port)
    with open(srv.log_path, "wb") as log:
        proc = subprocess.run(srv.argv(), cwd=directory, stdin=subprocess.DEVNULL, stdout=log,
                              stderr=subprocess.STDOUT, timeout=20)
    with open(srv.log_path, "r", errors="replace") as f:
        return proc.returncode, f.read()


def client(srv):
    return redispy.Redis(host="127.0.0.1", port=srv.port, socket_timeout=20)


def log_text(srv):
    with open(srv.log_path, "r", errors="replace") as f:
        return f.read()


def snapshot(r, databases=16):
    """Every key of every database: {(db, key): (type, value, pexpiretime)}."""
    data = {}
    for db in range(databases):
        r.execute_command("SELECT", db)
        for key in r.scan_iter(count=1000):
            kind = r.type(key).decode()
            if kind == "string":
                value = r.get(key)
            elif kind == "list":
                value = tuple(r.lrange(key, 0, -1))
            elif kind == "set":
                value = tuple(sorted(r.smembers(key)))
            elif kind == "zset":
                value = tuple(r.zrange(key, 0, -1, withscores=True))
            elif kind == "hash":
                value = tuple(sorted(r.hgetall(key).items()))
            else:
                value = None
            data[(db, key)] = (kind, value, r.execute_command("PEXPIRETIME", key))
    r.execute_command("SELECT", 0)
    return data


def populate_every_type(r):
    """Every type in each of its encodings, with and without TTLs, in two databases."""
    r.set("s:int", 12345)
    r.set("s:short", "hello")
    r.set("s:long", "x" * 5000)
    r.set("s:bin", bytes(range(256)))
    r.set("s:ttl", "v", ex=1000)
    r.rpush("l:small", "a", "b", 1, 2)
    r.rpush("l:big", *["item-%d" % i for i in range(300)])
    r.rpush("l:huge-item", "y" * 10000)
    r.sadd("set:int", *range(50))
    r.sadd("set:str", *["m%d" % i for i in range(200)])
    r.zadd("z:small", {"a": 1, "b": 2.5, "c": -3})
    r.zadd("z:big", {"m%d" % i: i / 3 for i in range(200)})
    r.zadd("z:inf", {"lo": float("-inf"), "hi": float("inf")})
    r.hset("h:small", mapping={"f1": "v1", "f2": 2})
    r.hset("h:big", mapping={"f%d" % i: "v" * (i % 80) for i in range(300)})
    r.expire("h:big", 5000)
    r.pexpire("l:big", 900000)
    r.execute_command("SELECT", 9)
    r.set("db9", "nine")
    r.sadd("db9:set", "a")
    r.execute_command("SELECT", 0)


def aof_dir(directory):
    return os.path.join(directory, "appendonlydir")


def read_aof_file(directory, name):
    with open(os.path.join(aof_dir(directory), name), "rb") as f:
        return f.read()


def manifest(directory):
    with open(os.path.join(aof_dir(directory), "appendonly.aof.manifest")) as f:
        return f.read()


def incr_name(directory):
    lines = [l for l in manifest(directory).splitlines() if l.endswith("type i")]
    return lines[-1].split()[1]


def wait_for_rewrite(r):
    """Until no rewrite runs or waits: the child has been reaped and its base installed, as
    redis's tests' wait_for_condition on aof_rewrite_in_progress."""
    from support.integration import wait_until
    wait_until(lambda: (lambda info: info["aof_rewrite_in_progress"] == 0
                        and info["aof_rewrite_scheduled"] == 0)(r.info("persistence")))
