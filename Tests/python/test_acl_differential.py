"""ACL against real redis-server 7.0.15: the same rules, logins and refused commands on both,
replies compared byte for byte in RESP2 and RESP3. Rule text whose single-command part Redis
emits in hash order is compared after putting that part in name order (support.acl)."""

import re

import pytest

from support.acl import log_client_info_fields, log_without_volatile, norm_rules, reset_acl
from support.resp import RespClient, parse
from support.servers import ServerProcess, apus_binary, redis_binary


@pytest.fixture(scope="module")
def pair():
    servers = [ServerProcess(apus_binary(), name="apus").start(), ServerProcess(redis_binary(), name="redis").start()]
    yield servers
    for s in servers:
        s.stop()


@pytest.fixture
def both(pair):
    for s in pair:
        reset_acl(s)
    yield pair
    for s in pair:
        reset_acl(s)


def connect(server, proto=2):
    c = RespClient(server.host, server.port)
    if proto == 3:
        c.command("HELLO", "3")
    return c


def same(a, r, *args, norm=None):
    got, want = a.command(*args), r.command(*args)
    if norm:
        got, want = norm(got), norm(want)
    assert got == want, "%s\napus : %r\nredis: %r" % (args, got, want)
    return want


SETUSER_STEPS = [
    ["ACL", "SETUSER", "plain"],
    ["ACL", "SETUSER", "alice", "on", ">p1", ">p2", "~cached:*", "&news", "+get", "+set"],
    ["ACL", "SETUSER", "alice", "<p1"],
    ["ACL", "SETUSER", "alice", "<nope"],
    ["ACL", "SETUSER", "bob", "on", "nopass", "+@all", "-@dangerous", "allkeys", "allchannels"],
    ["ACL", "SETUSER", "bob", "-debug", "+debug|object", "-config", "+config|get"],
    ["ACL", "SETUSER", "carol", "on", "#" + "a" * 64, "!" + "a" * 64, "#" + "b" * 64],
    ["ACL", "SETUSER", "carol", "#" + "A" * 64],
    ["ACL", "SETUSER", "carol", "#abc"],
    ["ACL", "SETUSER", "carol", "!" + "c" * 64],
    ["ACL", "SETUSER", "dave", "on", "nopass", "%R~read:*", "%W~write:*", "%RW~both:*", "~all:*", "%r~x", "%wR~y"],
    ["ACL", "SETUSER", "dave", "%X~bad"],
    ["ACL", "SETUSER", "dave", "%R"],
    ["ACL", "SETUSER", "dave", "~a b"],
    ["ACL", "SETUSER", "dave", "allkeys", "~more"],
    ["ACL", "SETUSER", "dave", "allchannels", "&more"],
    ["ACL", "SETUSER", "dave", "resetkeys", "resetchannels", "~k", "&c*"],
    ["ACL", "SETUSER", "erin", "on", "nopass", "+@hash", "+@string", "-append", "+select|0", "+select|1"],
    ["ACL", "SETUSER", "erin", "-select|0"],
    ["ACL", "SETUSER", "erin", "+config|get|maxmemory"],
    ["ACL", "SETUSER", "erin", "+debug|"],
    ["ACL", "SETUSER", "erin", "+nosuchcommand"],
    ["ACL", "SETUSER", "erin", "-@nosuchcat"],
    ["ACL", "SETUSER", "erin", "+@ALL"],
    ["ACL", "SETUSER", "erin", "nocommands", "+PING"],
    ["ACL", "SETUSER", "erin", "bogus"],
    ["ACL", "SETUSER", "erin", "+config|nosuch"],
    ["ACL", "SETUSER", "erin", "+get|x"],
    ["ACL", "SETUSER", "frank", "on", "nopass", "~a", "(~b +get)", "(~c", "+set)", "(%R~d +@read)"],
    ["ACL", "SETUSER", "frank", "(~e"],
    ["ACL", "SETUSER", "frank", "(+nosuch)"],
    ["ACL", "SETUSER", "frank", "(~x", "foo)"],
    ["ACL", "SETUSER", "frank", "clearselectors", "(allkeys allcommands)"],
    ["ACL", "SETUSER", "grace", "on", "skip-sanitize-payload", "allcommands", "-@all", "+@pubsub", "&*"],
    ["ACL", "SETUSER", "grace", "sanitize-payload", "resetpass", "off"],
    ["ACL", "SETUSER", "grace", "reset"],
    ["ACL", "SETUSER", "has space"],
    ["ACL", "SETUSER", "heidi", ""],
    ["ACL", "SETUSER", "ivan", "on", "nopass", "allcommands", "-@keyspace", "-@write", "+set", "+client", "-client|kill"],
    ["ACL", "SETUSER", "judy", "+@all", "-@all", "+acl", "-acl|setuser"],
]


