import Util

// One of the numbered databases, after Redis's db.c: the keyspace table of records and the
// expires index that active expiry walks. Every keyspace change goes through these methods, so
// they alone decide when a record moves; nothing here needs a client, so commands, loading and
// a replica link can all use it.

public enum ExpiryMode: UInt8 {
    case delete
    case hide
    case keep
}

public final class Database {
    public let id: Int
    /// A `let`, so calls on it borrow the reference: no retain/release per lookup.
    @usableFromInline let table = Hashtable<KeyRecordEntry>()
    @usableFromInline var expires = ExpiresIndex()
    @usableFromInline let slab = RecordSlab.shared
    /// Where the active expiry cycle resumes its walk of the expires index.
    public var expiryCursor = 0
    /// Running average TTL of sampled keys, for INFO keyspace's avg_ttl.
    public var averageTTL: Int64 = 0
    /// What a lookup does with a key whose TTL has passed: delete it (a master), or report it
    /// missing but keep it (CLIENT PAUSE, a replica), or — for a replica applying its master's
    /// stream — treat it as present until the master's DEL.
    public var expiryMode = ExpiryMode.delete

    /// Called after every change this type makes to a key (stored, overwritten, deleted,
    /// expired, renamed, TTL set or cleared) with that key: where WATCH, client tracking and
    /// keyspace events attach. Values changed in place by commands (HSET into an existing hash)
    /// are signalled by those commands through `signalModified`.
    /// Called only while `observesKeyChanges` (someone WATCHes or tracks keys), so a write pays
    /// one test otherwise. A deleted key is signalled once it is gone from the table.
    public var keyChanged: ((UnsafeRawBufferPointer) -> Void)?
    public var observesKeyChanges = false
    /// Called (instead of `keyChanged`) when a key is deleted because its TTL passed, lazily or by
    /// active expiry: where the `expired` event, the propagated DEL and the change signal attach.
    public var keyExpired: ((UnsafeRawBufferPointer) -> Void)?
    /// Called when a key is created (Redis's dbAdd: SET of a new key, a pushed-to new list, a
    /// RENAME/MOVE/COPY destination), before the command's own event: where the `new` keyspace
    /// event attaches. Nil unless that event is enabled, so a write pays one test.
    public var keyAdded: ((UnsafeRawBufferPointer) -> Void)?

    public init(id: Int) { self.id = id }

    /// Tells the observer that `key` changed.
    @inlinable @inline(__always)
    public func signalModified(_ key: UnsafeRawBufferPointer) {
        if observesKeyChanges, let keyChanged { keyChanged(key) }
    }

    deinit { removeAll() }

    @inlinable public var count: Int { table.count }

    /// Pre-sizes an empty keyspace for `count` keys (loading an RDB file's RESIZEDB).
    public func reserve(_ count: Int) { table.reserve(count) }
    /// Keys with a TTL (INFO keyspace's expires=).
    @inlinable public var expiresCount: Int { expires.count }
    /// Bytes of the keyspace table's buckets and of the expires index (MEMORY STATS overheads).
    public var tableBytes: Int { table.memoryBytes }
    public var expiresBytes: Int { expires.memoryBytes }
    public var isRehashing: Bool { table.isRehashing }

    // MARK: lookup

    /// The value at `key`, expired or not.
    @inlinable
    public func find(_ key: UnsafeRawBufferPointer) -> RedisObject? {
        table.find(key, hash: ByteHash.hash(key)).map(RedisObject.init(record:))
    }

    /// The value at `key` unless it has expired, in which case it is deleted (lazy expiry) and
    /// `onExpire` is told, so the caller can propagate a DEL and count it.
    @inlinable
    public func lookup(_ key: UnsafeRawBufferPointer, now: Int64, expireIfNeeded: Bool = true,
                       onExpire: ([UInt8]) -> Void = { _ in }) -> RedisObject? {
        let hash = ByteHash.hash(key)
        guard let record = table.find(key, hash: hash) else { return nil }
        // Expired once the clock has passed the deadline, as Redis's keyIsExpired (now > when).
        if let when = KeyRecord.expireTime(record), when < now {
            if expiryMode != .delete { return expiryMode == .keep ? RedisObject(record: record) : nil }
            if !expireIfNeeded { return nil }
            let name = [UInt8](key)
            expire(record, hash: hash)
            onExpire(name)
            return nil
        }
        return RedisObject(record: record)
    }

