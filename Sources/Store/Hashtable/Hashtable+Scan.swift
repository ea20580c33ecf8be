// SCAN with Redis's reverse-binary cursor over bucket indices. Incrementing the cursor from its
// high bit down visits every index of a 2^n table in an order where the indices a bucket splits
// into (growth) or merges from (shrink) are adjacent, so an entry present for the whole scan is
// returned at least once however the table resizes between calls. A bucket's child chain moves
// with it, so each step visits whole chains.

extension Hashtable {
    /// SCAN step over buckets; returns the next cursor, 0 when done. `visit` must not insert or remove.
    @inlinable
    public func scan(_ cursor: UInt64, _ visit: (UnsafeMutableRawPointer) -> Void) -> UInt64 {
        scanStep(cursor) { bucket, slot in visit(bucket.entry(slot)) }
    }

    /// The same step, but `replace` may return a new pointer for the entry (defragmentation moves
    /// records); nil keeps it.
    @inlinable
    public func scan(_ cursor: UInt64, replacing replace: (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer?) -> UInt64 {
        scanStep(cursor) { bucket, slot in
            if let moved = replace(bucket.entry(slot)) { bucket.setEntry(slot, moved) }
        }
    }

    @inlinable
    func scanStep(_ cursor: UInt64, _ body: (HashtableBucket, Int) -> Void) -> UInt64 {
        if count == 0 { return 0 }
        rehashPauses += 1
        defer { rehashPauses -= 1 }
        var v = cursor
        if !isRehashing {
            let m0 = UInt64(main.mask)
            Self.visitChain(main.bucket(Int(truncatingIfNeeded: v & m0)), body)
            v |= ~m0
            v = (v.bitReversed &+ 1).bitReversed
            return v
        }
        // The small table's bucket, then every bucket of the large one that maps to it.
        var small = main
        var large = target
        if small.size > large.size { Swift.swap(&small, &large) }
        let m0 = UInt64(small.mask)
        let m1 = UInt64(large.mask)
        Self.visitChain(small.bucket(Int(truncatingIfNeeded: v & m0)), body)
        repeat {
            Self.visitChain(large.bucket(Int(truncatingIfNeeded: v & m1)), body)
            v |= ~m1
            v = (v.bitReversed &+ 1).bitReversed
        } while v & (m0 ^ m1) != 0
        return v
    }

    @inlinable
    static func visitChain(_ head: HashtableBucket, _ body: (HashtableBucket, Int) -> Void) {
        var next: HashtableBucket? = head
        while let bucket = next {
            var present = bucket.presence
            while present != 0 {
                body(bucket, present.trailingZeroBitCount)
                present &= present &- 1
            }
            next = bucket.child
        }
    }

    /// Visits every entry; `body` may not insert or remove.
    @inlinable
    public func forEach(_ body: (UnsafeMutableRawPointer) -> Void) {
        rehashPauses += 1
        defer { rehashPauses -= 1 }
        Self.each(in: main, body)
        Self.each(in: target, body)
    }

    @inlinable
    static func each(in table: HashtableTable, _ body: (UnsafeMutableRawPointer) -> Void) {
        if table.used == 0 { return }
        for index in 0..<table.size {
            visitChain(table.bucket(index)) { bucket, slot in body(bucket.entry(slot)) }
        }
    }
}
