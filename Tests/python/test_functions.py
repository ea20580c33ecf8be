"""FUNCTION and FCALL against redis-server 7.0.15: every FUNCTION subcommand and its errors,
the load sandbox and register_function's forms, FCALL results and errors in RESP2 and RESP3,
script flags with FCALL_RO, DUMP/RESTORE payloads moving between the servers, the libraries in
the RDB (DEBUG RELOAD, restart, the other server's file) and the AOF (RDB preamble and command
form), a redis-server replica of Apus, and redis-py's function API."""

import os

import pytest
import redis as redispy

from support.aof import aof_dir, read_aof_file, start_in, wait_for_rewrite
from support.integration import wait_until
from support.servers import redis_binary

LIB = """#!lua name=t
redis.register_function('nog', function(keys, args) return x end)
redis.register_function('setg', function(keys, args) x = 1 end)
redis.register_function('strmod', function(keys, args) string.foo = 1 return 1 end)
redis.register_function('err', function(keys, args) error('boom') end)
redis.register_function('errt', function(keys, args) return redis.error_reply('MY bad') end)
redis.register_function('raise', function(keys, args) error({err='XX raised'}) end)
redis.register_function('callerr', function(keys, args) return redis.call('incr', 'nope', 'x') end)
redis.register_function('dbg', function(keys, args) return debug end)
redis.register_function('ka', function(keys, args) return {keys, args} end)
redis.register_function('set', function(keys, args) return redis.call('set', keys[1], args[1]) end)
redis.register_function('g', function(keys, args) return KEYS end)
redis.register_function('reg', function(keys, args) redis.register_function('zz', function() end) end)
redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='read only'}
redis.register_function{function_name='rw', callback=function(keys, args) return redis.call('set', keys[1], 'v') end, flags={'no-writes'}}
redis.register_function('gmod', function(keys, args) _G.x = 1 end)
redis.register_function('strmt', function(keys, args) local mt = getmetatable('') mt.__index.foo = 1 end)
redis.register_function('localt', function(keys, args) local t = {} t.x = 1 setmetatable(t, {}) return t.x end)
redis.register_function('nargs', function(keys, args) return #args end)
redis.register_function('gstr', function(keys, args) _G.string.foo = 1 end)
redis.register_function('redismod', function(keys, args) redis.call = nil end)
redis.register_function('pcallro', function(keys, args) return {pcall(function() x = 1 end)} end)
redis.register_function('keysmod', function(keys, args) keys[1] = 'z' return keys[1] end)
redis.register_function('strings', function(keys, args) return string.upper(args[1]) .. ('x'):rep(3) end)
redis.register_function('concat', function(keys, args) return table.concat(args, '-') end)
redis.register_function('resp3', function(keys, args) redis.setresp(3) return redis.call('hgetall', keys[1]) end)
redis.register_function('types', function(keys, args) return {1, 'two', 3.7, true, false, {ok='fine'}} end)
redis.register_function('incr', function(keys, args) return redis.call('incr', keys[1]) end)
redis.register_function('rawg', function(keys, args) rawset(_G, 'x', 1) end)
redis.register_function('rawstr', function(keys, args) rawset(string, 'x', 1) end)
redis.register_function('rawown', function(keys, args) local t = {} rawset(t, 'x', 1) return t.x end)
redis.register_function('rawbad', function(keys, args) rawset(1, 2, 3) end)
redis.register_function('rawshort', function(keys, args) rawset({}, 2) end)
redis.register_function('rawnil', function(keys, args) rawset({}, nil, 1) end)
redis.register_function('strmtset', function(keys, args) local mt = getmetatable('') mt.__index = nil end)
redis.register_function('method', function(keys, args) return ('abc'):upper() end)
redis.register_function('setmtg', function(keys, args) setmetatable(_G, nil) end)
redis.register_function('setmtstr', function(keys, args) setmetatable(string, nil) end)
redis.register_function('pairsstr', function(keys, args) local n = 0 for k, v in pairs(string) do n = n + 1 end return n end)
redis.register_function('pairsmath', function(keys, args) local n = 0 for k, v in pairs(math) do n = n + 1 end return n end)
redis.register_function('pairsown', function(keys, args) local r = {} for k, v in pairs({a=1}) do r[#r+1] = k end return r end)
redis.register_function('mtype', function(keys, args) return type(getmetatable(_G)) .. type(getmetatable('')) end)
redis.register_function('rawgetstr', function() return type(rawget(string, 'len')) end)
redis.register_function('nextstr', function() return type(next(string)) end)
redis.register_function('nextbadkey', function() return next({}, 'x') end)
redis.register_function('rawgetbad', function() return rawget(1) end)
redis.register_function('nextloop', function() local n = 0 for k in next, math do n = n + 1 end return n end)
redis.register_function('pairsbad', function(keys, args) return pairs(1) end)
redis.register_function('mtgw', function() getmetatable(_G).x = 1 end)
redis.register_function('mtstrw', function() getmetatable('').x = 1 end)
redis.register_function('mtgidx', function() return tostring(rawget(getmetatable(_G), '__index') == nil) end)
redis.register_function('mtmt', function() return tostring(getmetatable(getmetatable(_G))) end)
redis.register_function('mtgset', function() setmetatable(getmetatable(_G), nil) end)
redis.register_function('ipairsown', function() local n = 0 for i in ipairs({5, 6, 7}) do n = n + 1 end return n end)
redis.register_function('insertstr', function() table.insert(string, 1) end)
redis.register_function('setmtown', function(keys, args) local t = setmetatable({}, {__index = function() return 7 end}) return t.x end)
"""

