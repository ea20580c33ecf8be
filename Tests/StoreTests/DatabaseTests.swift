import Testing
@testable import Store

@Suite struct DatabaseTests {
    private func value(_ text: String) -> RedisObject { RedisObject.string(bytes(text)) }

    private func set(_ db: Database, _ name: String, _ text: String, keepTTL: Bool = false) {
        bytes(name).withUnsafeBytes { _ = db.set($0, value(text), keepTTL: keepTTL) }
    }

    private func expire(_ db: Database, _ name: String, at when: Int64) {
        guard let entry = bytes(name).withUnsafeBytes({ db.lookup($0, now: 0) }) else {
            Issue.record("no key \(name)")
            return
        }
        db.setExpire(entry, at: when)
    }

    private func ttl(_ db: Database, _ name: String) -> Int64? {
        bytes(name).withUnsafeBytes { db.expireTime($0) }
    }

    private func get(_ db: Database, _ name: String, now: Int64, expireIfNeeded: Bool = true, expired: inout [[UInt8]]) -> [UInt8]? {
        var seen: [[UInt8]] = []
        let entry = bytes(name).withUnsafeBytes { db.lookup($0, now: now, expireIfNeeded: expireIfNeeded) { seen.append($0) } }
        expired += seen
        return entry?.stringBytes
    }

    @Test func setLookupDelete() {
        let db = Database(id: 3)
        #expect(db.id == 3)
        set(db, "a", "1")
        set(db, "b", "2")
        #expect(db.count == 2)
        set(db, "a", "one")
        #expect(db.count == 2)
        var expired: [[UInt8]] = []
        #expect(get(db, "a", now: 0, expired: &expired) == bytes("one"))
        #expect(get(db, "missing", now: 0, expired: &expired) == nil)
        #expect(bytes("a").withUnsafeBytes { db.delete($0) })
        #expect(!bytes("a").withUnsafeBytes { db.delete($0) })
        #expect(db.count == 1)
        db.add(bytes("c"), value("3"))
        #expect(db.has(bytes("c")))
        #expect(expired.isEmpty)
    }

    @Test func lazyExpiryDeletesOnLookup() {
        let db = Database(id: 0)
        set(db, "k", "v")
        set(db, "other", "w")
        expire(db, "k", at: 1000)
        #expect(ttl(db, "k") == 1000)
        #expect(db.expires.count == 1)
        var expired: [[UInt8]] = []
        #expect(get(db, "k", now: 999, expired: &expired) == bytes("v"))
        #expect(expired.isEmpty)
        #expect(get(db, "k", now: 1001, expired: &expired) == nil)
        #expect(expired == [bytes("k")])
        #expect(db.count == 1)
        #expect(db.expires.count == 0)
        #expect(ttl(db, "k") == nil)
        // Gone for good: a second lookup reports nothing new.
        #expect(get(db, "k", now: 1001, expired: &expired) == nil)
        #expect(expired.count == 1)
        #expect(get(db, "other", now: 5000, expired: &expired) == bytes("w"))
    }

    /// Redis's keyIsExpired is `now > when`: at the expire time itself the key still exists.
    @Test func keyIsStillThereAtItsExpireTime() {
        let db = Database(id: 0)
        set(db, "k", "v")
        expire(db, "k", at: 1000)
        var expired: [[UInt8]] = []
        #expect(get(db, "k", now: 1000, expired: &expired) == bytes("v"))
        #expect(expired.isEmpty)
        #expect(get(db, "k", now: 1001, expired: &expired) == nil)
    }

    @Test func lookupWithoutExpiringHidesButKeeps() {
        let db = Database(id: 0)
        set(db, "k", "v")
        expire(db, "k", at: 10)
        var expired: [[UInt8]] = []
        #expect(get(db, "k", now: 20, expireIfNeeded: false, expired: &expired) == nil)
        #expect(expired.isEmpty)
        #expect(db.count == 1)
        #expect(ttl(db, "k") == 10)
    }

    @Test func setClearsOrKeepsTheTTL() {
        let db = Database(id: 0)
        set(db, "k", "v1")
        expire(db, "k", at: 500)
        set(db, "k", "v2", keepTTL: true)
        #expect(ttl(db, "k") == 500)
        set(db, "k", "v3")
        #expect(ttl(db, "k") == nil)
        #expect(db.expires.count == 0)
        var expired: [[UInt8]] = []
        #expect(get(db, "k", now: 10_000, expired: &expired) == bytes("v3"))
        // Updating an existing expire time replaces it.
        expire(db, "k", at: 100)
        expire(db, "k", at: 200)
        #expect(ttl(db, "k") == 200)
        #expect(db.expires.count == 1)
        #expect(bytes("k").withUnsafeBytes { db.removeExpire($0) })
        #expect(!bytes("k").withUnsafeBytes { db.removeExpire($0) })
        #expect(ttl(db, "k") == nil)
    }

    @Test func deleteRemovesTheTTL() {
        let db = Database(id: 0)
        set(db, "k", "v")
        expire(db, "k", at: 100)
        #expect(bytes("k").withUnsafeBytes { db.delete($0) })
        #expect(db.expires.count == 0)
        set(db, "k", "again")
        #expect(ttl(db, "k") == nil)
    }

