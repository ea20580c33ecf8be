// Active expiry, after Redis's activeExpireCycle: each cron tick walks a slice of every
// database's expires index, deleting what is due, and keeps going while more than a tenth of the
// sampled keys were expired, within a CPU budget of 25% of a tick. This bounds both the time an
// expired key keeps its memory and the cost per tick.

public struct ActiveExpiryReport {
    public var sampled = 0
    public var expired = 0
    public var timedOut = false
}

public enum ActiveExpiry {
    /// Keys sampled per database per loop (ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP at effort 1).
    public static let keysPerLoop = 20
    /// Percentage of a tick the cycle may use (ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC).
    public static let cpuPercent: Int64 = 25
    /// Keep looping while more than this percentage of sampled keys were stale.
    public static let acceptableStalePercent = 10

    /// Runs one cycle over `databases`. `clock` gives monotonic microseconds for the budget; `now`
    /// is the wall-clock ms that TTLs are compared with. `expire` deletes a key and propagates it.
    public static func cycle(databases: [Database], hz: Int, now: Int64,
                             clock: () -> Int64,
                             expire: (Database, [UInt8]) -> Void) -> ActiveExpiryReport {
        var report = ActiveExpiryReport()
        let budget = 1_000_000 * cpuPercent / Int64(max(hz, 1)) / 100
        let start = clock()
        for database in databases where database.expiresCount > 0 {
            var iterations = 0
            while true {
                var sampled = 0
                var expired = 0
                var ttlSum: Int64 = 0
                var ttlSamples: Int64 = 0
                var due: [[UInt8]] = []
                // Walk the expires index from where the last cycle stopped; deleting swaps the
                // last entry into the freed position, so a key may wait for the next pass.
                let samples = min(keysPerLoop, database.expiresCount)
                for _ in 0..<samples {
                    if database.expiryCursor >= database.expiresCount { database.expiryCursor = 0 }
                    let (key, when) = database.expiring(at: database.expiryCursor)
                    database.expiryCursor += 1
                    sampled += 1
                    if when < now {
                        due.append([UInt8](key))
                    } else {
                        ttlSum += when - now
                        ttlSamples += 1
                    }
                }
                for key in due {
                    expire(database, key)
                    expired += 1
                }
                if ttlSamples > 0 {
                    let average = ttlSum / ttlSamples
                    database.averageTTL = database.averageTTL == 0 ? average : (database.averageTTL / 50) * 49 + average / 50
                }
                report.sampled += sampled
                report.expired += expired
                iterations += 1
                if iterations % 16 == 0 && clock() - start > budget {
                    report.timedOut = true
                    return report
                }
                if sampled == 0 || expired * 100 / sampled <= acceptableStalePercent { break }
            }
        }
        return report
    }
}
