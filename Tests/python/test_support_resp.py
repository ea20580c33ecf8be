"""Unit tests of the raw RESP reader in support/resp.py (no server needed)."""

import socket
import threading

import pytest

from support.resp import (RespClient, encode_command, frame_length, parse, serialize, split_frames,
                          to_python)

FRAMES = [
    b"+OK\r\n", b"-ERR x\r\n", b":-42\r\n", b"$-1\r\n", b"*-1\r\n", b"$0\r\n\r\n", b"_\r\n",
    b",3.14\r\n", b"#t\r\n", b"(123456789012345678901234567890\r\n", b"!3\r\nerr\r\n",
    b"=8\r\ntxt:a\r\nb\r\n", b"$4\r\n\r\n\r\n\r\n", b"*0\r\n", b"%0\r\n",
    b"*2\r\n*1\r\n:1\r\n$-1\r\n", b"%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n",
    b"|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n:1\r\n$5\r\nvalue\r\n",
    b">2\r\n$7\r\nmessage\r\n$1\r\nx\r\n",
    b"*3\r\n%1\r\n$1\r\na\r\n*-1\r\n|1\r\n+a\r\n:1\r\n:2\r\n_\r\n",
]


@pytest.mark.parametrize("frame", FRAMES)
def test_frame_length_exact_and_incomplete(frame):
    assert frame_length(frame) == len(frame)
    assert frame_length(frame + b"+NEXT\r\n") == len(frame)
    for cut in range(len(frame)):
        assert frame_length(frame[:cut]) is None
    assert serialize(parse(frame)) == frame


def test_split_and_python_values():
    data = b"".join(FRAMES)
    assert split_frames(data) == FRAMES
    assert to_python(parse(b"*2\r\n:1\r\n$-1\r\n")) == [1, None]
    assert to_python(parse(b"%1\r\n+k\r\n#f\r\n")) == {b"k": False}
    assert to_python(parse(b"=8\r\ntxt:a\r\nb\r\n")) == b"a\r\nb"


def test_encode_command():
    assert encode_command("SET", b"k\x00", 12) == b"*3\r\n$3\r\nSET\r\n$2\r\nk\x00\r\n$2\r\n12\r\n"
    assert encode_command(["PING"]) == b"*1\r\n$4\r\nPING\r\n"


def test_client_reads_byte_by_byte():
    """Frames dribbled one byte at a time are reassembled, one reply each."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]

    def serve():
        conn, _ = lsock.accept()
        conn.recv(1024)
        for b in b"".join(FRAMES):
            conn.sendall(bytes([b]))
        conn.close()

    t = threading.Thread(target=serve)
    t.start()
    try:
        c = RespClient("127.0.0.1", port, timeout=5)
        c.send_command("PING")
        got = [c.read_reply() for _ in FRAMES]
        assert got == FRAMES
        assert c.is_closed()
    finally:
        t.join(5)
        lsock.close()
