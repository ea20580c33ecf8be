// The slab allocator's size classes, as jemalloc's small bins: 8-byte steps up to 128 bytes, then
// four classes per doubling (160, 192, 224, 256, 320, ...), so rounding a request up wastes at most
// 25% (12.5% on average) past 128 bytes and at most 7 bytes below it. The mapping is arithmetic, not
// a table: it is a handful of instructions (one count-leading-zeros), needs no global storage whose
// lazy initializer a caller in another module would have to check on every allocation, and keeps
// `blockSize(for:)` static as callers want it.

extension SlabAllocator {
    /// Pages are this big and aligned to it, so a block's page header is `block & ~(pageSize - 1)`.
    /// 256 KiB holds 255 of the biggest blocks, so the header and the tail that no block fits in
    /// cost under 0.5% of a page, while one sparse page per class is still a small absolute slack.
    @inlinable public static var pageSize: Int { 256 << 10 }

    /// The biggest block the allocator serves; callers malloc anything larger.
    @inlinable public static var largestBlock: Int { 1024 }

    /// The smallest block: a free block holds the free list's next pointer, and keyspace records
    /// (a header plus a key) are never smaller.
    @inlinable static var smallestBlock: Int { 16 }

    /// Classes 16, 24, ..., 128 (15 of them), then four per doubling up to `largestBlock`.
    @inlinable static var linearClasses: Int { 15 }
    @inlinable static var classCount: Int { linearClasses &+ 4 &* 3 }

    /// The index of the class that `size` (0...largestBlock) rounds up to.
    @inlinable @inline(__always)
    static func classIndex(for size: Int) -> Int {
        if size <= 128 {
            // 0...16 -> 0, 17...24 -> 1, ..., 121...128 -> 14.
            let steps = (size &+ 7) &>> 3
            return steps < 2 ? 0 : steps &- 2
        }
        // For s = size - 1 in [2^g, 2^(g+1)), g >= 7, the four classes of that doubling are
        // 5, 6, 7, 8 times 2^(g-2); s >> (g - 2) is 4...7 and picks among them.
        let s = size &- 1
        let g = (Int.bitWidth &- 1) &- s.leadingZeroBitCount
        return linearClasses &+ (g &- 7) &* 4 &+ ((s &>> (g &- 2)) &- 4)
    }

    /// The block size of class `index`.
    @inlinable
    static func blockSize(ofClass index: Int) -> Int {
        if index < linearClasses { return smallestBlock &+ index &* 8 }
        let j = index &- linearClasses
        let g = 7 &+ j &>> 2
        return (5 &+ j & 3) &<< (g &- 2)
    }

    /// The size class that `size` rounds up to.
    @inlinable
    public static func blockSize(for size: Int) -> Int {
        precondition(size >= 0 && size <= largestBlock, "SlabAllocator: size out of range")
        if size <= 128 { return size <= smallestBlock ? smallestBlock : (size &+ 7) & ~7 }
        let s = size &- 1
        let step = 1 &<< ((Int.bitWidth &- 3) &- s.leadingZeroBitCount)
        return (size &+ step &- 1) & ~(step &- 1)
    }
}