FUNCTIONS = ["nog", "setg", "strmod", "err", "errt", "raise", "callerr", "dbg", "ka", "set", "g",
             "reg", "ro", "rw", "gmod", "strmt", "localt", "nargs", "gstr", "redismod", "pcallro",
             "keysmod", "strings", "concat", "resp3", "types", "incr", "rawg", "rawstr", "rawown", "rawbad",
             "rawshort", "rawnil", "strmtset", "method", "setmtg", "setmtstr", "setmtown",
             "mtgw", "mtstrw", "mtgidx", "mtmt", "mtgset", "ipairsown", "insertstr",
             "pairsstr", "pairsmath", "pairsown", "pairsbad", "mtype",
             "rawgetstr", "nextstr", "nextbadkey", "rawgetbad", "nextloop"]

BAD_LIBRARIES = [
    "#!lua name=x\nredis.register_function('f1', function(keys, args) return redis.call('ping') end)",
    "#!lua name=x\nredis.call('ping')",
    "#!lua name=x\nreturn string.format('%d', 1)",
    "#!lua name=x\nlocal r = math.random()",
    "#!lua name=x\ny = 1",
    "#!lua name=x\nredis.foo = 1",
    "#!lua name=x\nerror('boom')",
    "#!lua name=x\n",
    "#!lua name=x",
    "lua name=x\n",
    "#!lua name=x-1\n",
    "#!lua name=x foo=bar\n",
    "#!lua name=x name=y\n",
    "#!lua\n",
    "#!luax name=x\n",
    "#! name=x\n",
    "#!lua \"name=x\n",
    "#!lua name=x\nredis.register_function('f-1', function() end)",
    "#!lua name=x\nredis.register_function('f2', function() end)\nredis.register_function('f2', function() end)",
    "#!lua name=x\nredis.register_function('f2', function() end",
    "#!lua name=x\nredis.register_function()",
    "#!lua name=x\nredis.register_function(1, 2, 3)",
    "#!lua name=x\nredis.register_function(function() end, 2)",
    "#!lua name=x\nredis.register_function({}, 2)",
    "#!lua name=x\nredis.register_function('x', 2)",
    "#!lua name=x\nredis.register_function(5)",
    "#!lua name=x\nredis.register_function{function_name='x'}",
    "#!lua name=x\nredis.register_function{callback=function() end}",
    "#!lua name=x\nredis.register_function{function_name='x', callback=1}",
    "#!lua name=x\nredis.register_function{function_name={}, callback=function() end}",
    "#!lua name=x\nredis.register_function{function_name='x', callback=function() end, flags='no-writes'}",
    "#!lua name=x\nredis.register_function{function_name='x', callback=function() end, flags={'bad'}}",
    "#!lua name=x\nredis.register_function{function_name='x', callback=function() end, description={}}",
    "#!lua name=x\nredis.register_function{function_name='x', callback=function() end, foo=1}",
    "#!lua name=x\nredis.register_function{[1]='x'}",
    "#!lua name=x\nredis.register_function{function_name='F1', callback=function() end}",
    "#!lua name=t\nredis.register_function('other', function() end)",
]

