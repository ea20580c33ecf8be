"""Differential tests for the geo commands (GEOADD, GEOPOS, GEODIST, GEOHASH, GEORADIUS,
GEORADIUSBYMEMBER and their _RO forms, GEOSEARCH, GEOSEARCHSTORE): the same commands go to Apus
and to redis-server 7.0 and the raw replies must be identical, in RESP2 and RESP3 (the harness
is test_differential's). Unsorted results must come in Redis's scan order (centre box, then the
neighbours, a box equal to the previous one skipped), sorted ones in the order Redis's qsort or
pqsort leaves equal distances; WITHDIST is "%.4f", WITHCOORD the decoded coordinates as long
doubles. The change counter is compared after the writes, the keyspace events of the writes
on a subscriber, and what the writes replicate on a raw replica."""

import os
import random

import pytest

from support.replication import RawReplica, client, offset
from support.resp import split_frames
from test_differential import ChangeCounter, open_pair, proto  # noqa: F401
from test_replication_stream import STREAM_ARGS, commands

SEEDS = [int(s) for s in os.environ.get("APUS_GEO_SEEDS", "").split(",") if s.strip()] or list(range(1, 9))
STEPS = int(os.environ.get("APUS_GEO_STEPS", "300"))

WRITES = {"GEOADD", "GEORADIUS", "GEORADIUSBYMEMBER", "GEOSEARCHSTORE", "ZADD", "DEL", "SET"}



