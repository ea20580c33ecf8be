"""Differential tests of maxmemory: the same commands sent to Apus and to redis-server 7.0,
replies compared byte for byte (RESP2 and RESP3), where the outcome does not depend on
how much memory each implementation uses.

maxmemory 1 puts either server over the limit whatever its footprint, so:
    test_oom_replies[proto]           noeviction: which commands get -OOM, which still run
    test_oom_transactions[proto]      MULTI under OOM (every command but EXEC/DISCARD refused,
                                      EXECABORT), EXEC of a queue with a denyoom command when OOM
                                      arrives after queueing, DISCARD
    test_oom_scripts[proto]           EVAL without flags (first write refused, not after a write
                                      command), shebang flags (empty, no-writes, allow-oom),
                                      redis.pcall's error, FCALL with and without allow-oom
    test_allkeys_evicts_everything[policy-proto]
                                      an allkeys policy at maxmemory 1 evicts every key before
                                      each command: replies equal though victims are random
    test_volatile_keeps_persistent[proto]
    test_error_counters               errorstat_OOM and rejected_calls after the refusals
    test_info_and_config_fields       maxmemory, maxmemory_human, maxmemory_policy, CONFIG GET
"""

import pytest

from support.differential import assert_same
from support.integration import parse_info
from support.resp import RespClient, parse, to_python

PROTOCOLS = [2, 3]


def session(server, proto):
    c = RespClient(port=server.port, timeout=10)
    if proto == 3:
        c.command("HELLO", "3")
    return c


def fresh(c):
    c.command("CONFIG", "SET", "maxmemory", "0")
    c.command("FLUSHALL")
    c.command("FUNCTION", "FLUSH")
    c.command("SCRIPT", "FLUSH")
    c.command("CONFIG", "SET", "maxmemory-policy", "noeviction")