SUBCOMMAND_ERRORS = [
    ("FUNCTION", "LOAD"), ("FUNCTION", "LOAD", "REPLACE"), ("FUNCTION", "LOAD", "foo", "bar", "#!lua name=x"),
    ("FUNCTION", "LIST", "WITHCODE", "WITHCODE"), ("FUNCTION", "LIST", "LIBRARYNAME"),
    ("FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"), ("FUNCTION", "LIST", "foo"),
    ("FUNCTION", "DELETE"), ("FUNCTION", "DELETE", "nosuch"), ("FUNCTION", "DELETE", "a", "b"),
    ("FUNCTION", "FLUSH", "foo"), ("FUNCTION", "FLUSH", "sync", "async"), ("FUNCTION", "RESTORE"),
    ("FUNCTION", "RESTORE", "abc"), ("FUNCTION", "RESTORE", "abc", "foo"),
    ("FUNCTION", "RESTORE", "abc", "flush", "extra"), ("FUNCTION", "DUMP", "extra"),
    ("FUNCTION", "STATS", "extra"), ("FUNCTION", "KILL"), ("FUNCTION", "KILL", "x"), ("FUNCTION", "HELP"),
    ("FUNCTION", "foo"), ("FCALL",), ("FCALL", "x"), ("FCALL", "x", "0"), ("FCALL_RO", "x", "0"),
    ("FCALL", "ro", "x"), ("FCALL", "ro", "3", "a"), ("FCALL", "ro", "-1"),
]


def as_dict(entry):
    """A RESP2 map (a flat list of pairs, as redis-py returns it) as a dict."""
    return entry if isinstance(entry, dict) else dict(zip(entry[::2], entry[1::2]))


def library_names(c):
    return sorted(as_dict(entry)[b"library_name"] for entry in c.function_list())


def raw(srv, proto=2):
    c = srv.client()
    if proto == 3:
        c.command("HELLO", "3")
    return c


def both(apus, redis, proto=2):
    return raw(apus, proto), raw(redis, proto)


def same(a, r, *command):
    got, want = a.command(*command), r.command(*command)
    assert got == want, (command, got, want)
    return want


@pytest.fixture
def fresh(apus, redis):
    a, r = both(apus, redis)
    for c in (a, r):
        assert c.command("FUNCTION", "FLUSH") == b"+OK\r\n"
        c.command("FLUSHALL")
    yield a, r
    for c in (a, r):
        c.command("FUNCTION", "FLUSH")
        c.command("FLUSHALL")
        c.close()


def test_load_errors_match(fresh):
    a, r = fresh
    assert same(a, r, "FUNCTION", "LOAD", LIB) == b"$1\r\nt\r\n"
    for code in BAD_LIBRARIES:
        reply = same(a, r, "FUNCTION", "LOAD", code)
        assert reply.startswith(b"-") or code.startswith("#!lua name=x\nredis.register_function('f1'"), code
    assert same(a, r, "FUNCTION", "LOAD", BAD_LIBRARIES[0]) == b"-ERR Library 'x' already exists\r\n"


