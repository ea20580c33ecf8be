"""Integration: the stock redis-cli and redis-benchmark (7.0.15, /usr/bin)
work against the server.

Notes (Redis 7.0.15):
* redis-cli with stdout not a tty prints raw replies ("b\\n"); --no-raw
  forces the human format ('"b"', '(nil)', '(integer) 1').
* redis-cli exits 0 even when the reply is an error.
* redis-benchmark first sends ``CONFIG GET save`` and ``CONFIG GET
  appendonly`` and prints "WARNING: Could not fetch server CONFIG" /
  "ERROR: failed to fetch reply from ..." if that fails.
"""

import os
import re
import shutil
import subprocess

import pytest

from support.integration import RespClient

REDIS_CLI = os.environ.get("REDIS_CLI", "/usr/bin/redis-cli")
REDIS_BENCHMARK = os.environ.get("REDIS_BENCHMARK", "/usr/bin/redis-benchmark")


def cli(server, *args, timeout=20):
    if not (os.path.exists(REDIS_CLI) or shutil.which(REDIS_CLI)):
        pytest.skip("redis-cli not installed")
    r = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port)] + list(args),
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


@pytest.mark.parametrize("args, out", [
    (["ping"], "PONG\n"),
    (["set", "cli:a", "b"], "OK\n"),
    (["get", "cli:a"], "b\n"),
    (["--no-raw", "get", "cli:a"], '"b"\n'),
    (["--no-raw", "get", "cli:missing"], "(nil)\n"),
    (["--no-raw", "incr", "cli:n"], "(integer) 1\n"),
    (["--no-raw", "exists", "cli:a", "cli:missing"], "(integer) 1\n"),
    (["--no-raw", "append", "cli:s", "xy"], "(integer) 2\n"),
    (["--no-raw", "mget", "cli:s", "cli:missing"], '1) "xy"\n2) (nil)\n'),
    (["echo", "hello world"], "hello world\n"),
    (["--no-raw", "nosuchcommand"], "(error) ERR unknown command 'nosuchcommand', with args beginning with: \n"),
], ids=["ping", "set", "get-raw", "get-no-raw", "nil", "incr", "exists", "append", "mget", "echo",
        "error"])
def test_redis_cli(server, args, out):
    rc, stdout, stderr = cli(server, *args)
    assert rc == 0, stderr
    assert stdout == out


def test_redis_cli_reads_stdin_pipe(server):
    r = subprocess.run([REDIS_CLI, "-p", str(server.port)],
                       input=b"set cli:p 1\nincr cli:p\nget cli:p\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"OK\n2\n2\n"


def test_redis_cli_pipe_mode(server):
    data = b"".join(b"SET cli:pipe:%d %d\r\n" % (i, i) for i in range(1000))
    r = subprocess.run([REDIS_CLI, "-p", str(server.port), "--pipe"], input=data,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert b"errors: 0, replies: 1000" in r.stdout, r.stdout
    with RespClient(server.host, server.port) as c:
        assert c.command("GET", "cli:pipe:999") == b"$3\r\n999\r\n"


def test_redis_benchmark(server):
    if not os.path.exists(REDIS_BENCHMARK):
        pytest.skip("redis-benchmark not installed")
    r = subprocess.run([REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(server.port),
                        "-t", "ping,set,get,incr,mset", "-n", "20000", "-q"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=90)
    out = r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")
    assert r.returncode == 0, out
    # -q prints progress lines separated by \r; keep the final result lines.
    results = [seg.strip() for seg in re.split(r"[\r\n]", out) if "requests per second" in seg]
    for bad in ("error", "warn", "could not", "unexpected"):
        assert bad not in out.lower(), out
    for test in ("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"):
        assert any(re.match(r"%s: \d+(\.\d+)? requests per second" % re.escape(test), l)
                   for l in results), (test, out)
    assert server.alive()
    with RespClient(server.host, server.port) as c:
        # redis-benchmark writes key:__rand_int__ / counter:__rand_int__ (no -r)
        assert c.command("GET", "key:__rand_int__") == b"$3\r\nVXK\r\n"
        assert c.command("EXISTS", "counter:__rand_int__") == b":1\r\n"
