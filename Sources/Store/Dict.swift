import Glibc

// The keyspace's hash table, as Redis's dict.c: chained buckets in power-of-two tables, a second
// table during resize that is filled incrementally (one bucket per operation, plus time-boxed
// steps from the cron), and SCAN's reverse-binary cursor, which returns every element present for
// the whole scan even while the table grows or shrinks. Swift's Dictionary offers neither.

/// One key and its value. The key bytes live in the same allocation, after the header, so an
/// entry costs one malloc and comparing a key touches no other object.
public final class DictEntry<Value>: ManagedBuffer<DictEntryHeader<Value>, UInt8> {
    @inlinable
    static func make(key: UnsafeRawBufferPointer, value: Value) -> DictEntry<Value> {
        let buffer = DictEntry<Value>.create(minimumCapacity: key.count) { _ in
            DictEntryHeader(value: value, next: nil, keyLength: Int32(truncatingIfNeeded: key.count))
        }
        let entry = unsafeDowncast(buffer, to: DictEntry<Value>.self)
        if key.count > 0 {
            entry.withUnsafeMutablePointerToElements { $0.initialize(from: key.bindMemory(to: UInt8.self).baseAddress!, count: key.count) }
        }
        return entry
    }

    @inlinable public var value: Value {
        get { header.value }
        set { header.value = newValue }
    }

    @inlinable @inline(__always)
    public func withKey<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let length = Int(header.keyLength)
        return try withUnsafeMutablePointerToElements { try body(UnsafeRawBufferPointer(start: $0, count: length)) }
    }

    /// The key as a new array, for cold paths that keep it (KEYS, SCAN replies).
    public var key: [UInt8] { withKey { [UInt8]($0) } }

    @inlinable @inline(__always)
    func keyEquals(_ other: UnsafeRawBufferPointer) -> Bool {
        let length = Int(header.keyLength)
        if length != other.count { return false }
        if length == 0 { return true }
        return withUnsafeMutablePointerToElements { memcmp($0, other.baseAddress!, length) == 0 }
    }
}

public struct DictEntryHeader<Value> {
    public var value: Value
    /// The next entry in the bucket's chain. Chains hold their entries unretained; the dict
    /// retains each entry once on insert and releases it on removal, so walking a chain does
    /// no reference counting.
    @usableFromInline var next: Unmanaged<DictEntry<Value>>?
    @usableFromInline let keyLength: Int32

    @inlinable
    init(value: Value, next: Unmanaged<DictEntry<Value>>?, keyLength: Int32) {
        self.value = value
        self.next = next
        self.keyLength = keyLength
    }
}

public final class Dict<Value> {
    @usableFromInline
    struct Table {
        @usableFromInline var buckets: UnsafeMutablePointer<Unmanaged<DictEntry<Value>>?>?
        @usableFromInline var size = 0
        @usableFromInline var used = 0
        @inlinable var mask: Int { size &- 1 }

        init() {}

        init(size: Int) {
            self.size = size
            buckets = .allocate(capacity: size)
            buckets!.initialize(repeating: nil, count: size)
        }

        /// Releases every entry (the table's one reference each) and the bucket array.
        func free() {
            guard let buckets else { return }
            for index in 0..<size {
                var entry = buckets[index]
                while let current = entry {
                    entry = current._withUnsafeGuaranteedRef { $0.header.next }
                    current.release()
                }
            }
            buckets.deallocate()
        }
    }

    public static var initialSize: Int { 4 }
    /// Above this load factor a table grows even while resizing is discouraged (a fork is live).
    public static var forceResizeRatio: Int { 5 }

    @usableFromInline var tables = (Table(), Table())
    /// Next bucket of table 0 to move into table 1; -1 when not rehashing.
    @usableFromInline var rehashIndex = -1
    /// Non-zero while a scan or safe iteration is in progress: rehash steps would move entries.
    @usableFromInline var rehashPauses = 0

    public init() {}

    deinit {
        tables.0.free()
        tables.1.free()
    }

