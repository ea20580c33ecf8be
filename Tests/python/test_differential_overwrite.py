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
