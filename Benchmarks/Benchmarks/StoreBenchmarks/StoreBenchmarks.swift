import Benchmark
import BenchSupport
import RESP
import Store

// The keyspace: GET and SET as their commands run them (lookup with lazy expiry, LRU touch,
// reply), and the dict's insert / find / remove / SCAN at a million keys. Fixtures are globals,
// which Swift builds lazily: each benchmark runs in its own process and builds only what it
// touches, in its `setup` hook, before measurement.

let millionKeys = KeyTable(count: 1_000_000)
/// Keys beyond the million, inserted and removed again by the insert benchmark.
let extraKeys = KeyTable(count: 1_000, first: 1_000_000)
let millionDict = makeDict(millionKeys)

/// redis-benchmark's -r 100000 keyspace, every key holding "xxx" as SET stores it.
let keyspaceKeys = KeyTable(count: 100_000)
let keyspaceOrder = ScatteredIndices(count: keyspaceKeys.count)
let millionOrder = ScatteredIndices(count: 1_000_000)
let keyspace: Database = {
    let db = Database(id: 0)
    for index in 0..<keyspaceKeys.count {
        benchmarkValue.withUnsafeBytes { _ = db.add(keyspaceKeys[index], RedisObject.encodedString($0, allowShared: true)) }
    }
    finishRehash(db.keys)
    return db
}()

/// The same keyspace with a TTL (an hour away) on every key, so lookups consult `expires` too.
let keyspaceWithTTL: Database = {
    let db = Database(id: 1)
    for index in 0..<keyspaceKeys.count {
        let entry = benchmarkValue.withUnsafeBytes { db.add(keyspaceKeys[index], RedisObject.encodedString($0, allowShared: true)) }
        db.setExpire(entry, at: 3_600_000)
    }
    finishRehash(db.keys)
    finishRehash(db.expires)
    return db
}()

/// The server's clock as the request path reads it (milliseconds), before every TTL above.
let clockNow: Int64 = 1_000

