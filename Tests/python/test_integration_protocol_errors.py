"""Integration: malformed RESP input, unknown commands, protocol limits.

Redis 7.0.15 behaviour (verified with APUS_BIN=/usr/bin/redis-server):

* A protocol error gets ONE ``-ERR Protocol error: ...\\r\\n`` reply, then the
  server closes the connection (orderly FIN, the client's recv() returns
  b'').  Commands that were complete before the bad bytes in the same read
  are executed and answered first; anything after the bad bytes is dropped.
* Unknown commands and wrong arity are ordinary error replies: the
  connection stays open.
"""

import pytest

from support.integration import (EOF, TIMEOUT, RespClient, connect, encode_command,
                                 read_until_closed, start_server)

PE = b"-ERR Protocol error: "


@pytest.fixture
def client(server):
    c = RespClient(server.host, server.port)
    yield c
    c.close()


def assert_alive(server):
    assert server.alive(), "server process died"
    with RespClient(server.host, server.port, timeout=10) as c:
        assert c.command("PING") == b"+PONG\r\n"


def send_and_read_to_close(server, data, timeout=5.0):
    s = connect(server.port)
    try:
        s.sendall(data)
        return read_until_closed(s, timeout=timeout)
    finally:
        s.close()


# ---------------------------------------------------------------------------
# Malformed input: exact error, then the connection is closed
# ---------------------------------------------------------------------------

MALFORMED = [
    ("mbulk-not-a-number", b"*abc\r\n", PE + b"invalid multibulk length\r\n"),
    ("mbulk-empty", b"*\r\n", PE + b"invalid multibulk length\r\n"),
    ("mbulk-plus-sign", b"*+1\r\n$4\r\nPING\r\n", PE + b"invalid multibulk length\r\n"),
    ("mbulk-leading-zero", b"*01\r\n$4\r\nPING\r\n", PE + b"invalid multibulk length\r\n"),
    ("mbulk-trailing-space", b"*1 \r\n", PE + b"invalid multibulk length\r\n"),
    ("mbulk-huge", b"*99999999999\r\n", PE + b"invalid multibulk length\r\n"),
    ("mbulk-int-max-plus-1", b"*2147483648\r\n", PE + b"invalid multibulk length\r\n"),
    ("expected-dollar", b"*1\r\nfoo\r\n", PE + b"expected '$', got 'f'\r\n"),
    ("expected-dollar-2nd-arg", b"*2\r\n$4\r\nECHO\r\n:5\r\n", PE + b"expected '$', got ':'\r\n"),
    ("bulk-huge", b"*1\r\n$999999999999\r\n", PE + b"invalid bulk length\r\n"),
    ("bulk-over-512mb", b"*1\r\n$536870913\r\n", PE + b"invalid bulk length\r\n"),
    ("bulk-negative", b"*1\r\n$-1\r\n", PE + b"invalid bulk length\r\n"),
    ("bulk-not-a-number", b"*1\r\n$abc\r\n", PE + b"invalid bulk length\r\n"),
    ("bulk-empty", b"*1\r\n$\r\n", PE + b"invalid bulk length\r\n"),
    ("bulk-plus-sign", b"*1\r\n$+4\r\nPING\r\n", PE + b"invalid bulk length\r\n"),
    ("inline-unbalanced-double", b'SET "a\r\n', PE + b"unbalanced quotes in request\r\n"),
    ("inline-unbalanced-single", b"SET 'a\r\n", PE + b"unbalanced quotes in request\r\n"),
    ("inline-quote-not-followed-by-space", b'SET k "a"b\r\n', PE + b"unbalanced quotes in request\r\n"),
    ("inline-too-big", b"x" * 70000, PE + b"too big inline request\r\n"),
    ("inline-too-big-65537", b"y" * 65537, PE + b"too big inline request\r\n"),
    ("mbulk-count-line-too-big", b"*" + b"1" * 70000, PE + b"too big mbulk count string\r\n"),
    ("bulk-count-line-too-big", b"*1\r\n$" + b"1" * 70000, PE + b"too big bulk count string\r\n"),
]


