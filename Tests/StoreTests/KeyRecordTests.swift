import Testing
@testable import Store

/// Record layout (KeyRecord), the encodings SET stores (Database.storeString), in-place
/// overwrites versus new records, and RedisObject's string mutations (write, setInteger).
@Suite(.serialized) struct KeyRecordTests {
    private func filled(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    private func store(_ db: Database, _ key: [UInt8], _ value: [UInt8], shared: Bool = true,
                       keepTTL: Bool = false) -> RedisObject {
        key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in db.storeString(k, v, allowSharedIntegers: shared, keepTTL: keepTTL) }
        }
    }

    private func expire(_ db: Database, _ key: [UInt8], _ when: Int64) {
        key.withUnsafeBytes { db.setExpire($0, at: when) }
    }

    // MARK: layout

    @Test(arguments: [0, 1, 254, 255, 256, 1000, 2000], [false, true])
    func keyRoundTrip(keyLength: Int, expireSlot: Bool) {
        let slab = RecordSlab.shared
        let liveBefore = slab.liveBlocks
        let name = filled(keyLength, seed: 7)
        let valueLength = 8
        let size = KeyRecord.size(keyLength: keyLength, valueLength: valueLength, expireSlot: expireSlot)
        #expect(size == 8 + keyLength + valueLength + (expireSlot ? 12 : 0) + (keyLength >= 255 ? 4 : 0))
        let record = name.withUnsafeBytes {
            KeyRecord.allocate(key: $0, valueLength: valueLength, expireSlot: expireSlot, slab: slab)
        }
        let flags = KeyRecord.flags(record)
        let mallocked = size > SlabAllocator.largestBlock
        #expect(flags.contains(.mallocked) == mallocked)
        #expect(flags.contains(.longKey) == (keyLength >= 255))
        #expect(flags.contains(.expireSlot) == expireSlot)
        #expect(!flags.contains(.hasExpire))
        #expect(slab.liveBlocks == liveBefore + (mallocked ? 0 : 1))
        if mallocked {
            #expect(KeyRecord.capacity(record) >= size)
        } else {
            #expect(KeyRecord.capacity(record) == SlabAllocator.blockSize(for: size))
        }
        #expect(KeyRecord.valueOffset(record) + valueLength == size)
        #expect(KeyRecord.valueCapacity(record) == KeyRecord.capacity(record) - KeyRecord.valueOffset(record))

        // Fill the value area and the expire slot: the key must survive both.
        let object = RedisObject(record: record)
        object.setInteger(-123_456_789)
        if expireSlot {
            KeyRecord.storeExpireTime(record, 1_700_000_000_123)
            KeyRecord.setFlags(record, KeyRecord.flags(record).union(.hasExpire))
            KeyRecord.setExpiresPosition(record, 4_000_000_000)
        }
        #expect([UInt8](KeyRecord.key(record)) == name)
        #expect(object.keyBytes == name)
        #expect(object.integer == -123_456_789)
        #expect(object.stringBytes == bytes("-123456789"))
        if expireSlot {
            #expect(KeyRecord.expireTime(record) == 1_700_000_000_123)
            #expect(KeyRecord.expiresPosition(record) == 4_000_000_000)
        } else {
            #expect(KeyRecord.expireTime(record) == nil)
        }

        // A relocated copy (RENAME / gaining a TTL slot) keeps key bytes and value.
        let renamed = filled(keyLength, seed: 99)
        let copy = renamed.withUnsafeBytes { KeyRecord.relocate(record, key: $0, expireSlot: !expireSlot, slab: slab) }
        #expect([UInt8](KeyRecord.key(copy)) == renamed)
        #expect(RedisObject(record: copy).integer == -123_456_789)
        #expect(KeyRecord.flags(copy).contains(.expireSlot) == !expireSlot)
        #expect(!KeyRecord.flags(copy).contains(.hasExpire))
        let copySize = KeyRecord.size(keyLength: keyLength, valueLength: 8, expireSlot: !expireSlot)
        #expect(KeyRecord.flags(copy).contains(.mallocked) == (copySize > SlabAllocator.largestBlock))

        KeyRecord.destroy(copy, slab: slab)
        KeyRecord.freeBlock(record, slab: slab)
        #expect(slab.liveBlocks == liveBefore)
    }

    @Test(arguments: [0, 1, 254, 255, 256, 1000, 2000])
    func longKeysThroughTheDatabase(keyLength: Int) {
        let liveBefore = RecordSlab.shared.liveBlocks
        do {
            let db = Database(id: 0)
            let name = filled(keyLength, seed: 3)
            let value = filled(100, seed: 5)
            let stored = store(db, name, value)
            #expect(stored.keyBytes == name)
            expire(db, name, 5000)
            #expect(db.ttl(name) == 5000)
            #expect(db.value(name) == value)
            let record = db.object(name)!.record
            #expect(KeyRecord.flags(record).contains(.mallocked)
                    == (KeyRecord.size(keyLength: keyLength, valueLength: 100, expireSlot: true) > SlabAllocator.largestBlock))
            let other = filled(keyLength, seed: 200) + [1]
            name.withUnsafeBytes { a in other.withUnsafeBytes { b in db.rename(a, to: b, in: db) } }
            #expect(db.object(name) == nil)
            #expect(db.value(other) == value)
            #expect(db.ttl(other) == 5000)
            #expect(db.expiresIndexProblem() == nil)
            #expect(db.count == 1)
        }
        #expect(RecordSlab.shared.liveBlocks == liveBefore)
    }

    @Test func blockClassesForASixteenByteKey() {
        #expect(KeyRecord.size(keyLength: 16, valueLength: 3, expireSlot: false) == 27)
        #expect(KeyRecord.size(keyLength: 16, valueLength: 3, expireSlot: true) == 39)
        #expect(KeyRecord.size(keyLength: 255, valueLength: 0, expireSlot: false) == 8 + 255 + 4)
        #expect(KeyRecord.size(keyLength: 254, valueLength: 0, expireSlot: false) == 8 + 254)

        let db = Database(id: 0)
        let name = bytes("0123456789abcdef")
        let stored = store(db, name, bytes("abc"))
        #expect(stored.kind == .inline)
        #expect(KeyRecord.capacity(stored.record) == 32)
        expire(db, name, 1000)
        let moved = db.object(name)!
        #expect(moved.record != stored.record)
        #expect(KeyRecord.flags(moved.record).contains(.expireSlot))
        #expect(KeyRecord.capacity(moved.record) == 40)
        #expect(moved.stringBytes == bytes("abc"))
        // Dropping the TTL keeps the slot: a later TTL does not move the record again.
        name.withUnsafeBytes { _ = db.removeExpire($0) }
        expire(db, name, 2000)
        #expect(db.object(name)!.record == moved.record)
        #expect(db.ttl(name) == 2000)
    }

    // MARK: encodings of stored strings

    @Test(arguments: [Int64(0), 1, 42, 9999])
    func sharedIntegers(value: Int64) {
        let db = Database(id: 0)
        let object = store(db, bytes("n"), bytes(String(value)))
        #expect(object.kind == .integer)
        #expect(object.encoding == .int)
        #expect(object.isShared)
        #expect(object.refcount == 2_147_483_647)
        #expect(object.integer == value)
        #expect(object.stringBytes == bytes(String(value)))
        let unshared = store(db, bytes("m"), bytes(String(value)), shared: false)
        #expect(unshared.kind == .integer)
        #expect(!unshared.isShared)
        #expect(unshared.refcount == 1)
    }

    @Test(arguments: [Int64(10000), -1, -9999, 123_456_789, Int64.max, Int64.min])
    func unsharedIntegers(value: Int64) {
        let db = Database(id: 0)
        let object = store(db, bytes("n"), bytes(String(value)))
        #expect(object.kind == .integer)
        #expect(object.encoding == .int)
        #expect(!object.isShared)
        #expect(object.refcount == 1)
        #expect(object.integer == value)
        #expect(object.stringBytes == bytes(String(value)))
        #expect(object.stringLength == String(value).utf8.count)
    }

    /// Text that is not a canonical 64-bit integer stays a string: 20-digit overflow, leading
    /// zeros, "-0", signs and spaces.
    @Test(arguments: ["18446744073709551615", "-9223372036854775809", "99999999999999999999",
                      "9223372036854775808", "007", "-0", "+1", " 1", "1 ", "00", "-", "",
                      "123456789012345678901"])
    func nonCanonicalIntegersStayStrings(text: String) {
        let db = Database(id: 0)
        let object = store(db, bytes("n"), bytes(text))
        #expect(object.kind == .inline)
        #expect(object.encoding == .embstr)
        #expect(!object.isShared)
        #expect(object.stringBytes == bytes(text))
    }

    @Test func twentyCharacterMinimumIsAnInteger() {
        let db = Database(id: 0)
        let object = store(db, bytes("n"), bytes("-9223372036854775808"))
        #expect(object.kind == .integer)
        #expect(object.integer == Int64.min)
        #expect(object.stringBytes == bytes("-9223372036854775808"))
    }

    @Test(arguments: [0, 1, 43, 44, 45, 100, 255, 256, 257, 1000, 70_000])
    func stringEncodingAndStorage(length: Int) {
        let db = Database(id: 0)
        let value = [UInt8](repeating: UInt8(ascii: "x"), count: length)
        let object = store(db, bytes("s"), value)
        #expect(object.encoding == (length <= RedisObject.embstrLimit ? .embstr : .raw))
        #expect(object.kind == (length <= KeyRecord.inlineStringLimit ? .inline : .external))
        #expect(object.stringLength == length)
        #expect(object.stringBytes == value)
        #expect(db.value(bytes("s")) == value)
        // A detached string of the same bytes is encoded the same way.
        let detached = RedisObject.string(value)
        #expect(detached.encoding == object.encoding)
        #expect(detached.kind == object.kind)
        #expect(detached.stringBytes == value)
        detached.release()
    }

    // MARK: overwriting

    @Test func overwriteInPlaceWhenTheValueFits() {
        let db = Database(id: 0)
        let k = bytes("k")
        let first = store(db, k, bytes("hello world"))   // 8 + 1 + 11 = 20 -> 24-byte block, 15 bytes of room
        #expect(KeyRecord.capacity(first.record) == 24)
        let second = store(db, k, bytes("short"))
        #expect(second.record == first.record)
        #expect(second.encoding == .embstr)
        #expect(db.value(k) == bytes("short"))
        let third = store(db, k, bytes("123456"))        // integer needs a word: there are 15 bytes
        #expect(third.record == first.record)
        #expect(third.kind == .integer)
        #expect(third.integer == 123_456)
        let fourth = store(db, k, bytes("7"))             // shared integer, in place
        #expect(fourth.record == first.record)
        #expect(fourth.isShared)
        let fifth = store(db, k, bytes("abc"))             // back to a string, unshared
        #expect(fifth.record == first.record)
        #expect(!fifth.isShared)
        #expect(fifth.encoding == .embstr)
        #expect(fifth.stringBytes == bytes("abc"))
        let sixth = store(db, k, [UInt8](repeating: 65, count: 15))
        #expect(sixth.record == first.record)
        #expect(db.count == 1)
    }

    @Test func newRecordWhenTheValueDoesNotFit() {
        let db = Database(id: 0)
        let k = bytes("k")
        let tiny = store(db, k, bytes("abc"))            // 8 + 1 + 3 = 12 -> 16-byte block, 7 bytes of room
        #expect(!tiny.hasWordRoom)
        let integer = store(db, k, bytes("12345"))       // no word of room: a new record
        #expect(integer.record != tiny.record)
        #expect(integer.kind == .integer)
        #expect(integer.integer == 12345)
        let longer = store(db, k, [UInt8](repeating: 66, count: 200))
        #expect(longer.record != integer.record)
        #expect(longer.kind == .inline)
        #expect(longer.encoding == .raw)
        #expect(db.value(k) == [UInt8](repeating: 66, count: 200))
        #expect(db.count == 1)
    }

    @Test func externalStringsAreRewrittenInTheirBuffer() {
        let db = Database(id: 0)
        let k = bytes("k")
        let big = store(db, k, filled(300))
        #expect(big.kind == .external)
        let smaller = store(db, k, filled(290, seed: 1))
        #expect(smaller.record == big.record)
        #expect(smaller.kind == .external)
        #expect(smaller.encoding == .raw)
        #expect(smaller.stringBytes == filled(290, seed: 1))
        let tiny = store(db, k, bytes("abcde"))          // fits the 8-byte value area inline
        #expect(tiny.record == big.record)
        #expect(tiny.kind == .inline)
        #expect(tiny.encoding == .embstr)
        #expect(tiny.stringBytes == bytes("abcde"))
        let huge = store(db, k, filled(400, seed: 2))
        #expect(huge.kind == .external)
        #expect(huge.stringBytes == filled(400, seed: 2))
        let bigger = store(db, k, filled(500, seed: 3))  // past the buffer's capacity: a new record
        #expect(bigger.record != huge.record)
        #expect(bigger.stringBytes == filled(500, seed: 3))
        let number = store(db, k, bytes("-77"))
        #expect(number.record == bigger.record)
        #expect(number.kind == .integer)
        #expect(number.stringBytes == bytes("-77"))
    }

    @Test(arguments: [false, true])
    func overwriteKeepsOrClearsTheTTL(keepTTL: Bool) {
        let db = Database(id: 0)
        let k = bytes("k"), other = bytes("other")
        _ = store(db, other, bytes("x"))
        expire(db, other, 9000)
        _ = store(db, k, bytes("hello world"))
        expire(db, k, 5000)
        #expect(db.expiresCount == 2)
        let before = db.object(k)!.record
        // In place.
        let inPlace = store(db, k, bytes("bye"), keepTTL: keepTTL)
        #expect(inPlace.record == before)
        #expect(db.ttl(k) == (keepTTL ? 5000 : nil))
        #expect(db.expiresCount == (keepTTL ? 2 : 1))
        #expect(db.expiresIndexProblem() == nil)
        if !keepTTL { expire(db, k, 5000) }
        // A new record (the value does not fit): the TTL follows it or is dropped.
        let moved = store(db, k, filled(250), keepTTL: keepTTL)
        #expect(moved.record != before)
        #expect(db.ttl(k) == (keepTTL ? 5000 : nil))
        #expect(db.expiresCount == (keepTTL ? 2 : 1))
        #expect(db.expiresIndexProblem() == nil)
        #expect(db.value(k) == filled(250))
        #expect(db.ttl(other) == 9000)
        // A detached value through set(keepTTL:).
        if !keepTTL { expire(db, k, 5000) }
        k.withUnsafeBytes { _ = db.set($0, RedisObject.string(bytes("detached")), keepTTL: keepTTL) }
        #expect(db.ttl(k) == (keepTTL ? 5000 : nil))
        #expect(db.value(k) == bytes("detached"))
        #expect(db.expiresIndexProblem() == nil)
    }

    @Test func storeStringOverACollectionMakesAString() {
        let liveBefore = RecordSlab.shared.liveBlocks
        do {
            let db = Database(id: 0)
            let k = bytes("h")
            let hash = db.add(k, HashType.create())
            bytes("f").withUnsafeBytes { _ = HashType.set(hash, field: $0, value: .integer(1), limits: HashLimits()) }
            let string = store(db, k, bytes("plain"))
            #expect(string.type == .string)
            #expect(string.kind == .inline)
            #expect(db.value(k) == bytes("plain"))
            #expect(db.count == 1)
        }
        #expect(RecordSlab.shared.liveBlocks == liveBefore)
    }

    // MARK: write (APPEND / SETRANGE), setInteger, hasWordRoom

    @Test func writeAppendsInlineThenGoesExternal() {
        let db = Database(id: 0)
        let k = bytes("k")
        let object = store(db, k, bytes("hello world"))  // 15 bytes of room
        #expect(object.encoding == .embstr)
        #expect(object.write(bytes(" foo"), at: 11) == 15)
        #expect(object.kind == .inline)
        #expect(object.encoding == .raw)
        #expect(object.stringBytes == bytes("hello world foo"))
        // Past the record's room: an external buffer, with a zero-filled gap.
        #expect(object.write(bytes("X"), at: 20) == 21)
        #expect(object.kind == .external)
        #expect(object.encoding == .raw)
        #expect(object.stringBytes == bytes("hello world foo") + [0, 0, 0, 0, 0] + bytes("X"))
        // Past the buffer's capacity: it grows, content kept.
        #expect(object.write(bytes("end"), at: 100) == 103)
        var expected = bytes("hello world foo") + [0, 0, 0, 0, 0] + bytes("X")
        expected += [UInt8](repeating: 0, count: 100 - expected.count) + bytes("end")
        #expect(object.stringBytes == expected)
        // SETRANGE inside the string: the length stays.
        #expect(object.write(bytes("ZZ"), at: 2) == 103)
        expected[2] = UInt8(ascii: "Z"); expected[3] = UInt8(ascii: "Z")
        #expect(object.stringBytes == expected)
        // An empty write past the end still extends (the caller decides whether to call).
        #expect(object.write(UnsafeRawBufferPointer(start: nil, count: 0), at: 103) == 103)
        // The record never moved.
        #expect(db.object(k)!.record == object.record)
        #expect(db.value(k) == expected)
    }

    @Test func writeZeroFillsAnEmptyString() {
        let db = Database(id: 0)
        let object = store(db, bytes("k"), [])
        #expect(object.stringLength == 0)
        #expect(object.write(bytes("x"), at: 3) == 4)
        #expect(object.stringBytes == [0, 0, 0, UInt8(ascii: "x")])
        #expect(object.encoding == .raw)
    }

    @Test func writeFailsWhenATinyRecordHasNoWordOfRoom() {
        let db = Database(id: 0)
        let object = store(db, bytes("k"), bytes("abc"))  // 16-byte block, 7 bytes of room
        #expect(!object.hasWordRoom)
        #expect(object.write(bytes("defg"), at: 3) == 7)  // still fits inline
        #expect(object.stringBytes == bytes("abcdefg"))
        #expect(object.encoding == .raw)
        #expect(object.write(bytes("h"), at: 7) == nil)   // no room for a pointer: unchanged
        #expect(object.kind == .inline)
        #expect(object.stringBytes == bytes("abcdefg"))
        #expect(object.write(bytes("Q"), at: 0) == 7)     // in-bounds SETRANGE still works
        #expect(object.stringBytes == bytes("Qbcdefg"))
    }

    @Test func writeOnIntegers() {
        let db = Database(id: 0)
        let number = store(db, bytes("n"), bytes("12345"))
        #expect(number.kind == .integer)
        #expect(number.write(bytes("6"), at: 5) == 6)
        #expect(number.kind == .inline)
        #expect(number.encoding == .raw)
        #expect(number.stringBytes == bytes("123456"))

        let shared = store(db, bytes("s"), bytes("7"))
        #expect(shared.isShared)
        #expect(shared.write(bytes("8"), at: 1) == 2)
        #expect(!shared.isShared)
        #expect(shared.refcount == 1)
        #expect(shared.stringBytes == bytes("78"))

        // 20 digits do not fit the record's 15 bytes: the text goes external first.
        let minimum = store(db, bytes("m"), bytes("-9223372036854775808"))
        #expect(minimum.kind == .integer)
        #expect(minimum.write(bytes("1"), at: 20) == 21)
        #expect(minimum.kind == .external)
        #expect(minimum.stringBytes == bytes("-92233720368547758081"))

        let middle = store(db, bytes("x"), bytes("-42"))
        #expect(middle.write(bytes("9"), at: 1) == 3)
        #expect(middle.stringBytes == bytes("-92"))
        #expect(middle.kind == .inline)
    }

    @Test func setIntegerAndHasWordRoom() {
        let detached = RedisObject.string(bytes("abc"))     // no key: 8 + 3 -> 16-byte block, 8 bytes of room
        #expect(detached.hasWordRoom)
        detached.release()

        let db = Database(id: 0)
        #expect(!store(db, bytes("a"), bytes("abc")).hasWordRoom)
        #expect(!store(db, bytes("b"), bytes("abcdefg")).hasWordRoom)   // 8 + 1 + 7 = 16: 7 bytes
        #expect(store(db, bytes("c"), bytes("abcdefgh")).hasWordRoom)   // 17 -> 24: 15 bytes
        #expect(store(db, bytes("d"), bytes("1")).hasWordRoom)
        #expect(store(db, bytes("e"), filled(300)).hasWordRoom)

        let object = store(db, bytes("f"), bytes("hello world"))
        object.setInteger(42)
        #expect(object.kind == .integer)
        #expect(object.encoding == .int)
        #expect(!object.isShared)
        #expect(object.stringBytes == bytes("42"))
        object.setInteger(7, shared: true)
        #expect(object.isShared)
        #expect(object.refcount == RedisObject.sharedRefcount)
        object.setInteger(-5, shared: false)
        #expect(!object.isShared)
        #expect(object.stringBytes == bytes("-5"))

        let external = store(db, bytes("g"), filled(1000))
        #expect(external.kind == .external)
        external.setInteger(Int64.max)
        #expect(external.kind == .integer)
        #expect(external.stringBytes == bytes(String(Int64.max)))
        #expect(db.value(bytes("g")) == bytes(String(Int64.max)))
    }
}
