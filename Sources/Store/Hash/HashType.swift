// The hash type's encodings and the rules for moving between them (t_hash.c's hashType*):
// a listpack of field, value, field, value... in insertion order while the hash is small, and a
// FieldTable (a Hashtable of field-and-value blocks) once it has more than `hash-max-listpack-entries` fields or a
// field or value longer than `hash-max-listpack-value` bytes. A hash never converts back.

/// The conversion thresholds, as configured (hash-max-listpack-entries / -value).
public struct HashLimits {
    public var maxListpackEntries: Int
    public var maxListpackValue: Int

    public init(maxListpackEntries: Int = 512, maxListpackValue: Int = 64) {
        self.maxListpackEntries = maxListpackEntries
        self.maxListpackValue = maxListpackValue
    }
}

public enum HashType {
    /// A new, empty listpack-encoded hash (createHashObject).
    public static func create() -> RedisObject {
        RedisObject.collection(.hash, .listpack, Listpack())
    }

    /// A hashtable-encoded hash sized for `capacity` fields (an RDB hash's saved length).
    public static func createTable(capacity: Int) -> RedisObject {
        RedisObject.collection(.hash, .hashtable, FieldTable(capacity: capacity))
    }

    @inlinable
    public static func listpack(_ object: RedisObject) -> Listpack {
        unsafeDowncast(object.payload!, to: Listpack.self)
    }

    @inlinable
    public static func table(_ object: RedisObject) -> FieldTable {
        unsafeDowncast(object.payload!, to: FieldTable.self)
    }

    /// Number of fields (HLEN).
    @inlinable
    public static func length(_ object: RedisObject) -> Int {
        object.encoding == .listpack ? listpack(object).count / 2 : table(object).count
    }

    /// Calls `body` with the value of `field`, or nil when the field is absent.
    @inlinable
    public static func withValue<R>(_ object: RedisObject, _ field: UnsafeRawBufferPointer,
                                    _ body: (ElementValue?) throws -> R) rethrows -> R {
        if object.encoding == .listpack {
            let pack = listpack(object)
            guard let offset = pack.find(field, from: pack.firstOffset, skip: 1) else { return try body(nil) }
            return try pack.withElement(at: pack.next(after: offset), body)
        }
        guard let value = table(object).value(field) else { return try body(nil) }
        return try body(.bytes(value))
    }

    public static func exists(_ object: RedisObject, _ field: UnsafeRawBufferPointer) -> Bool {
        if object.encoding == .listpack {
            let pack = listpack(object)
            return pack.find(field, from: pack.firstOffset, skip: 1) != nil
        }
        return table(object).contains(field)
    }

    /// hashTypeTryConversion: before arguments are written, a listpack hash converts when any of
    /// them is longer than `hash-max-listpack-value`, or when their total length would take the
    /// listpack past its safety size.
    public static func convertIfNeeded(_ object: RedisObject, longestArgument: Int, totalLength: Int,
                                       limits: HashLimits) {
        guard object.encoding == .listpack else { return }
        if longestArgument > limits.maxListpackValue || !listpack(object).safeToAdd(totalLength) {
            convertToTable(object)
        }
    }

    /// hashTypeSet: sets `field` to `value`; returns true when the field existed (an update).
    /// A field or value too long for the listpack converts first (HINCRBY* reach here without
    /// convertIfNeeded), and one field too many converts after.
    @discardableResult
    public static func set(_ object: RedisObject, field: UnsafeRawBufferPointer, value: ElementValue,
                           limits: HashLimits) -> Bool {
        if object.encoding == .listpack {
            if field.count > limits.maxListpackValue || value.length > limits.maxListpackValue {
                convertToTable(object)
            }
        }
        if object.encoding == .listpack {
            let pack = listpack(object)
            var updated = false
            if let offset = pack.find(field, from: pack.firstOffset, skip: 1) {
                pack.replace(at: pack.next(after: offset), with: value)
                updated = true
            } else {
                pack.append(.bytes(field))
                pack.append(value)
            }
            if pack.count / 2 > limits.maxListpackEntries { convertToTable(object) }
            return updated
        }
        let dict = table(object)
        return value.withBytes { dict.set(field, $0) }
    }

    /// hashTypeDelete: removes `field`; returns whether it was there.
    @discardableResult
    public static func delete(_ object: RedisObject, _ field: UnsafeRawBufferPointer) -> Bool {
        if object.encoding == .listpack {
            let pack = listpack(object)
            guard let offset = pack.find(field, from: pack.firstOffset, skip: 1) else { return false }
            pack.remove(at: offset, elements: 2)
            return true
        }
        return table(object).remove(field)
    }

    /// hashTypeConvert: listpack → hashtable, keeping every pair.
    public static func convertToTable(_ object: RedisObject) {
        guard object.encoding == .listpack else { return }
        let pack = listpack(object)
        let dict = FieldTable(capacity: pack.count / 2)
        forEach(object) { field, value in
            field.withBytes { field in value.withBytes { dict.insertNew(field, $0) } }
        }
        object.payload = dict
        object.encoding = .hashtable
    }

    /// Visits every field and value: insertion order for a listpack, table order otherwise.
    /// `body` may not modify the hash.
    public static func forEach(_ object: RedisObject, _ body: (ElementValue, ElementValue) -> Void) {
        if object.encoding == .listpack {
            let pack = listpack(object)
            pack.bytes.withUnsafeBufferPointer { buffer in
                let base = buffer.baseAddress!
                var offset = Listpack.headerSize
                while base[offset] != Listpack.terminator {
                    let fieldHeader = Listpack.decode(base, offset)
                    let valueOffset = offset + fieldHeader.size + Listpack.backlenSize(fieldHeader.size)
                    let valueHeader = Listpack.decode(base, valueOffset)
                    body(Listpack.element(base, offset, fieldHeader), Listpack.element(base, valueOffset, valueHeader))
                    offset = valueOffset + valueHeader.size + Listpack.backlenSize(valueHeader.size)
                }
            }
            return
        }
        table(object).forEach { field, value in body(.bytes(field), .bytes(value)) }
    }

    /// Calls `body` with a uniformly chosen field and its value (the hash must not be empty).
    public static func withRandomPair<R, G: RandomNumberGenerator>(_ object: RedisObject, using generator: inout G,
                                                                   _ body: (ElementValue, ElementValue) -> R) -> R {
        if object.encoding == .listpack {
            let pack = listpack(object)
            let offset = pack.seek(2 * Int.random(in: 0..<(pack.count / 2), using: &generator))!
            return pack.withElement(at: offset) { field in
                pack.withElement(at: pack.next(after: offset)) { value in body(field, value) }
            }
        }
        return table(object).withRandomPair(using: &generator) { field, value in body(.bytes(field), .bytes(value)) }
    }

    /// A private deep copy (COPY).
    public static func duplicate(_ object: RedisObject) -> RedisObject {
        if object.encoding == .listpack {
            return RedisObject.collection(.hash, .listpack, Listpack(copying: listpack(object)))
        }
        let source = table(object)
        let copy = FieldTable(capacity: source.count)
        source.forEach { field, value in copy.insertNew(field, value) }
        return RedisObject.collection(.hash, .hashtable, copy)
    }
}
