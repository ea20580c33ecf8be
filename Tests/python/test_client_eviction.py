"""maxmemory-clients (client eviction, after Redis's tests/unit/client-eviction.tcl):
when the normal and pub/sub clients together use as much memory as the limit (bytes,
or a percentage of maxmemory), the biggest evictable clients are closed until the
total is below it; CLIENT NO-EVICT on exempts a client; INFO counts evicted_clients;
lowering the limit evicts at once.  A client's figure is CLIENT LIST's tot-mem.
Scenarios run on Apus and on redis-server 7.0 with the same outcome asserted (the
per-client figures themselves differ: Apus counts buffers, not allocator chunks).
"""

import re
import socket

import pytest

from support.netfixtures import Servers, info_field, read_until_closed, wait_until
from support.resp import RespClient, encode_command

LIMIT = 3000000


@pytest.fixture(params=["apus", "redis"])
def srv(request):
    servers = Servers(request.param)
    yield servers.start()
    servers.stop_all()


def client_line(ctl, name):
    for line in ctl.command("CLIENT", "LIST").decode().split("\n"):
        if " name=%s " % name in line:
            return line
    return None


def field(ctl, name, f):
    line = client_line(ctl, name)
    return int(re.search(r" %s=(\d+)" % f, line).group(1))


def named(srv, name):
    c = RespClient(srv.host, srv.port)
    assert c.command("CLIENT", "SETNAME", name) == b"+OK\r\n"
    return c


def control(srv):
    ctl = named(srv, "control")
    assert ctl.command("CLIENT", "NO-EVICT", "on") == b"+OK\r\n"
    return ctl


def fill_query_buffer(client, size, args=1):
    """A command whose last bulk (size bytes) arrives but is never terminated."""
    try:
        client.send_raw(b"*%d\r\n$%d\r\n" % (args, size) + b"v" * size)
    except OSError:
        pass


def test_large_query_buffer_is_evicted_and_counted(srv):
    ctl = control(srv)
    assert ctl.command("CONFIG", "SET", "maxmemory-clients", str(LIMIT)) == b"+OK\r\n"
    small = named(srv, "small")
    assert small.command("SET", "k", b"v" * 1000000) == b"+OK\r\n"
    big = named(srv, "big")
    fill_query_buffer(big, LIMIT)
    read_until_closed(big.sock)
    assert client_line(ctl, "big") is None
    assert client_line(ctl, "small") is not None
    assert info_field(ctl, "stats", "evicted_clients") == "1"
    with open(srv.log_path, "rb") as f:
        assert re.search(rb"Evicting client: id=\d+ addr=\S+ laddr=\S+ fd=\d+ name=big ", f.read())