@pytest.mark.parametrize("proto", [2, 3])
def test_setuser_getuser_list(both, proto):
    apus, redis = both
    with connect(apus, proto) as a, connect(redis, proto) as r:
        for step in SETUSER_STEPS:
            same(a, r, *step)
        for name in ["default", "plain", "alice", "bob", "carol", "dave", "erin", "frank", "grace",
                     "heidi", "ivan", "judy", "nosuchuser"]:
            same(a, r, "ACL", "GETUSER", name, norm=norm_rules)
        same(a, r, "ACL", "LIST", norm=norm_rules)
        same(a, r, "ACL", "USERS")
        same(a, r, "ACL", "GETUSER")
        same(a, r, "ACL", "DELUSER", "alice", "nosuch", "bob")
        same(a, r, "ACL", "DELUSER", "carol", "default")
        same(a, r, "ACL", "DELUSER", "carol")
        same(a, r, "ACL", "USERS")
        same(a, r, "ACL", "WHOAMI")
        same(a, r, "ACL", "NOSUCH")
        same(a, r, "ACL")
        same(a, r, "ACL", "HELP")
        same(a, r, "ACL", "WHOAMI", "extra")


def test_cat_every_category(both):
    apus, redis = both
    with connect(apus) as a, connect(redis) as r:
        categories = same(a, r, "ACL", "CAT")
        names = [x[1] for x in parse(categories)[1]]
        assert len(names) == 21
        for name in names + [n.upper() for n in names[:3]]:
            got = sorted(x[1] for x in parse(a.command("ACL", "CAT", name))[1])
            want = sorted(x[1] for x in parse(r.command("ACL", "CAT", name))[1])
            assert got == want, "ACL CAT %s: only apus %s, only redis %s" % (
                name, sorted(set(got) - set(want)), sorted(set(want) - set(got)))
            assert want
        for bad in (["ACL", "CAT", "nosuch"], ["ACL", "CAT", "a", "b"], ["ACL", "CAT", "all"]):
            same(a, r, *bad)


def test_describe_rules_after_category_changes(both):
    """The describing of rules picks categories by best fit; replaying it yields the same rights."""
    apus, redis = both
    with connect(apus) as a, connect(redis) as r:
        cases = [["+@all", "-@dangerous", "-@admin"], ["-@all", "+@read", "+@write", "-keys"],
                 ["-@all", "+@fast", "-@string", "+get"], ["+@all", "-@keyspace", "+del"],
                 ["-@all", "+@sortedset", "+@list", "-@blocking"], ["-@all", "+client", "+config|get", "+acl|whoami"],
                 ["+@all", "-client|kill", "-@geo", "+geoadd", "-select", "+select|0"],
                 ["-@all", "+@scripting", "+@transaction", "+@connection"]]
        for index, rules in enumerate(cases):
            same(a, r, "ACL", "SETUSER", "u%d" % index, *rules)
            same(a, r, "ACL", "GETUSER", "u%d" % index, norm=norm_rules)
            described = parse(a.command("ACL", "GETUSER", "u%d" % index))[1][5][1].split(b" ")
            same(a, r, "ACL", "SETUSER", "v%d" % index, *described)
            same(a, r, "ACL", "GETUSER", "v%d" % index, norm=norm_rules)
            for probe in (["get", "k"], ["set", "k", "v"], ["keys", "*"], ["client", "kill", "id", "1"],
                          ["config", "get", "x"], ["select", "0"], ["geoadd", "g", "1", "2", "m"], ["del", "k"]):
                same(a, r, "ACL", "DRYRUN", "v%d" % index, *probe)