SCRIPTED = [
    # GEOADD: options, limits, errors; scores are 52-bit hashes
    ("GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"),
    ("GEOADD", "p", "2.3522", "48.8566", "paris"), ("ZSCORE", "p", "paris"), ("ZRANGE", "Sicily", "0", "-1", "WITHSCORES"),
    ("GEOADD", "x", "200", "100", "a"), ("GEOADD", "x", "180", "85.05112878", "a"), ("GEOADD", "x", "180", "85.05112879", "a"),
    ("GEOADD", "x", "-180", "-85.05112878", "b"), ("GEOADD", "x", "-180.0000001", "0", "b"), ("GEOADD", "x", "abc", "10", "a"),
    ("GEOADD", "x", "10", "abc", "a"), ("GEOADD", "x", "10", "nan", "a"), ("GEOADD", "x", "10", "inf", "a"),
    ("GEOADD", "x", "-inf", "1e400", "a"), ("GEOADD", "x", " 1", "1", "a"), ("GEOADD", "x", "1", "2", "ok", "200", "0", "bad"),
    ("ZCARD", "x"), ("GEOADD", "x", "CH", "1", "2", "a", "3", "4", "b"), ("GEOADD", "x", "ch", "1", "2", "a", "3", "4", "b"),
    ("GEOADD", "x", "ch", "xx", "1", "2", "a", "3", "4", "c"), ("GEOADD", "x", "nx", "5", "5", "a", "3", "4", "d"),
    ("GEOADD", "x", "NX", "CH", "1", "1", "a", "1", "1", "e"), ("GEOADD", "x", "xx", "ch", "9", "9", "a", "9", "9", "zz"),
    ("GEOADD", "x", "gt", "1", "1", "a"), ("GEOADD", "x", "ch", "1", "2"), ("GEOADD", "x", "xx"), ("GEOADD", "x", "ch", "ch", "ch"),
    ("GEOADD", "x", "nx", "xx", "1", "1", "a"), ("GEOADD", "x", "incr", "1", "1", "a"), ("GEOADD", "x", "1", "1"),
    ("GEOADD", "newxx", "xx", "1", "1", "a"), ("EXISTS", "newxx"), ("GEOADD", "x", "0", "0", "a", "0", "0", "a"),
    ("ZRANGE", "x", "0", "-1", "WITHSCORES"), ("OBJECT", "ENCODING", "x"),
    # GEOPOS / GEODIST / GEOHASH
    ("GEOPOS", "Sicily", "Palermo", "Catania", "nonex"), ("GEOPOS", "nokey", "a", "b"), ("GEOPOS", "Sicily"),
    ("GEODIST", "Sicily", "Palermo", "Catania"), ("GEODIST", "Sicily", "Palermo", "Catania", "km"),
    ("GEODIST", "Sicily", "Palermo", "Catania", "MI"), ("GEODIST", "Sicily", "Palermo", "Catania", "Ft"),
    ("GEODIST", "Sicily", "Palermo", "Catania", "m"), ("GEODIST", "Sicily", "Palermo", "Catania", "km", "extra"),
    ("GEODIST", "Sicily", "Palermo", "Catania", "yd"), ("GEODIST", "nokey", "a", "b", "yd"), ("GEODIST", "nokey", "a", "b"),
    ("GEODIST", "Sicily", "Palermo", "nonex"), ("GEODIST", "Sicily", "Palermo", "Palermo"), ("GEODIST", "Sicily", "Palermo"),
    ("GEOHASH", "Sicily", "Palermo", "Catania", "nonex"), ("GEOHASH", "nokey", "a"), ("GEOHASH", "x", "a", "b", "e"),
    ("GEOHASH", "Sicily"),
    # scores that are not hashes decode as Redis's (uint64_t) conversion leaves them
    ("ZADD", "z", "1e20", "big", "-1", "neg", "inf", "pinf", "-inf", "ninf", "4503599627370496", "two52",
     "4503599627370495", "max52", "0", "zero", "1.5", "frac", "9.3e18", "over63", "-9.3e18", "under63", "-0.5", "negfrac"),
    ("GEOPOS", "z", "big", "neg", "pinf", "ninf", "two52", "max52", "zero", "frac", "over63", "under63", "negfrac"),
    ("GEOHASH", "z", "big", "neg", "pinf", "ninf", "two52", "max52", "zero", "frac", "over63", "under63", "negfrac"),
    ("GEODIST", "z", "zero", "max52"), ("GEODIST", "z", "big", "neg"), ("GEODIST", "z", "pinf", "ninf"),
    ("GEORADIUS", "z", "0", "0", "20000", "km", "WITHHASH", "WITHCOORD", "WITHDIST"),
    ("GEORADIUS", "z", "0", "0", "20000", "km", "WITHHASH", "COUNT", "3", "DESC"),
    # GEORADIUS family: errors in Redis's order
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "withhash", "withcoord", "withdist", "ASC"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "DESC", "COUNT", "1"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "STORE", "d"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "d", "WITHHASH"),
    ("GEORADIUS", "Sicily", "15", "37", "-1", "km"), ("GEORADIUS", "Sicily", "15", "37", "abc", "km"),
    ("GEORADIUS", "Sicily", "15", "37", "1", "yd"), ("GEORADIUS", "Sicily", "200", "37", "1", "km"),
    ("GEORADIUS", "Sicily", "15", "x", "1", "km"), ("GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "0"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "-1"), ("GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "abc"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "ANY"), ("GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1", "ANY"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "ANY", "COUNT", "5", "DESC"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT"), ("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "bogus"), ("GEORADIUS", "Sicily", "15", "37", "200", "km", "BYBOX", "1", "1", "km"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "FROMMEMBER", "Palermo"),
    ("GEORADIUS", "Sicily", "15", "37", "200"), ("GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STORE", "d"),
    ("GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "WITHDIST", "ASC"),
    ("GEORADIUSBYMEMBER", "Sicily", "nonex", "200", "km"), ("GEORADIUSBYMEMBER", "nokey", "nonex", "200", "km"),
    ("GEORADIUSBYMEMBER", "nokey", "nonex", "-5", "yd"), ("GEORADIUSBYMEMBER", "Sicily", "Palermo", "-5", "km"),
    ("GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "WITHDIST", "ASC"),
    ("GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "WITHDIST", "DESC", "COUNT", "1"),
    ("GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "200", "km", "WITHCOORD"),
    ("GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "200", "km", "STOREDIST", "d"),
    # STORE / STOREDIST: events, counter, encodings, TTL replaced, empty result deletes
    ("SET", "d", "old", "EX", "1000"), ("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "d"), ("TTL", "d"),
    ("ZRANGE", "d", "0", "-1", "WITHSCORES"), ("OBJECT", "ENCODING", "d"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "d2"), ("ZRANGE", "d2", "0", "-1", "WITHSCORES"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "d", "STOREDIST", "d3"), ("ZRANGE", "d3", "0", "-1", "WITHSCORES"),
    ("GEORADIUS", "Sicily", "15", "37", "200", "mi", "STOREDIST", "d3", "COUNT", "1", "DESC"), ("ZRANGE", "d3", "0", "-1", "WITHSCORES"),
    ("GEORADIUS", "Sicily", "15", "37", "1", "m", "STORE", "d"), ("EXISTS", "d"),
    ("GEORADIUS", "Sicily", "15", "37", "1", "m", "STORE", "d"), ("GEORADIUSBYMEMBER", "nokey", "x", "1", "m", "STORE", "d2"),
    ("EXISTS", "d2"), ("GEORADIUSBYMEMBER", "Sicily", "Palermo", "300", "km", "STORE", "Sicily"), ("ZRANGE", "Sicily", "0", "-1", "WITHSCORES"),
    # GEOSEARCH / GEOSEARCHSTORE
    ("GEOSEARCH", "Sicily", "FROMMEMBER", "nonex", "BYRADIUS", "200", "km"), ("GEOSEARCH", "Sicily", "BYRADIUS", "200", "km"),
    ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo"), ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "2", "BYRADIUS", "2", "km"),
    ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "2", "FROMMEMBER", "Palermo", "BYRADIUS", "2", "km"),
    ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "2", "km", "BYBOX", "1", "2", "km"),
    ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "1", "2", "km", "BYRADIUS", "2", "km"),
    ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "-1", "2", "km"), ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "a", "2", "km"),
    ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "1", "a", "km"), ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "1", "2", "yd"),
    ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "1", "2"), ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "BYBOX", "1", "2", "km"),
    ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "400", "400", "km", "WITHDIST"),
    ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "WITHDIST", "WITHHASH", "WITHCOORD", "ASC"),
    ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "KM", "WITHDIST", "WITHHASH", "WITHCOORD", "DESC"),
    ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STORE", "d"),
    ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", "STOREDIST"),
    ("GEOSEARCH", "nokey", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km"), ("GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "2", "km", "ANY"),
    ("GEOSEARCH", "nokey", "FROMLONLAT", "500", "0", "BYRADIUS", "2", "km"), ("GEOSEARCH", "nokey", "FROMMEMBER", "x", "COUNT", "2"),
    ("GeoSearch", "Sicily", "BYRADIUS", "10", "km", "WITHDIST", "WITHDIST"), ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "COUNT", "3", "WITHDIST"),
    ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "COUNT", "3", "WITHDIST", "BYBOX", "1", "1", "km", "FROMMEMBER", "Catania"),
    ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", "COUNT", "1", "ANY", "DESC"),
    ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", "COUNT", "1"),
    ("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", "STOREDIST"), ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
    ("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km"), ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
    ("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", "STORE", "x"),
    ("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "COUNT", "3", "WITHDIST"),
    ("geosearchstore", "d", "Sicily", "FROMMEMBER", "Palermo", "COUNT", "3"),
    ("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "3", "3", "km", "WITHCOORD"),
    ("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "0", "0", "BYBOX", "3", "3", "km"), ("EXISTS", "d"),
    ("GEOSEARCHSTORE", "d", "nokey", "FROMMEMBER", "x", "BYRADIUS", "200", "km"), ("GEOSEARCHSTORE", "Sicily", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"),
    ("ZRANGE", "Sicily", "0", "-1", "WITHSCORES"),
    # WRONGTYPE comes before any argument check
    ("SET", "str", "x"), ("GEOSEARCH", "str", "FROMMEMBER", "x", "BYRADIUS", "200", "km"), ("GEOPOS", "str", "a"),
    ("GEOHASH", "str", "a"), ("GEODIST", "str", "a", "b"), ("GEODIST", "str", "a", "b", "yd"), ("GEOADD", "str", "1", "1", "a"),
    ("GEOADD", "str", "1", "100", "a"), ("GEORADIUS", "str", "1", "1", "1", "km"), ("GEORADIUS", "str", "200", "1", "1", "km"),
    ("GEORADIUSBYMEMBER", "str", "a", "1", "km"), ("GEOSEARCHSTORE", "d", "str", "FROMMEMBER", "x", "BYRADIUS", "1", "km"),
    ("GEOSEARCHSTORE", "str", "x", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km"), ("TYPE", "str"),
    # ties: equal distances in qsort's (stable) and pqsort's orders
    *[("GEOADD", "same", "10", "10", "m%d" % i) for i in range(10, 60)],
    ("GEOADD", "same", "10.001", "10", "far"), ("GEOADD", "same", "9.999", "10", "far2"),
    ("GEOSEARCH", "same", "FROMLONLAT", "10", "10", "BYRADIUS", "100", "km", "COUNT", "5", "ASC"),
    ("GEOSEARCH", "same", "FROMLONLAT", "10", "10", "BYRADIUS", "100", "km", "ASC"),
    ("GEOSEARCH", "same", "FROMLONLAT", "10", "10", "BYRADIUS", "100", "km", "DESC", "COUNT", "5"),
    ("GEOSEARCH", "same", "FROMLONLAT", "10", "10", "BYRADIUS", "100", "km", "DESC", "COUNT", "45"),
    ("GEOSEARCH", "same", "FROMLONLAT", "10", "10", "BYRADIUS", "100", "km", "DESC"),
    ("GEOSEARCH", "same", "FROMLONLAT", "10.0005", "10", "BYRADIUS", "100", "km", "COUNT", "7", "WITHDIST"),
    ("GEOSEARCH", "same", "FROMLONLAT", "10.0005", "10", "BYRADIUS", "100", "km", "COUNT", "3", "ANY"),
    ("GEOSEARCH", "same", "FROMLONLAT", "10.0005", "10", "BYRADIUS", "100", "km", "COUNT", "3", "ANY", "DESC"),
    ("OBJECT", "ENCODING", "same"),
    # equal longitudes take the meridian shortcut; distances round as fixedpoint_d2string does
    ("GEOADD", "t", "-130.0511544777728", "9.250408943782034", "a", "-130.0511544777728", "-57.48847384891022", "b"),
    ("GEODIST", "t", "a", "b"), ("GEOSEARCHSTORE", "t2", "t", "FROMMEMBER", "a", "BYRADIUS", "9000", "km", "STOREDIST"),
    ("ZSCORE", "t2", "b"), ("GEOSEARCH", "t", "FROMMEMBER", "a", "BYBOX", "1", "20000", "km", "WITHDIST"),
    # extreme radii, boxes and counts
    ("GEOADD", "ext", "0", "0", "a", "10", "10", "b", "-179.9", "80", "c", "179.9", "-84.9", "d", "90", "45", "e", "0.0000001", "0", "h"),
    ("GEORADIUS", "ext", "0", "0", "inf", "km", "WITHDIST"), ("GEORADIUS", "ext", "0", "0", "1e308", "m", "WITHDIST", "ASC"),
    ("GEORADIUS", "ext", "0", "0", "-0", "m", "WITHDIST"), ("GEORADIUS", "ext", "0", "0", "0", "m", "WITHDIST", "WITHHASH"),
    ("GEORADIUS", "ext", "0", "0", "nan", "m"), ("GEOSEARCH", "ext", "FROMLONLAT", "0", "0", "BYBOX", "inf", "inf", "km", "WITHDIST"),
    ("GEOSEARCH", "ext", "FROMLONLAT", "0", "0", "BYBOX", "1e308", "1", "km", "WITHDIST"),
    ("GEOSEARCH", "ext", "FROMLONLAT", "179.99", "0", "BYBOX", "40000", "20000", "km", "WITHDIST", "DESC"),
    ("GEOSEARCH", "ext", "FROMLONLAT", "0", "85.05112878", "BYRADIUS", "10000", "km", "WITHDIST", "WITHCOORD"),
    ("GEOSEARCH", "ext", "FROMLONLAT", "-180", "0", "BYRADIUS", "20000", "km", "COUNT", "9223372036854775807"),
    ("GEOSEARCH", "ext", "FROMLONLAT", "-180", "0", "BYRADIUS", "20000", "km", "COUNT", "9223372036854775808"),
    ("GEODIST", "ext", "a", "h", "mi"), ("GEODIST", "ext", "a", "h", "ft"), ("GEOPOS", "ext", "a", "h", "c", "d"),
    # the keys of the movable-key forms (the STORE and STOREDIST keyword specs)
    ("COMMAND", "GETKEYS", "GEORADIUS", "k", "1", "1", "1", "km", "STORE", "d", "STOREDIST", "e"),
    ("COMMAND", "GETKEYS", "GEORADIUS", "k", "1", "1", "1", "km", "store"),
    ("COMMAND", "GETKEYS", "GEORADIUS", "k", "1", "1", "1", "store", "x"),
    ("COMMAND", "GETKEYS", "GEORADIUSBYMEMBER", "k", "m", "1", "km", "COUNT", "2", "storedist", "d"),
    ("COMMAND", "GETKEYS", "GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "km"),
    ("COMMAND", "GETKEYS", "GEOSEARCH", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "km"),
    # inside a transaction
    ("MULTI",), ("GEOADD", "tx", "1", "1", "a"), ("GEOSEARCHSTORE", "tx2", "tx", "FROMMEMBER", "a", "BYRADIUS", "1", "km"),
    ("GEOPOS", "tx2", "a"), ("EXEC",),
    # antipodes: a NaN distance counts as inside
    ("GEOADD", "anti", "0", "0", "o", "180", "0", "e", "-180", "0", "w", "90", "0", "q", "-90", "0", "r"),
    ("GEOSEARCH", "anti", "FROMLONLAT", "0", "0", "BYRADIUS", "30000", "km", "WITHDIST", "ASC"),
    ("GEOSEARCH", "anti", "FROMLONLAT", "180", "0", "BYRADIUS", "30000", "km", "WITHDIST", "DESC"),
    ("GEOSEARCH", "anti", "FROMLONLAT", "0", "0", "BYBOX", "40000", "40000", "km", "WITHDIST"),
    ("GEORADIUS", "anti", "0", "0", "0", "m", "WITHDIST"), ("GEORADIUS", "anti", "180", "0", "1", "m", "WITHDIST", "WITHCOORD"),
]


def test_geo_scripted(apus, redis, proto):
    p = open_pair(apus, redis, "geo", proto)
    changes = ChangeCounter(p)
    try:
        in_multi = False
        for command in SCRIPTED:
            p.cmd(*command)
            name = command[0].upper()
            if name == "MULTI":
                in_multi = True
            elif name in ("EXEC", "DISCARD"):
                in_multi = False
            # Inside MULTI the INFO would be queued and its absolute figures land in EXEC's reply.
            if name in WRITES and not in_multi:
                changes.check()
    finally:
        p.close()


def test_geo_big_set_encodings(apus, redis, proto):
    """The same searches over a listpack and over a skiplist (more than 128 members)."""
    p = open_pair(apus, redis, "geo-encodings", proto)
    changes = ChangeCounter(p)
    rng = random.Random(7)
    try:
        for n in range(300):
            p.cmd("GEOADD", "big", "%.6f" % rng.uniform(-3, 3), "%.6f" % rng.uniform(-3, 3), "p%d" % n)
            if n in (0, 127, 128, 299):
                p.cmd("OBJECT", "ENCODING", "big")
                for options in ([], ["ASC"], ["COUNT", "10"], ["COUNT", "10", "ANY"], ["DESC", "WITHDIST", "WITHHASH"]):
                    p.cmd("GEOSEARCH", "big", "FROMLONLAT", "0", "0", "BYRADIUS", "150", "km", *options)
                    p.cmd("GEOSEARCH", "big", "FROMLONLAT", "1", "-1", "BYBOX", "300", "200", "km", *options)
                p.cmd("GEOSEARCHSTORE", "dst", "big", "FROMLONLAT", "0", "0", "BYRADIUS", "200", "km", "STOREDIST")
                p.cmd("OBJECT", "ENCODING", "dst")
                p.cmd("ZRANGE", "dst", "0", "-1", "WITHSCORES")
                changes.check()
    finally:
        p.close()


# ---------------------------------------------------------------------------
# randomized

def coordinate(rng):
    """Anywhere, with weight on the edges: the poles' limits, the antimeridian, the equator and
    the prime meridian, and a few clusters so that searches find many points and ties."""
    kind = rng.randrange(8)
    if kind == 0:
        lon = rng.choice([-180, 180, -179.9999, 179.9999, 0]) + rng.uniform(-0.01, 0.01)
        lat = rng.uniform(-85.05112878, 85.05112878)
    elif kind == 1:
        lon = rng.uniform(-180, 180)
        lat = rng.choice([-1, 1]) * rng.choice([85.05112878, 85.05, 84.9, 80.1, 79.9, 66.1, 65.9]) + rng.uniform(-0.05, 0.05)
    elif kind == 2:
        lon, lat = rng.uniform(-0.01, 0.01), rng.uniform(-0.01, 0.01)
    elif kind == 3:
        lon, lat = 12.5 + rng.uniform(-0.3, 0.3), 41.9 + rng.uniform(-0.3, 0.3)
    elif kind == 4:
        lon, lat = rng.choice([(12.5, 41.9), (-73.98, 40.75), (151.2, -33.87)])
    else:
        lon, lat = rng.uniform(-180, 180), rng.uniform(-85.05112878, 85.05112878)
    lon = max(-180.0, min(180.0, lon))
    lat = max(-85.05112878, min(85.05112878, lat))
    return "%.*f" % (rng.choice([2, 6, 9]), lon), "%.*f" % (rng.choice([2, 6, 9]), lat)


def distance(rng):
    unit = rng.choice(["m", "km", "ft", "mi", "KM", "M"])
    scale = {"m": 1, "km": 1000, "ft": 0.3048, "mi": 1609.34}[unit.lower()]
    meters = rng.choice([0, 1, 50, 500, 5000, 50000, 300000, 1000000, 3000000, 8000000, 20000000])
    meters *= rng.uniform(0.5, 1.5)
    return "%.3f" % (meters / scale), unit


def options(rng, store):
    opts = []
    if not store:
        for o in ("WITHDIST", "WITHHASH", "WITHCOORD"):
            if rng.random() < 0.4:
                opts.append(o)
    if rng.random() < 0.5:
        opts.append(rng.choice(["ASC", "DESC"]))
    if rng.random() < 0.4:
        opts += ["COUNT", str(rng.choice([1, 2, 3, 5, 10, 50]))]
        if rng.random() < 0.4:
            opts.append("ANY")
    rng.shuffle(opts) if rng.random() < 0.2 and "COUNT" not in opts else None
    return opts


def random_command(rng, members):
    key = rng.choice(["g1", "g1", "g2"])
    kind = rng.randrange(12)
    if kind <= 2:
        args = []
        for _ in range(rng.randrange(1, 6)):
            lon, lat = coordinate(rng)
            args += [lon, lat, rng.choice(members)]
        flags = rng.choice([[], [], ["NX"], ["XX"], ["CH"], ["NX", "CH"], ["XX", "CH"]])
        return ("GEOADD", key, *flags, *args)
    if kind == 3:
        return ("GEOPOS", key, *rng.sample(members, 3))
    if kind == 4:
        return ("GEODIST", key, rng.choice(members), rng.choice(members), *rng.choice([[], ["km"], ["mi"], ["ft"], ["m"]]))
    if kind == 5:
        if rng.random() < 0.15:
            # A score that is no hash (or a hash past the 52 bits): GEOPOS, GEODIST and GEOHASH
            # decode it as Redis does; searches never reach it, or reach it where its bits say.
            score = rng.choice([-1, -0.5, 1e20, 2 ** 52, 2 ** 53 + 3, 1.5, "inf", "-inf", 9.3e18,
                                rng.randrange(0, 2 ** 52), rng.uniform(0, 2 ** 52)])
            return ("ZADD", key, str(score), rng.choice(members))
        return ("GEOHASH", key, *rng.sample(members, 3))
    center = (["FROMMEMBER", rng.choice(members)] if rng.random() < 0.4 else ["FROMLONLAT", *coordinate(rng)])
    if rng.random() < 0.5:
        shape = ["BYRADIUS", *distance(rng)]
    else:
        w, unit = distance(rng)
        h, _ = distance(rng)
        shape = ["BYBOX", w, h, unit]
    if kind <= 8:
        return ("GEOSEARCH", key, *center, *shape, *options(rng, False))
    if kind == 9:
        return ("GEOSEARCHSTORE", rng.choice(["dst", "g2"]), key, *center, *shape, *options(rng, True),
                *(["STOREDIST"] if rng.random() < 0.5 else []))
    radius = distance(rng)
    if kind == 10:
        head = ("GEORADIUS", key, *coordinate(rng), *radius)
    else:
        head = ("GEORADIUSBYMEMBER", key, rng.choice(members), *radius)
    store = rng.random() < 0.3
    tail = [rng.choice(["STORE", "STOREDIST"]), "dst"] if store else []
    return (*head, *options(rng, store), *tail)


@pytest.mark.parametrize("seed", SEEDS)
def test_geo_random(apus, redis, seed):
    rng = random.Random(seed)
    members = ["m%d" % i for i in range(rng.choice([20, 60, 200]))]
    p = open_pair(apus, redis, "geo-random-%d" % seed, 2 if seed % 2 else 3)
    changes = ChangeCounter(p)
    try:
        for step in range(STEPS):
            command = random_command(rng, members)
            p.cmd(*command)
            if command[0] == "GEOSEARCHSTORE" or "STORE" in command or "STOREDIST" in command:
                p.cmd("ZRANGE", "dst", "0", "-1", "WITHSCORES")
            if step % 50 == 0:
                changes.check()
        changes.check()
        for key in ("g1", "g2", "dst"):
            p.cmd("ZRANGE", key, "0", "-1", "WITHSCORES")
            p.cmd("OBJECT", "ENCODING", key)
    finally:
        p.close()


# ---------------------------------------------------------------------------
# keyspace events and replication

EVENT_WRITES = [
    ("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"),
    ("GEOADD", "g", "13.361389", "38.115556", "Palermo"), ("GEOADD", "g", "XX", "CH", "1", "1", "Palermo", "2", "2", "new"),
    ("GEOADD", "g", "NX", "3", "3", "Palermo", "4", "4", "Other"), ("GEOADD", "g", "200", "0", "bad"),
    ("SET", "d", "v", "EX", "100"),
    ("GEORADIUS", "g", "15", "37", "5000", "km", "STORE", "d"), ("GEORADIUS", "g", "15", "37", "5000", "km", "STOREDIST", "d2"),
    ("GEORADIUSBYMEMBER", "g", "Catania", "5000", "km", "STORE", "d3", "COUNT", "2"),
    ("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
    ("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m"),
    ("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m"),
    ("GEORADIUS", "g", "15", "37", "1", "m", "STORE", "d2"), ("GEOSEARCHSTORE", "d3", "nokey", "FROMMEMBER", "a", "BYBOX", "1", "1", "m"),
    ("GEOSEARCH", "g", "FROMMEMBER", "Catania", "BYRADIUS", "10", "km"), ("GEOPOS", "nokey", "a"),
]


def _events(srv, sub):
    c = client(srv)
    c.execute_command("PUBLISH", "__keyspace@0__:~end", "x")
    frames = []
    buffer = b""
    while True:
        buffer += sub.recv(65536)
        try:
            frames = split_frames(buffer)
        except Exception:
            continue
        if frames and b"~end" in frames[-1]:
            return frames


def events_of(server, resp3):
    import socket
    from support.resp import encode_command
    c = client(server)
    c.execute_command("CONFIG", "SET", "notify-keyspace-events", "KEA")
    sub = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    if resp3:
        sub.sendall(encode_command("HELLO", "3"))
        sub.recv(65536)
    sub.sendall(encode_command("PSUBSCRIBE", "__key*__:*"))
    buffer = b""
    while not buffer.endswith(b"\r\n:1\r\n"):
        buffer += sub.recv(65536)
    for command in EVENT_WRITES:
        try:
            c.execute_command(*command)
        except Exception:
            pass
    frames = _events(server, sub)
    sub.close()
    return frames


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_geo_keyspace_events(apus, redis, resp3):
    ours = events_of(apus, resp3)
    theirs = events_of(redis, resp3)
    assert any(b"georadiusstore" in f for f in theirs) and any(b"geosearchstore" in f for f in theirs)
    assert ours == theirs


def replicated(factory):
    master = factory(extra_args=STREAM_ARGS)
    replica = RawReplica(master)
    try:
        start = replica.offset
        m = client(master)
        for command in EVENT_WRITES:
            try:
                m.execute_command(*command)
            except Exception:
                pass
        return commands(replica.read(offset(master) - start))
    finally:
        replica.close()


def test_geo_replication_stream(apus_factory, redis_factory):
    """GEOADD replicates as the ZADD it becomes; the stores as themselves."""
    ours = replicated(apus_factory)
    theirs = replicated(redis_factory)
    assert [b"zadd", b"g", b"3479099956230698", b"Palermo", b"3479447370796909", b"Catania"] in theirs
    assert ours == theirs
