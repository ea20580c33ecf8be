import Glibc

// The keyspace's hash table, after Valkey 8.1's hashtable.c: cache-line buckets of seven entry
// pointers with a tag byte each (see HashtableBucket), child buckets when a bucket overflows,
// two tables with incremental rehashing while resizing, and SCAN's reverse-binary cursor.
// Compared with Dict's chained entries, a lookup reads one line of bucket plus the one record
// it wants, and the table costs about 9-19 bytes per key instead of a pointer per bucket plus
// a `next` per entry.
//
// Entries are the caller's records, held as raw pointers: the table never allocates, retains or
// frees them, so finding and inserting does no reference counting.

/// What the table needs to know about the entries it holds.
public protocol HashtableEntry {
    /// The key bytes of `entry`, valid while the entry lives.
    static func key(of entry: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer
}

public final class Hashtable<Entry: HashtableEntry> {
    /// The table lookups start in; during a rehash, the one being drained.
    @usableFromInline var main = HashtableTable()
    /// The table being filled during a rehash; empty otherwise.
    @usableFromInline var target = HashtableTable()
    /// Next bucket of `main` to move into `target`; -1 when not rehashing. Buckets below it are
    /// empty, so lookups skip them.
    @usableFromInline var rehashIndex = -1
    /// Non-zero while a scan or forEach callback runs: a rehash step would move entries under it.
    @usableFromInline var rehashPauses = 0
    /// Inserting at this count considers growing, so the hot path tests one integer.
    @usableFromInline var growAt = 0
    /// Removing down to this count considers shrinking; -1 while that cannot apply.
    @usableFromInline var shrinkAt = -1

    public init() {}

    deinit {
        main.free()
        target.free()
    }

    /// Exchanges everything with `other` (SWAPDB), so owners can hold their table in a `let`,
    /// which lets calls on it borrow the reference instead of retaining it.
    public func swapContents(with other: Hashtable) {
        Swift.swap(&main, &other.main)
        Swift.swap(&target, &other.target)
        Swift.swap(&rehashIndex, &other.rehashIndex)
        Swift.swap(&rehashPauses, &other.rehashPauses)
        Swift.swap(&growAt, &other.growAt)
        Swift.swap(&shrinkAt, &other.shrinkAt)
    }

    @inlinable public var count: Int { main.used &+ target.used }
    @inlinable public var isRehashing: Bool { rehashIndex >= 0 }
    /// Buckets of both tables, child buckets included.
    public var bucketCount: Int { main.size + target.size + main.children + target.children }
    /// Bytes the bucket arrays and child buckets occupy.
    public var memoryBytes: Int { bucketCount * HashtableBucket.byteCount }

    // MARK: lookup

    /// The entry whose key equals `key`; `hash` is ByteHash.hash(key).
    @inlinable
    public func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> UnsafeMutableRawPointer? {
        guard let found = locate(key, hash: hash) else { return nil }
        return found.bucket.entry(found.slot)
    }

