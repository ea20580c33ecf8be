#!/usr/bin/env python3
"""Generate Sources/Server/Commands/CommandMetadata+Generated.swift from a real redis-server.

Starts redis-server (default /usr/bin/redis-server, must be 7.0.x) on a free local port,
switches the connection to RESP3 (HELLO 3) and, for every name returned by COMMAND LIST
(top-level commands *and* subcommands such as "config|get"), captures:

  * info: the raw RESP3 bytes of the single entry of `COMMAND INFO <name>` (the 10-element
          array, without the outer one-element array);
  * docs: the raw RESP3 bytes of the value in `COMMAND DOCS <name>` (the docs map of that
          command, without the outer one-pair map and without the name key).

It then writes the Swift file with two tables:

  generatedCommandMetadata  (name, info, docs)   -- raw RESP3 bytes, for COMMAND INFO/DOCS
  generatedCommandTable     (name, arity, flags, firstKey, lastKey, step, aclCategories,
                             subcommands)        -- compact dispatcher data

Usage:
  scripts/gen_command_metadata.py [--redis-server PATH] [--output PATH]
  scripts/check_command_metadata.py          # verifies the Swift encoder against redis

Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(REPO, "Sources", "Server", "Commands", "CommandMetadata+Generated.swift")
DEFAULT_SERVER = "/usr/bin/redis-server"


# --------------------------------------------------------------------------------------------
# Minimal RESP2/RESP3 reader working on raw bytes, so we can slice exact sub-replies.
# --------------------------------------------------------------------------------------------

class Incomplete(Exception):
    pass


def _line(buf: bytes, pos: int) -> tuple[bytes, int]:
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete()
    return buf[pos:end], end + 2


def resp_skip(buf: bytes, pos: int) -> int:
    """Return the offset just past the RESP value starting at `pos`."""
    if pos >= len(buf):
        raise Incomplete()
    t = buf[pos:pos + 1]
    body, nxt = _line(buf, pos + 1)
    if t in (b"+", b"-", b":", b"_", b",", b"#", b"("):
        return nxt
    if t in (b"$", b"=", b"!"):
        n = int(body)
        if n < 0:
            return nxt
        if len(buf) < nxt + n + 2:
            raise Incomplete()
        return nxt + n + 2
    if t in (b"*", b"~", b">", b"%", b"|"):
        n = int(body)
        if n < 0:
            return nxt
        if t in (b"%", b"|"):
            n *= 2
        for _ in range(n):
            nxt = resp_skip(buf, nxt)
        if t == b"|":  # attribute: followed by the actual value
            nxt = resp_skip(buf, nxt)
        return nxt
    raise ValueError("bad RESP type byte %r at %d" % (t, pos))


def resp_children(buf: bytes, pos: int) -> tuple[bytes, list[tuple[int, int]], int]:
    """For an aggregate at `pos`: (type byte, [(start, end)] of each child, end)."""
    t = buf[pos:pos + 1]
    body, nxt = _line(buf, pos + 1)
    n = int(body)
    if t == b"%":
        n *= 2
    spans = []
    for _ in range(max(n, 0)):
        e = resp_skip(buf, nxt)
        spans.append((nxt, e))
        nxt = e
    return t, spans, nxt


def resp_decode(buf: bytes, pos: int = 0) -> tuple[Any, int]:
    """Decode to Python values (maps -> list of pairs, sets/arrays -> list)."""
    t = buf[pos:pos + 1]
    body, nxt = _line(buf, pos + 1)
    if t in (b"+", b"-", b",", b"("):
        return body.decode(), nxt
    if t == b":":
        return int(body), nxt
    if t == b"_":
        return None, nxt
    if t == b"#":
        return body == b"t", nxt
    if t in (b"$", b"=", b"!"):
        n = int(body)
        if n < 0:
            return None, nxt
        return buf[nxt:nxt + n].decode(), nxt + n + 2
    if t in (b"*", b"~", b">"):
        n = int(body)
        if n < 0:
            return None, nxt
        out = []
        for _ in range(n):
            v, nxt = resp_decode(buf, nxt)
            out.append(v)
        return out, nxt
    if t == b"%":
        out = []
        for _ in range(int(body)):
            k, nxt = resp_decode(buf, nxt)
            v, nxt = resp_decode(buf, nxt)
            out.append((k, v))
        return out, nxt
    raise ValueError("bad RESP type byte %r" % t)


# --------------------------------------------------------------------------------------------
# Talking to redis-server
# --------------------------------------------------------------------------------------------

def encode_command(*args: str | bytes) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


class Conn:
    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def call(self, *args: str | bytes) -> bytes:
        """Send one command, return the raw bytes of exactly one reply."""
        self.sock.sendall(encode_command(*args))
        while True:
            try:
                end = resp_skip(self.buf, 0)
                reply, self.buf = self.buf[:end], self.buf[end:]
                return reply
            except Incomplete:
                pass
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk

    def close(self) -> None:
        self.sock.close()


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class RedisServer:
    """Context manager running a throw-away redis-server."""

    def __init__(self, binary: str = DEFAULT_SERVER):
        self.binary = binary
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.tmp = tempfile.TemporaryDirectory(prefix="apus-gen-")

    def __enter__(self) -> "RedisServer":
        for _attempt in range(5):
            self.port = free_port()
            self.proc = subprocess.Popen(
                [self.binary, "--save", "", "--appendonly", "no", "--port", str(self.port),
                 "--bind", "127.0.0.1", "--dir", self.tmp.name],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.tmp.name)
            deadline = time.time() + 10
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break  # died (port raced?) -> retry
                try:
                    c = Conn(self.port)
                    if c.call("PING") == b"+PONG\r\n":
                        c.close()
                        return self
                    c.close()
                except OSError:
                    pass
                time.sleep(0.05)
            self._stop()
        raise RuntimeError("could not start %s" % self.binary)

    def _stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __exit__(self, *exc: object) -> None:
        self._stop()
        self.tmp.cleanup()

    def connect(self, resp3: bool) -> Conn:
        c = Conn(self.port)
        if resp3:
            r = c.call("HELLO", "3")
            if not r.startswith(b"%"):
                raise RuntimeError("HELLO 3 failed: %r" % r[:200])
        return c


def server_version(conn: Conn) -> str:
    info = conn.call("INFO", "server")
    text, _ = resp_decode(info)
    for line in text.splitlines():
        if line.startswith("redis_version:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def command_list(conn: Conn) -> list[str]:
    names, _ = resp_decode(conn.call("COMMAND", "LIST"))
    return sorted(n.lower() for n in names)


def info_entry(conn: Conn, name: str) -> bytes:
    """Raw bytes of the single element of COMMAND INFO <name>."""
    reply = conn.call("COMMAND", "INFO", name)
    t, spans, end = resp_children(reply, 0)
    assert t == b"*" and len(spans) == 1 and end == len(reply), (name, reply[:100])
    s, e = spans[0]
    entry = reply[s:e]
    assert entry[:1] == b"*", (name, entry[:100])
    return entry


def docs_entry(conn: Conn, name: str) -> bytes:
    """Raw bytes of the value in COMMAND DOCS <name> (RESP3: %1 <name> <docs-map>)."""
    reply = conn.call("COMMAND", "DOCS", name)
    t, spans, end = resp_children(reply, 0)
    assert end == len(reply) and len(spans) == 2, (name, reply[:100])
    key, _ = resp_decode(reply, spans[0][0])
    assert key == name, (key, name)
    s, e = spans[1]
    return reply[s:e]


# Redis keeps subcommands in a dict hashed with a per-process random seed, so the order of a
# container's nested subcommands (COMMAND INFO element 10, COMMAND DOCS "subcommands" map) --
# like the order of COMMAND LIST and of COMMAND INFO/DOCS without arguments -- changes from one
# redis-server run to the next. To get a deterministic file we sort nested subcommands by name;
# every other byte is exactly what redis sent. The checker applies the same canonicalisation.

def canonical_info(entry: bytes) -> bytes:
    """Sort the nested subcommand entries (element 10) of a COMMAND INFO entry by name."""
    t, spans, end = resp_children(entry, 0)
    assert t == b"*" and len(spans) == 10 and end == len(entry), entry[:80]
    s10, e10 = spans[9]
    t10, subs, _ = resp_children(entry, s10)
    if not subs:
        return entry
    parts = sorted((canonical_info(entry[s:e]) for s, e in subs),
                   key=lambda b: resp_decode(b)[0][0])
    nested = entry[s10:subs[0][0]] + b"".join(parts)
    return entry[:s10] + nested + entry[e10:]


def canonical_docs(docs: bytes) -> bytes:
    """Sort the "subcommands" map of a COMMAND DOCS docs map by subcommand name."""
    t, spans, end = resp_children(docs, 0)
    assert t in (b"%", b"*") and end == len(docs), docs[:80]
    for i in range(0, len(spans), 2):
        if resp_decode(docs, spans[i][0])[0] != "subcommands":
            continue
        vs, ve = spans[i + 1]
        _, kv, _ = resp_children(docs, vs)
        if not kv:
            return docs
        pairs = [(resp_decode(docs, kv[j][0])[0],
                  docs[kv[j][0]:kv[j][1]] + canonical_docs(docs[kv[j + 1][0]:kv[j + 1][1]]))
                 for j in range(0, len(kv), 2)]
        pairs.sort()
        return docs[:vs] + docs[vs:kv[0][0]] + b"".join(p for _, p in pairs) + docs[ve:]
    return docs


def capture(conn: Conn) -> list[tuple[str, bytes, bytes]]:
    return [(n, canonical_info(info_entry(conn, n)), canonical_docs(docs_entry(conn, n)))
            for n in command_list(conn)]


# --------------------------------------------------------------------------------------------
# Swift output
# --------------------------------------------------------------------------------------------

def swift_literal(data: bytes) -> str:
    out = ['"']
    for ch in data.decode("utf-8"):
        o = ord(ch)
        if ch == "\r":
            out.append("\\r")
        elif ch == "\n":
            out.append("\\n")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        else:
            out.append("\\u{%X}" % o)
    out.append('"')
    return "".join(out)


def swift_string(s: str) -> str:
    return swift_literal(s.encode())


def table_rows(entries: list[tuple[str, bytes, bytes]]) -> list[str]:
    subs: dict[str, list[str]] = {}
    parsed = {}
    for name, info, _docs in entries:
        v, end = resp_decode(info)
        assert end == len(info)
        assert v[0] == name, (v[0], name)
        parsed[name] = v
        if "|" in name:
            parent, sub = name.split("|", 1)
            subs.setdefault(parent, []).append(sub)
    rows = []
    for name, _info, _docs in entries:
        v = parsed[name]
        _n, arity, flags, first, last, step, acl = v[:7]
        nested = sorted(e[0].split("|", 1)[1] for e in v[9])
        assert nested == sorted(subs.get(name, [])), name
        acl = [a[1:] if a.startswith("@") else a for a in acl]
        rows.append("    (%s, %d, %s, %d, %d, %d, %s, %s)," % (
            swift_string(name), arity, swift_string(" ".join(flags)), first, last, step,
            swift_string(" ".join(acl)), swift_string(" ".join(nested))))
    return rows


def observed(entries: list[tuple[str, bytes, bytes]], index: int) -> list[str]:
    """Distinct values of COMMAND INFO element `index` (a flag/category set) in first-seen order."""
    seen: dict[str, None] = {}
    for _name, info, _docs in entries:
        for v in resp_decode(info)[0][index]:
            seen.setdefault(v, None)
    return list(seen)


def wrap(text: str, prefix: str, width: int = 100) -> list[str]:
    lines, cur = [], prefix
    for word in text.split():
        if len(cur) + len(word) + 1 > width and cur != prefix:
            lines.append(cur.rstrip())
            cur = prefix
        cur += word + " "
    lines.append(cur.rstrip())
    return lines


def render(entries: list[tuple[str, bytes, bytes]], version: str) -> str:
    top = sum(1 for n, _, _ in entries if "|" not in n)
    out = []
    w = out.append
    w("// Generated by scripts/gen_command_metadata.py from redis-server %s. Do not edit." % version)
    w("//")
    w("// Regenerate:  python3 scripts/gen_command_metadata.py")
    w("// Verify:      python3 scripts/check_command_metadata.py")
    w("//")
    w("// %d names from COMMAND LIST: %d top-level commands (= COMMAND COUNT) and %d subcommands," % (
        len(entries), top, len(entries) - top))
    w("// sorted by name. Subcommands use Redis's full name \"container|sub\" (e.g. \"config|get\"),")
    w("// the same spelling COMMAND LIST/INFO/DOCS use and accept.")
    w("")
    w("/// Raw RESP3 bytes captured from redis-server, one row per COMMAND LIST name.")
    w("///")
    w("/// - `info`: the entry of `COMMAND INFO <name>` (a 10-element array), without the outer")
    w("///   one-element array. A container's entry nests its subcommands' entries (element 10).")
    w("/// - `docs`: the docs map of `COMMAND DOCS <name>` (the map value, without the outer map and")
    w("///   without the name key). A container's map nests its subcommands' docs (\"subcommands\").")
    w("///")
    w("/// Parse with `ReplyTree.parse` and re-encode with `encode(resp3:into:)` to answer in the")
    w("/// client's protocol; the bytes round-trip exactly in RESP3 and match Redis in RESP2.")
    w("let generatedCommandMetadata: [(name: StaticString, info: StaticString, docs: StaticString)] = [")
    for name, info, docs in entries:
        w("    (%s, %s, %s)," % (swift_string(name), swift_literal(info), swift_literal(docs)))
    w("]")
    w("")
    w("/// Dispatcher table derived from the same COMMAND INFO data: one row per top-level command AND")
    w("/// one per subcommand, sorted by name (same rows and order as `generatedCommandMetadata`).")
    w("///")
    w("/// - `name`: lowercase; a subcommand row is named \"container|sub\" (e.g. \"client|id\").")
    w("/// - `arity`: Redis arity. N > 0: exactly N argv entries; N < 0: at least -N. It counts the")
    w("///   command name and, for subcommands, the subcommand name too (CONFIG GET: -3).")
    w("///   A container row's own arity is -2 (container name + subcommand), except \"command\": -1")
    w("///   (bare COMMAND is valid and returns every command's info).")
    w("/// - `flags`: space-separated lowercase command flags in COMMAND INFO order,")
    w("///   e.g. \"write denyoom fast\"; \"\" if none. Flags occurring in this table:")
    for line in wrap(" ".join(observed(entries, 2)) + ".", "///     "):
        w(line)
    w("/// - `firstKey`, `lastKey`, `step`: legacy key positions (COMMAND INFO elements 4-6). 0 0 0 =")
    w("///   no keys; lastKey < 0 counts from the end (-1 = last argument). If flags contain")
    w("///   \"movablekeys\" these positions are incomplete and the command needs its own key finder.")
    w("/// - `aclCategories`: space-separated ACL categories without the '@', e.g. \"read string fast\".")
    w("///   Categories occurring in this table:")
    for line in wrap(" ".join(c[1:] for c in observed(entries, 6)) + ".", "///     "):
        w(line)
    w("/// - `subcommands`: for a container command, its space-separated lowercase subcommand names")
    w("///   (e.g. \"getname id kill ...\" for client); each has its own row \"client|getname\" etc.")
    w("///   \"\" for ordinary commands and for subcommand rows.")
    w("///")
    w("/// Dispatch: look up lowercased argv[0]; if its `subcommands` is non-empty and argc >= 2, look")
    w("/// up \"argv0|lowercase(argv1)\" instead (Redis answers an unknown one with")
    w("/// \"ERR unknown subcommand '<argv1 as sent>'. Try <ARGV0 UPPERCASED> HELP.\"); a container")
    w("/// called alone is checked against its own arity (-2 -> wrong number of arguments).")
    w("let generatedCommandTable: [(name: StaticString, arity: Int, flags: StaticString, firstKey: Int, lastKey: Int, step: Int, aclCategories: StaticString, subcommands: StaticString)] = [")
    out.extend(table_rows(entries))
    w("]")
    w("")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--redis-server", default=DEFAULT_SERVER)
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    args = ap.parse_args()

    with RedisServer(args.redis_server) as srv:
        conn = srv.connect(resp3=True)
        version = server_version(conn)
        if not version.startswith("7.0."):
            print("warning: redis-server version is %s, expected 7.0.x" % version, file=sys.stderr)
        entries = capture(conn)
        count, _ = resp_decode(conn.call("COMMAND", "COUNT"))
        conn.close()

    top = sum(1 for n, _, _ in entries if "|" not in n)
    assert top == count, (top, count)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    text = render(entries, version)
    with open(args.output, "w") as f:
        f.write(text)
    print("wrote %s: %d names (%d commands, %d subcommands), %d bytes" % (
        os.path.relpath(args.output), len(entries), top, len(entries) - top, len(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
