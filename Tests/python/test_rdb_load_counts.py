"""INFO persistence after loading an RDB (DEBUG RELOAD, start-up): rdb_last_load_keys_loaded and
rdb_last_load_keys_expired as redis-server 7.0.15 reports them, and no loading_* lines once the
load is over."""

import time

import redis as redispy

FIELDS = ("loading", "async_loading", "rdb_last_load_keys_loaded", "rdb_last_load_keys_expired")


def client(srv):
    return redispy.Redis(host=srv.host, port=srv.port, socket_timeout=30)


def load_fields(c):
    info = c.info("persistence")
    assert not [k for k in info if k.startswith("loading_")]
    return {k: info[k] for k in FIELDS}


def test_last_load_counts_like_redis(apus_factory, redis_factory, tmp_path):
    results = []
    for i, factory in enumerate((apus_factory, redis_factory)):
        d = tmp_path / str(i)
        d.mkdir()
        c = client(factory(extra_args=["--dir", str(d)]))
        steps = [load_fields(c)]
        c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        c.mset({f"key:{n}": n for n in range(40)})
        c.rpush("list", "a", "b")
        c.set("short", "v", px=1)
        time.sleep(0.005)
        assert c.execute_command("DEBUG", "RELOAD") == b"OK"
        steps.append(load_fields(c))
        # The expired key was dropped by the first reload, so the second file has none.
        assert c.execute_command("DEBUG", "RELOAD") == b"OK"
        steps.append(load_fields(c))
        steps.append(c.dbsize())
        results.append(steps)
        # Start-up loads the file too.
        c.save()
        restarted = client(factory(extra_args=["--dir", str(d)]))
        results[-1].append(load_fields(restarted))
    assert results[0] == results[1]
    assert results[0][1]["rdb_last_load_keys_loaded"] == 41
    assert results[0][1]["rdb_last_load_keys_expired"] == 1
    assert results[0][2]["rdb_last_load_keys_expired"] == 0
