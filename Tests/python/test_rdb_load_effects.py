"""What loading an RDB (DEBUG RELOAD, start-up) does besides loading, against redis-server 7.0.15:
INFO persistence's rdb_last_load_keys_loaded and rdb_last_load_keys_expired, no loading_* lines
once the load is over, and WATCH and client tracking hearing of the flush before the load but
not of the keys it adds (rdbLoad stores keys without signalModifiedKey)."""

import time

import redis as redispy

from support import differential
from support.resp import RespClient

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


def test_a_reload_signals_the_flush_not_the_loaded_keys(apus_factory, redis_factory, tmp_path):
    logs = []
    for i, factory in enumerate((apus_factory, redis_factory)):
        d = tmp_path / str(i)
        d.mkdir()
        srv = factory(extra_args=["--dir", str(d)])
        ctl, bcast, tracker, absent, present = (RespClient(port=srv.port) for _ in range(5))
        log = []
        for c in (bcast, tracker):
            log.append(c.command("HELLO", "3")[:2])
        log.append(ctl.command("SET", "x:1", "1"))
        log.append(ctl.command("SET", "a", "v"))
        log.append(ctl.command("SAVE"))
        log.append(ctl.command("DEL", "x:1"))
        log.append(bcast.command("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x:"))
        log.append(tracker.command("CLIENT", "TRACKING", "on"))
        log.append(tracker.command("GET", "a"))
        log.append(absent.command("WATCH", "x:1"))
        log.append(present.command("WATCH", "a"))
        log.append(ctl.command("DEBUG", "RELOAD", "NOSAVE"))
        for c in (bcast, tracker):
            # What arrives before the PONG: the flush's invalidation, nothing per loaded key.
            c.send_command("PING")
            while True:
                frame = c.read_frame()
                log.append(frame)
                if frame == b"+PONG\r\n":
                    break
        for c in (absent, present):
            log.append(c.command("MULTI"))
            log.append(c.command("GET", "x:1"))
            log.append(c.command("EXEC"))
        for c in (ctl, bcast, tracker, absent, present):
            c.close()
        logs.append(log)
    differential.assert_same(logs[0], logs[1])
    assert logs[1][-4] == b"*1\r\n$1\r\n1\r\n", "a watched key the load adds is not touched"
    assert logs[1][-1] == b"*-1\r\n", "a watched key the flush removes is touched"
