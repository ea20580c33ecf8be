"""Helpers for the replication tests: start masters and replicas of either
implementation, wait for a link to come up or for offsets to meet (polling
with short sleeps and a deadline), and compare datasets by DEBUG DIGEST.

    from support.replication import REPL_ARGS, replicate, wait_synced, info

Both Apus and redis-server are started with REPL_ARGS, so a full sync starts
at once (no diskless delay) and replicas are pinged every second.
"""

import socket
import time

import redis as redispy

from .integration import parse_info
from .resp import encode_command

# A full sync starts at once; PINGs every second keep the offsets moving as Redis's do.
REPL_ARGS = ["--repl-diskless-sync-delay", "0", "--repl-ping-replica-period", "1"]


def client(srv, **kwargs):
    return redispy.Redis(host="127.0.0.1", port=srv.port, socket_timeout=10, **kwargs)


def info(srv, section="replication"):
    """INFO <section> of a server as {field: str}, every value as the server wrote it."""
    with srv.client() as c:
        return parse_info(c.command("INFO", section))


def poll(predicate, timeout=10.0, interval=0.02, what="condition"):
    """Until predicate() is truthy; its value, or an AssertionError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def wait_link_up(replica, timeout=10.0):
    """Until the replica's INFO says master_link_status:up (and no sync runs)."""
    def up():
        fields = info(replica)
        return fields.get("master_link_status") == "up" and fields.get("master_sync_in_progress") == "0"
    poll(up, timeout, what="master_link_status:up on port %d" % replica.port)


def wait_online(master, count, timeout=10.0):
    """Until the master lists `count` replicas in state online."""
    def online():
        fields = info(master)
        states = [v for k, v in fields.items() if k.startswith("slave") and k[5:].isdigit()]
        return sum("state=online" in s for s in states) >= count
    poll(online, timeout, what="%d online replicas on port %d" % (count, master.port))


def replicate(replica, master, timeout=10.0):
    """REPLICAOF master on replica, then wait for the link."""
    client(replica).execute_command("REPLICAOF", "127.0.0.1", master.port)
    wait_link_up(replica, timeout)


def offset(srv):
    return int(info(srv)["master_repl_offset"])


def wait_synced(master, *replicas, timeout=10.0):
    """Until every replica's master_repl_offset equals the master's, read
    again after the replicas to be sure the master did not move meanwhile."""
    def same():
        before = offset(master)
        theirs = [offset(r) for r in replicas]
        return all(o == before for o in theirs) and offset(master) == before
    poll(same, timeout, what="offsets of %s to reach the master's (%d)" % (
        [r.port for r in replicas], master.port))
    return offset(master)


def digest(srv):
    return client(srv).execute_command("DEBUG", "DIGEST")


def role(srv):
    return client(srv).execute_command("ROLE")


def populate_every_type(r):
    """Initial data: every type and encoding, with TTLs, in several databases."""
    r.set("s:int", 12345)
    r.set("s:neg", -7)
    r.set("s:raw", "x" * 100)
    r.set("s:bin", bytes(range(256)))
    r.set("s:ttl", "v", ex=1000)
    r.rpush("l:small", "a", "b", 1, 2)
    r.rpush("l:big", *["item-%d" % i for i in range(300)])
    r.sadd("set:int", *range(50))
    r.sadd("set:str", *["m%d" % i for i in range(200)])
    r.zadd("z:small", {"a": 1, "b": 2.5, "c": -3})
    r.zadd("z:big", {"m%d" % i: i / 3 for i in range(200)})
    r.hset("h:small", mapping={"f1": "v1", "f2": 2})
    r.hset("h:big", mapping={"f%d" % i: "v" * (i % 80) for i in range(300)})
    r.expire("h:big", 5000)
    r.pexpire("l:big", 900000)
    r.execute_command("SELECT", 3)
    r.set("db3", "three")
    r.zadd("db3:z", {"x": 1})
    r.execute_command("SELECT", 9)
    r.set("db9", "nine")
    r.sadd("db9:set", "a")
    r.execute_command("SELECT", 0)


