"""Differential tests: the same commands go to Apus and to the real
redis-server (7.0), and the raw reply bytes must be identical, in RESP2 and
again in RESP3 (after HELLO 3).

Layout
    * scripted cases   (test_scripted[...])  deterministic coverage of every
      command / option / error form, one case per area
    * random sequences (test_random[...])    fixed seeds, small keyspace,
      string + keyspace commands interleaved so that they interact
    * pipelining / raw protocol tests

Strictness: replies are compared byte for byte unless the command is listed
with a normaliser; every normaliser says in a comment what it hides and why.

Knobs (environment)
    APUS_DIFF_SEEDS=1,2,3   seeds of the random sequences (default 1..16)
    APUS_DIFF_STEPS=600     commands per random sequence
On a mismatch the message shows the case/seed, protocol, step number, the
command, both raw replies and the commands that preceded it.
"""

import os
import random
import re
import socket
import time

import pytest

from support.resp import ConnectionClosed, bulk_payload, encode_pipeline, parse, serialize

SEEDS = [int(s) for s in os.environ.get("APUS_DIFF_SEEDS", "").split(",") if s.strip()] or list(range(1, 17))
STEPS = int(os.environ.get("APUS_DIFF_STEPS", "600"))
PROTOCOLS = [2, 3]

# A server that does not answer fails the step after this many seconds.
CLIENT_TIMEOUT = float(os.environ.get("APUS_DIFF_TIMEOUT", "5"))

LLONG_MAX = "9223372036854775807"
LLONG_MIN = "-9223372036854775808"


# ===========================================================================
# Harness
# ===========================================================================

def fmt_arg(a):
    if isinstance(a, int):
        return str(a)
    b = a.encode() if isinstance(a, str) else bytes(a)
    if len(b) > 60:
        return "%r...(%d bytes)" % (b[:40], len(b))
    if b and re.fullmatch(rb"[A-Za-z0-9_:\-.*?{}|+]+", b):
        return b.decode()
    return repr(b)


def fmt_cmd(args):
    return " ".join(fmt_arg(a) for a in args)


def fmt_reply(r, limit=1500):
    s = repr(r)
    return s if len(s) <= limit else s[:limit] + "...(%d chars)" % len(s)


class Side:
    """One server as seen by a test: its name, port, dir and a connection."""

    def __init__(self, name, server):
        self.name = name
        self.server = server
        self.port = server.port
        self.dir = server.dir
        self.c = server.client(timeout=CLIENT_TIMEOUT)
        self.extra = []

    def connect(self):
        c = self.server.client(timeout=CLIENT_TIMEOUT)
        self.extra.append(c)
        return c

    def close(self):
        for c in [self.c] + self.extra:
            c.close()


CLOSED = b"<connection closed>"
TIMEOUT = b"<timeout: no reply>"


def _read(side, args, raw, push):
    try:
        if raw is not None:
            side.c.send_raw(raw)
        else:
            side.c.send_command(*args)
        return side.c.read_reply(skip_push=push)
    except ConnectionClosed as e:
        return CLOSED + e.partial
    except (socket.timeout, TimeoutError):
        return TIMEOUT
    except (ConnectionResetError, BrokenPipeError):
        return CLOSED


class Pair:
    """Apus and Redis driven in lockstep; every step is compared at once."""

    def __init__(self, apus, redis, label, proto):
        self.label = label
        self.proto = proto
        self.a = Side("apus", apus)
        self.b = Side("redis", redis)
        self.step_no = 0
        self.history = []

    def close(self):
        self.a.close()
        self.b.close()

    # -- failure report ------------------------------------------------------
    def fail(self, desc, va, vb, na=None, nb=None):
        lines = ["[%s resp%d] step %d mismatch" % (self.label, self.proto, self.step_no),
                 "command: %s" % desc,
                 "apus : %s" % fmt_reply(va),
                 "redis: %s" % fmt_reply(vb)]
        if isinstance(na, dict) and isinstance(nb, dict):
            for k in sorted(set(na) | set(nb), key=str):
                if na.get(k) != nb.get(k):
                    x, y = na.get(k), nb.get(k)
                    if isinstance(x, list) and isinstance(y, list):
                        x, y = ([i for i in x if i not in y], [i for i in y if i not in x]) if set(
                            map(str, x)) != set(map(str, y)) else (x, y)
                    lines.append("differs in %r: apus %s / redis %s" % (k, fmt_reply(x, 600), fmt_reply(y, 600)))
        elif na is not None or nb is not None:
            lines += ["normalized apus : %s" % fmt_reply(na),
                      "normalized redis: %s" % fmt_reply(nb)]
        lines.append("preceding commands (oldest first):")
        lines += ["  %s" % h for h in self.history[-16:-1]]
        raise AssertionError("\n".join(lines))

    # -- steps ---------------------------------------------------------------
    def cmd(self, *args, norm=None, cmp=None, push=False, raw=None):
        """Send one command (or raw bytes) to both servers and compare.

        norm(reply_bytes, side) -> comparable : both normalised values must be equal
        cmp(reply_a, reply_b) -> bool         : custom pairwise comparison
        push=True: a RESP3 push frame before the reply is read as part of it.
        Returns the Redis reply (bytes)."""
        self.step_no += 1
        desc = fmt_cmd(args) if raw is None else "raw %r" % (raw[:200],)
        self.history.append(desc)
        ra = _read(self.a, args, raw, push)
        rb = _read(self.b, args, raw, push)
        if cmp is not None:
            if not cmp(ra, rb):
                self.fail(desc, ra, rb)
        elif norm is not None:
            try:
                na = norm(ra, self.a)
            except Exception as e:  # apus reply not even parseable as expected
                na = "<normaliser failed: %r>" % (e,)
            nb = norm(rb, self.b)
            if na != nb:
                self.fail(desc, ra, rb, na, nb)
        elif ra != rb:
            self.fail(desc, ra, rb)
        return rb

    def proc(self, desc, fn):
        """Run fn(side) -> value on both sides and compare the values."""
        self.step_no += 1
        self.history.append(desc)
        va = fn(self.a)
        vb = fn(self.b)
        if va != vb:
            self.fail(desc, va, vb)
        return vb

    def both(self, fn):
        """Apply fn(side) to both sides without comparing (setup only)."""
        return fn(self.a), fn(self.b)


def open_pair(apus, redis, label, proto):
    p = Pair(apus, redis, label, proto)
    p.cmd("FLUSHALL")
    if proto == 3:
        p.cmd("HELLO", "3", norm=norm_hello)
    return p


@pytest.fixture(params=PROTOCOLS, ids=lambda p: "resp%d" % p)
def proto(request):
    return request.param


# ===========================================================================
# Normalisers (each hides exactly one documented source of nondeterminism)
# ===========================================================================

def norm_int(raw, side):
    """Integer replies whose value is inherently nondeterministic (CLIENT ID,
    OBJECT IDLETIME): compare only that both are integers (errors, nils and
    other types are still compared exactly)."""
    if raw[:1] == b":" and re.fullmatch(rb":-?\d+\r\n", raw):
        return b":<int>"
    return raw


def cmp_ttl(tol):
    """TTL/PTTL/EXPIRETIME/PEXPIRETIME: a relative expiry is anchored to each
    server's own clock at the moment it ran the command, so positive values may
    differ by clock skew between the two calls (+ rounding): allow `tol`.
    Negative answers (-1 no TTL, -2 no key), errors and nils are exact."""
    def cmp(ra, rb):
        ma = re.fullmatch(rb":(-?\d+)\r\n", ra)
        mb = re.fullmatch(rb":(-?\d+)\r\n", rb)
        if not (ma and mb):
            return ra == rb
        x, y = int(ma.group(1)), int(mb.group(1))
        if x < 0 or y < 0:
            return x == y
        return abs(x - y) <= tol
    return cmp


CMP_S = cmp_ttl(2)
CMP_MS = cmp_ttl(2000)


def norm_sorted(raw, side):
    """KEYS: Redis returns keys in hash-table order, so compare sorted (the
    aggregate type and element encoding are still kept)."""
    node = parse(raw)
    if node[0] in "*~" and node[1] is not None:
        return node[0], sorted(serialize(x) for x in node[1])
    return raw


def norm_time(raw, side):
    """TIME: values are the clock; keep the shape (array of two bulk strings
    holding non-negative integers, microseconds < 1e6)."""
    node = parse(raw)
    if node[0] != "*" or len(node[1]) != 2:
        return raw
    secs, usec = (bulk_payload(x) for x in node[1])
    ok = (node[1][0][0] == "$" and node[1][1][0] == "$" and secs.isdigit() and usec.isdigit()
          and int(usec) < 1000000 and abs(int(secs) - time.time()) < 3600)
    return ("time", ok)


def _replace_pairs(pairs, keys):
    out = []
    for k, v in pairs:
        if bulk_payload(k) in keys:
            v = (v[0], b"<" + bulk_payload(k) + b">") if v[0] in "$+:" else ("?", b"<x>")
        out.append((k, v))
    return out


HELLO_VOLATILE = {b"server", b"version", b"id"}


def norm_hello(raw, side):
    """HELLO: 'server', 'version' and 'id' legitimately differ (product name,
    version string, connection id); everything else (proto, mode, role,
    modules, key order, types) must match."""
    node = parse(raw)
    if node[0] == "%":
        return serialize(("%", _replace_pairs(node[1], HELLO_VOLATILE)))
    if node[0] == "*" and node[1] and len(node[1]) % 2 == 0:
        items = node[1]
        pairs = _replace_pairs(list(zip(items[0::2], items[1::2])), HELLO_VOLATILE)
        return serialize(("*", [x for kv in pairs for x in kv]))
    return raw


# CLIENT LIST / CLIENT INFO: ids, addresses, fds, ages, buffer sizes and memory
# are per-process; only these fields have values that must match.
CLIENT_STABLE_FIELDS = {"name", "db", "sub", "psub", "ssub", "multi", "flags", "cmd", "user",
                        "redir", "resp"}


def _client_line(line):
    fields = []
    for tok in line.split(" "):
        k, _, v = tok.partition("=")
        fields.append((k, v if k in CLIENT_STABLE_FIELDS else "*"))
    return tuple(fields)


def _text(node):
    t = node[0]
    if t == "=":
        return node[1][:4], node[1][4:].decode("utf-8", "replace")
    if t in "$+":
        return t, node[1].decode("utf-8", "replace")
    return None


def norm_client_info(raw, side):
    """CLIENT INFO (single line): field names in order + stable values."""
    node = parse(raw)
    txt = _text(node)
    if txt is None:
        return raw
    kind, body = txt
    lines = body.split("\n")
    return node[0], kind, [_client_line(l) for l in lines if l], body.endswith("\n")


INFO_FIELD_SECTIONS = {"server", "clients", "memory", "stats", "keyspace", "replication", "cpu",
                       "commandstats"}
# The one deliberate addition to 7.0.15's INFO: issue 14 asks for the ACL denial counters, which
# 7.0.15 keeps without showing (7.2 shows them under these names, at the end of Stats).
APUS_ONLY_INFO_FIELDS = {"acl_access_denied_auth", "acl_access_denied_cmd", "acl_access_denied_key",
                         "acl_access_denied_channel"}