def test_dryrun(both):
    apus, redis = both
    with connect(apus) as a, connect(redis) as r:
        same(a, r, "ACL", "SETUSER", "d", "on", "nopass", "+get", "+set", "+publish", "+subscribe", "+psubscribe",
             "+select|3", "+config|get", "%R~r*", "%W~w*", "~both", "&ch*", "(~sel* +lpush)")
        probes = [["get", "r1"], ["get", "w1"], ["set", "w1", "v"], ["set", "r1", "v"], ["get", "both"],
                  ["set", "both", "x"], ["get", "other"], ["lpush", "sel1", "x"], ["lpush", "r1", "x"],
                  ["publish", "chan", "m"], ["publish", "other", "m"], ["subscribe", "chx", "bad"],
                  ["psubscribe", "ch*"], ["psubscribe", "chx*"], ["select", "3"], ["select", "4"],
                  ["config", "get", "maxmemory"], ["config", "set", "a", "b"], ["config"], ["ping"],
                  ["get"], ["nosuch", "x"], ["config", "nosuch"], ["auth", "x"], ["mget", "r1", "w1"],
                  ["set", "w1", "v", "GET"]]
        for probe in probes:
            same(a, r, "ACL", "DRYRUN", "d", *probe)
        same(a, r, "ACL", "DRYRUN", "nosuchuser", "get", "x")
        same(a, r, "ACL", "DRYRUN", "d")
        same(a, r, "ACL", "DRYRUN", "default", "get", "x")


@pytest.mark.parametrize("proto", [2, 3])
def test_noperm_texts_and_log(both, proto):
    apus, redis = both
    with connect(apus, proto) as a0, connect(redis, proto) as r0, connect(apus, proto) as a, connect(redis, proto) as r:
        same(a0, r0, "ACL", "SETUSER", "limited", "on", ">pw", "+get", "+set", "+publish", "+subscribe",
             "+psubscribe", "+acl|whoami", "+multi", "+exec", "+sort", "%R~r*", "~k*", "&ok*")
        same(a, r, "AUTH", "limited", "pw")
        same(a, r, "ACL", "WHOAMI")
        steps = [["get", "k1"], ["get", "r1"], ["set", "r1", "v"], ["set", "k1", "v"], ["get", "zzz"],
                 ["del", "k1"], ["publish", "ok1", "m"], ["publish", "bad", "m"], ["config", "get", "x"],
                 ["acl", "list"], ["sort", "k1", "BY", "w*"], ["sort", "k1", "GET", "x"], ["sort", "k1", "BY", "nosort"],
                 ["set", "k2", "v", "GET"], ["psubscribe", "ok*"]]
        for step in steps:
            same(a, r, *step)
        same(a0, r0, "ACL", "LOG", norm=log_without_volatile)
        same(a0, r0, "ACL", "LOG", "2", norm=log_without_volatile)
        assert log_client_info_fields(a0.command("ACL", "LOG", "1"), b"user=") == [[b"user=limited"]]
        same(a0, r0, "ACL", "LOG", "-1")
        same(a0, r0, "ACL", "LOG", "x")
        same(a0, r0, "ACL", "LOG", "1", "2")
        same(a0, r0, "ACL", "LOG", "RESET")
        same(a0, r0, "ACL", "LOG")


def test_subscribe_channels(both):
    apus, redis = both
    with connect(apus) as a0, connect(redis) as r0, connect(apus) as a, connect(redis) as r:
        same(a0, r0, "ACL", "SETUSER", "sub", "on", "nopass", "+@pubsub", "&news.*", "&exact")
        same(a, r, "AUTH", "sub", "x")
        same(a, r, "SUBSCRIBE", "news.1", "other")
        same(a, r, "PSUBSCRIBE", "news.*")
        same(a, r, "PSUBSCRIBE", "news.1*")
        same(a, r, "SSUBSCRIBE", "bad")
        same(a, r, "SUBSCRIBE", "exact")
        same(a0, r0, "ACL", "LOG", norm=log_without_volatile)


