// ReplyTree: an in-memory RESP3 value, with a parser (RESP2 and RESP3 input) and an encoder that
// writes either RESP3 or the RESP2 downgrade Redis 7.0 sends to a RESP2 client for the same reply.
//
// Standalone: Swift standard library only.

/// A RESP reply value (RESP3 data model; RESP2 input maps onto a subset of it).
///
/// Encoding (`encode(resp3:into:)`) follows Redis 7.0's `addReply*` functions:
///
/// | case            | RESP3                    | RESP2 (what Redis 7.0 sends to a RESP2 client)  |
/// |-----------------|--------------------------|-------------------------------------------------|
/// | `simpleString`  | `+text`                  | `+text`                                         |
/// | `error`         | `-text`                  | `-text`                                         |
/// | `integer`       | `:n`                     | `:n`                                            |
/// | `bulk`          | `$len` bytes             | `$len` bytes                                    |
/// | `null`          | `_`                      | `$-1`   (addReplyNull: a missing bulk/value)    |
/// | `nullArray`     | `_`                      | `*-1`   (addReplyNullArray: a missing array)    |
/// | `double`        | `,text`                  | `$len text` (bulk string of the same text)     |
/// | `boolean`       | `#t` / `#f`              | `:1` / `:0`                                     |
/// | `verbatim`      | `=len fmt:text`          | `$len text` (text only, without `fmt:`)         |
/// | `bigNumber`     | `(digits`                | `$len digits`                                   |
/// | `array`         | `*N`                     | `*N`                                            |
/// | `set`           | `~N`                     | `*N`                                            |
/// | `map`           | `%N` + N key/value pairs | `*2N` flat key, value, key, value, ...          |
/// | `push`          | `>N`                     | `*N`                                            |
///
/// Parsing: RESP3 `_` becomes `.null` (RESP3 cannot tell the two nulls apart); RESP2 `$-1` becomes
/// `.null` and `*-1` becomes `.nullArray`. Blob errors (`!`) become `.error`. Attributes (`|`) are
/// skipped (the value that follows is returned). Streamed aggregates (`*?`, `$?`) are rejected.
/// Values parsed from canonical Redis output re-encode to the identical bytes.
public indirect enum ReplyTree: Sendable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    /// Null standing for a missing bulk string / value. RESP2 `$-1`, RESP3 `_`.
    case null
    /// Null standing for a missing array. RESP2 `*-1`, RESP3 `_`.
    case nullArray
    /// The double as written on the wire (Redis uses `%.17g`, plus `inf` / `-inf`), kept as text so
    /// it round-trips exactly. See `doubleValue`.
    case double(String)
    case boolean(Bool)
    /// Verbatim string; `format` is the 3-character type (`txt`, `mkd`).
    case verbatim(format: String, text: [UInt8])
    case bigNumber(String)
    case array([ReplyTree])
    case set([ReplyTree])
    /// Map with its pairs in wire order.
    case map([(key: ReplyTree, value: ReplyTree)])
    case push([ReplyTree])
}

// MARK: - Field access

extension ReplyTree {
    /// For a map: the value of the first pair whose key is a string equal to `key`.
    public subscript(key key: String) -> ReplyTree? {
        guard case .map(let pairs) = self else { return nil }
        for pair in pairs where pair.key.string == key {
            return pair.value
        }
        return nil
    }

    /// Elements of an array, set or push.
    public var arrayElements: [ReplyTree]? {
        switch self {
        case .array(let e), .set(let e), .push(let e): return e
        default: return nil
        }
    }

    /// Pairs of a map, in order.
    public var mapPairs: [(key: ReplyTree, value: ReplyTree)]? {
        if case .map(let pairs) = self { return pairs }
        return nil
    }

    /// Text of a simple string, bulk string (decoded as UTF-8), verbatim string (without the
    /// format), big number or double. nil for everything else (including errors and nulls).
    public var string: String? {
        switch self {
        case .simpleString(let s), .bigNumber(let s), .double(let s): return s
        case .bulk(let b): return String(decoding: b, as: UTF8.self)
        case .verbatim(_, let t): return String(decoding: t, as: UTF8.self)
        default: return nil
        }
    }

