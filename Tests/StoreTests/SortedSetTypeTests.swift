import Testing
import TestSupport
@testable import Store

/// The sorted set's two encodings: conversions at exactly the thresholds, the listpack's score
/// storage, and both encodings agreeing on every query under random operations.
@Suite struct SortedSetTypeTests {
    let limits = ZSetLimits(maxListpackEntries: 4, maxListpackValue: 5)

    @discardableResult
    func add(_ object: RedisObject, _ member: String, _ score: Double, _ flags: ZAddFlags = [],
             limits: ZSetLimits? = nil) -> ZAddResult {
        bytes(member).withUnsafeBytes { ZSetType.add(object, $0, score: score, flags: flags, limits: limits ?? self.limits) }
    }

    func elements(_ object: RedisObject) -> [(String, Double)] {
        var out: [(String, Double)] = []
        ZSetType.forEach(object) { member, score in out.append((String(decoding: member.array, as: UTF8.self), score)) }
        return out
    }

    @Test func convertsAtTheEntryLimit() {
        let object = ZSetType.createListpack()
        for (index, member) in ["a", "b", "c", "d"].enumerated() { add(object, member, Double(index)) }
        #expect(object.encoding == .listpack)
        #expect(ZSetType.length(object) == 4)
        add(object, "a", 10)                      // an update is not a new entry
        #expect(object.encoding == .listpack)
        add(object, "e", 5)
        #expect(object.encoding == .skiplist)
        #expect(elements(object).map(\.0) == ["b", "c", "d", "e", "a"])
        ZSetType.remove(object, bytes("e").withUnsafeBytes { $0 })
        #expect(object.encoding == .skiplist)     // never back by removal
    }

    @Test func convertsAtTheValueLimit() {
        let object = ZSetType.createListpack()
        add(object, "12345", 1)
        #expect(object.encoding == .listpack)
        add(object, "123456", 2)
        #expect(object.encoding == .skiplist)
        #expect(elements(object).map(\.0) == ["12345", "123456"])
    }

    @Test func convertsBackOnlyWhenItFits() {
        let object = ZSetType.createSkiplist()
        for (index, member) in ["a", "b", "c", "d"].enumerated() { add(object, member, Double(index)) }
        ZSetType.convertToListpackIfNeeded(object, maxElementLength: 5, limits: limits)
        #expect(object.encoding == .listpack)
        #expect(elements(object).map(\.0) == ["a", "b", "c", "d"])
        let five = ZSetType.createSkiplist()
        for (index, member) in ["a", "b", "c", "d", "e"].enumerated() { add(five, member, Double(index)) }
        ZSetType.convertToListpackIfNeeded(five, maxElementLength: 1, limits: limits)
        #expect(five.encoding == .skiplist)
        let long = ZSetType.createSkiplist()
        add(long, "a", 1)
        ZSetType.convertToListpackIfNeeded(long, maxElementLength: 6, limits: limits)
        #expect(long.encoding == .skiplist)
    }

