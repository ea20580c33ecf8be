"""MULTI / EXEC / DISCARD / WATCH / UNWATCH, differentially: every scenario runs
against Apus and against redis-server 7.0 with one or more connections, and the
observations (raw reply bytes, in order) must be identical, in RESP2 and RESP3.

Scenarios also assert the outcome Redis 7.0 gives (an EXEC that must answer
null, or must run), so a case cannot pass by both servers agreeing on
something the test did not mean.

Areas: queueing and EXEC replies of every type; queue-time refusals and
EXECABORT; the MULTI / EXEC / DISCARD / WATCH misuse errors; every kind of
change to a watched key (and the changes that are no change); expiry of
watched keys (lazy, active, already expired when watched); what clears the
watched keys; blocking commands inside MULTI and a transaction seen as one unit
by blocked clients; commandstats / errorstats; RESET, QUIT, disconnects,
SELECT and HELLO inside MULTI, pipelined transactions, CLIENT LIST.

Waiting is by bounded polling (INFO, DBSIZE) except where a key must outlive
its few milliseconds of TTL, which is a sleep just past the deadline.
"""

import re
import shlex
import socket
import time

import pytest

from support.resp import RespClient, parse
from test_blocking import Scene, nothing_yet, run_both, NOTHING  # noqa: F401
from test_differential import proto  # noqa: F401  (fixture: 2 or 3)

NULL_EXEC = {2: b"*-1\r\n", 3: b"_\r\n"}
PONG_EXEC = b"*1\r\n+PONG\r\n"
EXECABORT = b"-EXECABORT Transaction discarded because of previous errors.\r\n"


def run(c, *commands):
    """Sends each command (a string split like a shell line, or a list of
    arguments) and returns the raw replies."""
    out = []
    for command in commands:
        args = shlex.split(command) if isinstance(command, str) else command
        out.append(c.command(*args))
    return out


def replies_within(c, n, wait=2.0):
    """n replies, or what arrived within `wait` seconds followed by NOTHING (a failing server
    fails fast instead of at the socket timeout)."""
    c.sock.settimeout(wait)
    out = []
    try:
        for _ in range(n):
            out.append(c.read_reply())
    except (socket.timeout, TimeoutError):
        out.append(NOTHING)
    finally:
        c.sock.settimeout(10)
    return out


