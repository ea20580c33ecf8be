import Testing
import TestSupport
@testable import Store

/// The set type's operations on both encodings and the intset → hashtable conversion.
@Suite struct SetTypeTests {
    static func create(_ first: String) -> RedisObject {
        bytes(first).withUnsafeBytes { SetType.create(for: $0) }
    }

    static func add(_ set: RedisObject, _ member: String, _ limit: Int = 512) -> Bool {
        bytes(member).withUnsafeBytes { SetType.add(set, $0, maxIntsetEntries: limit) }
    }

    static func remove(_ set: RedisObject, _ member: String) -> Bool {
        bytes(member).withUnsafeBytes { SetType.remove(set, $0) }
    }

    static func contains(_ set: RedisObject, _ member: String) -> Bool {
        bytes(member).withUnsafeBytes { SetType.contains(set, $0) }
    }

    @Test func firstMemberChoosesTheEncoding() {
        for (member, encoding) in [("1", ObjectEncoding.intset), ("-9223372036854775808", .intset), ("a", .hashtable),
                                   ("-0", .hashtable), ("007", .hashtable), (" 1", .hashtable), ("", .hashtable),
                                   ("9223372036854775808", .hashtable)] {
            #expect(SetTypeTests.create(member).encoding == encoding, "\(member)")
        }
    }

    @Test func convertsOnANonIntegerOrPastTheLimit() {
        let set = SetTypeTests.create("1")  // empty: SADD adds its first member after creating
        for index in 0..<4 { #expect(SetTypeTests.add(set, "\(index)", 4)) }
        #expect(set.encoding == .intset)
        #expect(!SetTypeTests.add(set, "3", 4))
        #expect(set.encoding == .intset)
        #expect(SetTypeTests.add(set, "4", 4))
        #expect(set.encoding == .hashtable)
        #expect(SetType.size(set) == 5)
        for index in 0..<5 { #expect(SetTypeTests.contains(set, "\(index)")) }

        let mixed = SetTypeTests.create("1")
        _ = SetTypeTests.add(mixed, "1")
        #expect(SetTypeTests.add(mixed, "x"))
        #expect(mixed.encoding == .hashtable)
        #expect(SetType.members(mixed).sorted { $0.lexicographicallyPrecedes($1) } == [bytes("1"), bytes("x")])
        #expect(SetTypeTests.remove(mixed, "x"))
        #expect(mixed.encoding == .hashtable)  // never converts back
    }

    @Test func nonCanonicalIntegersAreNotIntsetMembers() {
        let set = SetTypeTests.create("7")
        _ = SetTypeTests.add(set, "7")
        for text in ["007", "+7", " 7", "7.0", "-0"] {
            #expect(!SetTypeTests.contains(set, text))
            #expect(!SetTypeTests.remove(set, text))
        }
        #expect(set.encoding == .intset)
        #expect(SetTypeTests.contains(set, "7"))
    }

    @Test func intsetIteratesInOrderAndElementsCompareByValue() {
        let set = SetType.createIntset()
        for value in ["30", "-2", "100000", "5"] { _ = SetTypeTests.add(set, value) }
        var order: [[UInt8]] = []
        SetType.forEach(set) { order.append($0.array) }
        #expect(order == ["-2", "5", "30", "100000"].map { bytes($0) })
        #expect(SetType.contains(set, .integer(30)))
        #expect(bytes("30").withUnsafeBytes { SetType.contains(set, .bytes($0)) })
        #expect(SetType.remove(set, .integer(30)))
        #expect(!SetType.contains(set, .integer(30)))
        #expect(SetType.add(set, .integer(Int64.max), maxIntsetEntries: 512))
        #expect(set.encoding == .intset)
    }

    @Test func duplicateIsIndependent() {
        for first in ["1", "a"] {
            let set = SetTypeTests.create(first)
            _ = SetTypeTests.add(set, first)
            let copy = SetType.duplicate(set)
            #expect(copy.encoding == set.encoding)
            _ = SetTypeTests.add(copy, "2")
            #expect(SetType.size(set) == 1)
            #expect(SetType.size(copy) == 2)
        }
    }

    @Test func randomMembersCoverTheSet() {
        var generator = SeededGenerator(seed: 2)
        for first in ["1", "a"] {
            let set = SetTypeTests.create(first)
            for index in 0..<8 { _ = SetTypeTests.add(set, first == "a" ? "m\(index)" : "\(index)") }
            var seen = Set<[UInt8]>()
            for _ in 0..<400 { SetType.withRandomMember(set, using: &generator) { _ = seen.insert($0.array) } }
            #expect(seen.count == 8)
        }
    }

    /// Random adds and removes agree with a Swift Set across the conversion.
    @Test func randomOperationsAgainstAModel() {
        var generator = SeededGenerator(seed: 13)
        for limit in [8, 512] {
            let set = SetType.createIntset()
            var model = Set<[UInt8]>()
            for _ in 0..<5000 {
                let roll = Int.random(in: 0..<100, using: &generator)
                let member = roll < 97 ? "\(Int.random(in: -20..<20, using: &generator))" : "m\(roll)"
                if Bool.random(using: &generator) {
                    #expect(SetTypeTests.add(set, member, limit) == model.insert(bytes(member)).inserted)
                } else {
                    #expect(SetTypeTests.remove(set, member) == (model.remove(bytes(member)) != nil))
                }
                #expect(SetType.size(set) == model.count)
            }
            #expect(Set(SetType.members(set)) == model)
        }
    }
}
