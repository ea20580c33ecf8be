"""MIGRATE between real processes: Apus to redis-server, redis-server to Apus,
Apus to Apus.

Keys of every type move with their TTL (the target's RESTORE gets the DUMP
payload), the source deletes them unless COPY (a `del` keyspace event each)
and propagates the MIGRATE as DEL of the keys the target accepted. Replies —
+OK, +NOKEY, the target's errors (BUSYKEY, a wrong password, a bad database)
and the IOERRs of a target that never accepts the connection or never
answers — are compared with redis-server's as the source, byte for byte. The
target's MONITOR shows the cached connection at work: one SELECT per change
of database, AUTH on every call that has it, a fresh connection (one retry)
when the cached one was closed, and the connection closed after 10 idle
seconds.
"""

import socket
import threading

import pytest

from support.replication import RawReplica, client, info, offset, poll
from support.resp import RespClient
from test_replication_stream import STREAM_ARGS, commands

KINDS = {"apus": "apus_factory", "redis": "redis_factory"}
PAIRS = [("apus", "redis"), ("redis", "apus"), ("apus", "apus")]


def start(request, kind, *args):
    return request.getfixturevalue(KINDS[kind])(extra_args=list(args))


def raw(srv, *args):
    with srv.client() as c:
        return c.command(*args)


def populate(r):
    r.set("str", "hello")
    r.set("int", 12345)
    r.set("big", "x" * 5000)
    r.rpush("list", *range(300))
    r.sadd("set", *["m%d" % i for i in range(100)])
    r.zadd("zset", {"a": 1.5, "b": -2, "c": 3})
    r.hset("hash", mapping={"f%d" % i: i for i in range(200)})
    r.pfadd("hll", "a", "b", "c")
    r.set("ttl", "v", px=500000)
    r.hset("hash:ttl", "f", "v")
    r.pexpire("hash:ttl", 700000)


def snapshot(r, key):
    kind = r.type(key)
    read = {
        b"string": lambda: r.get(key), b"list": lambda: r.lrange(key, 0, -1),
        b"set": lambda: sorted(r.smembers(key)), b"zset": lambda: r.zrange(key, 0, -1, withscores=True),
        b"hash": lambda: r.hgetall(key), b"stream": lambda: r.xrange(key),
    }[kind]
    return kind, read()


# No stream: Apus's DUMP/RESTORE do not handle streams yet (outside MIGRATE).
KEYS = ["str", "int", "big", "list", "set", "zset", "hash", "hll", "ttl", "hash:ttl"]


@pytest.mark.parametrize("source_kind,target_kind", PAIRS)
def test_keys_move_with_their_ttl(request, source_kind, target_kind):
    source, target = start(request, source_kind), start(request, target_kind)
    s, t = client(source), client(target)
    populate(s)
    before = {k: snapshot(s, k) for k in KEYS}
    ttls = {k: s.pttl(k) for k in KEYS}

    assert s.execute_command("MIGRATE", "127.0.0.1", target.port, "str", 0, 5000) == b"OK"
    assert s.exists("str") == 0 and snapshot(t, "str") == before["str"]
    rest = [k for k in KEYS if k != "str"]
    assert s.execute_command("MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", *rest) == b"OK"
    assert s.dbsize() == 0
    for k in KEYS:
        assert snapshot(t, k) == before[k], k
    for k in ("ttl", "hash:ttl"):
        assert 0 < t.pttl(k) <= ttls[k]
    assert t.pttl("list") == -1
    # Missing keys: nothing to do.
    assert s.execute_command("MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", "str", "nope") == b"NOKEY"


