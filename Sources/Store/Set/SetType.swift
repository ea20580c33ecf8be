import Util

// The set type's encodings (t_set.c's setType*, Redis 7.0): an intset while every member is a
// canonical 64-bit integer and there are at most `set-max-intset-entries` of them, otherwise a
// MemberTable (a Hashtable of member blocks). A set never converts back. (Redis 7.2 added listpack sets; 7.0 has none.)

public enum SetType {
    /// setTypeCreate: an intset when `first` is an integer, a hashtable otherwise.
    public static func create(for first: UnsafeRawBufferPointer) -> RedisObject {
        parseInt64(first) != nil ? createIntset() : createTable()
    }

    public static func createIntset() -> RedisObject {
        RedisObject.collection(.set, .intset, IntSet())
    }

    /// `capacity` sizes the table up front (an RDB set's saved length: dictTryExpand).
    public static func createTable(capacity: Int = 0) -> RedisObject {
        RedisObject.collection(.set, .hashtable, MemberTable(capacity: capacity))
    }

    @inlinable
    public static func intset(_ object: RedisObject) -> IntSet {
        unsafeDowncast(object.payload!, to: IntSet.self)
    }

    @inlinable
    public static func table(_ object: RedisObject) -> MemberTable {
        unsafeDowncast(object.payload!, to: MemberTable.self)
    }

    /// SCARD.
    @inlinable
    public static func size(_ object: RedisObject) -> Int {
        object.encoding == .intset ? intset(object).count : table(object).count
    }

    /// setTypeAdd: returns whether `member` was added. A non-integer member, or one member past
    /// `maxIntsetEntries`, converts an intset to a hashtable.
    @discardableResult
    public static func add(_ object: RedisObject, _ member: UnsafeRawBufferPointer, maxIntsetEntries: Int) -> Bool {
        if object.encoding == .intset {
            if let value = parseInt64(member) {
                let set = intset(object)
                guard set.add(value) else { return false }
                if set.count > maxIntsetEntries { convertToTable(object) }
                return true
            }
            convertToTable(object)
            table(object).insertNew(member)
            return true
        }
        return table(object).insert(member)
    }

    /// An integer member, without formatting it first (intset-to-intset paths).
    @discardableResult
    public static func add(_ object: RedisObject, integer value: Int64, maxIntsetEntries: Int) -> Bool {
        if object.encoding == .intset {
            let set = intset(object)
            guard set.add(value) else { return false }
            if set.count > maxIntsetEntries { convertToTable(object) }
            return true
        }
        return ElementValue.integer(value).withBytes { add(object, $0, maxIntsetEntries: maxIntsetEntries) }
    }

    /// Adds an element read from another set.
    @discardableResult
    public static func add(_ object: RedisObject, _ element: ElementValue, maxIntsetEntries: Int) -> Bool {
        switch element {
        case .integer(let value): return add(object, integer: value, maxIntsetEntries: maxIntsetEntries)
        case .bytes(let bytes): return add(object, bytes, maxIntsetEntries: maxIntsetEntries)
        }
    }

    /// setTypeRemove: returns whether `member` was there.
    @discardableResult
    public static func remove(_ object: RedisObject, _ member: UnsafeRawBufferPointer) -> Bool {
        if object.encoding == .intset {
            guard let value = parseInt64(member) else { return false }
            return intset(object).remove(value)
        }
        return table(object).remove(member)
    }

    @discardableResult
    public static func remove(_ object: RedisObject, _ element: ElementValue) -> Bool {
        if case .integer(let value) = element, object.encoding == .intset { return intset(object).remove(value) }
        return element.withBytes { remove(object, $0) }
    }

    /// setTypeIsMember.
    @inlinable
    public static func contains(_ object: RedisObject, _ member: UnsafeRawBufferPointer) -> Bool {
        if object.encoding == .intset {
            guard let value = parseInt64(member) else { return false }
            return intset(object).contains(value)
        }
        return table(object).contains(member)
    }

    public static func contains(_ object: RedisObject, _ element: ElementValue) -> Bool {
        if case .integer(let value) = element, object.encoding == .intset { return intset(object).contains(value) }
        return element.withBytes { contains(object, $0) }
    }

    /// Visits every member: ascending for an intset, table order otherwise. `body` may not
    /// modify the set.
    public static func forEach(_ object: RedisObject, _ body: (ElementValue) -> Void) {
        if object.encoding == .intset {
            intset(object).forEach { body(.integer($0)) }
            return
        }
        table(object).forEach { body(.bytes($0)) }
    }

    /// Every member as an array of its text, in iteration order (for operations that modify
    /// the set while walking it).
    public static func members(_ object: RedisObject) -> [[UInt8]] {
        var result: [[UInt8]] = []
        result.reserveCapacity(size(object))
        forEach(object) { result.append($0.array) }
        return result
    }

    /// Calls `body` with a uniformly chosen member of a non-empty set (setTypeRandomElement).
    public static func withRandomMember<R, G: RandomNumberGenerator>(_ object: RedisObject, using generator: inout G,
                                                                     _ body: (ElementValue) -> R) -> R {
        if object.encoding == .intset { return body(.integer(intset(object).random(using: &generator))) }
        return table(object).withRandomMember(using: &generator) { body(.bytes($0)) }
    }

    /// setTypeConvert: intset → hashtable.
    public static func convertToTable(_ object: RedisObject) {
        guard object.encoding == .intset else { return }
        let dict = MemberTable(capacity: intset(object).count)
        intset(object).forEach { value in
            ElementValue.integer(value).withBytes { dict.insertNew($0) }
        }
        object.payload = dict
        object.encoding = .hashtable
    }

    /// A private deep copy (COPY).
    public static func duplicate(_ object: RedisObject) -> RedisObject {
        if object.encoding == .intset {
            return RedisObject.collection(.set, .intset, IntSet(copying: intset(object)))
        }
        let source = table(object)
        let copy = MemberTable(capacity: source.count)
        source.forEach { copy.insertNew($0) }
        return RedisObject.collection(.set, .hashtable, copy)
    }
}
