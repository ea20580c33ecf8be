"""Pub/sub, differentially: each scenario runs against Apus and against
redis-server 7.0 with several connections, and the observations (raw reply
bytes, in order, per connection) must be identical, in RESP2 and RESP3.

Normalisation, where Redis's order is its dicts' hash order (seeded at random
per process, so it differs between two Redis runs too): the names confirmed by
a bare UNSUBSCRIBE / SUNSUBSCRIBE (their counts stay in order) and the names of
PUBSUB CHANNELS are sorted.
A bare PUNSUBSCRIBE is not: Redis 7.0 keeps a client's patterns in a list.
Messages to one client through several patterns would also come in hash order,
so no scenario subscribes one client to two patterns matching the same channel.

Waiting is by polling (PUBSUB NUMSUB, INFO), never by fixed sleeps, except
where a test asserts that nothing arrives (0.15 s).
"""

import re
import socket
import time


from support import differential
from support.integration import wait_until
from support.resp import RespClient, bulk_payload, parse, serialize
from test_differential import proto  # noqa: F401  (fixture: 2 or 3)

NOTHING = differential.NOTHING
nothing_yet = differential.nothing_yet


class Scene(differential.Scene):
    def __init__(self, server, proto):
        super().__init__(server, proto)
        # Subscribers of an earlier scenario may still be on their way out.
        wait_until(lambda: self.pubsub_counts() == (0, 0, 0), timeout=5, what="no subscriptions left")

    def pubsub_counts(self):
        info = self.ctl.command("INFO", "stats")
        return tuple(int(re.search(rb"%s:(\d+)" % f, info).group(1))
                     for f in (b"pubsub_channels", b"pubsub_patterns", b"pubsubshard_channels"))






def bare_unsubscribe(frames):
    """The confirmations of a bare (S)UNSUBSCRIBE: the names, sorted (they come in hash order),
    and the counts in the order they came (each one less than the last, whatever the order)."""
    nodes = [parse(f) for f in frames]
    return ([n[0] for n in nodes], sorted(serialize(n[1][1]) for n in nodes),
            [serialize(n[1][0]) + serialize(n[1][2]) for n in nodes])


def sorted_array(raw):
    """An array reply with its elements sorted (PUBSUB CHANNELS)."""
    node = parse(raw)
    return node[0], sorted(serialize(e) for e in node[1])


def run_both(apus, redis, proto, scenario):
    return differential.run_both(apus, redis, scenario, lambda server: Scene(server, proto), "resp%d" % proto)


def send_read(c, args, n):
    """Sends one command and reads the n frames it answers with."""
    c.send_command(*args)
    return c.read_replies(n)


# ===========================================================================
# Confirmations
# ===========================================================================