    @inlinable public var count: Int { tables.0.used &+ tables.1.used }
    @inlinable public var isRehashing: Bool { rehashIndex != -1 }
    /// Total bucket slots, for memory figures and the resize policy.
    public var bucketCount: Int { tables.0.size + tables.1.size }

    // MARK: lookup

    @inlinable
    public func find(_ key: UnsafeRawBufferPointer) -> DictEntry<Value>? {
        if count == 0 { return nil }
        if isRehashing { rehashStep() }
        let hash = ByteHash.hash(key)
        if let entry = Dict.findIn(tables.0, key, hash) { return entry }
        if isRehashing { return Dict.findIn(tables.1, key, hash) }
        return nil
    }

    /// The value for `key`, read while the entry is borrowed: for a trivial `Value` (an
    /// Unmanaged reference, a number) the lookup does no reference counting at all.
    @inlinable
    public func findValue(_ key: UnsafeRawBufferPointer) -> Value? {
        if count == 0 { return nil }
        if isRehashing { rehashStep() }
        let hash = ByteHash.hash(key)
        if let found = Dict.findValueIn(tables.0, key, hash) { return found }
        if isRehashing { return Dict.findValueIn(tables.1, key, hash) }
        return nil
    }

    @inlinable
    static func findValueIn(_ table: Table, _ key: UnsafeRawBufferPointer, _ hash: UInt64) -> Value? {
        guard let buckets = table.buckets else { return nil }
        var entry = buckets[Int(truncatingIfNeeded: hash) & table.mask]
        while let current = entry {
            var found: Value?
            current._withUnsafeGuaranteedRef { node in
                if node.keyEquals(key) { found = node.header.value } else { entry = node.header.next }
            }
            if let found { return found }
        }
        return nil
    }

    @inlinable
    public func find(_ key: [UInt8]) -> DictEntry<Value>? {
        key.withUnsafeBytes { find($0) }
    }

    @inlinable
    static func findIn(_ table: Table, _ key: UnsafeRawBufferPointer, _ hash: UInt64) -> DictEntry<Value>? {
        guard let buckets = table.buckets else { return nil }
        var entry = buckets[Int(truncatingIfNeeded: hash) & table.mask]
        while let current = entry {
            let found = current._withUnsafeGuaranteedRef { node -> Bool in
                if node.keyEquals(key) { return true }
                entry = node.header.next
                return false
            }
            if found { return current.takeUnretainedValue() }
        }
        return nil
    }

    // MARK: insert and delete

    /// Adds a key known to be absent; returns its entry.
    @inlinable
    @discardableResult
    public func insertNew(key: UnsafeRawBufferPointer, value: Value) -> DictEntry<Value> {
        if isRehashing { rehashStep() }
        expandIfNeeded()
        let hash = ByteHash.hash(key)
        let entry = DictEntry.make(key: key, value: value)
        if isRehashing {
            Dict.link(entry, into: &tables.1, hash: hash)
        } else {
            Dict.link(entry, into: &tables.0, hash: hash)
        }
        return entry
    }

    @inlinable
    @discardableResult
    public func insertNew(key: [UInt8], value: Value) -> DictEntry<Value> {
        key.withUnsafeBytes { insertNew(key: $0, value: value) }
    }

    /// Puts `entry` at the head of its chain; the table takes one reference.
    @inlinable
    static func link(_ entry: DictEntry<Value>, into table: inout Table, hash: UInt64) {
        let index = Int(truncatingIfNeeded: hash) & table.mask
        entry.header.next = table.buckets![index]
        table.buckets![index] = Unmanaged.passRetained(entry)
        table.used &+= 1
    }

    /// Sets `key` to `value`, adding it if absent; returns true when it was added.
    @discardableResult
    public func set(_ key: UnsafeRawBufferPointer, _ value: Value) -> Bool {
        if let entry = find(key) {
            entry.value = value
            return false
        }
        insertNew(key: key, value: value)
        return true
    }

    @discardableResult
    public func set(_ key: [UInt8], _ value: Value) -> Bool {
        if let entry = find(key) {
            entry.value = value
            return false
        }
        insertNew(key: key, value: value)
        return true
    }