    /// `lookup` for the request path: an expired key found on the way is deleted and counted in
    /// `expiredCount`, with no closure.
    @inlinable
    public func lookup(_ key: UnsafeRawBufferPointer, now: Int64, expiredCount: inout Int64) -> RedisObject? {
        let hash = ByteHash.hash(key)
        guard let record = table.find(key, hash: hash) else { return nil }
        if let when = KeyRecord.expireTime(record), when < now {
            if expiryMode != .delete { return expiryMode == .keep ? RedisObject(record: record) : nil }
            expire(record, hash: hash)
            expiredCount &+= 1
            return nil
        }
        return RedisObject(record: record)
    }

    /// Brings the table bucket for `key` toward the cache, for a command two ahead in a pipeline.
    @inlinable
    public func prefetch(_ key: UnsafeRawBufferPointer) {
        table.prefetch(hash: ByteHash.hash(key))
    }

    /// Brings the entries that may be `key`'s toward the cache, for the next command of a
    /// pipeline (its bucket was prefetched a command earlier).
    @inlinable
    public func prefetchEntries(_ key: UnsafeRawBufferPointer) {
        table.prefetchEntries(hash: ByteHash.hash(key))
    }

    // MARK: writes

    /// SET's store: `value` at `key`, as the value Redis would create (shared, int, embstr or
    /// raw). An existing string's record is rewritten in place when the value fits, so
    /// overwriting a key allocates nothing. A new value clears the TTL unless `keepTTL`.
    @inlinable
    @discardableResult
    public func storeString(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer,
                            allowSharedIntegers: Bool, keepTTL: Bool = false, expireAt: Int64? = nil) -> RedisObject {
        let stored = store(key, value, allowSharedIntegers: allowSharedIntegers, keepTTL: keepTTL, expireAt: expireAt)
        signalModified(key)
        return stored
    }

    @inlinable
    func store(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer,
               allowSharedIntegers: Bool, keepTTL: Bool, expireAt: Int64?) -> RedisObject {
        let hash = ByteHash.hash(key)
        guard let record = table.find(key, hash: hash) else {
            // SET ... EX on a new key: the record is made with its expire slot, so it never moves.
            let created = Database.stringRecord(key, value, allowSharedIntegers: allowSharedIntegers,
                                                expireSlot: expireAt != nil, slab: slab)
            table.insertNew(created, hash: hash)
            if let expireAt { attachExpire(created, expireAt) }
            if let keyAdded { keyAdded(key) }
            return RedisObject(record: created)
        }
        if let expireAt {
            _ = store(key, value, allowSharedIntegers: allowSharedIntegers, keepTTL: true, expireAt: nil)
            setExpire(key, at: expireAt)
            return find(key)!
        }
        if !keepTTL { clearExpire(record) }
        let old = RedisObject(record: record)
        if old.type == .string {
            if value.count <= 20, let integer = parseInt64(value) {
                if old.hasWordRoom {
                    old.setInteger(integer, shared: allowSharedIntegers && SharedIntegers.contains(integer))
                    Database.freshClock(old)
                    return old
                }
            } else if old.overwrite(with: value) {
                Database.freshClock(old)
                return old
            }
        }
        let detached = RedisObject(record: Database.stringRecord(
            UnsafeRawBufferPointer(start: nil, count: 0), value, allowSharedIntegers: allowSharedIntegers, slab: slab))
        return replace(record, hash: hash, key: key, with: detached, keepTTL: true)
    }

