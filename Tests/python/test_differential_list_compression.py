"""Lists with list-compress-depth set (interior quicklist nodes LZF-compressed in Apus): random
list commands on Apus and Redis give byte-identical replies; compression must never show."""

import random

import pytest

from support.resp import RespClient


@pytest.mark.parametrize("depth, fill", [(1, 4), (2, -1), (3, 8)])
def test_compressed_lists_match_redis(apus, redis, depth, fill):
    with RespClient(apus.host, apus.port) as a, RespClient(redis.host, redis.port) as r:
        try:
            for client in (a, r):
                client.command("SELECT", "5")
                client.command("FLUSHDB")
                client.command("CONFIG", "SET", "list-compress-depth", str(depth), "list-max-listpack-size", str(fill))
            rng = random.Random(depth * 100 + fill)
            values = [b"a" * rng.randint(1, 40) for _ in range(20)] + [str(i).encode() for i in range(20)]
            for step in range(1500):
                key = rng.choice(["l1", "l2"])
                other = "l1" if key == "l2" else "l2"
                value = rng.choice(values) + str(rng.randint(0, 9)).encode()
                op = rng.random()
                if op < 0.3:
                    cmd = [rng.choice(["LPUSH", "RPUSH"]), key, value, value + b"x"]
                elif op < 0.4:
                    cmd = [rng.choice(["LPOP", "RPOP"]), key]
                elif op < 0.5:
                    cmd = ["LINDEX", key, str(rng.randint(-50, 50))]
                elif op < 0.6:
                    cmd = ["LRANGE", key, str(rng.randint(-60, 60)), str(rng.randint(-60, 60))]
                elif op < 0.65:
                    cmd = ["LSET", key, str(rng.randint(-30, 30)), value]
                elif op < 0.7:
                    cmd = ["LINSERT", key, rng.choice(["BEFORE", "AFTER"]), rng.choice(values) + b"1", value]
                elif op < 0.75:
                    cmd = ["LREM", key, str(rng.randint(-2, 2)), value]
                elif op < 0.8:
                    cmd = ["LTRIM", key, str(rng.randint(0, 5)), str(rng.randint(-5, 200))]
                elif op < 0.85:
                    cmd = ["LPOS", key, value]
                elif op < 0.9:
                    cmd = ["LMOVE", key, other, rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"])]
                else:
                    cmd = ["LRANGE", key, "0", "-1"]
                got, want = a.command(*cmd), r.command(*cmd)
                assert got == want, "step %d %s\napus : %r\nredis: %r" % (step, cmd, got, want)
        finally:
            for client in (a, r):
                client.command("FLUSHDB")
                client.command("CONFIG", "SET", "list-compress-depth", "0", "list-max-listpack-size", "-2")