def test_subscribe_confirmations_and_counts(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = []
        out += send_read(c, ["UNSUBSCRIBE"], 1)              # nothing: null name, count 0
        out += send_read(c, ["PUNSUBSCRIBE"], 1)
        out += send_read(c, ["SUNSUBSCRIBE"], 1)
        out += send_read(c, ["UNSUBSCRIBE", "nope", "nada"], 2)
        out += send_read(c, ["PUNSUBSCRIBE", "x*"], 1)
        out += send_read(c, ["SUBSCRIBE", "a", "b", "a"], 3)  # a duplicate still confirms
        out += send_read(c, ["PSUBSCRIBE", "p*", "q?", "[rs]*", "p*"], 4)
        out += send_read(c, ["SSUBSCRIBE", "s1", "s2"], 2)   # shard counts are separate
        out += send_read(c, ["SUBSCRIBE", ""], 1)             # an empty channel name is a name
        out += send_read(c, ["UNSUBSCRIBE", "b", "zz"], 2)
        out += send_read(c, ["PUNSUBSCRIBE", "q?", "q?"], 2)
        out += send_read(c, ["PUNSUBSCRIBE"], 2)              # list order in Redis 7.0
        out.append(bare_unsubscribe(send_read(c, ["UNSUBSCRIBE"], 2)))
        out.append(bare_unsubscribe(send_read(c, ["SUNSUBSCRIBE"], 2)))
        out += send_read(c, ["UNSUBSCRIBE"], 1)
        out.append(c.command("PING"))                         # out of subscribed mode again
        return out
    run_both(apus, redis, proto, scenario)


def test_arity_errors(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        return [c.command(*args) for args in (["SUBSCRIBE"], ["PSUBSCRIBE"], ["SSUBSCRIBE"],
                                              ["PUBLISH", "a"], ["PUBLISH", "a", "b", "c"],
                                              ["SPUBLISH", "a"], ["PUBSUB"])]
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# Delivery
# ===========================================================================

def test_message_order_and_counts(apus, redis, proto):
    def scenario(s):
        subs = [s.connect() for _ in range(3)]
        for c in subs:
            send_read(c, ["SUBSCRIBE", "news", "other"], 2)
        p1, p2, both = s.connect(), s.connect(), s.connect()
        send_read(p1, ["PSUBSCRIBE", "n*"], 1)
        send_read(p2, ["PSUBSCRIBE", "*s"], 1)
        send_read(both, ["SUBSCRIBE", "news"], 1)
        send_read(both, ["PSUBSCRIBE", "ne?s"], 1)
        pub = s.connect()
        out = []
        for channel, message in (("news", "one"), ("other", "two"), ("news", b"\x00\r\nbin"),
                                 ("nobody", "x"), ("ns", "pattern only"), ("news", "x" * 40000)):
            out.append(pub.command("PUBLISH", channel, message))
        for c, frames in ((subs[0], 4), (subs[1], 4), (subs[2], 4), (p1, 5), (p2, 4), (both, 6)):
            out.append(c.read_replies(frames))
        out += [nothing_yet(c, 0.05) for c in subs + [p1, p2, both]]
        return out
    run_both(apus, redis, proto, scenario)


def test_publisher_subscribed_to_itself(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = send_read(c, ["SUBSCRIBE", "me"], 1)
        if proto == 3:
            # RESP3: any command runs, and the push precedes the PUBLISH reply.
            out += send_read(c, ["PUBLISH", "me", "hi"], 2)
            out.append(c.command("SET", "k", "v"))
        else:
            out.append(c.command("PUBLISH", "me", "hi"))
        return out
    run_both(apus, redis, proto, scenario)


def test_shard_channels(apus, redis, proto):
    def scenario(s):
        shard, plain, pat = s.connect(), s.connect(), s.connect()
        out = send_read(shard, ["SSUBSCRIBE", "orders"], 1)
        out += send_read(plain, ["SUBSCRIBE", "orders"], 1)
        out += send_read(pat, ["PSUBSCRIBE", "ord*"], 1)
        pub = s.connect()
        out.append(pub.command("SPUBLISH", "orders", "s1"))   # shard subscriber only, no pattern
        out.append(pub.command("PUBLISH", "orders", "p1"))    # plain + pattern, not the shard one
        out.append(pub.command("SPUBLISH", "none", "x"))
        out.append(shard.read_reply())
        out.append(plain.read_reply())
        out.append(pat.read_reply())
        out += [nothing_yet(c, 0.05) for c in (shard, plain, pat)]
        out.append(pub.command("PUBSUB", "SHARDCHANNELS"))
        out.append(pub.command("PUBSUB", "SHARDCHANNELS", "o*"))
        out.append(pub.command("PUBSUB", "SHARDCHANNELS", "x*"))
        out.append(pub.command("PUBSUB", "SHARDNUMSUB", "orders", "none"))
        out.append(pub.command("PUBSUB", "SHARDNUMSUB"))
        out.append(pub.command("PUBSUB", "NUMSUB", "orders"))
        out += send_read(shard, ["SUNSUBSCRIBE", "orders", "orders"], 2)
        out.append(pub.command("PUBSUB", "SHARDCHANNELS"))
        return out
    run_both(apus, redis, proto, scenario)


def test_multi_exec_subscribe(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = [c.command("MULTI"), c.command("SUBSCRIBE", "m"), c.command("SSUBSCRIBE", "m"),
               c.command("PSUBSCRIBE", "m*"), c.command("EXEC")]
        out.append(s.ctl.command("PUBSUB", "NUMSUB", "m"))
        out.append(s.ctl.command("PUBSUB", "NUMPAT"))
        return out
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# PUBSUB introspection and INFO
# ===========================================================================

def test_pubsub_introspection(apus, redis, proto):
    def scenario(s):
        a, b = s.connect(), s.connect()
        send_read(a, ["SUBSCRIBE", "chan:1", "chan:2", "other"], 3)
        send_read(b, ["SUBSCRIBE", "chan:1"], 1)
        send_read(a, ["PSUBSCRIBE", "chan:*", "x"], 2)
        send_read(b, ["PSUBSCRIBE", "chan:*"], 1)              # same pattern: NUMPAT counts it once
        send_read(b, ["SSUBSCRIBE", "sh"], 1)
        q = s.ctl
        out = [sorted_array(q.command("PUBSUB", "CHANNELS")),
               sorted_array(q.command("PUBSUB", "CHANNELS", "chan:*")),
               q.command("PUBSUB", "CHANNELS", "nomatch*"),
               q.command("PUBSUB", "CHANNELS", "other"),
               q.command("PUBSUB", "NUMSUB", "chan:1", "chan:2", "missing", "chan:1"),
               q.command("PUBSUB", "NUMSUB"),
               q.command("PUBSUB", "NUMPAT"),
               q.command("PUBSUB", "HELP"),
               q.command("PUBSUB", "help"),
               q.command("PUBSUB", "CHANNELS", "a", "b"),
               q.command("PUBSUB", "SHARDCHANNELS", "a", "b"),
               q.command("PUBSUB", "NUMPAT", "x"),
               q.command("PUBSUB", "HELP", "x"),
               q.command("PUBSUB", "nosuch"),
               s.pubsub_counts()]
        send_read(a, ["PUNSUBSCRIBE"], 2)
        out.append(q.command("PUBSUB", "NUMPAT"))
        send_read(b, ["PUNSUBSCRIBE", "chan:*"], 1)
        out.append(q.command("PUBSUB", "NUMPAT"))
        out.append(s.pubsub_counts())
        return out
    run_both(apus, redis, proto, scenario)


def client_list_fields(raw):
    """CLIENT LIST lines reduced to the fields pub/sub sets (ids and addresses differ)."""
    lines = bulk_text(raw).strip().split("\n")
    keep = []
    for line in lines:
        f = dict(kv.split("=", 1) for kv in line.split(" "))
        keep.append((f["flags"], f["sub"], f["psub"], f["ssub"], f["cmd"], f["resp"]))
    return keep


def bulk_text(raw):
    return bulk_payload(parse(raw)).decode()


def test_client_list_fields_and_type_filter(apus, redis, proto):
    def scenario(s):
        a, b = s.connect(), s.connect()
        send_read(a, ["SUBSCRIBE", "c1", "c2"], 2)
        send_read(a, ["PSUBSCRIBE", "p*"], 1)
        send_read(b, ["SSUBSCRIBE", "s"], 1)
        out = [client_list_fields(s.ctl.command("CLIENT", "LIST", "TYPE", "pubsub")),
               len(client_list_fields(s.ctl.command("CLIENT", "LIST", "TYPE", "normal")))]
        send_read(b, ["SUNSUBSCRIBE"], 1)
        out.append(client_list_fields(s.ctl.command("CLIENT", "LIST", "TYPE", "pubsub")))
        out.append(s.ctl.command("CLIENT", "KILL", "TYPE", "pubsub"))
        out.append(a.is_closed())
        return out
    run_both(apus, redis, proto, scenario)


# ===========================================================================
# Subscribed mode (RESP2) and its exits
# ===========================================================================

def test_subscribed_mode_restrictions(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        out = send_read(c, ["SUBSCRIBE", "a"], 1)
        for args in (["GET", "x"], ["CLIENT", "GETNAME"], ["PING"], ["PING", "msg"], ["PING", "a", "b"],
                     ["PUBLISH", "elsewhere", "b"], ["ECHO", "e"], ["CONFIG", "GET", "maxclients"]):
            out.append(c.command(*args))
        out += send_read(c, ["PSUBSCRIBE", "z*"], 1)
        out += send_read(c, ["UNSUBSCRIBE"], 1)
        out.append(c.command("GET", "x"))                       # still subscribed (a pattern)
        out += send_read(c, ["PUNSUBSCRIBE"], 1)
        out.append(c.command("PING"))
        out.append(c.command("GET", "x"))
        out += send_read(c, ["SSUBSCRIBE", "s"], 1)
        out.append(c.command("GET", "x"))
        out.append(c.command("QUIT"))
        return out
    run_both(apus, redis, proto, scenario)


def test_reset_leaves_subscribed_mode(apus, redis, proto):
    def scenario(s):
        c = s.connect()
        send_read(c, ["SUBSCRIBE", "a", "b"], 2)
        send_read(c, ["PSUBSCRIBE", "a*"], 1)
        send_read(c, ["SSUBSCRIBE", "s"], 1)
        out = [c.command("RESET"), c.command("GET", "x"), c.command("PING"),
               s.ctl.command("PUBSUB", "NUMSUB", "a", "b"), s.ctl.command("PUBSUB", "NUMPAT"),
               s.ctl.command("PUBSUB", "SHARDNUMSUB", "s"), s.ctl.command("PUBLISH", "a", "m"),
               nothing_yet(c, 0.05), s.pubsub_counts()]
        return out
    run_both(apus, redis, proto, scenario)


def test_disconnect_while_subscribed(apus, redis, proto):
    def scenario(s):
        gone, stays = s.connect(), s.connect()
        send_read(gone, ["SUBSCRIBE", "x"], 1)
        send_read(gone, ["PSUBSCRIBE", "x*"], 1)
        send_read(gone, ["SSUBSCRIBE", "x"], 1)
        send_read(stays, ["SUBSCRIBE", "x"], 1)
        out = [s.ctl.command("PUBLISH", "x", "before")]
        gone.close()
        wait_until(lambda: s.ctl.command("PUBSUB", "NUMPAT") == b":0\r\n", timeout=5, what="the pattern gone")
        out += [s.ctl.command("PUBSUB", "NUMSUB", "x"), s.ctl.command("PUBSUB", "SHARDNUMSUB", "x"),
                s.ctl.command("PUBLISH", "x", "after"), s.ctl.command("SPUBLISH", "x", "after"),
                stays.read_replies(2), s.pubsub_counts()]
        return out
    run_both(apus, redis, proto, scenario)


def test_subscribers_are_exempt_from_idle_timeout(apus, redis, proto):
    def scenario(s):
        idle, sub = s.connect(), s.connect()
        send_read(sub, ["SUBSCRIBE", "quiet"], 1)
        s.ctl.command("CONFIG", "SET", "timeout", "1")
        try:
            # The idle normal client goes once the cron sees it idle for more than 1 s (the control
            # client keeps talking meanwhile)...
            closed = False
            deadline = time.time() + 5
            while not closed and time.time() < deadline:
                s.ctl.command("PING")
                closed = idle.is_closed(timeout=0.1)
            out = [closed]
            # ...the equally idle subscriber stays.
            out.append(s.ctl.command("PUBLISH", "quiet", "still here"))
            out.append(sub.read_reply())
        finally:
            s.ctl.command("CONFIG", "SET", "timeout", "0")
        return out
    run_both(apus, redis, proto, scenario)