@pytest.mark.parametrize("source_kind,target_kind", PAIRS)
def test_copy_replace_and_databases(request, source_kind, target_kind):
    source, target = start(request, source_kind), start(request, target_kind)
    s, t = client(source), client(target)
    s.set("k", "one")
    assert s.execute_command("MIGRATE", "127.0.0.1", target.port, "k", 0, 5000, "COPY") == b"OK"
    assert s.get("k") == b"one" and t.get("k") == b"one"
    s.set("k", "two")
    with pytest.raises(Exception, match="Target instance replied with error: BUSYKEY"):
        s.execute_command("MIGRATE", "127.0.0.1", target.port, "k", 0, 5000, "COPY")
    assert s.execute_command("MIGRATE", "127.0.0.1", target.port, "k", 0, 5000, "COPY", "REPLACE") == b"OK"
    assert t.get("k") == b"two" and s.get("k") == b"two"
    assert s.execute_command("MIGRATE", "127.0.0.1", target.port, "k", 5, 5000, "REPLACE") == b"OK"
    assert s.exists("k") == 0
    t.execute_command("SELECT", 5)
    assert t.get("k") == b"two"


def error_replies(source, target, silent_port, full_port):
    """The same MIGRATE calls on a source; raw replies."""
    r = client(source)
    r.set("k", "v")
    calls = [
        ("127.0.0.1", "1", "k", "0", "1000"),
        ("127.0.0.1", "1", "nokey", "0", "1000"),
        ("nosuchhost.invalid", "6379", "k", "0", "300"),
        ("127.0.0.1", "abc", "k", "0", "300"),
        ("127.0.0.1", str(target.port), "k", "0", "1000", "KEYS", "a"),
        ("127.0.0.1", str(target.port), "", "0", "1000", "KEYS", "nokey"),
        ("127.0.0.1", str(target.port), "k", "x", "1000"),
        ("127.0.0.1", str(target.port), "k", "0", "x"),
        ("127.0.0.1", str(target.port), "k", "0", "1000", "foo"),
        ("127.0.0.1", str(target.port), "k", "0", "1000", "AUTH"),
        ("127.0.0.1", str(target.port), "k", "0", "1000", "AUTH2", "a"),
        ("127.0.0.1", str(target.port), "k", "0", "1000", "COPY"),
        ("127.0.0.1", str(target.port), "k", "0", "1000", "COPY"),
        ("127.0.0.1", str(target.port), "k", "99", "1000", "COPY"),
        ("127.0.0.1", str(target.port), "k", "0", "1000", "AUTH", "wrong"),
        ("127.0.0.1", str(target.port), "k", "0", "1000", "AUTH2", "default", "wrong"),
        ("127.0.0.1", str(target.port), "k", "0", "1000", "AUTH", "pw", "COPY", "REPLACE"),
        ("127.0.0.1", str(full_port), "k", "0", "150"),
        ("127.0.0.1", str(silent_port), "k", "0", "150"),
        ("127.0.0.1", str(target.port), "k", "0", "1000", "AUTH2", "default", "pw", "REPLACE"),
    ]
    replies = [raw(source, "MIGRATE", *call) for call in calls]
    replies.append(raw(source, "EXISTS", "k"))
    return replies


class Listener:
    """A port that never accepts (its accept queue full: connects time out),
    or one that accepts and never answers."""

    def __init__(self, accepting):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.held = []
        if accepting:
            threading.Thread(target=self._accept, daemon=True).start()
        else:
            for _ in range(3):
                f = socket.socket()
                f.setblocking(False)
                try:
                    f.connect(("127.0.0.1", self.port))
                except BlockingIOError:
                    pass
                self.held.append(f)

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        for s in self.held:
            s.close()
        self.sock.close()


def test_replies_as_redis(request):
    target = start(request, "redis")
    client(target).config_set("requirepass", "pw")
    silent, full = Listener(True), Listener(False)
    try:
        ours = error_replies(start(request, "apus"), target, silent.port, full.port)
        client(target, password="pw").flushall()
        theirs = error_replies(start(request, "redis"), target, silent.port, full.port)
    finally:
        silent.close()
        full.close()
    assert ours == theirs
    assert b"-IOERR error or timeout reading to target instance\r\n" in ours
    assert b"-IOERR error or timeout writing to target instance\r\n" in ours
    assert b"-IOERR error or timeout connecting to the client\r\n" in ours
    assert ours[-2:] == [b"+OK\r\n", b":0\r\n"]


