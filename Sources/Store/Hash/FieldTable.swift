import Glibc

// A hashtable-encoded hash: a Hashtable whose entries are element blocks (ElementBlock: slab
// blocks, malloc'd past the slab's largest class) holding one field and its value:
//
//   0  UInt8   field length, or 255: a UInt32 field length follows the two length bytes
//   1  UInt8   value length, or 255: a UInt32 value length follows (after the field's, if any)
//      [UInt32 field length] [UInt32 value length]
//      field bytes, value bytes
//
// A 16-byte field with a 3-byte value is a 21-byte request, one 24-byte slab block. HSET of an
// existing field rewrites its block in place when the new value fits the block's size class;
// otherwise it builds a new block and swaps the table's slot to it.

/// The table's view of a field block: its field bytes.
public enum FieldEntry: HashtableEntry {
    @inlinable @inline(__always)
    public static func key(of entry: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer {
        FieldBlock.field(entry)
    }
}

/// Layout of one field block.
public enum FieldBlock {
    @inlinable @inline(__always)
    static func headerSize(_ fieldLength: Int, _ valueLength: Int) -> Int {
        2 &+ (fieldLength >= 255 ? 4 : 0) &+ (valueLength >= 255 ? 4 : 0)
    }

    /// Bytes the block's contents need.
    @inlinable @inline(__always)
    public static func size(fieldLength: Int, valueLength: Int) -> Int {
        headerSize(fieldLength, valueLength) &+ fieldLength &+ valueLength
    }

