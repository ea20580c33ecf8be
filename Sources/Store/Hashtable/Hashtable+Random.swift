// RANDOMKEY and sampling: a random bucket, then a random slot of it. Drawing the slot out of a
// full bucket's seven and retrying when it is empty makes every entry of an unchained bucket
// equally likely, instead of favouring entries that share their bucket with few others (which is
// what taking a random entry of a random non-empty bucket does). Entries in long chains are still
// somewhat under-drawn, and after many misses any non-empty bucket is accepted, so a sparse table
// costs a bounded number of retries.

extension Hashtable {
    @inlinable static var fairAttempts: Int { 64 }

    /// A random entry, nil when empty.
    @inlinable
    public func randomEntry<G: RandomNumberGenerator>(using generator: inout G) -> UnsafeMutableRawPointer? {
        if count == 0 { return nil }
        if rehashIndex >= 0 { rehashStep() }
        // Buckets of the old table below rehashIndex have moved out; leave them out of the draw.
        let first = max(rehashIndex, 0)
        let live = main.size - first
        let span = live + (isRehashing ? target.size : 0)
        var attempts = 0
        while true {
            let pick = Int.random(in: 0..<span, using: &generator)
            let head = pick < live ? main.bucket(first + pick) : target.bucket(pick - live)
            let length = Self.chainCount(head)
            if length == 0 { attempts += 1; continue }
            if attempts < Self.fairAttempts {
                let slot = Int.random(in: 0..<max(length, HashtableBucket.slotCount), using: &generator)
                if slot < length { return Self.entry(slot, inChain: head) }
                attempts += 1
            } else {
                return Self.entry(Int.random(in: 0..<length, using: &generator), inChain: head)
            }
        }
    }

    @inlinable
    static func chainCount(_ head: HashtableBucket) -> Int {
        var total = 0
        var next: HashtableBucket? = head
        while let bucket = next {
            total += bucket.presence.nonzeroBitCount
            next = bucket.child
        }
        return total
    }

    /// The `index`th entry of a chain, counting occupied slots in order.
    @inlinable
    static func entry(_ index: Int, inChain head: HashtableBucket) -> UnsafeMutableRawPointer {
        var remaining = index
        var bucket = head
        while true {
            var present = bucket.presence
            let here = present.nonzeroBitCount
            if remaining < here {
                while remaining > 0 {
                    present &= present &- 1
                    remaining -= 1
                }
                return bucket.entry(present.trailingZeroBitCount)
            }
            remaining -= here
            bucket = bucket.child.unsafelyUnwrapped
        }
    }
}