def parse_info(body):
    sections = {}
    order = []
    cur = None
    for line in body.split("\r\n"):
        if line.startswith("# "):
            cur = line[2:]
            order.append(cur)
            sections[cur] = []
        elif line:
            k, _, v = line.partition(":")
            sections.setdefault(cur, []).append((k, v))
    return order, sections


def norm_info(raw, side):
    """INFO: values are runtime statistics.  Compared: the reply type, the
    ordered list of section headers, and for the sections server clients
    memory stats keyspace replication cpu commandstats the field names
    (ordered; commandstats as a set since Redis prints it in hash order).
    Keyspace lines also keep their keys=/expires= counts (deterministic);
    avg_ttl is an estimate and is hidden.  Commandstats keep the sub-field
    names (calls=, usec=, ...)."""
    node = parse(raw)
    txt = _text(node)
    if txt is None:
        return raw
    kind, body = txt
    order, sections = parse_info(body)
    out = {"type": node[0], "kind": kind, "headers": order, "ends_crlf": body.endswith("\r\n") or body == ""}
    for name, fields in sections.items():
        low = (name or "").lower()
        if low not in INFO_FIELD_SECTIONS:
            continue
        if low == "keyspace":
            vals = []
            for k, v in fields:
                kv = dict(x.partition("=")[::2] for x in v.split(","))
                vals.append((k, kv.get("keys"), kv.get("expires"), sorted(kv)))
            out[name] = vals
        elif low == "commandstats":
            out[name] = sorted((k, tuple(x.partition("=")[0] for x in v.split(","))) for k, v in fields)
        else:
            out[name] = [k for k, _ in fields if k not in APUS_ONLY_INFO_FIELDS]
    return out


def norm_config_get(raw, side):
    """CONFIG GET: Redis emits pairs in hash order -> compare the multiset of
    (name, value) pairs.  The port and dir values are per-server (each test
    server has its own port and temp dir) and are replaced by placeholders."""
    node = parse(raw)
    if node[0] == "%":
        pairs = node[1]
    elif node[0] == "*" and node[1] is not None and len(node[1]) % 2 == 0:
        pairs = list(zip(node[1][0::2], node[1][1::2]))
    else:
        return raw
    out = []
    for k, v in pairs:
        kb, vb = bulk_payload(k), bulk_payload(v)
        if kb.lower() == b"port" and vb == str(side.port).encode():
            vb = b"<port>"
        if kb.lower() == b"dir" and vb is not None and os.path.realpath(vb.decode()) == os.path.realpath(side.dir):
            vb = b"<dir>"
        out.append((k[0], kb, v[0], vb))
    return node[0], sorted(out)


DEBUG_OBJECT_STABLE = {"refcount", "encoding"}


def norm_debug_object(raw, side):
    """DEBUG OBJECT: the address, lru clock, idle time and serializedlength
    (RDB size estimate) are implementation details: keep every field name in
    order and the values of refcount and encoding."""
    if not raw.startswith(b"+"):
        return raw
    out = []
    for tok in raw[1:-2].decode().split(" "):
        k, sep, v = tok.partition(":")
        out.append((k, sep, v if k in DEBUG_OBJECT_STABLE else "*"))
    return out


# ===========================================================================
# Value pools
# ===========================================================================

KEYSPACE = ["k0", "k1", "k2", "k10", "user:1", "user:2", "{t}x", "x", "a b", ""]

INT_VALUES = ["0", "1", "-1", "7", "42", "-42", "9999", "10000", "-10000", "123456789",
              LLONG_MAX, LLONG_MIN, "9223372036854775806", "-9223372036854775807"]
NONCANONICAL_INTS = ["9223372036854775808", "-9223372036854775809", "007", "-0", "+1", " 1",
                     "1 ", "0x1f", "1e3", "12abc", "00", "12345678901234567890"]
FLOAT_VALUES = ["3.14", "-2.5", "0.1", "1e2", "1.5e-3", "-0.0", "1.0", "100.", ".5", "1e308",
                "5e-324", "inf", "-inf", "nan", "1.7976931348623157e308"]
STRING_VALUES = ["hello", "", "a" * 44, "b" * 45, "c" * 100, "x" * 300,
                 b"\x00\x01\xff\r\n\t", "caf\u00e9", "with space", "*3\r\n$3\r\nfoo", "ohmytext",
                 "mynewtext"]
INCRS = ["1", "-1", "0", "5", "-100", "10000", LLONG_MAX, LLONG_MIN, "9223372036854775808",
         "abc", "", "1.5", " 2", "+3", "-0"]
FLOAT_INCRS = ["0.1", "-0.1", "1e2", "3", "-3", "1.5e-5", "abc", "", "inf", "-inf", "nan",
               "1e308", "-1e308", "0x10", " 1", "1.", "5e-324", "1e400"]
BAD_INTS = ["abc", "", "1.5", " 1", "9223372036854775808", "0x10"]


def rand_value(rng):
    r = rng.random()
    if r < 0.25:
        return rng.choice(INT_VALUES)
    if r < 0.33:
        return rng.choice(NONCANONICAL_INTS)
    if r < 0.43:
        return rng.choice(FLOAT_VALUES)
    if r < 0.70:
        return rng.choice(STRING_VALUES)
    if r < 0.85:  # short strings over a tiny alphabet: good for LCS / GETRANGE
        return "".join(rng.choice("abcd") for _ in range(rng.randrange(0, 12)))
    n = rng.choice([43, 44, 45, 46, 64, rng.randrange(1, 200)])
    return bytes(rng.randrange(256) for _ in range(n)) if rng.random() < 0.3 else "".join(
        rng.choice("xyz01") for _ in range(n))


class Clock:
    """Expiry values that cannot collide: every value is a distinct multiple of
    ten seconds (>= 100 s), far beyond the time a case takes, so NX/XX/GT/LT
    comparisons are deterministic even between relative and absolute forms.
    Absolute timestamps are anchored on the wall clock at case start."""

    def __init__(self, rng):
        self.rng = rng
        self.slots = rng.sample(range(10, 100000), 3000)
        self.base_s = int(time.time())

    def _n(self):
        return self.slots.pop()

    def rel_s(self):
        return str(self._n() * 10)

    def rel_ms(self):
        return str(self._n() * 10000 + self.rng.randrange(1000))

    def abs_s(self):
        return str(self.base_s + self._n() * 10)

    def abs_ms(self):
        return str((self.base_s + self._n() * 10) * 1000 + self.rng.randrange(1000))


# ===========================================================================
# Scripted cases: deterministic coverage of every command / option / error
# ===========================================================================

SCRIPTS = {}


def script(fn):
    SCRIPTS[fn.__name__[2:]] = fn
    return fn


def ttl_all(p, key):
    p.cmd("TTL", key, cmp=CMP_S)
    p.cmd("PTTL", key, cmp=CMP_MS)
    p.cmd("EXPIRETIME", key, cmp=CMP_S)
    p.cmd("PEXPIRETIME", key, cmp=CMP_MS)


def inspect(p, key):
    p.cmd("GET", key)
    p.cmd("STRLEN", key)
    p.cmd("TYPE", key)
    p.cmd("OBJECT", "ENCODING", key)
    p.cmd("OBJECT", "REFCOUNT", key)


@script
def s_get_set_values(p, clk):
    p.cmd("GET", "nokey")
    for v in INT_VALUES + NONCANONICAL_INTS + FLOAT_VALUES + STRING_VALUES + ["z" * 43, "z" * 44, "z" * 45]:
        p.cmd("SET", "k", v)
        inspect(p, "k")
    p.cmd("SET", "", "empty key")
    inspect(p, "")
    p.cmd("SET", b"bin\x00key", b"\x00")
    inspect(p, b"bin\x00key")
    p.cmd("SET", "big", "q" * 70000)  # larger than the usual read buffer
    inspect(p, "big")
    # arity / unknown command
    p.cmd("GET")
    p.cmd("GET", "a", "b")
    p.cmd("SET", "k")
    p.cmd("SET")
    p.cmd("get", "k")
    p.cmd("gEt", "k")
    p.cmd("NOSUCHCOMMAND")
    p.cmd("NOSUCHCOMMAND", "a", "b c", "")
    p.cmd("nosuch", "x" * 200)
    p.cmd("")


@script
def s_set_options(p, clk):
    ex, px, exat, pxat = clk.rel_s(), clk.rel_ms(), clk.abs_s(), clk.abs_ms()
    option_sets = [
        [], ["NX"], ["XX"], ["GET"], ["NX", "GET"], ["XX", "GET"], ["EX", ex], ["PX", px],
        ["EXAT", exat], ["PXAT", pxat], ["KEEPTTL"], ["ex", ex], ["px", px, "xx"], ["get", "nx"],
        ["EX", ex, "GET"], ["KEEPTTL", "GET"], ["XX", "KEEPTTL"],
        # invalid combinations
        ["NX", "XX"], ["EX", ex, "PX", px], ["EX", ex, "KEEPTTL"], ["KEEPTTL", "PX", px],
        ["EXAT", exat, "PXAT", pxat], ["EX", ex, "EXAT", exat], ["PXAT", pxat, "KEEPTTL"],
        # repeated options
        ["EX", ex, "EX", clk.rel_s()], ["GET", "GET"], ["NX", "NX"], ["KEEPTTL", "KEEPTTL"],
        ["XX", "XX"],
        # missing / bad arguments
        ["EX"], ["PX"], ["EXAT"], ["PXAT"], ["EX", "0"], ["EX", "-1"], ["PX", "0"], ["PX", "-5"],
        ["EXAT", "0"], ["PXAT", "-5"], ["EX", "abc"], ["EX", "1.5"], ["EX", ""], ["PX", " 1"],
        ["EX", LLONG_MAX], ["PX", LLONG_MAX], ["EXAT", LLONG_MAX], ["PXAT", LLONG_MAX],
        ["EX", LLONG_MIN], ["EX", "9223372036854775808"], ["EX", "9223372036854775"],
        ["FOO"], ["PERSIST"], ["EX", ex, "FOO"], ["NX", "EX"],
    ]
    for opts in option_sets:
        for present, persistent in ((False, True), (True, True), (True, False)):
            p.cmd("DEL", "k")
            if present:
                if persistent:
                    p.cmd("SET", "k", "old")
                else:
                    p.cmd("SET", "k", "old", "EX", clk.rel_s())
            p.cmd("SET", "k", "new", *opts)
            p.cmd("GET", "k")
            ttl_all(p, "k")


