// Incremental rehashing: a resize allocates the new table and each find, insert and remove then
// moves one bucket chain of the old one, so no single command pays for the whole table. The cron
// adds time-boxed batches through rehash(milliseconds:clock:).

extension Hashtable {
    @inlinable @inline(__always)
    func rehashStep() {
        if rehashPauses == 0 { rehashSteps(1) }
    }

    /// Incremental rehash: moves up to `buckets` buckets; returns true while work remains.
    @inlinable
    @discardableResult
    public func rehash(buckets: Int) -> Bool {
        if rehashPauses == 0 { rehashSteps(buckets) }
        return isRehashing
    }

    /// Rehashes in batches of 100 buckets until `milliseconds` pass (cron's active rehashing);
    /// returns buckets moved.
    @inlinable
    public func rehash(milliseconds: Int64, clock: () -> Int64) -> Int {
        guard rehashPauses == 0, isRehashing else { return 0 }
        let start = clock()
        var moved = 0
        while true {
            moved += rehashSteps(100)
            if !isRehashing || clock() - start > milliseconds { return moved }
        }
    }

    /// Moves up to `limit` bucket chains of the old table; returns how many it moved. Specialized
    /// for the entry type but kept out of line, so lookups that step a rehash stay small.
    @inlinable
    @inline(never)
    @discardableResult
    func rehashSteps(_ limit: Int) -> Int {
        var moved = 0
        while moved < limit && rehashIndex >= 0 {
            // Once the old table is empty its remaining buckets are too: no need to walk them.
            if main.used == 0 {
                completeRehash()
                break
            }
            moveBucket(rehashIndex)
            moved &+= 1
            rehashIndex &+= 1
            if rehashIndex == main.size { completeRehash() }
        }
        return moved
    }

    @inlinable
    func moveBucket(_ index: Int) {
        let head = main.bucket(index)
        // Shrinking keeps the low bits of the index, so the new index needs no hash; growing
        // needs one more bit, which only the key can tell (buckets keep just the top byte).
        let shrinking = target.size < main.size
        let narrowed = index & target.mask
        var next: HashtableBucket? = head
        while let bucket = next {
            var present = bucket.presence
            main.used &-= present.nonzeroBitCount
            while present != 0 {
                let slot = present.trailingZeroBitCount
                let entry = bucket.entry(slot)
                let destination = shrinking ? narrowed : Int(truncatingIfNeeded: ByteHash.hash(Entry.key(of: entry))) & target.mask
                target.place(entry, tag: bucket.tag(at: slot), at: destination)
                present &= present &- 1
            }
            next = bucket.child
            if bucket.base != head.base {
                bucket.freeChild()
                main.children &-= 1
            }
        }
        head.meta = 0
    }

    @usableFromInline
    func completeRehash() {
        main.free()
        main = target
        target = HashtableTable()
        rehashIndex = -1
        updateThresholds()
    }
}