    /// Raw bytes of a bulk or verbatim string (verbatim: without the format).
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let b): return b
        case .verbatim(_, let t): return t
        default: return nil
        }
    }

    /// Value of an integer reply.
    public var int: Int64? {
        if case .integer(let v) = self { return v }
        return nil
    }

    /// Value of a double reply.
    public var doubleValue: Double? {
        if case .double(let s) = self { return Double(s) }
        return nil
    }

    /// Message of an error reply.
    public var errorMessage: String? {
        if case .error(let s) = self { return s }
        return nil
    }

    /// True for `.null` and `.nullArray`.
    public var isNull: Bool {
        switch self {
        case .null, .nullArray: return true
        default: return false
        }
    }
}

// MARK: - Equatable

extension ReplyTree: Equatable {
    public static func == (lhs: ReplyTree, rhs: ReplyTree) -> Bool {
        switch (lhs, rhs) {
        case (.simpleString(let a), .simpleString(let b)): return a == b
        case (.error(let a), .error(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.bulk(let a), .bulk(let b)): return a == b
        case (.null, .null), (.nullArray, .nullArray): return true
        case (.double(let a), .double(let b)): return a == b
        case (.boolean(let a), .boolean(let b)): return a == b
        case (.verbatim(let fa, let ta), .verbatim(let fb, let tb)): return fa == fb && ta == tb
        case (.bigNumber(let a), .bigNumber(let b)): return a == b
        case (.array(let a), .array(let b)), (.set(let a), .set(let b)), (.push(let a), .push(let b)):
            return a == b
        case (.map(let a), .map(let b)):
            guard a.count == b.count else { return false }
            for i in a.indices where a[i].key != b[i].key || a[i].value != b[i].value {
                return false
            }
            return true
        default: return false
        }
    }
}

// MARK: - Encoding

extension ReplyTree {
    /// Appends the wire form of this value: RESP3 if `resp3`, else the RESP2 form Redis 7.0 sends.
    public func encode(resp3: Bool, into out: inout [UInt8]) {
        switch self {
        case .simpleString(let s):
            out.append(UInt8(ascii: "+"))
            out.append(contentsOf: s.utf8)
            Self.crlf(&out)
        case .error(let s):
            out.append(UInt8(ascii: "-"))
            out.append(contentsOf: s.utf8)
            Self.crlf(&out)
        case .integer(let v):
            Self.header(UInt8(ascii: ":"), v, &out)
        case .bulk(let b):
            Self.bulk(b, &out)
        case .null:
            if resp3 { Self.null3(&out) } else { Self.header(UInt8(ascii: "$"), -1, &out) }
        case .nullArray:
            if resp3 { Self.null3(&out) } else { Self.header(UInt8(ascii: "*"), -1, &out) }
        case .double(let s):
            if resp3 {
                out.append(UInt8(ascii: ","))
                out.append(contentsOf: s.utf8)
                Self.crlf(&out)
            } else {
                Self.bulk(s.utf8, &out)
            }
        case .boolean(let b):
            if resp3 {
                out.append(UInt8(ascii: "#"))
                out.append(b ? UInt8(ascii: "t") : UInt8(ascii: "f"))
                Self.crlf(&out)
            } else {
                Self.header(UInt8(ascii: ":"), b ? 1 : 0, &out)
            }
        case .verbatim(let format, let text):
            if resp3 {
                let f = format.utf8
                Self.header(UInt8(ascii: "="), Int64(f.count + 1 + text.count), &out)
                out.append(contentsOf: f)
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: text)
                Self.crlf(&out)
            } else {
                Self.bulk(text, &out)
            }
        case .bigNumber(let s):
            if resp3 {
                out.append(UInt8(ascii: "("))
                out.append(contentsOf: s.utf8)
                Self.crlf(&out)
            } else {
                Self.bulk(s.utf8, &out)
            }
        case .array(let e):
            Self.header(UInt8(ascii: "*"), Int64(e.count), &out)
            for x in e { x.encode(resp3: resp3, into: &out) }
        case .set(let e):
            Self.header(resp3 ? UInt8(ascii: "~") : UInt8(ascii: "*"), Int64(e.count), &out)
            for x in e { x.encode(resp3: resp3, into: &out) }
        case .push(let e):
            Self.header(resp3 ? UInt8(ascii: ">") : UInt8(ascii: "*"), Int64(e.count), &out)
            for x in e { x.encode(resp3: resp3, into: &out) }
        case .map(let pairs):
            if resp3 {
                Self.header(UInt8(ascii: "%"), Int64(pairs.count), &out)
            } else {
                Self.header(UInt8(ascii: "*"), Int64(pairs.count) * 2, &out)
            }
            for p in pairs {
                p.key.encode(resp3: resp3, into: &out)
                p.value.encode(resp3: resp3, into: &out)
            }
        }
    }

