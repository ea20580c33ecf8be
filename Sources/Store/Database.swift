import Util

// One of the numbered databases: the key → object dict, and the key → expire-time dict that
// active expiry samples (Redis's db->dict and db->expires). A TTL costs a second entry holding
// its own copy of the key.

public final class Database {
    public let id: Int
    public private(set) var keys = Dict<RedisObject>()
    public private(set) var expires = Dict<Int64>()
    /// Where the active expiry cycle resumes its scan of `expires`.
    public var expiryCursor: UInt64 = 0
    /// Running average TTL of sampled keys, for INFO keyspace's avg_ttl.
    public var averageTTL: Int64 = 0

    public init(id: Int) { self.id = id }

    @inlinable public var count: Int { keys.count }

    // MARK: expiry-aware lookup

    /// The entry for `key` unless it has expired, in which case it is deleted (lazy expiry) and
    /// `onExpire` is told, so the caller can propagate a DEL and count it.
    @inlinable
    public func lookup(_ key: UnsafeRawBufferPointer, now: Int64, expireIfNeeded: Bool = true,
                       onExpire: ([UInt8]) -> Void = { _ in }) -> DictEntry<RedisObject>? {
        guard let entry = keys.find(key) else { return nil }
        // Expired once the clock has passed the deadline, as Redis's keyIsExpired (now > when).
        if expires.count != 0, let when = expires.find(key)?.value, when < now {
            if !expireIfNeeded { return nil }
            let name = entry.key
            delete(key)
            onExpire(name)
            return nil
        }
        return entry
    }

    /// Adds or overwrites `key`. A new value clears the TTL unless `keepTTL` (SET ... KEEPTTL).
    @inlinable
    public func set(_ key: UnsafeRawBufferPointer, _ value: RedisObject, keepTTL: Bool = false) {
        if let entry = keys.find(key) {
            entry.value = value
            if !keepTTL && expires.count != 0 { expires.remove(key) }
        } else {
            keys.insertNew(key: key, value: value)
        }
    }

    /// SET's store: `value` at `key`, as the object Redis would create (shared, int, embstr or
    /// raw). When the key already holds a private string object, that object is rewritten in
    /// place if its allocation has room — nothing else references it, since replies copy bytes —
    /// so overwriting a key allocates nothing. Returns the object now stored.
    @discardableResult
    public func storeString(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer,
                            allowSharedIntegers: Bool, keepTTL: Bool = false) -> RedisObject {
        guard let entry = keys.find(key) else {
            let object = RedisObject.encodedString(value, allowShared: allowSharedIntegers)
            keys.insertNew(key: key, value: object)
            return object
        }
        if !keepTTL && expires.count != 0 { expires.remove(key) }
        let old = entry.value
        if old.type == .string && !old.isShared {
            if value.count <= 20, let integer = parseInt64(value) {
                if !(allowSharedIntegers && integer >= 0 && integer < Int64(SharedIntegers.count)) {
                    old.setInteger(integer)
                    old.lru = LRUClock.current
                    return old
                }
            } else if old.overwrite(with: value) {
                old.lru = LRUClock.current
                return old
            }
        }
        let object = RedisObject.encodedString(value, allowShared: allowSharedIntegers)
        entry.value = object
        return object
    }

    /// Adds a key known to be absent (after a lookup), returning its entry.
    @inlinable
    @discardableResult
    public func add(_ key: UnsafeRawBufferPointer, _ value: RedisObject) -> DictEntry<RedisObject> {
        keys.insertNew(key: key, value: value)
    }

    @discardableResult
    public func add(_ key: [UInt8], _ value: RedisObject) -> DictEntry<RedisObject> {
        keys.insertNew(key: key, value: value)
    }

    /// Removes `key` and its TTL; returns whether it existed.
    @inlinable
    @discardableResult
    public func delete(_ key: UnsafeRawBufferPointer) -> Bool {
        guard keys.remove(key) != nil else { return false }
        if expires.count != 0 { expires.remove(key) }
        return true
    }

    // MARK: TTLs

    @inlinable
    public func expireTime(_ key: UnsafeRawBufferPointer) -> Int64? {
        expires.count == 0 ? nil : expires.find(key)?.value
    }

    /// Sets the absolute expire time (ms) of an existing key.
    public func setExpire(_ entry: DictEntry<RedisObject>, at when: Int64) {
        entry.withKey { key in
            if let existing = expires.find(key) {
                existing.value = when
            } else {
                expires.insertNew(key: key, value: when)
            }
        }
    }

    @discardableResult
    public func removeExpire(_ key: UnsafeRawBufferPointer) -> Bool {
        expires.remove(key) != nil
    }

    /// Empties the database; returns how many keys it held.
    @discardableResult
    public func removeAll() -> Int {
        let removed = keys.count
        keys.removeAll()
        expires.removeAll()
        expiryCursor = 0
        averageTTL = 0
        return removed
    }

    /// SWAPDB: exchanges contents with another database; ids stay.
    public func swapContents(with other: Database) {
        swap(&keys, &other.keys)
        swap(&expires, &other.expires)
        swap(&expiryCursor, &other.expiryCursor)
        swap(&averageTTL, &other.averageTTL)
    }

    /// Shrinks under-used tables and moves rehashing along, as Redis's databasesCron.
    public func cronMaintenance(rehashBudgetMilliseconds: Int64, clock: () -> Int64) {
        keys.shrinkIfNeeded()
        expires.shrinkIfNeeded()
        if keys.isRehashing {
            _ = keys.rehash(milliseconds: rehashBudgetMilliseconds, clock: clock)
        } else if expires.isRehashing {
            _ = expires.rehash(milliseconds: rehashBudgetMilliseconds, clock: clock)
        }
    }
}
