"""Overwriting a key's string value (SET/SETEX/GETSET/MSET on an existing key), which Apus does
in place when it can: encodings, refcounts, lengths and TTLs must come out exactly as Redis's
freshly created objects do."""

import pytest

from support.scripted import assert_script_matches

LONG = "x" * 60
STEPS = [
    ["SET", "k", "abc"], ["OBJECT", "ENCODING", "k"], ["STRLEN", "k"],
    ["SET", "k", "123"], ["OBJECT", "ENCODING", "k"], ["OBJECT", "REFCOUNT", "k"],
    ["SET", "k", "99999"], ["OBJECT", "ENCODING", "k"], ["OBJECT", "REFCOUNT", "k"], ["GET", "k"],
    ["SET", "k", LONG], ["OBJECT", "ENCODING", "k"], ["GET", "k"],
    ["SET", "k", "short"], ["OBJECT", "ENCODING", "k"], ["GET", "k"], ["STRLEN", "k"],
    ["SET", "k", "-5"], ["OBJECT", "ENCODING", "k"], ["INCR", "k"], ["GET", "k"],
    ["SET", "k", "0123"], ["OBJECT", "ENCODING", "k"], ["GET", "k"],
    ["APPEND", "k", "45"], ["OBJECT", "ENCODING", "k"], ["SET", "k", "7"], ["OBJECT", "ENCODING", "k"],
    ["SET", "k", "v", "EX", "100"], ["TTL", "k"], ["SET", "k", "w"], ["TTL", "k"],
    ["SET", "k", "v", "EX", "100"], ["SET", "k", "ww", "KEEPTTL"], ["TTL", "k"], ["GET", "k"],
    ["SETEX", "k", "50", "abcdefgh"], ["TTL", "k"], ["GET", "k"], ["GETSET", "k", "12345678901"],
    ["OBJECT", "ENCODING", "k"], ["TTL", "k"], ["MSET", "k", "a", "k", "bb", "j", "1"], ["MGET", "k", "j"],
    ["OBJECT", "ENCODING", "k"], ["SET", "k", ""], ["GET", "k"], ["OBJECT", "ENCODING", "k"],
    ["SET", "k", "9223372036854775807"], ["OBJECT", "ENCODING", "k"], ["INCR", "k"],
    ["SET", "k", "12345678901234567890"], ["OBJECT", "ENCODING", "k"], ["GET", "k"],
]


@pytest.mark.parametrize("proto", [2, 3])
def test_overwrites_match_redis(apus, redis, proto):
    assert_script_matches(apus, redis, proto, 8, [], STEPS)


# Records are sized for their value, so a tiny string (with or without a TTL) may have no room
# for an integer or a buffer pointer: growing it, turning it into a number or giving it a TTL then
# stores a new record. Contents, encodings and TTLs must not notice.
TINY = [
    ["SET", "t", "ab", "EX", "100"], ["APPEND", "t", "c"], ["GET", "t"], ["TTL", "t"],
    ["OBJECT", "ENCODING", "t"], ["APPEND", "t", "x" * 300], ["STRLEN", "t"], ["TTL", "t"],
    ["OBJECT", "ENCODING", "t"], ["GETRANGE", "t", "0", "5"],
    ["SET", "u", "1"], ["APPEND", "u", "1"], ["OBJECT", "ENCODING", "u"], ["INCR", "u"],
    ["OBJECT", "ENCODING", "u"], ["OBJECT", "REFCOUNT", "u"], ["GET", "u"],
    ["SET", "v", "a"], ["EXPIRE", "v", "100"], ["APPEND", "v", "5"], ["TTL", "v"], ["INCRBY", "v", "3"],
    ["SET", "w", "ab", "EX", "100"], ["SET", "w", "123456789012", "KEEPTTL"], ["OBJECT", "ENCODING", "w"],
    ["TTL", "w"], ["INCR", "w"], ["GET", "w"], ["SET", "w", "z", "KEEPTTL"], ["SETRANGE", "w", "40", "q"],
    ["STRLEN", "w"], ["TTL", "w"], ["OBJECT", "ENCODING", "w"], ["PERSIST", "w"], ["EXPIRE", "w", "9"],
    ["TTL", "w"], ["SETRANGE", "x", "3", "ab"], ["GET", "x"], ["OBJECT", "ENCODING", "x"],
    ["SET", "y", "ab"], ["INCRBYFLOAT", "y", "1"], ["SET", "y", "5"], ["INCRBYFLOAT", "y", "1.5"],
    ["GET", "y"], ["OBJECT", "ENCODING", "y"], ["DBSIZE"],
]


@pytest.mark.parametrize("proto", [2, 3])
def test_tiny_records_grow_and_keep_ttls(apus, redis, proto):
    assert_script_matches(apus, redis, proto, 8, [], TINY)


# Keys too long for a slab block live in malloc'd records; every keyspace operation must work on them.
LONG_KEY = "k" * 1500
HUGE_KEY = "h" * 70000
LONG_KEYS = [
    ["SET", LONG_KEY, "v"], ["GET", LONG_KEY], ["EXPIRE", LONG_KEY, "100"], ["TTL", LONG_KEY],
    ["APPEND", LONG_KEY, "x" * 500], ["STRLEN", LONG_KEY], ["TTL", LONG_KEY], ["INCR", LONG_KEY],
    ["SET", LONG_KEY, "12", "KEEPTTL"], ["INCR", LONG_KEY], ["TTL", LONG_KEY],
    ["RENAME", LONG_KEY, HUGE_KEY], ["GET", HUGE_KEY], ["TTL", HUGE_KEY], ["PERSIST", HUGE_KEY],
    ["HSET", LONG_KEY, "f", "v"], ["HGETALL", LONG_KEY], ["COPY", LONG_KEY, "short"], ["HGETALL", "short"],
    ["SCAN", "0", "MATCH", "h*"], ["OBJECT", "ENCODING", HUGE_KEY], ["DEL", HUGE_KEY, LONG_KEY], ["DBSIZE"],
]


@pytest.mark.parametrize("proto", [2, 3])
def test_long_keys(apus, redis, proto):
    assert_script_matches(apus, redis, proto, 8, [], LONG_KEYS)