    /// A new record holding `key` and the string value SET would store.
    @inlinable
    static func stringRecord(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer,
                             allowSharedIntegers: Bool, expireSlot: Bool = false,
                             slab: SlabAllocator) -> UnsafeMutableRawPointer {
        if value.count <= 20, let integer = parseInt64(value) {
            let record = KeyRecord.allocate(key: key, valueLength: 8, expireSlot: expireSlot, slab: slab)
            let object = RedisObject(record: record)
            object.setTypeAndEncoding(.string, .int)
            object.setInteger(integer, shared: allowSharedIntegers && SharedIntegers.contains(integer))
            freshClock(object)
            return record
        }
        let inline = value.count <= KeyRecord.inlineStringLimit
        let record = KeyRecord.allocate(key: key, valueLength: inline ? value.count : 8, expireSlot: expireSlot, slab: slab)
        let object = RedisObject(record: record)
        object.setTypeAndEncoding(.string, value.count <= RedisObject.embstrLimit ? .embstr : .raw)
        object.storeBytes(value, room: value.count)
        freshClock(object)
        return record
    }

    /// A stored value's clock starts now; a shared integer keeps the shared object's clock.
    @inlinable @inline(__always)
    static func freshClock(_ object: RedisObject) {
        if !object.isShared { object.meta = (object.meta & 0xFF00_0000) | LRUClock.current }
    }

    /// Stores the detached `value` at `key`, which must be absent; returns the stored value
    /// (the detached handle is gone).
    @discardableResult
    public func add(_ key: UnsafeRawBufferPointer, _ value: RedisObject) -> RedisObject {
        let record = KeyRecord.relocate(value.record, key: key, expireSlot: false, slab: slab)
        KeyRecord.freeBlock(value.record, slab: slab)
        table.insertNew(record, hash: ByteHash.hash(key))
        signalModified(key)
        if let keyAdded { keyAdded(key) }
        return RedisObject(record: record)
    }

    @discardableResult
    public func add(_ key: [UInt8], _ value: RedisObject) -> RedisObject {
        key.withUnsafeBytes { add($0, value) }
    }

    /// Stores the detached `value` at `key`, adding or overwriting. A new value clears the TTL
    /// unless `keepTTL` (SET ... KEEPTTL). Returns the stored value.
    @discardableResult
    public func set(_ key: UnsafeRawBufferPointer, _ value: RedisObject, keepTTL: Bool = false) -> RedisObject {
        let hash = ByteHash.hash(key)
        guard let record = table.find(key, hash: hash) else { return add(key, value) }
        let stored = replace(record, hash: hash, key: key, with: value, keepTTL: keepTTL)
        signalModified(key)
        return stored
    }

    /// Moves the detached `value` into a new record for the key of `record`, carrying the TTL
    /// when asked, and frees the old record and value.
    @usableFromInline
    func replace(_ record: UnsafeMutableRawPointer, hash: UInt64, key: UnsafeRawBufferPointer,
                 with value: RedisObject, keepTTL: Bool) -> RedisObject {
        let when = keepTTL ? KeyRecord.expireTime(record) : nil
        let created = KeyRecord.relocate(value.record, key: key, expireSlot: when != nil, slab: slab)
        KeyRecord.freeBlock(value.record, slab: slab)
        if let when {
            KeyRecord.storeExpireTime(created, when)
            KeyRecord.setExpiresPosition(created, KeyRecord.expiresPosition(record))
            KeyRecord.setFlags(created, KeyRecord.flags(created).union(.hasExpire))
            expires.replace(record, with: created)
        } else {
            clearExpire(record)
        }
        table.replace(record, with: created, hash: hash)
        KeyRecord.destroy(record, slab: slab)
        return RedisObject(record: created)
    }

    /// Removes `key` and its TTL; returns whether it existed.
    @inlinable
    @discardableResult
    public func delete(_ key: UnsafeRawBufferPointer) -> Bool {
        let hash = ByteHash.hash(key)
        guard let record = table.find(key, hash: hash) else { return false }
        unlink(record, hash: hash)
        return true
    }

    @usableFromInline
    func unlink(_ record: UnsafeMutableRawPointer, hash: UInt64) {
        table.remove(KeyRecord.key(record), hash: hash)
        clearExpire(record)
        signalModified(KeyRecord.key(record))
        KeyRecord.destroy(record, slab: slab)
    }

