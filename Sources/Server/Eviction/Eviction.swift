import CEpoll
import Glibc
import Store

// maxmemory eviction, after Redis 7.0's evict.c. Before each command (when maxmemory is set)
// performEvictions compares used memory — minus the replicas' output buffers and the AOF buffer,
// which the DELs of evicted keys themselves grow — with the limit and deletes keys until enough
// memory is freed: the best candidate of the eviction pool, refilled from maxmemory-samples keys
// of every database (LRU idle time, inverse LFU counter, or nearest expire), or a random key of
// the next database in turn. Each evicted key is signalled as changed by no client, announced
// as `evicted`, counted and propagated as DEL (UNLINK with lazyfree-lazy-eviction) in a unit of
// its own. The loop stops after maxmemory-eviction-tenacity's time limit and goes on from a
// timer (evictionTimeProc) until the memory is back within the limit or nothing is left.

enum EvictionResult {
    /// Within the limit (or evicting is not safe right now).
    case ok
    /// Still over the limit; the timer goes on evicting.
    case running
    /// Over the limit and nothing can be evicted (or noeviction).
    case fail
}

final class EvictionState {
    var pool = EvictionPool()
    /// Where the random policies start their round of the databases (evict.c's static next_db).
    var nextDatabase = 0
    /// evictionTimeProc is armed.
    var timerRunning = false
    /// processCommand's verdict for the running command (server.pre_command_oom_state): scripts
    /// refuse their first memory-growing command on it, not on a state their own stack changed.
    var preCommandOOM = false
    /// The chosen key's name, copied out of the pool or the record before deleting it.
    var victim: [UInt8] = []
    var samples = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: 64)
    var sampleCapacity = 64

    init() { victim.reserveCapacity(256) }

    func samplesBuffer(_ count: Int) -> UnsafeMutablePointer<UnsafeMutableRawPointer> {
        if count > sampleCapacity {
            samples.deallocate()
            samples = .allocate(capacity: count)
            sampleCapacity = count
        }
        return samples
    }
}

extension Server {
    /// isPerformEvictions: not while a busy script lets events in, while loading, on a replica
    /// that ignores maxmemory, or while clients are paused (the dataset must stay still).
    var evictionsAllowed: Bool {
        busyScript == nil && !loadingState.isActive && !pause.isActive
            && !(replication.isReplica && settings.replicaIgnoreMaxmemory)
    }

    /// freeMemoryGetNotCountedMemory: what the replicas' output buffers and the AOF buffer hold.
    var memoryNotCountedForEviction: Int64 {
        var bytes: Int64 = 0
        for replica in replication.replicas { bytes += Int64(replica.reply.pendingBytes) }
        if aof.status != .off { bytes += Int64(aof.buffer.capacity) }
        return bytes
    }

    /// getMaxmemoryState: the bytes to free to be back within maxmemory, 0 when within.
    @inline(__always)
    func memoryToFree() -> Int64 {
        let reported = MemoryFigures.usedBytes()
        if reported <= settings.maxMemory { return 0 }
        let overhead = memoryNotCountedForEviction
        let used = reported > overhead ? reported - overhead : 0
        return used > settings.maxMemory ? used - settings.maxMemory : 0
    }

    /// evictionTimeLimitUs: maxmemory-eviction-tenacity as a time limit per call.
    var evictionTimeLimitMicroseconds: Int64 {
        let tenacity = settings.maxMemoryEvictionTenacity
        if tenacity <= 10 { return 50 * Int64(tenacity) }
        if tenacity < 100 { return Int64(500.0 * pow(1.15, Double(tenacity) - 10.0)) }
        return .max
    }

    func performEvictions() -> EvictionResult {
        guard evictionsAllowed else { return .ok }
        let toFree = memoryToFree()
        let result: EvictionResult
        if toFree == 0 {
            result = .ok
        } else if settings.evictionPolicy == .noEviction {
            result = .fail
        } else {
            result = evictKeys(toFree)
        }
        // stat_total_eviction_exceeded_time: how long memory stayed over the limit.
        if result == .ok {
            if stats.evictionExceededSince != 0 {
                stats.evictionExceededMicroseconds += apus_monotonic_us() - stats.evictionExceededSince
                stats.evictionExceededSince = 0
            }
        } else if stats.evictionExceededSince == 0 {
            stats.evictionExceededSince = apus_monotonic_us()
        }
        return result
    }