@pytest.mark.parametrize("proto", [2, 3])
def test_fcall_results_and_errors(apus, redis, proto):
    a, r = both(apus, redis, proto)
    try:
        for c in (a, r):
            c.command("FUNCTION", "FLUSH")
            c.command("FLUSHALL")
            c.command("HSET", "h", "f", "v")
        same(a, r, "FUNCTION", "LOAD", LIB)
        for name in FUNCTIONS:
            same(a, r, "FCALL", name, "1", "k1", "a2", "a3")
        same(a, r, "FCALL", "ka", "2", "a", "b", "c", "d")
        same(a, r, "FCALL", "RO", "1", "k1")
        assert same(a, r, "GET", "k1") == (b"$2\r\na2\r\n")
    finally:
        for c in (a, r):
            c.command("FUNCTION", "FLUSH")
            c.command("FLUSHALL")
            c.close()


def test_subcommand_errors_match(fresh):
    a, r = fresh
    same(a, r, "FUNCTION", "LOAD", LIB)
    for command in SUBCOMMAND_ERRORS:
        same(a, r, *command)


def test_flags_and_read_only_calls(fresh):
    a, r = fresh
    same(a, r, "FUNCTION", "LOAD", LIB)
    assert same(a, r, "FCALL_RO", "set", "1", "k", "v") == b"-ERR Can not execute a script with write flag using *_ro command.\r\n"
    assert same(a, r, "FCALL", "set", "1", "k", "v") == b"+OK\r\n"
    assert same(a, r, "FCALL_RO", "ro", "1", "k") == b"$1\r\nv\r\n"
    assert same(a, r, "FCALL", "rw", "1", "k").startswith(b"-ERR Write commands are not allowed from read-only scripts.")
    same(a, r, "FUNCTION", "LOAD", "#!lua name=flags\nredis.register_function{function_name='all', "
         "callback=function() return 1 end, description='d', flags={'allow-oom', 'NO-WRITES', 'allow-stale', "
         "'no-cluster', 'allow-cross-slot-keys'}}")
    for proto in (2, 3):
        if proto == 3:
            assert a.command("HELLO", "3").startswith(b"%")
            r.command("HELLO", "3")
        same(a, r, "FUNCTION", "LIST", "LIBRARYNAME", "FL*", "WITHCODE")
        same(a, r, "FUNCTION", "LIST", "LIBRARYNAME", "nomatch")
        same(a, r, "FUNCTION", "STATS")
        same(a, r, "FCALL_RO", "all", "0")
    a.command("HELLO", "2")
    r.command("HELLO", "2")


def test_load_replace_delete_and_stats(fresh):
    a, r = fresh
    one = "#!lua name=one\nredis.register_function('one', function() return 1 end)"
    same(a, r, "FUNCTION", "LOAD", one)
    assert same(a, r, "FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('ONE', function() end)") \
        == b"-ERR Function ONE already exists\r\n"
    same(a, r, "FUNCTION", "LOAD", "REPLACE", "REPLACE",
         "#!lua name=one\nredis.register_function('one', function() return 2 end)")
    assert same(a, r, "FCALL", "ONE", "0") == b":2\r\n"
    same(a, r, "FUNCTION", "LIST")
    same(a, r, "FUNCTION", "STATS")
    assert same(a, r, "FUNCTION", "DELETE", "one") == b"+OK\r\n"
    assert same(a, r, "FCALL", "one", "0") == b"-ERR Function not found\r\n"
    same(a, r, "FUNCTION", "LIST")
    for c in (a, r):
        info = c.command("INFO", "memory").decode()
        assert "number_of_functions:0\r\n" in info and "number_of_libraries:0\r\n" in info
    same(a, r, "FUNCTION", "LOAD", one)
    for c in (a, r):
        info = c.command("INFO", "memory").decode()
        assert "number_of_functions:1\r\n" in info and "number_of_libraries:1\r\n" in info
        assert "used_memory_vm_functions:" in info and "used_memory_functions:" in info