def test_log_grouping_and_max_len(both):
    apus, redis = both
    with connect(apus) as a0, connect(redis) as r0, connect(apus) as a, connect(redis) as r:
        same(a0, r0, "ACL", "SETUSER", "g", "on", "nopass", "+get")
        same(a, r, "AUTH", "g", "x")
        for _ in range(3):
            same(a, r, "SET", "k", "v")
        same(a, r, "DEL", "k")
        same(a, r, "SET", "k", "v")
        same(a, r, "AUTH", "nosuch", "pw")
        same(a, r, "AUTH", "nosuch", "pw")
        same(a0, r0, "ACL", "LOG", norm=log_without_volatile)
        same(a0, r0, "CONFIG", "SET", "acllog-max-len", "2")
        for command in ("INCR", "DECR", "APPEND"):
            same(a, r, command, "k", *(["x"] if command == "APPEND" else []))
        same(a0, r0, "ACL", "LOG", norm=log_without_volatile)


def test_auth_hello_and_requirepass(both):
    apus, redis = both
    with connect(apus) as a, connect(redis) as r:
        same(a, r, "AUTH", "x")
        same(a, r, "AUTH", "default", "anything")
        same(a, r, "AUTH", "a", "b", "c")
        same(a, r, "CONFIG", "SET", "requirepass", "secret")
        same(a, r, "ACL", "LIST")
        same(a, r, "ACL", "GETUSER", "default")
        with connect(apus) as a2, connect(redis) as r2:
            same(a2, r2, "GET", "k")
            same(a2, r2, "HELLO", "3")
            same(a2, r2, "HELLO", "3", "AUTH", "default", "wrong")
            same(a2, r2, "AUTH", "wrong")
            same(a2, r2, "AUTH", "secret")
            same(a2, r2, "ACL", "WHOAMI")
            same(a2, r2, "RESET")
            same(a2, r2, "GET", "k")
            same(a2, r2, "HELLO", "2", "AUTH", "default", "secret", "SETNAME", "n",
                 norm=lambda raw: re.sub(rb"id\r\n:\d+", b"id\r\n:?", raw))
            same(a2, r2, "CLIENT", "GETNAME")
        same(a, r, "ACL", "SETUSER", "default", ">second")
        with connect(apus) as a2, connect(redis) as r2:
            same(a2, r2, "AUTH", "second")
            same(a2, r2, "PING")
        same(a, r, "ACL", "SETUSER", "other", "on", ">pw", "+@all", "~*")
        same(a, r, "ACL", "SETUSER", "off_user", "off", ">pw", "+@all")
        with connect(apus) as a2, connect(redis) as r2:
            same(a2, r2, "AUTH", "off_user", "pw")
            same(a2, r2, "AUTH", "other", "nope")
            same(a2, r2, "AUTH", "other", "pw")
            same(a2, r2, "ACL", "WHOAMI")
        same(a, r, "CONFIG", "SET", "requirepass", "")
        same(a, r, "ACL", "GETUSER", "default")
        with connect(apus) as a2, connect(redis) as r2:
            same(a2, r2, "PING")
        same(a, r, "ACL", "LOG", norm=log_without_volatile)


def test_default_user_off_requires_auth(both):
    apus, redis = both
    with connect(apus) as a, connect(redis) as r:
        same(a, r, "ACL", "SETUSER", "admin", "on", ">pw", "+@all", "~*", "&*")
        same(a, r, "ACL", "SETUSER", "default", "off")
        with connect(apus) as a2, connect(redis) as r2:
            same(a2, r2, "PING")
            same(a2, r2, "AUTH", "x")
            same(a2, r2, "AUTH", "admin", "pw")
            same(a2, r2, "ACL", "SETUSER", "default", "on")
        with connect(apus) as a2, connect(redis) as r2:
            same(a2, r2, "PING")


