"""LATENCY against redis-server 7.0: the help, the doctor's disabled and quiet reports, errors,
and — with latency-monitor-threshold 1 and a command made slow on purpose (a Lua busy loop) —
the shape of LATEST, HISTORY, GRAPH, DOCTOR, RESET and HISTOGRAM (values that depend on timing are
checked for type and consistency, not compared)."""

import re

from support.resp import RespClient

SLOW_SCRIPT = "local t = redis.call('TIME') local s = t[1]*1000000+t[2] " \
              "repeat local n = redis.call('TIME') until n[1]*1000000+n[2] - s > 5000 return 1"


def fixed(server):
    c = RespClient(port=server.port)
    try:
        c.command("CONFIG", "SET", "latency-monitor-threshold", "0")
        c.command("LATENCY", "RESET")
        out = [c.command("LATENCY", "HELP"), c.command("LATENCY", "DOCTOR"), c.command("LATENCY", "LATEST"),
               c.command("LATENCY", "HISTORY", "command"), c.command("LATENCY", "GRAPH", "command"),
               c.command("LATENCY", "RESET", "nope"), c.command("LATENCY", "NOPE"), c.command("LATENCY", "GRAPH"),
               c.command("LATENCY", "HISTOGRAM", "nosuchcommand")]
        c.command("CONFIG", "SET", "latency-monitor-threshold", "1000")
        out.append(c.command("LATENCY", "DOCTOR"))
        return out
    finally:
        c.command("CONFIG", "SET", "latency-monitor-threshold", "0")
        c.close()


def test_latency_fixed_replies_match_redis(apus, redis):
    assert fixed(apus) == fixed(redis)


def observed(server):
    c = RespClient(port=server.port)
    try:
        c.command("LATENCY", "RESET")
        c.command("CONFIG", "SET", "latency-monitor-threshold", "1")
        c.command("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        assert c.value("EVAL", SLOW_SCRIPT, "0") == 1
        latest = c.value("LATENCY", "LATEST")
        events = {entry[0]: entry for entry in latest}
        assert b"command" in events
        name, when, last, worst = events[b"command"]
        assert last >= 5 and worst >= last and when > 1_600_000_000
        history = c.value("LATENCY", "HISTORY", "command")
        assert len(history) == 1 and history[0][1] == last
        graph = c.value("LATENCY", "GRAPH", "command").decode()
        lines = graph.split("\n")
        assert lines[0] == "command - high %d ms, low %d ms (all time high %d ms)" % (last, last, worst)
        assert lines[1] == "-" * 80
        assert lines[2:8] == [" ", " ", " ", "_", " ", "0"] and lines[8] in ("s", "s")
        doctor = c.value("LATENCY", "DOCTOR").decode()
        assert doctor.startswith("Dave, I have observed latency spikes in this Redis instance.")
        assert re.search(r"\d\. command: 1 latency spikes \(average %dms, mean deviation 0ms, period 1\.00 sec\)\. "
                         r"Worst all time event %dms\." % (last, worst), doctor)
        assert "Please use 'CONFIG SET slowlog-log-slower-than 1000'." in doctor
        histogram = c.value("LATENCY", "HISTOGRAM", "eval")
        calls = dict(zip(histogram[1][0::2], histogram[1][1::2]))[b"calls"] if isinstance(histogram, list) else None
        assert calls >= 1  # earlier tests on the session's server may have run EVAL too
        assert c.value("LATENCY", "RESET", "command", "nope") == 1
        return [c.command("LATENCY", "HISTORY", "command")]
    finally:
        c.command("CONFIG", "SET", "latency-monitor-threshold", "0")
        c.close()


def test_latency_events_match_redis(apus, redis):
    assert observed(apus) == observed(redis)