@script
def s_setnx_setex_psetex_getset(p, clk):
    p.cmd("SETNX", "k", "v1")
    p.cmd("SETNX", "k", "v2")
    p.cmd("GET", "k")
    p.cmd("SETNX", "k")
    p.cmd("SETNX", "k", "v", "x")
    p.cmd("SETNX", "n", "123")
    p.cmd("OBJECT", "ENCODING", "n")
    for secs in [clk.rel_s(), "0", "-1", "abc", "1.5", "", LLONG_MAX, "9223372036854775"]:
        p.cmd("SETEX", "e", secs, "val")
        p.cmd("GET", "e")
        ttl_all(p, "e")
        p.cmd("DEL", "e")
    for ms in [clk.rel_ms(), "0", "-1", "abc", LLONG_MAX, "9223372036854775807000"]:
        p.cmd("PSETEX", "e", ms, "val")
        p.cmd("GET", "e")
        ttl_all(p, "e")
    p.cmd("SETEX", "e", "100")
    p.cmd("SETEX", "e", "100", "v", "extra")
    p.cmd("PSETEX", "e")
    p.cmd("SETEX", "e", "100", "42")
    p.cmd("OBJECT", "ENCODING", "e")
    # GETSET returns the old value and clears the TTL
    p.cmd("GETSET", "g", "first")
    p.cmd("SET", "g", "v", "EX", clk.rel_s())
    p.cmd("GETSET", "g", "second")
    ttl_all(p, "g")
    p.cmd("GETSET", "g", "12")
    p.cmd("OBJECT", "ENCODING", "g")
    p.cmd("GETSET", "g")
    p.cmd("GETSET", "g", "a", "b")


@script
def s_getdel_getex(p, clk):
    p.cmd("GETDEL", "nokey")
    p.cmd("SET", "k", "v")
    p.cmd("GETDEL", "k")
    p.cmd("EXISTS", "k")
    p.cmd("GETDEL")
    p.cmd("GETDEL", "a", "b")
    p.cmd("GETEX", "nokey")
    p.cmd("GETEX", "nokey", "EX", "100")
    p.cmd("GETEX", "nokey", "FOO")
    forms = [[], ["EX", clk.rel_s()], ["PX", clk.rel_ms()], ["EXAT", clk.abs_s()], ["PXAT", clk.abs_ms()],
             ["PERSIST"], ["persist"], ["ex", clk.rel_s()],
             # past absolute times delete the key immediately
             ["EXAT", "1"], ["PXAT", "1000"], ["EXAT", str(clk.base_s - 100)],
             # invalid
             ["EX"], ["EX", "0"], ["EX", "-1"], ["PX", "0"], ["EXAT", "0"], ["PXAT", "-1"],
             ["EX", "abc"], ["EX", LLONG_MAX], ["PX", LLONG_MAX], ["EXAT", LLONG_MAX],
             ["EX", "100", "PX", "100000"], ["PERSIST", "EX", "100"], ["EX", "100", "PERSIST"],
             ["PERSIST", "PERSIST"], ["EX", "100", "EX", "200"], ["KEEPTTL"], ["NX"], ["GET"], ["FOO"]]
    for f in forms:
        for with_ttl in (False, True):
            p.cmd("SET", "k", "val")
            if with_ttl:
                p.cmd("EXPIRE", "k", clk.rel_s())
            p.cmd("GETEX", "k", *f)
            p.cmd("DBSIZE")
            p.cmd("EXISTS", "k")
            ttl_all(p, "k")
    p.cmd("GETEX")


@script
def s_mget_mset_msetnx(p, clk):
    p.cmd("MSET", "a", "1", "b", "2", "c", "3")
    p.cmd("MGET", "a", "b", "c", "nokey", "a")
    p.cmd("MGET", "nokey")
    p.cmd("MGET")
    p.cmd("MSET")
    p.cmd("MSET", "a")
    p.cmd("MSET", "a", "1", "b")
    p.cmd("MSET", "a", "x", "a", "y")
    p.cmd("GET", "a")
    p.cmd("MSET", "n1", "100", "n2", "100000", "n3", "z" * 50)
    for k in ("n1", "n2", "n3"):
        p.cmd("OBJECT", "ENCODING", k)
        p.cmd("OBJECT", "REFCOUNT", k)
    p.cmd("EXPIRE", "a", clk.rel_s())
    p.cmd("MSET", "a", "keep?")
    ttl_all(p, "a")
    p.cmd("MSETNX", "a", "1", "new", "2")
    p.cmd("EXISTS", "new")
    p.cmd("MSETNX", "new1", "1", "new2", "2")
    p.cmd("MGET", "new1", "new2")
    p.cmd("MSETNX", "x", "1", "x", "2")
    p.cmd("GET", "x")
    p.cmd("MSETNX")
    p.cmd("MSETNX", "a")
    p.cmd("MSETNX", "a", "1", "b")


@script
def s_append_strlen_ranges(p, clk):
    p.cmd("APPEND", "k", "hello")
    p.cmd("APPEND", "k", " world")
    inspect(p, "k")
    p.cmd("APPEND", "k", "")
    p.cmd("APPEND", "e", "")
    p.cmd("EXISTS", "e")
    p.cmd("SET", "n", "12")
    p.cmd("APPEND", "n", "34")
    inspect(p, "n")
    p.cmd("SET", "s", "short")
    p.cmd("APPEND", "s", "x" * 50)
    inspect(p, "s")
    p.cmd("SET", "t", "v", "EX", clk.rel_s())
    p.cmd("APPEND", "t", "w")
    ttl_all(p, "t")
    p.cmd("APPEND", "k")
    p.cmd("APPEND", "k", "a", "b")
    p.cmd("STRLEN", "nokey")
    p.cmd("STRLEN")
    p.cmd("STRLEN", "a", "b")
    p.cmd("SET", "r", "Hello World")
    for cmd in ("GETRANGE", "SUBSTR"):
        for s, e in [("0", "4"), ("-5", "-1"), ("0", "-1"), ("5", "3"), ("-100", "100"), ("100", "200"),
                     ("0", "0"), ("-1", "-1"), ("10", "10"), ("11", "11"), ("-3", "-5"), (LLONG_MIN, LLONG_MAX),
                     (LLONG_MAX, LLONG_MIN), ("1", "-100"), ("a", "1"), ("1", "b"), ("1.5", "2"),
                     ("9223372036854775808", "1"), ("-12", "-12"), ("-11", "-11")]:
            p.cmd(cmd, "r", s, e)
            p.cmd(cmd, "nokey", s, e)
        p.cmd(cmd, "r", "0")
        p.cmd(cmd, "r")
        p.cmd(cmd, "r", "0", "1", "2")
    p.cmd("SET", "i", "1234567")
    p.cmd("GETRANGE", "i", "1", "3")
    p.cmd("SET", "empty", "")
    p.cmd("GETRANGE", "empty", "0", "-1")
    p.cmd("GETRANGE", "empty", "0", "0")
    # SETRANGE
    p.cmd("SETRANGE", "r", "6", "Redis")
    p.cmd("GET", "r")
    p.cmd("SETRANGE", "r", "20", "pad")
    p.cmd("GET", "r")
    p.cmd("SETRANGE", "r", "0", "")
    p.cmd("SETRANGE", "new", "0", "")
    p.cmd("EXISTS", "new")
    p.cmd("SETRANGE", "new", "5", "")
    p.cmd("EXISTS", "new")
    p.cmd("SETRANGE", "new", "3", "abc")
    inspect(p, "new")
    p.cmd("SET", "n", "100")
    p.cmd("SETRANGE", "n", "1", "5")
    inspect(p, "n")
    p.cmd("SETRANGE", "r", "-1", "x")
    p.cmd("SETRANGE", "r", "abc", "x")
    p.cmd("SETRANGE", "r", "536870911", "")
    p.cmd("SETRANGE", "r", "536870912", "x")
    p.cmd("SETRANGE", "r", "536870911", "xy")
    p.cmd("SETRANGE", "r", LLONG_MAX, "x")
    p.cmd("SETRANGE", "r", "0")
    p.cmd("SETRANGE", "r", "0", "a", "b")
    p.cmd("SET", "t", "v", "EX", clk.rel_s())
    p.cmd("SETRANGE", "t", "0", "w")
    ttl_all(p, "t")


@script
def s_incr_decr(p, clk):
    for start in [None] + INT_VALUES + NONCANONICAL_INTS + ["3.0", "", "abc"]:
        for op in (["INCR"], ["DECR"], ["INCRBY", "10"], ["DECRBY", "10"], ["INCRBY", "-1"], ["DECRBY", "-1"]):
            p.cmd("DEL", "n")
            if start is not None:
                p.cmd("SET", "n", start)
            p.cmd(op[0], "n", *op[1:])
            inspect(p, "n")
    for inc in INCRS:
        p.cmd("SET", "n", "5")
        p.cmd("INCRBY", "n", inc)
        p.cmd("DECRBY", "n", inc)
        p.cmd("GET", "n")
    p.cmd("SET", "n", LLONG_MAX)
    p.cmd("INCRBY", "n", "0")
    p.cmd("INCR", "n")
    p.cmd("SET", "n", LLONG_MIN)
    p.cmd("DECR", "n")
    p.cmd("DECRBY", "n", LLONG_MIN)
    p.cmd("SET", "n", "0")
    p.cmd("DECRBY", "n", LLONG_MIN)
    p.cmd("INCRBY", "n", LLONG_MIN)
    p.cmd("SET", "n", "9998")
    p.cmd("INCR", "n")
    inspect(p, "n")
    p.cmd("INCR", "n")
    inspect(p, "n")
    p.cmd("INCR", "n")
    inspect(p, "n")
    p.cmd("SET", "n", "-1")
    p.cmd("INCR", "n")
    inspect(p, "n")
    p.cmd("SET", "t", "1", "EX", clk.rel_s())
    p.cmd("INCR", "t")
    ttl_all(p, "t")
    p.cmd("INCR")
    p.cmd("INCR", "a", "b")
    p.cmd("INCRBY", "n")
    p.cmd("DECRBY", "n", "1", "2")
    p.cmd("DECR")


@script
def s_incrbyfloat(p, clk):
    for start in [None, "0", "10", "-5", "3.14", "1e308", "-1e308", "5e-324", "abc", "", "1.5e3",
                  "inf", LLONG_MAX, "0.1", " 1", "10.50", "1e400"]:
        for inc in FLOAT_INCRS:
            p.cmd("DEL", "f")
            if start is not None:
                p.cmd("SET", "f", start)
            p.cmd("INCRBYFLOAT", "f", inc)
            p.cmd("GET", "f")
    p.cmd("SET", "f", "0")
    for inc in ["0.1", "0.2", "0.3", "1e-17", "-0.6", "3.0e3", "1.23456789012345678901234567890", "-1e-300"]:
        p.cmd("INCRBYFLOAT", "f", inc)
        inspect(p, "f")
    p.cmd("SET", "t", "1.5", "EX", clk.rel_s())
    p.cmd("INCRBYFLOAT", "t", "1")
    ttl_all(p, "t")
    p.cmd("INCRBYFLOAT", "f")
    p.cmd("INCRBYFLOAT", "f", "1", "2")


