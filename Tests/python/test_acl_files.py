"""ACL files and `user` directives against real redis-server 7.0.15: ACL LOAD/SAVE round trips
through `aclfile`, the errors of a bad file, users declared in redis.conf, and start-up refusing
both at once."""

import os

import pytest

from support.acl import norm_rules
from support.resp import RespClient
from support.servers import ServerProcess, ServerStartError, apus_binary, redis_binary

ACL_FILE = (
    "user default on nopass ~* &* +@all\n"
    "user alice on #" + "a" * 64 + " ~cached:* &news -@all +get +set\n"
    "\n"
    "user bob off resetchannels -@all +@hash (~x +set)\n"
)


def start_pair(**kwargs):
    servers = []
    for binary, name in ((apus_binary(), "apus"), (redis_binary(), "redis")):
        servers.append(ServerProcess(binary, name=name, **kwargs).start())
    return servers


def same(a, r, *args, norm=None):
    got, want = a.command(*args), r.command(*args)
    if norm:
        got, want = norm(got), norm(want)
    assert got == want, "%s\napus : %r\nredis: %r" % (args, got, want)
    return want


@pytest.fixture
def with_aclfile():
    servers = start_pair(extra_files={"users.acl": ACL_FILE}, extra_args=["--aclfile", "users.acl"])
    yield servers
    for s in servers:
        s.stop()


def test_aclfile_load_and_save_round_trip(with_aclfile):
    apus, redis = with_aclfile
    with RespClient(apus.host, apus.port) as a, RespClient(redis.host, redis.port) as r:
        same(a, r, "ACL", "LIST", norm=norm_rules)
        same(a, r, "ACL", "SETUSER", "carol", "on", ">pw", "%R~r:*", "+@read", "-@dangerous")
        same(a, r, "ACL", "DELUSER", "bob")
        same(a, r, "ACL", "SAVE")
        saved = []
        for s in (apus, redis):
            with open(os.path.join(s.dir, "users.acl"), "rb") as f:
                saved.append(b"\n".join(norm_rules(b"$%d\r\n%s\r\n" % (len(line), line)) for line in f.read().split(b"\n")))
        assert saved[0] == saved[1]
        same(a, r, "ACL", "SETUSER", "temp", "on")
        same(a, r, "ACL", "LOAD")
        same(a, r, "ACL", "USERS")
        same(a, r, "ACL", "LIST", norm=norm_rules)
        same(a, r, "CONFIG", "GET", "aclfile")


def test_aclfile_errors_change_nothing(with_aclfile):
    apus, redis = with_aclfile
    bad = ("user ok on nopass +@all\n"
           "notuser x\n"
           "user\n"
           "user dup on\n"
           "user dup off\n"
           "user broken on +nosuchcommand ~x allkeys ~y\n"
           "user paren (~x +get\n")
    for s in (apus, redis):
        with open(os.path.join(s.dir, "users.acl"), "w") as f:
            f.write(bad)
    with RespClient(apus.host, apus.port) as a, RespClient(redis.host, redis.port) as r:
        same(a, r, "ACL", "LOAD")
        same(a, r, "ACL", "USERS")
    for s in (apus, redis):
        os.remove(os.path.join(s.dir, "users.acl"))
    with RespClient(apus.host, apus.port) as a, RespClient(redis.host, redis.port) as r:
        same(a, r, "ACL", "LOAD")


def test_load_disconnects_clients_of_replaced_users(with_aclfile):
    apus, redis = with_aclfile
    clients = []
    for s in (apus, redis):
        c = RespClient(s.host, s.port)
        assert c.command("ACL", "SETUSER", "alice", ">pw") == b"+OK\r\n"
        assert c.command("AUTH", "alice", "pw") == b"+OK\r\n"
        clients.append(c)
    for s in (apus, redis):
        with RespClient(s.host, s.port) as admin:
            assert admin.command("ACL", "LOAD") == b"+OK\r\n"
    for c in clients:
        with pytest.raises(Exception):
            c.command("PING")
        c.close()


CONF_USERS = (
    "user default on nopass ~* &* +@all\n"
    "user worker on >pw ~jobs:* +@list +@connection -blpop\n"
    "user reader on nopass %R~* +@read (~w:* +set)\n"
)


def test_user_directives_in_config_file():
    servers = start_pair(config_text=CONF_USERS)
    try:
        apus, redis = servers
        with RespClient(apus.host, apus.port) as a, RespClient(redis.host, redis.port) as r:
            same(a, r, "ACL", "LIST", norm=norm_rules)
            same(a, r, "CONFIG", "GET", "user")
            same(a, r, "AUTH", "worker", "pw")
            same(a, r, "LPUSH", "jobs:1", "x")
            same(a, r, "LPUSH", "other", "x")
            same(a, r, "BLPOP", "jobs:1", "1")
            same(a, r, "ACL", "SAVE")
    finally:
        for s in servers:
            s.stop()


@pytest.mark.parametrize("config, says", [
    ("user alice on nopass +@all\naclfile users.acl\n",
     "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid."),
    ("user bad on +nosuchcommand\n",
     "Error loading ACL rule '+nosuchcommand' for the user named 'bad': Unknown command or category name in ACL"),
    ("user bad on ~x allkeys ~y\n",
     "Error in user declaration '~x': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid"),
    ("user dup on\nuser dup off\n",
     "Error in user declaration 'dup': Duplicate user found. A user can only be defined once in config files"),
])
def test_startup_refuses_bad_users(config, says):
    for binary, name in ((apus_binary(), "apus"), (redis_binary(), "redis")):
        srv = ServerProcess(binary, name=name, config_text=config, extra_files={"users.acl": ""}, start_timeout=5)
        with pytest.raises(ServerStartError) as refused:
            srv.start()
        assert says in str(refused.value), name


def test_config_rewrite_writes_users():
    servers = start_pair(config_text=CONF_USERS)
    try:
        lines = []
        for s in servers:
            with RespClient(s.host, s.port) as c:
                assert c.command("ACL", "SETUSER", "added", "on", ">pw", "~x", "+get") == b"+OK\r\n"
                assert c.command("ACL", "DELUSER", "reader") == b":1\r\n"
                assert c.command("CONFIG", "REWRITE") == b"+OK\r\n"
            with open(os.path.join(s.dir, "server.conf"), "rb") as f:
                users = [line for line in f.read().split(b"\n") if line.startswith(b"user ")]
            lines.append([norm_rules(b"$%d\r\n%s\r\n" % (len(line), line)) for line in users])
        assert lines[0] == lines[1]
        assert len(lines[0]) == 3
    finally:
        for s in servers:
            s.stop()
