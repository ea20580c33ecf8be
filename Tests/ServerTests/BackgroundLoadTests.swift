import Persistence
import Testing
@testable import Server

// The incremental load a replica's full sync runs: the loading state as clients see it between
// steps (-LOADING, INFO's progress, CONFIG SET of deny-loading parameters), the data once it
// ends, and its failure and cancellation.

@Suite struct BackgroundLoadTests {
    static let loadingError = "-LOADING Redis is loading the dataset in memory\r\n"

    /// A dataset of every type written as an RDB by the harness's own server, which is then left
    /// holding one other key; returns the RDB and its digest. (The harnesses have no save points,
    /// so FLUSHALL writes no file.)
    private func prepared(_ h: ServerHarness) throws -> (rdb: [UInt8], digest: [UInt8]) {
        for i in 0..<200 { h.run("SET", "key:\(i)", String(repeating: "v\(i)", count: 20)) }
        h.run("RPUSH", "list", "a", "b", "c")
        h.run("HSET", "hash", "f", "v", "g", "w")
        h.run("SADD", "set", "1", "2", "x")
        h.run("ZADD", "zset", "1", "a", "2.5", "b")
        h.run("SET", "ttl", "v", "PX", "100000")
        h.run("SELECT", "3")
        h.run("SET", "in3", "x")
        h.run("SELECT", "0")
        let digest = DatasetDigest.dataset(h.server.databases)
        let writer = RDBWriter(compression: true, checksum: true)
        try RDBFileWriter.write(h.server.databases, options: h.server.rdbSaveOptions, to: writer)
        h.run("FLUSHALL")
        h.run("SET", "old", "1")
        return (writer.buffer, digest)
    }

    private func info(_ h: ServerHarness, _ field: String) -> String? {
        let text = h.run("INFO", "persistence")
        let line = text.split(separator: "\r\n").first { $0.hasPrefix(field + ":") }
        return line.map { String($0.dropFirst(field.count + 1)) }
    }

    @Test func clientsAreAnsweredBetweenStepsAndTheDataIsThereAfterwards() throws {
        let h = try ServerHarness(["--save", ""])
        let (rdb, digest) = try prepared(h)
        let watcher = h.newClient()
        h.run("WATCH", "old", as: watcher)
        h.run("MULTI", as: watcher)
        h.run("INCR", "old", as: watcher)
        var outcome: Result<RDBLoadReport, Error>?
        var unfinishedSteps = 0
        try h.server.startIncrementalLoad(rdb, flush: true, afterStep: { unfinishedSteps += 1 }) { outcome = $0 }
        #expect(h.server.loading)
        #expect(h.run("GET", "key:1") == Self.loadingError)
        #expect(h.run("PING") == Self.loadingError, "PING has no loading flag in Redis 7.0")
        #expect(h.run("SET", "k", "v") == Self.loadingError)
        #expect(h.run("CONFIG", "SET", "appendonly", "yes") == Self.loadingError)
        #expect(h.run("CONFIG", "SET", "maxmemory-clients", "0") == "+OK\r\n")
        #expect(info(h, "loading") == "1")
        #expect(info(h, "async_loading") == "0")
        #expect(info(h, "loading_total_bytes") == String(rdb.count))
        #expect(info(h, "loading_loaded_bytes") == "0")
        #expect(info(h, "loading_loaded_perc") == "0.00")
        #expect(info(h, "loading_rdb_used_mem") == "0")
        #expect(info(h, "loading_eta_seconds") != nil)
        #expect(info(h, "loading_start_time") != nil)
        // A transaction queued before the load cannot run during it.
        #expect(h.run("EXEC", as: watcher) == "-EXECABORT Transaction discarded because of: LOADING Redis is loading the dataset in memory\r\n")
        var steps = 0
        var loaded = 0
        while outcome == nil {
            h.server.runIncrementalLoadStep(maxBytes: 512)
            steps += 1
            guard outcome == nil else { break }
            #expect(h.run("GET", "key:1") == Self.loadingError)
            let now = Int(info(h, "loading_loaded_bytes") ?? "") ?? -1
            #expect(now > loaded)
            loaded = now
            #expect(info(h, "loading_rdb_used_mem") != "0", "the used-mem AUX field comes first")
        }
        #expect(steps > 5)
        #expect(unfinishedSteps == steps - 1, "afterStep runs after every step but the last")
        let report = try #require(try outcome?.get())
        #expect(report.keysLoaded == 206)
        #expect(!h.server.loading)
        #expect(info(h, "loading") == "0")
        #expect(info(h, "loading_total_bytes") == nil)
        #expect(info(h, "rdb_last_load_keys_loaded") == "206")
        #expect(info(h, "rdb_last_load_keys_expired") == "0")
        #expect(h.run("GET", "key:1") == "$40\r\n" + String(repeating: "v1", count: 20) + "\r\n")
        #expect(h.run("EXISTS", "old") == ":0\r\n", "flushed before the load")
        #expect(DatasetDigest.dataset(h.server.databases) == digest)
        #expect(h.run("CONFIG", "SET", "appendonly", "no") == "+OK\r\n")
    }