@script
def s_lcs(p, clk):
    p.cmd("MSET", "key1", "ohmytext", "key2", "mynewtext", "e", "", "n", "12345", "m", "1x2x3x4x5")
    opts_list = [[], ["LEN"], ["IDX"], ["IDX", "MINMATCHLEN", "4"], ["IDX", "WITHMATCHLEN"],
                 ["IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"], ["WITHMATCHLEN", "IDX"], ["len"],
                 ["IDX", "MINMATCHLEN", "0"], ["IDX", "MINMATCHLEN", "-5"], ["MINMATCHLEN", "2"],
                 ["WITHMATCHLEN"], ["LEN", "IDX"], ["IDX", "LEN"], ["LEN", "LEN"], ["IDX", "IDX"],
                 ["IDX", "MINMATCHLEN"], ["IDX", "MINMATCHLEN", "abc"], ["IDX", "MINMATCHLEN", LLONG_MAX],
                 ["FOO"], ["LEN", "FOO"]]
    pairs = [("key1", "key2"), ("key2", "key1"), ("key1", "key1"), ("key1", "nokey"), ("nokey", "nokey2"),
             ("e", "key1"), ("n", "m"), ("m", "n")]
    for a, b in pairs:
        for opts in opts_list:
            p.cmd("LCS", a, b, *opts)
    p.cmd("LCS", "key1")
    p.cmd("LCS")
    p.cmd("SET", "big1", "abcdefghij" * 20)
    p.cmd("SET", "big2", "acegikmoqs" * 20)
    p.cmd("LCS", "big1", "big2")
    p.cmd("LCS", "big1", "big2", "IDX", "MINMATCHLEN", "2", "WITHMATCHLEN")


@script
def s_del_exists_type_touch(p, clk):
    p.cmd("MSET", "a", "1", "b", "2", "c", "3")
    p.cmd("EXISTS", "a")
    p.cmd("EXISTS", "a", "a", "b", "nokey")
    p.cmd("EXISTS")
    p.cmd("TOUCH", "a", "b", "nokey", "a")
    p.cmd("TOUCH")
    p.cmd("TYPE", "a")
    p.cmd("TYPE", "nokey")
    p.cmd("TYPE")
    p.cmd("TYPE", "a", "b")
    p.cmd("DEL", "a", "a", "nokey")
    p.cmd("DEL", "a")
    p.cmd("DEL")
    p.cmd("UNLINK", "b", "c", "b", "nokey")
    p.cmd("UNLINK")
    p.cmd("DBSIZE")
    p.cmd("SET", "x" * 100, "long key")
    p.cmd("EXISTS", "x" * 100)
    p.cmd("DEL", "x" * 100)


def scan_all(args):
    """SCAN cursors are positions in an implementation-specific hash table:
    iterate from 0 until the cursor returns to 0 and compare the *set* of
    keys seen (duplicates are allowed by the SCAN contract).  An error reply
    on the first call is compared exactly."""
    def fn(side):
        cursor = b"0"
        seen = set()
        for _ in range(100000):
            raw = side.c.command("SCAN", cursor, *args)
            node = parse(raw)
            if node[0] != "*":
                return raw
            if len(node[1]) != 2 or node[1][0][0] != "$" or node[1][1][0] != "*":
                return ("bad scan reply", raw)
            cursor = node[1][0][1]
            for item in node[1][1][1]:
                if item[0] != "$":
                    return ("bad scan element", raw)
                seen.add(item[1])
            if cursor == b"0":
                return ("keys", sorted(seen))
        return ("scan did not terminate",)
    return fn


def randomkey(side):
    """RANDOMKEY is random: the reply must be nil when the db is empty, else a
    bulk string naming an existing key (checked with EXISTS)."""
    raw = side.c.command("RANDOMKEY")
    node = parse(raw)
    if node[0] == "$" and node[1] is not None:
        return ("existing key", side.c.command("EXISTS", node[1]) == b":1\r\n")
    return raw


PATTERNS = ["*", "k*", "k?", "*1", "k[0-1]", "k[^0]", "k[!0]", "user:*", "user:[12]", "\\k*", "[", "k[",
            "*[", "a\\", "\\*", "?", "", "[a-", "*{*}*", "K*", "**", "*?*", "a b", "a?b", "[z-a]*",
            "k[1-]*", "*\\", "[\\]", "x", "*x", "user:?", "k1?", "[]", "[^]*", "*[0-9]"]


@script
def s_keys_scan_randomkey(p, clk):
    p.proc("RANDOMKEY (empty)", randomkey)
    p.cmd("KEYS", "*")
    p.proc("SCAN (empty)", scan_all([]))
    for k in KEYSPACE:
        p.cmd("SET", k, "v")
    p.cmd("SET", b"bin\x00k", "v")
    for pat in PATTERNS:
        p.cmd("KEYS", pat, norm=norm_sorted)
        p.proc("SCAN 0 MATCH %r (full iteration)" % pat, scan_all(["MATCH", pat]))
    for extra in (["COUNT", "1"], ["COUNT", "3"], ["COUNT", "1000"], ["TYPE", "string"], ["TYPE", "STRING"],
                  ["TYPE", "list"], ["TYPE", "nosuchtype"], ["MATCH", "k*", "COUNT", "2", "TYPE", "string"],
                  ["count", "2", "match", "user:*"], ["MATCH", "a", "MATCH", "k*"]):
        p.proc("SCAN 0 %s (full iteration)" % fmt_cmd(extra), scan_all(extra))
    for bad in (["COUNT", "0"], ["COUNT", "-1"], ["COUNT", "abc"], ["COUNT"], ["MATCH"], ["TYPE"],
                ["FOO", "bar"], ["COUNT", "1", "FOO"]):
        p.cmd("SCAN", "0", *bad)
    for cur in ("abc", "1.5", "18446744073709551616", "-"):
        p.cmd("SCAN", cur)

    def scan_once(cur):
        """One SCAN call with a COUNT far above the key count: every key in
        one reply, cursor back to 0 -- compare the cursor and the key set."""
        def fn(side):
            node = parse(side.c.command("SCAN", cur, "COUNT", "1000"))
            if node[0] != "*":
                return serialize(node)
            return node[1][0], sorted(serialize(x) for x in node[1][1][1])
        return fn
    # the cursor is parsed like strtoul(): empty and space-prefixed are 0
    for cur in ("0", "", " 0", "00", "+0"):
        p.proc("SCAN %r COUNT 1000" % cur, scan_once(cur))
    p.cmd("SCAN")
    p.cmd("KEYS")
    p.cmd("KEYS", "a", "b")
    for _ in range(5):
        p.proc("RANDOMKEY", randomkey)
    p.cmd("RANDOMKEY", "extra")
    # expired-in-the-past keys are deleted at once and never listed
    p.cmd("EXPIREAT", "k0", "1")
    p.cmd("KEYS", "k*", norm=norm_sorted)
    p.cmd("DBSIZE")


@script
def s_rename_copy_move(p, clk):
    p.cmd("SET", "a", "1")
    p.cmd("RENAME", "a", "b")
    p.cmd("MGET", "a", "b")
    p.cmd("RENAME", "nokey", "x")
    p.cmd("RENAME", "b", "b")
    p.cmd("RENAMENX", "b", "b")
    p.cmd("RENAMENX", "nokey", "x")
    p.cmd("SET", "c", "3", "EX", clk.rel_s())
    p.cmd("RENAMENX", "b", "c")
    p.cmd("RENAMENX", "c", "d")
    ttl_all(p, "d")
    p.cmd("RENAME", "b", "d")
    ttl_all(p, "d")
    p.cmd("GET", "d")
    p.cmd("RENAME", "d")
    p.cmd("RENAME", "a", "b", "c")
    p.cmd("RENAMENX", "a")
    # COPY
    p.cmd("SET", "src", "val", "EX", clk.rel_s())
    p.cmd("COPY", "src", "dst")
    p.cmd("GET", "dst")
    ttl_all(p, "dst")
    p.cmd("COPY", "src", "dst")
    p.cmd("COPY", "src", "dst", "REPLACE")
    p.cmd("COPY", "src", "src")
    p.cmd("COPY", "src", "src", "DB", "0")
    p.cmd("COPY", "nokey", "dst")
    p.cmd("COPY", "nokey", "dst", "REPLACE")
    p.cmd("COPY", "src", "dst", "DB", "1")
    p.cmd("COPY", "src", "dst", "db", "1")
    p.cmd("COPY", "src", "dst", "DB", "1", "REPLACE")
    p.cmd("COPY", "src", "dst", "REPLACE", "DB", "2")
    p.cmd("COPY", "src", "dst", "DB", "16")
    p.cmd("COPY", "src", "dst", "DB", "-1")
    p.cmd("COPY", "src", "dst", "DB", "abc")
    p.cmd("COPY", "src", "dst", "DB")
    p.cmd("COPY", "src", "dst", "FOO")
    p.cmd("COPY", "src", "dst", "REPLACE", "REPLACE")
    p.cmd("COPY", "src")
    p.cmd("SET", "n", "5")
    p.cmd("COPY", "n", "n2")
    p.cmd("OBJECT", "ENCODING", "n2")
    p.cmd("OBJECT", "REFCOUNT", "n2")
    p.cmd("SET", "big", "x" * 100)
    p.cmd("COPY", "big", "big2")
    p.cmd("OBJECT", "ENCODING", "big2")
    p.cmd("SELECT", "1")
    p.cmd("KEYS", "*", norm=norm_sorted)
    ttl_all(p, "dst")
    p.cmd("SELECT", "2")
    p.cmd("GET", "dst")
    p.cmd("SELECT", "0")
    # MOVE
    p.cmd("SET", "m", "mv", "EX", clk.rel_s())
    p.cmd("MOVE", "m", "3")
    p.cmd("EXISTS", "m")
    p.cmd("MOVE", "m", "3")
    p.cmd("SET", "m", "again")
    p.cmd("MOVE", "m", "3")
    p.cmd("MOVE", "m", "0")
    p.cmd("MOVE", "nokey", "3")
    p.cmd("MOVE", "m", "16")
    p.cmd("MOVE", "m", "-1")
    p.cmd("MOVE", "m", "abc")
    p.cmd("MOVE", "m")
    p.cmd("MOVE", "m", "1", "2")
    p.cmd("SELECT", "3")
    p.cmd("GET", "m")
    ttl_all(p, "m")
    p.cmd("SELECT", "0")


