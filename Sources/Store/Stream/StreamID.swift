import Util

/// A stream entry ID: milliseconds and a sequence number, ordered as a 128-bit number.
public struct StreamID: Comparable, Hashable, Sendable {
    public var ms: UInt64
    public var seq: UInt64

    @inlinable public init(ms: UInt64, seq: UInt64) {
        self.ms = ms
        self.seq = seq
    }

    public static let zero = StreamID(ms: 0, seq: 0)
    public static let max = StreamID(ms: .max, seq: .max)

    @inlinable public static func < (a: StreamID, b: StreamID) -> Bool {
        a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq)
    }

    /// streamIncrID: the next ID, nil past the largest (ms and seq both at their maximum).
    @inlinable public var successor: StreamID? {
        if seq != .max { return StreamID(ms: ms, seq: seq + 1) }
        if ms != .max { return StreamID(ms: ms + 1, seq: 0) }
        return nil
    }

    /// streamDecrID: the previous ID, nil before 0-0.
    @inlinable public var predecessor: StreamID? {
        if seq != 0 { return StreamID(ms: ms, seq: seq - 1) }
        if ms != 0 { return StreamID(ms: ms - 1, seq: .max) }
        return nil
    }

    /// The 16-byte big-endian form Redis uses as the radix-tree key (and in RDB PELs).
    public var encoded: [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            out[index] = UInt8(truncatingIfNeeded: ms >> (56 - 8 * UInt64(index)))
            out[8 + index] = UInt8(truncatingIfNeeded: seq >> (56 - 8 * UInt64(index)))
        }
        return out
    }

    /// Decodes the 16-byte big-endian form.
    public init?(encoded bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 16 else { return nil }
        var ms: UInt64 = 0
        var seq: UInt64 = 0
        for index in 0..<8 {
            ms = ms << 8 | UInt64(bytes[index])
            seq = seq << 8 | UInt64(bytes[8 + index])
        }
        self.init(ms: ms, seq: seq)
    }

    /// Longest text of an ID: two 20-digit numbers and the dash.
    public static let maxTextLength = 41

    /// Writes `ms-seq` at `out` and returns its length.
    @inlinable
    public func write(to out: UnsafeMutablePointer<UInt8>) -> Int {
        let msLength = writeUnsignedDecimal(ms, to: out)
        out[msLength] = UInt8(ascii: "-")
        return msLength + 1 + writeUnsignedDecimal(seq, to: out + msLength + 1)
    }

    /// Calls `body` with the `ms-seq` text, built on the stack.
    @inlinable
    public func withText<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        return try withUnsafeMutableBytes(of: &storage) { raw in
            let length = write(to: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            return try body(UnsafeRawBufferPointer(rebasing: raw[0..<length]))
        }
    }

    /// The `ms-seq` text as bytes.
    public var text: [UInt8] { withText { [UInt8]($0) } }
}

/// Writes the decimal digits of `value` at `out`; returns how many.
@inlinable
public func writeUnsignedDecimal(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
    if value <= UInt64(Int64.max) { return writeDecimal(Int64(value), to: out) }
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
    return withUnsafeMutableBytes(of: &digits) { raw -> Int in
        let scratch = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var rest = value
        var count = 0
        while rest > 0 {
            scratch[count] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            count += 1
        }
        for index in 0..<count { out[index] = scratch[count - 1 - index] }
        return count
    }
}

/// How an ID argument was written, for the commands that accept partial forms.
public enum StreamIDParse {
    /// `ms-seq`, or `ms` alone with the sequence defaulted.
    case id(StreamID)
    /// `ms-*` (XADD): the sequence is to be generated.
    case autoSequence(ms: UInt64)
}

extension StreamID {
    /// streamGenericParseIDOrReply: `-` and `+` (when `allowSpecial`), `ms` alone (sequence
    /// `missingSequence`), `ms-seq`, and with `allowAutoSequence` XADD's `ms-*`. Nil when invalid.
    public static func parse(_ text: UnsafeRawBufferPointer, missingSequence: UInt64,
                             allowSpecial: Bool = true, allowAutoSequence: Bool = false) -> StreamIDParse? {
        if text.count > 127 { return nil }
        if allowSpecial && text.count == 1 {
            if text[0] == UInt8(ascii: "-") { return .id(.zero) }
            if text[0] == UInt8(ascii: "+") { return .id(.max) }
        }
        guard let dash = text.firstIndex(of: UInt8(ascii: "-")) else {
            guard let ms = parseUnsignedStrict(UnsafeRawBufferPointer(rebasing: text[...])) else { return nil }
            return .id(StreamID(ms: ms, seq: missingSequence))
        }
        guard let ms = parseUnsignedStrict(UnsafeRawBufferPointer(rebasing: text[..<dash])) else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: text[(dash + 1)...])
        if allowAutoSequence && rest.count == 1 && rest[0] == UInt8(ascii: "*") {
            return .autoSequence(ms: ms)
        }
        guard let seq = parseUnsignedStrict(rest) else { return nil }
        return .id(StreamID(ms: ms, seq: seq))
    }

    /// string2ull: string2ll's strict form when it parses a non-negative number, otherwise
    /// strtoull's lenient one (leading spaces and a sign, then digits to the end, no overflow),
    /// as Redis falls back to it.
    static func parseUnsignedStrict(_ text: UnsafeRawBufferPointer) -> UInt64? {
        if let value = parseInt64(text) { return value < 0 ? nil : UInt64(value) }
        var index = 0
        while index < text.count, [9, 10, 11, 12, 13, 32].contains(text[index]) { index += 1 }
        var negative = false
        if index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
            negative = text[index] == UInt8(ascii: "-")
            index += 1
        }
        if index == text.count { return nil }
        var value: UInt64 = 0
        while index < text.count {
            let byte = text[index]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
            index += 1
        }
        return negative ? 0 &- value : value
    }
}
