import Glibc
import Util

// Redis's listpack (listpack.c), byte for byte: a 6-byte header (total bytes u32 LE, element
// count u16 LE, 65535 meaning "count by walking"), the entries, and a 0xFF terminator. Each entry
// is an encoding byte (plus length or integer bytes), the data, and a "backlen" that lets a
// reader walk backwards. Strings that are canonical integers are stored as integers in the
// smallest of seven encodings, as lpAppend does, so an entry's text always round-trips.
//
// Keeping the exact format costs nothing at run time and lets an RDB writer dump small hashes,
// sorted sets and list nodes as they are (RDB_TYPE_*_LISTPACK) instead of re-encoding them.
//
// Offsets name entries: `firstOffset` is the first entry, `next(after:)` steps, and an offset
// whose byte is 0xFF is the end. Offsets are invalidated by any mutation before them.

/// An element read out of a compact encoding: an integer, or bytes that stay valid only inside
/// the closure that received them.
public enum ElementValue {
    case integer(Int64)
    case bytes(UnsafeRawBufferPointer)

    /// Length of the element's text (HSTRLEN).
    @inlinable public var length: Int {
        switch self {
        case .integer(let value): return decimalLength(value)
        case .bytes(let bytes): return bytes.count
        }
    }

    /// Calls `body` with the element's text (decimal digits for an integer).
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .bytes(let bytes):
            return try body(bytes)
        case .integer(let value):
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
            return try withUnsafeMutableBytes(of: &digits) { raw in
                let length = writeDecimal(value, to: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
                return try body(UnsafeRawBufferPointer(rebasing: raw[0..<length]))
            }
        }
    }

    /// The element's text as a new array.
    public var array: [UInt8] {
        switch self {
        case .bytes(let bytes): return [UInt8](bytes)
        case .integer(let value): return decimalBytes(value)
        }
    }
}

public final class Listpack {
    public static let headerSize = 6
    public static let terminator: UInt8 = 0xFF
    /// Redis refuses to grow a listpack past 1 GiB (LISTPACK_MAX_SAFETY_SIZE).
    public static let maxSafetySize = 1 << 30

    /// The whole listpack, header and terminator included.
    public private(set) var bytes: [UInt8]
    /// Number of elements (kept here as well, since the header saturates at 65535).
    public private(set) var count = 0

    public init() {
        bytes = [7, 0, 0, 0, 0, 0, Listpack.terminator]
    }

    public init(copying other: Listpack) {
        bytes = other.bytes
        count = other.count
    }

    @inlinable public var byteCount: Int { bytes.count }

    /// Adopts bytes already known to be a valid listpack of `count` elements (an RDB stream node).
    public init(adopting bytes: [UInt8], count: Int) {
        self.bytes = bytes
        self.count = count
    }

