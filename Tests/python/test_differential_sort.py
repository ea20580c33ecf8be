"""SORT and SORT_RO against real redis-server: the same setup and commands on both, replies
byte-identical in RESP2 and RESP3. Orders that Redis leaves to a hash table (unsorted sets in
hashtable encoding) are avoided: the sets here are intsets or sorted explicitly."""

import pytest

from support.scripted import assert_script_matches

SETUP = [
    ["RPUSH", "l", "3", "1", "2", "10", "-1", "2.5", "x"],
    ["RPUSH", "n", "3", "1", "2", "10", "-1", "2.5", " 4", ""],
    ["SADD", "s", "5", "3", "9", "1"],
    ["SADD", "sa", "b", "a", "c"],
    ["ZADD", "z", "1", "c", "2", "b", "3", "a"],
    ["MSET", "w_3", "30", "w_1", "10", "w_2", "20", "w_10", "1", "w_-1", "5", "w_2.5", "7", "w_", "2"],
    ["HSET", "h_3", "f", "c"], ["HSET", "h_1", "f", "a"], ["HSET", "h_2", "f", "b"],
    ["SET", "str", "x"],
]

COMMANDS = [
    ["SORT", "n"], ["SORT", "n", "DESC"], ["SORT", "l"], ["SORT", "l", "ALPHA"],
    ["SORT", "l", "ALPHA", "DESC", "LIMIT", "1", "3"], ["SORT", "n", "LIMIT", "0", "2"],
    ["SORT", "n", "LIMIT", "-5", "100"], ["SORT", "n", "LIMIT", "10", "2"], ["SORT", "n", "LIMIT", "2", "-1"],
    ["SORT", "n", "BY", "w_*"], ["SORT", "n", "BY", "w_*", "GET", "#", "GET", "w_*"],
    ["SORT", "n", "BY", "nosort"], ["SORT", "n", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
    ["SORT", "s"], ["SORT", "s", "BY", "nosort"], ["SORT", "sa", "ALPHA"], ["SORT", "sa"],
    ["SORT", "z"], ["SORT", "z", "BY", "nosort"], ["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "5"],
    ["SORT", "z", "ALPHA"], ["OBJECT", "ENCODING", "z"],
    ["SORT", "n", "BY", "h_*->f", "ALPHA", "GET", "h_*->f", "GET", "h_*->nope", "GET", "str->f"],
    ["SORT", "str"], ["SORT", "missing"], ["SORT", "missing", "ALPHA", "DESC"],
    ["SORT", "n", "STORE", "dst"], ["LRANGE", "dst", "0", "-1"], ["OBJECT", "ENCODING", "dst"],
    ["SORT", "sa", "BY", "nosort", "STORE", "dst2"], ["LRANGE", "dst2", "0", "-1"],
    ["SORT", "n", "GET", "w_*", "GET", "#", "STORE", "dst3"], ["LRANGE", "dst3", "0", "-1"],
    ["SORT", "missing", "STORE", "dst"], ["EXISTS", "dst"], ["SORT", "n", "LIMIT", "50", "1", "STORE", "dst3"],
    ["EXISTS", "dst3"], ["SORT_RO", "n", "STORE", "x"], ["SORT", "n", "LIMIT", "a", "1"], ["SORT", "n", "FOO"],
    ["SORT", "n", "GET"], ["SORT", "n", "LIMIT", "1"], ["SORT", "l", "GET", "nothing"],
    ["SORT", "n", "BY", "w_*", "DESC", "LIMIT", "1", "3"], ["SORT_RO", "n", "DESC"], ["SORT_RO"],
    ["SORT", "n", "BY", "missing_*"], ["SORT", "n", "BY", "missing_*", "ALPHA"],
    ["SORT", "n", "BY", "h_*->f"], ["SORT", "n", "ASC", "DESC", "ASC"],
]


@pytest.mark.parametrize("proto", [2, 3])
def test_sort_matches_redis(apus, redis, proto):
    assert_script_matches(apus, redis, proto, 9, SETUP, COMMANDS)