    /// Deletes a key whose TTL has passed: as `unlink`, but the expiry observer is told instead
    /// of the change observer (it signals the change itself, as made by no client).
    @usableFromInline
    func expire(_ record: UnsafeMutableRawPointer, hash: UInt64) {
        table.remove(KeyRecord.key(record), hash: hash)
        clearExpire(record)
        if let keyExpired { keyExpired(KeyRecord.key(record)) }
        KeyRecord.destroy(record, slab: slab)
    }

    /// Active expiry's deletion of a key it found past its TTL.
    public func expire(_ key: UnsafeRawBufferPointer) {
        let hash = ByteHash.hash(key)
        guard let record = table.find(key, hash: hash) else { return }
        expire(record, hash: hash)
    }

    /// RENAME and MOVE: the value at `key` (which must exist) moves to `newKey` of
    /// `destination` (which must be absent there), with its TTL and access clock.
    public func rename(_ key: UnsafeRawBufferPointer, to newKey: UnsafeRawBufferPointer, in destination: Database) {
        let hash = ByteHash.hash(key)
        guard let record = table.remove(key, hash: hash) else { return }
        let when = KeyRecord.expireTime(record)
        clearExpire(record)
        let moved = KeyRecord.relocate(record, key: newKey, expireSlot: when != nil, slab: slab)
        KeyRecord.freeBlock(record, slab: slab)
        destination.table.insertNew(moved, hash: ByteHash.hash(newKey))
        if let keyAdded = destination.keyAdded { keyAdded(newKey) }
        if let when { destination.attachExpire(moved, when) }
        signalModified(key)
        destination.signalModified(newKey)
    }

    // MARK: TTLs

    @inlinable
    public func expireTime(_ key: UnsafeRawBufferPointer) -> Int64? {
        if expires.count == 0 { return nil }
        return table.find(key, hash: ByteHash.hash(key)).flatMap { KeyRecord.expireTime($0) }
    }

    /// Sets the absolute expire time (ms) of an existing key. A record without room for a TTL
    /// moves to one with room (handles to it are stale afterwards).
    public func setExpire(_ key: UnsafeRawBufferPointer, at when: Int64) {
        let hash = ByteHash.hash(key)
        guard var record = table.find(key, hash: hash) else { return }
        if !KeyRecord.flags(record).contains(.expireSlot) {
            let moved = KeyRecord.relocate(record, key: key, expireSlot: true, slab: slab)
            table.replace(record, with: moved, hash: hash)
            KeyRecord.freeBlock(record, slab: slab)
            record = moved
        }
        if KeyRecord.flags(record).contains(.hasExpire) {
            KeyRecord.storeExpireTime(record, when)
        } else {
            attachExpire(record, when)
        }
        signalModified(key)
    }

    /// Sets the expire time of the key `value` is stored under (handles to it are stale afterwards).
    public func setExpire(_ value: RedisObject, at when: Int64) {
        setExpire(value.key, at: when)
    }

    /// Gives a record that has an expire slot but no TTL the TTL `when`.
    @usableFromInline
    func attachExpire(_ record: UnsafeMutableRawPointer, _ when: Int64) {
        KeyRecord.storeExpireTime(record, when)
        KeyRecord.setFlags(record, KeyRecord.flags(record).union(.hasExpire))
        expires.add(record)
    }

    /// Drops the TTL of `record` if it has one; the slot stays, so a later TTL needs no move.
    @usableFromInline
    func clearExpire(_ record: UnsafeMutableRawPointer) {
        let flags = KeyRecord.flags(record)
        guard flags.contains(.hasExpire) else { return }
        expires.remove(record)
        KeyRecord.setFlags(record, flags.subtracting(.hasExpire))
    }

    @discardableResult
    public func removeExpire(_ key: UnsafeRawBufferPointer) -> Bool {
        guard expires.count != 0, let record = table.find(key, hash: ByteHash.hash(key)),
              KeyRecord.flags(record).contains(.hasExpire) else { return false }
        clearExpire(record)
        signalModified(key)
        return true
    }

