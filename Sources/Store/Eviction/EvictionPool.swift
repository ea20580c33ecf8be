// evict.c's eviction pool: the 16 best candidates seen so far across samples (and across
// calls), kept in ascending order of "idle" — LRU idle time, 255 minus the LFU counter, or
// ULLONG_MAX minus the expire time — so the best is on the right. A sampled key enters when
// there is room or when it beats the worst entry, which then falls off the left. Entries hold a
// copy of the key name, not the record: a key deleted since it was sampled is a ghost, found
// missing when it is picked. Key bytes live in 16 reused slots of 255 bytes (longer names in an
// array of their own), so filling the pool allocates nothing.

public struct EvictionPool {
    public static let size = 16
    static let cachedKeyBytes = 255

    @usableFromInline var idle = [UInt64](repeating: 0, count: EvictionPool.size)
    @usableFromInline var database = [Int](repeating: 0, count: EvictionPool.size)
    /// The key slot each position uses; positions move, slots stay (Redis's `cached` sds).
    @usableFromInline var slot = Array(0..<EvictionPool.size)
    /// Key length per slot, -1 for an empty position's slot.
    @usableFromInline var length = [Int](repeating: -1, count: EvictionPool.size)
    /// Names longer than the cached room, per slot.
    var overflow = [[UInt8]](repeating: [], count: EvictionPool.size)
    let storage: UnsafeMutableRawPointer

    public init() {
        storage = UnsafeMutableRawPointer.allocate(byteCount: EvictionPool.size * EvictionPool.cachedKeyBytes, alignment: 8)
    }

    /// Frees the key storage (the pool lives as long as the server; tests call this).
    public func deallocate() { storage.deallocate() }

    @inlinable func isEmpty(_ position: Int) -> Bool { length[slot[position]] < 0 }

    /// The number of occupied positions.
    public var count: Int { (0..<EvictionPool.size).filter { !isEmpty($0) }.count }

    /// evictionPoolPopulate's insertion of one sampled key.
    public mutating func insert(idle score: UInt64, database db: Int, key: UnsafeRawBufferPointer) {
        let last = EvictionPool.size - 1
        var k = 0
        while k < EvictionPool.size && !isEmpty(k) && idle[k] < score { k += 1 }
        if k == 0 && !isEmpty(last) {
            // Worse than everything in a full pool.
            return
        } else if k < EvictionPool.size && isEmpty(k) {
            // An empty position: nothing to move.
        } else if isEmpty(last) {
            // Room on the right: shift k... right; the last position's slot is reused at k.
            let free = slot[last]
            var position = last
            while position > k {
                idle[position] = idle[position - 1]
                database[position] = database[position - 1]
                slot[position] = slot[position - 1]
                position -= 1
            }
            slot[k] = free
        } else {
            // Full: insert at k-1, dropping the worst (position 0) off the left.
            k -= 1
            let dropped = slot[0]
            var position = 0
            while position < k {
                idle[position] = idle[position + 1]
                database[position] = database[position + 1]
                slot[position] = slot[position + 1]
                position += 1
            }
            slot[k] = dropped
        }
        let target = slot[k]
        if key.count > EvictionPool.cachedKeyBytes {
            overflow[target] = Array(key)
        } else {
            overflow[target].removeAll()
            if key.count > 0 {
                (storage + target * EvictionPool.cachedKeyBytes).copyMemory(from: key.baseAddress!, byteCount: key.count)
            }
        }
        length[target] = key.count
        idle[k] = score
        database[k] = db
    }

    /// Takes entries from the best down, each removed as it is tried: `pick` gets the database and
    /// key name and says whether it was taken (the key exists); false from `pick` means a ghost.
    /// Returns whether some entry was taken; false when the pool ran out.
    public mutating func takeBest(_ pick: (Int, UnsafeRawBufferPointer) -> Bool) -> Bool {
        var position = EvictionPool.size - 1
        while position >= 0 {
            defer { position -= 1 }
            if isEmpty(position) { continue }
            let target = slot[position]
            let taken = withKey(target) { pick(database[position], $0) }
            length[target] = -1
            idle[position] = 0
            if taken { return true }
        }
        return false
    }

    func withKey<R>(_ target: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let count = length[target]
        if count > EvictionPool.cachedKeyBytes { return overflow[target].withUnsafeBytes(body) }
        return body(UnsafeRawBufferPointer(start: storage + target * EvictionPool.cachedKeyBytes, count: count))
    }

    /// The entries in pool order (worst first): for tests and DEBUG output.
    public var entries: [(idle: UInt64, database: Int, key: [UInt8])] {
        (0..<EvictionPool.size).compactMap { position in
            isEmpty(position) ? nil : (idle[position], database[position], withKey(slot[position]) { Array($0) })
        }
    }
}