def live_writes(r, random=True):
    """Writes of every type through the stream: rewrites (EXPIRE -> PEXPIREAT,
    SPOP -> SREM, INCRBYFLOAT -> SET), MULTI/EXEC, other databases, FLUSHDB.
    random=False leaves out what propagates differently from run to run."""
    r.set("live:s", "v1")
    r.append("live:s", "more")
    r.incr("live:counter")
    r.incrbyfloat("live:float", 1.5)
    r.execute_command("SETEX", "live:ex", 1000, "v")
    r.expire("s:raw", 3000)
    r.pexpire("s:int", 4000000)
    r.lpush("live:l", *range(20))
    r.lpop("live:l")
    r.rpoplpush("live:l", "live:l2")
    r.hset("live:h", mapping={"a": 1, "b": 2})
    r.hincrby("live:h", "a", 5)
    r.hincrbyfloat("live:h", "b", 0.25)
    r.hdel("h:small", "f1")
    r.sadd("live:set", 1, 2, 3)
    r.sadd("live:one", "only")
    r.spop("live:one")            # propagates as SREM
    if random:
        r.spop("set:int", 5)      # random members, their SREMs replicate
    r.srem("set:str", "m1")
    r.zadd("live:z", {"a": 1, "b": 2, "c": 3})
    r.zincrby("live:z", 2, "a")
    r.zpopmin("z:small")
    r.zrem("z:big", "m3")
    r.delete("l:small")
    r.rename("s:neg", "s:renamed")
    r.getdel("s:bin")
    r.getex("s:ttl", px=777000)
    r.persist("h:big")
    pipe = r.pipeline(transaction=True)
    pipe.set("tx:a", 1).incr("tx:a").rpush("tx:l", "x").sadd("tx:s", "y").execute()
    r.execute_command("SELECT", 5)
    r.set("db5:k", "five")
    r.execute_command("SELECT", 9)
    r.delete("db9")
    r.execute_command("SELECT", 0)
    r.set("expiring", "soon", px=50)
    time.sleep(0.06)
    r.get("expiring")             # lazy expiry: a DEL goes down the stream
    r.execute_command("SELECT", 3)
    r.execute_command("FLUSHDB")
    r.set("db3:after", "flush")
    r.execute_command("SELECT", 0)


def assert_same_data(master, *replicas):
    """Same digest and, for a readable failure, same key counts in every database."""
    want = digest(master)
    for r in replicas:
        if digest(r) != want:
            mine = info(master, "keyspace")
            theirs = info(r, "keyspace")
            raise AssertionError("digest of %d differs from master %d\nmaster keyspace %r\nreplica keyspace %r"
                                 % (r.port, master.port, mine, theirs))


class RawReplica:
    """A replica played by the test: PSYNC ? -1 on a socket, the RDB payload
    read ($<len> or EOF-marked), then the stream's bytes as they come."""

    def __init__(self, master, eof=False, timeout=10.0, filters=None):
        self.sock = socket.create_connection(("127.0.0.1", master.port), timeout=timeout)
        self.buf = b""
        if eof:
            self.sock.sendall(encode_command("REPLCONF", "capa", "eof", "capa", "psync2"))
            assert self._line() == b"+OK"
        if filters is not None:
            self.sock.sendall(encode_command("REPLCONF", "rdb-filter-only", filters))
            assert self._line() == b"+OK"
        self.sock.sendall(encode_command("PSYNC", "?", "-1"))
        line = self._line()
        while line == b"":          # keepalive newlines while the master prepares the RDB
            line = self._line()
        assert line.startswith(b"+FULLRESYNC "), line
        self.replid, offset = line.split()[1:3]
        self.offset = int(offset)
        preamble = self._line()
        while preamble == b"":
            preamble = self._line()
        if preamble.startswith(b"$EOF:"):
            mark = preamble[5:]
            while not self.buf.endswith(mark):
                self._fill()
            self.rdb = self.buf[:-len(mark)]
            self.buf = b""
            # A diskless master streams once the replica ACKs.
            self.sock.sendall(encode_command("REPLCONF", "ACK", self.offset))
        else:
            size = int(preamble[1:])
            while len(self.buf) < size:
                self._fill()
            self.rdb, self.buf = self.buf[:size], self.buf[size:]

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("master closed the link")
        self.buf += chunk

    def _line(self):
        while b"\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r")

    def read(self, n, timeout=10.0):
        """Exactly the next n bytes of the stream. Waiting, it ACKs every
        half second as a replica does (a diskless master streams from the
        first ACK it sees after the transfer)."""
        deadline = time.monotonic() + timeout
        self.sock.settimeout(0.5)
        try:
            while len(self.buf) < n:
                try:
                    self._fill()
                except socket.timeout:
                    if time.monotonic() > deadline:
                        raise AssertionError("stream: %d of %d bytes after %.0fs: %r"
                                             % (len(self.buf), n, timeout, self.buf[:200]))
                    self.sock.sendall(encode_command("REPLCONF", "ACK", self.offset))
        finally:
            self.sock.settimeout(timeout)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def close(self):
        self.sock.close()