def wait_for(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


# ===========================================================================
# Queueing and EXEC replies
# ===========================================================================

def test_queued_and_exec_reply_types(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = run(c, "SET s 10", "RPUSH l a b c", "HSET h f v g w", "ZADD z 1.5 m 2 n", "SADD set x",
                  "MULTI")
        queued = run(c, "GET s", "INCR s", "INCRBYFLOAT s 0.5", "GET missing", "LRANGE l 0 -1",
                     "LRANGE nolist 0 -1", "HGETALL h", "HGETALL nohash", "ZSCORE z m", "ZSCORE z nom",
                     "ZRANGE z 0 -1 WITHSCORES", "ZINCRBY z 1 n", "ZMSCORE z m nom n", "ZPOPMIN z",
                     "SMEMBERS noset", "SMEMBERS set", "SPOP set 5", "CONFIG GET maxmemory-policy", "PING", "ECHO x",
                     "TYPE l", "EXISTS s l nokey", "HMGET h f nof", "LPOS l zz", "LPOS l b",
                     "SET k v GET", "SET k w GET", "TTL s", "SET k v NX", "STRLEN k", "SISMEMBER set x",
                     "HGET h nof", "DBSIZE")
        assert set(queued) == {b"+QUEUED\r\n"}
        out += queued
        out += run(c, "EXEC", "EXEC", "GET s", "EXISTS set")
        return out
    run_both(apus, redis, proto, scenario)


def test_empty_transaction_and_discard(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = run(c, "MULTI", "EXEC", "RPUSH l a b c", "MULTI", "DEL l", "LPUSH l x", "DISCARD",
                  "LRANGE l 0 -1", "EXEC", "DISCARD", "MULTI", "DISCARD", "PING")
        assert out[1] == b"*0\r\n" and out[6] == b"+OK\r\n"
        return out
    run_both(apus, redis, proto, scenario)


def test_runtime_errors_are_embedded_and_the_rest_runs(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = run(c, "SET s abc", "RPUSH l x", "MULTI", "SET a 1", "INCR s", "LPUSH s x", "GET l",
                  "SELECT 99", "INCRBY a 9223372036854775807", "SET a 2", "EXPIRE a notint",
                  "HSET l f v", "ZADD z nan m", "INCR a", "GETRANGE s 0 1", "EXEC", "GET a", "GET s")
        assert out[-3].startswith(b"*12\r\n+OK\r\n-ERR value is not an integer")
        return out
    run_both(apus, redis, proto, scenario)


def test_commands_that_rewrite_their_arguments(apus, redis, proto):
    # SPOP, INCRBYFLOAT, SET EX, EXPIRE ... propagate as other commands: inside EXEC their
    # replies stay theirs and the queue keeps running.
    def scenario(s):
        c = s.connect()
        return run(c, "SADD myset a", "MULTI", "SPOP myset", "INCRBYFLOAT f 1.5", "SET e v EX 100",
                   "GETEX e PERSIST", "TTL e", "EXEC", "EXISTS myset", "GET f")
    run_both(apus, redis, proto, scenario)


def test_hello_inside_multi_switches_protocol_mid_reply(apus, redis, proto):
    # The EXEC array header is written in the old protocol, the replies after HELLO in the new.
    other = 2 if proto == 3 else 3

    def scenario(s):
        c = s.connect()
        out = run(c, "HSET h f v", "MULTI", "HGETALL h", "HELLO %d" % other, "HGETALL h", "GET nokey",
                  "ZADD z 1 a", "ZSCORE z a", "EXEC", "HGETALL h")
        # HELLO's map holds the connection id: normalise it.
        return [re.sub(rb":\d+\r\n\$4\r\nmode", b":ID\r\n$4\r\nmode", r) for r in out]
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# Queue-time refusals: EXECABORT
# ===========================================================================

REFUSED_AT_QUEUE_TIME = [
    "NOSUCHCOMMAND", "NOSUCHCOMMAND a b", "GET", "SET k", "CONFIG FOO", "CONFIG", "CLIENT NOSUCH x",
    "SHUTDOWN", "SHUTDOWN NOSAVE", "MULTI x", "WATCH", "DISCARD x", "UNWATCH x", "ZADD",
]


@pytest.mark.parametrize("refused", REFUSED_AT_QUEUE_TIME)
def test_refused_command_aborts_exec(apus, redis, proto, refused):
    def scenario(s):
        c = s.connect()
        out = run(c, "MULTI", "SET a 1", refused, "SET b 2", "EXEC", "EXISTS a b", "PING", "EXEC")
        assert out[2].startswith(b"-ERR"), out[2]
        assert out[4] == EXECABORT, out[4]
        return out
    run_both(apus, redis, proto, scenario)


def test_several_refusals_and_errors_after_refusal(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        return run(c, "MULTI", "FOO", "GET", "SET a 1", "MULTI", "WATCH a", "INCR a", "EXEC",
                   "GET a", "DISCARD")
    run_both(apus, redis, proto, scenario)


def test_discard_clears_a_refusal(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = run(c, "MULTI", "NOSUCH", "DISCARD", "MULTI", "PING", "EXEC")
        assert out[-1] == PONG_EXEC
        return out
    run_both(apus, redis, proto, scenario)


def test_long_pipelined_transaction(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        commands = [["MULTI"]] + [["RPUSH", "l", str(i)] for i in range(3000)] + [["LLEN", "l"], ["EXEC"]]
        replies = c.pipeline(commands)
        assert set(replies[1:-1]) == {b"+QUEUED\r\n"}
        return [replies[0], replies[-1], c.command("LRANGE", "l", "2990", "-1")]
    run_both(apus, redis, proto, scenario)


def test_nested_multi_is_an_error_that_does_not_abort(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = run(c, "MULTI", "SET a 1", "MULTI", "SET b 2", "EXEC", "MGET a b")
        assert out[2] == b"-ERR MULTI calls can not be nested\r\n"
        assert out[4] == b"*2\r\n+OK\r\n+OK\r\n"
        return out
    run_both(apus, redis, proto, scenario)


def test_watch_inside_multi_is_an_error_that_does_not_abort_nor_watch(apus, redis, proto):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "MULTI", "WATCH a", "SET b 2")
        out += run(other, "SET a changed")
        out += run(c, "EXEC", "GET b")
        assert out[1] == b"-ERR WATCH inside MULTI is not allowed\r\n"
        assert out[4] == b"*1\r\n+OK\r\n"
        return out
    run_both(apus, redis, proto, scenario)


def test_exec_and_discard_without_multi(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = run(c, "EXEC", "DISCARD", "UNWATCH", "UNWATCH", "MULTI", "EXEC", "EXEC")
        assert out[:2] == [b"-ERR EXEC without MULTI\r\n", b"-ERR DISCARD without MULTI\r\n"]
        return out
    run_both(apus, redis, proto, scenario)


def test_exec_refused_for_arity_aborts_with_the_reason(apus, redis, proto):
    # rejectCommand on EXEC is execCommandAbort: "-EXECABORT ... because of: <reason>", the
    # transaction is over, the watched keys are forgotten (even when not in MULTI).
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "MULTI", "SET a 1", "EXEC x", "EXEC", "GET a")
        assert out[2] == b"-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n"
        out += run(c, "SET k 1", "WATCH k", "EXEC x y")
        out += run(other, "SET k 2")
        out += run(c, "MULTI", "PING", "EXEC")
        assert out[-1] == PONG_EXEC
        return out
    run_both(apus, redis, proto, scenario)


def test_refused_commands_in_a_pipeline(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        c.send_raw(b"MULTI\r\nSET a 1\r\nFOO bar\r\nINCR a\r\nEXEC\r\nMULTI\r\nSET a 5\r\nINCR a\r\nEXEC\r\n"
                   b"GET a\r\nEXEC\r\n")
        return c.read_replies(11)
    run_both(apus, redis, proto, scenario)


def test_auth_and_transactions(apus, redis, proto):
    """An unauthenticated client cannot start MULTI (NOAUTH, flagged nothing); its EXEC is
    refused as EXECABORT with the NOAUTH reason; AUTH inside MULTI is queued and runs."""
    def scenario(s):
        c = None
        try:
            out = run(s.ctl, "CONFIG SET requirepass secret")
            c = RespClient(port=s.server.port, timeout=10)
            out += run(c, "MULTI", "SET a 1", "EXEC", "DISCARD", "AUTH secret")
            if s.proto == 3:
                out += [re.sub(rb":\d+\r\n\$4\r\nmode", b":ID\r\n$4\r\nmode", c.command("HELLO", "3"))]
            out += run(c, "MULTI", "AUTH wrong", "SET a 1", "AUTH secret", "AUTH default secret", "EXEC",
                       "GET a")
            return out
        finally:
            s.ctl.command("CONFIG", "SET", "requirepass", "")
            if c is not None:
                c.close()
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# WATCH: what touches a watched key, and what does not
# ===========================================================================

# (id, setup by another client, change by another client, EXEC must answer null); a change
# starting with "?" has a random reply, which is not compared.
WATCH_CASES = [
    # strings
    ("set-same-value", ["SET k v"], ["SET k v"], True),
    ("set-other-value", ["SET k v"], ["SET k w"], True),
    ("set-creates", [], ["SET k v"], True),
    ("set-nx-existing", ["SET k v"], ["SET k w NX"], False),
    ("set-xx-missing", [], ["SET k w XX"], False),
    ("set-keepttl", ["SET k v EX 100"], ["SET k v KEEPTTL"], True),
    ("setnx-existing", ["SET k v"], ["SETNX k w"], False),
    ("setnx-creates", [], ["SETNX k w"], True),
    ("setex", ["SET k v"], ["SETEX k 100 v"], True),
    ("psetex", ["SET k v"], ["PSETEX k 100000 v"], True),
    ("getset", ["SET k v"], ["GETSET k v"], True),
    ("getdel", ["SET k v"], ["GETDEL k"], True),
    ("getdel-missing", [], ["GETDEL k"], False),
    ("getex-ex", ["SET k v"], ["GETEX k EX 100"], True),
    ("getex-plain", ["SET k v"], ["GETEX k"], False),
    ("getex-persist-with-ttl", ["SET k v EX 100"], ["GETEX k PERSIST"], True),
    ("getex-persist-without-ttl", ["SET k v"], ["GETEX k PERSIST"], False),
    ("append", ["SET k v"], ["APPEND k x"], True),
    ("append-creates", [], ["APPEND k x"], True),
    ("setrange", ["SET k v"], ["SETRANGE k 0 w"], True),
    ("incr", ["SET k 1"], ["INCR k"], True),
    ("incr-creates", [], ["INCR k"], True),
    ("incr-error", ["SET k v"], ["INCR k"], False),
    ("decrby", ["SET k 1"], ["DECRBY k 5"], True),
    ("incrbyfloat", ["SET k 1"], ["INCRBYFLOAT k 0.5"], True),
    ("mset", ["SET k v"], ["MSET a 1 k 2"], True),
    ("msetnx-existing", ["SET k v"], ["MSETNX a 1 k 2"], False),
    ("msetnx-creates", [], ["MSETNX a 1 k 2"], True),
    ("get", ["SET k v"], ["GET k", "STRLEN k", "GETRANGE k 0 -1", "EXISTS k", "TYPE k"], False),
    ("set-get", ["SET k v"], ["SET k w GET"], True),
    ("setrange-empty-on-missing", [], ["SETRANGE k 0 ''"], False),
    ("incrbyfloat-error", ["SET k v"], ["INCRBYFLOAT k 1"], False),
    ("wrongtype-refused", ["SET k v"], ["HSET k f v", "LPUSH k a", "SADD k a", "ZADD k 1 a"], False),
    # keyspace
    ("del", ["SET k v"], ["DEL k"], True),
    ("del-missing", [], ["DEL k"], False),
    ("unlink", ["SET k v"], ["UNLINK k"], True),
    ("touch", ["SET k v"], ["TOUCH k", "OBJECT ENCODING k", "TTL k"], False),
    ("expire", ["SET k v"], ["EXPIRE k 100"], True),
    ("expire-missing", [], ["EXPIRE k 100"], False),
    ("expire-nx-refused", ["SET k v EX 100"], ["EXPIRE k 200 NX"], False),
    ("expire-in-the-past", ["SET k v"], ["EXPIRE k -1"], True),
    ("expire-gt-refused", ["SET k v EX 100"], ["EXPIRE k 50 GT"], False),
    ("pexpire", ["SET k v"], ["PEXPIRE k 100000"], True),
    ("expireat", ["SET k v"], ["EXPIREAT k 4102444800"], True),
    ("pexpireat-past", ["SET k v"], ["PEXPIREAT k 1000"], True),
    ("persist", ["SET k v EX 100"], ["PERSIST k"], True),
    ("persist-without-ttl", ["SET k v"], ["PERSIST k"], False),
    ("rename-source", ["SET k v"], ["RENAME k x"], True),
    ("rename-destination", ["SET k v", "SET x w"], ["RENAME x k"], True),
    ("rename-creates-destination", ["SET x w"], ["RENAME x k"], True),
    ("rename-same-key", ["SET k v"], ["RENAME k k"], False),
    ("copy-same-key-refused", ["SET k v"], ["COPY k k"], False),
    ("renamenx-existing-destination", ["SET k v", "SET x w"], ["RENAMENX x k"], False),
    ("move-out", ["SET k v"], ["MOVE k 1"], True),
    ("move-in", ["SELECT 1", "SET k v"], ["SELECT 1", "MOVE k 0"], True),
    ("move-refused", ["SET k v", "SELECT 1", "SET k w"], ["SELECT 1", "MOVE k 0"], False),
    ("copy-to", ["SET x w"], ["COPY x k"], True),
    ("copy-replace", ["SET k v", "SET x w"], ["COPY x k REPLACE"], True),
    ("copy-refused", ["SET k v", "SET x w"], ["COPY x k"], False),
    ("copy-from", ["SET k v"], ["COPY k x"], False),
    ("copy-from-other-db", ["SELECT 1", "SET x w"], ["SELECT 1", "COPY x k DB 0"], True),
    ("sort-store", ["SET k v", "RPUSH src 3 1 2"], ["SORT src STORE k"], True),
    ("sort-store-empty-over-existing", ["RPUSH k a"], ["SORT emptylist STORE k"], True),
    ("sort-store-empty-over-missing", [], ["SORT emptylist STORE k"], False),
    ("flushdb", ["SET k v"], ["FLUSHDB"], True),
    ("flushdb-async", ["SET k v"], ["FLUSHDB ASYNC"], True),
    ("flushdb-missing", ["SET other v"], ["FLUSHDB"], False),
    ("flushdb-other-db", ["SET k v", "SELECT 1", "SET k w"], ["SELECT 1", "FLUSHDB"], False),
    ("flushall", ["SET k v"], ["FLUSHALL"], True),
    ("flushall-missing", ["SELECT 1", "SET k v"], ["SELECT 0", "FLUSHALL"], False),
    ("swapdb-exists-in-watched-db", ["SET k v"], ["SWAPDB 0 1"], True),
    ("swapdb-exists-in-other-db", ["SELECT 1", "SET k v"], ["SWAPDB 0 1"], True),
    ("swapdb-exists-in-both", ["SET k v", "SELECT 1", "SET k v"], ["SWAPDB 1 0"], True),
    ("swapdb-missing-in-both", ["SET other v", "SELECT 1", "SET other v"], ["SWAPDB 0 1"], False),
    ("swapdb-other-dbs", ["SET k v", "SELECT 1", "SET k v"], ["SWAPDB 1 2"], False),
    ("other-key", ["SET k v"], ["SET x w", "DEL y", "LPUSH l a"], False),
    ("same-key-other-db", ["SET k v"], ["SELECT 1", "SET k w", "DEL k", "SET k z"], False),
    # lists
    ("lpush", ["RPUSH k a"], ["LPUSH k b"], True),
    ("rpush-creates", [], ["RPUSH k b"], True),
    ("lpushx", ["RPUSH k a"], ["LPUSHX k b"], True),
    ("lpushx-missing", [], ["LPUSHX k b"], False),
    ("lpop", ["RPUSH k a b"], ["LPOP k"], True),
    ("rpop-last", ["RPUSH k a"], ["RPOP k"], True),
    ("lpop-missing", [], ["LPOP k"], False),
    ("lset", ["RPUSH k a"], ["LSET k 0 b"], True),
    ("lrem", ["RPUSH k a b a"], ["LREM k 0 a"], True),
    ("lrem-nothing", ["RPUSH k a"], ["LREM k 0 zz"], False),
    ("ltrim", ["RPUSH k a b c"], ["LTRIM k 0 0"], True),
    ("linsert", ["RPUSH k a"], ["LINSERT k BEFORE a z"], True),
    ("linsert-no-pivot", ["RPUSH k a"], ["LINSERT k BEFORE zz z"], False),
    ("lmove-source", ["RPUSH k a b"], ["LMOVE k x LEFT RIGHT"], True),
    ("lmove-destination", ["RPUSH x a"], ["LMOVE x k LEFT RIGHT"], True),
    ("rpoplpush-same", ["RPUSH k a b"], ["RPOPLPUSH k k"], True),
    ("lrange", ["RPUSH k a"], ["LRANGE k 0 -1", "LLEN k", "LINDEX k 0", "LPOS k a"], False),
    # hashes
    ("hset-new-field", ["HSET k f v"], ["HSET k g w"], True),
    ("hset-same-value", ["HSET k f v"], ["HSET k f v"], True),
    ("hsetnx-existing-field", ["HSET k f v"], ["HSETNX k f w"], False),
    ("hsetnx-new-field", ["HSET k f v"], ["HSETNX k g w"], True),
    ("hdel", ["HSET k f v g w"], ["HDEL k f"], True),
    ("hdel-missing-field", ["HSET k f v"], ["HDEL k zz"], False),
    ("hincrby", ["HSET k f 1"], ["HINCRBY k f 2"], True),
    ("hincrbyfloat", ["HSET k f 1"], ["HINCRBYFLOAT k f 2.5"], True),
    ("hget", ["HSET k f v"], ["HGET k f", "HGETALL k", "HLEN k"], False),
    # sets
    ("sadd-new", ["SADD k a"], ["SADD k b"], True),
    ("sadd-existing", ["SADD k a"], ["SADD k a"], False),
    ("srem", ["SADD k a b"], ["SREM k a"], True),
    ("srem-missing", ["SADD k a"], ["SREM k zz"], False),
    ("spop", ["SADD k a b"], ["?SPOP k"], True),
    ("smove-source", ["SADD k a b"], ["SMOVE k x a"], True),
    ("smove-destination", ["SADD x a"], ["SMOVE x k a"], True),
    ("sinterstore", ["SADD x a"], ["SINTERSTORE k x"], True),
    ("sunionstore-empty-over-missing", [], ["SUNIONSTORE k nox noy"], False),
    ("sismember", ["SADD k a"], ["SISMEMBER k a", "SMEMBERS k", "SCARD k"], False),
    # sorted sets
    ("zadd-new", ["ZADD k 1 a"], ["ZADD k 2 b"], True),
    ("zadd-same-score", ["ZADD k 1 a"], ["ZADD k 1 a"], False),
    ("zadd-new-score", ["ZADD k 1 a"], ["ZADD k 2 a"], True),
    ("zincrby", ["ZADD k 1 a"], ["ZINCRBY k 1 a"], True),
    ("zrem", ["ZADD k 1 a 2 b"], ["ZREM k a"], True),
    ("zrem-missing", ["ZADD k 1 a"], ["ZREM k zz"], False),
    ("zpopmin", ["ZADD k 1 a 2 b"], ["ZPOPMIN k"], True),
    ("zremrangebyscore-nothing", ["ZADD k 1 a"], ["ZREMRANGEBYSCORE k 5 6"], False),
    ("zunionstore", ["ZADD x 1 a"], ["ZUNIONSTORE k 1 x"], True),
    ("zscore", ["ZADD k 1 a"], ["ZSCORE k a", "ZRANGE k 0 -1", "ZCARD k"], False),
]


@pytest.mark.parametrize("setup,change,aborts", [c[1:] for c in WATCH_CASES], ids=[c[0] for c in WATCH_CASES])
def test_watched_key_change(apus, redis, proto, setup, change, aborts):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(other, *setup)
        out += run(c, "WATCH k")
        out += run(other, "SELECT 0")
        for command in change:
            if command.startswith("?"):  # a random reply (SPOP): run, not compared
                other.command(*shlex.split(command[1:]))
            else:
                out += run(other, command)
        out += run(c, "MULTI", "PING", "EXEC")
        assert out[-1] == (NULL_EXEC[s.proto] if aborts else PONG_EXEC), out[-1]
        return out
    run_both(apus, redis, proto, scenario)


def test_flushall_touches_watched_keys_of_every_database(apus, redis, proto):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "SELECT 3", "SET k v", "WATCH k")
        out += run(other, "FLUSHALL")
        out += run(c, "MULTI", "PING", "EXEC", "SELECT 0")
        assert out[-2] == NULL_EXEC[s.proto]
        return out
    run_both(apus, redis, proto, scenario)


def test_queued_writes_to_watched_keys_do_not_abort_their_own_exec(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        return run(c, "SET k 1", "WATCH k", "MULTI", "DEL k", "SET k 2", "INCR k", "EXEC", "GET k")
    assert run_both(apus, redis, proto, scenario)[-2] == b"*3\r\n:1\r\n+OK\r\n:3\r\n"


def test_execabort_wins_over_a_touched_watch(apus, redis, proto):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "WATCH k")
        out += run(other, "SET k 1")
        out += run(c, "MULTI", "NOSUCH", "EXEC", "MULTI", "PING", "EXEC")
        assert out[-4] == EXECABORT and out[-1] == PONG_EXEC
        return out
    run_both(apus, redis, proto, scenario)


def test_watched_key_touched_while_the_watcher_is_blocked(apus, redis, proto):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "SET k v", "WATCH k")
        s.block(c, "BLPOP", "L", "0")
        out += run(other, "SET k w", "RPUSH L x")
        out.append(c.read_reply())
        out += run(c, "MULTI", "PING", "EXEC")
        assert out[-1] == NULL_EXEC[s.proto]
        return out
    run_both(apus, redis, proto, scenario)


def test_own_change_to_watched_key_aborts(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = run(c, "SET x 30", "WATCH a b x k z", "SET x 40", "MULTI", "PING", "EXEC")
        assert out[-1] == NULL_EXEC[s.proto]
        return out
    run_both(apus, redis, proto, scenario)


def test_watch_unmodified_keys(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        return run(c, "WATCH x y z", "WATCH k", "MULTI", "PING", "EXEC")
    assert run_both(apus, redis, proto, scenario)[-1] == PONG_EXEC


def test_two_clients_race_on_the_same_key(apus, redis, proto):
    def scenario(s):
        c1, c2 = s.connect(), s.connect()
        out = run(c1, "SET counter 10", "WATCH counter", "GET counter")
        out += run(c2, "WATCH counter", "GET counter")
        out += run(c1, "MULTI", "SET counter 11", "EXEC")
        out += run(c2, "MULTI", "SET counter 11", "EXEC")
        assert out[-4] == b"*1\r\n+OK\r\n" and out[-1] == NULL_EXEC[s.proto]
        out += run(c2, "WATCH counter", "GET counter", "MULTI", "INCR counter", "EXEC", "GET counter")
        return out
    run_both(apus, redis, proto, scenario)


def test_a_transaction_touches_keys_watched_by_others(apus, redis, proto):
    def scenario(s):
        c1, c2 = s.connect(), s.connect()
        out = run(c2, "WATCH a b")
        out += run(c1, "MULTI", "GET a", "SET b 1", "EXEC")
        out += run(c2, "MULTI", "PING", "EXEC")
        assert out[-1] == NULL_EXEC[s.proto]
        return out
    run_both(apus, redis, proto, scenario)


def test_watch_remembers_the_database(apus, redis, proto):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "SELECT 5", "SET x 30", "WATCH x", "SELECT 1", "SET x 10", "SELECT 5", "MULTI", "PING",
                  "EXEC")
        assert out[-1] == PONG_EXEC
        out += run(c, "WATCH x", "SELECT 0")
        out += run(other, "SELECT 5", "SET x 31")
        out += run(c, "MULTI", "PING", "EXEC")
        assert out[-1] == NULL_EXEC[s.proto]
        out += run(c, "SELECT 9")
        return out
    run_both(apus, redis, proto, scenario)


def test_many_watched_keys(apus, redis, proto):
    keys = ["key:%d" % i for i in range(1000)]

    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, ["WATCH"] + keys, "MULTI", "PING", "EXEC")
        out += run(c, ["WATCH"] + keys[:500], ["WATCH"] + keys[400:])
        out += run(other, "SET key:777 v")
        out += run(c, "MULTI", "PING", "EXEC")
        assert out[3] == PONG_EXEC and out[-1] == NULL_EXEC[s.proto]
        return out
    run_both(apus, redis, proto, scenario)


def test_flushall_while_watching_several_keys(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        return run(c, "MSET a a b b", "WATCH b a", "FLUSHALL", "PING", "MULTI", "PING", "EXEC")
    assert run_both(apus, redis, proto, scenario)[-1] == NULL_EXEC[proto]


def test_several_clients_watching_one_key(apus, redis, proto):
    def scenario(s):
        watchers = [s.connect() for _ in range(4)]
        other = s.connect()
        out = run(other, "SET k v")
        for i, w in enumerate(watchers):
            out += run(w, "WATCH k x%d" % i)
        out += run(watchers[3], "UNWATCH")
        out += run(other, "SET k z")
        for w in watchers:
            out += run(w, "MULTI", "PING", "EXEC")
        return out
    out = run_both(apus, redis, proto, scenario)
    assert out[-12:] == [b"+OK\r\n", b"+QUEUED\r\n", NULL_EXEC[proto]] * 3 + [b"+OK\r\n", b"+QUEUED\r\n", PONG_EXEC]


# ===========================================================================
# WATCH and expiry
# ===========================================================================

@pytest.fixture
def no_active_expiry(apus, redis):
    for srv in (apus, redis):
        with RespClient(port=srv.port) as c:
            assert c.command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"+OK\r\n"
    yield
    for srv in (apus, redis):
        with RespClient(port=srv.port) as c:
            c.command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def past_deadline(ms):
    time.sleep(ms / 1000.0 + 0.01)


@pytest.mark.parametrize("access", ["none", "get", "exists", "set", "select-other-db"])
def test_watched_key_expires_lazily(apus, redis, proto, no_active_expiry, access):
    """Watched while alive, then logically expired: EXEC fails whether or not someone deleted it
    by accessing it (isWatchedKeyExpired / the expiry deletion touching it)."""
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "SET k v PX 30", "WATCH k")
        past_deadline(30)
        out += run(other, {"none": "PING", "get": "GET k", "exists": "EXISTS k", "set": "SET k new",
                           "select-other-db": "SELECT 1"}[access])
        out += run(c, "MULTI", "PING", "EXEC", "DBSIZE")
        assert out[-2] == NULL_EXEC[s.proto]
        return out
    run_both(apus, redis, proto, scenario)


def test_watched_key_expires_actively(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = run(c, "SET k v PX 20", "WATCH k")
        assert wait_for(lambda: s.ctl.command("DBSIZE") == b":0\r\n"), "active expiry did not run"
        out += run(c, "MULTI", "PING", "EXEC")
        assert out[-1] == NULL_EXEC[s.proto]
        return out
    run_both(apus, redis, proto, scenario)


def test_watched_key_with_future_ttl_does_not_fail(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        return run(c, "SET k v EX 100", "WATCH k", "MULTI", "PING", "EXEC")
    assert run_both(apus, redis, proto, scenario)[-1] == PONG_EXEC


@pytest.mark.parametrize("change,aborts", [
    ("PING", False),               # WATCH stale keys should not fail EXEC
    ("EXISTS k", False),           # its deletion by expiry is no change
    ("GET k", False),
    ("DEL k", False),
    ("FLUSHDB", False),
    ("FLUSHALL", False),
    ("SET k new", True),           # but a new value is
    ("RPUSH k a", True),
])
def test_key_already_expired_when_watched(apus, redis, proto, no_active_expiry, change, aborts):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "SET k foo PX 1")
        past_deadline(1)
        out += run(c, "WATCH k")
        out += run(other, change)
        out += run(c, "MULTI", "PING", "EXEC")
        assert out[-1] == (NULL_EXEC[s.proto] if aborts else PONG_EXEC), out[-1]
        return out
    run_both(apus, redis, proto, scenario)


@pytest.mark.parametrize("case", ["stale-replaced-by-nothing", "nothing-replaced-by-stale",
                                  "stale-replaced-by-stale", "stale-replaced-by-live"])
def test_swapdb_and_stale_watched_keys(apus, redis, proto, no_active_expiry, case):
    """multi.tcl's SWAPDB cases: an expired key replaced by no key, no key by an expired key, an
    expired key by another: no change; an expired key by a live one: a change."""
    def scenario(s):
        c = s.connect()
        if case == "stale-replaced-by-nothing":
            out = run(c, "SELECT 1", "SET k foo PX 1")
        elif case == "nothing-replaced-by-stale":
            out = run(c, "SELECT 0", "SET k foo PX 1", "SELECT 1")
        elif case == "stale-replaced-by-stale":
            out = run(c, "SELECT 1", "SET k foo PX 1", "SELECT 0", "SET k bar PX 1", "SELECT 1")
        else:
            out = run(c, "SELECT 1", "SET k foo PX 1", "SELECT 0", "SET k bar", "SELECT 1")
        past_deadline(1)
        out += run(c, "WATCH k", "SWAPDB 0 1", "MULTI", "PING", "EXEC", "SELECT 0")
        assert out[-2] == (NULL_EXEC[s.proto] if case == "stale-replaced-by-live" else PONG_EXEC), out[-2]
        return out
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# What forgets the watched keys
# ===========================================================================

@pytest.mark.parametrize("forget", [
    ["UNWATCH"],
    ["MULTI", "DISCARD"],                              # DISCARD clears the dirty flag and unwatches
    ["MULTI", "PING", "EXEC"],                         # a failed EXEC unwatches
    ["MULTI", "NOSUCHCOMMAND", "EXEC"],                # an EXECABORT too
    ["EXEC x"],                                        # an EXEC refused outside MULTI too
    ["RESET"],
])
def test_forgetting_watched_keys(apus, redis, proto, forget):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "SET x 30", "WATCH x")
        out += run(other, "SET x 40")
        out += run(c, *forget)
        out += run(other, "SET x 50")
        out += run(c, "MULTI", "INCR x", "EXEC")
        assert out[-1] == b"*1\r\n:51\r\n", out[-1]
        return out
    run_both(apus, redis, proto, scenario)


def test_successful_exec_unwatches(apus, redis, proto):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "SET x 30", "WATCH x", "MULTI", "PING", "EXEC")
        out += run(other, "SET x 40")
        out += run(c, "MULTI", "PING", "EXEC")
        assert out[-1] == PONG_EXEC
        return out
    run_both(apus, redis, proto, scenario)


def test_watch_same_key_twice(apus, redis, proto):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "WATCH k", "WATCH k k")
        out += run(other, "SET k 1")
        out += run(c, "MULTI", "PING", "EXEC")
        out += run(c, "WATCH k", "WATCH k", "UNWATCH")
        out += run(other, "SET k 2")
        out += run(c, "MULTI", "PING", "EXEC")
        assert out[5] == NULL_EXEC[s.proto] and out[-1] == PONG_EXEC
        return out
    run_both(apus, redis, proto, scenario)


def test_watch_after_touched_still_fails(apus, redis, proto):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "WATCH a")
        out += run(other, "SET a 1")
        out += run(c, "WATCH b c", "MULTI", "PING", "EXEC")
        out += run(other, "SET b 1")
        out += run(c, "MULTI", "PING", "EXEC")
        assert out[5] == NULL_EXEC[s.proto] and out[-1] == PONG_EXEC
        return out
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# Blocking commands inside MULTI, and transactions seen by blocked clients
# ===========================================================================

BLOCKING_FORMS = [
    "BLPOP empty 0", "BRPOP empty empty2 0", "BRPOPLPUSH empty dst 0", "BLMOVE empty dst LEFT LEFT 0",
    "BZPOPMIN emptyz 0", "BZPOPMAX emptyz 0", "BLMPOP 0 2 empty empty2 LEFT", "BZMPOP 0 1 emptyz MIN COUNT 3",
]


def test_blocking_commands_inside_multi_do_not_block(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = run(c, "MULTI", *BLOCKING_FORMS)
        out.append(c.command("EXEC"))
        out.append(s.blocked())
        return out
    out = run_both(apus, redis, proto, scenario)
    null = b"*-1\r\n" if proto == 2 else b"_\r\n"
    nullbulk = b"$-1\r\n" if proto == 2 else b"_\r\n"
    assert out[-2] == b"*8\r\n" + null * 2 + nullbulk * 2 + null * 4


def test_blocking_commands_inside_multi_pop_what_is_there(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        return run(c, "RPUSH l a b c d", "ZADD z 1 a 2 b 3 c", "MULTI", "BLPOP l 0", "BRPOP l 0",
                   "BLMOVE l dst LEFT RIGHT 0", "BRPOPLPUSH l dst 0", "BLPOP l 0", "BZPOPMAX z 0",
                   "BZMPOP 0 1 z MIN COUNT 5", "BZPOPMIN z 0", "RPUSH l2 x", "BLMPOP 0 1 l2 RIGHT COUNT 3",
                   "EXEC", "LRANGE dst 0 -1")
    run_both(apus, redis, proto, scenario)


def test_blocked_client_sees_the_transaction_as_one_unit(apus, redis, proto):
    """Blocked clients are served after EXEC, from the state the whole transaction left."""
    def scenario(s):
        blocked, c = s.connect(), s.connect()
        out = []
        s.block(blocked, "BLPOP", "L", "0")
        out += run(c, "MULTI", "LPUSH L a", "LPUSH L b", "DEL L", "EXEC")
        out.append(nothing_yet(blocked))
        out += run(c, "MULTI", "LPUSH L a", "LPUSH L b", "EXEC")
        out.append(blocked.read_reply())
        out += run(c, "LRANGE L 0 -1", "DEL L")
        s.block(blocked, "BLPOP", "L", "0")
        out += run(c, "MULTI", "RPUSH L a", "LPOP L", "EXEC")
        out.append(nothing_yet(blocked))
        out += run(c, "MULTI", "RPUSH L a", "DEL L", "SET L str", "EXEC")
        out.append(nothing_yet(blocked))
        out += run(c, "DEL L", "RPUSH L z")
        out.append(blocked.read_reply())
        out.append(s.blocked())
        return out
    run_both(apus, redis, proto, scenario)


def test_transaction_serves_several_blocked_clients(apus, redis, proto):
    def scenario(s):
        a, b, z, c = s.connect(), s.connect(), s.connect(), s.connect()
        s.block(a, "BLPOP", "L", "0")
        s.block(b, "BLMOVE", "L", "M", "RIGHT", "LEFT", "0")
        s.block(z, "BZPOPMIN", "Z", "0")
        out = run(c, "MULTI", "RPUSH L 1 2", "RPUSH L 3", "ZADD Z 2 two 1 one", "LRANGE L 0 -1", "ZCARD Z",
                  "EXEC")
        out += [a.read_reply(), b.read_reply(), z.read_reply()]
        out += run(c, "LRANGE L 0 -1", "LRANGE M 0 -1", "ZRANGE Z 0 -1")
        out.append(s.blocked())
        return out
    run_both(apus, redis, proto, scenario)


def test_blocked_client_chain_inside_transaction(apus, redis, proto):
    def scenario(s):
        a, b, c = s.connect(), s.connect(), s.connect()
        s.block(a, "BRPOPLPUSH", "src", "mid", "0")
        s.block(b, "BLPOP", "mid", "0")
        out = run(c, "MULTI", "RPUSH src x", "RPUSH src y", "EXEC")
        out += [a.read_reply(), b.read_reply()]
        out += run(c, "LRANGE src 0 -1", "LRANGE mid 0 -1")
        return out
    run_both(apus, redis, proto, scenario)


def test_exec_unblocks_nothing_for_a_transaction_on_other_keys(apus, redis, proto):
    def scenario(s):
        blocked, c = s.connect(), s.connect()
        s.block(blocked, "BLPOP", "L", "0")
        out = run(c, "MULTI", "RPUSH other a", "SELECT 1", "RPUSH L b", "EXEC", "SELECT 0")
        out.append(nothing_yet(blocked))
        out.append(s.blocked())
        out += run(c, "RPUSH L c")
        out.append(blocked.read_reply())
        return out
    run_both(apus, redis, proto, scenario)


def test_watched_list_served_to_a_blocked_client(apus, redis, proto):
    """A served BLMOVE pushing into a watched list is a change of that list."""
    def scenario(s):
        blocked, c, pusher = s.connect(), s.connect(), s.connect()
        s.block(blocked, "BLMOVE", "src", "L", "LEFT", "RIGHT", "0")
        out = run(c, "WATCH L")
        out += run(pusher, "RPUSH src a")
        out.append(blocked.read_reply())
        out += run(c, "MULTI", "PING", "EXEC")
        assert out[-1] == NULL_EXEC[s.proto]
        return out
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# INFO commandstats / errorstats / stats
# ===========================================================================

def stats_lines(raw):
    """INFO commandstats lines without the timings (usec, usec_per_call), sorted (Redis's
    command dict order is its hash order)."""
    body = parse(raw)[1].decode()
    lines = []
    for line in body.splitlines():
        if line.startswith("cmdstat_"):
            line = re.sub(r",usec=\d+,usec_per_call=[\d.]+", "", line)
        if line and not line.startswith("#"):
            lines.append(line)
    return sorted(lines)


def stat_fields(raw, names):
    body = parse(raw)[1].decode()
    fields = dict(l.split(":", 1) for l in body.splitlines() if ":" in l)
    return [(n, fields.get(n)) for n in names]


def test_commandstats_and_errorstats(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = run(c, "SET s x", "CONFIG RESETSTAT")
        out += run(c, "MULTI", "SET a 1", "INCR s", "GET", "EXEC")                     # EXECABORT: none ran
        out += run(c, "MULTI", "SET a 1", "INCR s", "LPUSH s x", "GET a", "INCR a", "EXEC")  # 2 failed inside
        out += run(c, "EXEC", "DISCARD", "MULTI", "MULTI", "WATCH x", "DISCARD")
        out += run(c, "WATCH x", "SET x 1", "MULTI", "GET x", "EXEC")                    # null: not failed
        out += run(c, "MULTI", "EXEC x")                                                # rejected EXEC
        out += run(c, "MULTI", "FOO", "CONFIG NOPE", "SHUTDOWN", "EXEC", "UNWATCH")
        out.append(stats_lines(c.command("INFO", "commandstats")))
        out.append(stats_lines(c.command("INFO", "errorstats")))
        out.append(stat_fields(c.command("INFO", "stats"),
                               ["total_commands_processed", "total_error_replies", "unexpected_error_replies"]))
        return out
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# Client state: RESET, QUIT, disconnects, SELECT, pipelines, CLIENT LIST
# ===========================================================================

def test_reset_inside_multi(apus, redis, proto):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "SET k 1", "WATCH k", "SELECT 2", "MULTI", "SET a 1")
        out.append(c.command("RESET"))
        out += run(other, "SET k 2")
        out += run(c, "EXEC", "GET a", "MULTI", "GET k", "EXEC")
        out += run(other, "SELECT 2", "EXISTS a")
        return out
    out = run_both(apus, redis, proto, scenario)
    assert out[5] == b"+RESET\r\n" and out[7] == b"-ERR EXEC without MULTI\r\n"


def test_quit_inside_multi(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = run(c, "MULTI", "SET a 1", "QUIT")
        out.append(c.is_closed())
        out += run(s.ctl, "EXISTS a")
        return out
    assert run_both(apus, redis, proto, scenario)[3] is True


@pytest.mark.parametrize("state", ["watching", "in-multi", "in-multi-after-refusal", "watching-in-multi"])
def test_disconnect_mid_transaction(apus, redis, proto, state):
    def scenario(s):
        c = s.connect()
        listed = b"id=%d " % int(c.command("CLIENT", "ID")[1:-2])
        assert listed in s.ctl.command("CLIENT", "LIST")
        if state == "watching":
            run(c, "SET k v", "WATCH k x y")
        elif state == "in-multi":
            run(c, "MULTI", "SET a 1", "SET k other")
        elif state == "in-multi-after-refusal":
            run(c, "MULTI", "SET a 1", "FOO")
        else:
            run(c, "WATCH k", "MULTI", "SET a 1")
        c.close()
        s.clients.remove(c)
        assert wait_for(lambda: listed not in s.ctl.command("CLIENT", "LIST")), "the server kept the client"
        # The watched keys were forgotten with the client: touching them must be harmless.
        out = run(s.ctl, "SET k changed", "DEL x", "FLUSHDB", "SWAPDB 0 1", "EXISTS a", "PING")
        d = s.connect()
        out += run(d, "WATCH k", "MULTI", "PING", "EXEC")
        return out
    run_both(apus, redis, proto, scenario)


def test_big_arguments_and_replies_inside_exec(apus, redis, proto):
    """Queued arguments are copies: big values survive the query buffer being reused, and
    big replies (sent by reference) keep their bytes."""
    big = "x" * 100000 + "end"

    def scenario(s):
        c = s.connect()
        out = run(c, "MULTI", ["SET", "big", big], ["APPEND", "big", big], "GET big", "STRLEN big",
                  ["RPUSH", "l", big, "small", big], "LRANGE l 0 -1", "PING")
        # More traffic between queueing and EXEC reuses the query buffer.
        out += run(c, ["ECHO", "y" * 50000], "EXEC", "STRLEN big")
        return out
    run_both(apus, redis, proto, scenario)


def test_client_commands_inside_exec(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        return run(c, "SET a 0", "MULTI", "INCR a", "CLIENT KILL SKIPME no ID 999999", "CLIENT NO-EVICT on",
                   "CLIENT SETNAME txclient", "CLIENT GETNAME", "INCR a", "EXEC", "CLIENT GETNAME")
    run_both(apus, redis, proto, scenario)


def test_select_inside_multi_persists_after_exec(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        return run(c, "MULTI", "SELECT 3", "SET a 3", "SELECT 4", "SET a 4", "EXEC", "GET a", "SELECT 3", "GET a",
                   "MULTI", "SELECT 5", "SELECT 99", "DISCARD", "GET a")
    run_both(apus, redis, proto, scenario)


def test_pipelined_transactions(apus, redis, proto):
    def scenario(s):
        c, other = s.connect(), s.connect()
        commands = [["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["EXEC"],
                    ["WATCH", "a"], ["MULTI"], ["GET", "a"], ["NOSUCH"], ["EXEC"],
                    ["MULTI"], ["RPUSH", "l", "x", "y"], ["LRANGE", "l", "0", "-1"], ["HSET", "h", "f", "v"],
                    ["HGETALL", "h"], ["EXEC"], ["MULTI"], ["DISCARD"], ["GET", "a"]]
        out = c.pipeline(commands)
        # Many transactions in one write, interleaved with another client's change.
        out += run(c, "WATCH a")
        out += run(other, "SET a 10")
        out += c.pipeline([["MULTI"], ["INCR", "a"], ["EXEC"]] * 3)
        return out
    run_both(apus, redis, proto, scenario)


def client_list_fields(raw):
    """CLIENT LIST / INFO lines reduced to flags, multi and cmd (ids, addresses, ages and
    memory figures are per process)."""
    text = parse(raw)[1].decode()
    return sorted(" ".join(re.findall(r"\b(?:flags|multi|cmd)=\S*", line)) for line in text.splitlines() if line)


def test_client_list_shows_transactions(apus, redis, proto):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = run(c, "MULTI", "SET a 1", "GET a")
        out.append(client_list_fields(other.command("CLIENT", "LIST")))
        out += run(c, "FOO")
        out.append(client_list_fields(other.command("CLIENT", "LIST")))
        out += run(c, "EXEC", "MULTI", "CLIENT INFO")
        out.append(re.findall(rb"\b(?:flags|multi|cmd)=\S*", c.command("EXEC")))  # as seen inside EXEC
        out.append(client_list_fields(other.command("CLIENT", "LIST")))
        return out
    run_both(apus, redis, proto, scenario)


def test_client_list_cmd_after_refused_commands(apus, redis, proto):
    def scenario(s):
        c, other = s.connect(), s.connect()
        out = []
        for command in ("NOSUCHCOMMAND", "GET", "CONFIG NOPE", "CONFIG", "GET a"):
            out += run(c, command)
            out.append(client_list_fields(other.command("CLIENT", "LIST")))
        return out
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# Commands whose behaviour depends on being run by EXEC
# (MONITOR and SUBSCRIBE are being implemented by other engineers.)
# ===========================================================================

def test_monitor_inside_exec_is_refused(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        return run(c, "MULTI", "MONITOR", "PING", "EXEC", "PING")
    run_both(apus, redis, proto, scenario)


def test_subscribe_inside_exec(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = run(c, "MULTI", "SUBSCRIBE ch", "PING", "EXEC")
        out += run(c, "PING", "UNSUBSCRIBE", "PING")
        return out
    run_both(apus, redis, proto, scenario)


def monitor_lines(frames):
    """MONITOR lines without the timestamp and the client address."""
    out = []
    for raw in frames:
        if raw == NOTHING:
            out.append(raw)
            continue
        node = parse(raw)
        text = node[1] if node[0] in "+$" else raw
        out.append(re.sub(rb"^\d+\.\d+ \[(\d+) [^\]]*\]", rb"[\1]", text))
    return out


def test_monitor_sees_a_transaction(apus, redis, proto):
    """MONITOR shows MULTI, each queued command as EXEC runs it, then EXEC (fed after its
    commands); a refused EXEC is shown too (execCommandAbort); unknown commands are not."""
    def scenario(s):
        m, c = s.connect(), s.connect()
        out = run(m, "MONITOR")
        out += run(c, "MULTI", "SET a 1", "GET a", "EXEC", "MULTI", "NOSUCH", "EXEC", "MULTI", "EXEC x")
        out += monitor_lines(replies_within(m, 8))
        out.append(nothing_yet(m))
        return out
    run_both(apus, redis, proto, scenario)


def test_client_pause_write_and_transactions(apus, redis, proto):
    """CLIENT PAUSE WRITE (7.0): MULTI and queued reads go on; a queued write waits to be
    queued; an EXEC of a transaction with writes waits; one of reads only runs."""
    def scenario(s):
        c = s.connect()
        out = []
        try:
            out += run(s.ctl, "CLIENT PAUSE 20000 WRITE")
            out += run(c, "MULTI", "GET x")
            c.send_command("SET", "x", "1")
            out.append(nothing_yet(c))
            out += run(s.ctl, "CLIENT UNPAUSE")
            out += replies_within(c, 1)
            out += run(s.ctl, "CLIENT PAUSE 20000 WRITE")
            c.send_command("EXEC")
            out.append(nothing_yet(c))
            out += run(s.ctl, "CLIENT UNPAUSE")
            out += replies_within(c, 1)
            out += run(s.ctl, "CLIENT PAUSE 20000 WRITE")
            out += run(c, "MULTI", "GET x", "EXEC")
        finally:
            s.ctl.command("CLIENT", "UNPAUSE")
        return out
    run_both(apus, redis, proto, scenario)