@script
def s_expire_family(p, clk):
    p.cmd("SET", "k", "v")
    ttl_all(p, "k")
    ttl_all(p, "nokey")
    for c in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "PERSIST"):
        p.cmd(c)
        p.cmd(c, "a", "b")
    for cmd, val in (("EXPIRE", clk.rel_s), ("PEXPIRE", clk.rel_ms), ("EXPIREAT", clk.abs_s),
                     ("PEXPIREAT", clk.abs_ms)):
        p.cmd(cmd, "nokey", val())
        for opts in ([], ["NX"], ["XX"], ["GT"], ["LT"], ["nx"], ["NX", "XX"], ["NX", "GT"], ["NX", "LT"],
                     ["XX", "GT"], ["XX", "LT"], ["GT", "LT"], ["GT", "GT"], ["XX", "XX"], ["FOO"], ["NX", "FOO"]):
            for preset in (None, "low", "high"):
                p.cmd("SET", "k", "v")
                if preset == "low":
                    p.cmd("EXPIRE", "k", "500005")
                elif preset == "high":
                    p.cmd("EXPIRE", "k", "999995")
                p.cmd(cmd, "k", val(), *opts)
                ttl_all(p, "k")
        for bad in ("abc", "", "1.5", " 10", LLONG_MAX, LLONG_MIN, "9223372036854775808",
                    "9223372036854775", "-9223372036854775"):
            p.cmd("SET", "k", "v")
            p.cmd(cmd, "k", bad)
            ttl_all(p, "k")
        p.cmd(cmd, "k")
        p.cmd(cmd)
    # zero / negative / past timestamps delete the key
    for cmd, *when in (("EXPIRE", "0"), ("EXPIRE", "-1"), ("PEXPIRE", "0"), ("PEXPIRE", "-100"),
                       ("EXPIREAT", "1"), ("EXPIREAT", "0"), ("PEXPIREAT", "1000"),
                       ("EXPIREAT", str(clk.base_s - 10)), ("EXPIRE", "-1", "GT"), ("EXPIRE", "-1", "LT"),
                       ("EXPIRE", "0", "XX")):
        p.cmd("SET", "k", "v")
        p.cmd(cmd, "k", *when)
        p.cmd("EXISTS", "k")
        p.cmd("DBSIZE")
    for args in (("EXPIRE", "k", "-1", "GT"), ("EXPIRE", "k", "-1", "LT"), ("EXPIRE", "k", "0", "NX")):
        p.cmd("SET", "k", "v")
        p.cmd(*args)
        p.cmd("EXISTS", "k")
        p.cmd("SET", "k", "v", "EX", "1000")
        p.cmd(*args)
        p.cmd("EXISTS", "k")
    # PERSIST
    p.cmd("SET", "k", "v", "EX", clk.rel_s())
    p.cmd("PERSIST", "k")
    p.cmd("PERSIST", "k")
    p.cmd("PERSIST", "nokey")
    ttl_all(p, "k")
    # SET without KEEPTTL drops the TTL, SETRANGE/APPEND/INCR keep it
    p.cmd("EXPIRE", "k", clk.rel_s())
    p.cmd("SET", "k", "v2")
    ttl_all(p, "k")
    p.cmd("DBSIZE")
    p.cmd("INFO", "keyspace", norm=norm_info)


@script
def s_object(p, clk):
    for v in ["1", "9999", "10000", "-1", "12345678901234567890", "abc", "a" * 44, "a" * 45, "", LLONG_MIN,
              "007", "1.5"]:
        p.cmd("SET", "k", v)
        p.cmd("OBJECT", "ENCODING", "k")
        p.cmd("OBJECT", "REFCOUNT", "k")
        p.cmd("OBJECT", "IDLETIME", "k", norm=norm_int)
        p.cmd("OBJECT", "FREQ", "k")
        p.cmd("DEBUG", "OBJECT", "k", norm=norm_debug_object)
    for sub in ("ENCODING", "REFCOUNT", "IDLETIME", "FREQ", "encoding"):
        p.cmd("OBJECT", sub, "nokey")
        p.cmd("OBJECT", sub)
        p.cmd("OBJECT", sub, "k", "extra")
    p.cmd("OBJECT", "HELP")
    p.cmd("OBJECT", "help")
    p.cmd("OBJECT", "HELP", "extra")
    p.cmd("OBJECT", "FOO")
    p.cmd("OBJECT", "FOO", "k")
    p.cmd("OBJECT")


@script
def s_select_swapdb_flush(p, clk):
    p.cmd("SET", "a", "db0")
    for db in ("1", "15", "0", "16", "-1", "abc", "", "1.0", " 1", "9223372036854775808", "00", "+1"):
        p.cmd("SELECT", db)
        p.cmd("GET", "a")
    p.cmd("SELECT", "0")
    p.cmd("SELECT")
    p.cmd("SELECT", "1", "2")
    p.cmd("SELECT", "1")
    p.cmd("MSET", "a", "db1", "b", "x")
    p.cmd("DBSIZE")
    p.cmd("SWAPDB", "0", "1")
    p.cmd("DBSIZE")
    p.cmd("GET", "a")
    p.cmd("SELECT", "0")
    p.cmd("GET", "a")
    p.cmd("SWAPDB", "0", "0")
    for a, b in (("0", "16"), ("16", "0"), ("-1", "0"), ("0", "abc"), ("abc", "0"), ("0", "")):
        p.cmd("SWAPDB", a, b)
    p.cmd("SWAPDB", "0")
    p.cmd("SWAPDB", "0", "1", "2")
    p.cmd("DBSIZE", "extra")
    p.cmd("INFO", "keyspace", norm=norm_info)
    p.cmd("FLUSHDB")
    p.cmd("DBSIZE")
    p.cmd("SELECT", "1")
    p.cmd("DBSIZE")
    for args in (["ASYNC"], ["SYNC"], ["async"], ["FOO"], ["ASYNC", "SYNC"], [""]):
        p.cmd("SET", "x", "1")
        p.cmd("FLUSHDB", *args)
        p.cmd("DBSIZE")
    p.cmd("SET", "x", "1")
    for args in (["ASYNC"], ["SYNC"], ["sync"], ["FOO"], ["SYNC", "SYNC"], []):
        p.cmd("SELECT", "5")
        p.cmd("SET", "y", "1")
        p.cmd("FLUSHALL", *args)
        p.cmd("DBSIZE")
    p.cmd("INFO", "keyspace", norm=norm_info)
    p.cmd("SELECT", "0")


@script
def s_ping_echo_time(p, clk):
    p.cmd("PING")
    p.cmd("PING", "hello")
    p.cmd("PING", "")
    p.cmd("PING", b"\x00\r\n")
    p.cmd("PING", "a", "b")
    p.cmd("ping")
    p.cmd("ECHO", "hello world")
    p.cmd("ECHO", "")
    p.cmd("ECHO", "x" * 1000)
    p.cmd("ECHO")
    p.cmd("ECHO", "a", "b")
    p.cmd("TIME", norm=norm_time)
    p.cmd("TIME", "extra")


@script
def s_hello(p, clk):
    for args in ([], ["2"], ["3"], ["2"], ["4"], ["1"], ["0"], ["-1"], ["abc"], [""], ["3.0"],
                 ["9223372036854775808"], ["3", "SETNAME", "myname"], ["2", "setname", "other"],
                 ["3", "SETNAME", "bad name"], ["3", "SETNAME"], ["3", "AUTH", "default", "anything"],
                 ["3", "AUTH", "nouser", "pw"], ["3", "AUTH", "default"], ["3", "AUTH"], ["3", "FOO"],
                 ["3", "AUTH", "default", "pw", "SETNAME", "n2"], ["AUTH", "default", "pw"], ["SETNAME", "x"],
                 [str(p.proto)]):
        p.cmd("HELLO", *args, norm=norm_hello)
        p.cmd("CLIENT", "GETNAME")
        p.cmd("GET", "nokey")
        p.cmd("INCRBYFLOAT", "f", "1.5")


@script
def s_reset(p, clk):
    p.cmd("SET", "k", "v")
    p.cmd("SELECT", "2")
    p.cmd("CLIENT", "SETNAME", "before-reset")
    p.cmd("CLIENT", "NO-EVICT", "on")
    p.cmd("HELLO", "3", norm=norm_hello)
    p.cmd("CLIENT", "INFO", norm=norm_client_info)
    p.cmd("RESET")
    p.cmd("CLIENT", "GETNAME")
    p.cmd("GET", "k")
    p.cmd("CLIENT", "INFO", norm=norm_client_info)
    p.cmd("HELLO", norm=norm_hello)
    p.cmd("RESET", "extra")
    p.cmd("reset")


def _client_list_self(args):
    """CLIENT LIST: other connections (e.g. other test files' clients) may
    exist, so compare only our own line (found by CLIENT ID) in normalised
    form, plus the set of field-name layouts of all lines."""
    def fn(side):
        myid = parse(side.c.command("CLIENT", "ID"))[1].decode()
        raw = side.c.command("CLIENT", "LIST", *[a.replace("<self>", myid) for a in args])
        node = parse(raw)
        txt = _text(node)
        if txt is None:
            return raw
        kind, body = txt
        lines = [l for l in body.split("\n") if l]
        mine = [_client_line(l) for l in lines if l.startswith("id=%s " % myid)]
        layouts = {tuple(k for k, _ in _client_line(l)) for l in lines}
        return node[0], kind, mine, sorted(layouts), body.endswith("\n")
    return fn


@script
def s_client(p, clk):
    p.cmd("CLIENT", "ID", norm=norm_int)
    p.cmd("CLIENT", "GETNAME")
    for name in ("worker-1", "", "x" * 100, "a b", "a\nb", "caf\u00e9", "tab\t", "ok_name:1", "quote\"s"):
        p.cmd("CLIENT", "SETNAME", name)
        p.cmd("CLIENT", "GETNAME")
    p.cmd("CLIENT", "SETNAME")
    p.cmd("CLIENT", "SETNAME", "a", "b")
    p.cmd("CLIENT", "GETNAME", "extra")
    p.cmd("CLIENT", "SETNAME", "me")
    p.cmd("CLIENT", "INFO", norm=norm_client_info)
    p.cmd("SELECT", "3")
    p.cmd("CLIENT", "INFO", norm=norm_client_info)
    p.cmd("SELECT", "0")
    p.cmd("CLIENT", "INFO", "extra")
    p.proc("CLIENT LIST (own line)", _client_list_self([]))
    p.proc("CLIENT LIST TYPE normal (own line)", _client_list_self(["TYPE", "normal"]))
    p.proc("CLIENT LIST ID <self>", _client_list_self(["ID", "<self>"]))
    p.proc("CLIENT LIST ID <self> 999999", _client_list_self(["ID", "<self>", "999999"]))
    for args in (["TYPE", "foo"], ["TYPE", "pubsub"], ["TYPE", "master"], ["TYPE", "replica"], ["ID", "abc"],
                 ["ID", "0"], ["ID", "-1"], ["ID", "999999"], ["FOO"], ["TYPE"], ["ID"]):
        p.cmd("CLIENT", "LIST", *args)
    for args in (["on"], ["off"], ["ON"], ["maybe"], [], ["on", "off"]):
        p.cmd("CLIENT", "NO-EVICT", *args)
    p.cmd("CLIENT", "NO-EVICT", "off")
    # CLIENT KILL
    for args in (["ID", "999999"], ["ID", "abc"], ["ID", "0"], ["ID", "-1"], ["ADDR", "1.2.3.4:5"],
                 ["LADDR", "1.2.3.4:5"], ["TYPE", "pubsub"], ["TYPE", "master"], ["TYPE", "foo"],
                 ["ID", "999999", "SKIPME", "no"], ["ID", "999999", "SKIPME", "maybe"],
                 ["ID", "999999", "FOO", "bar"], ["ID"], ["1.2.3.4:5"], ["nonsense"], [],
                 ["USER", "nosuchuser"], ["ID", "999999", "ID", "999998"]):
        # (never a filter that matches other clients: the servers are shared
        # with other test files for the whole session)
        p.cmd("CLIENT", "KILL", *args)
    # kill a second connection by ID (new style) and by address (old style)
    for style in ("id", "addr"):
        def make_victim(side):
            victim = side.connect()
            victim.command("CLIENT", "SETNAME", "victim")
            info = victim.value("CLIENT", "INFO")
            info = info.decode() if isinstance(info, bytes) else info
            fields = dict(t.partition("=")[::2] for t in info.strip().split(" "))
            side.victim = victim
            side.victim_ref = fields["id"] if style == "id" else fields["addr"]
            return True
        p.proc("open victim connection", make_victim)
        if style == "id":
            p.proc("CLIENT KILL ID <victim>",
                   lambda s: s.c.command("CLIENT", "KILL", "ID", s.victim_ref))
        else:
            p.proc("CLIENT KILL <victim addr>",
                   lambda s: s.c.command("CLIENT", "KILL", s.victim_ref))
        p.proc("victim connection is closed", lambda s: s.victim.is_closed())
        p.proc("CLIENT KILL again", lambda s: s.c.command(
            "CLIENT", "KILL", *(["ID", s.victim_ref] if style == "id" else [s.victim_ref])))
    # killing ourselves with SKIPME no closes our connection after the reply
    def kill_self(side):
        c = side.connect()
        myid = parse(c.command("CLIENT", "ID"))[1]
        reply = c.command("CLIENT", "KILL", "ID", myid, "SKIPME", "no")
        return reply, c.is_closed()
    p.proc("CLIENT KILL ID <self> SKIPME no", kill_self)
    def kill_self_skipped(side):
        c = side.connect()
        myid = parse(c.command("CLIENT", "ID"))[1]
        return c.command("CLIENT", "KILL", "ID", myid), c.command("PING")
    p.proc("CLIENT KILL ID <self> (SKIPME yes default)", kill_self_skipped)
    # sent by redis-py 8 on connect (errors are ignored by the client): Redis
    # 7.0 answers "unknown subcommand"; Apus must answer the same way
    p.cmd("CLIENT", "SETINFO", "LIB-NAME", "redis-py")
    p.cmd("CLIENT", "SETINFO", "LIB-VER", "8.1.0")
    p.cmd("CLIENT", "MAINT_NOTIFICATIONS", "ON", "moving-endpoint-type", "internal-ip")
    p.cmd("CLIENT")
    p.cmd("CLIENT", "FOO")
    p.cmd("CLIENT", "foo", "bar")
    p.cmd("CLIENT", "ID", "extra")
    p.cmd("PING")


