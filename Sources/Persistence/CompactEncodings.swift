// Validating readers of the compact blobs RDB files carry as strings — listpack, ziplist,
// zipmap, intset — into their elements as text. A malformed blob is an error naming the
// offset within the file (`base` + the position in the blob), never an out-of-bounds read.

public enum CompactEncodings {
    public enum Element {
        case integer(Int64)
        case bytes(ArraySlice<UInt8>)

        public var text: [UInt8] {
            switch self {
            case .integer(let value): return decimalBytes(value)
            case .bytes(let raw): return Array(raw)
            }
        }
    }

    static func error(_ base: Int, _ at: Int, _ kind: String, _ what: String) -> RDBDecodeError {
        RDBDecodeError(offset: base, "Corrupt \(kind) (\(what) at byte \(at) of the blob)")
    }

    static func le(_ b: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(b[at + i]) << UInt64(8 * i) }
        return value
    }

    static func signExtend(_ value: UInt64, bits: Int) -> Int64 {
        let shift = UInt64(64 - bits)
        return Int64(bitPattern: value << shift) >> Int64(shift)
    }

    /// lpValidateIntegrity (deep): every entry, its back-length, the header's byte and
    /// element counts.
    public static func listpack(_ b: [UInt8], base: Int) throws -> [Element] {
        let kind = "listpack"
        guard b.count >= 7 else { throw error(base, 0, kind, "shorter than a header") }
        guard le(b, 0, 4) == UInt64(b.count) else { throw error(base, 0, kind, "total bytes field mismatch") }
        let declared = Int(le(b, 4, 2))
        var elements: [Element] = []
        var p = 6
        while true {
            guard p < b.count else { throw error(base, p, kind, "missing terminator") }
            let first = b[p]
            if first == 0xFF {
                guard p == b.count - 1 else { throw error(base, p, kind, "bytes after the terminator") }
                break
            }
            func need(_ n: Int) throws { if p + n > b.count - 1 { throw error(base, p, kind, "entry past the end") } }
            var size: Int
            if first & 0x80 == 0 {
                size = 1; elements.append(.integer(Int64(first & 0x7F)))
            } else if first & 0xC0 == 0x80 {
                let len = Int(first & 0x3F); size = 1 + len; try need(size)
                elements.append(.bytes(b[(p + 1)..<(p + size)]))
            } else if first & 0xE0 == 0xC0 {
                size = 2; try need(2)
                elements.append(.integer(signExtend(UInt64(first & 0x1F) << 8 | UInt64(b[p + 1]), bits: 13)))
            } else if first & 0xF0 == 0xE0 {
                try need(2)
                let len = Int(first & 0x0F) << 8 | Int(b[p + 1]); size = 2 + len; try need(size)
                elements.append(.bytes(b[(p + 2)..<(p + size)]))
            } else {
                switch first {
                case 0xF0:
                    try need(5)
                    let len = Int(le(b, p + 1, 4)); size = 5 + len; try need(size)
                    elements.append(.bytes(b[(p + 5)..<(p + size)]))
                case 0xF1: size = 3; try need(size); elements.append(.integer(signExtend(le(b, p + 1, 2), bits: 16)))
                case 0xF2: size = 4; try need(size); elements.append(.integer(signExtend(le(b, p + 1, 3), bits: 24)))
                case 0xF3: size = 5; try need(size); elements.append(.integer(signExtend(le(b, p + 1, 4), bits: 32)))
                case 0xF4: size = 9; try need(size); elements.append(.integer(Int64(bitPattern: le(b, p + 1, 8))))
                default: throw error(base, p, kind, "invalid entry encoding \(first)")
                }
            }
            let backlen = size < 128 ? 1 : size < 16384 ? 2 : size < 2_097_152 ? 3 : size < 268_435_456 ? 4 : 5
            try need(size + backlen)
            // The back-length is big-endian 7-bit groups, stored from the entry's end backwards;
            // every byte but the first has its high bit set (lpDecodeBacklen stops at the first
            // byte without it, so any other pattern reads a different length).
            var value = 0
            var shift = 0
            var q = p + size + backlen - 1
            while q >= p + size {
                if (b[q] & 0x80 == 0) != (q == p + size) { throw error(base, p, kind, "back-length mismatch") }
                value |= Int(b[q] & 0x7F) << shift
                shift += 7
                q -= 1
            }
            guard value == size else { throw error(base, p, kind, "back-length mismatch") }
            p += size + backlen
        }
        guard declared == 65535 || declared == elements.count else {
            throw error(base, 4, kind, "element count \(declared), found \(elements.count)")
        }
        return elements
    }

    /// ziplistValidateIntegrity (deep).
    public static func ziplist(_ b: [UInt8], base: Int) throws -> [Element] {
        let kind = "ziplist"
        guard b.count >= 11 else { throw error(base, 0, kind, "shorter than a header") }
        guard le(b, 0, 4) == UInt64(b.count) else { throw error(base, 0, kind, "total bytes field mismatch") }
        let declared = Int(le(b, 8, 2))
        var elements: [Element] = []
        var p = 10
        var previousSize = 0
        while true {
            guard p < b.count else { throw error(base, p, kind, "missing terminator") }
            if b[p] == 0xFF {
                guard p == b.count - 1 else { throw error(base, p, kind, "bytes after the terminator") }
                break
            }
            let start = p
            func need(_ n: Int) throws { if p + n > b.count - 1 { throw error(base, p, kind, "entry past the end") } }
            var prevlen: Int
            if b[p] < 254 {
                prevlen = Int(b[p]); p += 1
            } else {
                try need(5); prevlen = Int(le(b, p + 1, 4)); p += 5
            }
            guard prevlen == previousSize else { throw error(base, start, kind, "previous-entry length mismatch") }
            try need(1)
            let encoding = b[p]
            switch encoding >> 6 {
            case 0:
                let len = Int(encoding & 0x3F); try need(1 + len)
                elements.append(.bytes(b[(p + 1)..<(p + 1 + len)])); p += 1 + len
            case 1:
                try need(2)
                let len = Int(encoding & 0x3F) << 8 | Int(b[p + 1]); try need(2 + len)
                elements.append(.bytes(b[(p + 2)..<(p + 2 + len)])); p += 2 + len
            case 2:
                try need(5)
                let len = Int(b[p + 1]) << 24 | Int(b[p + 2]) << 16 | Int(b[p + 3]) << 8 | Int(b[p + 4])
                try need(5 + len)
                elements.append(.bytes(b[(p + 5)..<(p + 5 + len)])); p += 5 + len
            default:
                switch encoding {
                case 0xC0: try need(3); elements.append(.integer(signExtend(le(b, p + 1, 2), bits: 16))); p += 3
                case 0xD0: try need(5); elements.append(.integer(signExtend(le(b, p + 1, 4), bits: 32))); p += 5
                case 0xE0: try need(9); elements.append(.integer(Int64(bitPattern: le(b, p + 1, 8)))); p += 9
                case 0xF0: try need(4); elements.append(.integer(signExtend(le(b, p + 1, 3), bits: 24))); p += 4
                case 0xFE: try need(2); elements.append(.integer(Int64(Int8(bitPattern: b[p + 1])))); p += 2
                case 0xF1...0xFD: elements.append(.integer(Int64(encoding & 0x0F) - 1)); p += 1
                default: throw error(base, p, kind, "invalid entry encoding \(encoding)")
                }
            }
            previousSize = p - start
        }
        guard declared == 65535 || declared == elements.count else {
            throw error(base, 8, kind, "element count \(declared), found \(elements.count)")
        }
        return elements
    }

    /// zipmapValidateIntegrity: alternating keys and values.
    public static func zipmap(_ b: [UInt8], base: Int) throws -> [Element] {
        let kind = "zipmap"
        guard b.count >= 2 else { throw error(base, 0, kind, "shorter than a header") }
        var elements: [Element] = []
        var p = 1
        func readLength() throws -> Int {
            guard p < b.count else { throw error(base, p, kind, "entry past the end") }
            if b[p] < 254 { p += 1; return Int(b[p - 1]) }
            guard b[p] == 254, p + 5 <= b.count else { throw error(base, p, kind, "invalid length") }
            let value = Int(le(b, p + 1, 4)); p += 5
            return value
        }
        while true {
            guard p < b.count else { throw error(base, p, kind, "missing terminator") }
            if b[p] == 0xFF {
                guard p == b.count - 1 else { throw error(base, p, kind, "bytes after the terminator") }
                break
            }
            let keyLength = try readLength()
            guard p + keyLength <= b.count else { throw error(base, p, kind, "key past the end") }
            elements.append(.bytes(b[p..<(p + keyLength)])); p += keyLength
            let valueLength = try readLength()
            guard p < b.count else { throw error(base, p, kind, "entry past the end") }
            let free = Int(b[p]); p += 1
            guard p + valueLength + free <= b.count else { throw error(base, p, kind, "value past the end") }
            elements.append(.bytes(b[p..<(p + valueLength)])); p += valueLength + free
        }
        return elements
    }

    /// intsetValidateIntegrity (deep): a known width, the exact size, strictly ascending.
    public static func intset(_ b: [UInt8], base: Int) throws -> [Int64] {
        let kind = "intset"
        guard b.count >= 8 else { throw error(base, 0, kind, "shorter than a header") }
        let width = Int(le(b, 0, 4))
        guard width == 2 || width == 4 || width == 8 else { throw error(base, 0, kind, "invalid width \(width)") }
        let count = Int(le(b, 4, 4))
        guard 8 + count * width == b.count else { throw error(base, 4, kind, "length \(count) does not match the size") }
        var values: [Int64] = []
        values.reserveCapacity(count)
        for i in 0..<count {
            let v = signExtend(le(b, 8 + i * width, width), bits: width * 8)
            if let last = values.last, v <= last { throw error(base, 8 + i * width, kind, "elements not ascending") }
            values.append(v)
        }
        return values
    }
}
