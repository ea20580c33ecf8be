// A hashtable-encoded set: a Hashtable whose entries are element blocks (ElementBlock: slab
// blocks, malloc'd past the slab's largest class) holding one member each:
//
//   0  UInt8   member length, or 255: a UInt32 length (unaligned) follows
//      [UInt32 member length]   when byte 0 is 255
//      member bytes
//
// A 16-byte member is a 17-byte request, one 24-byte slab block, plus its share of the table's
// buckets. Nothing on the way is a Swift object, so lookups, inserts and removals do no ARC.

/// The table's view of a member block: its member bytes.
public enum MemberEntry: HashtableEntry {
    @inlinable @inline(__always)
    public static func key(of entry: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer {
        MemberBlock.member(entry)
    }
}

/// Layout of one member block.
public enum MemberBlock {
    @inlinable @inline(__always)
    static func headerSize(_ length: Int) -> Int { length >= 255 ? 5 : 1 }

    /// Bytes the block's contents need for a member of `length` bytes.
    @inlinable @inline(__always)
    public static func size(_ length: Int) -> Int { headerSize(length) &+ length }

    @inlinable @inline(__always)
    public static func member(_ block: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        let short = block.load(as: UInt8.self)
        if short != 255 { return UnsafeRawBufferPointer(start: block + 1, count: Int(short)) }
        return UnsafeRawBufferPointer(start: block + 5, count: Int(block.loadUnaligned(fromByteOffset: 1, as: UInt32.self)))
    }

    /// Bytes the block's contents occupy.
    @inlinable @inline(__always)
    public static func size(of block: UnsafeRawPointer) -> Int { size(member(block).count) }

    @inlinable
    static func make(_ member: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer {
        let length = member.count
        let block = ElementBlock.allocate(size(length))
        var offset = 1
        if length >= 255 {
            block.storeBytes(of: UInt8(255), as: UInt8.self)
            block.storeBytes(of: UInt32(truncatingIfNeeded: length), toByteOffset: 1, as: UInt32.self)
            offset = 5
        } else {
            block.storeBytes(of: UInt8(truncatingIfNeeded: length), as: UInt8.self)
        }
        if length > 0 { (block + offset).copyMemory(from: member.baseAddress.unsafelyUnwrapped, byteCount: length) }
        return block
    }

    @inlinable @inline(__always)
    static func destroy(_ block: UnsafeMutableRawPointer) {
        ElementBlock.free(block, size: size(of: block))
    }
}

public final class MemberTable {
    @usableFromInline let table = Hashtable<MemberEntry>()

    public init() {}

    /// A table sized up front for `capacity` members (dictExpand before a conversion).
    public init(capacity: Int) {
        if capacity > 0 { table.resize(minimumCapacity: capacity) }
    }

    deinit {
        table.removeAll { MemberBlock.destroy($0) }
    }

    @inlinable public var count: Int { table.count }

    @inlinable
    public func contains(_ member: UnsafeRawBufferPointer) -> Bool {
        table.find(member, hash: ByteHash.hash(member)) != nil
    }

    /// Adds `member`; returns false when it was already there.
    @inlinable
    @discardableResult
    public func insert(_ member: UnsafeRawBufferPointer) -> Bool {
        let hash = ByteHash.hash(member)
        if table.find(member, hash: hash) != nil { return false }
        table.insertNew(MemberBlock.make(member), hash: hash)
        return true
    }

    /// Adds a member known to be absent (conversions and copies).
    @inlinable
    public func insertNew(_ member: UnsafeRawBufferPointer) {
        table.insertNew(MemberBlock.make(member), hash: ByteHash.hash(member))
    }

    /// Removes `member`; returns whether it was there. The table shrinks when it gets sparse.
    @inlinable
    @discardableResult
    public func remove(_ member: UnsafeRawBufferPointer) -> Bool {
        guard let block = table.remove(member, hash: ByteHash.hash(member)) else { return false }
        MemberBlock.destroy(block)
        return true
    }

    /// Visits every member in table order; `body` may not modify the set.
    @inlinable
    public func forEach(_ body: (UnsafeRawBufferPointer) -> Void) {
        table.forEach { body(MemberBlock.member($0)) }
    }

    /// One SCAN step (reverse-binary cursor over buckets); returns the next cursor, 0 when done.
    @inlinable
    public func scan(_ cursor: UInt64, _ visit: (UnsafeRawBufferPointer) -> Void) -> UInt64 {
        table.scan(cursor) { visit(MemberBlock.member($0)) }
    }

    /// Calls `body` with a random member (the set must not be empty).
    @inlinable
    public func withRandomMember<R, G: RandomNumberGenerator>(using generator: inout G,
                                                              _ body: (UnsafeRawBufferPointer) -> R) -> R {
        body(MemberBlock.member(table.randomEntry(using: &generator)!))
    }

    /// Active defragmentation: moves the blocks that live in evacuating slab pages; returns how
    /// many moved.
    public func defragment() -> Int {
        count > 0 ? table.defragmentElementBlocks { MemberBlock.size(of: $0) } : 0
    }

    /// Bytes of the table's buckets.
    public var memoryBytes: Int { table.memoryBytes }

    /// The footprint of the first `samples` member blocks and how many were measured (MEMORY USAGE).
    public func sampleBlocks(_ samples: Int) -> (bytes: Int, blocks: Int) {
        table.sampleElementBlocks(samples) { MemberBlock.size(of: $0) }
    }
}
