import CMemory

// Prefetching for pipelined batches, in two stages a command apart: first the bucket of a key
// two commands ahead, then — the bucket being in the cache by the time the next command comes
// round — the entries of the key one command ahead whose tag matches, so that the lookup's key
// comparison does not wait on memory either (with 100k keys, that wait was 40% of a replica's
// CPU applying its master's SETs).

extension Hashtable {
    /// Brings the bucket for `hash` toward the cache.
    @inlinable
    public func prefetch(hash: UInt64) {
        if main.size == 0 { return }
        let bits = Int(truncatingIfNeeded: hash)
        let index = bits & main.mask
        if index >= rehashIndex { apus_prefetch(main.bucket(index).base) }
        // During a rehash the key may already live in (or be about to be inserted into) the new table.
        if rehashIndex >= 0 { apus_prefetch(target.bucket(bits & target.mask).base) }
    }

    /// Brings the entries of the head bucket for `hash` whose tag matches toward the cache (the
    /// bucket itself is read: it should be cached already, from `prefetch(hash:)`).
    @inlinable
    public func prefetchEntries(hash: UInt64) {
        if main.size == 0 { return }
        let tag = HashtableBucket.tag(hash)
        let bits = Int(truncatingIfNeeded: hash)
        let index = bits & main.mask
        if index >= rehashIndex { Self.prefetchCandidates(main.bucket(index), tag) }
        if rehashIndex >= 0 { Self.prefetchCandidates(target.bucket(bits & target.mask), tag) }
    }

    @inlinable @inline(__always)
    static func prefetchCandidates(_ bucket: HashtableBucket, _ tag: UInt8) {
        var candidates = bucket.candidates(tag)
        while candidates != 0 {
            // An entry's first 32 bytes (a short key and its record header) may straddle two lines.
            let entry = bucket.entry(candidates.trailingZeroBitCount)
            apus_prefetch(entry)
            apus_prefetch(entry + 31)
            candidates &= candidates &- 1
        }
    }
}
