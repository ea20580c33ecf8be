"""Run one fixed command script on Apus and on Redis in a scratch database and require
byte-identical replies, in RESP2 or RESP3 (used by the small scripted differential tests)."""

from .resp import RespClient


def assert_script_matches(apus, redis, proto, db, setup, steps):
    with RespClient(apus.host, apus.port) as a, RespClient(redis.host, redis.port) as r:
        for client in (a, r):
            client.command("SELECT", str(db))
            client.command("FLUSHDB")
            if proto == 3:
                client.command("HELLO", "3")
            for command in setup:
                client.command(*command)
        try:
            for step in steps:
                got, want = a.command(*step), r.command(*step)
                assert got == want, "%s (resp%d)\napus : %r\nredis: %r" % (step, proto, got, want)
        finally:
            for client in (a, r):
                client.command("FLUSHDB")