def test_dump_restore_between_servers(apus, redis):
    a, r = redispy.Redis(port=apus.port), redispy.Redis(port=redis.port)
    code = ("#!lua name=plib\n-- compressible compressible compressible compressible compressible\n"
            "redis.register_function('pf', function(keys, args) return redis.call('incr', keys[1]) end)")
    try:
        for c in (a, r):
            c.function_flush()
            c.function_load(code)
        assert a.function_dump() == r.function_dump()
        payload = r.function_dump()
        a.function_flush()
        assert a.function_restore(payload)
        assert a.fcall("pf", 1, "n") == 1
        with pytest.raises(redispy.ResponseError, match="^Library plib already exists$"):
            a.function_restore(payload)
        assert a.function_restore(payload, "REPLACE")
        assert a.function_restore(payload, "FLUSH")
        from_apus = a.function_dump()
        r.function_flush()
        assert r.function_restore(from_apus)
        assert r.fcall("pf", 1, "n") == 1
        other = "#!lua name=clash\nredis.register_function('pf', function() return 0 end)"
        for c in (a, r):
            c.function_flush()
            c.function_load(other)
        errors = []
        for c in (a, r):
            with pytest.raises(redispy.ResponseError) as e:
                c.function_restore(payload, "REPLACE")
            errors.append(str(e.value))
        assert errors[0] == errors[1] == "Function pf already exists"
        r.set("k", "v")
        key_payload = r.dump("k")
        corrupt = payload[:-1] + bytes([payload[-1] ^ 1])
        for bad in (key_payload, corrupt):
            got = []
            for c in (a, r):
                with pytest.raises(redispy.ResponseError) as e:
                    c.function_restore(bad)
                got.append(str(e.value))
            assert got[0] == got[1]
    finally:
        for c in (a, r):
            c.function_flush()
            c.flushall()


def test_redispy_function_api(apus):
    r = redispy.Redis(port=apus.port, decode_responses=True)
    r.function_flush()
    try:
        assert r.function_load("#!lua name=py\nredis.register_function('add', function(keys, args) "
                               "return redis.call('incrby', keys[1], args[1]) end)\n"
                               "redis.register_function{function_name='get', callback=function(keys) "
                               "return redis.call('get', keys[1]) end, flags={'no-writes'}}") == "py"
        assert r.fcall("add", 1, "n", 5) == 5
        assert r.fcall_ro("get", 1, "n") == "5"
        listed = [as_dict(entry) for entry in r.function_list(library="p*", withcode=True)]
        assert listed[0]["library_name"] == "py" and listed[0]["library_code"].startswith("#!lua name=py")
        assert sorted(as_dict(f)["name"] for f in listed[0]["functions"]) == ["add", "get"]
        assert r.function_delete("py")
        assert r.function_list() == []
    finally:
        r.function_flush()
        r.delete("n")


CODE = "#!lua name=keep\nredis.register_function('keep', function(keys) return redis.call('incr', keys[1]) end)"


