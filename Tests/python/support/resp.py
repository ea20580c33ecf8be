"""Raw RESP2/RESP3 client for byte-exact reply comparison.

Only the standard library is used.  The client never interprets a reply:
``command()`` / ``read_reply()`` return the exact bytes of ONE reply frame as
sent by the server, so two servers can be compared byte for byte.  ``parse()``
turns such raw bytes into a small tagged tree when a test needs to normalise a
nondeterministic reply (timestamps, ids, ...).

Frame rules (https://github.com/redis/redis-specifications/blob/master/protocol/RESP3.md):

* line types     ``+ - : _ , # (``           -> ``<type><line>\\r\\n``
* blob types     ``$ ! =``                   -> ``<type><len>\\r\\n<len bytes>\\r\\n``
                 (``$-1`` is the RESP2 null bulk and has no payload)
* aggregates     ``* ~ >``                   -> ``<type><n>\\r\\n`` + n frames
                 ``% |``                     -> ``<type><n>\\r\\n`` + 2n frames
                 (``*-1`` is the RESP2 null array and has no elements)
* an attribute (``|``) is not a reply on its own: it is always followed by the
  value it decorates, and ``read_reply()`` returns attribute + value together.
* a push (``>``) is a complete frame; callers that expect an out-of-band push
  before the real reply read twice (see ``read_reply(skip_push=...)``).
"""

from __future__ import annotations

import socket
from typing import Iterable, List, Optional, Sequence, Tuple, Union

Arg = Union[bytes, bytearray, memoryview, str, int, float]

LINE_TYPES = b"+-:_,#("
BLOB_TYPES = b"$!="
ARRAY_TYPES = b"*~>"
PAIR_TYPES = b"%|"


class RespError(Exception):
    """Malformed data from the server (not a -ERR reply, which is data)."""


class ConnectionClosed(RespError):
    """The server closed the connection before a full reply arrived."""

    def __init__(self, partial: bytes = b""):
        super().__init__("connection closed by server (partial=%r)" % (partial[:200],))
        self.partial = partial


def to_bytes(arg: Arg) -> bytes:
    if isinstance(arg, bytes):
        return arg
    if isinstance(arg, (bytearray, memoryview)):
        return bytes(arg)
    if isinstance(arg, str):
        return arg.encode("utf-8")
    if isinstance(arg, bool):  # bool is an int subclass; be explicit
        return b"1" if arg else b"0"
    if isinstance(arg, (int, float)):
        return repr(arg).encode("ascii")
    raise TypeError("cannot encode %r as a RESP argument" % (arg,))


