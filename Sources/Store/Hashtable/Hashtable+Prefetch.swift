import CMemory

extension Hashtable {
    /// Brings the bucket for `hash` toward the cache, so a pipelined batch can start the next
    /// command's bucket load while the current command runs; by then the lookup hits the cache.
    @inlinable
    public func prefetch(hash: UInt64) {
        if main.size == 0 { return }
        let bits = Int(truncatingIfNeeded: hash)
        let index = bits & main.mask
        if index >= rehashIndex { apus_prefetch(main.bucket(index).base) }
        // During a rehash the key may already live in (or be about to be inserted into) the new table.
        if rehashIndex >= 0 { apus_prefetch(target.bucket(bits & target.mask).base) }
    }
}