INFO_ARGS = [[], ["default"], ["all"], ["everything"], ["server"], ["SERVER"], ["clients"], ["memory"],
             ["stats"], ["replication"], ["cpu"], ["keyspace"], ["commandstats"], ["server", "clients"],
             ["keyspace", "cpu", "keyspace"], ["nosuchsection"], ["persistence"], ["modules"],
             ["errorstats"], ["cluster"], ["latencystats"], ["default", "commandstats"]]


@script
def s_info(p, clk):
    p.cmd("MSET", "a", "1", "b", "2")
    p.cmd("EXPIRE", "a", clk.rel_s())
    p.cmd("SELECT", "2")
    p.cmd("SET", "c", "3")
    p.cmd("SELECT", "0")
    # commandstats only list commands called since the last reset on that
    # server (other test files talk to Apus only), so reset both first.
    p.cmd("CONFIG", "RESETSTAT")
    p.cmd("GET", "a")
    p.cmd("SET", "x", "y")
    p.cmd("INCR", "x")
    p.cmd("NOSUCHCMD")
    p.cmd("GET")
    for args in INFO_ARGS:
        p.cmd("INFO", *args, norm=norm_info)


CONFIG_GET_ARGS = [["port"], ["PORT"], ["bind"], ["save"], ["appendonly"], ["databases"], ["maxmemory"],
                   ["maxmemory-policy"], ["timeout"], ["hz"], ["loglevel"], ["dir"], ["enable-debug-command"],
                   ["maxmemory*"], ["maxmemory-p*"], ["data?ases"], ["h[a-z]"], ["port", "hz", "databases"],
                   ["hz", "hz"], ["hz", "h?"], ["nosuchparam"], ["*nosuch*"], ["hz", "nosuchparam"],
                   ["requirepass"], ["proto-max-bulk-len"], ["lfu-log-factor"], ["lazyfree-lazy-user-del"]]

# (set-args, restore-args): every CONFIG SET is undone in the same case so the
# session servers keep their defaults for the other tests.
CONFIG_SET_CASES = [
    (["hz", "20"], ["hz", "10"]),
    (["HZ", "25"], ["hz", "10"]),
    (["hz", "0"], ["hz", "10"]),
    (["hz", "1000"], ["hz", "10"]),
    (["maxmemory", "100mb"], ["maxmemory", "0"]),
    (["maxmemory", "100MB"], ["maxmemory", "0"]),
    (["maxmemory", "1gb"], ["maxmemory", "0"]),
    (["maxmemory", "123456789"], ["maxmemory", "0"]),
    (["maxmemory", "1000000000"], ["maxmemory", "0"]),
    (["maxmemory-policy", "allkeys-lru"], ["maxmemory-policy", "noeviction"]),
    (["maxmemory-policy", "VOLATILE-TTL"], ["maxmemory-policy", "noeviction"]),
    (["timeout", "300"], ["timeout", "0"]),
    (["loglevel", "warning"], ["loglevel", "notice"]),
    (["hz", "15", "timeout", "100"], ["hz", "10", "timeout", "0"]),
    (["lazyfree-lazy-user-del", "yes"], ["lazyfree-lazy-user-del", "no"]),
]
CONFIG_SET_ERRORS = [["nosuchparam", "1"], ["hz", "abc"], ["hz", "-1"], ["hz", "1.5"], ["hz", ""],
                     ["hz", "9223372036854775808"], ["maxmemory", "abc"], ["maxmemory", "1.5gb"],
                     ["maxmemory", "-1"], ["maxmemory-policy", "foo"], ["timeout", "-1"], ["loglevel", "foo"],
                     ["databases", "20"], ["port"], ["hz"], ["hz", "10", "maxmemory"], ["hz", "10", "hz", "11"],
                     ["hz", "12", "nosuchparam", "1"], ["hz", "12", "maxmemory", "abc"], []]


@script
def s_config(p, clk):
    for args in CONFIG_GET_ARGS:
        p.cmd("CONFIG", "GET", *args, norm=norm_config_get)
    p.cmd("CONFIG", "GET")
    try:
        for set_args, restore in CONFIG_SET_CASES:
            p.cmd("CONFIG", "SET", *set_args)
            p.cmd("CONFIG", "GET", *set_args[0::2], norm=norm_config_get)
            p.cmd("CONFIG", "SET", *restore)
            p.cmd("CONFIG", "GET", *restore[0::2], norm=norm_config_get)
        for args in CONFIG_SET_ERRORS:
            p.cmd("CONFIG", "SET", *args)
            p.cmd("CONFIG", "GET", "hz", "maxmemory", "timeout", norm=norm_config_get)
    finally:
        for side in (p.a, p.b):
            c = side.connect()
            c.command("CONFIG", "SET", "hz", "10", "maxmemory", "0", "maxmemory-policy", "noeviction",
                      "timeout", "0", "loglevel", "notice", "lazyfree-lazy-user-del", "no")
    p.cmd("CONFIG", "RESETSTAT")
    p.cmd("CONFIG", "RESETSTAT", "extra")
    p.cmd("CONFIG")
    p.cmd("CONFIG", "FOO")
    p.cmd("config", "get", "HZ", norm=norm_config_get)


# Every command this suite covers; COMMAND INFO / DOCS must be byte-identical.
COVERED_COMMANDS = [
    "get", "set", "setnx", "setex", "psetex", "getset", "getdel", "getex", "mget", "mset", "msetnx", "append",
    "strlen", "getrange", "setrange", "substr", "incr", "decr", "incrby", "decrby", "incrbyfloat", "lcs",
    "del", "unlink", "exists", "type", "keys", "scan", "randomkey", "rename", "renamenx", "copy", "move",
    "touch", "expire", "pexpire", "expireat", "pexpireat", "ttl", "pttl", "expiretime", "pexpiretime",
    "persist", "object", "ping", "echo", "select", "swapdb", "dbsize", "flushdb", "flushall", "time",
    "hello", "reset", "client", "info", "config", "command", "debug", "quit",
]
COVERED_SUBCOMMANDS = ["object|encoding", "object|refcount", "object|idletime", "object|freq", "object|help",
                       "client|id", "client|setname", "client|getname", "client|list", "client|info",
                       "client|kill", "client|no-evict", "config|get", "config|set", "config|resetstat",
                       "command|count", "command|info", "command|docs", "command|list"]


def _sort_pairs_flat(items):
    pairs = sorted(zip(items[0::2], items[1::2]), key=lambda kv: serialize(kv[0]))
    return [x for kv in pairs for x in kv]


def canon_command(node):
    """COMMAND / COMMAND INFO / COMMAND DOCS: Redis keeps subcommands in a
    dict whose hash seed is random per process, so the *order* of subcommand
    entries differs even between two redis-server runs.  Sort them (INFO:
    element 10 of an entry; DOCS: the value of a "subcommands" key, map in
    RESP3 or flat array in RESP2).  Everything else stays byte-exact."""
    t = node[0]
    if t in "*~" and node[1]:
        items = [canon_command(x) for x in node[1]]
        if (len(items) == 10 and items[0][0] == "$" and items[1][0] == ":" and items[9][0] == "*"
                and items[9][1]):
            items[9] = ("*", sorted(items[9][1], key=serialize))
        for i in range(0, len(items) - 1, 2):
            if items[i] == ("$", b"subcommands") and items[i + 1][0] == "*" and items[i + 1][1]:
                items[i + 1] = ("*", _sort_pairs_flat(items[i + 1][1]))
        return t, items
    if t == "%":
        pairs = [(canon_command(k), canon_command(v)) for k, v in node[1]]
        pairs = [(k, ("%", sorted(v[1], key=lambda kv: serialize(kv[0])))
                  if bulk_payload(k) == b"subcommands" and v[0] == "%" else v) for k, v in pairs]
        return "%", pairs
    return node


def norm_command(raw, side):
    return serialize(canon_command(parse(raw)))


def _names(raw):
    node = parse(raw)
    return {bulk_payload(x) for x in node[1]}


def _cmp_subset(ra, rb):
    """COMMAND LIST (any filter): Apus serves every command Redis 7.0.15 has, so the two list
    the same names (Redis in its dict's hash order, hence compared as sets)."""
    try:
        a, b = _names(ra), _names(rb)
    except Exception:
        return ra == rb
    return a == b and parse(ra)[0] == parse(rb)[0]


def _cmp_count(ra, rb):
    """COMMAND COUNT: the same number of commands as Redis."""
    return ra == rb