def test_rdb_debug_reload_restart_and_interop(tmp_path):
    datadir = str(tmp_path)
    srv = start_in(datadir)
    try:
        c = redispy.Redis(port=srv.port)
        c.function_load(CODE)
        c.set("k", "v")
        assert c.execute_command("DEBUG", "RELOAD") == b"OK"
        assert c.fcall("keep", 1, "n") == 1
        c.save()
    finally:
        srv.stop()
    with open(os.path.join(datadir, "dump.rdb"), "rb") as f:
        data = f.read()
    # FUNCTION2 right after the AUX fields, before the first SELECTDB (the code LZF-compressed).
    after_aux = data.index(b"aof-base\xc0\x00") + len(b"aof-base\xc0\x00")
    assert data[after_aux] == 0xF5 and data.index(b"\xfe\x00") > after_aux
    srv = start_in(datadir)
    try:
        c = redispy.Redis(port=srv.port)
        assert c.fcall("keep", 1, "n") == 2
    finally:
        srv.stop()
    # redis-server loads Apus's file, and Apus loads redis-server's.
    ref = start_in(datadir, binary=redis_binary(), name="redis")
    try:
        c = redispy.Redis(port=ref.port)
        assert c.fcall("keep", 1, "n") == 2
        c.function_load("#!lua name=fromredis\nredis.register_function('fr', function() return 'r' end)")
        c.save()
    finally:
        ref.stop()
    srv = start_in(datadir)
    try:
        c = redispy.Redis(port=srv.port)
        assert c.fcall("fr", 0) == b"r"
        assert library_names(c) == [b"fromredis", b"keep"]
    finally:
        srv.stop()


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_restart_and_rewrite(tmp_path, preamble):
    datadir = str(tmp_path)
    args = ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble]
    srv = start_in(datadir, args)
    try:
        c = redispy.Redis(port=srv.port)
        c.function_load(CODE)
        c.function_load("#!lua name=gone\nredis.register_function('gone', function() return 1 end)")
        c.function_delete("gone")
        assert c.fcall("keep", 1, "n") == 1
    finally:
        srv.stop()
    srv = start_in(datadir, args)
    try:
        c = redispy.Redis(port=srv.port)
        assert library_names(c) == [b"keep"]
        assert c.fcall("keep", 1, "n") == 2
        c.bgrewriteaof()
        wait_for_rewrite(c)
    finally:
        srv.stop()
    base = [n for n in os.listdir(aof_dir(datadir)) if ".base." in n]
    assert len(base) == 1
    data = read_aof_file(datadir, base[0])
    if preamble == "no":
        load = b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$%d\r\n%s\r\n" % (len(CODE), CODE.encode())
        assert data.startswith(load)
    else:
        after_aux = data.index(b"aof-base\xc0\x01") + len(b"aof-base\xc0\x01")
        assert data.startswith(b"REDIS") and data[after_aux] == 0xF5
    srv = start_in(datadir, args)
    try:
        c = redispy.Redis(port=srv.port)
        assert c.fcall("keep", 1, "n") == 3
    finally:
        srv.stop()


def test_redis_replica_receives_functions_and_effects(apus_factory, redis_factory):
    master = apus_factory()
    m = redispy.Redis(port=master.port)
    m.function_load(CODE)
    replica = redis_factory(["--replicaof", "127.0.0.1", str(master.port)])
    s = redispy.Redis(port=replica.port)
    wait_until(lambda: s.info("replication")["master_link_status"] == "up", timeout=20, what="sync")
    assert library_names(s) == [b"keep"]
    m.function_load("#!lua name=late\nredis.register_function('late', function(keys) "
                    "return redis.call('set', keys[1], 'late') end)")
    assert m.fcall("late", 1, "lk") == b"OK"
    assert m.fcall("keep", 1, "n") == 1
    m.execute_command("WAIT", 1, 5000)
    wait_until(lambda: s.get("lk") == b"late" and s.get("n") == b"1", what="effects on the replica")
    assert library_names(s) == [b"keep", b"late"]
    m.function_delete("late")
    wait_until(lambda: library_names(s) == [b"keep"], what="delete replicated")