    /// The wire form as a new byte array.
    public func encoded(resp3: Bool) -> [UInt8] {
        var out: [UInt8] = []
        encode(resp3: resp3, into: &out)
        return out
    }

    @inline(__always)
    private static func crlf(_ out: inout [UInt8]) {
        out.append(13)
        out.append(10)
    }

    private static func null3(_ out: inout [UInt8]) {
        out.append(UInt8(ascii: "_"))
        crlf(&out)
    }

    /// `<type><decimal n>\r\n`
    private static func header(_ type: UInt8, _ n: Int64, _ out: inout [UInt8]) {
        out.append(type)
        appendDecimal(n, &out)
        crlf(&out)
    }

    private static func bulk<C: Collection>(_ bytes: C, _ out: inout [UInt8]) where C.Element == UInt8 {
        header(UInt8(ascii: "$"), Int64(bytes.count), &out)
        out.append(contentsOf: bytes)
        crlf(&out)
    }

    private static func appendDecimal(_ n: Int64, _ out: inout [UInt8]) {
        if n >= 0 && n < 10 {
            out.append(UInt8(truncatingIfNeeded: n) &+ 48)
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var m = n.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat {
                buf[19 - count] = UInt8(truncatingIfNeeded: m % 10) &+ 48
                m /= 10
                count += 1
            } while m != 0
            if n < 0 { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[(20 - count)...]))
        }
    }
}

// MARK: - Parsing

extension ReplyTree {
    /// Maximum aggregate nesting accepted by `parse` (deeper input is treated as malformed).
    public static let maxParseDepth = 256

