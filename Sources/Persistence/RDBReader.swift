import Store
import Util

// The input side: a cursor over a whole RDB file or DUMP payload that never reads past its end.
// Every failure is an RDBDecodeError naming the byte offset and what was expected there.

public struct RDBDecodeError: Error, CustomStringConvertible {
    public let offset: Int
    public let message: String
    public init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }
    public var description: String { "\(message) at offset \(offset)" }
}

public final class RDBReader {
    public let data: [UInt8]
    public private(set) var offset: Int
    /// The end of what may be read (a DUMP payload's value ends before its trailer).
    public let end: Int

    public init(_ data: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.data = data
        self.offset = offset
        self.end = end ?? data.count
    }

    public var remaining: Int { end - offset }

    public func fail(_ message: String, at position: Int? = nil) -> RDBDecodeError {
        RDBDecodeError(offset: position ?? offset, message)
    }

    public func byte(_ what: String) throws -> UInt8 {
        guard offset < end else { throw fail("Unexpected end of data reading \(what)") }
        defer { offset += 1 }
        return data[offset]
    }

    public func bytes(_ count: Int, _ what: String) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw fail("Unexpected end of data reading \(what) (\(count) bytes needed, \(remaining) left)")
        }
        defer { offset += count }
        return data[offset..<(offset + count)]
    }

    public func littleEndian(_ width: Int, _ what: String) throws -> UInt64 {
        let raw = try bytes(width, what)
        var value: UInt64 = 0
        for (i, b) in raw.enumerated() { value |= UInt64(b) << UInt64(8 * i) }
        return value
    }

    /// rdbLoadLenByRef: a length, or the encoding of a specially encoded string.
    public func lengthOrEncoding(_ what: String) throws -> (value: UInt64, encoded: Bool) {
        let first = try byte(what)
        switch first >> 6 {
        case 0: return (UInt64(first & 0x3F), false)
        case 1: return (UInt64(first & 0x3F) << 8 | UInt64(try byte(what)), false)
        case 2:
            if first == RDBFormat.len32Bit {
                let raw = try bytes(4, what)
                return (raw.reduce(0) { $0 << 8 | UInt64($1) }, false)
            }
            if first == RDBFormat.len64Bit {
                let raw = try bytes(8, what)
                return (raw.reduce(0) { $0 << 8 | UInt64($1) }, false)
            }
            throw fail("Unknown length encoding \(first) in \(what)", at: offset - 1)
        default: return (UInt64(first & 0x3F), true)
        }
    }

    /// rdbLoadLen, bounded so a corrupt length cannot ask for more than the data holds.
    public func length(_ what: String, max limit: Int? = nil) throws -> Int {
        let start = offset
        let (value, encoded) = try lengthOrEncoding(what)
        if encoded { throw fail("Expected a length for \(what), found a string encoding", at: start) }
        guard value <= UInt64(limit ?? remaining) else {
            throw fail("Length \(value) of \(what) exceeds the \(remaining) bytes left", at: start)
        }
        return Int(value)
    }

    /// rdbGenericLoadStringObject: a raw, integer-encoded or LZF string, as its bytes.
    public func string(_ what: String) throws -> [UInt8] {
        let start = offset
        let (value, encoded) = try lengthOrEncoding(what)
        if !encoded {
            guard value <= UInt64(remaining) else {
                throw fail("String length \(value) of \(what) exceeds the \(remaining) bytes left", at: start)
            }
            return Array(try bytes(Int(value), what))
        }
        switch UInt8(value) {
        case RDBFormat.encInt8: return decimalBytes(Int64(Int8(bitPattern: try byte(what))))
        case RDBFormat.encInt16: return decimalBytes(Int64(Int16(truncatingIfNeeded: try littleEndian(2, what))))
        case RDBFormat.encInt32: return decimalBytes(Int64(Int32(truncatingIfNeeded: try littleEndian(4, what))))
        case RDBFormat.encLZF:
            let packedLength = try length("LZF compressed length of \(what)")
            let plainLength = try length("LZF uncompressed length of \(what)", max: Int.max)
            guard plainLength <= packedLength * 300 + 64 else { throw fail("Implausible LZF length \(plainLength) in \(what)", at: start) }
            let packed = Array(try bytes(packedLength, what))
            guard plainLength > 0, let plain = LZF.decompress(packed, size: plainLength) else {
                throw fail("Invalid LZF compressed string in \(what)", at: start)
            }
            return plain
        default:
            throw fail("Unknown string encoding \(value) in \(what)", at: start)
        }
    }

    /// The string at the reader's position, without copying it when it is stored raw (the
    /// common case for keys and values while loading a file).
    public func withString<R>(_ what: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let start = offset
        let first = try byte(what)
        if first >> 6 == 0 {
            let count = Int(first & 0x3F)
            guard count <= remaining else {
                throw fail("String length \(count) of \(what) exceeds the \(remaining) bytes left", at: start)
            }
            offset += count
            return try data.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[(start + 1)..<(start + 1 + count)])) }
        }
        offset = start
        return try string(what).withUnsafeBytes { try body($0) }
    }

    /// A string that is an integer (rdbLoadIntegerObject kept as a number).
    public func stringValue(_ what: String) throws -> (bytes: [UInt8], integer: Int64?) {
        let start = offset
        let first = try byte(what)
        offset = start
        if first >> 6 == RDBFormat.encodedValue && first & 0x3F != RDBFormat.encLZF {
            let text = try string(what)
            return (text, parseInt64Array(text))
        }
        return (try string(what), nil)
    }

    /// rdbLoadDoubleValue: the old text form (length byte 253 nan, 254 +inf, 255 -inf).
    public func textDouble(_ what: String) throws -> Double {
        let start = offset
        let length = try byte(what)
        switch length {
        case 253: return .nan
        case 254: return .infinity
        case 255: return -.infinity
        default:
            let text = String(decoding: try bytes(Int(length), what), as: UTF8.self)
            guard let value = Double(text) else { throw fail("Invalid double '\(text)' in \(what)", at: start) }
            return value
        }
    }

    public func binaryDouble(_ what: String) throws -> Double {
        Double(bitPattern: try littleEndian(8, what))
    }
}

func decimalBytes(_ value: Int64) -> [UInt8] { Array(String(value).utf8) }

func parseInt64Array(_ bytes: [UInt8]) -> Int64? {
    bytes.count <= 20 ? bytes.withUnsafeBytes { parseInt64($0) } : nil
}
