"""Integration: pipelining, commands split across many writes, inline commands.

Runs against the binary in APUS_BIN (default .build/release/apus-server);
every expectation was checked against redis-server 7.0.15 with
APUS_BIN=/usr/bin/redis-server.
"""

import time

import pytest

from support.integration import (RespClient, connect, encode_command, nothing_pending,
                                 read_exactly)
from support.resp import encode_pipeline

# Pause between fragments so they reach the server as separate reads
# (TCP_NODELAY is set).  Short on purpose; correctness never depends on it.
FRAGMENT_PAUSE = 0.002


@pytest.fixture
def client(server):
    c = RespClient(server.host, server.port, timeout=20.0)
    yield c
    c.close()


def expect(sock, want):
    assert read_exactly(sock, len(want)) == want


def send_in_pieces(sock, pieces):
    for p in pieces:
        sock.sendall(p)
        time.sleep(FRAGMENT_PAUSE)


# ---------------------------------------------------------------------------
# Pipelining
# ---------------------------------------------------------------------------

def test_pipeline_10000_mixed_commands_in_one_write(client):
    client.command("DEL", "pl:counter")
    commands, expected = [], []
    counter = 0
    for i in range(10000):
        kind = i % 3
        if kind == 0:
            commands.append(("SET", "pl:k%d" % i, "value-%d" % i))
            expected.append(b"+OK\r\n")
        elif kind == 1:
            j = i - 1  # the key set by the previous command
            v = b"value-%d" % j
            commands.append(("GET", "pl:k%d" % j))
            expected.append(b"$%d\r\n%s\r\n" % (len(v), v))
        else:
            counter += 1
            commands.append(("INCR", "pl:counter"))
            expected.append(b":%d\r\n" % counter)
    payload = encode_pipeline(commands)
    client.send_raw(payload)  # a single sendall() of the whole pipeline
    replies = client.read_replies(len(commands))
    assert len(replies) == 10000
    for i, (got, want) in enumerate(zip(replies, expected)):
        assert got == want, "reply #%d to %r" % (i, commands[i])
    # Nothing extra was sent, and the connection is still usable.
    assert client.buf == b""
    assert client.command("GET", "pl:counter") == b"$4\r\n%d\r\n" % counter


def test_pipeline_mixed_inline_and_multibulk(client):
    data = (b"SET pl:inline 1\r\n"
            + encode_command("INCR", "pl:inline")
            + b"INCRBY pl:inline 10\r\n"
            + encode_command("GET", "pl:inline")
            + b"PING\r\n"
            + encode_command("ECHO", "a\r\nb"))
    client.send_raw(data)
    assert client.read_replies(6) == [b"+OK\r\n", b":2\r\n", b":12\r\n", b"$2\r\n12\r\n",
                                      b"+PONG\r\n", b"$4\r\na\r\nb\r\n"]


def test_pipeline_large_values_many_replies(client):
    # Replies bigger than any socket buffer: the server must keep writing
    # what it has produced while it is still reading the pipeline.
    value = b"x" * 100000
    commands = [("SET", "pl:big%d" % i, value) for i in range(50)]
    commands += [("GET", "pl:big%d" % i) for i in range(50)]
    client.send_raw(encode_pipeline(commands))
    replies = client.read_replies(100)
    assert replies[:50] == [b"+OK\r\n"] * 50
    assert replies[50:] == [b"$100000\r\n" + value + b"\r\n"] * 50


# ---------------------------------------------------------------------------
# Half-sent commands
# ---------------------------------------------------------------------------

def test_multibulk_command_sent_byte_by_byte(server):
    s = connect(server.port)
    try:
        cmd = encode_command("SET", "half:k", "hello world")
        for b in cmd[:-1]:
            s.sendall(bytes([b]))
            time.sleep(FRAGMENT_PAUSE)
        assert nothing_pending(s), "server replied before the command was complete"
        s.sendall(cmd[-1:])
        expect(s, b"+OK\r\n")
        send_in_pieces(s, [bytes([b]) for b in encode_command("GET", "half:k")])
        expect(s, b"$11\r\nhello world\r\n")
    finally:
        s.close()


@pytest.mark.parametrize("pieces", [
    # split inside the multibulk count, inside '$' headers and between \r and \n
    [b"*", b"3\r", b"\n$", b"3\r\nSE", b"T\r\n$1", b"0\r\nhalf:split", b"\r\n$1", b"0\r", b"\n",
     b"0123456789", b"\r", b"\n"],
    # split inside the bulk length header digits
    [b"*3\r\n$3\r\nSET\r\n$10\r\nhalf:split\r\n$", b"1", b"0", b"\r\n0123456789\r\n"],
    # split inside the payload
    [b"*3\r\n$3\r\nSET\r\n$10\r\nhalf:split\r\n$10\r\n01234", b"5678", b"9\r\n"],
    # final CRLF: \r and \n sent alone
    [b"*3\r\n$3\r\nSET\r\n$10\r\nhalf:split\r\n$10\r\n0123456789", b"\r", b"\n"],
], ids=["everywhere", "in-bulk-length", "in-payload", "final-crlf"])
def test_command_split_across_writes(server, pieces):
    assert b"".join(pieces) == encode_command("SET", "half:split", "0123456789")
    s = connect(server.port)
    try:
        s.sendall(encode_command("DEL", "half:split"))
        assert read_exactly(s, 4) in (b":0\r\n", b":1\r\n")
        send_in_pieces(s, pieces[:-1])
        assert nothing_pending(s), "server replied before the command was complete"
        s.sendall(pieces[-1])
        expect(s, b"+OK\r\n")
        s.sendall(encode_command("GET", "half:split"))
        expect(s, b"$10\r\n0123456789\r\n")
    finally:
        s.close()


