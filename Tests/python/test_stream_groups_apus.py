"""Consumer groups where the general differential files don't look, Apus against redis-server 7.0:

* what XGROUP, XACK, XCLAIM and XAUTOCLAIM send to a replica — XCLAIM and XAUTOCLAIM propagate
  as one idempotent `XCLAIM ... TIME RETRYCOUNT FORCE JUSTID LASTID` per claimed or dropped
  entry (with the client's own ID text for XCLAIM), XCLAIM LASTID alone as XGROUP SETID ...
  ENTRIESREAD; the rest verbatim. The test plays the replica (PSYNC on a socket) as
  test_replication_stream.py does, with absolute ms times masked;
* XINFO STREAM's radix-tree-keys and radix-tree-nodes (which the group differential file
  hides) for streams of many nodes, after trims and deletions too.
"""

import random

import pytest

from support.replication import RawReplica, client, offset
from test_replication_stream import STREAM_ARGS, commands

ENTRIES = [("XADD", "s", "%d-0" % i, "f", "v%d" % i) for i in range(1, 9)]

PROPAGATION_SCRIPT = ENTRIES + [
    ("XGROUP", "CREATE", "s", "g", "0"),
    ("XGROUP", "CREATE", "s", "g", "0"),                       # BUSYGROUP: nothing propagated
    ("XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "8"),
    ("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"),
    ("XCLAIM", "s", "g", "alice", "0", "1-0", "2-0", "3", "FORCE", "TIME", "1000"),
    ("XCLAIM", "s", "g", "bob", "0", "4-0", "FORCE", "JUSTID", "RETRYCOUNT", "5", "TIME", "2000"),
    ("XCLAIM", "s", "g", "bob", "0", "5-0", "FORCE", "IDLE", "5000000"),
    ("XCLAIM", "s", "g", "bob", "0", "99-0", "FORCE"),          # no such entry: nothing
    ("XCLAIM", "s", "g", "carol", "100000000000", "1-0"),      # not idle enough: nothing
    ("XDEL", "s", "2-0"),
    ("XCLAIM", "s", "g", "carol", "0", "2-0", "1-0", "LASTID", "3-0", "JUSTID"),  # 2-0 dropped
    ("XCLAIM", "s", "g", "carol", "0", "7-0", "LASTID", "6-0"),  # only the group's ID moves
    ("XCLAIM", "s", "g", "carol", "0", "7-0", "LASTID", "5-0"),  # nothing at all
    ("XDEL", "s", "4-0"),
    ("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "2"),
    ("XAUTOCLAIM", "s", "g", "dave", "0", "0", "JUSTID"),
    ("XAUTOCLAIM", "s", "g", "erin", "100000000000", "0"),     # nothing idle enough
    ("XACK", "s", "g", "1-0", "9-0"),
    ("XACK", "s", "g", "1-0"),
    ("XGROUP", "SETID", "s", "g2", "$", "ENTRIESREAD", "3"),
    ("XGROUP", "SETID", "s", "g2", "0001"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "z"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "z"),
    ("XGROUP", "DELCONSUMER", "s", "g", "z"),
    ("XGROUP", "DELCONSUMER", "s", "g", "dave"),
    ("XGROUP", "DELCONSUMER", "s", "g", "nobody"),
    ("MULTI",), ("XCLAIM", "s", "g", "fay", "0", "3-0", "5-0", "JUSTID"), ("XACK", "s", "g", "3-0"), ("EXEC",),
    ("XGROUP", "DESTROY", "s", "g2"),
    ("XGROUP", "DESTROY", "s", "g2"),
]


def propagated_by(factory):
    master = factory(extra_args=STREAM_ARGS)
    m = client(master)
    m.response_callbacks.clear()
    replica = RawReplica(master)
    try:
        start = replica.offset
        replies = []
        for command in PROPAGATION_SCRIPT:
            try:
                replies.append(m.execute_command(*command))
            except Exception as error:          # the errors are part of what is compared
                replies.append(("error", str(error)))
        return replies, commands(replica.read(offset(master) - start))
    finally:
        replica.close()


def test_group_commands_reach_the_replica_as_redis_sends_them(apus_factory, redis_factory):
    ours_replies, ours = propagated_by(apus_factory)
    theirs_replies, theirs = propagated_by(redis_factory)
    assert ours_replies == theirs_replies
    assert ours == theirs
    # What the comparison stands on: per-entry XCLAIMs with the client's ID text, and SETID.
    assert [b"XCLAIM", b"s", b"g", b"alice", b"0", b"3", b"TIME", b"1000", b"RETRYCOUNT", b"2",
            b"FORCE", b"JUSTID", b"LASTID", b"0-0"] in ours
    assert [b"XGROUP", b"SETID", b"s", b"g", b"6-0", b"ENTRIESREAD", b"-1"] in ours


def info_stream_rax_fields(factory, seed):
    srv = factory(extra_args=["--stream-node-max-entries", "2"])
    r = client(srv)
    r.response_callbacks.clear()
    rng = random.Random(seed)
    out = []

    def snapshot(key):
        info = r.execute_command("XINFO", "STREAM", key)
        fields = info if isinstance(info, dict) else dict(zip(info[0::2], info[1::2]))
        out.append((key, fields[b"length"], fields[b"radix-tree-keys"], fields[b"radix-tree-nodes"]))

    for i in range(1, 60):
        r.execute_command("XADD", "dense", "%d-0" % i, "f", "v")
    snapshot("dense")
    for ms in (1000, 1001, 65536, 65537, 16777216, 4294967296, 1099511627776, 1796142173243, 1796142173300):
        for seq in (0, 1, 255, 256, 70000):
            r.execute_command("XADD", "spread", "%d-%d" % (ms, seq), "f", "v")
    snapshot("spread")
    ms = 0
    for _ in range(150):
        ms += rng.choice((1, 7, 300, 70000, 2 ** 24, 2 ** 40))
        r.execute_command("XADD", "random", "%d-%d" % (ms, rng.randint(0, 300)), "f", "v")
    snapshot("random")
    r.execute_command("XTRIM", "dense", "MAXLEN", "30")
    snapshot("dense")
    r.execute_command("XDEL", "dense", "40-0", "41-0", "42-0", "43-0", "50-0", "51-0")
    snapshot("dense")
    r.execute_command("XTRIM", "spread", "MINID", "65537-256")
    snapshot("spread")
    r.execute_command("XTRIM", "random", "MAXLEN", "17")
    snapshot("random")
    r.execute_command("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM")
    snapshot("empty")
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_xinfo_stream_radix_tree_figures(apus_factory, redis_factory, seed):
    ours = info_stream_rax_fields(apus_factory, seed)
    theirs = info_stream_rax_fields(redis_factory, seed)
    assert ours == theirs
    assert any(nodes > 2 * keys for _, _, keys, nodes in theirs)
