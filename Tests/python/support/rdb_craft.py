"""Hand-built RDB files in the encodings Redis no longer writes (zipmap, ziplist, linked lists,
quicklist 1, text-double zsets, second-precision expires), and Redis 7.2's listpack sets, from
the format descriptions in rdb.h, ziplist.c, zipmap.c and listpack.c."""

import struct

POLY = 0x95AC9329AC4BC9B5


def crc64(data, crc=0):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ POLY if crc & 1 else crc >> 1
    return crc


def length(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    return b"\x80" + struct.pack(">I", n)


def string(s):
    if isinstance(s, int):
        s = str(s)
    if isinstance(s, str):
        s = s.encode()
    return length(len(s)) + s


def ziplist(items):
    body = b""
    prev = 0
    for item in items:
        entry = bytes([prev]) if prev < 254 else b"\xfe" + struct.pack("<I", prev)
        if isinstance(item, int):
            if 0 <= item <= 12:
                entry += bytes([0xF1 + item])
            elif -128 <= item <= 127:
                entry += b"\xfe" + struct.pack("<b", item)
            elif -32768 <= item <= 32767:
                entry += b"\xc0" + struct.pack("<h", item)
            elif -(1 << 23) <= item < (1 << 23):
                entry += b"\xf0" + struct.pack("<i", item)[:3]
            elif -(1 << 31) <= item < (1 << 31):
                entry += b"\xd0" + struct.pack("<i", item)
            else:
                entry += b"\xe0" + struct.pack("<q", item)
        else:
            raw = item.encode() if isinstance(item, str) else item
            if len(raw) < 64:
                entry += bytes([len(raw)]) + raw
            elif len(raw) < 16384:
                entry += bytes([0x40 | (len(raw) >> 8), len(raw) & 0xFF]) + raw
            else:
                entry += b"\x80" + struct.pack(">I", len(raw)) + raw
        body += entry
        prev = len(entry)
    tail = 10 + len(body) - prev if items else 10
    total = 10 + len(body) + 1
    return struct.pack("<IIH", total, tail, min(len(items), 65535)) + body + b"\xff"


def zipmap(pairs):
    out = bytes([min(len(pairs), 254)])
    for k, v in pairs:
        k, v = k.encode(), v.encode()
        out += bytes([len(k)]) + k + bytes([len(v)]) + b"\x00" + v
    return out + b"\xff"


def intset(values, width=None):
    width = width or max(2 if -32768 <= v < 32768 else 4 if -(1 << 31) <= v < (1 << 31) else 8 for v in values)
    fmt = {2: "<h", 4: "<i", 8: "<q"}[width]
    return struct.pack("<II", width, len(values)) + b"".join(struct.pack(fmt, v) for v in sorted(values))


def listpack(items):
    body = b""
    for item in items:
        raw = item.encode() if isinstance(item, str) else item
        if isinstance(item, int) and 0 <= item < 128:
            entry = bytes([item])
        elif isinstance(item, int):
            entry = b"\xf4" + struct.pack("<q", item)
        elif len(raw) < 64:
            entry = bytes([0x80 | len(raw)]) + raw
        else:
            entry = bytes([0xE0 | (len(raw) >> 8), len(raw) & 0xFF]) + raw
        n = len(entry)
        back = bytes([n]) if n < 128 else bytes([n >> 7, (n & 127) | 128])
        body += entry + back
    return struct.pack("<IH", 6 + len(body) + 1, len(items)) + body + b"\xff"


def text_double(d):
    if d == float("inf"):
        return b"\xfe"
    if d == float("-inf"):
        return b"\xff"
    t = repr(d).encode()
    return bytes([len(t)]) + t


def rdb(version, entries, checksum=True):
    """entries: list of (db, type byte, key, payload bytes, expire seconds or None)."""
    out = b"REDIS%04d" % version
    current = None
    for db, type_byte, key, payload, expire in entries:
        if db != current:
            out += b"\xfe" + length(db)
            current = db
        if expire is not None:
            out += b"\xfd" + struct.pack("<I", expire)
        out += bytes([type_byte]) + string(key) + payload
    out += b"\xff"
    if version >= 5:
        out += struct.pack("<Q", crc64(out) if checksum else 0)
    return out


def old_encodings_file(version=6):
    far = 2_100_000_000  # seconds, a signed 32-bit field
    e = [
        (0, 9, "hash:zipmap", string(zipmap([("f1", "v1"), ("f2", "v2"), ("n", "12")])), None),
        (0, 13, "hash:ziplist", string(ziplist(["a", "1", "b", 300, "c", "x" * 70])), None),
        (0, 10, "list:ziplist", string(ziplist(["a", 1, -5, 70000, 1 << 40, "y" * 100])), None),
        (0, 1, "list:linked", length(3) + string("p") + string("q") + string(77), None),
        (0, 2, "set:plain", length(3) + string("1") + string("2") + string("3"), None),
        (0, 2, "set:strings", length(2) + string("m") + string("n"), None),
        (0, 11, "set:intset", string(intset([5, -3, 70000])), None),
        (0, 12, "zset:ziplist", string(ziplist(["a", "1.5", "b", 2, "c", "-inf"])), None),
        (0, 3, "zset:text", length(3) + string("a") + text_double(1.5) + string("b") + text_double(float("inf"))
         + string("c") + text_double(-0.25), None),
        (0, 0, "str:expiring", string("v"), far),
        (3, 0, "db3:str", string("three"), None),
        (3, 4, "db3:hash", length(2) + string("f") + string("v") + string("g") + string("w"), None),
    ]
    if version >= 7:
        e.append((0, 14, "list:quicklist", length(2) + string(ziplist(["a", "b"])) + string(ziplist([1, 2, 3])), None))
    return rdb(version, e)
