import Testing
@testable import Store

@Suite struct ActiveExpiryTests {
    /// `live` keys expiring later than `now`, `due` keys already expired, `persistent` keys without TTL.
    private func database(id: Int = 0, live: Int, due: Int, persistent: Int, now: Int64) -> Database {
        let db = Database(id: id)
        func add(_ name: [UInt8], expireAt: Int64?) {
            let entry = db.add(name, RedisObject.string(name))
            if let expireAt { db.setExpire(entry, at: expireAt) }
        }
        for index in 0..<live { add(bytes("live:\(index)"), expireAt: now + 1 + Int64(index)) }
        for index in 0..<due { add(bytes("due:\(index)"), expireAt: now - 1 - Int64(index % 100)) }
        for index in 0..<persistent { add(bytes("keep:\(index)"), expireAt: nil) }
        return db
    }

    private func deleteKey(_ db: Database, _ name: [UInt8]) {
        _ = name.withUnsafeBytes { db.delete($0) }
    }

    private func names(_ db: Database, prefix: String) -> Int {
        var count = 0
        db.forEach { object in
            if object.keyBytes.starts(with: bytes(prefix)) { count += 1 }
        }
        return count
    }

    @Test func cyclesRemoveExpiredKeysAndLeaveLiveOnes() {
        let now: Int64 = 1_000_000
        let db = database(live: 500, due: 700, persistent: 300, now: now)
        var deleted: [[UInt8]: Int] = [:]
        var reported = 0
        var cycles = 0
        while names(db, prefix: "due:") > 0 && cycles < 1000 {
            let report = ActiveExpiry.cycle(databases: [db], hz: 10, now: now, clock: { 0 }) { database, name in
                #expect(database === db)
                deleted[name, default: 0] += 1
                self.deleteKey(database, name)
            }
            #expect(!report.timedOut)
            #expect(report.expired <= report.sampled)
            reported += report.expired
            cycles += 1
        }
        #expect(names(db, prefix: "due:") == 0)
        #expect(names(db, prefix: "live:") == 500)
        #expect(names(db, prefix: "keep:") == 300)
        #expect(db.expires.count == 500)
        #expect(deleted.count == 700)
        #expect(deleted.values.allSatisfy { $0 == 1 })
        #expect(deleted.keys.allSatisfy { $0.starts(with: bytes("due:")) })
        #expect(reported == 700)
        #expect(db.averageTTL > 0)
    }

    @Test func aMostlyStaleDatabaseIsCleanedInOneCycle() {
        let now: Int64 = 50_000
        let db = database(live: 0, due: 2000, persistent: 10, now: now)
        let report = ActiveExpiry.cycle(databases: [db], hz: 10, now: now, clock: { 0 }) { database, name in
            self.deleteKey(database, name)
        }
        // Every sample is all stale, so the cycle keeps going until nothing is left.
        #expect(report.expired == 2000)
        #expect(db.count == 10)
        #expect(db.expires.count == 0)
    }

    @Test func everyDatabaseIsVisited() {
        let now: Int64 = 10_000
        let dbs = (0..<4).map { database(id: $0, live: 5, due: $0 == 2 ? 0 : 50, persistent: 1, now: now) }
        var perDatabase: [Int: Int] = [:]
        let report = ActiveExpiry.cycle(databases: dbs, hz: 10, now: now, clock: { 0 }) { database, name in
            perDatabase[database.id, default: 0] += 1
            self.deleteKey(database, name)
        }
        #expect(report.expired == 150)
        #expect(perDatabase == [0: 50, 1: 50, 3: 50])
        for db in dbs { #expect(db.count == 6) }
    }

    @Test func theCycleStopsWhenItsTimeBudgetIsSpent() {
        let now: Int64 = 10_000
        let db = database(live: 0, due: 20_000, persistent: 0, now: now)
        var microseconds: Int64 = 0
        // Each clock reading is 30 ms later: the 25 ms budget at hz 10 is spent at the first check,
        // after 16 sampling loops.
        let report = ActiveExpiry.cycle(databases: [db], hz: 10, now: now, clock: { microseconds += 30_000; return microseconds }) { database, name in
            self.deleteKey(database, name)
        }
        #expect(report.timedOut)
        #expect(report.expired > 0)
        #expect(report.expired < 20_000)
        #expect(db.count == 20_000 - report.expired)
    }

    @Test func liveKeysOnlyAreSampledAndKept() {
        let now: Int64 = 10_000
        let db = database(live: 100, due: 0, persistent: 100, now: now)
        var calls = 0
        let report = ActiveExpiry.cycle(databases: [db], hz: 10, now: now, clock: { 0 }) { _, _ in calls += 1 }
        #expect(calls == 0)
        #expect(report.expired == 0)
        #expect(report.sampled > 0)
        #expect(db.count == 200)
    }

    /// Redis's activeExpireCycleTryExpire deletes only when `now > when`.
    @Test func aKeyAtItsExpireTimeIsNotDeleted() {
        let now: Int64 = 10_000
        let db = Database(id: 0)
        let entry = db.add(bytes("edge"), RedisObject.string(bytes("v")))
        db.setExpire(entry, at: now)
        var expired: [[UInt8]] = []
        _ = ActiveExpiry.cycle(databases: [db], hz: 10, now: now, clock: { 0 }) { database, name in
            expired.append(name)
            self.deleteKey(database, name)
        }
        #expect(expired.isEmpty)
        #expect(db.count == 1)
    }
}
