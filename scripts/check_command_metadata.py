#!/usr/bin/env python3
"""Check the generated command metadata + Swift ReplyTree encoder against a real redis-server.

1. Compiles (swiftc, in a temp dir) Sources/RESP/ReplyTree.swift +
   Sources/Server/Commands/CommandMetadata+Generated.swift + a tiny driver that, for every row,
   parses the stored RESP3 bytes with ReplyTree.parse and prints the encodings of the full replies
   of `COMMAND INFO <name>` and `COMMAND DOCS <name>` in RESP2 and RESP3, plus a few composite
   replies (several names, a nonexistent name). The driver also asserts that the stored RESP3 bytes
   round-trip and that each container's nested subcommand entries equal the subcommand rows.
2. Starts redis-server, asks the same questions over a RESP2 and a RESP3 connection and compares
   byte for byte. Redis orders a container's nested subcommands (and COMMAND LIST / argument-less
   COMMAND INFO / DOCS) in hash order with a per-process random seed, so nested subcommands are
   sorted by name on the redis side before comparing (see gen_command_metadata.py), and the
   argument-less forms are compared as multisets of entries.

Usage: scripts/check_command_metadata.py [--redis-server PATH] [--keep DIR]
Exit status 0 iff everything matches.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_command_metadata as gen  # noqa: E402

REPLY_TREE = os.path.join(gen.REPO, "Sources", "RESP", "ReplyTree.swift")

# Composite queries whose full replies the driver assembles (outer framing as Redis sends it).
COMPOSITES = [
    ("info_multi", ["COMMAND", "INFO", "get", "config|get", "nonexistent", "set"]),
    ("docs_multi", ["COMMAND", "DOCS", "get", "nonexistent", "config|get", "set"]),
    ("info_none", ["COMMAND", "INFO", "nonexistent"]),
    ("docs_none", ["COMMAND", "DOCS", "nonexistent"]),
]

DRIVER = r'''
func hex(_ b: [UInt8]) -> String {
    let d: [Character] = Array("0123456789abcdef")
    var s = ""
    s.reserveCapacity(b.count * 2)
    for x in b { s.append(d[Int(x >> 4)]); s.append(d[Int(x & 15)]) }
    return s
}
func bytes(_ s: StaticString) -> [UInt8] {
    Array(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
}
func str(_ s: StaticString) -> String { String(decoding: bytes(s), as: UTF8.self) }
func bulk(_ s: String) -> ReplyTree { .bulk(Array(s.utf8)) }

var failures = 0
func fail(_ msg: String) { failures += 1; print("FAIL\t" + msg) }

var info: [String: ReplyTree] = [:]
var docs: [String: ReplyTree] = [:]
var order: [String] = []
for row in generatedCommandMetadata {
    let name = str(row.name)
    guard let i = ReplyTree.parse(exactly: row.info) else { fail("parse info \(name)"); continue }
    guard let d = ReplyTree.parse(exactly: row.docs) else { fail("parse docs \(name)"); continue }
    if i.encoded(resp3: true) != bytes(row.info) { fail("info RESP3 round trip \(name)") }
    if d.encoded(resp3: true) != bytes(row.docs) { fail("docs RESP3 round trip \(name)") }
    info[name] = i; docs[name] = d; order.append(name)
}
// Field helpers + nested subcommands == subcommand rows.
for name in order {
    let i = info[name]!, d = docs[name]!
    guard let e = i.arrayElements, e.count == 10, e[0].string == name, e[1].int != nil else {
        fail("info shape \(name)"); continue
    }
    if d[key: "summary"]?.string == nil { fail("docs summary \(name)") }
    for sub in e[9].arrayElements ?? [] {
        guard let subName = sub.arrayElements?.first?.string else { fail("nested name \(name)"); continue }
        if info[subName] != sub { fail("nested info \(subName) != row") }
        if d[key: "subcommands"]?[key: subName] != docs[subName] { fail("nested docs \(subName) != row") }
    }
}
for name in order {
    for resp3 in [false, true] {
        let p = resp3 ? "3" : "2"
        print("info\(p)\t\(name)\t" + hex(ReplyTree.array([info[name]!]).encoded(resp3: resp3)))
        print("docs\(p)\t\(name)\t" + hex(ReplyTree.map([(key: bulk(name), value: docs[name]!)]).encoded(resp3: resp3)))
    }
}
// Composite replies: COMMAND INFO -> array with a null (addReplyNull) per unknown name;
// COMMAND DOCS -> map that simply omits unknown names.
let composites: [(String, [String])] = [@COMPOSITES@]
for (label, args) in composites {
    let names = Array(args.dropFirst(2)).map { $0.lowercased() }
    let reply: ReplyTree
    if args[1] == "INFO" {
        reply = .array(names.map { info[$0] ?? .null })
    } else {
        reply = .map(names.compactMap { n in docs[n].map { (key: bulk(n), value: $0) } })
    }
    for resp3 in [false, true] {
        print("\(label)\(resp3 ? "3" : "2")\t-\t" + hex(reply.encoded(resp3: resp3)))
    }
}
print("failures\t-\t\(failures)")
'''


def build_driver(workdir: str) -> str:
    comps = ", ".join('("%s", [%s])' % (label, ", ".join('"%s"' % a for a in args))
                      for label, args in COMPOSITES)
    main = os.path.join(workdir, "main.swift")
    with open(main, "w") as f:
        f.write(DRIVER.replace("@COMPOSITES@", comps))
    exe = os.path.join(workdir, "check-metadata")
    subprocess.run(["swiftc", "-Onone", "-module-name", "CheckMetadata", "-o", exe,
                    REPLY_TREE, gen.DEFAULT_OUTPUT, main], check=True)
    return exe


def canonical_reply(kind: str, raw: bytes) -> bytes:
    """Sort nested subcommands inside a full COMMAND INFO / COMMAND DOCS reply."""
    t, spans, end = gen.resp_children(raw, 0)
    assert end == len(raw)
    parts = []
    if kind == "info":
        for s, e in spans:
            sub = raw[s:e]
            parts.append(gen.canonical_info(sub) if sub[:1] == b"*" else sub)
    else:
        for j in range(0, len(spans), 2):
            parts.append(raw[spans[j][0]:spans[j][1]])
            parts.append(gen.canonical_docs(raw[spans[j + 1][0]:spans[j + 1][1]]))
    return raw[:spans[0][0]] + b"".join(parts) if spans else raw


def entries_multiset(kind: str, raw: bytes) -> list[bytes]:
    """Children of an argument-less COMMAND INFO (entries) / DOCS (name+docs pairs), sorted."""
    canon = canonical_reply(kind, raw)
    _, spans, _ = gen.resp_children(canon, 0)
    if kind == "info":
        return sorted(canon[s:e] for s, e in spans)
    return sorted(canon[spans[j][0]:spans[j + 1][1]] for j in range(0, len(spans), 2))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--redis-server", default=gen.DEFAULT_SERVER)
    ap.add_argument("--keep", help="build the driver in this directory instead of a temp dir")
    args = ap.parse_args()

    workdir = args.keep or tempfile.mkdtemp(prefix="apus-check-")
    os.makedirs(workdir, exist_ok=True)
    exe = build_driver(workdir)
    out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout

    swift: dict[tuple[str, str], bytes] = {}
    driver_failures = 0
    for line in out.splitlines():
        kind, name, payload = line.split("\t")
        if kind == "FAIL":
            print("driver:", name)
        elif kind == "failures":
            driver_failures = int(payload)
        else:
            swift[(kind, name)] = bytes.fromhex(payload)

    names = sorted({n for k, n in swift if k == "info2"})
    ok = {"info2": 0, "info3": 0, "docs2": 0, "docs3": 0}
    bad: list[str] = []
    with gen.RedisServer(args.redis_server) as srv:
        conns = {"2": srv.connect(resp3=False), "3": srv.connect(resp3=True)}
        redis_names = sorted(n.lower() for n in gen.resp_decode(conns["3"].call("COMMAND", "LIST"))[0])
        if redis_names != names:
            bad.append("COMMAND LIST differs: only redis %s, only generated %s" % (
                sorted(set(redis_names) - set(names)), sorted(set(names) - set(redis_names))))
        for name in names:
            for proto, conn in conns.items():
                for kind in ("info", "docs"):
                    raw = conn.call("COMMAND", kind.upper(), name)
                    if canonical_reply(kind, raw) == swift[(kind + proto, name)]:
                        ok[kind + proto] += 1
                    else:
                        bad.append("%s RESP%s %s" % (kind.upper(), proto, name))
        comp_ok = 0
        for label, cmd in COMPOSITES:
            for proto, conn in conns.items():
                raw = conn.call(*cmd)
                kind = "info" if cmd[1] == "INFO" else "docs"
                if canonical_reply(kind, raw) == swift[(label + proto, "-")]:
                    comp_ok += 1
                else:
                    bad.append("%s RESP%s: redis %r swift %r" % (
                        " ".join(cmd), proto, raw[:120], swift[(label + proto, "-")][:120]))
        # Argument-less COMMAND INFO / COMMAND DOCS: same entries (hash order differs per process).
        top = [n for n in names if "|" not in n]
        all_ok = 0
        for proto, conn in conns.items():
            for kind in ("info", "docs"):
                raw = conn.call("COMMAND", kind.upper())
                got = entries_multiset(kind, raw)
                want = []
                for n in top:
                    _, spans, _ = gen.resp_children(swift[(kind + proto, n)], 0)
                    want.append(swift[(kind + proto, n)][spans[0][0]:])
                header = raw[:raw.index(b"\r\n") + 2]
                exp_header = (b"%" if kind == "docs" and proto == "3" else b"*") + \
                    b"%d\r\n" % (len(top) * (2 if kind == "docs" and proto == "2" else 1))
                if got == sorted(want) and header == exp_header:
                    all_ok += 1
                else:
                    bad.append("COMMAND %s (no args) RESP%s" % (kind.upper(), proto))
        for c in conns.values():
            c.close()

    total = len(names)
    for key in ("info2", "info3", "docs2", "docs3"):
        print("%-6s RESP%s: %d/%d match" % ("INFO" if key[:4] == "info" else "DOCS", key[4], ok[key], total))
    print("composite replies (INFO/DOCS with several and unknown names): %d/%d match" % (
        comp_ok, 2 * len(COMPOSITES)))
    print("argument-less COMMAND INFO / COMMAND DOCS (as multisets): %d/4 match" % all_ok)
    print("driver self-checks (round trip, nested == rows, field helpers): %d failures" % driver_failures)
    for b in bad[:50]:
        print("MISMATCH:", b)
    if not args.keep:
        import shutil
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if not bad and driver_failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