    @Test func theLoopRunsOneStepPerIteration() throws {
        let h = try ServerHarness(["--save", ""])
        let (rdb, digest) = try prepared(h)
        h.run("CONFIG", "SET", "loading-process-events-interval-bytes", "1024")
        let timersBefore = h.server.loop.timers.count
        var outcome: Result<RDBLoadReport, Error>?
        try h.server.startIncrementalLoad(rdb, flush: true) { outcome = $0 }
        #expect(h.server.loop.timers.count == timersBefore + 1, "the first step is armed")
        var iterations = 0
        var previous = 0
        while outcome == nil && iterations < 1000 {
            h.server.armIncrementalLoadStep()  // what beforeSleep does
            h.server.armIncrementalLoadStep()  // and only once per pending step
            #expect(h.server.loop.timers.count == timersBefore + 1)
            h.server.loop.timers.advance(to: h.server.loop.timers.now)
            iterations += 1
            if outcome == nil {
                let consumed = h.server.loadingState.loadedBytes
                #expect(consumed - previous >= 1024)
                #expect(consumed < rdb.count)
                previous = consumed
            }
        }
        #expect(iterations > 3)
        #expect(iterations <= rdb.count / 1024 + 1)
        #expect(h.server.loop.timers.count == timersBefore)
        #expect(try outcome?.get().keysLoaded == 206)
        #expect(DatasetDigest.dataset(h.server.databases) == digest)
    }