class FakeMaster:
    """A master played by the test: it answers a replica's handshake, sends
    +FULLRESYNC with an RDB of its own, then whatever stream the test writes,
    so the same bytes can be fed to an Apus replica and to a redis-server one."""

    REPLID = b"0123456789abcdef0123456789abcdef01234567"

    def __init__(self, rdb=None):
        from .rdb_craft import rdb as craft
        self.rdb = rdb if rdb is not None else craft(10, [])
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.conn = None
        self.buf = b""
        self.received = []
        # Everything sent after +FULLRESYNC ... 0: byte i is at stream offset i + 1.
        self.stream = b""

    def _command(self):
        from .resp import frame_length, parse
        while True:
            n = frame_length(self.buf)
            if n is not None:
                frame, self.buf = self.buf[:n], self.buf[n:]
                args = [item[1] for item in parse(frame)[1]]
                self.received.append(args)
                return args
            chunk = self.conn.recv(1 << 16)
            if not chunk:
                raise ConnectionError("replica closed the link")
            self.buf += chunk

    def serve(self, replica, timeout=10.0):
        """REPLICAOF us on `replica`, answer its handshake, send the RDB."""
        self.listener.settimeout(timeout)
        client(replica).execute_command("REPLICAOF", "127.0.0.1", self.port)
        self.conn, _ = self.listener.accept()
        self.conn.settimeout(timeout)
        while True:
            args = self._command()
            name = args[0].upper()
            if name == b"PING":
                self.conn.sendall(b"+PONG\r\n")
            elif name in (b"REPLCONF", b"AUTH"):
                self.conn.sendall(b"+OK\r\n")
            elif name == b"PSYNC":
                self.conn.sendall(b"+FULLRESYNC %s 0\r\n$%d\r\n" % (self.REPLID, len(self.rdb)) + self.rdb)
                break
            else:
                raise AssertionError("unexpected %r in the handshake" % (args,))
        wait_link_up(replica, timeout)

    def send(self, *commands):
        data = b"".join(encode_command(*c) for c in commands)
        self.stream += data
        self.conn.sendall(data)

    def drop_and_continue(self, timeout=10.0):
        """Closes the link, lets the replica reconnect, and answers its PSYNC
        with +CONTINUE and the stream from the offset it asked for, as a
        master's backlog would. Returns the offset asked for."""
        self.conn.close()
        self.buf = b""
        self.conn, _ = self.listener.accept()
        self.conn.settimeout(timeout)
        while True:
            args = self._command()
            name = args[0].upper()
            if name == b"PSYNC":
                assert args[1] == self.REPLID, args
                wanted = int(args[2])
                self.conn.sendall(b"+CONTINUE %s\r\n" % self.REPLID + self.stream[wanted - 1:])
                return wanted
            self.conn.sendall(b"+PONG\r\n" if name == b"PING" else b"+OK\r\n")

    def close(self):
        for s in (self.conn, self.listener):
            if s is not None:
                s.close()
