// Eviction's sampling, as Redis's dictGetSomeKeys: from a random bucket, walk consecutive
// buckets (in both tables while rehashing) collecting every entry of each chain, until `count`
// entries or 10 × count steps; a run of empty buckets longer than the sample (at least 5) jumps
// to a new random bucket. Cheaper than `count` independent random draws, and what the eviction
// pool's quality was tuned with.

extension Hashtable {
    /// Up to `count` distinct entries into `output` (room for `count`); returns how many.
    public func sample<G: RandomNumberGenerator>(_ count: Int, into output: UnsafeMutablePointer<UnsafeMutableRawPointer>,
                                                 using generator: inout G) -> Int {
        let wanted = Swift.min(count, self.count)
        if wanted <= 0 { return 0 }
        // Rehashing work in proportion to the sample, as dictGetSomeKeys does.
        var step = 0
        while step < wanted && rehashIndex >= 0 {
            rehashStep()
            step += 1
        }
        let tables = isRehashing ? 2 : 1
        var mask = main.mask
        if tables == 2 && target.mask > mask { mask = target.mask }
        var index = Int(truncatingIfNeeded: generator.next() & UInt64(mask))
        var emptyRun = 0
        var stored = 0
        var steps = wanted * 10
        while stored < wanted && steps > 0 {
            steps -= 1
            for which in 0..<tables {
                let table = which == 0 ? main : target
                // Below the rehash index the old table is empty: skip it, or jump past it when the
                // new (smaller) table has no such bucket either.
                if tables == 2 && which == 0 && index < rehashIndex {
                    if index >= target.size { index = rehashIndex } else { continue }
                }
                if index >= table.size { continue }
                var next: HashtableBucket? = table.bucket(index)
                if next!.presence == 0 {
                    emptyRun += 1
                    if emptyRun >= 5 && emptyRun > wanted {
                        index = Int(truncatingIfNeeded: generator.next() & UInt64(mask))
                        emptyRun = 0
                    }
                    continue
                }
                emptyRun = 0
                while let bucket = next {
                    var present = bucket.presence
                    while present != 0 {
                        output[stored] = bucket.entry(present.trailingZeroBitCount)
                        stored += 1
                        if stored == wanted { return stored }
                        present &= present &- 1
                    }
                    next = bucket.child
                }
            }
            index = (index + 1) & mask
        }
        return stored
    }
}
