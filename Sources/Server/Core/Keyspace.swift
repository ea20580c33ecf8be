import Store

// Key lookups as commands use them: the Store's lookupRead/lookupWrite (lazy expiry, hit/miss
// counting, clock touching) on the client's database with the server's counters and clock, and
// the string-value conversions commands share.

extension Client {
    @inline(__always)
    func lookupEntry(_ key: UnsafeRawBufferPointer) -> RedisObject? {
        withDatabase { db in
            withServer { server in db.lookup(key, now: server.now, expiredCount: &server.stats.keyspace.expired) }
        }
    }

    /// The clock policy lookups touch values with.
    @inline(__always)
    var accessClock: AccessClock {
        withServer { AccessClock(usesLFU: $0.settings.usesLFU, now: $0.now) }
    }

    /// lookupKeyRead (Database.lookupRead): lazy expiry, hit/miss counting, clock touching.
    @inline(__always)
    func lookupRead(_ key: UnsafeRawBufferPointer) -> RedisObject? {
        let clock = accessClock
        let found = withDatabase { db in
            withServer { db.lookupRead(key, clock: clock, counters: &$0.stats.keyspace) }
        }
        if found == nil { notifyKeyMiss(key) }
        return found
    }

    /// lookupKeyWrite (Database.lookupWrite): lazy expiry and clock touching, no hit/miss counting.
    @inline(__always)
    func lookupWrite(_ key: UnsafeRawBufferPointer) -> RedisObject? {
        let clock = accessClock
        return withDatabase { db in
            withServer { db.lookupWrite(key, clock: clock, counters: &$0.stats.keyspace) }
        }
    }

    /// A lookup that changes nothing: no stats, no clock (OBJECT, TYPE-like inspection, SCAN filters).
    @inline(__always)
    func lookupNoTouch(_ key: UnsafeRawBufferPointer) -> RedisObject? {
        lookupEntry(key)
    }

    /// A new detached string value about to be stored, shared/int/embstr as Redis would choose.
    @inline(__always)
    func storedString(_ bytes: UnsafeRawBufferPointer) -> RedisObject {
        let object = RedisObject.encodedString(bytes, allowShared: server.settings.sharedIntegersAllowed)
        initializeClock(object)
        return object
    }

    /// SET's store (Database.storeString), then the new value's access clock.
    @inline(__always)
    func storeString(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, keepTTL: Bool = false,
                     expireAt: Int64? = nil) {
        withServer { server in
            let object = withDatabase { db in
                db.storeString(key, value, allowSharedIntegers: server.settings.sharedIntegersAllowed, keepTTL: keepTTL,
                               expireAt: expireAt)
            }
            if !object.isShared && server.settings.usesLFU { initializeClock(object) }
        }
    }

    @inline(__always)
    func storedInteger(_ value: Int64) -> RedisObject {
        let object = RedisObject.integer(value, allowShared: withServer { $0.settings.sharedIntegersAllowed })
        initializeClock(object)
        return object
    }

    /// The clock of a value rewritten in place as if it were a new object.
    @inline(__always)
    func restartClock(_ object: RedisObject) {
        if object.isShared { return }
        object.lru = LRUClock.current
        initializeClock(object)
    }

    @inline(__always)
    func initializeClock(_ object: RedisObject) {
        if object.isShared { return }
        withServer { server in
            if server.settings.usesLFU {
                object.lru = LFU.minutes(nowMilliseconds: server.now) << 8 | LFU.initialValue
            }
        }
    }

    /// Replies WRONGTYPE and returns true when `object` exists and is not of `type`.
    @inline(__always)
    func wrongType(_ object: RedisObject?, _ type: ObjectType) -> Bool {
        if let object, object.type != type {
            error(ErrorText.wrongType)
            return true
        }
        return false
    }

    /// Argument `index` as an integer, or replies Redis's error and returns nil.
    @inline(__always)
    func integerArgument(_ index: Int, error text: StaticString = ErrorText.notInteger) -> Int64? {
        if let value = parseInt64(arg(index)) { return value }
        error(text)
        return nil
    }

    /// getTimeoutFromObjectOrReply in milliseconds (CLIENT PAUSE, WAIT): a non-negative integer,
    /// or replies Redis's error and returns nil.
    func millisecondTimeoutArgument(_ index: Int) -> Int64? {
        guard let timeout = integerArgument(index, error: ErrorText.timeoutNotInteger) else { return nil }
        if timeout < 0 {
            error(ErrorText.timeoutNegative)
            return nil
        }
        return timeout
    }

    /// Deletes `key` (after lookups decided so); counts it as a change.
    @discardableResult
    func deleteKey(_ key: UnsafeRawBufferPointer) -> Bool {
        db.delete(key)
    }
}

import Util
