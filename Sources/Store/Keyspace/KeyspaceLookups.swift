// The lookups commands make, after Redis's db.c lookupKeyRead/lookupKeyWrite: lazy expiry, hit and
// miss counting, and touching the value's access clock. They live with the keyspace and need no
// client, so EXEC, scripts, AOF loading and a replica link can look keys up the same way.

/// What lookups count: INFO stats' keyspace_hits, keyspace_misses and expired_keys.
public struct KeyspaceCounters {
    public var hits: Int64 = 0
    public var misses: Int64 = 0
    public var expired: Int64 = 0

    public init() {}
}

/// How a lookup touches a value's clock, from maxmemory-policy.
public struct AccessClock {
    public var usesLFU: Bool
    /// The cached wall clock in ms (LFU counts minutes).
    public var now: Int64

    @inlinable public init(usesLFU: Bool, now: Int64) {
        self.usesLFU = usesLFU
        self.now = now
    }

    /// Refreshes `object`'s clock: LRU seconds, or LFU minutes and a logarithmic counter. Shared
    /// integers are touched too, as Redis's lookupKey does: their clock is the last access to any
    /// key holding that value.
    @inlinable
    public func touch(_ object: RedisObject) {
        if usesLFU {
            let counter = LFU.decayedCounter(object.lru, nowMilliseconds: now)
            object.lru = LFU.minutes(nowMilliseconds: now) << 8 | LFU.incremented(counter)
        } else {
            object.lru = LRUClock.current
        }
    }
}

extension Database {
    /// lookupKeyRead: a live value (expired ones are deleted and counted), counted as a hit or a
    /// miss, its clock touched.
    @inlinable
    public func lookupRead(_ key: UnsafeRawBufferPointer, clock: AccessClock,
                           counters: inout KeyspaceCounters) -> RedisObject? {
        guard let object = lookup(key, now: clock.now, expiredCount: &counters.expired) else {
            counters.misses &+= 1
            return nil
        }
        counters.hits &+= 1
        clock.touch(object)
        return object
    }

    /// lookupKeyWrite: a live value, its clock touched, without hit/miss counting.
    @inlinable
    public func lookupWrite(_ key: UnsafeRawBufferPointer, clock: AccessClock,
                            counters: inout KeyspaceCounters) -> RedisObject? {
        guard let object = lookup(key, now: clock.now, expiredCount: &counters.expired) else { return nil }
        clock.touch(object)
        return object
    }
}