    private func evictKeys(_ toFree: Int64) -> EvictionResult {
        let limit = evictionTimeLimitMicroseconds
        let start = apus_monotonic_us()
        let threshold = settings.latencyMonitorThreshold
        var freed: Int64 = 0
        var keysFreed = 0
        var exhausted = false
        while freed < toFree {
            guard let db = chooseVictim() else {
                exhausted = true
                break
            }
            let before = MemoryFigures.usedBytes()
            let deleteStart = threshold > 0 ? apus_monotonic_us() : 0
            eviction.victim.withUnsafeBytes { key in
                _ = db.evict(key)
                // Only what the deletion freed: the DEL it propagates grows buffers not counted.
                freed += before - MemoryFigures.usedBytes()
                if threshold > 0 {
                    latency.addSampleIfNeeded("eviction-del", milliseconds: (apus_monotonic_us() - deleteStart) / 1000,
                                              threshold: threshold)
                }
                stats.evictedKeys += 1
                // Signal, `evicted` event and DEL, propagated on its own (propagatePendingCommands).
                withExecutionUnit { keyEvicted(db, key) }
            }
            keysFreed += 1
            if keysFreed % 16 == 0 {
                // With lazy freeing the memory may already be back (Apus frees synchronously, so
                // this only ends the loop early when something else freed memory meanwhile).
                if settings.lazyfreeLazyEviction && memoryToFree() == 0 { break }
                if apus_monotonic_us() - start > limit {
                    startEvictionTimer()
                    break
                }
            }
        }
        // Out of keys is a failure even after some went (cant_free); otherwise the memory is
        // within the limit or the timer goes on.
        let result: EvictionResult = exhausted ? .fail : (eviction.timerRunning ? .running : .ok)
        if threshold > 0 {
            latency.addSampleIfNeeded("eviction-cycle", milliseconds: (apus_monotonic_us() - start) / 1000,
                                      threshold: threshold)
        }
        return result
    }

    /// The next key to evict, its name in `eviction.victim`; nil when no key can go.
    private func chooseVictim() -> Database? {
        let policy = settings.evictionPolicy
        var generator = PickRandom()
        if policy.usesPool {
            while true {
                var totalKeys = 0
                for db in databases {
                    let keys = policy.allKeys ? db.count : db.expiresCount
                    if keys == 0 { continue }
                    populatePool(db, policy, &generator)
                    totalKeys += keys
                }
                if totalKeys == 0 { return nil }
                var chosen: Database?
                let found = eviction.pool.takeBest { index, key in
                    let db = databases[index]
                    guard db.evictionCandidate(key, volatile: !policy.allKeys) != nil else { return false }
                    eviction.victim.removeAll(keepingCapacity: true)
                    eviction.victim.append(contentsOf: key)
                    chosen = db
                    return true
                }
                if found { return chosen }
                // Only ghosts: sample again.
            }
        }
        for _ in 0..<databases.count {
            eviction.nextDatabase &+= 1
            let db = databases[eviction.nextDatabase % databases.count]
            if let object = db.randomRecord(volatile: !policy.allKeys, using: &generator) {
                eviction.victim.removeAll(keepingCapacity: true)
                eviction.victim.append(contentsOf: object.key)
                return db
            }
        }
        return nil
    }

    /// evictionPoolPopulate: maxmemory-samples keys of `db` scored into the pool.
    private func populatePool(_ db: Database, _ policy: EvictionPolicy, _ generator: inout PickRandom) {
        let wanted = max(1, settings.maxMemorySamples)
        let buffer = eviction.samplesBuffer(wanted)
        let count = db.sampleRecords(wanted, volatile: !policy.allKeys, into: buffer, using: &generator)
        for index in 0..<count {
            let object = RedisObject(record: buffer[index])
            let score: UInt64
            if policy.usesLRU {
                score = UInt64(LRUClock.idleMilliseconds(object.lru))
            } else if policy.usesLFU {
                score = 255 - UInt64(LFU.decayedCounter(object.lru, nowMilliseconds: now))
            } else {
                // volatile-ttl: the sooner the expire the better.
                score = UInt64.max &- UInt64(bitPattern: Database.expireTime(of: object) ?? 0)
            }
            eviction.pool.insert(idle: score, database: db.id, key: object.key)
        }
    }

    /// startEvictionTimeProc: keep evicting from the loop while memory stays over the limit.
    func startEvictionTimer() {
        if eviction.timerRunning { return }
        eviction.timerRunning = true
        scheduleEvictionTimer()
    }

    private func scheduleEvictionTimer() {
        // Redis's timer returns 0 (run again next iteration); the wheel's finest step is 1 ms.
        loop.timers.schedule(after: 1) { [unowned self] in
            if self.performEvictions() == .running {
                self.scheduleEvictionTimer()
            } else {
                self.eviction.timerRunning = false
            }
        }
    }

    /// CONFIG SET maxmemory (updateMaxmemory): warn when already over, and start evicting now
    /// rather than at the next command.
    func installEvictionConfigHooks() {
        config.onChange("maxmemory") { [unowned self] _ in
            guard self.settings.maxMemory != 0 else { return nil }
            let used = MemoryFigures.usedBytes() - self.memoryNotCountedForEviction
            if self.settings.maxMemory < used {
                self.logger.warning("WARNING: the new maxmemory value set via CONFIG SET (\(self.settings.maxMemory)) is smaller than the current memory usage (\(used)). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.")
            }
            self.startEvictionTimer()
            return nil
        }
    }
}