    @inlinable
    public func find(_ key: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer? {
        find(key, hash: ByteHash.hash(key))
    }

    @inlinable
    func locate(_ key: UnsafeRawBufferPointer, hash: UInt64) -> HashtablePosition? {
        if count == 0 { return nil }
        if rehashIndex >= 0 { rehashStep() }
        let tag = HashtableBucket.tag(hash)
        let bits = Int(truncatingIfNeeded: hash)
        if main.used != 0 {
            let index = bits & main.mask
            if index >= rehashIndex {
                let head = main.bucket(index)
                if let (bucket, slot) = Self.search(head, key, tag: tag) {
                    return HashtablePosition(head: head, bucket: bucket, slot: slot, inMain: true)
                }
            }
        }
        if rehashIndex >= 0 && target.used != 0 {
            let head = target.bucket(bits & target.mask)
            if let (bucket, slot) = Self.search(head, key, tag: tag) {
                return HashtablePosition(head: head, bucket: bucket, slot: slot, inMain: false)
            }
        }
        return nil
    }

    @inlinable
    static func search(_ head: HashtableBucket, _ key: UnsafeRawBufferPointer, tag: UInt8) -> (HashtableBucket, Int)? {
        var bucket = head
        while true {
            var candidates = bucket.candidates(tag)
            while candidates != 0 {
                let slot = candidates.trailingZeroBitCount
                if keyMatches(bucket.entry(slot), key) { return (bucket, slot) }
                candidates &= candidates &- 1
            }
            guard let child = bucket.child else { return nil }
            bucket = child
        }
    }

    @inlinable @inline(__always)
    static func keyMatches(_ entry: UnsafeMutableRawPointer, _ key: UnsafeRawBufferPointer) -> Bool {
        let stored = Entry.key(of: entry)
        let length = stored.count
        if length != key.count { return false }
        if length == 0 { return true }
        return memcmp(stored.baseAddress.unsafelyUnwrapped, key.baseAddress.unsafelyUnwrapped, length) == 0
    }

    // MARK: insert, remove, replace

    /// Adds an entry whose key is known to be absent.
    @inlinable
    public func insertNew(_ entry: UnsafeMutableRawPointer, hash: UInt64) {
        if rehashIndex >= 0 { rehashStep() }
        if count >= growAt { expandIfNeeded() }
        let tag = HashtableBucket.tag(hash)
        let bits = Int(truncatingIfNeeded: hash)
        // New entries go to the table that survives the rehash, so the old one only drains.
        if rehashIndex >= 0 {
            target.place(entry, tag: tag, at: bits & target.mask)
        } else {
            main.place(entry, tag: tag, at: bits & main.mask)
        }
    }

    /// Unlinks and returns the entry for `key` (the caller frees it).
    @inlinable
    @discardableResult
    public func remove(_ key: UnsafeRawBufferPointer, hash: UInt64) -> UnsafeMutableRawPointer? {
        guard let found = locate(key, hash: hash) else { return nil }
        let entry = found.bucket.entry(found.slot)
        found.bucket.clear(found.slot)
        if found.inMain {
            main.used &-= 1
            if found.head.isChained { main.compact(found.head, hole: found.bucket, slot: found.slot) }
        } else {
            target.used &-= 1
            if found.head.isChained { target.compact(found.head, hole: found.bucket, slot: found.slot) }
        }
        if main.used <= shrinkAt { shrinkIfNeeded() }
        return entry
    }

    /// The slot that holds exactly `old` now holds `new` (same key: a record that moved). Returns
    /// false if `old` is not in the table. Compares pointers only: `old` may already be freed.
    @inlinable
    @discardableResult
    public func replace(_ old: UnsafeMutableRawPointer, with new: UnsafeMutableRawPointer, hash: UInt64) -> Bool {
        if count == 0 { return false }
        let tag = HashtableBucket.tag(hash)
        let bits = Int(truncatingIfNeeded: hash)
        if main.used != 0 {
            let index = bits & main.mask
            if index >= rehashIndex && Self.swap(old, new, in: main.bucket(index), tag: tag) { return true }
        }
        return rehashIndex >= 0 && target.used != 0 && Self.swap(old, new, in: target.bucket(bits & target.mask), tag: tag)
    }

    @inlinable
    static func swap(_ old: UnsafeMutableRawPointer, _ new: UnsafeMutableRawPointer, in head: HashtableBucket, tag: UInt8) -> Bool {
        var next: HashtableBucket? = head
        while let bucket = next {
            var candidates = bucket.candidates(tag)
            while candidates != 0 {
                let slot = candidates.trailingZeroBitCount
                if bucket.entry(slot) == old {
                    bucket.setEntry(slot, new)
                    return true
                }
                candidates &= candidates &- 1
            }
            next = bucket.child
        }
        return false
    }

    /// Removes every entry, calling `release` on each, and frees all buckets.
    public func removeAll(_ release: (UnsafeMutableRawPointer) -> Void) {
        rehashPauses += 1
        Self.each(in: main, release)
        Self.each(in: target, release)
        rehashPauses -= 1
        main.free()
        target.free()
        main = HashtableTable()
        target = HashtableTable()
        rehashIndex = -1
        updateThresholds()
    }
}

/// Where a lookup found its entry, enough to unlink it and compact its chain.
@usableFromInline
@frozen
struct HashtablePosition {
    @usableFromInline let head: HashtableBucket
    @usableFromInline let bucket: HashtableBucket
    @usableFromInline let slot: Int
    @usableFromInline let inMain: Bool

    @inlinable
    init(head: HashtableBucket, bucket: HashtableBucket, slot: Int, inMain: Bool) {
        self.head = head
        self.bucket = bucket
        self.slot = slot
        self.inMain = inMain
    }
}