@script
def s_command(p, clk):
    p.cmd("COMMAND", "COUNT", cmp=_cmp_count)
    p.cmd("COMMAND", "LIST", cmp=_cmp_subset)

    def listed(side):
        """COMMAND LIST must agree with COMMAND COUNT and include every
        covered command (Apus implements all of them)."""
        names = _names(side.c.command("COMMAND", "LIST"))
        count = int(parse(side.c.command("COMMAND", "COUNT"))[1])
        return len(names) == count, sorted(set(x.encode() for x in COVERED_COMMANDS) - names)
    p.proc("COMMAND LIST vs COUNT vs covered commands", listed)

    def command_entries(side):
        """COMMAND (no args): Apus's entries must be byte-identical to
        Redis's entries of the same name (Apus lists a subset)."""
        raw = side.c.command("COMMAND")
        node = parse(raw)
        return node[0], {bulk_payload(e[1][0]): serialize(canon_command(e)) for e in node[1]}
    ta, ea = command_entries(p.a)
    tb, eb = command_entries(p.b)
    p.step_no += 1
    p.history.append("COMMAND")
    if ta != tb:
        p.fail("COMMAND (reply type)", ta, tb)
    for name, entry in sorted(ea.items()):
        if eb.get(name) != entry:
            p.fail("COMMAND (entry for %r)" % name, entry, eb.get(name))

    for name in COVERED_COMMANDS + COVERED_SUBCOMMANDS:
        p.cmd("COMMAND", "INFO", name, norm=norm_command)
        p.cmd("COMMAND", "DOCS", name, norm=norm_command)
    p.cmd("COMMAND", "INFO", "GET", "set", "nosuchcmd", "object|encoding", "object|nosuch", "get|x",
          norm=norm_command)
    p.cmd("COMMAND", "DOCS", "get", "nosuchcmd", "SET", "client", norm=norm_command)
    p.cmd("COMMAND", "INFO", "nosuchcmd")
    p.cmd("COMMAND", "DOCS", "nosuchcmd")
    for f in (["FILTERBY", "PATTERN", "s*"], ["FILTERBY", "PATTERN", "*get*"], ["FILTERBY", "ACLCAT", "string"],
              ["FILTERBY", "ACLCAT", "keyspace"], ["FILTERBY", "MODULE", "nosuchmodule"],
              ["filterby", "pattern", "GET"]):
        p.cmd("COMMAND", "LIST", *f, cmp=_cmp_subset)
    for bad in (["FILTERBY"], ["FILTERBY", "PATTERN"], ["FILTERBY", "FOO", "x"], ["FOO"],
                ["FILTERBY", "ACLCAT", "nosuchcat"], ["FILTERBY", "PATTERN", "a", "extra"]):
        p.cmd("COMMAND", "LIST", *bad)
    p.cmd("COMMAND", "COUNT", "extra")
    p.cmd("COMMAND", "FOO")
    p.cmd("COMMAND", "foo", "bar")


DEBUG_PROTOCOL_TYPES = ["string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib",
                        "push", "verbatim", "true", "false", "STRING", "nosuchtype"]


@script
def s_debug(p, clk):
    p.cmd("DEBUG", "SLEEP", "0")
    p.cmd("DEBUG", "sleep", "0")
    try:
        p.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        p.cmd("SET", "k", "v", "EX", clk.rel_s())
        ttl_all(p, "k")
        p.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        p.cmd("DEBUG", "set-active-expire", "1")
        p.cmd("DEBUG", "SET-ACTIVE-EXPIRE")
    finally:
        for side in (p.a, p.b):
            side.connect().command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    for t in DEBUG_PROTOCOL_TYPES:
        p.cmd("DEBUG", "PROTOCOL", t, push=True)
    p.cmd("DEBUG", "PROTOCOL")
    p.cmd("SET", "k", "hello")
    p.cmd("SET", "n", "123")
    p.cmd("SET", "big", "x" * 100)
    for k in ("k", "n", "big"):
        p.cmd("DEBUG", "OBJECT", k, norm=norm_debug_object)
    p.cmd("DEBUG", "OBJECT", "nokey")
    p.cmd("DEBUG", "OBJECT")
    p.cmd("DEBUG", "FOO")
    p.cmd("DEBUG", "foo", "bar")
    p.cmd("DEBUG")
    p.cmd("PING")


@script
def s_quit(p, clk):
    p.cmd("SET", "k", "v")
    for args in ([], ["extra", "args"], ["quit"]):
        def q(side):
            c = side.connect()
            c.command("PING")
            return c.command("QUIT", *args) if args != ["quit"] else c.command("quit"), c.is_closed()
        p.proc("QUIT %s (own connection)" % fmt_cmd(args), q)
    p.cmd("GET", "k")
    p.cmd("QUIT")
    p.proc("connection closed after QUIT", lambda s: s.c.is_closed())


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_scripted(apus, redis, proto, name):
    p = open_pair(apus, redis, "script=%s" % name, proto)
    try:
        SCRIPTS[name](p, Clock(random.Random(name)))
        if name != "quit":
            p.cmd("PING")
    finally:
        p.close()


# ===========================================================================
# Random sequences
# ===========================================================================

def rkey(rng):
    return rng.choice(KEYSPACE[:8]) if rng.random() < 0.95 else rng.choice(KEYSPACE)


def rkeys(rng, lo=1, hi=4):
    return [rkey(rng) for _ in range(rng.randint(lo, hi))]


def rint_arg(rng, lo=-20, hi=20):
    r = rng.random()
    if r < 0.85:
        return str(rng.randint(lo, hi))
    if r < 0.93:
        return rng.choice([LLONG_MAX, LLONG_MIN, "9223372036854775808", "1000000"])
    return rng.choice(BAD_INTS)


def expiry_opt(rng, clk, allow_past=False):
    r = rng.random()
    if r < 0.2:
        return ["EX", clk.rel_s()]
    if r < 0.4:
        return ["PX", clk.rel_ms()]
    if r < 0.55:
        return ["EXAT", clk.abs_s()]
    if r < 0.7:
        return ["PXAT", clk.abs_ms()]
    if r < 0.75 and allow_past:
        return [rng.choice(["EXAT", "PXAT"]), "1"]
    form = rng.choice(["EX", "PX", "EXAT", "PXAT"])
    return [form] + ([] if rng.random() < 0.2 else [rng.choice(["0", "-1", "abc", LLONG_MAX])])


def g_set(rng, clk, p):
    opts = []
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        r = rng.random()
        if r < 0.3:
            opts += expiry_opt(rng, clk)
        elif r < 0.85:
            opts.append(rng.choice(["NX", "XX", "GET", "KEEPTTL", "nx", "get"]))
        else:
            opts.append(rng.choice(["FOO", "PERSIST", "EX"]))
    p.cmd("SET", rkey(rng), rand_value(rng), *opts)


def g_get(rng, clk, p):
    p.cmd("GET", rkey(rng))


def g_setlike(rng, clk, p):
    r = rng.randrange(6)
    k = rkey(rng)
    if r == 0:
        p.cmd("SETNX", k, rand_value(rng))
    elif r == 1:
        p.cmd("SETEX", k, clk.rel_s() if rng.random() < 0.8 else rng.choice(BAD_INTS + ["0", "-5"]), rand_value(rng))
    elif r == 2:
        p.cmd("PSETEX", k, clk.rel_ms() if rng.random() < 0.8 else rng.choice(BAD_INTS + ["0"]), rand_value(rng))
    elif r == 3:
        p.cmd("GETSET", k, rand_value(rng))
    elif r == 4:
        p.cmd("GETDEL", k)
    else:
        opts = []
        r2 = rng.random()
        if r2 < 0.5:
            opts = expiry_opt(rng, clk, allow_past=True)
        elif r2 < 0.7:
            opts = ["PERSIST"]
        elif r2 < 0.75:
            opts = ["PERSIST", "EX", "10"]
        p.cmd("GETEX", k, *opts)


def g_multi(rng, clk, p):
    r = rng.randrange(3)
    if r == 0:
        p.cmd("MGET", *rkeys(rng, 1, 5))
    else:
        args = []
        for k in rkeys(rng, 1, 4):
            args += [k, rand_value(rng)]
        if rng.random() < 0.05:
            args.pop()
        p.cmd("MSET" if r == 1 else "MSETNX", *args)


def g_append_range(rng, clk, p):
    r = rng.randrange(5)
    k = rkey(rng)
    if r == 0:
        p.cmd("APPEND", k, rand_value(rng) if rng.random() < 0.7 else rng.choice(["x", "12", ""]))
    elif r == 1:
        p.cmd("STRLEN", k)
    elif r == 2:
        p.cmd(rng.choice(["GETRANGE", "SUBSTR"]), k, rint_arg(rng), rint_arg(rng))
    elif r == 3:
        off = str(rng.randint(0, 60)) if rng.random() < 0.9 else rng.choice(["-1", "abc", "536870912"])
        p.cmd("SETRANGE", k, off, rand_value(rng) if rng.random() < 0.5 else rng.choice(["", "Z", "99"]))
    else:
        p.cmd("GET", k)


def g_incr(rng, clk, p):
    k = rkey(rng)
    r = rng.randrange(6)
    if r == 0:
        p.cmd("INCR", k)
    elif r == 1:
        p.cmd("DECR", k)
    elif r == 2:
        p.cmd("INCRBY", k, rng.choice(INCRS) if rng.random() < 0.3 else rint_arg(rng, -1000, 1000))
    elif r == 3:
        p.cmd("DECRBY", k, rng.choice(INCRS) if rng.random() < 0.3 else rint_arg(rng, -1000, 1000))
    elif r == 4:
        inc = rng.choice(FLOAT_INCRS) if rng.random() < 0.4 else "%.*f" % (rng.randint(0, 5), rng.uniform(-100, 100))
        p.cmd("INCRBYFLOAT", k, inc)
    else:
        p.cmd("SET", k, rng.choice(INT_VALUES + FLOAT_VALUES))


def g_lcs(rng, clk, p):
    opts = []
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        o = rng.choice(["LEN", "IDX", "MINMATCHLEN", "WITHMATCHLEN", "IDX", "FOO"])
        opts.append(o)
        if o == "MINMATCHLEN" and rng.random() < 0.9:
            opts.append(rng.choice(["0", "1", "2", "3", "-1", "abc"]))
    p.cmd("LCS", rkey(rng), rkey(rng), *opts)


def g_keyspace(rng, clk, p):
    r = rng.randrange(9)
    if r == 0:
        p.cmd(rng.choice(["DEL", "UNLINK"]), *rkeys(rng))
    elif r == 1:
        p.cmd(rng.choice(["EXISTS", "TOUCH"]), *rkeys(rng))
    elif r == 2:
        p.cmd("TYPE", rkey(rng))
    elif r == 3:
        p.cmd("KEYS", rng.choice(PATTERNS), norm=norm_sorted)
    elif r == 4:
        extra = []
        if rng.random() < 0.5:
            extra += ["MATCH", rng.choice(PATTERNS)]
        if rng.random() < 0.5:
            extra += ["COUNT", str(rng.randint(1, 5))]
        if rng.random() < 0.2:
            extra += ["TYPE", rng.choice(["string", "list", "hash"])]
        p.proc("SCAN 0 %s (full iteration)" % fmt_cmd(extra), scan_all(extra))
    elif r == 5:
        p.proc("RANDOMKEY", randomkey)
    elif r == 6:
        p.cmd(rng.choice(["RENAME", "RENAMENX"]), rkey(rng), rkey(rng))
    elif r == 7:
        opts = []
        if rng.random() < 0.3:
            opts += ["DB", str(rng.randint(0, 2))]
        if rng.random() < 0.5:
            opts.append("REPLACE")
        p.cmd("COPY", rkey(rng), rkey(rng), *opts)
    else:
        p.cmd("MOVE", rkey(rng), str(rng.randint(0, 2)) if rng.random() < 0.95 else "99")


