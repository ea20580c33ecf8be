import Glibc

// One cache line holds everything a lookup needs before it touches an entry:
//
//     byte 0      bit 7: chained (slot 6 holds the child bucket, not an entry)
//                 bits 0-6: presence, one per slot
//     bytes 1-7   a tag per slot: the hash's top byte, which the bucket index never uses
//     bytes 8-63  seven entry pointers
//
// A miss usually costs one cache line and no key comparison: only slots whose tag matches
// (1 in 256 for a stranger) reach Entry.key(of:) and memcmp.

/// A view of one 64-byte bucket; copying it copies the address, not the bucket.
@usableFromInline
@frozen
struct HashtableBucket {
    @usableFromInline let base: UnsafeMutableRawPointer

    @inlinable @inline(__always)
    init(_ base: UnsafeMutableRawPointer) { self.base = base }

    @inlinable static var byteCount: Int { 64 }
    @inlinable static var slotCount: Int { 7 }
    /// The slot a chained bucket gives up to its child pointer.
    @inlinable static var linkSlot: Int { 6 }
    @inlinable static var chainedBit: UInt8 { 0x80 }

    @inlinable @inline(__always)
    static func tag(_ hash: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: hash &>> 56) }

    @inlinable var meta: UInt8 {
        @inline(__always) get { base.load(as: UInt8.self) }
        @inline(__always) nonmutating set { base.storeBytes(of: newValue, as: UInt8.self) }
    }

    @inlinable var presence: UInt8 { @inline(__always) get { meta & 0x7F } }
    @inlinable var isChained: Bool { @inline(__always) get { meta & HashtableBucket.chainedBit != 0 } }
    /// Slots that can hold entries.
    @inlinable var slotMask: UInt8 { @inline(__always) get { isChained ? 0x3F : 0x7F } }
    @inlinable var isFull: Bool { @inline(__always) get { presence == slotMask } }

    @inlinable var child: HashtableBucket? {
        @inline(__always) get {
            isChained ? HashtableBucket(base.load(fromByteOffset: 8 &+ 8 &* HashtableBucket.linkSlot, as: UnsafeMutableRawPointer.self)) : nil
        }
    }

    @inlinable @inline(__always)
    func entry(_ slot: Int) -> UnsafeMutableRawPointer {
        base.load(fromByteOffset: 8 &+ slot &* 8, as: UnsafeMutableRawPointer.self)
    }

    @inlinable @inline(__always)
    func setEntry(_ slot: Int, _ entry: UnsafeMutableRawPointer) {
        base.storeBytes(of: entry, toByteOffset: 8 &+ slot &* 8, as: UnsafeMutableRawPointer.self)
    }

    @inlinable @inline(__always)
    func tag(at slot: Int) -> UInt8 { base.load(fromByteOffset: 1 &+ slot, as: UInt8.self) }

    @inlinable @inline(__always)
    func fill(_ slot: Int, _ entry: UnsafeMutableRawPointer, tag: UInt8) {
        setEntry(slot, entry)
        base.storeBytes(of: tag, toByteOffset: 1 &+ slot, as: UInt8.self)
        meta |= 1 &<< UInt8(truncatingIfNeeded: slot)
    }

    @inlinable @inline(__always)
    func clear(_ slot: Int) { meta &= ~(1 &<< UInt8(truncatingIfNeeded: slot)) }

    /// Moves the entry in `slot` of `source` into the free `slot` of self.
    @inlinable
    func take(_ slot: Int, from source: HashtableBucket, at sourceSlot: Int) {
        fill(slot, source.entry(sourceSlot), tag: source.tag(at: sourceSlot))
        source.clear(sourceSlot)
    }

    /// Occupied slots whose tag is `tag`, a bit per slot. All seven tags are compared in one word
    /// instead of seven branches.
    @inlinable @inline(__always)
    func candidates(_ tag: UInt8) -> UInt8 {
        let word = UInt64(littleEndian: base.load(as: UInt64.self))
        let x = word ^ (UInt64(tag) &* 0x0101_0101_0101_0101)
        // Exact zero-byte test (no borrow crosses bytes): bit 7 of a byte ends up set iff it is 0.
        let low = UInt64(0x7F7F_7F7F_7F7F_7F7F)
        let zero = ~(((x & low) &+ low) | x | low) &>> 15
        // Bits 0, 8, ..., 48 now flag tags 0...6; the multiply gathers them into the top byte in order.
        let gathered = UInt8(truncatingIfNeeded: ((zero & 0x0001_0101_0101_0101) &* 0x0102_0408_1020_4080) &>> 56)
        return gathered & presence
    }

    /// A zeroed child bucket, cache-line aligned like the arrays so a chain step is one line too.
    @usableFromInline
    static func allocateChild() -> HashtableBucket {
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, byteCount, byteCount) == 0, let memory else {
            fatalError("Hashtable: out of memory for a child bucket")
        }
        memset(memory, 0, byteCount)
        return HashtableBucket(memory)
    }

    @usableFromInline
    func freeChild() { free(base) }
}
