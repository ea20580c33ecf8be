import Glibc

/// One power-of-two array of buckets and the child buckets hanging off it. A plain value: the
/// owning Hashtable keeps two and decides when each is allocated and freed.
@usableFromInline
struct HashtableTable {
    /// The first bucket, 64-byte aligned; nil while the table has no buckets.
    @usableFromInline var buckets: UnsafeMutableRawPointer?
    /// What calloc returned, which `buckets` rounds up to the next cache line.
    @usableFromInline var allocation: UnsafeMutableRawPointer?
    @usableFromInline var size = 0
    @usableFromInline var used = 0
    @usableFromInline var children = 0

    @inlinable init() {}

    /// calloc rather than posix_memalign + memset: glibc hands large requests fresh mmap pages
    /// that are already zero, so a table of millions of buckets costs no up-front memset (which
    /// would stall the event loop for tens of milliseconds at the resize).
    @usableFromInline
    init(size: Int) {
        let bytes = size &* HashtableBucket.byteCount
        guard let memory = calloc(1, bytes &+ HashtableBucket.byteCount) else {
            fatalError("Hashtable: out of memory for \(size) buckets")
        }
        let address = (UInt(bitPattern: memory) &+ 63) & ~63
        allocation = memory
        buckets = UnsafeMutableRawPointer(bitPattern: address)
        self.size = size
    }

    @inlinable var mask: Int { @inline(__always) get { size &- 1 } }

    @inlinable @inline(__always)
    func bucket(_ index: Int) -> HashtableBucket {
        HashtableBucket(buckets.unsafelyUnwrapped + index &* HashtableBucket.byteCount)
    }

    /// Frees the buckets, never the entries.
    @usableFromInline
    func free() {
        guard let allocation else { return }
        if children > 0 {
            for index in 0..<size {
                var next = bucket(index).child
                while let child = next {
                    next = child.child
                    child.freeChild()
                }
            }
        }
        Glibc.free(allocation)
    }

    // MARK: placing entries

    /// Stores an entry in the chain at `index`, chaining a child when every bucket is full.
    @inlinable
    mutating func place(_ entry: UnsafeMutableRawPointer, tag: UInt8, at index: Int) {
        var bucket = self.bucket(index)
        while bucket.isFull {
            if let child = bucket.child {
                bucket = child
            } else {
                bucket = addChild(to: bucket)
            }
        }
        let slot = (~bucket.presence & bucket.slotMask).trailingZeroBitCount
        bucket.fill(slot, entry, tag: tag)
        used &+= 1
    }

    /// Turns a full bucket's last slot into the link to a new child, moving its entry there, so a
    /// bucket stays one line and entries stay in the first buckets of a chain.
    @usableFromInline
    mutating func addChild(to bucket: HashtableBucket) -> HashtableBucket {
        let child = HashtableBucket.allocateChild()
        let link = HashtableBucket.linkSlot
        child.take(0, from: bucket, at: link)
        bucket.setEntry(link, child.base)
        bucket.meta |= HashtableBucket.chainedBit
        children &+= 1
        return child
    }

    // MARK: keeping chains short

    /// After `slot` of `hole` (a bucket of the chain starting at `head`) was emptied: refills it
    /// from the chain's last bucket and frees that bucket once it holds at most one entry, so
    /// every bucket but the last stays full and chains shrink as entries leave.
    @inlinable
    mutating func compact(_ head: HashtableBucket, hole: HashtableBucket, slot: Int) {
        var beforeLast = head
        guard var last = head.child else { return }
        while let next = last.child {
            beforeLast = last
            last = next
        }
        if hole.base != last.base && last.presence != 0 {
            hole.take(slot, from: last, at: last.presence.trailingZeroBitCount)
        }
        if last.presence.nonzeroBitCount <= 1 { prune(last, after: beforeLast) }
    }

    /// Frees the last bucket of a chain; its remaining entry, if any, takes the link's slot.
    @usableFromInline
    mutating func prune(_ last: HashtableBucket, after beforeLast: HashtableBucket) {
        let link = HashtableBucket.linkSlot
        beforeLast.meta &= ~HashtableBucket.chainedBit
        if last.presence != 0 {
            beforeLast.take(link, from: last, at: last.presence.trailingZeroBitCount)
        }
        last.freeChild()
        children &-= 1
    }
}