def test_multi_exec_denial(both):
    apus, redis = both
    with connect(apus) as a0, connect(redis) as r0, connect(apus) as a, connect(redis) as r:
        same(a0, r0, "ACL", "SETUSER", "m", "on", "nopass", "+multi", "+exec", "+discard", "+get", "+set", "~k*")
        same(a, r, "AUTH", "m", "x")
        same(a, r, "MULTI")
        same(a, r, "SET", "k1", "v")
        same(a, r, "DEL", "k1")
        same(a, r, "GET", "other")
        same(a, r, "EXEC")
        same(a, r, "MULTI")
        same(a, r, "SET", "k1", "v")
        same(a, r, "EXEC")
        same(a0, r0, "ACL", "LOG", norm=log_without_volatile)


def test_eval_denial(both):
    apus, redis = both
    with connect(apus) as a0, connect(redis) as r0, connect(apus) as a, connect(redis) as r:
        same(a0, r0, "ACL", "SETUSER", "s", "on", "nopass", "+eval", "+get", "~k*", "&c")
        same(a, r, "AUTH", "s", "x")
        same(a, r, "EVAL", "return redis.call('set', 'k1', 'v')", "0")
        same(a, r, "EVAL", "return redis.call('get', 'other')", "0")
        same(a, r, "EVAL", "return redis.pcall('set', 'k1', 'v')", "0")
        same(a, r, "EVAL", "return redis.call('get', 'k1')", "0")
        same(a, r, "EVAL", "return redis.acl_check_cmd('set', 'k1', 'v')", "0")
        same(a, r, "EVAL", "return redis.acl_check_cmd('get', 'k1')", "0")
        same(a, r, "EVAL", "return redis.acl_check_cmd('get', 'zz')", "0")
        same(a, r, "EVAL", "return redis.acl_check_cmd('nosuch')", "0")
        same(a0, r0, "ACL", "LOG", norm=log_without_volatile)
        assert log_client_info_fields(a0.command("ACL", "LOG", "1"), b"cmd=") == [[b"cmd=eval"]]


def test_deluser_and_load_disconnect_clients(both):
    apus, redis = both
    with connect(apus) as a0, connect(redis) as r0, connect(apus) as a, connect(redis) as r:
        same(a0, r0, "ACL", "SETUSER", "gone", "on", "nopass", "+@all", "~*")
        same(a, r, "AUTH", "gone", "x")
        same(a0, r0, "CLIENT", "KILL", "USER", "nosuch")
        same(a0, r0, "ACL", "DELUSER", "gone")
        for c in (a, r):
            with pytest.raises(Exception):
                c.command("PING")


def test_client_list_user_and_kill_user(both):
    apus, redis = both
    with connect(apus) as a0, connect(redis) as r0, connect(apus) as a, connect(redis) as r:
        same(a0, r0, "ACL", "SETUSER", "lister", "on", "nopass", "+@all", "~*")
        same(a, r, "AUTH", "lister", "x")
        for c in (a, r):
            info = c.command("CLIENT", "INFO")
            assert b" user=lister " in info
        assert b" user=default " in a0.command("CLIENT", "INFO")
        same(a0, r0, "CLIENT", "KILL", "USER", "lister")
        for c in (a, r):
            with pytest.raises(Exception):
                c.command("PING")


def test_subscribers_killed_when_channels_revoked(both):
    apus, redis = both
    with connect(apus) as a0, connect(redis) as r0, connect(apus) as a, connect(redis) as r:
        same(a0, r0, "ACL", "SETUSER", "psub", "on", "nopass", "+@all", "resetchannels", "&foo", "&bar")
        same(a, r, "AUTH", "psub", "x")
        same(a, r, "SUBSCRIBE", "foo")
        same(a0, r0, "ACL", "SETUSER", "psub", "&baz")
        same(a0, r0, "CLIENT", "LIST", "TYPE", "pubsub", norm=lambda raw: str(raw.count(b"user=psub")).encode())
        same(a0, r0, "ACL", "SETUSER", "psub", "resetchannels", "&bar")
        for c in (a, r):
            with pytest.raises(Exception):
                c.command("PING")


