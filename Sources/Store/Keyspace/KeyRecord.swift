import CMemory
import Glibc

// One key of the keyspace as one block of the record slab: the key, its metadata and, when small
// enough, its value, together. A lookup touches one bucket and one record; nothing on the way is
// a Swift object, so the keyspace path does no reference counting.
//
//   0  UInt32  meta: LRU/LFU clock (bits 0-23), encoding (24-27), type (28-31)
//   4  UInt8   flags (RecordFlags)
//   5  UInt8   key length, or 255: a UInt32 length follows the fixed part
//   6  UInt16  length of an inline string value
//   8  [Int64 expire time (ms), UInt32 position in the expires index]   when .expireSlot
//      [UInt32 key length]                                               when .longKey
//      key bytes
//      value: inline string bytes | Int64 | pointer (external string or collection)
//
// A record is sized for its value: a 3-byte string takes 3 bytes, not the 8 an integer or a
// pointer would, because at 1M keys those bytes decide the size class. So a value can turn into
// an integer or a pointer in place only when its block has a word of room (RedisObject.hasWordRoom);
// otherwise the Database stores a new record. A record moves (and the dict slot and expires
// index follow it) only then, when it gains an expire slot, when SET stores a value that does
// not fit, or when defragmentation compacts its page.

public struct RecordFlags: OptionSet {
    public let rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Value kind, two bits.
    @inlinable public static var kindMask: RecordFlags { RecordFlags(rawValue: 0b11) }
    /// OBJECT REFCOUNT reports Redis's OBJ_SHARED_REFCOUNT: an integer 0..9999 Redis would share.
    @inlinable public static var sharedInteger: RecordFlags { RecordFlags(rawValue: 1 << 2) }
    /// The 12 bytes for an expire time and the expires-index position are present.
    @inlinable public static var expireSlot: RecordFlags { RecordFlags(rawValue: 1 << 3) }
    /// The key has a TTL (the slot is in use).
    @inlinable public static var hasExpire: RecordFlags { RecordFlags(rawValue: 1 << 4) }
    /// The key is 255 bytes or longer: its length is a UInt32 after the fixed part.
    @inlinable public static var longKey: RecordFlags { RecordFlags(rawValue: 1 << 5) }
    /// The record is bigger than the slab's largest block and was malloc'd (a long key).
    @inlinable public static var mallocked: RecordFlags { RecordFlags(rawValue: 1 << 6) }
}

/// How a record holds its value.
public enum ValueKind: UInt8 {
    /// String bytes inside the record.
    case inline = 0
    /// A 64-bit integer inside the record (int encoding).
    case integer = 1
    /// A pointer to an ExternalString buffer (strings too big to inline).
    case external = 2
    /// A retained pointer to the collection's Swift object (listpack, quicklist, intset, …).
    case collection = 3
}

public enum KeyRecord {
    @inlinable public static var fixedSize: Int { 8 }
    @inlinable public static var expireSlotSize: Int { 12 }
    /// The value area an integer or a pointer needs.
    @inlinable public static var wordSize: Int { 8 }
    /// Strings up to this many bytes live inside the record. Chosen by measurement: a 100-byte
    /// value inline costs one 128/160-byte block instead of a 32-byte record plus a malloc'd
    /// 120-byte buffer with its chunk header; beyond a few hundred bytes the record would no
    /// longer be a small, densely packed block.
    @inlinable public static var inlineStringLimit: Int { 256 }

    // MARK: layout

    @inlinable @inline(__always)
    static func flags(_ r: UnsafeRawPointer) -> RecordFlags {
        RecordFlags(rawValue: r.load(fromByteOffset: 4, as: UInt8.self))
    }

    @inlinable @inline(__always)
    static func setFlags(_ r: UnsafeMutableRawPointer, _ flags: RecordFlags) {
        r.storeBytes(of: flags.rawValue, toByteOffset: 4, as: UInt8.self)
    }

    @inlinable @inline(__always)
    static func keyOffset(_ flags: RecordFlags) -> Int {
        var offset = fixedSize
        if flags.contains(.expireSlot) { offset &+= expireSlotSize }
        if flags.contains(.longKey) { offset &+= 4 }
        return offset
    }

    @inlinable @inline(__always)
    static func keyLength(_ r: UnsafeRawPointer, _ flags: RecordFlags) -> Int {
        if flags.contains(.longKey) {
            let at = flags.contains(.expireSlot) ? fixedSize &+ expireSlotSize : fixedSize
            return Int(r.loadUnaligned(fromByteOffset: at, as: UInt32.self))
        }
        return Int(r.load(fromByteOffset: 5, as: UInt8.self))
    }

    @inlinable @inline(__always)
    public static func key(_ r: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        let f = flags(r)
        return UnsafeRawBufferPointer(start: r + keyOffset(f), count: keyLength(r, f))
    }

    @inlinable @inline(__always)
    static func valueOffset(_ r: UnsafeRawPointer) -> Int {
        let f = flags(r)
        return keyOffset(f) &+ keyLength(r, f)
    }

    /// Bytes a record needs for a key of `keyLength` and a value area of `valueLength`.
    @inlinable @inline(__always)
    public static func size(keyLength: Int, valueLength: Int, expireSlot: Bool) -> Int {
        var size = fixedSize &+ keyLength &+ valueLength
        if expireSlot { size &+= expireSlotSize }
        if keyLength >= 255 { size &+= 4 }
        return size
    }

