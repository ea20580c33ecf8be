import Testing
import TestSupport
@testable import Store

/// IntSet, checked byte for byte against intsets taken from redis-server 7.0.15 (DUMP with
/// rdbcompression off), and against a Swift Set under random edits.
@Suite struct SetIntSetTests {
    static func make(_ values: [Int64]) -> IntSet {
        let set = IntSet()
        for value in values { set.add(value) }
        return set
    }

    static func elements(_ set: IntSet) -> [Int64] {
        var result: [Int64] = []
        set.forEach { result.append($0) }
        #expect(result == (0..<set.count).map { set[$0] })
        return result
    }

    @Test func matchesRedisEncodingAtEachWidth() {
        #expect(HashListpackTests.hex(SetIntSetTests.make([5, -3, 100]).bytes) == "0200000003000000fdff05006400")
        #expect(HashListpackTests.hex(SetIntSetTests.make([5, -3, 100, 70000]).bytes)
                == "0400000004000000fdffffff050000006400000070110100")
        #expect(HashListpackTests.hex(SetIntSetTests.make([5, -3, 100, 70000, -5_000_000_000]).bytes)
                == "0800000005000000000efad5fefffffffdffffffffffffff050000000000000064000000000000007011010000000000")
    }

    @Test func upgradesPutTheNewValueAtTheRightEnd() {
        let set = SetIntSetTests.make([1, 2, 3])
        #expect(set.width == 2)
        #expect(set.add(-40000))
        #expect(set.width == 4)
        #expect(SetIntSetTests.elements(set) == [-40000, 1, 2, 3])
        #expect(set.add(Int64.max))
        #expect(set.width == 8)
        #expect(SetIntSetTests.elements(set) == [-40000, 1, 2, 3, .max])
        #expect(set.add(.min))
        #expect(SetIntSetTests.elements(set) == [.min, -40000, 1, 2, 3, .max])
        #expect(!set.add(2))
        // removals never downgrade
        for value in [Int64.min, -40000, .max] { #expect(set.remove(value)) }
        #expect(set.width == 8)
        #expect(SetIntSetTests.elements(set) == [1, 2, 3])
    }

    @Test func membershipOfValuesWiderThanTheSet() {
        let set = SetIntSetTests.make([1, 2, 3])
        #expect(!set.contains(70000))
        #expect(!set.contains(.min))
        #expect(!set.remove(70000))
        #expect(set.contains(3))
        #expect(!set.contains(0))
        #expect(!IntSet().contains(0))
        #expect(IntSet().search(5) == (false, 0))
    }

    @Test func randomElementsCoverTheSet() {
        var generator = SeededGenerator(seed: 5)
        let set = SetIntSetTests.make([10, 20, 30, 40])
        var seen = Set<Int64>()
        for _ in 0..<200 { seen.insert(set.random(using: &generator)) }
        #expect(seen == [10, 20, 30, 40])
    }

    @Test func randomEditsAgainstAModel() {
        var generator = SeededGenerator(seed: 9)
        let set = IntSet()
        var model = Set<Int64>()
        let ranges: [ClosedRange<Int64>] = [-100...100, -40000...40000, -3_000_000_000...3_000_000_000, Int64.min...Int64.max]
        for step in 0..<20000 {
            // widen the values slowly, so each width sees plenty of edits
            let range = ranges[min(step / 5000, 3)]
            let value = Int64.random(in: range, using: &generator)
            let probe = model.isEmpty || Bool.random(using: &generator) ? value : model.randomElement(using: &generator)!
            if Int.random(in: 0..<3, using: &generator) == 0 {
                #expect(set.remove(probe) == (model.remove(probe) != nil))
            } else {
                #expect(set.add(probe) == model.insert(probe).inserted)
            }
            #expect(set.count == model.count)
        }
        #expect(SetIntSetTests.elements(set) == model.sorted())
        for value in model { #expect(set.contains(value)) }
        let header = set.bytes.withUnsafeBytes { ($0.loadUnaligned(as: UInt32.self), $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) }
        #expect(Int(header.0) == set.width && Int(header.1) == model.count)
        #expect(set.byteCount == IntSet.headerSize + set.width * model.count)
        #expect(IntSet(copying: set).bytes == set.bytes)
    }
}