def test_subscribers_killed_when_allchannels_revoked(both):
    apus, redis = both
    with connect(apus) as a0, connect(redis) as r0, connect(apus) as a, connect(redis) as r:
        same(a0, r0, "ACL", "SETUSER", "psub", "on", "nopass", "+@all", "allchannels")
        same(a, r, "AUTH", "psub", "x")
        same(a, r, "PSUBSCRIBE", "foo")
        same(a0, r0, "ACL", "SETUSER", "psub", "resetchannels", "&foo", "allchannels")
        same(a0, r0, "CLIENT", "LIST", "TYPE", "pubsub", norm=lambda raw: str(raw.count(b"user=psub")).encode())
        same(a0, r0, "ACL", "SETUSER", "psub", "resetchannels")
        for c in (a, r):
            with pytest.raises(Exception):
                c.command("PING")


def test_no_aclfile_errors(both):
    apus, redis = both
    with connect(apus) as a, connect(redis) as r:
        same(a, r, "ACL", "LOAD")
        same(a, r, "ACL", "SAVE")
        same(a, r, "ACL", "GENPASS", "0")
        same(a, r, "ACL", "GENPASS", "4097")
        same(a, r, "ACL", "GENPASS", "x")
        for bits in ("1", "5", "256", "4096"):
            assert len(parse(a.command("ACL", "GENPASS", bits))[1]) == len(parse(r.command("ACL", "GENPASS", bits))[1])
        assert len(parse(a.command("ACL", "GENPASS"))[1]) == 64


def test_exec_rechecks_changed_rules(both):
    apus, redis = both
    with connect(apus) as a0, connect(redis) as r0, connect(apus) as a, connect(redis) as r:
        same(a0, r0, "ACL", "SETUSER", "mx", "on", "nopass", "+@all", "~*", "&*")
        same(a, r, "AUTH", "mx", "x")
        for step in (["MULTI"], ["SET", "k", "v"], ["GET", "k"], ["PUBLISH", "c", "m"], ["PING"]):
            same(a, r, *step)
        same(a0, r0, "ACL", "SETUSER", "mx", "-set", "resetkeys", "~z", "resetchannels")
        same(a, r, "EXEC")
        same(a0, r0, "ACL", "LOG", norm=log_without_volatile)


def test_single_category_rules_describe_as_given(both):
    """acl.tcl's "ACL GETUSER provides reasonable results", against Redis for every category."""
    apus, redis = both
    with connect(apus) as a, connect(redis) as r:
        for category in [x[1].decode() for x in parse(r.command("ACL", "CAT"))[1]]:
            same(a, r, "ACL", "SETUSER", "additive", "reset", "+@all", "-@" + category)
            same(a, r, "ACL", "GETUSER", "additive", norm=norm_rules)
            same(a, r, "ACL", "SETUSER", "restrictive", "reset", "-@all", "+@" + category)
            same(a, r, "ACL", "GETUSER", "restrictive", norm=norm_rules)
        for rules in (["+@all", "-@hash", "-@slow", "+hget"], ["-@all", "+@HASH", "+@hash"], ["-@all", "+HGET", "+hget"],
                      ["-@all", "+@hash", "+@slow", "+@set"], ["-@all", "+hget", "-hset", "+hset", "-hget"],
                      ["-@all", "+client|list", "+config|get", "+config", "+acl|list", "-acl"],
                      ["-@all", "+select|0", "+select|0", "+debug|segfault", "+debug"], ["-@all", "-@dangerous"],
                      ["-@all", "+config", "+config|get", "-config|set", "+config"], ["-@all", "+memory|doctor"],
                      ["+@all", "+client|id"], ["-@all", "+readonly"]):
            same(a, r, "ACL", "SETUSER", "adv", "reset", *rules)
            same(a, r, "ACL", "GETUSER", "adv", norm=norm_rules)
        same(a, r, "ACL", "DRYRUN", "adv", "EVAL_RO", "", "0")
        same(a, r, "ACL", "DRYRUN", "adv", "FCALL_RO", "f", "0")