@pytest.mark.parametrize("diskless_load", ["disabled", "on-empty-db"])
def test_apus_replica_of_redis_gets_functions(apus_factory, redis_factory, diskless_load):
    master = redis_factory()
    m = redispy.Redis(port=master.port)
    m.function_load(CODE)
    replica = apus_factory(["--repl-diskless-load", diskless_load])
    s = redispy.Redis(port=replica.port)
    s.function_load("#!lua name=stale\nredis.register_function('stale', function() return 0 end)")
    s.replicaof("127.0.0.1", master.port)
    wait_until(lambda: s.info("replication")["master_link_status"] == "up", timeout=20, what="sync")
    # The full sync replaced the replica's own libraries with the master's.
    assert library_names(s) == [b"keep"]
    assert m.fcall("keep", 1, "n") == 1
    wait_until(lambda: s.get("n") == b"1", what="FCALL's effect")
    with pytest.raises(redispy.ResponseError, match="^You can.t write against a read only replica.$"):
        s.fcall("keep", 1, "n")


def test_monitor_sees_fcall_before_its_commands_and_flushall_keeps_libraries(fresh, apus, redis):
    a, r = fresh
    seen = []
    for srv, c in ((apus, a), (redis, r)):
        c.command("FUNCTION", "LOAD", CODE)
        monitor = srv.client()
        assert monitor.command("MONITOR") == b"+OK\r\n"
        c.command("FCALL", "keep", "1", "n")
        lines = [monitor.read_reply() for _ in range(2)]
        monitor.close()
        # "+<time> [<db> <address>] <arguments>": the address differs (the script's is "lua").
        seen.append([line.split(b"] ", 1)[1] for line in lines])
        assert c.command("FLUSHALL") == b"+OK\r\n"
        assert c.command("FCALL", "keep", "1", "n") == b":1\r\n"
    assert seen[0] == seen[1] == [b'"FCALL" "keep" "1" "n"\r\n', b'"incr" "n"\r\n']


def test_load_that_never_ends_times_out(fresh):
    a, r = fresh
    endless = "#!lua name=test\nlocal a = 1\nwhile 1 do a = a + 1 end"
    assert same(a, r, "FUNCTION", "LOAD", endless) == b"-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n"
    # The interpreter is usable afterwards (the hook is gone).
    same(a, r, "FUNCTION", "LOAD", "#!lua name=after\nlocal n = 0\nfor i = 1, 300000 do n = n + i end\n"
         "redis.register_function('after', function() local m = 0 for i = 1, 300000 do m = m + 1 end return m end)")
    assert same(a, r, "FCALL", "after", "0") == b":300000\r\n"


def test_busy_function_stats_and_kill(fresh, apus, redis):
    a, r = fresh
    observed = []
    for srv, c in ((apus, a), (redis, r)):
        c.command("CONFIG", "SET", "busy-reply-threshold", "50")
        c.command("FUNCTION", "LOAD", "#!lua name=busy\nredis.register_function('spin', function() "
                  "local a = 1 while true do a = a + 1 end end)\n"
                  "redis.register_function{function_name='spin_ro', flags={'no-writes'}, callback=function() "
                  "local a = 1 while true do a = a + 1 end end}")
        runner, other = srv.client(), srv.client()
        try:
            runner.send_command("FCALL", "spin", "0")
            wait_until(lambda: other.command("PING").startswith(b"-BUSY"), what="the function to be busy")
            seen = [other.command("PING"), other.command("SCRIPT", "KILL")]
            stats = other.command("FUNCTION", "STATS")
            # The duration is the only field that differs; its digits are cut out.
            head, _, tail = stats.partition(b"$11\r\nduration_ms\r\n:")
            seen.append(head + tail[tail.index(b"\r\n"):])
            seen += [other.command("FUNCTION", "KILL"), runner.read_reply(), other.command("PING")]
            runner.send_command("FCALL_RO", "spin_ro", "0")
            wait_until(lambda: other.command("PING").startswith(b"-BUSY"), what="the read-only function")
            seen += [other.command("FUNCTION", "KILL"), runner.read_reply()]
            observed.append(seen)
        finally:
            runner.close()
            other.close()
            c.command("CONFIG", "SET", "busy-reply-threshold", "5000")
    assert observed[0] == observed[1]
    assert observed[1][3] == b"+OK\r\n"