@pytest.mark.parametrize("data, reply", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_input_gets_exact_error_then_close(server, data, reply):
    got, how = send_and_read_to_close(server, data)
    assert got == reply
    assert how == EOF, "connection not closed by the server (%s)" % how
    assert_alive(server)


def test_commands_before_protocol_error_are_answered_and_rest_dropped(server):
    s = connect(server.port)
    try:
        s.sendall(b"SET perr:k v1\r\nPING\r\n*abc\r\nSET perr:k v2\r\nPING\r\n")
        got, how = read_until_closed(s)
    finally:
        s.close()
    assert got == b"+OK\r\n+PONG\r\n" + PE + b"invalid multibulk length\r\n"
    assert how == EOF
    with RespClient(server.host, server.port) as c:
        assert c.command("GET", "perr:k") == b"$2\r\nv1\r\n"


def test_protocol_error_in_later_write_closes_connection(client):
    assert client.command("PING") == b"+PONG\r\n"
    client.send_raw(b"*1\r\n$4\r\nPING\r\n*1\r\nbar\r\n")
    got, how = read_until_closed(client.sock, prefix=client.buf)
    assert got == b"+PONG\r\n" + PE + b"expected '$', got 'b'\r\n"
    assert how == EOF


# ---------------------------------------------------------------------------
# Multibulk count limits: Redis accepts any count up to INT_MAX
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("count", [1048576, 1048577, 2147483647])
def test_large_multibulk_count_is_accepted(server, count):
    # The count itself is accepted (no error, connection open): we prove it by
    # following with a non-'$' byte, which gets the *'$'* error rather than
    # "invalid multibulk length".
    got, how = send_and_read_to_close(server, b"*%d\r\nfoo\r\n" % count)
    assert got == PE + b"expected '$', got 'f'\r\n"
    assert how == EOF
    assert_alive(server)


def test_command_with_1048577_arguments_executes(client):
    # *1048577 = MSET + 524288 key/value pairs, sent in one go (~12 MB).
    pairs = (1048577 - 1) // 2
    client.command("FLUSHDB")
    body = b"".join(b"$8\r\nk%07d\r\n$1\r\nx\r\n" % i for i in range(pairs))
    client.send_raw(b"*1048577\r\n$4\r\nMSET\r\n" + body)
    assert client.read_reply() == b"+OK\r\n"
    assert client.command("DBSIZE") == b":%d\r\n" % pairs
    assert client.command("GET", "k%07d" % (pairs - 1)) == b"$1\r\nx\r\n"
    assert client.command("FLUSHDB") == b"+OK\r\n"


# ---------------------------------------------------------------------------
# Ordinary errors keep the connection open
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("data, reply", [
    (encode_command("foo", "a", "b"), b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"),
    (b"foo a b\r\n", b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"),
    (b"foo\r\n", b"-ERR unknown command 'foo', with args beginning with: \r\n"),
    (b"FOO " + b"a" * 200 + b" b\r\n",
     b"-ERR unknown command 'FOO', with args beginning with: '" + b"a" * 128 + b"' \r\n"),
    (b"*1\r\n$0\r\n\r\n", b"-ERR unknown command '', with args beginning with: \r\n"),
    (encode_command("GET"), b"-ERR wrong number of arguments for 'get' command\r\n"),
    (b"GET a b\r\n", b"-ERR wrong number of arguments for 'get' command\r\n"),
    (b"gEt\r\n", b"-ERR wrong number of arguments for 'get' command\r\n"),
    (encode_command("SET", "k"), b"-ERR wrong number of arguments for 'set' command\r\n"),
], ids=["unknown-multibulk", "unknown-inline", "unknown-no-args", "unknown-long-arg",
        "unknown-empty-name", "arity-get-0", "arity-get-2", "arity-mixed-case", "arity-set-1"])
def test_command_errors_keep_connection_open(client, data, reply):
    client.send_raw(data)
    assert client.read_reply() == reply
    assert client.command("PING") == b"+PONG\r\n"


def test_errors_in_a_pipeline_do_not_stop_it(client):
    client.send_raw(b"foo\r\nGET\r\nSET perr:p 1\r\nnope x\r\nINCR perr:p\r\n")
    assert client.read_replies(5) == [
        b"-ERR unknown command 'foo', with args beginning with: \r\n",
        b"-ERR wrong number of arguments for 'get' command\r\n",
        b"+OK\r\n",
        b"-ERR unknown command 'nope', with args beginning with: 'x' \r\n",
        b":2\r\n",
    ]


# ---------------------------------------------------------------------------
# proto-max-bulk-len
# ---------------------------------------------------------------------------

def test_proto_max_bulk_len():
    srv = start_server()
    try:
        with RespClient(srv.host, srv.port) as c:
            assert c.command("CONFIG", "GET", "proto-max-bulk-len") == \
                b"*2\r\n$18\r\nproto-max-bulk-len\r\n$9\r\n536870912\r\n"
            # minimum is 1mb
            assert c.command("CONFIG", "SET", "proto-max-bulk-len", "1000") == (
                b"-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - "
                b"argument must be between 1048576 and 9223372036854775807 inclusive\r\n")
            assert c.command("CONFIG", "SET", "proto-max-bulk-len", "1mb") == b"+OK\r\n"
            assert c.command("CONFIG", "GET", "proto-max-bulk-len") == \
                b"*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n1048576\r\n"
            # exactly the limit is fine
            value = b"v" * 1048576
            assert c.command("SET", "pmbl:k", value) == b"+OK\r\n"
            assert c.command("STRLEN", "pmbl:k") == b":1048576\r\n"
            # one byte more: error + close (the header alone triggers it)
            c.send_raw(b"*3\r\n$3\r\nSET\r\n$6\r\npmbl:k\r\n$1048577\r\n")
            got, how = read_until_closed(c.sock, prefix=c.buf)
            assert got == PE + b"invalid bulk length\r\n"
            assert how == EOF
        # it applies to every argument, including the command name
        got, how = send_and_read_to_close(srv, b"*1\r\n$1048577\r\n")
        assert (got, how) == (PE + b"invalid bulk length\r\n", EOF)
        assert_alive(srv)
    finally:
        srv.stop()


# ---------------------------------------------------------------------------
# Unauthenticated clients get much tighter limits (requirepass set)
# ---------------------------------------------------------------------------

def test_unauthenticated_limits():
    srv = start_server()
    try:
        with RespClient(srv.host, srv.port) as admin:
            assert admin.command("CONFIG", "SET", "requirepass", "pw") == b"+OK\r\n"
        got, how = send_and_read_to_close(srv, b"*11\r\n")
        assert (got, how) == (PE + b"unauthenticated multibulk length\r\n", EOF)
        got, how = send_and_read_to_close(srv, b"*1\r\n$16385\r\n")
        assert (got, how) == (PE + b"unauthenticated bulk length\r\n", EOF)
        with RespClient(srv.host, srv.port) as c:
            # 10 args / 16384 bytes are still fine before AUTH (NOAUTH error, no close)
            assert c.command(*(["DEL"] + ["k"] * 9)) == b"-NOAUTH Authentication required.\r\n"
            # unknown-command and arity errors are checked before authentication
            assert c.command("GET", "a", "b") == b"-ERR wrong number of arguments for 'get' command\r\n"
            assert c.command("nosuch") == b"-ERR unknown command 'nosuch', with args beginning with: \r\n"
            assert c.command("GET", "x" * 16384) == b"-NOAUTH Authentication required.\r\n"
            assert c.command("AUTH", "pw") == b"+OK\r\n"
            # after AUTH the normal limits apply
            assert c.command("SET", "ua:k", "x" * 20000) == b"+OK\r\n"
            assert c.command(*(["MSET"] + ["ua:k", "v"] * 10)) == b"+OK\r\n"
    finally:
        srv.stop()


def test_no_reply_and_open_while_bulk_header_incomplete(server):
    # Sanity for the close checks above: a valid-but-incomplete request gets
    # no reply and the connection stays open until the deadline.
    s = connect(server.port)
    try:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$8\r\nperr:inc\r\n$100000\r\nabc")
        got, how = read_until_closed(s, timeout=0.3)
        assert (got, how) == (b"", TIMEOUT)
    finally:
        s.close()
    assert_alive(server)