READ_WRITE_PROBES = [
    ["get", "k"], ["set", "k", "v"], ["set", "k", "v", "GET"], ["exists", "k"], ["type", "k"], ["ttl", "k"],
    ["strlen", "k"], ["scard", "k"], ["sintercard", "1", "k"], ["zcard", "k"], ["llen", "k"], ["del", "k"],
    ["unlink", "k"], ["copy", "k", "k2"], ["lmove", "k", "k2", "LEFT", "RIGHT"], ["rename", "k", "k2"],
    ["sort", "k"], ["sort", "k", "STORE", "k2"], ["sort_ro", "k"], ["bitfield", "k", "GET", "u8", "0"],
    ["bitfield", "k", "SET", "u8", "0", "1"], ["bitfield_ro", "k", "GET", "u8", "0"], ["append", "k", "x"],
    ["incr", "k"], ["getdel", "k"], ["getex", "k"], ["touch", "k"], ["object", "encoding", "k"], ["dump", "k"],
    ["restore", "k", "0", "x"], ["expire", "k", "10"], ["persist", "k"], ["xadd", "k", "*", "f", "v"],
    ["xread", "STREAMS", "k", "0"], ["xreadgroup", "GROUP", "g", "c", "STREAMS", "k", ">"],
    ["eval", "", "1", "k"], ["fcall", "f", "1", "k"], ["migrate", "h", "1", "k", "0", "10"],
    ["migrate", "h", "1", "", "0", "10", "KEYS", "k", "k2"], ["georadius", "k", "0", "0", "1", "km", "STORE", "k2"],
    ["pfcount", "k"], ["pfadd", "k", "a"], ["lpos", "k", "a"], ["smismember", "k", "a"], ["hstrlen", "k", "f"],
    ["spublish", "ch", "m"], ["ssubscribe", "ch"], ["zunionstore", "k2", "1", "k"], ["memory", "usage", "k"],
]


def test_key_read_write_permissions(both):
    """acl-v2.tcl's key permission tests: which key-spec flags need read or write rights."""
    apus, redis = both
    with connect(apus) as a, connect(redis) as r:
        users = {"reader": ["%R~k*"], "writer": ["%W~k*"], "both": ["%RW~k*"], "split": ["%R~k", "%W~k2"],
                 "none": [], "sel": ["%R~k", "(%W~k2 +@all)"]}
        for name, patterns in users.items():
            same(a, r, "ACL", "SETUSER", name, "on", "nopass", "+@all", "&*", *patterns)
            for probe in READ_WRITE_PROBES:
                same(a, r, "ACL", "DRYRUN", name, *probe)


V2_PROBES = [
    ["MIGRATE", "whatever", "whatever", "rw"], ["MIGRATE", "whatever", "whatever", "read"],
    ["MIGRATE", "whatever", "whatever", "write"], ["MIGRATE", "whatever", "whatever", "", "0", "5000", "KEYS", "rw"],
    ["MIGRATE", "whatever", "whatever", "", "0", "5000", "KEYS", "read"],
    ["MIGRATE", "whatever", "whatever", "", "0", "5000", "AUTH2", "u", "p", "KEYS", "write"],
    ["SORT", "read", "STORE", "write"], ["SORT", "read", "STORE", "read"], ["SORT", "write", "STORE", "write"],
    ["EVAL", "", "1", "rw1"], ["EVAL", "", "1", "read"], ["EVAL_RO", "", "1", "rw1"], ["EVAL_RO", "", "1", "read"],
    ["EVAL", "", "0", "read"], ["EVAL", "", "-1", "read"], ["EVAL", "", "3", "rw", "rw"], ["EVAL", "", "3", "rw", "read"],
    ["GEORADIUS", "read", "longitude", "latitude", "radius", "M", "STOREDIST", "write"],
    ["GEORADIUS", "read1", "longitude", "latitude", "radius", "M", "STOREDIST", "read2"],
    ["GEORADIUS", "write1", "longitude", "latitude", "radius", "M", "STORE", "write2"],
    ["HEXISTS", "read", "foo"], ["HEXISTS", "write", "foo"], ["HEXISTS", "nothing", "foo"],
    ["SISMEMBER", "write", "foo"], ["SINTERCARD", "2", "read", "read"], ["SINTERCARD", "2", "write", "read"],
    ["ZCOUNT", "write", "0", "1"], ["PFCOUNT", "read", "read"], ["ZINTERCARD", "2", "nothing", "read"],
    ["TOUCH", "read"], ["TOUCH", "write"], ["TOUCH", "nothing"], ["EXISTS", "write"], ["TYPE", "read"],
    ["LMOVE", "read", "write", "LEFT", "RIGHT"], ["LMOVE", "write", "read", "LEFT", "RIGHT"],
    ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "read", ">"], ["XREAD", "STREAMS", "write", "0"],
    ["SPUBLISH", "x", "y"], ["SSUBSCRIBE", "a", "b"],
]