    /// Room for `capacity` bytes without growing (a new stream node, as lpNew(prealloc)).
    public func reserveCapacity(_ capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Drops the growth slack of a listpack that will not grow again (lpShrinkToFit, when a
    /// stream node is closed).
    public func shrinkToFit() {
        if bytes.capacity > bytes.count { bytes = [UInt8](unsafeUninitializedCapacity: bytes.count) { out, initialized in
            _ = out.initialize(from: bytes)
            initialized = bytes.count
        } }
    }

    /// Hands over the encoded bytes (a quicklist node being compressed); the element count stays.
    public func releaseBytes() -> [UInt8] {
        let taken = bytes
        bytes = []
        return taken
    }

    /// Puts back bytes taken by `releaseBytes` (the node decompressed for use).
    public func restoreBytes(_ restored: [UInt8]) {
        bytes = restored
    }
    @inlinable public var firstOffset: Int { Listpack.headerSize }
    @inlinable public var isEmpty: Bool { count == 0 }

    /// Whether `extra` more bytes keep the listpack under the safety size (lpSafeToAdd).
    public func safeToAdd(_ extra: Int) -> Bool {
        bytes.count + extra <= Listpack.maxSafetySize
    }

    // MARK: reading

    @inlinable
    public func isEnd(_ offset: Int) -> Bool { bytes[offset] == Listpack.terminator }

    /// The offset after the entry at `offset` (possibly the terminator's).
    public func next(after offset: Int) -> Int {
        withBase { Listpack.nextOffset($0, offset) }
    }

    /// The offset before the entry at `offset`, or nil at the first entry.
    public func previous(before offset: Int) -> Int? {
        if offset <= Listpack.headerSize { return nil }
        return withBase { Listpack.previousOffset($0, offset) }
    }

    /// The offset of the last entry, or nil when empty.
    public var lastOffset: Int? { previous(before: bytes.count - 1) }

    /// The offset of element `index` (negative counts from the end), or nil when out of range.
    public func seek(_ index: Int) -> Int? {
        let position = index < 0 ? count + index : index
        if position < 0 || position >= count { return nil }
        if position > count / 2, var offset = lastOffset {
            for _ in 0..<(count - 1 - position) { offset = previous(before: offset)! }
            return offset
        }
        var offset = firstOffset
        for _ in 0..<position { offset = next(after: offset) }
        return offset
    }

    /// Calls `body` with the element at `offset`.
    @inlinable
    public func withElement<R>(at offset: Int, _ body: (ElementValue) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { base in
            try body(Listpack.element(base.baseAddress!, offset))
        }
    }

    /// The element at `offset` as a new array of its text.
    public func elementBytes(at offset: Int) -> [UInt8] {
        withElement(at: offset) { $0.array }
    }

    /// Visits every element in order with its offset.
    public func forEach(_ body: (Int, ElementValue) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            var offset = Listpack.headerSize
            while base[offset] != Listpack.terminator {
                let header = Listpack.decode(base, offset)
                try body(offset, Listpack.element(base, offset, header))
                offset += header.size + Listpack.backlenSize(header.size)
            }
        }
    }

    /// The first element equal to `key` at or after `offset`, checking one element and then
    /// skipping `skip` (lpFind: skip 1 visits only the fields of field/value pairs).
    public func find(_ key: UnsafeRawBufferPointer, from offset: Int, skip: Int) -> Int? {
        let keyInteger = key.count <= 20 ? parseInt64(key) : nil
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            let base = buffer.baseAddress!
            var position = offset
            var skipping = 0
            while base[position] != Listpack.terminator {
                let header = Listpack.decode(base, position)
                if skipping == 0 {
                    if header.isInteger {
                        if let keyInteger, keyInteger == header.integer { return position }
                    } else if header.dataLength == key.count
                                && (key.count == 0 || memcmp(base + header.dataStart, key.baseAddress!, key.count) == 0) {
                        return position
                    }
                    skipping = skip
                } else {
                    skipping -= 1
                }
                position += header.size + Listpack.backlenSize(header.size)
            }
            return nil
        }
    }

    // MARK: writing

    /// Appends an element at the end.
    public func append(_ value: ElementValue) {
        insert(value, at: bytes.count - 1)
    }

    /// Appends `elements` elements, `element(i)` each, growing the buffer once (a stream entry's
    /// flags, ID, fields and values).
    public func append(elements: Int, _ element: (Int) -> ElementValue) {
        var total = 0
        for index in 0..<elements {
            let size = Listpack.Encoded(element(index)).size
            total += size + Listpack.backlenSize(size)
        }
        var offset = bytes.count - 1
        bytes.append(contentsOf: repeatElement(0, count: total))
        bytes[bytes.count - 1] = Listpack.terminator
        for index in 0..<elements {
            let value = element(index)
            let encoded = Listpack.Encoded(value)
            write(encoded, value, at: offset)
            offset += encoded.size + Listpack.backlenSize(encoded.size)
        }
        count += elements
        updateHeader()
    }

    /// Inserts an element before the entry at `offset` (the terminator's offset appends).
    public func insert(_ value: ElementValue, at offset: Int) {
        let encoded = Listpack.Encoded(value)
        let total = encoded.size + Listpack.backlenSize(encoded.size)
        openGap(at: offset, count: total)
        write(encoded, value, at: offset)
        count += 1
        updateHeader()
    }

    /// Replaces the element at `offset`; returns the offset after the new entry.
    @discardableResult
    public func replace(at offset: Int, with value: ElementValue) -> Int {
        let oldTotal = next(after: offset) - offset
        let encoded = Listpack.Encoded(value)
        let total = encoded.size + Listpack.backlenSize(encoded.size)
        if total > oldTotal {
            openGap(at: offset + oldTotal, count: total - oldTotal)
        } else if total < oldTotal {
            bytes.removeSubrange((offset + total)..<(offset + oldTotal))
        }
        if total != oldTotal { zero(offset, count: total) }
        write(encoded, value, at: offset)
        updateHeader()
        return offset + total
    }