    // MARK: whole-database operations

    /// Empties the database; returns how many keys it held.
    @discardableResult
    public func removeAll() -> Int {
        let removed = table.count
        let slab = self.slab
        table.removeAll { KeyRecord.destroy($0, slab: slab) }
        expires.removeAll()
        expiryCursor = 0
        averageTTL = 0
        return removed
    }

    /// SWAPDB: exchanges contents with another database; ids stay.
    public func swapContents(with other: Database) {
        table.swapContents(with: other.table)
        swap(&expires, &other.expires)
        swap(&expiryCursor, &other.expiryCursor)
        swap(&averageTTL, &other.averageTTL)
    }

    /// Shrinks an under-used table and moves rehashing along, as Redis's databasesCron.
    public func cronMaintenance(rehashBudgetMilliseconds: Int64, clock: () -> Int64) {
        table.shrinkIfNeeded()
        if table.isRehashing && rehashBudgetMilliseconds > 0 {
            _ = table.rehash(milliseconds: rehashBudgetMilliseconds, clock: clock)
        }
    }

    /// Active defragmentation's last step: a keyspace table left sparse by deletions (but above
    /// the shrink limit) is rehashed into one sized for what remains.
    public func compactTable() {
        table.shrinkToFit(belowFillPercent: 25)
    }

    // MARK: iteration

    /// SCAN step over the keyspace; `visit` may not change it.
    public func scan(_ cursor: UInt64, _ visit: (RedisObject) -> Void) -> UInt64 {
        table.scan(cursor) { visit(RedisObject(record: $0)) }
    }

    /// Visits every key; `body` may not change the keyspace.
    public func forEach(_ body: (RedisObject) -> Void) {
        table.forEach { body(RedisObject(record: $0)) }
    }

    public func randomKey<G: RandomNumberGenerator>(using generator: inout G) -> RedisObject? {
        table.randomEntry(using: &generator).map(RedisObject.init(record:))
    }

    /// The key and expire time at `position` of the expires index (active expiry's walk).
    func expiring(at position: Int) -> (key: UnsafeRawBufferPointer, when: Int64) {
        let record = expires[position]
        return (KeyRecord.key(record), KeyRecord.expireTime(record)!)
    }

    // MARK: defragmentation

    /// One step of active defragmentation: the records of the buckets at `cursor` that live in
    /// pages being evacuated move to fresh blocks, and the table slot and expires index follow;
    /// the element blocks of their hashtable-encoded sets and hashes and skiplist sorted sets
    /// move likewise (counted in `elements`). Returns the next cursor (0 when the walk is complete).
    public func defragStep(_ cursor: UInt64, moved: inout Int, visited: inout Int, elements: inout Int) -> UInt64 {
        let slab = self.slab
        var count = 0
        var seen = 0
        var elementMoves = 0
        let next = table.scan(cursor, replacing: { [self] record in
            seen += 1
            elementMoves += Database.defragmentElements(RedisObject(record: record))
            guard KeyRecord.shouldMove(record, slab: slab) else { return nil }
            let size = SlabAllocator.capacity(of: record)
            let fresh = slab.allocate(size)
            fresh.copyMemory(from: record, byteCount: size)
            if KeyRecord.flags(record).contains(.hasExpire) { expires.replace(record, with: fresh) }
            slab.deallocate(record)
            count += 1
            return fresh
        })
        moved += count
        visited += seen
        elements += elementMoves
        return next
    }

    /// Moves a collection's element blocks out of evacuating pages; returns how many moved.
    static func defragmentElements(_ object: RedisObject) -> Int {
        guard object.kind == .collection else { return 0 }
        switch (object.type, object.encoding) {
        case (.set, .hashtable): return SetType.table(object).defragment()
        case (.hash, .hashtable): return HashType.table(object).defragment()
        case (.zset, .skiplist): return ZSetType.skiplist(object).defragment()
        default: return 0
        }
    }
}