    /// (field offset, field length, value length).
    @inlinable @inline(__always)
    static func layout(_ block: UnsafeRawPointer) -> (Int, Int, Int) {
        let shortField = block.load(as: UInt8.self)
        let shortValue = block.load(fromByteOffset: 1, as: UInt8.self)
        var offset = 2
        var fieldLength = Int(shortField)
        if shortField == 255 {
            fieldLength = Int(block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            offset = 6
        }
        var valueLength = Int(shortValue)
        if shortValue == 255 {
            valueLength = Int(block.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            offset &+= 4
        }
        return (offset, fieldLength, valueLength)
    }

    @inlinable @inline(__always)
    public static func field(_ block: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        let shortField = block.load(as: UInt8.self)
        if shortField != 255 {
            let offset = block.load(fromByteOffset: 1, as: UInt8.self) == 255 ? 6 : 2
            return UnsafeRawBufferPointer(start: block + offset, count: Int(shortField))
        }
        let (offset, fieldLength, _) = layout(block)
        return UnsafeRawBufferPointer(start: block + offset, count: fieldLength)
    }

    @inlinable @inline(__always)
    public static func value(_ block: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        let (offset, fieldLength, valueLength) = layout(block)
        return UnsafeRawBufferPointer(start: block + (offset &+ fieldLength), count: valueLength)
    }

    /// Bytes the block's contents occupy.
    @inlinable @inline(__always)
    public static func size(of block: UnsafeRawPointer) -> Int {
        let (offset, fieldLength, valueLength) = layout(block)
        return offset &+ fieldLength &+ valueLength
    }

    /// Writes the header and value into `block`, which holds (or is to hold) `field` at the
    /// offset the header implies; `field` may be the block's own bytes at their old offset (an
    /// in-place update whose header grew or shrank), so it is moved first, before any header
    /// byte it may overlap is written.
    @inlinable
    static func write(_ block: UnsafeMutableRawPointer, field: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let fieldLength = field.count
        let valueLength = value.count
        let offset = headerSize(fieldLength, valueLength)
        if fieldLength > 0 && field.baseAddress.unsafelyUnwrapped != UnsafeRawPointer(block + offset) {
            memmove(block + offset, field.baseAddress.unsafelyUnwrapped, fieldLength)
        }
        var at = 2
        if fieldLength >= 255 {
            block.storeBytes(of: UInt8(255), as: UInt8.self)
            block.storeBytes(of: UInt32(truncatingIfNeeded: fieldLength), toByteOffset: 2, as: UInt32.self)
            at = 6
        } else {
            block.storeBytes(of: UInt8(truncatingIfNeeded: fieldLength), as: UInt8.self)
        }
        if valueLength >= 255 {
            block.storeBytes(of: UInt8(255), toByteOffset: 1, as: UInt8.self)
            block.storeBytes(of: UInt32(truncatingIfNeeded: valueLength), toByteOffset: at, as: UInt32.self)
        } else {
            block.storeBytes(of: UInt8(truncatingIfNeeded: valueLength), toByteOffset: 1, as: UInt8.self)
        }
        if valueLength > 0 {
            memcpy(block + (offset &+ fieldLength), value.baseAddress.unsafelyUnwrapped, valueLength)
        }
    }

    @inlinable
    static func make(field: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer {
        let block = ElementBlock.allocate(size(fieldLength: field.count, valueLength: value.count))
        write(block, field: field, value: value)
        return block
    }

    @inlinable @inline(__always)
    static func destroy(_ block: UnsafeMutableRawPointer) {
        ElementBlock.free(block, size: size(of: block))
    }
}

public final class FieldTable {
    @usableFromInline let table = Hashtable<FieldEntry>()

    public init() {}

    /// A table sized up front for `capacity` fields (dictExpand before a conversion).
    public init(capacity: Int) {
        if capacity > 0 { table.resize(minimumCapacity: capacity) }
    }

    deinit {
        table.removeAll { FieldBlock.destroy($0) }
    }

    @inlinable public var count: Int { table.count }

    @inlinable
    public func contains(_ field: UnsafeRawBufferPointer) -> Bool {
        table.find(field, hash: ByteHash.hash(field)) != nil
    }

    /// The value of `field`, valid until the hash is next modified; nil when absent.
    @inlinable
    public func value(_ field: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        table.find(field, hash: ByteHash.hash(field)).map { FieldBlock.value($0) }
    }

    /// Sets `field` to `value`; returns true when the field existed (an update). `value` must not
    /// point into this table's blocks.
    @inlinable
    @discardableResult
    public func set(_ field: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
        let hash = ByteHash.hash(field)
        guard let old = table.find(field, hash: hash) else {
            table.insertNew(FieldBlock.make(field: field, value: value), hash: hash)
            return false
        }
        let oldSize = FieldBlock.size(of: old)
        let newSize = FieldBlock.size(fieldLength: field.count, valueLength: value.count)
        if ElementBlock.fitsInPlace(old, oldSize: oldSize, newSize: newSize) {
            FieldBlock.write(old, field: FieldBlock.field(old), value: value)
            return true
        }
        let new = FieldBlock.make(field: field, value: value)
        table.replace(old, with: new, hash: hash)
        ElementBlock.free(old, size: oldSize)
        return true
    }

    /// Adds a field known to be absent (conversions and copies).
    @inlinable
    public func insertNew(_ field: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        table.insertNew(FieldBlock.make(field: field, value: value), hash: ByteHash.hash(field))
    }

    /// Removes `field`; returns whether it was there. The table shrinks when it gets sparse.
    @inlinable
    @discardableResult
    public func remove(_ field: UnsafeRawBufferPointer) -> Bool {
        guard let block = table.remove(field, hash: ByteHash.hash(field)) else { return false }
        FieldBlock.destroy(block)
        return true
    }

    /// Visits every field and value in table order; `body` may not modify the hash.
    @inlinable
    public func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        table.forEach { body(FieldBlock.field($0), FieldBlock.value($0)) }
    }

    /// One SCAN step (reverse-binary cursor over buckets); returns the next cursor, 0 when done.
    @inlinable
    public func scan(_ cursor: UInt64, _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) -> UInt64 {
        table.scan(cursor) { visit(FieldBlock.field($0), FieldBlock.value($0)) }
    }

    /// Calls `body` with a random field and its value (the hash must not be empty).
    @inlinable
    public func withRandomPair<R, G: RandomNumberGenerator>(using generator: inout G,
                                                            _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> R) -> R {
        let block = table.randomEntry(using: &generator)!
        return body(FieldBlock.field(block), FieldBlock.value(block))
    }

    /// Active defragmentation: moves the blocks that live in evacuating slab pages; returns how
    /// many moved.
    public func defragment() -> Int {
        count > 0 ? table.defragmentElementBlocks { FieldBlock.size(of: $0) } : 0
    }

    /// Bytes of the table's buckets.
    public var memoryBytes: Int { table.memoryBytes }

    /// The footprint of the first `samples` field blocks and how many were measured (MEMORY USAGE).
    public func sampleBlocks(_ samples: Int) -> (bytes: Int, blocks: Int) {
        table.sampleElementBlocks(samples) { FieldBlock.size(of: $0) }
    }
}