    @Test func removeAllAndSwap() {
        let a = Database(id: 0)
        let b = Database(id: 1)
        set(a, "x", "1")
        set(a, "y", "2")
        expire(a, "y", at: 50)
        a.expiryCursor = 7
        set(b, "z", "3")
        a.swapContents(with: b)
        #expect(a.id == 0 && b.id == 1)
        #expect(a.count == 1 && a.has(bytes("z")))
        #expect(b.count == 2 && b.has(bytes("x")))
        #expect(ttl(b, "y") == 50)
        #expect(b.expiryCursor == 7 && a.expiryCursor == 0)
        #expect(b.removeAll() == 2)
        #expect(b.count == 0)
        #expect(b.expires.count == 0)
        #expect(b.expiryCursor == 0)
    }

    @Test func cronMaintenanceShrinksAndRehashes() {
        let db = Database(id: 0)
        for index in 0..<2000 { key(index).withUnsafeBytes { _ = db.set($0, RedisObject.integer(Int64(index))) } }
        while db.table.rehash(buckets: 1000) {}
        #expect(db.table.bucketCount >= 2000 / 7)
        for index in 10..<2000 { _ = key(index).withUnsafeBytes { db.delete($0) } }
        while db.table.rehash(buckets: 1000) {}
        db.cronMaintenance(rehashBudgetMilliseconds: 1, clock: { 0 })
        #expect(!db.table.isRehashing)
        #expect(db.table.bucketCount <= 8)
        for index in 0..<10 { #expect(db.has(key(index))) }
    }
}

@Suite(.serialized) struct DatabaseHookTests {
    @Test func everyKeyspaceChangeIsSignalled() {
        let db = Database(id: 0)
        let other = Database(id: 1)
        var changed: [String] = []
        var expired: [String] = []
        db.keyChanged = { changed.append(String(decoding: $0, as: UTF8.self)) }
        other.keyChanged = { changed.append("other:" + String(decoding: $0, as: UTF8.self)) }
        db.keyExpired = { expired.append(String(decoding: $0, as: UTF8.self)) }
        func with(_ name: String, _ body: (UnsafeRawBufferPointer) -> Void) { Array(name.utf8).withUnsafeBytes(body) }
        with("q") { db.storeString($0, UnsafeRawBufferPointer(start: nil, count: 0), allowSharedIntegers: true) }
        #expect(changed.isEmpty, "nobody observes yet: nothing is signalled")
        db.observesKeyChanges = true
        other.observesKeyChanges = true
        with("a") { db.storeString($0, UnsafeRawBufferPointer(start: nil, count: 0), allowSharedIntegers: true) }
        with("a") { db.setExpire($0, at: 100) }
        with("a") { _ = db.removeExpire($0) }
        with("a") { _ = db.removeExpire($0) }  // no TTL: nothing changes
        with("b") { db.add($0, RedisObject.string(Array("x".utf8))) }
        with("b") { db.set($0, RedisObject.integer(5)) }
        with("a") { a in with("c") { c in db.rename(a, to: c, in: other) } }
        with("b") { db.setExpire($0, at: 10) }
        with("b") { _ = db.lookup($0, now: 20) }  // lazily expired: told to keyExpired instead
        with("zz") { _ = db.delete($0) }  // absent: nothing
        #expect(changed == ["a", "a", "a", "b", "b", "a", "other:c", "b"])
        #expect(expired == ["b"])
        with("e") { db.storeString($0, UnsafeRawBufferPointer(start: nil, count: 0), allowSharedIntegers: true) }
        with("e") { db.setExpire($0, at: 10) }
        with("e") { db.expire($0) }  // active expiry
        #expect(expired == ["b", "e"])
        var seenAfterDelete = true
        db.keyChanged = { key in seenAfterDelete = db.find(key) != nil }
        with("q") { _ = db.delete($0) }
        #expect(!seenAfterDelete, "a deletion is signalled once the key is gone")
    }
}

@Suite(.serialized) struct DatabaseCompactionTests {
    /// Deleting most keys leaves a table above the shrink limit but mostly empty; compaction's
    /// rehash brings it down to what the remaining keys need, and they all stay reachable.
    @Test func compactTableShrinksASparseTable() {
        let db = Database(id: 0)
        for index in 0..<50_000 {
            key(index).withUnsafeBytes { _ = db.storeString($0, $0, allowSharedIntegers: true) }
        }
        while db.table.rehash(buckets: 1000) {}
        var remaining = 50_000
        var index = 0
        // Delete until the table is about 20% full: below the 25% compaction limit, above the 13% shrink.
        while remaining * 100 > db.table.bucketCount * 7 * 20 {
            _ = key(index).withUnsafeBytes { db.delete($0) }
            remaining -= 1
            index += 1
        }
        while db.table.rehash(buckets: 1000) {}
        let before = db.table.bucketCount
        db.compactTable()
        while db.table.rehash(buckets: 1000) {}
        #expect(db.table.bucketCount < before)
        #expect(db.count == remaining)
        for survivor in index..<50_000 { #expect(db.has(key(survivor))) }
        // A table that is not sparse is left alone.
        let settled = db.table.bucketCount
        db.compactTable()
        #expect(!db.table.isRehashing && db.table.bucketCount == settled)
    }
}
