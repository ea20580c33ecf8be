// What maxmemory eviction needs from a database (evict.c over db.c): samples of its keys or of
// its keys with a TTL, a random one of either, and the deletion itself, which signals nothing —
// the server announces an evicted key as changed by no client, with its own event.

extension Database {
    /// Up to `count` records of the keyspace (`volatile`: of the keys with a TTL) into `output`.
    public func sampleRecords<G: RandomNumberGenerator>(_ count: Int, volatile: Bool,
                                                        into output: UnsafeMutablePointer<UnsafeMutableRawPointer>,
                                                        using generator: inout G) -> Int {
        guard volatile else { return table.sample(count, into: output, using: &generator) }
        let total = expires.count
        if total <= count {
            for position in 0..<total { output[position] = expires[position] }
            return total
        }
        // The index is in insertion order, not hash order: independent draws keep the sample
        // unrelated to when keys got their TTL, as a hash-ordered walk is.
        for drawn in 0..<count { output[drawn] = expires[Int.random(in: 0..<total, using: &generator)] }
        return count
    }

    /// A random key of the keyspace or of the keys with a TTL (dictGetRandomKey).
    public func randomRecord<G: RandomNumberGenerator>(volatile: Bool, using generator: inout G) -> RedisObject? {
        guard volatile else { return randomKey(using: &generator) }
        if expires.count == 0 { return nil }
        return RedisObject(record: expires[Int.random(in: 0..<expires.count, using: &generator)])
    }

    /// The key's value, expired or not, for a pool entry that may have gone (a "ghost"):
    /// `volatile` requires it to still have a TTL, as a lookup in db->expires does.
    public func evictionCandidate(_ key: UnsafeRawBufferPointer, volatile: Bool) -> RedisObject? {
        guard let object = find(key) else { return nil }
        if volatile && KeyRecord.expireTime(object.record) == nil { return nil }
        return object
    }

    /// The value's expire time (volatile-ttl's score).
    public static func expireTime(of object: RedisObject) -> Int64? { KeyRecord.expireTime(object.record) }

    /// dbSyncDelete for eviction: removes `key` and its TTL without the change signal.
    @discardableResult
    public func evict(_ key: UnsafeRawBufferPointer) -> Bool {
        let hash = ByteHash.hash(key)
        guard let record = table.remove(key, hash: hash) else { return false }
        clearExpire(record)
        KeyRecord.destroy(record, slab: slab)
        return true
    }
}