def test_big_argument_split_across_writes(server):
    # > 32 KB arguments take a different path in Redis (PROTO_MBULK_BIG_ARG).
    value = bytes(range(256)) * 1024  # 256 KB, all byte values incl. \r and \n
    cmd = encode_command("SET", "half:big", value)
    cut1 = cmd.index(b"$262144\r\n") + 3   # inside the length header
    cut2 = cut1 + 100000                    # inside the payload
    s = connect(server.port)
    try:
        send_in_pieces(s, [cmd[:cut1], cmd[cut1:cut2], cmd[cut2:-1]])
        assert nothing_pending(s)
        s.sendall(cmd[-1:])
        expect(s, b"+OK\r\n")
        s.sendall(encode_command("GET", "half:big"))
        assert read_exactly(s, len(value) + 11) == b"$262144\r\n" + value + b"\r\n"
    finally:
        s.close()


def test_two_commands_split_at_odd_boundaries(server):
    data = encode_command("SET", "half:two", "v1") + encode_command("GET", "half:two")
    s = connect(server.port)
    try:
        # cut so that the first write ends in the middle of the second command
        send_in_pieces(s, [data[:30], data[30:]])
        expect(s, b"+OK\r\n$2\r\nv1\r\n")
    finally:
        s.close()


def test_inline_command_split_across_writes(server):
    s = connect(server.port)
    try:
        send_in_pieces(s, [b"SE", b"T half:in", b"line v", b"al\r"])
        assert nothing_pending(s)
        s.sendall(b"\n")
        expect(s, b"+OK\r\n")
        send_in_pieces(s, [b"GET half:inline", b"\r\n"])
        expect(s, b"$3\r\nval\r\n")
    finally:
        s.close()


# ---------------------------------------------------------------------------
# Inline commands
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("request_bytes, replies", [
    (b"PING\r\n", [b"+PONG\r\n"]),
    (b"PING\n", [b"+PONG\r\n"]),                       # bare LF also ends an inline command
    (b"ping hello\r\n", [b"$5\r\nhello\r\n"]),
    (b"SET inl:a b\r\nGET inl:a\r\n", [b"+OK\r\n", b"$1\r\nb\r\n"]),
    (b'SET inl:q "a b"\r\nGET inl:q\r\n', [b"+OK\r\n", b"$3\r\na b\r\n"]),
    (b"SET inl:s 'a b'\r\nGET inl:s\r\n", [b"+OK\r\n", b"$3\r\na b\r\n"]),
    (b'SET inl:e "x\\x41\\n\\"y"\r\nGET inl:e\r\n', [b"+OK\r\n", b'$5\r\nxA\n"y\r\n']),
    (b"SET   inl:ws    spaced   \r\nGET inl:ws\r\n", [b"+OK\r\n", b"$6\r\nspaced\r\n"]),
    (b'SET inl:empty ""\r\nSTRLEN inl:empty\r\n', [b"+OK\r\n", b":0\r\n"]),
    (b"\r\n\r\n\nPING\r\n", [b"+PONG\r\n"]),            # empty lines are ignored
], ids=["ping-crlf", "ping-lf", "ping-arg", "set-get", "double-quotes", "single-quotes",
        "escapes", "extra-spaces", "empty-quoted", "empty-lines"])
def test_inline_commands(client, request_bytes, replies):
    client.send_raw(request_bytes)
    assert client.read_replies(len(replies)) == replies
    assert client.command("PING") == b"+PONG\r\n"


def test_empty_multibulk_and_negative_count_are_ignored(client):
    # Redis silently skips "*0\r\n" and "*-1\r\n" (no reply) and goes on.
    client.send_raw(b"*0\r\n*-1\r\n*-5\r\nPING\r\n")
    assert client.read_reply() == b"+PONG\r\n"


def test_crlf_after_bulk_payload_is_not_checked(client):
    # Redis skips the two bytes after a bulk payload without checking them.
    client.send_raw(b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n")
    assert client.read_replies(2) == [b"+PONG\r\n", b"+PONG\r\n"]


def test_inline_line_of_exactly_64k_is_accepted(server):
    # The limit is "more than 64 KB buffered without a newline": 65536 bytes
    # followed by a newline is still a (bogus) command, answered normally.
    s = connect(server.port)
    try:
        s.sendall(b"x" * 65536)
        s.sendall(b"\r\nPING\r\n")
        head = b"-ERR unknown command '" + b"x" * 128 + b"', with args beginning with: \r\n"
        assert read_exactly(s, len(head) + 7) == head + b"+PONG\r\n"
    finally:
        s.close()