    /// Makes `gap` zeroed bytes of room at `offset`: the buffer grows geometrically and the tail
    /// moves with one memmove. (Array's replaceSubrange with a repeated element reallocates to
    /// the exact size and so copied the whole listpack on every insert: a 1 KiB LPUSH spent 15%
    /// of its time there.)
    private func openGap(at offset: Int, count gap: Int) {
        let tail = bytes.count - offset
        bytes.append(contentsOf: repeatElement(0, count: gap))
        bytes.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            memmove(base + offset + gap, base + offset, tail)
            memset(base + offset, 0, gap)
        }
    }

    private func zero(_ offset: Int, count: Int) {
        bytes.withUnsafeMutableBytes { raw in _ = memset(raw.baseAddress! + offset, 0, count) }
    }

    /// Removes `elements` consecutive elements starting at `offset`.
    public func remove(at offset: Int, elements: Int) {
        var end = offset
        var removed = 0
        while removed < elements && !isEnd(end) {
            end = next(after: end)
            removed += 1
        }
        bytes.removeSubrange(offset..<end)
        count -= removed
        updateHeader()
    }

    private func updateHeader() {
        let total = UInt32(truncatingIfNeeded: bytes.count)
        let elements = UInt16(truncatingIfNeeded: min(count, 65535))
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: total.littleEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: elements.littleEndian, toByteOffset: 4, as: UInt16.self)
        }
    }

    private func write(_ encoded: Encoded, _ value: ElementValue, at offset: Int) {
        bytes.withUnsafeMutableBufferPointer { buffer in
            let out = buffer.baseAddress! + offset
            var position = 0
            func put(_ byte: UInt8) { out[position] = byte; position += 1 }
            func putLittleEndian(_ value: UInt64, _ width: Int) {
                for index in 0..<width { put(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
            }
            if let integer = encoded.integer {
                let raw = UInt64(bitPattern: integer)
                switch encoded.size {
                case 1: put(UInt8(truncatingIfNeeded: integer))
                case 2:
                    let v = raw & 0x1FFF
                    put(UInt8(truncatingIfNeeded: v >> 8) | 0xC0)
                    put(UInt8(truncatingIfNeeded: v))
                case 3: put(0xF1); putLittleEndian(raw, 2)
                case 4: put(0xF2); putLittleEndian(raw, 3)
                case 5: put(0xF3); putLittleEndian(raw, 4)
                default: put(0xF4); putLittleEndian(raw, 8)
                }
            } else {
                let length = encoded.stringLength
                if length < 64 {
                    put(UInt8(length) | 0x80)
                } else if length < 4096 {
                    put(UInt8(length >> 8) | 0xE0)
                    put(UInt8(truncatingIfNeeded: length))
                } else {
                    put(0xF0)
                    putLittleEndian(UInt64(length), 4)
                }
                if case .bytes(let data) = value, length > 0 {
                    (out + position).initialize(from: data.bindMemory(to: UInt8.self).baseAddress!, count: length)
                    position += length
                }
            }
            // backlen: the entry's size, 7 bits per byte, most significant first; every byte
            // but the first carries the continuation bit, so it is read right to left.
            let size = encoded.size
            let width = Listpack.backlenSize(size)
            for index in 0..<width {
                let shift = 7 * (width - 1 - index)
                var byte = UInt8(truncatingIfNeeded: size >> shift) & 127
                if index > 0 { byte |= 128 }
                put(byte)
            }
        }
    }

    // MARK: encoding rules

    /// How an element will be stored: as an integer (and in how many bytes, encoding byte
    /// included), or as a string of `stringLength` bytes.
    struct Encoded {
        var integer: Int64?
        var stringLength = 0
        /// Encoding byte(s) plus data, without the backlen.
        var size: Int

        init(_ value: ElementValue) {
            switch value {
            case .integer(let v):
                integer = v
                size = Encoded.integerSize(v)
            case .bytes(let data):
                if data.count <= 20, let v = parseInt64(data) {
                    integer = v
                    size = Encoded.integerSize(v)
                } else {
                    stringLength = data.count
                    size = data.count + (data.count < 64 ? 1 : data.count < 4096 ? 2 : 5)
                }
            }
        }

        static func integerSize(_ v: Int64) -> Int {
            if v >= 0 && v <= 127 { return 1 }
            if v >= -4096 && v <= 4095 { return 2 }
            if v >= -32768 && v <= 32767 { return 3 }
            if v >= -8_388_608 && v <= 8_388_607 { return 4 }
            if v >= -2_147_483_648 && v <= 2_147_483_647 { return 5 }
            return 9
        }
    }

    @inlinable
    static func backlenSize(_ size: Int) -> Int {
        if size <= 127 { return 1 }
        if size < 16383 { return 2 }
        if size < 2_097_151 { return 3 }
        if size < 268_435_455 { return 4 }
        return 5
    }

    /// An entry's header, decoded.
    @usableFromInline
    struct EntryHeader {
        @usableFromInline var size: Int          // encoding + data, without backlen
        @usableFromInline var isInteger: Bool
        @usableFromInline var integer: Int64
        @usableFromInline var dataStart: Int
        @usableFromInline var dataLength: Int

        @inlinable init(size: Int, integer: Int64) {
            self.size = size
            self.isInteger = true
            self.integer = integer
            self.dataStart = 0
            self.dataLength = 0
        }

        @inlinable init(size: Int, dataStart: Int, dataLength: Int) {
            self.size = size
            self.isInteger = false
            self.integer = 0
            self.dataStart = dataStart
            self.dataLength = dataLength
        }
    }

    @inlinable
    static func decode(_ base: UnsafePointer<UInt8>, _ offset: Int) -> EntryHeader {
        let first = base[offset]
        func littleEndian(_ width: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in 0..<width { value |= UInt64(base[offset + 1 + index]) << (8 * UInt64(index)) }
            return value
        }
        func signExtend(_ value: UInt64, _ bits: Int) -> Int64 {
            let shift = UInt64(64 - bits)
            return Int64(bitPattern: value << shift) >> Int64(shift)
        }
        if first & 0x80 == 0 { return EntryHeader(size: 1, integer: Int64(first)) }
        if first & 0xC0 == 0x80 {
            let length = Int(first & 0x3F)
            return EntryHeader(size: 1 + length, dataStart: offset + 1, dataLength: length)
        }
        if first & 0xE0 == 0xC0 {
            let raw = UInt64(first & 0x1F) << 8 | UInt64(base[offset + 1])
            return EntryHeader(size: 2, integer: signExtend(raw, 13))
        }
        if first & 0xF0 == 0xE0 {
            let length = Int(first & 0x0F) << 8 | Int(base[offset + 1])
            return EntryHeader(size: 2 + length, dataStart: offset + 2, dataLength: length)
        }
        switch first {
        case 0xF1: return EntryHeader(size: 3, integer: signExtend(littleEndian(2), 16))
        case 0xF2: return EntryHeader(size: 4, integer: signExtend(littleEndian(3), 24))
        case 0xF3: return EntryHeader(size: 5, integer: signExtend(littleEndian(4), 32))
        case 0xF4: return EntryHeader(size: 9, integer: Int64(bitPattern: littleEndian(8)))
        default:  // 0xF0: 32-bit string length
            let length = Int(littleEndian(4))
            return EntryHeader(size: 5 + length, dataStart: offset + 5, dataLength: length)
        }
    }

    @inlinable
    static func element(_ base: UnsafePointer<UInt8>, _ offset: Int) -> ElementValue {
        element(base, offset, decode(base, offset))
    }

    @inlinable
    static func element(_ base: UnsafePointer<UInt8>, _ offset: Int, _ header: EntryHeader) -> ElementValue {
        if header.isInteger { return .integer(header.integer) }
        return .bytes(UnsafeRawBufferPointer(start: base + header.dataStart, count: header.dataLength))
    }
}

// Pointer-level walking, for code that reads many entries inside one `withBase` (stream nodes).
extension Listpack {
    @inlinable
    static func nextOffset(_ base: UnsafePointer<UInt8>, _ offset: Int) -> Int {
        let header = decode(base, offset)
        return offset + header.size + backlenSize(header.size)
    }

    @inlinable
    static func previousOffset(_ base: UnsafePointer<UInt8>, _ offset: Int) -> Int {
        var position = offset - 1
        var length = 0
        var shift = 0
        while true {
            let byte = base[position]
            length |= Int(byte & 127) << shift
            if byte & 128 == 0 { break }
            shift += 7
            position -= 1
        }
        return position - length
    }

    /// An integer element (a stream node's counters, flags and deltas are always integers).
    @inlinable
    static func integer(_ base: UnsafePointer<UInt8>, _ offset: Int) -> Int64 {
        switch element(base, offset) {
        case .integer(let value): return value
        case .bytes(let bytes): return parseInt64(bytes) ?? 0
        }
    }

    /// Runs `body` over the bytes' base address.
    @inlinable
    func withBase<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}