    /// Parses one value from the start of `bytes`. Returns the value and the number of bytes it
    /// occupied, or nil if the input is incomplete or malformed.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> (ReplyTree, consumed: Int)? {
        var p = Parser(buf: bytes)
        guard let v = p.value(depth: 0) else { return nil }
        return (v, consumed: p.pos)
    }

    /// Parses one value from the start of `bytes` (see `parse(_: UnsafeRawBufferPointer)`).
    public static func parse(_ bytes: [UInt8]) -> (ReplyTree, consumed: Int)? {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// Parses a string that must hold exactly one complete value (e.g. generated metadata).
    public static func parse(exactly text: StaticString) -> ReplyTree? {
        precondition(text.hasPointerRepresentation, "ReplyTree.parse(exactly:) needs a string literal")
        let raw = UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        guard let (v, n) = parse(raw), n == raw.count else { return nil }
        return v
    }

    private struct Parser {
        let buf: UnsafeRawBufferPointer
        var pos = 0

        /// Bytes of the line at `pos` (without CRLF); advances past the CRLF.
        mutating func line() -> UnsafeRawBufferPointer? {
            var i = pos
            let n = buf.count
            while i + 1 < n {
                if buf[i] == 13 {
                    guard buf[i + 1] == 10 else { return nil }
                    let l = UnsafeRawBufferPointer(rebasing: buf[pos..<i])
                    pos = i + 2
                    return l
                }
                if buf[i] == 10 { return nil }
                i += 1
            }
            return nil
        }

        static func integer(_ l: UnsafeRawBufferPointer) -> Int64? {
            guard !l.isEmpty else { return nil }
            var i = 0
            var negative = false
            if l[0] == UInt8(ascii: "-") || l[0] == UInt8(ascii: "+") {
                negative = l[0] == UInt8(ascii: "-")
                i = 1
                guard l.count > 1 else { return nil }
            }
            var v: Int64 = 0
            while i < l.count {
                let d = l[i] &- 48
                guard d < 10 else { return nil }
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(d))
                                       : m.addingReportingOverflow(Int64(d))
                guard !o1 && !o2 else { return nil }
                v = s
                i += 1
            }
            return v
        }

        static func text(_ l: UnsafeRawBufferPointer) -> String {
            String(decoding: l, as: UTF8.self)
        }

        /// Length-prefixed payload of `n` bytes followed by CRLF.
        mutating func blob(_ n: Int64) -> UnsafeRawBufferPointer? {
            guard n >= 0, n <= Int64(buf.count - pos) - 2 else { return nil }
            let end = pos + Int(n)
            guard buf[end] == 13, buf[end + 1] == 10 else { return nil }
            let b = UnsafeRawBufferPointer(rebasing: buf[pos..<end])
            pos = end + 2
            return b
        }

        mutating func elements(_ n: Int64, depth: Int) -> [ReplyTree]? {
            // Every element takes at least 3 bytes: reject impossible counts before reserving.
            guard n >= 0, n <= Int64(buf.count - pos) / 3 else { return nil }
            var out: [ReplyTree] = []
            out.reserveCapacity(Int(n))
            for _ in 0..<n {
                guard let v = value(depth: depth + 1) else { return nil }
                out.append(v)
            }
            return out
        }

        mutating func value(depth: Int) -> ReplyTree? {
            guard depth <= ReplyTree.maxParseDepth, pos < buf.count else { return nil }
            let type = buf[pos]
            pos += 1
            guard let l = line() else { return nil }
            switch type {
            case UInt8(ascii: "+"):
                return .simpleString(Self.text(l))
            case UInt8(ascii: "-"):
                return .error(Self.text(l))
            case UInt8(ascii: ":"):
                guard let v = Self.integer(l) else { return nil }
                return .integer(v)
            case UInt8(ascii: "_"):
                return l.isEmpty ? .null : nil
            case UInt8(ascii: ","):
                return l.isEmpty ? nil : .double(Self.text(l))
            case UInt8(ascii: "("):
                return l.isEmpty ? nil : .bigNumber(Self.text(l))
            case UInt8(ascii: "#"):
                guard l.count == 1 else { return nil }
                if l[0] == UInt8(ascii: "t") { return .boolean(true) }
                if l[0] == UInt8(ascii: "f") { return .boolean(false) }
                return nil
            case UInt8(ascii: "$"):
                guard let n = Self.integer(l) else { return nil }
                if n == -1 { return .null }
                guard let b = blob(n) else { return nil }
                return .bulk(Array(b))
            case UInt8(ascii: "!"):
                guard let n = Self.integer(l), let b = blob(n) else { return nil }
                return .error(Self.text(b))
            case UInt8(ascii: "="):
                guard let n = Self.integer(l), n >= 4, let b = blob(n), b[3] == UInt8(ascii: ":") else {
                    return nil
                }
                return .verbatim(format: Self.text(UnsafeRawBufferPointer(rebasing: b[0..<3])),
                                 text: Array(b[4...]))
            case UInt8(ascii: "*"):
                guard let n = Self.integer(l) else { return nil }
                if n == -1 { return .nullArray }
                guard let e = elements(n, depth: depth) else { return nil }
                return .array(e)
            case UInt8(ascii: "~"):
                guard let n = Self.integer(l), let e = elements(n, depth: depth) else { return nil }
                return .set(e)
            case UInt8(ascii: ">"):
                guard let n = Self.integer(l), let e = elements(n, depth: depth) else { return nil }
                return .push(e)
            case UInt8(ascii: "%"):
                guard let n = Self.integer(l), n >= 0, n <= Int64(buf.count - pos) / 6,
                      let e = elements(n * 2, depth: depth) else { return nil }
                var pairs: [(key: ReplyTree, value: ReplyTree)] = []
                pairs.reserveCapacity(Int(n))
                var i = 0
                while i < e.count {
                    pairs.append((key: e[i], value: e[i + 1]))
                    i += 2
                }
                return .map(pairs)
            case UInt8(ascii: "|"):
                // Attribute: parse and drop it, return the value it annotates.
                guard let n = Self.integer(l), n >= 0, n <= Int64(buf.count - pos) / 6,
                      elements(n * 2, depth: depth) != nil else { return nil }
                return value(depth: depth + 1)
            default:
                return nil
            }
        }
    }
}
