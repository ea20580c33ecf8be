// When to resize, measured as fill: entries over slots (seven per top-level bucket).
//
// Growth at 100% fill (or 500% while DictResizePolicy forbids it: a fork shares our pages) makes
// a table of about 50%; shrinking below 13% fill (3% while resizing is discouraged) sizes the new
// table for 1.5x the remaining entries, about 30-60% full, so a table that just shrank takes many
// inserts to grow again and one that just grew takes many removals to shrink. These are
// Valkey's fill limits; the 1.5x headroom is ours.

extension Hashtable {
    @inlinable static var maxFillPercent: Int { 100 }
    @inlinable static var forcedMaxFillPercent: Int { 500 }
    @inlinable static var minFillPercent: Int { 13 }
    @inlinable static var forcedMinFillPercent: Int { 3 }
    /// Extra buckets each insert rehashes while the target table is already at its growth limit.
    @inlinable static var catchUpBuckets: Int { 16 }

    /// The power-of-two bucket count whose fill stays at most 91% with `capacity` entries.
    /// (Valkey's 5/32 instead of a division by 7: 32 / 5 / 7 = 0.914.)
    @usableFromInline
    static func bucketCount(for capacity: Int) -> Int {
        let wanted = (max(capacity, 1) * 5 - 1) / 32 + 1
        var size = 1
        while size < wanted { size <<= 1 }
        return size
    }

    @usableFromInline
    func updateThresholds() {
        let slots = HashtableBucket.slotCount
        if isRehashing {
            growAt = target.size * slots
            shrinkAt = -1
        } else {
            growAt = main.size * slots
            shrinkAt = main.size > 1 ? main.size * slots * Self.minFillPercent / 100 : -1
        }
    }

    /// Off the hot path: the insert reached `growAt`.
    @inlinable
    @inline(never)
    func expandIfNeeded() {
        if isRehashing {
            // Only after a shrink can inserts fill the target before the old table drains. Moving
            // a few more buckets per insert ends the rehash soon without the stall of finishing
            // it in one go.
            rehashSteps(Self.catchUpBuckets)
            if isRehashing { return }
        }
        let wanted = main.used + 1
        let slots = main.size * HashtableBucket.slotCount
        let limit = DictResizePolicy.allowed ? Self.maxFillPercent : Self.forcedMaxFillPercent
        if wanted * 100 > slots * limit { resize(minimumCapacity: wanted) }
    }

    /// Shrinks when sparse.
    public func shrinkIfNeeded() {
        guard !isRehashing, rehashPauses == 0, main.size > 1 else { return }
        let limit = DictResizePolicy.allowed ? Self.minFillPercent : Self.forcedMinFillPercent
        guard main.used * 100 <= main.size * HashtableBucket.slotCount * limit else { return }
        resize(minimumCapacity: main.used + main.used / 2)
    }

    /// Compaction's shrink (active defragmentation): a table left at most `fillPercent` full by
    /// mass deletion, but above the shrink limit, is resized for 1.5x its entries. Returns whether
    /// a rehash started.
    @discardableResult
    public func shrinkToFit(belowFillPercent fillPercent: Int) -> Bool {
        guard !isRehashing, rehashPauses == 0, DictResizePolicy.allowed, main.size > 1,
              main.used * 100 <= main.size * HashtableBucket.slotCount * fillPercent else { return false }
        let size = main.size
        resize(minimumCapacity: main.used + main.used / 2)
        return main.size != size || isRehashing
    }

    /// Starts moving into a table sized for `minimumCapacity` entries; only when not rehashing.
    @usableFromInline
    func resize(minimumCapacity: Int) {
        let size = Self.bucketCount(for: minimumCapacity)
        if size == main.size { return }
        let table = HashtableTable(size: size)
        if main.used == 0 {
            main.free()
            main = table
        } else {
            target = table
            rehashIndex = 0
        }
        updateThresholds()
    }
}

extension Hashtable {
    /// Sizes an empty table for `count` entries up front, as dictExpand on an RDB's RESIZEDB.
    public func reserve(_ count: Int) {
        guard main.used == 0, !isRehashing, count > main.size * HashtableBucket.slotCount else { return }
        resize(minimumCapacity: count)
    }
}