    @Test func aFailedLoadFlushesWhatItLoaded() throws {
        let h = try ServerHarness(["--save", ""])
        let (rdb, _) = try prepared(h)
        var outcome: Result<RDBLoadReport, Error>?
        let cut = rdb.count * 2 / 3
        try h.server.startIncrementalLoad(Array(rdb.prefix(cut)), flush: true) { outcome = $0 }
        var steps = 0
        while outcome == nil {
            h.server.runIncrementalLoadStep(maxBytes: 256)
            steps += 1
            if outcome == nil { #expect(h.server.databases[0].count > 0 || steps < 3) }
        }
        let error = try #require(outcome.flatMap { result -> RDBDecodeError? in
            if case .failure(let error) = result { return error as? RDBDecodeError }
            return nil
        })
        #expect(error.offset <= cut)
        #expect(error.message.contains("bytes left") || error.message.hasPrefix("Unexpected end of data"))
        #expect(!h.server.loading)
        #expect(h.run("DBSIZE") == ":0\r\n")
        #expect(info(h, "rdb_last_load_keys_loaded") == "0", "only a successful load counts")
    }

    @Test func aCancelledLoadFlushesAndNeverCompletes() throws {
        let h = try ServerHarness(["--save", ""])
        let (rdb, _) = try prepared(h)
        let timersBefore = h.server.loop.timers.count
        var completed = false
        try h.server.startIncrementalLoad(rdb, flush: true) { _ in completed = true }
        h.server.runIncrementalLoadStep(maxBytes: 2048)
        #expect(h.server.databases[0].count > 0)
        h.server.cancelIncrementalLoad()
        #expect(!h.server.loading)
        #expect(h.server.loop.timers.count == timersBefore, "the armed step is cancelled")
        h.server.runIncrementalLoadStep()
        h.server.loop.timers.advance(to: h.server.loop.timers.now + 10)
        #expect(!completed)
        #expect(h.run("DBSIZE") == ":0\r\n")
        #expect(h.run("SET", "k", "v") == "+OK\r\n")
        // Another load can start afterwards.
        try h.server.startIncrementalLoad(rdb, flush: true) { _ in completed = true }
        h.server.runIncrementalLoadStep(maxBytes: .max)
        #expect(completed)
        #expect(h.run("EXISTS", "key:7") == ":1\r\n")
    }

    @Test func transactionsDuringALoadAreRefusedLikeRedis() throws {
        let h = try ServerHarness(["--save", ""])
        let (rdb, _) = try prepared(h)
        try h.server.startIncrementalLoad(rdb, flush: true) { _ in }
        // As redis-server 7.0.15 answers while it loads (checked against it).
        #expect(h.run("MULTI") == "+OK\r\n")
        #expect(h.run("SET", "a", "b") == Self.loadingError)
        #expect(h.run("EXEC") == "-EXECABORT Transaction discarded because of previous errors.\r\n")
        #expect(h.run("MULTI") == "+OK\r\n")
        #expect(h.run("SELECT", "1") == "+QUEUED\r\n")
        #expect(h.run("EXEC") == "*1\r\n+OK\r\n")
        h.server.runIncrementalLoadStep(maxBytes: .max)
        #expect(!h.server.loading)
    }

    @Test func noSaveAndNoCronWorkOnAHalfLoadedDataset() throws {
        let h = try ServerHarness(["--save", ""])
        let (rdb, _) = try prepared(h)
        var saved = 0
        h.server.persistence.snapshotWriter = { _ in saved += 1 }
        h.server.activeExpireEnabled = true
        try h.server.startIncrementalLoad(rdb, flush: true, dropExpired: false) { _ in }
        h.server.runIncrementalLoadStep(maxBytes: 64)
        // A key already past its TTL, as a replica loads them: active expiry must not run.
        let db = h.server.databases[0]
        Array("stale".utf8).withUnsafeBytes { key in
            Array("v".utf8).withUnsafeBytes { value in _ = db.storeString(key, value, allowSharedIntegers: true) }
            db.setExpire(key, at: h.server.now - 1000)
        }
        for _ in 0..<20 { h.server.cron() }
        #expect(Array("stale".utf8).withUnsafeBytes { db.find($0) } != nil, "serverCron does not run while loading")
        #expect(h.server.stats.expiredKeys == 0)
        #expect(h.server.finishShutdown(save: true, force: false, now: false))
        #expect(saved == 0, "SHUTDOWN SAVE during a load saves nothing (NOSAVE)")
        h.server.cancelIncrementalLoad()
        #expect(h.server.finishShutdown(save: true, force: false, now: false))
        #expect(saved == 1)
    }

    @Test func watchersHearOfTheFlushNotOfTheLoadedKeys() throws {
        let h = try ServerHarness(["--save", ""])
        let (rdb, _) = try prepared(h)
        let absent = h.newClient(), present = h.newClient()
        h.run("WATCH", "key:1", as: absent)
        h.run("WATCH", "old", as: present)
        try h.server.startIncrementalLoad(rdb, flush: true) { _ in }
        while h.server.loading { h.server.runIncrementalLoadStep(maxBytes: 300) }
        for client in [absent, present] {
            h.run("MULTI", as: client)
            h.run("GET", "key:1", as: client)
        }
        #expect(h.run("EXEC", as: absent) == "*1\r\n$40\r\n" + String(repeating: "v1", count: 20) + "\r\n")
        #expect(h.run("EXEC", as: present) == "*-1\r\n")
    }

    @Test func aPayloadThatIsNoRDBChangesNothing() throws {
        let h = try ServerHarness(["--save", ""])
        h.run("SET", "old", "1")
        #expect(throws: RDBDecodeError.self) {
            try h.server.startIncrementalLoad(Array("REDIS".utf8), flush: true) { _ in }
        }
        #expect(!h.server.loading)
        #expect(h.run("GET", "old") == "$1\r\n1\r\n")
    }
}