    /// Scores go into a listpack as Redis writes them: integers within ±2^62 as integer
    /// entries (so -0 becomes 0), everything else as %.17g text.
    @Test func listpackScoreStorage() {
        let object = ZSetType.createListpack()
        let big = ZSetLimits(maxListpackEntries: 128, maxListpackValue: 64)
        for (member, score) in [("zero", -0.0), ("int", 17), ("big", 1e17), ("edge", 4_611_686_018_427_387_904),
                                ("over", 1e19), ("frac", 0.1), ("inf", .infinity), ("ninf", -.infinity)] {
            add(object, member, score, limits: big)
        }
        let lp = ZSetType.listpack(object)
        var stored: [String: String] = [:]
        var offset = lp.firstOffset
        while !lp.isEnd(offset) {
            let member = String(decoding: lp.elementBytes(at: offset), as: UTF8.self)
            let scoreOffset = lp.next(after: offset)
            stored[member] = lp.withElement(at: scoreOffset) { element -> String in
                if case .integer(let value) = element { return "int:\(value)" }
                return "text:" + String(decoding: element.array, as: UTF8.self)
            }
            offset = lp.next(after: scoreOffset)
        }
        #expect(stored == ["zero": "int:0", "int": "int:17", "big": "int:100000000000000000",
                           "edge": "int:4611686018427387904", "over": "text:1e+19", "frac": "text:0.10000000000000001",
                           "inf": "text:inf", "ninf": "text:-inf"])
        #expect(ZSetType.score(object, bytes("zero").withUnsafeBytes { $0 })?.sign == .plus)
        let skiplist = ZSetType.createSkiplist()
        add(skiplist, "zero", -0.0)
        #expect(ZSetType.score(skiplist, bytes("zero").withUnsafeBytes { $0 })?.sign == .minus)
    }

    @Test func addFlags() {
        let object = ZSetType.createListpack()
        guard case .added(5) = add(object, "a", 5) else { Issue.record("added"); return }
        guard case .skipped = add(object, "a", 6, .nx) else { Issue.record("nx"); return }
        guard case .skipped = add(object, "b", 6, .xx) else { Issue.record("xx"); return }
        guard case .skipped = add(object, "a", 4, .gt) else { Issue.record("gt"); return }
        guard case .updated(7) = add(object, "a", 7, .gt) else { Issue.record("gt update"); return }
        guard case .skipped = add(object, "a", 8, .lt) else { Issue.record("lt"); return }
        guard case .unchanged(7) = add(object, "a", 7) else { Issue.record("same"); return }
        guard case .updated(9) = add(object, "a", 2, .incr) else { Issue.record("incr"); return }
        add(object, "i", .infinity)
        guard case .nan = add(object, "i", -.infinity, .incr) else { Issue.record("nan"); return }
        guard case .nan = add(object, "n", .nan) else { Issue.record("nan score"); return }
    }

    /// The same random operations on a listpack-encoded and a skiplist-encoded set must give
    /// the same answers to every query.
    @Test func encodingsAgree() {
        var generator = SeededGenerator(seed: 11)
        let unlimited = ZSetLimits(maxListpackEntries: 1 << 30, maxListpackValue: 1 << 30)
        for round in 0..<40 {
            let listpack = ZSetType.createListpack()
            let skiplist = ZSetType.createSkiplist()
            for _ in 0..<Int.random(in: 1..<60, using: &generator) {
                let member = "m\(Int.random(in: 0..<30, using: &generator))"
                let score = Double(Int.random(in: -5...5, using: &generator)) / 2
                if Int.random(in: 0..<5, using: &generator) == 0 {
                    let a = bytes(member).withUnsafeBytes { ZSetType.remove(listpack, $0) }
                    let b = bytes(member).withUnsafeBytes { ZSetType.remove(skiplist, $0) }
                    #expect(a == b)
                } else {
                    add(listpack, member, score, limits: unlimited)
                    add(skiplist, member, score, limits: unlimited)
                }
            }
            #expect(listpack.encoding == .listpack && skiplist.encoding == .skiplist)
            #expect(elements(listpack).map(\.0) == elements(skiplist).map(\.0), "round \(round)")
            let length = ZSetType.length(listpack)
            #expect(length == ZSetType.length(skiplist))
            for index in 0..<30 {
                let member = bytes("m\(index)")
                for reverse in [false, true] {
                    let a = member.withUnsafeBytes { ZSetType.rank(listpack, $0, reverse: reverse) }
                    let b = member.withUnsafeBytes { ZSetType.rank(skiplist, $0, reverse: reverse) }
                    #expect(a == b)
                }
            }
            for _ in 0..<10 {
                let range = ZScoreRange(min: Double(Int.random(in: -6...6, using: &generator)) / 2,
                                        max: Double(Int.random(in: -6...6, using: &generator)) / 2,
                                        minExclusive: Bool.random(using: &generator),
                                        maxExclusive: Bool.random(using: &generator))
                #expect(ZSetType.count(listpack, in: range) == ZSetType.count(skiplist, in: range))
                for reverse in [false, true] {
                    func walk(_ object: RedisObject) -> [String] {
                        var out: [String] = []
                        _ = ZSetType.forEach(object, from: ZSetType.edge(object, of: range, reverse: reverse), offset: 1,
                                             limit: 5, reverse: reverse,
                                             inside: { _, score in reverse ? range.aboveMin(score) : range.belowMax(score) }) {
                            member, _ in out.append(String(decoding: member.array, as: UTF8.self))
                        }
                        return out
                    }
                    #expect(walk(listpack) == walk(skiplist))
                }
            }
            if length > 2 {
                let start = Int.random(in: 0..<length, using: &generator)
                let end = Int.random(in: start..<length, using: &generator)
                #expect(ZSetType.removeRange(listpack, ranks: start, end) == ZSetType.removeRange(skiplist, ranks: start, end))
                let range = ZScoreRange(min: -1, max: 0.5)
                #expect(ZSetType.removeRange(listpack, range) == ZSetType.removeRange(skiplist, range))
                #expect(elements(listpack).map(\.0) == elements(skiplist).map(\.0))
            }
            let copy = ZSetType.duplicate(skiplist)
            add(copy, "extra", 100, limits: unlimited)
            #expect(ZSetType.length(copy) == ZSetType.length(skiplist) + 1)
        }
    }
}