    /// Unlinks and returns the entry for `key`.
    @discardableResult
    public func remove(_ key: UnsafeRawBufferPointer) -> DictEntry<Value>? {
        if count == 0 { return nil }
        if isRehashing { rehashStep() }
        let hash = ByteHash.hash(key)
        if let entry = Dict.removeFrom(&tables.0, key, hash) { return entry }
        if isRehashing { return Dict.removeFrom(&tables.1, key, hash) }
        return nil
    }

    @discardableResult
    public func remove(_ key: [UInt8]) -> DictEntry<Value>? {
        key.withUnsafeBytes { remove($0) }
    }

    @usableFromInline
    static func removeFrom(_ table: inout Table, _ key: UnsafeRawBufferPointer, _ hash: UInt64) -> DictEntry<Value>? {
        guard let buckets = table.buckets else { return nil }
        let index = Int(truncatingIfNeeded: hash) & table.mask
        var previous: Unmanaged<DictEntry<Value>>? = nil
        var entry = buckets[index]
        while let current = entry {
            let node = current.takeUnretainedValue()
            if node.keyEquals(key) {
                let next = node.header.next
                if let previous {
                    previous._withUnsafeGuaranteedRef { $0.header.next = next }
                } else {
                    buckets[index] = next
                }
                node.header.next = nil
                table.used -= 1
                // Hand the table's reference to the caller.
                return current.takeRetainedValue()
            }
            previous = current
            entry = node.header.next
        }
        return nil
    }

    /// Drops every entry and both tables (FLUSHDB).
    public func removeAll() {
        tables.0.free()
        tables.1.free()
        tables = (Table(), Table())
        rehashIndex = -1
    }

    // MARK: resizing

    @inlinable
    func expandIfNeeded() {
        if isRehashing { return }
        if tables.0.size == 0 {
            resize(to: Dict.initialSize)
            return
        }
        let used = tables.0.used
        if used >= tables.0.size && (DictResizePolicy.allowed || used / tables.0.size > Dict.forceResizeRatio) {
            resize(to: used + 1)
        }
    }

    static func powerOfTwo(atLeast wanted: Int) -> Int {
        var size = initialSize
        while size < wanted { size <<= 1 }
        return size
    }

    @usableFromInline
    func resize(to wanted: Int) {
        let size = Dict.powerOfTwo(atLeast: wanted)
        if size == tables.0.size { return }
        if tables.0.size == 0 || tables.0.used == 0 {
            tables.0.free()
            tables.0 = Table(size: size)
            return
        }
        tables.1 = Table(size: size)
        rehashIndex = 0
    }

    /// Shrinks a table that is less than 10% full, as Redis's htNeedsResize + dictResize.
    public func shrinkIfNeeded() {
        guard !isRehashing, DictResizePolicy.allowed else { return }
        let size = tables.0.size
        if size > Dict.initialSize && tables.0.used * 100 / size < 10 {
            resize(to: max(tables.0.used, Dict.initialSize))
        }
    }

    @usableFromInline
    func rehashStep() {
        if rehashPauses == 0 { rehash(buckets: 1) }
    }

    /// Moves up to `buckets` non-empty buckets to the new table; returns true if work remains.
    @discardableResult
    public func rehash(buckets: Int) -> Bool {
        guard isRehashing else { return false }
        var remaining = buckets
        var emptyVisits = buckets * 10
        let old = tables.0.buckets!
        while remaining > 0 && tables.0.used != 0 {
            while old[rehashIndex] == nil {
                rehashIndex += 1
                emptyVisits -= 1
                if emptyVisits == 0 { return true }
            }
            var entry = old[rehashIndex]
            while let current = entry {
                // The entry keeps the table's reference; only the links move.
                let node = current.takeUnretainedValue()
                entry = node.header.next
                let index = node.withKey { Int(truncatingIfNeeded: ByteHash.hash($0)) } & tables.1.mask
                node.header.next = tables.1.buckets![index]
                tables.1.buckets![index] = current
                tables.0.used -= 1
                tables.1.used += 1
            }
            old[rehashIndex] = nil
            rehashIndex += 1
            remaining -= 1
        }
        if tables.0.used == 0 {
            tables.0.free()
            tables.0 = tables.1
            tables.1 = Table()
            rehashIndex = -1
            return false
        }
        return true
    }

