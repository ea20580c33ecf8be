"""Shared by the stream test files: a differential scene that leaves the session servers'
stream/notification settings as it found them, a script runner whose log names each command,
and the normalisers for the few reply parts that legitimately differ between two servers
(wall-clock ms in `*` IDs, idle/delivery times, and radix-tree-nodes, which counts the nodes
of Redis's rax and has no equivalent in Apus)."""

import re
import time

from support import differential
from support.resp import parse, serialize

NOTHING = differential.NOTHING
nothing_yet = differential.nothing_yet

# Defaults of redis.conf; restored after every scene because the servers are shared by the session.
CONFIG_DEFAULTS = [("stream-node-max-entries", "100"), ("stream-node-max-bytes", "4096"),
                   ("notify-keyspace-events", "")]


class StreamScene(differential.Scene):
    def __init__(self, server, proto):
        super().__init__(server, proto)
        self.ctl.command("FLUSHALL")
        self.obs = self.connect()     # CLIENT LIST / INFO even while ctl is inside MULTI

    def close(self):
        try:
            for name, value in CONFIG_DEFAULTS:
                self.ctl.command("CONFIG", "SET", name, value)
        finally:
            super().close()

    def connect(self):
        """Every connection is named, so outcome() can find it in CLIENT LIST."""
        c = super().connect()
        c.name = "c%d" % len(self.clients)
        c.command("CLIENT", "SETNAME", c.name)
        return c

    def is_blocked(self, c):
        for line in self.obs.command("CLIENT", "LIST").split(b"\n"):
            fields = dict(f.split(b"=", 1) for f in line.split() if b"=" in f)
            if fields.get(b"name") == c.name.encode():
                return b"b" in fields[b"flags"]
        raise AssertionError("client %s is not connected" % c.name)

    def outcome(self, c):
        """For a client that was blocked: NOTHING while it still is, else its reply. A served
        client is unblocked before the command that served it answers, so this needs no wait."""
        return NOTHING if self.is_blocked(c) else c.read_reply()

    def blocked(self):
        info = self.obs.command("INFO", "clients")
        return int(re.search(rb"blocked_clients:(\d+)", info).group(1))

    def wait_blocked(self, n, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.blocked() == n:
                return True
            time.sleep(0.003)
        return False

    def block(self, c, *args):
        """Sends a blocking command and waits until the server has parked it."""
        before = self.blocked()
        c.send_command(*args)
        assert self.wait_blocked(before + 1), "client did not block on %r" % (args,)

    def run(self, steps, normalise=None):
        """Runs commands on ctl; the log holds (command, normalised reply) pairs."""
        out = []
        for cmd in steps:
            raw = self.ctl.command(*cmd)
            out.append((" ".join(str(a) for a in cmd), normalise(cmd, raw) if normalise else raw))
        return out


SENTINEL = "__keyspace@0__:~end-of-sequence~"


def drain_events(s, sub):
    """The keyspace events `sub` (PSUBSCRIBEd to __key*@*__:*) got so far, up to a sentinel
    message published on ctl (pub/sub delivers in order, so nothing is left behind)."""
    s.ctl.command("PUBLISH", SENTINEL, "end")
    events = []
    while True:
        frame = sub.read_reply()
        if SENTINEL.encode() in frame:
            return events
        events.append(frame)


def run_both(apus, redis, proto, scenario):
    return differential.run_both(apus, redis, scenario, lambda server: StreamScene(server, proto),
                                 "resp%d" % proto)


def run_script(apus, redis, proto, steps, normalise=None):
    """The same command list on both servers; returns Redis's log of (command, reply)."""
    return run_both(apus, redis, proto, lambda s: s.run(steps, normalise))


# ---------------------------------------------------------------------------
# Normalisers
# ---------------------------------------------------------------------------

# A current unix time in ms has 13 digits starting with 1 (2001..2286). Masking keeps the byte
# length, so bulk headers stay valid and the rest of the frame is still compared exactly. The
# sequence after such a ms is masked too: two `*` XADDs share a ms on one server and not the other.
_WALL_MS = re.compile(rb"(?<![0-9])1[0-9]{12}(?![0-9])(-[0-9]+)?")
_RAX_NODES = re.compile(rb"(radix-tree-nodes\r\n):[0-9]+\r\n")


def mask_wall_ms(raw):
    return _WALL_MS.sub(lambda m: b"T" * 13 + (b"-" + b"S" * (len(m.group(1)) - 1) if m.group(1) else b""), raw)


def strip_rax_nodes(raw):
    return _RAX_NODES.sub(rb"\1:?\r\n", raw)


def stream_normalise(cmd, raw):
    """For stream commands without consumer groups: `*` IDs and radix-tree-nodes."""
    return strip_rax_nodes(mask_wall_ms(raw))


TIME_KEYS = {b"idle", b"seen-time"}
_MASK = (":", b"?")


def _is_int(node):
    return node[0] == ":"


def _mask_tree(node, in_pel=False):
    """Masks the values of idle/seen-time fields (flat RESP2 arrays and RESP3 maps) and the
    time element of pending-entry tuples: XPENDING's [id, consumer, idle, count],
    XINFO FULL's group PEL [id, consumer, delivery-ms, count] and consumer PEL [id, delivery-ms, count]."""
    t = node[0]
    if t == "%":
        return (t, [(k, _MASK if k[1] in TIME_KEYS and _is_int(v) else _mask_tree(v, k[1] == b"pending"))
                    for k, v in node[1]])
    if t in "*~" and node[1] is not None:
        items = list(node[1])
        if in_pel:
            return (t, [_mask_pel_entry(x) for x in items])
        out = []
        i = 0
        while i < len(items):
            x = items[i]
            if x[0] == "$" and x[1] in TIME_KEYS and i + 1 < len(items) and _is_int(items[i + 1]):
                out += [x, _MASK]
                i += 2
                continue
            if x[0] == "$" and x[1] == b"pending" and i + 1 < len(items) and items[i + 1][0] == "*":
                out += [x, _mask_tree(items[i + 1], True)]
                i += 2
                continue
            out.append(_mask_tree(x))
            i += 1
        return (t, out)
    return node


def _mask_pel_entry(x):
    if x[0] != "*" or x[1] is None:
        return x
    items = list(x[1])
    if len(items) == 4 and _is_int(items[2]):
        items[2] = _MASK
    elif len(items) == 3 and _is_int(items[1]):
        items[1] = _MASK
    return ("*", items)


def group_normalise(cmd, raw):
    """Consumer-group replies: time fields masked (see _mask_tree), then stream_normalise.
    XPENDING's extended form is masked positionally; its summary form is exact."""
    raw = stream_normalise(cmd, raw)
    name = cmd[0].upper()
    if raw[:1] not in b"*%":
        return raw
    if name == "XPENDING" and len(cmd) > 3:
        node = parse(raw)
        if node[1] is not None:
            node = ("*", [_mask_pel_entry(x) for x in node[1]])
        return serialize(node)
    if name == "XINFO":
        return serialize(_mask_tree(parse(raw)))
    return raw
