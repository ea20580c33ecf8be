"""COMMAND GETKEYS and GETKEYSANDFLAGS against redis-server 7.0: Redis's key specs for every
command Apus serves, and the procedures of the commands whose specs are incomplete or whose
flags vary (SET, BITFIELD, SORT). Each command is probed with several generic argument
vectors, and a list of hand-written calls covers keywords (STORE, STREAMS), numkeys arguments
and the errors; replies are compared byte for byte in RESP2 and RESP3."""

from test_differential import open_pair, proto  # noqa: F401

CALLS = [
    ("lmpop", "2", "a", "b", "left"), ("zunionstore", "d", "2", "a", "b"), ("sort", "abc", "store", "def"),
    ("sort", "abc", "by", "store", "get", "store", "limit", "0", "store", "store", "x", "store", "y"),
    ("sort_ro", "abc", "store", "def"), ("set", "k", "v"), ("set", "k", "v", "get"), ("set", "k", "v", "EX", "1", "GET"),
    ("bitfield", "k", "get", "u8", "0"), ("bitfield", "k", "get", "u8", "0", "set", "u8", "0", "1"),
    ("bitfield", "k", "overflow", "sat"), ("bitfield", "k", "bad"), ("bitfield_ro", "k", "get", "u8", "0"),
    ("xread", "count", "1", "streams", "a", "b", "0", "0"), ("xread", "streams", "a", "b", "c"),
    ("xreadgroup", "group", "g", "c", "streams", "s1", "s2", ">", ">"), ("eval", "s", "0"), ("eval", "s", "2", "a", "b"),
    ("eval", "s", "3", "a"), ("evalsha", "x", "1", "k", "arg"), ("fcall", "f", "1", "k"), ("fcall_ro", "f", "0"),
    ("zunionstore", "d", "2", "a"), ("zunionstore", "d", "0", "a"), ("zunionstore", "d", "x", "a"),
    ("zinter", "2", "a", "b", "weights", "1", "2"), ("zdiff", "1", "a"), ("sintercard", "2", "a", "b", "limit", "1"),
    ("blmpop", "0", "2", "a", "b", "left"), ("bzmpop", "1", "1", "z", "min"), ("zmpop", "1", "z", "max"),
    ("georadius", "k", "0", "0", "1", "km", "store", "d"), ("georadius", "k", "0", "0", "1", "km", "storedist", "d"),
    ("georadiusbymember", "k", "m", "1", "km", "store", "d", "storedist", "e"), ("geosearchstore", "d", "s", "frommember", "m"),
    ("mset", "a", "1", "b", "2"), ("mset", "a", "1", "b"), ("msetnx", "a", "1"), ("mget", "a", "b", "c"),
    ("del", "a", "b"), ("rename", "a", "b"), ("lmove", "a", "b", "left", "right"), ("smove", "a", "b", "m"),
    ("copy", "a", "b"), ("object", "encoding", "k"), ("memory", "usage", "k"), ("config", "get", "x"),
    ("xinfo", "stream", "s"), ("xgroup", "create", "s", "g", "$"), ("pfmerge", "d", "a", "b"), ("pfcount", "a", "b"),
    ("watch", "a", "b"), ("exists", "a"), ("touch", "a", "b"), ("bitop", "and", "d", "a", "b"), ("lcs", "a", "b"),
    ("ping",), ("nocommand", "a"), ("get",), ("get", "a", "b"), ("config",), ("config", "nosub", "x"),
    ("client", "list"), ("publish", "c", "m"), ("spublish", "c", "m"), ("ssubscribe", "a", "b"), ("subscribe", "a"),
    ("object", "help"), ("debug", "object", "k"), ("restore", "k", "0", "x"), ("sunionstore", "d", "a", "b"),
    ("blpop", "a", "b", "0"), ("brpoplpush", "a", "b", "0"), ("bzpopmin", "a", "b", "0"), ("wait", "0", "0"),
]

GENERIC = [("a", "b", "c", "d", "e", "f"), ("2", "a", "b", "c", "d", "e"), ("a",), ("a", "b")]


def test_getkeys_calls(apus, redis, proto):
    p = open_pair(apus, redis, "getkeys", proto)
    try:
        for call in CALLS:
            p.cmd("COMMAND", "GETKEYS", *call)
            p.cmd("COMMAND", "GETKEYSANDFLAGS", *call)
        p.cmd("COMMAND", "GETKEYS")
        p.cmd("COMMAND", "GETKEYSANDFLAGS", "get")
    finally:
        p.close()


def test_getkeys_every_command(apus, redis, proto):
    """Every top-level command and subcommand Apus serves, probed with generic arguments."""
    p = open_pair(apus, redis, "getkeys-sweep", proto)
    try:
        names = [n.decode() for n in p.a.client.value("COMMAND", "LIST")] if hasattr(p.a, "client") else None
        if names is None:
            from support.resp import RespClient
            c = RespClient(port=apus.port)
            names = [n.decode() for n in c.value("COMMAND", "LIST")]
            c.close()
        for name in sorted(names):
            words = name.split("|")
            for args in GENERIC:
                p.cmd("COMMAND", "GETKEYSANDFLAGS", *words, *args)
    finally:
        p.close()
