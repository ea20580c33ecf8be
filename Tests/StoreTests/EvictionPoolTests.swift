import Testing
import TestSupport
@testable import Store

// The eviction pool (evict.c's evictionPoolPopulate and the pick in performEvictions) and the
// sampling behind it (dictGetSomeKeys).

@Suite struct EvictionPoolTests {
    private func insert(_ pool: inout EvictionPool, _ idle: UInt64, _ name: String, db: Int = 0) {
        bytes(name).withUnsafeBytes { pool.insert(idle: idle, database: db, key: $0) }
    }

    private func names(_ pool: EvictionPool) -> [String] {
        pool.entries.map { String(decoding: $0.key, as: UTF8.self) }
    }

    @Test func keepsAscendingIdleOrder() {
        var pool = EvictionPool()
        defer { pool.deallocate() }
        for (idle, name) in [(50, "c"), (10, "a"), (90, "e"), (30, "b"), (70, "d")] {
            insert(&pool, UInt64(idle), name)
        }
        #expect(names(pool) == ["a", "b", "c", "d", "e"])
        #expect(pool.entries.map(\.idle) == [10, 30, 50, 70, 90])
    }

    @Test func fullPoolDropsTheWorstAndRefusesWorseKeys() {
        var pool = EvictionPool()
        defer { pool.deallocate() }
        for index in 0..<EvictionPool.size { insert(&pool, UInt64(100 + index * 10), "k\(index)") }
        #expect(pool.count == EvictionPool.size)
        // Worse than every entry: not inserted.
        insert(&pool, 5, "cold")
        #expect(!names(pool).contains("cold"))
        // Better than the worst: the worst (k0, idle 100) falls off the left.
        insert(&pool, 105, "mid")
        #expect(pool.count == EvictionPool.size)
        #expect(names(pool).first == "mid")
        #expect(!names(pool).contains("k0"))
        // The best goes to the right end.
        insert(&pool, 10_000, "best")
        #expect(names(pool).last == "best")
    }

    @Test func takesBestFirstAndSkipsGhosts() {
        var pool = EvictionPool()
        defer { pool.deallocate() }
        insert(&pool, 1, "low", db: 0)
        insert(&pool, 2, "ghost", db: 3)
        insert(&pool, 3, "ghost2", db: 1)
        var tried: [String] = []
        let taken = pool.takeBest { db, key in
            let name = String(decoding: key, as: UTF8.self)
            tried.append("\(db):\(name)")
            return name == "low"
        }
        #expect(taken)
        #expect(tried == ["1:ghost2", "3:ghost", "0:low"])
        #expect(pool.count == 0)
        #expect(!pool.takeBest { _, _ in true })
    }

    @Test func longKeysAndReusedSlots() {
        var pool = EvictionPool()
        defer { pool.deallocate() }
        let long = String(repeating: "x", count: 1000)
        insert(&pool, 7, long)
        insert(&pool, 8, "short")
        #expect(names(pool) == [long, "short"])
        _ = pool.takeBest { _, _ in true }
        _ = pool.takeBest { _, _ in true }
        // Slots are reused for new names of any length.
        for round in 0..<3 {
            for index in 0..<40 { insert(&pool, UInt64(index * 3 + round), "r\(round)-\(index)") }
        }
        let idles = pool.entries.map(\.idle)
        #expect(idles == idles.sorted())
        #expect(pool.count == EvictionPool.size)
        #expect(names(pool).last == "r2-39")
    }

    @Test func sampleReturnsDistinctLiveRecords() {
        let db = Database(id: 0)
        for index in 0..<5000 {
            bytes("key:\(index)").withUnsafeBytes { _ = db.set($0, RedisObject.string(bytes("v"))) }
        }
        var generator = SeededGenerator(seed: 42)
        let buffer = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: 16)
        defer { buffer.deallocate() }
        var seen = Set<String>()
        for _ in 0..<200 {
            let count = db.sampleRecords(16, volatile: false, into: buffer, using: &generator)
            #expect(count == 16)
            let names = (0..<count).map { String(decoding: RedisObject(record: buffer[$0]).key, as: UTF8.self) }
            #expect(Set(names).count == count)
            seen.formUnion(names)
        }
        // Random starting buckets spread the samples over the keyspace.
        #expect(seen.count > 1500)
        #expect(seen.allSatisfy { $0.hasPrefix("key:") })
    }

    @Test func volatileSamplesOnlyKeysWithTTL() {
        let db = Database(id: 0)
        for index in 0..<200 {
            let name = bytes("key:\(index)")
            let stored = name.withUnsafeBytes { db.set($0, RedisObject.string(bytes("v"))) }
            if index % 4 == 0 { db.setExpire(stored, at: 10_000_000_000_000) }
        }
        var generator = SeededGenerator(seed: 7)
        let buffer = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: 64)
        defer { buffer.deallocate() }
        for _ in 0..<50 {
            let count = db.sampleRecords(10, volatile: true, into: buffer, using: &generator)
            #expect(count == 10)
            for index in 0..<count {
                let object = RedisObject(record: buffer[index])
                #expect(Database.expireTime(of: object) != nil)
            }
        }
        // Fewer keys with a TTL than asked: all of them.
        #expect(db.sampleRecords(64, volatile: true, into: buffer, using: &generator) == 50)
        #expect(bytes("key:4").withUnsafeBytes { db.evictionCandidate($0, volatile: true) } != nil)
        #expect(bytes("key:5").withUnsafeBytes { db.evictionCandidate($0, volatile: true) } == nil)
        #expect(bytes("key:5").withUnsafeBytes { db.evictionCandidate($0, volatile: false) } != nil)
        #expect(bytes("key:4").withUnsafeBytes { db.evict($0) })
        #expect(db.expiresCount == 49)
        #expect(db.count == 199)
    }
}