def encode_command(*args: Arg) -> bytes:
    """Encode one command as a RESP multibulk (``*n`` + ``$len`` bulks)."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        b = to_bytes(a)
        parts.append(b"$%d\r\n" % len(b))
        parts.append(b)
        parts.append(b"\r\n")
    return b"".join(parts)


def encode_pipeline(commands: Iterable[Sequence[Arg]]) -> bytes:
    return b"".join(encode_command(*c) for c in commands)


# ---------------------------------------------------------------------------
# Frame scanning (no allocation of parsed values: just find where a frame ends)
# ---------------------------------------------------------------------------

class _Incomplete(Exception):
    pass


def _line_end(buf: bytes, pos: int) -> int:
    """Index of the '\\r' that terminates the line starting at pos."""
    idx = buf.find(b"\r\n", pos)
    if idx < 0:
        raise _Incomplete()
    return idx


def _scan(buf: bytes, pos: int) -> int:
    """Return the index just past the frame starting at ``pos``."""
    if pos >= len(buf):
        raise _Incomplete()
    t = buf[pos]
    end = _line_end(buf, pos + 1)
    header = buf[pos + 1:end]
    nxt = end + 2
    if t in LINE_TYPES:
        return nxt
    if t in BLOB_TYPES:
        try:
            n = int(header)
        except ValueError:
            raise RespError("bad blob length %r at %d" % (header, pos))
        if n < 0:  # $-1 null bulk
            return nxt
        stop = nxt + n + 2
        if len(buf) < stop:
            raise _Incomplete()
        if buf[stop - 2:stop] != b"\r\n":
            raise RespError("blob not terminated by CRLF at %d" % (stop - 2))
        return stop
    if t in ARRAY_TYPES or t in PAIR_TYPES:
        try:
            n = int(header)
        except ValueError:
            raise RespError("bad aggregate length %r at %d" % (header, pos))
        if n < 0:  # *-1 null array
            return nxt
        if t in PAIR_TYPES:
            n *= 2
        p = nxt
        for _ in range(n):
            p = _scan(buf, p)
        if t == ord("|"):
            # An attribute decorates the next value: they form one reply.
            p = _scan(buf, p)
        return p
    raise RespError("unknown RESP type byte %r at %d in %r" % (chr(t), pos, buf[max(0, pos - 20):pos + 40]))


def frame_length(buf: bytes, pos: int = 0) -> Optional[int]:
    """Length of the complete frame at buf[pos:], or None if incomplete."""
    try:
        return _scan(buf, pos) - pos
    except _Incomplete:
        return None


def split_frames(data: bytes) -> List[bytes]:
    """Split a byte string holding several complete frames."""
    out = []
    pos = 0
    while pos < len(data):
        n = frame_length(data, pos)
        if n is None:
            raise RespError("incomplete trailing frame: %r" % (data[pos:pos + 100],))
        out.append(data[pos:pos + n])
        pos += n
    return out


# ---------------------------------------------------------------------------
# Parsing into a tagged tree (for normalisation only)
# ---------------------------------------------------------------------------
#
# Every node is a tuple (type_char, payload):
#   line types  -> (t, bytes)           e.g. ('+', b'OK'), (':', b'42'), ('_', b'')
#   blob types  -> (t, bytes | None)    None for $-1
#   * ~ >       -> (t, [nodes] | None)  None for *-1
#   % |         -> (t, [(k, v), ...])
#   attribute   -> ('|', [(k, v)...], value)   (3-tuple: attribute + decorated value)

Node = tuple


def _parse(buf: bytes, pos: int) -> Tuple[Node, int]:
    t = chr(buf[pos])
    end = _line_end(buf, pos + 1)
    header = buf[pos + 1:end]
    nxt = end + 2
    if t in "+-:_,#(":
        return (t, header), nxt
    if t in "$!=":
        n = int(header)
        if n < 0:
            return (t, None), nxt
        return (t, buf[nxt:nxt + n]), nxt + n + 2
    if t in "*~>":
        n = int(header)
        if n < 0:
            return (t, None), nxt
        items = []
        p = nxt
        for _ in range(n):
            node, p = _parse(buf, p)
            items.append(node)
        return (t, items), p
    if t in "%|":
        n = int(header)
        pairs = []
        p = nxt
        for _ in range(n):
            k, p = _parse(buf, p)
            v, p = _parse(buf, p)
            pairs.append((k, v))
        if t == "|":
            value, p = _parse(buf, p)
            return ("|", pairs, value), p
        return (t, pairs), p
    raise RespError("unknown RESP type %r" % t)


def parse(raw: bytes) -> Node:
    """Parse exactly one raw frame into a tagged tree."""
    node, p = _parse(raw, 0)
    if p != len(raw):
        raise RespError("trailing bytes after frame: %r" % (raw[p:p + 50],))
    return node


def serialize(node: Node) -> bytes:
    """Inverse of parse(); handy to re-encode a normalised tree."""
    t = node[0]
    if t in "+-:_,#(":
        return t.encode() + node[1] + b"\r\n"
    if t in "$!=":
        if node[1] is None:
            return t.encode() + b"-1\r\n"
        return b"%s%d\r\n%s\r\n" % (t.encode(), len(node[1]), node[1])
    if t in "*~>":
        if node[1] is None:
            return t.encode() + b"-1\r\n"
        return b"%s%d\r\n" % (t.encode(), len(node[1])) + b"".join(serialize(x) for x in node[1])
    if t in "%|":
        out = b"%s%d\r\n" % (t.encode(), len(node[1])) + b"".join(
            serialize(k) + serialize(v) for k, v in node[1])
        if t == "|":
            out += serialize(node[2])
        return out
    raise RespError("cannot serialize %r" % (node,))


def to_python(node: Node):
    """Loose conversion to plain Python values (bytes/int/list/dict/None)."""
    t = node[0]
    if t == "=":  # verbatim: drop the 3-letter format + ':' like redis-py does
        return node[1][4:]
    if t in "+$(!,-":
        return node[1]
    if t == ":":
        return int(node[1])
    if t == "_":
        return None
    if t == "#":
        return node[1] == b"t"
    if t in "*~>":
        return None if node[1] is None else [to_python(x) for x in node[1]]
    if t == "%":
        return {_hashable(to_python(k)): to_python(v) for k, v in node[1]}
    if t == "|":
        return to_python(node[2])
    raise RespError("cannot convert %r" % (node,))


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


def bulk_payload(node: Node) -> Optional[bytes]:
    """Text of a bulk / verbatim / simple string node (verbatim drops 'txt:')."""
    t = node[0]
    if t == "=" and node[1] is not None:
        return node[1][4:]
    if t in "$+":
        return node[1]
    return None


# ---------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------

class RespClient:
    """A blocking RESP connection that returns replies as raw bytes."""

    def __init__(self, host: str = "127.0.0.1", port: int = 6379, timeout: float = 10.0):
        self.host = host
        self.port = port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    # -- context manager -------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # -- writing ----------------------------------------------------------
    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_command(self, *args: Arg) -> None:
        self.sock.sendall(encode_command(*args))

    # -- reading ----------------------------------------------------------
    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            partial, self.buf = self.buf, b""
            raise ConnectionClosed(partial)
        self.buf += chunk

    def read_frame(self) -> bytes:
        """Read exactly one frame (an attribute comes with its value)."""
        while True:
            n = frame_length(self.buf)
            if n is not None:
                frame, self.buf = self.buf[:n], self.buf[n:]
                return frame
            self._fill()

    def read_reply(self, skip_push: bool = False) -> bytes:
        """Read one reply.  With skip_push, out-of-band push frames (``>``)
        that precede it are returned concatenated in front of it."""
        frame = self.read_frame()
        if skip_push:
            out = frame
            while frame[:1] == b">":
                frame = self.read_frame()
                out += frame
            return out
        return frame

    def read_replies(self, n: int) -> List[bytes]:
        return [self.read_reply() for _ in range(n)]

    def command(self, *args: Arg) -> bytes:
        """Send one command and return the raw bytes of its reply."""
        self.send_command(*args)
        return self.read_reply()

    def raw(self, data: bytes, replies: int = 1) -> bytes:
        """Send raw bytes and return the concatenation of ``replies`` frames."""
        self.send_raw(data)
        return b"".join(self.read_replies(replies))

    def pipeline(self, commands: Sequence[Sequence[Arg]]) -> List[bytes]:
        """Send all commands in one write; return one raw reply per command."""
        self.send_raw(encode_pipeline(commands))
        return self.read_replies(len(commands))

    def parsed(self, *args: Arg) -> Node:
        return parse(self.command(*args))

    def value(self, *args: Arg):
        """Send a command, return its reply as loose Python data."""
        return to_python(self.parsed(*args))

    def is_closed(self, timeout: float = 2.0) -> bool:
        """True if the server closes the connection (EOF) within timeout and
        sent nothing else.  Any unread data is a failure (returns False)."""
        if self.buf:
            return False
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        finally:
            try:
                self.sock.settimeout(old)
            except OSError:
                pass
        if data:
            self.buf += data
            return False
        return True