def g_expire(rng, clk, p):
    k = rkey(rng)
    r = rng.randrange(10)
    if r < 4:
        cmd, val = rng.choice([("EXPIRE", clk.rel_s), ("PEXPIRE", clk.rel_ms), ("EXPIREAT", clk.abs_s),
                               ("PEXPIREAT", clk.abs_ms)])
        # never a short *relative* expiry (PEXPIRE k 1 races the next step);
        # "1" as an absolute time is long past and deletes the key at once
        odd = ["0", "-1", "abc", LLONG_MAX] + (["1"] if cmd.endswith("AT") else [])
        v = val() if rng.random() < 0.9 else rng.choice(odd)
        opts = [] if rng.random() < 0.4 else [rng.choice(["NX", "XX", "GT", "LT", "nx", "gt"])]
        if rng.random() < 0.05:
            opts.append(rng.choice(["NX", "XX", "GT", "LT", "FOO"]))
        p.cmd(cmd, k, v, *opts)
    elif r < 8:
        c = rng.choice(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"])
        p.cmd(c, k, cmp=CMP_S if c in ("TTL", "EXPIRETIME") else CMP_MS)
    else:
        p.cmd("PERSIST", k)


def g_server(rng, clk, p):
    r = rng.randrange(12)
    if r < 3:
        p.cmd("SELECT", str(rng.choice([0, 0, 0, 1, 2])) if rng.random() < 0.97 else "16")
    elif r == 3:
        p.cmd("SWAPDB", str(rng.randint(0, 2)), str(rng.randint(0, 2)))
    elif r == 4:
        p.cmd("DBSIZE")
    elif r == 5:
        if rng.random() < 0.3:
            p.cmd("FLUSHDB", *rng.choice([[], ["ASYNC"], ["SYNC"]]))
        else:
            p.cmd("PING", *rng.choice([[], ["msg"]]))
    elif r == 6:
        p.cmd("ECHO", rand_value(rng))
    elif r == 7:
        p.cmd("OBJECT", rng.choice(["ENCODING", "REFCOUNT", "ENCODING"]), rkey(rng))
    elif r == 8:
        p.cmd("OBJECT", "IDLETIME", rkey(rng), norm=norm_int)
    elif r == 9:
        p.cmd("DEBUG", "OBJECT", rkey(rng), norm=norm_debug_object)
    elif r == 10:
        p.cmd("INFO", "keyspace", norm=norm_info)
    else:
        p.cmd(rng.choice(["GET", "SET", "INCR", "DEL", "EXPIRE", "TTL", "LCS", "MSET"]))  # arity errors


GENERATORS = [(g_set, 14), (g_get, 10), (g_setlike, 8), (g_multi, 6), (g_append_range, 8), (g_incr, 10),
              (g_lcs, 3), (g_keyspace, 12), (g_expire, 10), (g_server, 8)]


@pytest.mark.parametrize("seed", SEEDS)
def test_random(apus, redis, proto, seed):
    rng = random.Random(seed)
    clk = Clock(rng)
    p = open_pair(apus, redis, "seed=%d (rerun: APUS_DIFF_SEEDS=%d)" % (seed, seed), proto)
    gens = [g for g, _ in GENERATORS]
    weights = [w for _, w in GENERATORS]
    try:
        for _ in range(STEPS):
            rng.choices(gens, weights)[0](rng, clk, p)
        # final state of every db must agree
        for db in range(3):
            p.cmd("SELECT", str(db))
            p.cmd("KEYS", "*", norm=norm_sorted)
            for k in KEYSPACE:
                p.cmd("GET", k)
                p.cmd("TTL", k, cmp=CMP_S)
                p.cmd("OBJECT", "ENCODING", k)
    finally:
        p.close()


# ===========================================================================
# Pipelining and raw protocol
# ===========================================================================

def _pipeline_commands(rng, clk):
    cmds = [["SET", "p", "0"]]
    for i in range(60):
        r = rng.randrange(8)
        k = rng.choice(["p", "q", "r"])
        if r == 0:
            cmds.append(["INCR", "p"])
        elif r == 1:
            cmds.append(["APPEND", k, rand_value(rng)])
        elif r == 2:
            cmds.append(["GET", k])
        elif r == 3:
            cmds.append(["SET", k, rand_value(rng)])
        elif r == 4:
            cmds.append(["MGET", "p", "q", "r"])
        elif r == 5:
            cmds.append(["INCRBY", k, rint_arg(rng)])
        elif r == 6:
            cmds.append(rng.choice([["GET"], ["NOSUCH", "x"], ["SET", "q", "v", "NX", "XX"], ["PING"]]))
        else:
            cmds.append(["ECHO", "x" * rng.choice([1, 100, 5000])])
    cmds.append(["DBSIZE"])
    return cmds


def _run_batch(p, label, cmds, data=None, chunk_rng=None):
    """Write all commands (one write, or tiny fragments when chunk_rng is
    given) to each server, then read one reply per command and compare the
    concatenated bytes; on mismatch report the first differing reply."""
    data = encode_pipeline(cmds) if data is None else data
    p.step_no += 1
    p.history.append("%s (%d commands, %d bytes)" % (label, len(cmds), len(data)))
    outs = []
    for side in (p.a, p.b):
        if chunk_rng is None:
            side.c.send_raw(data)
        else:
            frag = random.Random(chunk_rng)
            i = 0
            while i < len(data):
                n = frag.randint(1, 9)
                side.c.send_raw(data[i:i + n])
                i += n
        replies = []
        try:
            for _ in cmds:
                replies.append(side.c.read_reply())
        except (ConnectionClosed, socket.timeout, ConnectionResetError) as e:
            replies.append(("<%r>" % (e,)).encode())
        outs.append(replies)
    ra, rb = outs
    if b"".join(ra) != b"".join(rb):
        for i, (x, y) in enumerate(zip(ra, rb)):
            if x != y:
                p.fail("%s: reply #%d to %s" % (label, i, fmt_cmd(cmds[i])), x, y)
        p.fail("%s: number of replies" % label, len(ra), len(rb))


def test_pipeline_one_write(apus, redis, proto):
    """Many commands in one write(): the concatenated replies must match."""
    p = open_pair(apus, redis, "pipeline", proto)
    clk = Clock(random.Random(99))
    try:
        for seed in range(5):
            _run_batch(p, "pipeline seed %d" % seed, _pipeline_commands(random.Random(seed), clk))
        # a long pipeline: thousands of small commands in a single write
        big = [["INCR", "counter"] if i % 3 else ["GET", "counter"] for i in range(3000)]
        _run_batch(p, "pipeline of 3000 commands", big)
        # inline and multibulk commands mixed in the same write
        mixed = [["PING"], ["SET", "m", "1"], ["INCR", "m"], ["GET", "m"]]
        data = b"PING\r\n" + encode_pipeline(mixed[1:2]) + b"INCR m\r\n" + encode_pipeline(mixed[3:])
        _run_batch(p, "inline + multibulk pipeline", mixed, data=data)
    finally:
        p.close()


def test_pipeline_fragmented(apus, redis, proto):
    """The same kind of pipeline delivered in tiny fragments that split
    frames, lengths and CRLFs at arbitrary points."""
    p = open_pair(apus, redis, "pipeline-fragmented", proto)
    rng = random.Random(7)
    try:
        cmds = _pipeline_commands(rng, Clock(rng))[:30]
        _run_batch(p, "fragmented pipeline", cmds, chunk_rng=3)
    finally:
        p.close()


# Inline commands and protocol errors.  (raw bytes, number of replies, whether
# the server must close the connection afterwards)
RAW_CASES = [
    ("inline ping", b"PING\r\n", 1, False),
    ("inline lf only", b"PING\n", 1, False),
    ("inline args", b"SET ik \"hello world\"\r\nGET ik\r\n", 2, False),
    ("inline escapes", b"ECHO \"a\\x41\\n\"\r\nECHO 'it\\'s'\r\n", 2, False),
    ("inline empty line", b"\r\n\r\nPING\r\n", 1, False),
    ("inline spaces", b"   ECHO    x   \r\n", 1, False),
    ("inline unbalanced", b"SET k \"abc\r\n", 1, True),
    ("inline quote not followed by space", b"ECHO 'it''s'\r\n", 1, True),
    ("multibulk empty", b"*0\r\nPING\r\n", 1, False),
    ("multibulk negative", b"*-1\r\nPING\r\n", 1, False),
    ("multibulk empty command", b"*1\r\n$0\r\n\r\n", 1, False),
    ("bad multibulk length", b"*abc\r\n", 1, True),
    ("bad bulk length", b"*1\r\n$abc\r\n", 1, True),
    ("negative bulk length", b"*1\r\n$-1\r\n", 1, True),
    ("missing dollar", b"*1\r\nPING\r\n", 1, True),
    ("huge multibulk", b"*2147483648\r\n", 1, True),
    ("huge bulk", b"*1\r\n$536870913\r\n", 1, True),
    ("mixed", b"*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\nPING\r\n*1\r\n$4\r\nPING\r\n", 3, False),
    ("binary arg", b"*2\r\n$4\r\nECHO\r\n$4\r\n\r\n\x00\xff\r\n", 1, False),
]


@pytest.mark.parametrize("case", RAW_CASES, ids=[c[0].replace(" ", "-") for c in RAW_CASES])
def test_raw_protocol(apus, redis, case):
    name, data, replies, closes = case
    p = open_pair(apus, redis, "raw=%s" % name, 2)
    try:
        p.step_no += 1
        p.history.append(repr(data))

        def run(side):
            side.c.send_raw(data)
            try:
                out = b"".join(side.c.read_replies(replies))
            except ConnectionClosed as e:
                return ("closed early", e.partial)
            if closes:
                return out, side.c.is_closed()
            try:
                return out, side.c.command("PING")
            except ConnectionClosed as e:
                return out, "closed", e.partial
        p.proc("raw %r" % (data[:80],), run)
    finally:
        p.close()


class ChangeCounter:
    """rdb_changes_since_last_save of each side relative to when the counter was made: the
    session's servers have run other tests before, not necessarily with the same number of
    writes, so only the changes made since are comparable."""

    def __init__(self, pair):
        self.pair = pair
        self.base = {}
        pair.proc("INFO persistence (baseline)", lambda side: self._remember(side))

    @staticmethod
    def _read(raw):
        for line in raw.split(b"\r\n"):
            if line.startswith(b"rdb_changes_since_last_save:"):
                return int(line.split(b":")[1])
        raise AssertionError("no rdb_changes_since_last_save in INFO persistence")

    def _remember(self, side):
        self.base[side.name] = self._read(side.c.command("INFO", "persistence"))
        return None

    def check(self):
        """Compare the changes each side counted since the baseline (inside MULTI the reply is
        QUEUED on both sides, compared as it is)."""
        def norm(raw, side):
            if b"rdb_changes_since_last_save:" not in raw:
                return raw
            return self._read(raw) - self.base[side.name]
        self.pair.cmd("INFO", "persistence", norm=norm)
