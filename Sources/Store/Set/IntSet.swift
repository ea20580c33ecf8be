// Redis's intset (intset.c), byte for byte: a header of the element width (u32 LE: 2, 4 or 8)
// and the count (u32 LE), then the integers sorted ascending, little endian, all of that width.
// Adding a value that does not fit the width upgrades every element at once (such a value is
// smaller or larger than all the others, so it goes first or last); removals never downgrade.
// Small sets of integers cost 2-8 bytes per member, and the bytes are what an RDB file stores
// for RDB_TYPE_SET_INTSET.

public final class IntSet {
    public static let headerSize = 8

    /// The whole intset, header included.
    public private(set) var bytes: [UInt8]
    /// Bytes per element: 2, 4 or 8.
    public private(set) var width = 2
    public private(set) var count = 0

    public init() {
        bytes = [2, 0, 0, 0, 0, 0, 0, 0]
    }

    public init(copying other: IntSet) {
        bytes = other.bytes
        width = other.width
        count = other.count
    }

    @inlinable public var byteCount: Int { bytes.count }

    /// The width needed to store `value` (_intsetValueEncoding).
    @inlinable
    public static func width(for value: Int64) -> Int {
        if value < Int64(Int32.min) || value > Int64(Int32.max) { return 8 }
        if value < Int64(Int16.min) || value > Int64(Int16.max) { return 4 }
        return 2
    }

    /// Element `index` (0 ≤ index < count).
    @inlinable
    public subscript(index: Int) -> Int64 {
        bytes.withUnsafeBytes { IntSet.load($0, index, width) }
    }

    @inlinable
    static func load(_ raw: UnsafeRawBufferPointer, _ index: Int, _ width: Int) -> Int64 {
        let offset = IntSet.headerSize + index * width
        switch width {
        case 2: return Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
        case 4: return Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        default: return Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))
        }
    }

    static func store(_ raw: UnsafeMutableRawBufferPointer, _ index: Int, _ width: Int, _ value: Int64) {
        let offset = IntSet.headerSize + index * width
        switch width {
        case 2: raw.storeBytes(of: Int16(truncatingIfNeeded: value).littleEndian, toByteOffset: offset, as: Int16.self)
        case 4: raw.storeBytes(of: Int32(truncatingIfNeeded: value).littleEndian, toByteOffset: offset, as: Int32.self)
        default: raw.storeBytes(of: value.littleEndian, toByteOffset: offset, as: Int64.self)
        }
    }

    /// Binary search (intsetSearch): whether `value` is present, and its position or the
    /// position where it would be inserted.
    public func search(_ value: Int64) -> (found: Bool, position: Int) {
        if count == 0 { return (false, 0) }
        return bytes.withUnsafeBytes { raw -> (Bool, Int) in
            // Values beyond either end are common when appending in order: check them first.
            if value > IntSet.load(raw, count - 1, width) { return (false, count) }
            if value < IntSet.load(raw, 0, width) { return (false, 0) }
            var low = 0
            var high = count - 1
            while low <= high {
                let middle = (low + high) >> 1
                let current = IntSet.load(raw, middle, width)
                if value > current {
                    low = middle + 1
                } else if value < current {
                    high = middle - 1
                } else {
                    return (true, middle)
                }
            }
            return (false, low)
        }
    }

    public func contains(_ value: Int64) -> Bool {
        if IntSet.width(for: value) > width { return false }
        return search(value).found
    }

    /// Adds `value`; returns false when it was already present.
    @discardableResult
    public func add(_ value: Int64) -> Bool {
        let needed = IntSet.width(for: value)
        if needed > width {
            upgradeAndAdd(value, width: needed)
            return true
        }
        let (found, position) = search(value)
        if found { return false }
        bytes.replaceSubrange((IntSet.headerSize + position * width)..<(IntSet.headerSize + position * width),
                              with: repeatElement(0, count: width))
        let width = self.width
        bytes.withUnsafeMutableBytes { IntSet.store($0, position, width, value) }
        count += 1
        updateHeader()
        return true
    }

    /// Removes `value`; returns false when it was absent.
    @discardableResult
    public func remove(_ value: Int64) -> Bool {
        if IntSet.width(for: value) > width { return false }
        let (found, position) = search(value)
        if !found { return false }
        let start = IntSet.headerSize + position * width
        bytes.removeSubrange(start..<(start + width))
        count -= 1
        updateHeader()
        return true
    }

    /// A uniformly chosen element of a non-empty set.
    public func random<G: RandomNumberGenerator>(using generator: inout G) -> Int64 {
        self[Int.random(in: 0..<count, using: &generator)]
    }

    /// Visits the elements in ascending order.
    public func forEach(_ body: (Int64) throws -> Void) rethrows {
        let width = self.width
        let count = self.count
        try bytes.withUnsafeBytes { raw in
            for index in 0..<count { try body(IntSet.load(raw, index, width)) }
        }
    }

    private func upgradeAndAdd(_ value: Int64, width newWidth: Int) {
        let oldWidth = width
        var upgraded = [UInt8](repeating: 0, count: IntSet.headerSize + (count + 1) * newWidth)
        let prepend = value < 0
        let count = self.count
        bytes.withUnsafeBytes { old in
            upgraded.withUnsafeMutableBytes { new in
                for index in 0..<count {
                    IntSet.store(new, index + (prepend ? 1 : 0), newWidth, IntSet.load(old, index, oldWidth))
                }
                IntSet.store(new, prepend ? 0 : count, newWidth, value)
            }
        }
        bytes = upgraded
        width = newWidth
        self.count += 1
        updateHeader()
    }

    private func updateHeader() {
        let encoding = UInt32(width)
        let length = UInt32(truncatingIfNeeded: count)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: encoding.littleEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: length.littleEndian, toByteOffset: 4, as: UInt32.self)
        }
    }
}