def monitor_of_target(request, source_kind):
    """What a redis-server target sees of a source's MIGRATEs, in order."""
    target = start(request, "redis")
    client(target).config_set("requirepass", "pw")
    source = start(request, source_kind)
    s = client(source)
    for key in ("a", "b", "c", "d", "e"):
        s.set(key, key)
    mon = RespClient(port=target.port)
    mon.command("AUTH", "pw")
    assert mon.command("MONITOR") == b"+OK\r\n"
    port = target.port

    def migrate(*args):
        return raw(source, "MIGRATE", "127.0.0.1", port, *args)

    replies = [migrate("a", 0, 1000, "AUTH", "pw"), migrate("b", 0, 1000, "AUTH", "pw"),
               migrate("c", 3, 1000, "AUTH", "pw")]
    # The cached connection dropped by the target: one retry on a new one.
    admin = client(target, password="pw")
    for line in admin.execute_command("CLIENT", "LIST").decode().splitlines():
        fields = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
        if fields["cmd"] == "restore":
            admin.execute_command("CLIENT", "KILL", "ID", fields["id"])
    replies.append(migrate("d", 3, 1000, "AUTH2", "default", "pw"))
    replies.append(migrate("e", 3, 1000, "AUTH", "pw"))
    seen = []
    while len(seen) < 13:
        line = mon.read_reply()
        words = line.split(b'"')[1::2]
        if words and words[0] in (b"AUTH", b"SELECT", b"RESTORE"):
            # The payload is binary: the command name, key and database are what matters.
            seen.append(tuple(words[:2]))
    mon.close()
    return replies, seen


def test_cached_connection_as_redis(request):
    ours = monitor_of_target(request, "apus")
    theirs = monitor_of_target(request, "redis")
    assert ours == theirs
    replies, seen = ours
    assert replies == [b"+OK\r\n"] * 5
    assert [w[0] for w in seen].count(b"SELECT") == 3


def test_idle_connection_closed_after_ten_seconds(request):
    target = start(request, "redis")
    source = start(request, "apus")
    client(source).set("k", "v")
    assert client(source).execute_command("MIGRATE", "127.0.0.1", target.port, "k", 0, 1000) == b"OK"
    assert int(info(target, "clients")["connected_clients"]) == 2  # ours and the cached one

    def closed():
        return int(info(target, "clients")["connected_clients"]) == 1
    poll(closed, timeout=15, interval=0.5, what="the cached MIGRATE connection to close")


def events_of(request, source_kind):
    source = start(request, source_kind, "--notify-keyspace-events", "KEA")
    target = start(request, "redis")
    s = client(source)
    sub = RespClient(port=source.port)
    sub.command("PSUBSCRIBE", "__key*__:*")
    s.set("a", 1)
    s.set("b", 2)
    s.execute_command("MIGRATE", "127.0.0.1", target.port, "a", 0, 1000, "COPY")
    s.execute_command("MIGRATE", "127.0.0.1", target.port, "", 0, 1000, "REPLACE", "KEYS", "a", "b")
    s.set("end", 1)
    seen = []
    while True:
        frame = sub.read_reply()
        seen.append(frame)
        if b"__keyevent@0__:set" in frame and b"end" in frame:
            break
    sub.close()
    return seen


def test_keyspace_events_as_redis(request):
    ours = events_of(request, "apus")
    assert ours == events_of(request, "redis")
    assert sum(b"__keyevent@0__:del" in f for f in ours) == 2