def test_acl_v2_key_specs_and_selectors(both):
    """acl-v2.tcl's dry runs and selector syntax, against Redis."""
    apus, redis = both
    with connect(apus) as a0, connect(redis) as r0, connect(apus) as a, connect(redis) as r:
        same(a0, r0, "ACL", "SETUSER", "command-test", "+@all", "%R~read*", "%W~write*", "%RW~rw*")
        for probe in V2_PROBES:
            same(a0, r0, "ACL", "DRYRUN", "command-test", *probe)
        for step in (["ACL", "SETUSER", "selector-2", "(~key1 +get )", "( ~key2 +get )", "( ~key3 +get)", "(~key4 +get)"],
                     ["ACL", "SETUSER", "selector-2", "(~key5", "+get", ")", "(", "~key6", "+get", ")"],
                     ["ACL", "SETUSER", "invalid-selector", " () "], ["ACL", "SETUSER", "invalid-selector", "("],
                     ["ACL", "SETUSER", "invalid-selector", ")"], ["ACL", "SETUSER", "selector-syntax", "on", "(this-is-invalid)"],
                     ["ACL", "SETUSER", "selector-syntax", "on", "(&fail)"], ["ACL", "GETUSER", "selector-syntax"],
                     ["ACL", "SETUSER", "selector-default", "reset", "()"], ["ACL", "GETUSER", "selector-default"],
                     ["ACL", "GETUSER", "selector-2"], ["ACL", "SETUSER", "selector-rw-info", "%R~foo", "%W~foo", "%RW~bar"],
                     ["ACL", "GETUSER", "selector-rw-info"],
                     ["ACL", "SETUSER", "sel", "on", "nopass", "+mget", "~key", "(+mget ~key ~otherkey)"]):
            same(a0, r0, *step, norm=norm_rules)
        same(a, r, "AUTH", "sel", "x")
        for step in (["GET", "key"], ["MGET", "otherkey", "someotherkey"], ["MGET", "key", "otherkey", "someotherkey"]):
            same(a, r, *step)
        same(a0, r0, "ACL", "LOG", norm=log_without_volatile)
        same(a0, r0, "ACL", "SETUSER", "rw2", "on", "nopass", "(%R~read* +@all)", "(%W~write* +@all)")
        for probe in (["LPUSH", "writelist", "10"], ["GET", "writestr"], ["GET", "readstr"], ["COPY", "read", "write"]):
            same(a0, r0, "ACL", "DRYRUN", "rw2", *probe)


def test_fcall_denial(both):
    apus, redis = both
    with connect(apus) as a0, connect(redis) as r0, connect(apus) as a, connect(redis) as r:
        same(a0, r0, "FUNCTION", "FLUSH")
        same(a0, r0, "FUNCTION", "LOAD",
             "#!lua name=acllib\nredis.register_function('setit', function(keys, args) return redis.call('set', keys[1], 'v') end)")
        same(a0, r0, "ACL", "SETUSER", "f", "on", "nopass", "+fcall", "+get", "~k*")
        same(a, r, "AUTH", "f", "x")
        same(a, r, "FCALL", "setit", "1", "k1")
        same(a0, r0, "ACL", "SETUSER", "f", "+set")
        same(a, r, "FCALL", "setit", "1", "other")
        same(a, r, "FCALL", "setit", "1", "k1")
        same(a0, r0, "ACL", "LOG", norm=log_without_volatile)
        assert log_client_info_fields(a0.command("ACL", "LOG", "1"), b"cmd=") == [[b"cmd=fcall"]]
        same(a0, r0, "FUNCTION", "FLUSH")