/// The allocation count per sample must equal the p90 in Thresholds/StoreBenchmarks.<name>.p90.json
/// exactly: a change either way fails `benchmark thresholds check` (an improvement too, so that
/// the file gets updated with it). The expected count is noted at each benchmark.
let exactAllocations: [BenchmarkMetric: BenchmarkThresholds] = [
    .mallocCountTotal: BenchmarkThresholds(absolute: [.p90: 0]),
]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )

    // MARK: GET / SET paths

    /// GET key (existing): lookup with lazy expiry, touch the LRU clock (lookupKeyRead), reply
    /// the value as a bulk string, write the reply out.
    func get(_ db: Database, _ benchmark: Benchmark) {
        let reply = ReplyBuffer()
        let order = keyspaceOrder
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            guard let entry = db.lookup(keyspaceKeys[order.next()], now: clockNow) else {
                benchmark.error("key missing")
                return
            }
            let object = entry.value
            object.lru = LRUClock.current
            if object.encoding == .int { reply.bulk(integer: object.integer) } else { object.withStringBytes { reply.bulk($0) } }
            reply.consume(reply.pendingBytes)
        }
    }

    Benchmark(
        "GET-existing-key",
        configuration: .init(thresholds: exactAllocations, setup: { _ = keyspace })
    ) { benchmark in
        get(keyspace, benchmark)
    }

    Benchmark(
        "GET-existing-key-with-TTL",
        configuration: .init(thresholds: exactAllocations, setup: { _ = keyspaceWithTTL })
    ) { benchmark in
        get(keyspaceWithTTL, benchmark)
    }

    /// SET key value on an existing key, as setGenericCommand: lookupKeyWrite, then store a new
    /// value object (Database.set drops the TTL), reply +OK, write it out.
    func set(_ value: [UInt8], _ benchmark: Benchmark) {
        let db = keyspace
        let reply = ReplyBuffer()
        let order = keyspaceOrder
        value.withUnsafeBytes { value in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let key = keyspaceKeys[order.next()]
                guard let entry = db.lookup(key, now: clockNow) else {
                    benchmark.error("key missing")
                    return
                }
                entry.value.lru = LRUClock.current
                db.storeString(key, value, allowSharedIntegers: true)
                reply.ok()
                reply.consume(reply.pendingBytes)
            }
            benchmark.stopMeasurement()
        }
    }

    // Overwriting a private string value rewrites its object in place: no allocation.
    Benchmark(
        "SET-existing-key-string-value",
        configuration: .init(thresholds: exactAllocations, setup: { _ = keyspace })
    ) { benchmark in
        set(benchmarkValue, benchmark)
    }

    // A value in 0..<10000 is a shared integer object: nothing to allocate.
    Benchmark(
        "SET-existing-key-shared-integer",
        configuration: .init(thresholds: exactAllocations, setup: { _ = keyspace })
    ) { benchmark in
        set(Array("42".utf8), benchmark)
    }

    // MARK: dict at a million keys

    Benchmark(
        "Dict-find-1M",
        configuration: .init(thresholds: exactAllocations, setup: { _ = millionDict })
    ) { benchmark in
        let dict = millionDict
        let order = millionOrder
        var found = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            if dict.find(millionKeys[order.next()]) != nil { found &+= 1 }
        }
        benchmark.stopMeasurement()
        if found != benchmark.scaledIterations.count { benchmark.error("missing keys") }
    }

    // 1000 new keys into the million-key dict (one allocation each: the entry, key inline), then,
    // unmeasured, removed again so every sample starts from the same million.
    Benchmark(
        "Dict-insertNew-1M",
        configuration: .init(thresholds: exactAllocations, setup: { _ = millionDict })
    ) { benchmark in
        let dict = millionDict
        let value = RedisObject.integer(1)
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            dict.insertNew(key: extraKeys[index], value: value)
        }
        benchmark.stopMeasurement()
        for index in benchmark.scaledIterations { dict.remove(extraKeys[index]) }
        if dict.count != millionKeys.count { benchmark.error("dict size drifted: \(dict.count)") }
    }

    // 1000 existing keys removed (and freed), then, unmeasured, inserted again.
    Benchmark(
        "Dict-remove-1M",
        configuration: .init(thresholds: exactAllocations, setup: { _ = millionDict })
    ) { benchmark in
        let dict = millionDict
        let value = RedisObject.integer(1)
        let first = (benchmark.currentIteration * 1_000) % (millionKeys.count - 1_000)
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            dict.remove(millionKeys[first + index])
        }
        benchmark.stopMeasurement()
        for index in benchmark.scaledIterations { dict.insertNew(key: millionKeys[first + index], value: value) }
        if dict.count != millionKeys.count { benchmark.error("dict size drifted: \(dict.count)") }
    }

    // Building the million from empty: every resize and incremental rehash step included
    // (one allocation per entry plus the bucket tables).
    Benchmark(
        "Dict-build-1M-from-empty",
        configuration: .init(
            scalingFactor: .mega, maxDuration: .seconds(10), maxIterations: 10,
            thresholds: exactAllocations, setup: { _ = millionKeys })
    ) { benchmark in
        let value = RedisObject.integer(1)
        let dict = Dict<RedisObject>()
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            dict.insertNew(key: millionKeys[index], value: value)
        }
        benchmark.stopMeasurement()
        withExtendedLifetime(dict) {}
    }

    // A full SCAN: the reverse-binary cursor from 0 back to 0 over the million keys, visiting
    // each key's bytes (the command's key filtering and reply are left out).
    Benchmark(
        "Dict-SCAN-1M-full-cursor-loop",
        configuration: .init(
            scalingFactor: .one, maxDuration: .seconds(10), maxIterations: 50,
            thresholds: exactAllocations, setup: { _ = millionDict })
    ) { benchmark in
        let dict = millionDict
        var visited = 0
        var checksum = 0
        var cursor: UInt64 = 0
        benchmark.startMeasurement()
        repeat {
            cursor = dict.scan(cursor) { entry in
                visited &+= 1
                checksum &+= entry.withKey { Int($0[15]) }
            }
        } while cursor != 0
        benchmark.stopMeasurement()
        blackHole(checksum)
        if visited < millionKeys.count { benchmark.error("SCAN visited \(visited) keys") }
    }
}