def stream_of(request, source_kind):
    source = start(request, source_kind, *STREAM_ARGS)
    target = start(request, "redis")
    s = client(source)
    replica = RawReplica(source)
    try:
        start_offset = replica.offset
        s.set("a", 1)
        s.set("b", 2)
        s.set("c", 3)
        s.set("d", 4)
        target_client = client(target)
        target_client.set("b", "taken")
        s.execute_command("MIGRATE", "127.0.0.1", target.port, "a", 0, 1000)
        s.execute_command("MIGRATE", "127.0.0.1", target.port, "c", 0, 1000, "COPY")
        # b is refused (BUSYKEY), d accepted: DEL d only.
        with pytest.raises(Exception, match="BUSYKEY"):
            s.execute_command("MIGRATE", "127.0.0.1", target.port, "", 0, 1000, "KEYS", "b", "d")
        s.execute_command("MIGRATE", "127.0.0.1", target.port, "nokey", 0, 1000)
        return commands(replica.read(offset(source) - start_offset))
    finally:
        replica.close()


def test_propagated_as_del_as_redis(request):
    ours = stream_of(request, "apus")
    assert ours == stream_of(request, "redis")
    assert [c for c in ours if c[0] == b"DEL"] == [[b"DEL", b"a"], [b"DEL", b"d"]]


def test_aof_records_del(request):
    source = start(request, "apus", "--appendonly", "yes", "--appendfsync", "always")
    target = start(request, "redis")
    s = client(source)
    s.set("gone", 1)
    s.execute_command("MIGRATE", "127.0.0.1", target.port, "gone", 0, 1000)
    import glob
    import os
    files = glob.glob(os.path.join(source.dir, "**", "*.aof"), recursive=True)
    data = b"".join(open(f, "rb").read() for f in files)
    assert b"*2\r\n$3\r\nDEL\r\n$4\r\ngone\r\n" in data
    assert b"MIGRATE" not in data.upper()
    # And replayed: restarted on its AOF, the key is still gone.
    source.restart()
    assert client(source).exists("gone") == 0


GETKEYS_CALLS = [
    ("migrate", "h", "1", "k", "0", "10"), ("migrate", "h", "1", "", "0", "10", "KEYS", "a", "b"),
    ("migrate", "h", "1", "k", "0", "10", "COPY", "REPLACE", "AUTH", "p"),
    ("migrate", "h", "1", "", "0", "10", "AUTH2", "u", "p", "KEYS", "a"),
    ("migrate", "h", "1", "k", "0", "10", "KEYS"), ("migrate", "h", "1", "", "0", "10", "keys", "x"),
]


def test_getkeys_as_redis(apus, redis):
    for call in GETKEYS_CALLS:
        for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
            assert raw(apus, "COMMAND", sub, *call) == raw(redis, "COMMAND", sub, *call), call


REDACTION_CALLS = [
    ("k", "0", "1000", "COPY", "AUTH", "pw", "AUTH2", "u", "p2", "REPLACE"),
    ("k", "0", "1000", "AUTH", "pw", "foo"),
    ("k", "0", "1000", "AUTH2", "u"),
    ("", "0", "1000", "KEYS", "AUTH", "pw"),
]


def redactions_of(request, kind):
    """MONITOR's and SLOWLOG's view of MIGRATEs with passwords."""
    source = start(request, kind, "--slowlog-log-slower-than", "0")
    target = start(request, "redis")
    mon = RespClient(port=source.port)
    assert mon.command("MONITOR") == b"+OK\r\n"
    for call in REDACTION_CALLS:
        raw(source, "MIGRATE", "127.0.0.1", target.port, *call)
    lines = []
    while len(lines) < len(REDACTION_CALLS):
        line = mon.read_reply()
        if b'"migrate"' in line.lower():
            lines.append(line.split(b"] ", 1)[1].replace(str(target.port).encode(), b"PORT"))
    mon.close()
    logged = [e["command"] for e in client(source).slowlog_get(10) if e["command"].lower().startswith(b"migrate")]
    return lines, [c.replace(str(target.port).encode(), b"PORT") for c in logged]


def test_passwords_redacted_as_redis(request):
    ours = redactions_of(request, "apus")
    assert ours == redactions_of(request, "redis")
    monitor, slow = ours
    assert len(slow) == 4 and b"(redacted)" in slow[-1]
    assert monitor[0].count(b"(redacted)") == 3 and b'"pw"' in monitor[3]