def run(apus, redis, proto, scenario):
    logs = []
    for server in (apus, redis):
        c = session(server, proto)
        other = session(server, proto)
        try:
            fresh(c)
            logs.append(scenario(c, other))
        finally:
            fresh(c)
            c.close()
            other.close()
    assert_same(logs[0], logs[1])


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_oom_replies(apus, redis, proto):
    def scenario(c, other):
        log = [c.command("SET", "a", "1"), c.command("RPUSH", "l", "x", "y"), c.command("SADD", "s", "m"),
               c.command("CONFIG", "SET", "maxmemory", "1")]
        for command in (("SET", "b", "1"), ("GET", "a"), ("INCR", "a"), ("APPEND", "a", "x"),
                        ("SETNX", "c", "1"), ("MSET", "x", "1"), ("GETSET", "a", "2"), ("LPUSH", "l", "z"),
                        ("RPUSHX", "l", "z"), ("LPOP", "l"), ("LRANGE", "l", "0", "-1"), ("SADD", "s", "n"),
                        ("SREM", "s", "m"), ("HSET", "h", "f", "v"), ("ZADD", "z", "1", "a"),
                        ("PFADD", "hll", "a"), ("XADD", "st", "*", "f", "v"), ("SETBIT", "bits", "1", "1"),
                        ("EXPIRE", "a", "100"), ("PERSIST", "a"), ("RENAME", "a", "a2"), ("COPY", "a2", "a3"),
                        ("DEL", "a2"), ("UNLINK", "nothing"), ("EXISTS", "a2"), ("PUBLISH", "ch", "m"),
                        ("PING",), ("ECHO", "e"), ("DBSIZE",), ("SELECT", "1"), ("SET", "k", "v"),
                        ("SELECT", "0"), ("RESTORE", "r", "0", "payload"),
                        ("SORT", "l", "STORE", "dst"), ("SUNIONSTORE", "dst", "s"), ("GETEX", "l"),
                        ("FLUSHDB",), ("SET", "b", "1"), ("CONFIG", "SET", "maxmemory", "0"), ("SET", "b", "1")):
            log.append(c.command(*command))
        return log
    run(apus, redis, proto, scenario)


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_oom_transactions(apus, redis, proto):
    def scenario(c, other):
        log = [c.command("SET", "a", "1"), other.command("CONFIG", "SET", "maxmemory", "1")]
        # Under OOM: every command but EXEC/DISCARD is refused inside MULTI, reads too.
        for command in (("MULTI",), ("GET", "a"), ("SET", "a", "2"), ("PING",), ("EXEC",),
                        ("MULTI",), ("GET", "a"), ("DISCARD",), ("GET", "a")):
            log.append(c.command(*command))
        # Queued before OOM: EXEC is refused when the queue holds a denyoom command...
        log.append(other.command("CONFIG", "SET", "maxmemory", "0"))
        for command in (("MULTI",), ("GET", "a"), ("SET", "a", "3")):
            log.append(c.command(*command))
        log.append(other.command("CONFIG", "SET", "maxmemory", "1"))
        log += [c.command("EXEC"), c.command("GET", "a")]
        # ...and runs when it does not.
        log.append(other.command("CONFIG", "SET", "maxmemory", "0"))
        for command in (("MULTI",), ("GET", "a"), ("DEL", "nothing"), ("EXPIRE", "a", "100")):
            log.append(c.command(*command))
        log.append(other.command("CONFIG", "SET", "maxmemory", "1"))
        log.append(c.command("EXEC"))
        # A queued script that declares flags but not allow-oom counts as denyoom.
        log.append(other.command("CONFIG", "SET", "maxmemory", "0"))
        log += [c.command("MULTI"), c.command("EVAL", "#!lua flags=\nreturn 1", "0"),
                c.command("EVAL", "#!lua flags=no-writes\nreturn 2", "0")]
        log.append(other.command("CONFIG", "SET", "maxmemory", "1"))
        log.append(c.command("EXEC"))
        log.append(other.command("CONFIG", "SET", "maxmemory", "0"))
        log += [c.command("MULTI"), c.command("EVAL", "#!lua flags=no-writes\nreturn 2", "0"),
                c.command("EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','a','4')", "1", "a")]
        log.append(other.command("CONFIG", "SET", "maxmemory", "1"))
        log += [c.command("EXEC"), c.command("GET", "a")]
        return log
    run(apus, redis, proto, scenario)


SCRIPTS = [
    ("redis.call('set','x',1) return 1", "1", "x"),
    ("return redis.call('get','x')", "1", "x"),
    ("redis.call('del','zz') redis.call('set','x',2) return 1", "1", "x"),
    ("return redis.pcall('set','x',1)", "1", "x"),
    ("local e = redis.pcall('incr','x') return {type(e), e['err']}", "1", "x"),
    ("#!lua flags=\nreturn 1", "1", "x"),
    ("#!lua flags=no-writes\nreturn redis.call('get','x')", "0"),
    ("#!lua flags=allow-oom\nredis.call('set','x',3) return redis.call('get','x')", "1", "x"),
    ("#!lua\nreturn 5", "0"),
]


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_oom_scripts(apus, redis, proto):
    library = ("#!lua name=lib\n"
               "redis.register_function('plain', function(keys) return redis.call('set', keys[1], 'f') end)\n"
               "redis.register_function{function_name='oomok', callback=function(keys) "
               "return redis.call('set', keys[1], 'g') end, flags={'allow-oom'}}\n"
               "redis.register_function{function_name='ro', callback=function(keys) "
               "return redis.call('get', keys[1]) end, flags={'no-writes'}}\n")

    def scenario(c, other):
        log = [c.command("SET", "x", "123"), c.command("FUNCTION", "LOAD", library),
               c.command("CONFIG", "SET", "maxmemory", "1")]
        for script in SCRIPTS:
            log.append(c.command("EVAL", *script))
        for name in ("plain", "oomok", "ro"):
            log.append(c.command("FCALL", name, "1", "x"))
        log.append(c.command("FCALL_RO", "ro", "1", "x"))
        log.append(c.command("EVAL_RO", "return redis.call('get','x')", "1", "x"))
        log.append(c.command("GET", "x"))
        return log
    run(apus, redis, proto, scenario)