    /// Rehashes in batches of 100 buckets until `milliseconds` pass (the cron's active rehashing).
    public func rehash(milliseconds: Int64, clock: () -> Int64) -> Int {
        guard rehashPauses == 0 else { return 0 }
        let start = clock()
        var rounds = 0
        while rehash(buckets: 100) {
            rounds += 100
            if clock() - start > milliseconds { break }
        }
        return rounds
    }

    // MARK: iteration

    /// SCAN step: visits the buckets for `cursor` and returns the next cursor (0 when done).
    public func scan(_ cursor: UInt64, _ visit: (DictEntry<Value>) -> Void) -> UInt64 {
        if count == 0 { return 0 }
        rehashPauses += 1
        defer { rehashPauses -= 1 }
        var v = cursor
        func emit(_ table: Table, _ index: UInt64) {
            var entry = table.buckets![Int(truncatingIfNeeded: index & UInt64(table.mask))]
            while let current = entry {
                let node = current.takeUnretainedValue()
                entry = node.header.next
                visit(node)
            }
        }
        if !isRehashing {
            let m0 = UInt64(tables.0.mask)
            emit(tables.0, v)
            v |= ~m0
            v = (v.bitReversed &+ 1).bitReversed
        } else {
            var small = tables.0
            var large = tables.1
            if small.size > large.size { swap(&small, &large) }
            let m0 = UInt64(small.mask)
            let m1 = UInt64(large.mask)
            emit(small, v)
            repeat {
                emit(large, v)
                v |= ~m1
                v = (v.bitReversed &+ 1).bitReversed
            } while v & (m0 ^ m1) != 0
        }
        return v
    }

    /// Visits every entry; `body` may not insert or remove.
    public func forEach(_ body: (DictEntry<Value>) -> Void) {
        rehashPauses += 1
        defer { rehashPauses -= 1 }
        for table in [tables.0, tables.1] {
            guard let buckets = table.buckets else { continue }
            for index in 0..<table.size {
                var entry = buckets[index]
                while let current = entry {
                    let node = current.takeUnretainedValue()
                    entry = node.header.next
                    body(node)
                }
            }
        }
    }

    /// A random entry, as dictGetRandomKey: a random non-empty bucket, then a random chain element.
    public func randomEntry<G: RandomNumberGenerator>(using generator: inout G) -> DictEntry<Value>? {
        if count == 0 { return nil }
        if isRehashing { rehashStep() }
        var head: Unmanaged<DictEntry<Value>>?
        if isRehashing {
            let s0 = tables.0.size
            let span = s0 + tables.1.size - rehashIndex
            repeat {
                let pick = rehashIndex + Int.random(in: 0..<span, using: &generator)
                head = pick >= s0 ? tables.1.buckets![pick - s0] : tables.0.buckets![pick]
            } while head == nil
        } else {
            repeat {
                head = tables.0.buckets![Int.random(in: 0..<tables.0.size, using: &generator)]
            } while head == nil
        }
        var length = 0
        var entry = head
        while let current = entry { length += 1; entry = current.takeUnretainedValue().header.next }
        var pick = Int.random(in: 0..<length, using: &generator)
        entry = head
        while pick > 0 { entry = entry!.takeUnretainedValue().header.next; pick -= 1 }
        return entry?.takeUnretainedValue()
    }
}

/// Cleared while a child process shares memory with us (BGSAVE), as Redis's dict_can_resize:
/// growing then would copy pages the child still reads.
public enum DictResizePolicy {
    public static var allowed = true
}

extension UInt64 {
    @inlinable var bitReversed: UInt64 {
        var v = self
        v = ((v >> 1) & 0x5555_5555_5555_5555) | ((v & 0x5555_5555_5555_5555) << 1)
        v = ((v >> 2) & 0x3333_3333_3333_3333) | ((v & 0x3333_3333_3333_3333) << 2)
        v = ((v >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((v & 0x0F0F_0F0F_0F0F_0F0F) << 4)
        return v.byteSwapped
    }
}
