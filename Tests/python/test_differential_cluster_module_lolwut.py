"""CLUSTER/ASKING/READONLY/READWRITE as a cluster-disabled redis-server answers them, MODULE
(nothing loaded, gated by enable-module-command), RESTORE-ASKING and LOLWUT, against
redis-server 7.0 in RESP2 and RESP3. LOLWUT's art is random below its first rows, so those
rows, the line count and the credits are compared."""

from support.resp import RespClient
from test_differential import open_pair, proto  # noqa: F401

CLUSTER = ["addslots 1", "addslotsrange 1 2", "bumpepoch", "count-failure-reports x", "countkeysinslot 1",
           "delslots 1", "delslotsrange 1 2", "failover", "flushslots", "forget x", "getkeysinslot 1 1", "help",
           "info", "keyslot k", "links", "meet h 1", "myid", "nodes", "replicas x", "replicate x", "reset",
           "saveconfig", "set-config-epoch 1", "setslot 1 stable", "shards", "slaves x", "slots", "nope", "keyslot",
           ""]


def test_cluster_and_module(apus, redis, proto):
    p = open_pair(apus, redis, "cluster-module", proto)
    try:
        for sub in CLUSTER:
            p.cmd("CLUSTER", *sub.split())
        for cmd in (["ASKING"], ["READONLY"], ["READWRITE"], ["ASKING", "x"]):
            p.cmd(*cmd)
        for cmd in (["MODULE", "LIST"], ["MODULE", "HELP"], ["MODULE", "LOAD", "/nope.so"], ["MODULE", "LOADEX", "/x"],
                    ["MODULE", "UNLOAD", "x"], ["MODULE", "NOPE"], ["MODULE"], ["MODULE", "LIST", "x"]):
            p.cmd(*cmd)
        p.cmd("SET", "k", "v")
        p.cmd("RESTORE-ASKING", "k2", "0", "garbage")
        p.cmd("DUMP", "k")
        p.cmd("COMMAND", "INFO", "restore-asking")
    finally:
        p.close()


def lolwut_views(server):
    c = RespClient(port=server.port)
    try:
        out = [c.command("LOLWUT"), c.command("LOLWUT", "foo"), c.command("LOLWUT", "VERSION", "7"),
               c.command("LOLWUT", "VERSION", "x"), c.command("LOLWUT", "VERSION", "5", "x")]
        five = c.value("LOLWUT", "VERSION", "5").decode().split("\n")
        out += [len(five), five[:8], five[-2:]]
        small = c.value("LOLWUT", "VERSION", "5", "30", "3", "2").decode().split("\n")
        out += [small[:4], small[-2:], len(small)]
        clamped = c.value("LOLWUT", "VERSION", "5", "0", "-5", "1000").decode().split("\n")
        out += [len(clamped), clamped[-2:]]
        six = c.value("LOLWUT", "VERSION", "6", "10", "3").decode().split("\n")
        out += [len(six), six[-3:], [line.count("\x1b[0m") for line in six[:3]]]
        return out
    finally:
        c.close()


def test_lolwut(apus, redis):
    assert lolwut_views(apus) == lolwut_views(redis)