@pytest.mark.parametrize("proto", PROTOCOLS)
@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_allkeys_evicts_everything(apus, redis, proto, policy):
    def scenario(c, other):
        log = [c.command("CONFIG", "SET", "maxmemory-policy", policy)]
        log += [c.command("SET", "k%d" % i, "v") for i in range(20)]
        log.append(c.command("CONFIG", "SET", "maxmemory", "1"))
        # Every key goes before each command runs; the command's own key then lives until the next.
        log += [c.command("DBSIZE"), c.command("SET", "new", "v"), c.command("GET", "k3"),
                c.command("DBSIZE"), c.command("RPUSH", "l", "a"), c.command("LLEN", "l")]
        return log
    run(apus, redis, proto, scenario)


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_volatile_keeps_persistent(apus, redis, proto):
    def scenario(c, other):
        log = [c.command("CONFIG", "SET", "maxmemory-policy", "volatile-lru")]
        log += [c.command("SET", "p%d" % i, "v") for i in range(10)]
        log += [c.command("SET", "t%d" % i, "v", "EX", "1000") for i in range(10)]
        log.append(c.command("CONFIG", "SET", "maxmemory", "1"))
        log += [c.command("DBSIZE"), c.command("SET", "x", "v"), c.command("GET", "p1"),
                c.command("EXISTS", "t1"), c.command("DBSIZE")]
        return log
    run(apus, redis, proto, scenario)


def test_error_counters(apus, redis):
    def scenario(c, other):
        c.command("CONFIG", "RESETSTAT")
        c.command("SET", "a", "1")
        c.command("CONFIG", "SET", "maxmemory", "1")
        for _ in range(3):
            c.command("SET", "a", "2")
        c.command("MULTI")
        c.command("GET", "a")
        c.command("DISCARD")
        c.command("CONFIG", "SET", "maxmemory", "0")
        errors = parse_info(c.command("INFO", "errorstats"))
        commands = parse_info(c.command("INFO", "commandstats"))
        picked = lambda line: ",".join(p for p in line.split(",") if "rejected" in p or "failed" in p)
        return [errors.get("errorstat_OOM"), picked(commands["cmdstat_set"]), picked(commands["cmdstat_get"]),
                parse_info(c.command("INFO", "stats"))["total_error_replies"]]
    run(apus, redis, 2, scenario)


def test_info_and_config_fields(apus, redis):
    def scenario(c, other):
        log = []
        for limit, policy in (("0", "noeviction"), ("100mb", "allkeys-lru"), ("1gb", "volatile-ttl"),
                              ("123456", "allkeys-lfu"), ("3000", "volatile-random")):
            c.command("CONFIG", "SET", "maxmemory-policy", policy)
            # Large enough not to evict or refuse INFO's own reply.
            c.command("CONFIG", "SET", "maxmemory", limit if limit in ("0", "100mb", "1gb") else "0")
            memory = parse_info(c.command("INFO", "memory"))
            log.append([memory[f] for f in ("maxmemory", "maxmemory_human", "maxmemory_policy")])
        c.command("CONFIG", "SET", "maxmemory-samples", "10")
        c.command("CONFIG", "SET", "maxmemory-eviction-tenacity", "20")
        # CONFIG GET's order is Redis's dict order, not part of this comparison: sorted pairs.
        values = to_python(parse(c.command("CONFIG", "GET", "maxmemory*")))
        log.append(sorted(zip(values[0::2], values[1::2])))
        log.append(c.command("CONFIG", "SET", "maxmemory-eviction-tenacity", "101"))
        log.append(c.command("CONFIG", "SET", "maxmemory-policy", "lru"))
        c.command("CONFIG", "SET", "maxmemory-samples", "5")
        c.command("CONFIG", "SET", "maxmemory-eviction-tenacity", "10")
        c.command("CONFIG", "SET", "maxmemory", "0")
        return log
    run(apus, redis, 2, scenario)