    /// Carves a record from the slab and writes its header and key; the value is the caller's.
    @inlinable
    static func allocate(key: UnsafeRawBufferPointer, valueLength: Int, expireSlot: Bool,
                         slab: SlabAllocator) -> UnsafeMutableRawPointer {
        let size = size(keyLength: key.count, valueLength: valueLength, expireSlot: expireSlot)
        var flags: RecordFlags = []
        let r: UnsafeMutableRawPointer
        if size <= SlabAllocator.largestBlock {
            r = slab.allocate(size)
        } else {
            r = malloc(size)!
            flags.insert(.mallocked)
        }
        if expireSlot { flags.insert(.expireSlot) }
        if key.count >= 255 {
            flags.insert(.longKey)
            r.storeBytes(of: UInt8(255), toByteOffset: 5, as: UInt8.self)
            r.storeBytes(of: UInt32(truncatingIfNeeded: key.count),
                         toByteOffset: expireSlot ? fixedSize + expireSlotSize : fixedSize, as: UInt32.self)
        } else {
            r.storeBytes(of: UInt8(truncatingIfNeeded: key.count), toByteOffset: 5, as: UInt8.self)
        }
        r.storeBytes(of: UInt32(0), toByteOffset: 0, as: UInt32.self)
        r.storeBytes(of: UInt16(0), toByteOffset: 6, as: UInt16.self)
        setFlags(r, flags)
        if key.count > 0 { (r + keyOffset(flags)).copyMemory(from: key.baseAddress!, byteCount: key.count) }
        return r
    }

    /// Bytes available for the value in this record's block.
    @inlinable @inline(__always)
    static func valueCapacity(_ r: UnsafeRawPointer) -> Int {
        capacity(r) &- valueOffset(r)
    }

    /// The record's block size.
    @inlinable @inline(__always)
    public static func capacity(_ r: UnsafeRawPointer) -> Int {
        if flags(r).contains(.mallocked) { return malloc_usable_size(UnsafeMutableRawPointer(mutating: r)) }
        return SlabAllocator.capacity(of: r)
    }

    /// Returns the record's block (not what its value owns) to where it came from.
    @inlinable @inline(__always)
    static func freeBlock(_ r: UnsafeMutableRawPointer, slab: SlabAllocator) {
        if flags(r).contains(.mallocked) { free(r) } else { slab.deallocate(r) }
    }

    /// Whether defragmentation should move the record (malloc'd records stay where they are).
    @inlinable
    static func shouldMove(_ r: UnsafeMutableRawPointer, slab: SlabAllocator) -> Bool {
        !flags(r).contains(.mallocked) && slab.shouldMove(r)
    }

    // MARK: expire slot

    @inlinable @inline(__always)
    static func expireTime(_ r: UnsafeRawPointer) -> Int64? {
        flags(r).contains(.hasExpire) ? r.loadUnaligned(fromByteOffset: fixedSize, as: Int64.self) : nil
    }

    @inlinable @inline(__always)
    static func storeExpireTime(_ r: UnsafeMutableRawPointer, _ when: Int64) {
        r.storeBytes(of: when, toByteOffset: fixedSize, as: Int64.self)
    }

    @inlinable @inline(__always)
    static func expiresPosition(_ r: UnsafeRawPointer) -> Int {
        Int(r.loadUnaligned(fromByteOffset: fixedSize + 8, as: UInt32.self))
    }

    @inlinable @inline(__always)
    static func setExpiresPosition(_ r: UnsafeMutableRawPointer, _ position: Int) {
        r.storeBytes(of: UInt32(truncatingIfNeeded: position), toByteOffset: fixedSize + 8, as: UInt32.self)
    }

    // MARK: value release

    /// Frees what the value owns outside the record (external string, collection reference).
    @inlinable
    static func releaseValue(_ r: UnsafeMutableRawPointer) {
        let object = RedisObject(record: r)
        switch object.kind {
        case .external: ExternalString.free(object.pointerValue)
        case .collection: Unmanaged<AnyObject>.fromOpaque(object.pointerValue).release()
        case .inline, .integer: break
        }
    }

    /// Frees the value and the record's block.
    @inlinable
    static func destroy(_ r: UnsafeMutableRawPointer, slab: SlabAllocator) {
        releaseValue(r)
        freeBlock(r, slab: slab)
    }

    /// A copy of `source` under a new key (or the same key with an expire slot): header, value
    /// bytes and value ownership move to the new record; the source block is not freed.
    @inlinable
    static func relocate(_ source: UnsafeMutableRawPointer, key: UnsafeRawBufferPointer, expireSlot: Bool,
                         slab: SlabAllocator) -> UnsafeMutableRawPointer {
        let old = RedisObject(record: source)
        let valueLength = old.kind == .inline ? old.inlineLength : 8
        let r = allocate(key: key, valueLength: valueLength, expireSlot: expireSlot, slab: slab)
        r.storeBytes(of: source.load(as: UInt32.self), as: UInt32.self)
        r.storeBytes(of: source.load(fromByteOffset: 6, as: UInt16.self), toByteOffset: 6, as: UInt16.self)
        let carried = flags(source).intersection([.kindMask, .sharedInteger])
        setFlags(r, flags(r).union(carried))
        (r + valueOffset(r)).copyMemory(from: source + valueOffset(source), byteCount: valueLength)
        return r
    }
}

/// The keyspace table's view of a record: its key.
public enum KeyRecordEntry: HashtableEntry {
    @inlinable @inline(__always)
    public static func key(of entry: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer {
        KeyRecord.key(entry)
    }
}

/// Where records and temporary values come from: one slab for the whole process, since the
/// server is one thread and memory figures are process-wide.
public enum RecordSlab {
    public static let shared = SlabAllocator()
}
