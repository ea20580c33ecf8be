import Testing
import TestSupport
@testable import Store

/// The hash type's operations on both encodings and the listpack → hashtable conversion at
/// exactly the configured thresholds.
@Suite struct HashTypeTests {
    static func set(_ hash: RedisObject, _ field: String, _ value: String, _ limits: HashLimits) -> Bool {
        bytes(field).withUnsafeBytes { f in bytes(value).withUnsafeBytes { v in
            HashType.set(hash, field: f, value: .bytes(v), limits: limits)
        } }
    }

    static func get(_ hash: RedisObject, _ field: String) -> [UInt8]? {
        bytes(field).withUnsafeBytes { HashType.withValue(hash, $0) { $0?.array } }
    }

    static func delete(_ hash: RedisObject, _ field: String) -> Bool {
        bytes(field).withUnsafeBytes { HashType.delete(hash, $0) }
    }

    static func pairs(_ hash: RedisObject) -> [[UInt8]: [UInt8]] {
        var result: [[UInt8]: [UInt8]] = [:]
        HashType.forEach(hash) { field, value in result[field.array] = value.array }
        return result
    }

    @Test func convertsAfterTheEntryLimit() {
        let limits = HashLimits(maxListpackEntries: 4, maxListpackValue: 8)
        let hash = HashType.create()
        for index in 0..<4 { #expect(!HashTypeTests.set(hash, "f\(index)", "\(index)", limits)) }
        #expect(hash.encoding == .listpack)
        #expect(HashTypeTests.set(hash, "f0", "again", limits))  // an update adds no entry
        #expect(hash.encoding == .listpack)
        #expect(!HashTypeTests.set(hash, "f4", "4", limits))
        #expect(hash.encoding == .hashtable)
        #expect(HashType.length(hash) == 5)
        #expect(HashTypeTests.get(hash, "f0") == bytes("again"))
        #expect(HashTypeTests.get(hash, "f4") == bytes("4"))
        // deleting back below the limit never converts back
        for index in 0..<5 { #expect(HashTypeTests.delete(hash, "f\(index)")) }
        #expect(HashType.length(hash) == 0)
        #expect(hash.encoding == .hashtable)
    }

    @Test func convertsOnALongFieldOrValue() {
        let limits = HashLimits(maxListpackEntries: 512, maxListpackValue: 8)
        for (field, value, converts) in [("f", "12345678", false), ("f", "123456789", true),
                                         ("12345678", "v", false), ("123456789", "v", true),
                                         ("f", "-1234567", false), ("f", "-12345678", true)] {
            let hash = HashType.create()
            _ = HashTypeTests.set(hash, "a", "1", limits)
            _ = HashTypeTests.set(hash, field, value, limits)
            #expect((hash.encoding == .hashtable) == converts, "\(field) \(value)")
            #expect(HashTypeTests.pairs(hash) == [bytes("a"): bytes("1"), bytes(field): bytes(value)])
        }
        // an integer value is measured by its digits
        let hash = HashType.create()
        bytes("n").withUnsafeBytes { _ = HashType.set(hash, field: $0, value: .integer(123_456_789), limits: limits) }
        #expect(hash.encoding == .hashtable)
    }

    @Test func convertIfNeededOnALongArgumentOrPastTheSafetySize() {
        let limits = HashLimits(maxListpackEntries: 512, maxListpackValue: 4)
        let hash = HashType.create()
        HashType.convertIfNeeded(hash, longestArgument: 4, totalLength: 9, limits: limits)
        #expect(hash.encoding == .listpack)
        HashType.convertIfNeeded(hash, longestArgument: 4, totalLength: Listpack.maxSafetySize, limits: limits)
        #expect(hash.encoding == .hashtable)
        let other = HashType.create()
        HashType.convertIfNeeded(other, longestArgument: 5, totalLength: 10, limits: limits)
        #expect(other.encoding == .hashtable)
    }

    @Test func listpackKeepsInsertionOrder() {
        let limits = HashLimits()
        let hash = HashType.create()
        for field in ["z", "a", "m", "1", ""] { _ = HashTypeTests.set(hash, field, field + "!", limits) }
        _ = HashTypeTests.set(hash, "a", "updated", limits)
        _ = HashTypeTests.delete(hash, "m")
        var order: [[UInt8]] = []
        HashType.forEach(hash) { field, _ in order.append(field.array) }
        #expect(order == ["z", "a", "1", ""].map { bytes($0) })
        #expect(HashTypeTests.get(hash, "a") == bytes("updated"))
        #expect(HashTypeTests.get(hash, "m") == nil)
        #expect(!HashTypeTests.delete(hash, "m"))
        #expect(bytes("1").withUnsafeBytes { HashType.exists(hash, $0) })
    }

    @Test func duplicateIsIndependent() {
        for limits in [HashLimits(), HashLimits(maxListpackEntries: 0, maxListpackValue: 0)] {
            let hash = HashType.create()
            _ = HashTypeTests.set(hash, "a", "1", limits)
            let copy = HashType.duplicate(hash)
            #expect(copy.encoding == hash.encoding)
            _ = HashTypeTests.set(copy, "a", "2", limits)
            _ = HashTypeTests.set(copy, "b", "3", limits)
            #expect(HashTypeTests.pairs(hash) == [bytes("a"): bytes("1")])
            #expect(HashTypeTests.pairs(copy) == [bytes("a"): bytes("2"), bytes("b"): bytes("3")])
        }
    }

    @Test func randomPairIsAPair() {
        var generator = SeededGenerator(seed: 3)
        for limits in [HashLimits(), HashLimits(maxListpackEntries: 2, maxListpackValue: 64)] {
            let hash = HashType.create()
            for index in 0..<10 { _ = HashTypeTests.set(hash, "f\(index)", "v\(index)", limits) }
            var seen = Set<[UInt8]>()
            for _ in 0..<500 {
                HashType.withRandomPair(hash, using: &generator) { field, value in
                    #expect(value.array == [UInt8](bytes("v")) + field.array.dropFirst())
                    seen.insert(field.array)
                }
            }
            #expect(seen.count == 10)
        }
    }

    /// Random sets, updates and deletes agree with a Dictionary across the conversion.
    @Test func randomOperationsAgainstAModel() {
        var generator = SeededGenerator(seed: 11)
        for limits in [HashLimits(maxListpackEntries: 16, maxListpackValue: 10), HashLimits()] {
            let hash = HashType.create()
            var model: [[UInt8]: [UInt8]] = [:]
            let values = ["0", "-7", "300", "70000", "x", "", "long value here", "9223372036854775807", "007"]
            for _ in 0..<5000 {
                let field = "field\(Int.random(in: 0..<40, using: &generator))"
                if Int.random(in: 0..<3, using: &generator) == 0 {
                    #expect(HashTypeTests.delete(hash, field) == (model.removeValue(forKey: bytes(field)) != nil))
                } else {
                    let value = values[Int.random(in: 0..<values.count, using: &generator)]
                    #expect(HashTypeTests.set(hash, field, value, limits) == (model[bytes(field)] != nil))
                    model[bytes(field)] = bytes(value)
                }
                #expect(HashType.length(hash) == model.count)
            }
            #expect(HashTypeTests.pairs(hash) == model)
            for (field, value) in model { #expect(field.withUnsafeBytes { HashType.withValue(hash, $0) { $0?.array } } == value) }
        }
    }
}