def test_percentage_of_maxmemory(srv):
    ctl = control(srv)
    maxmemory = 6 * 1024 * 1024
    assert ctl.command("CONFIG", "SET", "maxmemory", str(maxmemory)) == b"+OK\r\n"
    assert ctl.command("CONFIG", "SET", "maxmemory-clients", "7%") == b"+OK\r\n"
    actual = maxmemory * 7 // 100
    half = named(srv, "half")
    fill_query_buffer(half, actual // 2)
    assert wait_until(lambda: field(ctl, "half", "tot-mem") >= actual // 2)
    assert actual // 2 <= field(ctl, "half", "tot-mem") < actual
    full = named(srv, "full")
    fill_query_buffer(full, actual)
    read_until_closed(full.sock)
    assert client_line(ctl, "full") is None
    ctl.command("CONFIG", "SET", "maxmemory", "0")


def test_output_buffer_growth_is_evicted_before_the_limit(srv):
    ctl = control(srv)
    assert ctl.command("CONFIG", "SET", "maxmemory-clients", str(LIMIT)) == b"+OK\r\n"
    ctl.command("SETRANGE", "k", "200000", "v")
    reader = socket.create_connection((srv.host, srv.port))
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reader.sendall(encode_command("CLIENT", "SETNAME", "reader"))
    assert wait_until(lambda: client_line(ctl, "reader") is not None)
    evicted = False
    for _ in range(200):
        line = client_line(ctl, "reader")
        if line is None:
            evicted = True
            break
        assert int(re.search(r" tot-mem=(\d+)", line).group(1)) < LIMIT
        try:
            reader.sendall(encode_command("GET", "k"))
        except OSError:
            pass
    assert evicted
    assert int(info_field(ctl, "stats", "evicted_clients")) == 1


@pytest.mark.parametrize("no_evict", ["on", "off"])
def test_client_no_evict(srv, no_evict):
    ctl = control(srv)
    assert ctl.command("CONFIG", "SET", "maxmemory-clients", str(LIMIT)) == b"+OK\r\n"
    c = named(srv, "subject")
    assert c.command("CLIENT", "NO-EVICT", no_evict) == b"+OK\r\n"
    fill_query_buffer(c, LIMIT + 1)
    if no_evict == "off":
        read_until_closed(c.sock)
        assert client_line(ctl, "subject") is None
    else:
        assert wait_until(lambda: field(ctl, "subject", "qbuf") >= LIMIT)
        assert field(ctl, "subject", "tot-mem") > LIMIT
        assert "e" in re.search(r" flags=(\S+)", client_line(ctl, "subject")).group(1)
        assert info_field(ctl, "stats", "evicted_clients") == "0"


def test_lowering_the_limit_evicts_the_biggest_until_below(srv):
    ctl = control(srv)
    count = 10
    limit = 4 * 1024 * 1024
    size = (limit - 1024 * 1024) // count
    assert ctl.command("CONFIG", "SET", "maxmemory-clients", str(limit)) == b"+OK\r\n"
    clients = []
    for j in range(count):
        c = named(srv, "client%d" % j)
        fill_query_buffer(c, size, args=2)
        assert wait_until(lambda: field(ctl, "client%d" % j, "qbuf") >= size)
        clients.append(c)
    # One bigger client: the first to go.
    big = named(srv, "bigger")
    fill_query_buffer(big, 2 * size, args=2)
    assert wait_until(lambda: field(ctl, "bigger", "qbuf") >= 2 * size)
    lines = ctl.command("CLIENT", "LIST").decode()
    assert lines.count("name=client") == count
    total = sum(int(m) for m in re.findall(r" tot-mem=(\d+)", lines))
    per = field(ctl, "client0", "tot-mem")
    # Just under what is there now, minus a client and a half: the bigger one and one more go.
    new_limit = total - per * 3 // 2 - field(ctl, "bigger", "tot-mem") + per
    assert ctl.command("CONFIG", "SET", "maxmemory-clients", str(new_limit)) == b"+OK\r\n"
    assert wait_until(lambda: client_line(ctl, "bigger") is None)
    lines = ctl.command("CLIENT", "LIST").decode()
    assert lines.count("name=client") == count - 1
    assert sum(int(m) for m in re.findall(r" tot-mem=(\d+)", lines)) < new_limit
    assert info_field(ctl, "stats", "evicted_clients") == "2"


def test_debug_client_eviction_lists_buckets(srv):
    ctl = control(srv)
    assert ctl.command("DEBUG", "CLIENT-EVICTION") == b"-ERR maxmemory-clients is disabled.\r\n"
    assert ctl.command("CONFIG", "SET", "maxmemory-clients", str(LIMIT)) == b"+OK\r\n"
    c = named(srv, "one")
    fill_query_buffer(c, 300000)
    assert wait_until(lambda: field(ctl, "one", "qbuf") >= 300000)
    text = ctl.command("DEBUG", "CLIENT-EVICTION").split(b"\r\n", 1)[1].decode()
    rows = re.findall(r"bucket +(\d+)( - +\d+|\+ +): tot-mem: +(\d+), clients: (\d+)", text)
    assert len(rows) == 19
    # The control client is exempt; the filled one sits in the 256-512 KiB bucket.
    assert [int(r[3]) for r in rows] == [1 if r[0] == str(256 * 1024) else 0 for r in rows]


def test_large_multi_state_is_evicted(srv):
    ctl = control(srv)
    assert ctl.command("CONFIG", "SET", "maxmemory-clients", str(LIMIT)) == b"+OK\r\n"
    c = named(srv, "multi")
    value = b"v" * (LIMIT // 4)
    assert c.command("MULTI") == b"+OK\r\n"
    assert c.command("SET", "k", value) == b"+QUEUED\r\n"
    assert c.command("SET", "k", value) == b"+QUEUED\r\n"
    assert c.command("EXEC") == b"*2\r\n+OK\r\n+OK\r\n"
    c.command("MULTI")
    with pytest.raises(Exception):
        for _ in range(5):
            assert c.command("SET", "k", value) == b"+QUEUED\r\n"
    assert client_line(ctl, "multi") is None


@pytest.mark.parametrize("command", ["WATCH", "PSUBSCRIBE", "SUBSCRIBE", "SSUBSCRIBE"])
def test_watched_keys_and_subscriptions_count(srv, command):
    ctl = control(srv)
    assert ctl.command("CONFIG", "SET", "maxmemory-clients", "200000") == b"+OK\r\n"
    c = RespClient(srv.host, srv.port)
    evicted = False
    for j in range(200000):
        try:
            c.send_command(command, str(j))
            c.read_reply()
        except Exception:
            evicted = True
            break
    assert evicted
    assert info_field(ctl, "stats", "evicted_clients") == "1"


def test_argv_and_multi_memory_fields(srv):
    with RespClient(srv.host, srv.port) as c, RespClient(srv.host, srv.port) as other:
        other.command("CLIENT", "SETNAME", "other")
        other.command("MULTI")
        other.command("SET", "key", "value")
        other.command("SET", "k", "v")
        own = re.search(rb" argv-mem=(\d+) multi-mem=(\d+) ", c.command("CLIENT", "INFO")).groups()
        line = client_line(c, "other")
        theirs = re.search(r" argv-mem=(\d+) multi-mem=(\d+) ", line).groups()
        # A half-received command holds its complete arguments.
        other.send_raw(b"*3\r\n$3\r\nSET\r\n$3\r\nabc\r\n$5\r\nxy")
        assert wait_until(lambda: " qbuf=0 " not in client_line(c, "other"))
        partial = re.search(r" argv-mem=(\d+) ", client_line(c, "other")).group(1)
    assert own == (b"10", b"0")          # "client" + "info"
    assert theirs == ("0", "64")         # SET key value + SET k v, and a pointer per argument
    assert partial == "6"
