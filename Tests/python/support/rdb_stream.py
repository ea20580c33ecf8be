"""A stream value in RDB form, read from a DUMP payload (written with rdbcompression off) and
written back as RDB_TYPE_STREAM_LISTPACKS (15, Redis 5.0-6.2), _2 (19, 7.0) or _3 (21, 7.2),
after rdb.c's rdbSaveObject / rdbLoadObject stream parts. Redis 7.0.15 only writes 19; the
other two are made from its output, the way those versions lay them out."""

import struct

from .rdb_craft import crc64

TYPE_15, TYPE_19, TYPE_21 = 15, 19, 21


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        out = self.data[self.pos:self.pos + n]
        assert len(out) == n, "short payload"
        self.pos += n
        return out

    def length(self):
        first = self.take(1)[0]
        kind = first >> 6
        if kind == 0:
            return first & 0x3F
        if kind == 1:
            return (first & 0x3F) << 8 | self.take(1)[0]
        if first == 0x80:
            return struct.unpack(">I", self.take(4))[0]
        if first == 0x81:
            return struct.unpack(">Q", self.take(8))[0]
        raise AssertionError("encoded value where a length was expected: %d" % first)

    def string(self):
        first = self.data[self.pos]
        if first >> 6 == 3:
            self.pos += 1
            enc = first & 0x3F
            width = {0: 1, 1: 2, 2: 4}.get(enc)
            assert width, "LZF strings: write the payload with rdbcompression no"
            return str(int.from_bytes(self.take(width), "little", signed=True)).encode()
        return self.take(self.length())

    def ms(self):
        return struct.unpack("<q", self.take(8))[0]


def parse(payload):
    """A type-19 DUMP payload as a dict of the stream's parts."""
    assert payload[0] == TYPE_19
    r = Reader(payload[1:-10])
    s = {"nodes": [(r.string(), r.string()) for _ in range(r.length())]}
    s["length"] = r.length()
    s["last_id"] = (r.length(), r.length())
    s["first_id"] = (r.length(), r.length())
    s["max_deleted"] = (r.length(), r.length())
    s["entries_added"] = r.length()
    groups = []
    for _ in range(r.length()):
        g = {"name": r.string(), "last_id": (r.length(), r.length()), "entries_read": r.length()}
        g["pel"] = [(r.take(16), r.ms(), r.length()) for _ in range(r.length())]
        consumers = []
        for _ in range(r.length()):
            c = {"name": r.string(), "seen": r.ms()}
            c["pel"] = [r.take(16) for _ in range(r.length())]
            consumers.append(c)
        g["consumers"] = consumers
        groups.append(g)
    s["groups"] = groups
    assert r.pos == len(r.data), "trailing bytes"
    return s


def length(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n <= 0xFFFFFFFF:
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def string(raw):
    """rdbSaveRawString without LZF: short canonical integers in their integer encodings."""
    if len(raw) <= 11:
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is not None and str(value).encode() == raw:
            if -(1 << 7) <= value < (1 << 7):
                return b"\xc0" + struct.pack("<b", value)
            if -(1 << 15) <= value < (1 << 15):
                return b"\xc1" + struct.pack("<h", value)
            if -(1 << 31) <= value < (1 << 31):
                return b"\xc2" + struct.pack("<i", value)
    return length(len(raw)) + raw


def value(s, rdb_type, active_time_offset=1):
    """The value bytes (no type byte) in the layout of `rdb_type`; type 21 gets each consumer's
    active time as its seen time plus `active_time_offset`."""
    out = length(len(s["nodes"]))
    for key, lp in s["nodes"]:
        out += string(key) + string(lp)
    out += length(s["length"]) + length(s["last_id"][0]) + length(s["last_id"][1])
    if rdb_type != TYPE_15:
        out += length(s["first_id"][0]) + length(s["first_id"][1])
        out += length(s["max_deleted"][0]) + length(s["max_deleted"][1])
        out += length(s["entries_added"])
    out += length(len(s["groups"]))
    for g in s["groups"]:
        out += string(g["name"]) + length(g["last_id"][0]) + length(g["last_id"][1])
        if rdb_type != TYPE_15:
            out += length(g["entries_read"])
        out += length(len(g["pel"]))
        for rawid, delivered, count in g["pel"]:
            out += rawid + struct.pack("<q", delivered) + length(count)
        out += length(len(g["consumers"]))
        for c in g["consumers"]:
            out += string(c["name"]) + struct.pack("<q", c["seen"])
            if rdb_type == TYPE_21:
                out += struct.pack("<q", c["seen"] + active_time_offset)
            out += length(len(c["pel"])) + b"".join(c["pel"])
    return out


def dump_payload(body, rdb_type, version=10):
    """createDumpPayload: type, value, RDB version, CRC64."""
    out = bytes([rdb_type]) + body + struct.pack("<H", version)
    return out + struct.pack("<Q", crc64(out))


def with_checksum(payload):
    """A DUMP payload whose CRC64 is recomputed after its bytes were changed."""
    return payload[:-8] + struct.pack("<Q", crc64(payload[:-8]))
