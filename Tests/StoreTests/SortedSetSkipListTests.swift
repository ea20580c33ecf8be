import Testing
import TestSupport
@testable import Store

/// The skiplist against a sorted array model: order, spans (ranks), backward links, range
/// searches and the three kinds of range deletion, under random operations.
@Suite struct SortedSetSkipListTests {
    struct Element: Comparable {
        var score: Double
        var member: [UInt8]

        static func < (a: Element, b: Element) -> Bool {
            if a.score != b.score { return a.score < b.score }
            return a.member.withUnsafeBytes { x in b.member.withUnsafeBytes { compareBytes(x, $0) < 0 } }
        }
    }

    /// Everything the list holds, walked forwards, with a check of the backward links.
    func contents(_ list: SkipList) -> [Element] {
        var forward: [Element] = []
        var node = list.first
        while let current = node {
            forward.append(Element(score: current.score, member: [UInt8](current.member)))
            node = list.next(current)
        }
        var backward: [Element] = []
        node = list.last
        while let current = node {
            backward.append(Element(score: current.score, member: [UInt8](current.member)))
            node = list.previous(current)
        }
        #expect(backward.reversed() == forward)
        #expect(forward.count == list.length)
        return forward
    }

    func randomScore(_ generator: inout SeededGenerator) -> Double {
        switch Int.random(in: 0..<10, using: &generator) {
        case 0: return -.infinity
        case 1: return .infinity
        case 2, 3: return Double(Int.random(in: -3...3, using: &generator))
        default: return Double(Int.random(in: -1000...1000, using: &generator)) / 8
        }
    }

    func randomRange(_ generator: inout SeededGenerator) -> ZScoreRange {
        ZScoreRange(min: randomScore(&generator), max: randomScore(&generator),
                    minExclusive: Bool.random(using: &generator), maxExclusive: Bool.random(using: &generator))
    }

    @Test func emptyList() {
        let list = SkipList()
        #expect(list.length == 0)
        #expect(list.first == nil && list.last == nil)
        #expect(list.node(atRank: 1) == nil)
        #expect(list.firstInRange(ZScoreRange(min: -.infinity, max: .infinity)) == nil)
        #expect(list.deleteRange(ranks: 1, 10) { _ in } == 0)
        #expect(bytes("x").withUnsafeBytes { list.rank(score: 0, member: $0) } == 0)
    }

    @Test func ranksAndRangesUnderRandomOperations() {
        var generator = SeededGenerator(seed: 7)
        let list = SkipList()
        var model: [Element] = []
        var scores: [[UInt8]: Double] = [:]
        for step in 0..<6000 {
            let member = bytes("m\(Int.random(in: 0..<400, using: &generator))")
            let score = randomScore(&generator)
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<5:
                if let current = scores[member] {
                    member.withUnsafeBytes { _ = list.updateScore(member: $0, from: current, to: score) }
                    model.removeAll { $0.member == member }
                } else {
                    member.withUnsafeBytes { _ = list.insert(score: score, member: $0) }
                }
                scores[member] = score
                model.append(Element(score: score, member: member))
                model.sort()
            case 5..<8:
                let removed = member.withUnsafeBytes { list.delete(score: scores[member] ?? score, member: $0) }
                #expect(removed == (scores[member] != nil))
                scores[member] = nil
                model.removeAll { $0.member == member }
            case 8:
                let range = randomRange(&generator)
                let removed = list.deleteRange(range) { scores[[UInt8]($0)] = nil }
                let before = model.count
                model.removeAll { range.contains($0.score) }
                #expect(removed == before - model.count)
            default:
                guard !model.isEmpty else { continue }
                let start = Int.random(in: 1...model.count, using: &generator)
                let end = Int.random(in: start...model.count, using: &generator)
                let removed = list.deleteRange(ranks: start, end) { scores[[UInt8]($0)] = nil }
                #expect(removed == end - start + 1)
                model.removeSubrange((start - 1)..<end)
            }
            if step % 50 == 0 {
                #expect(contents(list) == model)
                for (index, element) in model.enumerated() {
                    let rank = element.member.withUnsafeBytes { list.rank(score: element.score, member: $0) }
                    #expect(rank == index + 1)
                    #expect(list.node(atRank: index + 1).map { [UInt8]($0.member) } == element.member)
                }
                #expect(list.node(atRank: model.count + 1) == nil)
                for _ in 0..<20 {
                    let range = randomRange(&generator)
                    let inside = model.filter { range.contains($0.score) }
                    #expect(list.firstInRange(range).map { [UInt8]($0.member) } == inside.first?.member)
                    #expect(list.lastInRange(range).map { [UInt8]($0.member) } == inside.last?.member)
                }
            }
        }
        #expect(contents(list) == model)
    }

    @Test func lexRangesOnEqualScores() {
        let list = SkipList()
        let members = ["", "a", "aa", "ab", "b", "ba", "c", "zz"].map(bytes)
        for member in members.shuffled() { member.withUnsafeBytes { _ = list.insert(score: 0, member: $0) } }
        func range(_ min: String, _ max: String) -> ZLexRange {
            bytes(min).withUnsafeBytes { low in bytes(max).withUnsafeBytes { ZLexRange.parse(min: low, max: $0)! } }
        }
        func inside(_ range: ZLexRange) -> [[UInt8]] {
            members.filter { member in member.withUnsafeBytes { range.contains($0) } }
        }
        for (min, max) in [("-", "+"), ("[a", "[b"), ("(a", "(b"), ("[", "(aa"), ("(zz", "+"), ("+", "-"), ("[c", "[a"),
                           ("-", "[ab"), ("(", "+")] {
            let r = range(min, max)
            let expected = inside(r)
            #expect(list.firstInRange(r).map { [UInt8]($0.member) } == expected.first, "\(min) \(max)")
            #expect(list.lastInRange(r).map { [UInt8]($0.member) } == expected.last, "\(min) \(max)")
        }
        #expect(list.deleteRange(range("[a", "(b")) { _ in } == 3)
        #expect(list.length == members.count - 3)
    }

    @Test func levelsStayWithinTheMaximum() {
        var maximum = 0
        for _ in 0..<200_000 { maximum = max(maximum, SkipList.randomLevel()) }
        #expect(maximum <= SkipList.maxLevel)
        #expect(maximum >= 5)
    }

    /// A long list is freed node by node, not recursively.
    @Test func largeListIsReleased() {
        var list: SkipList? = SkipList()
        for index in 0..<300_000 {
            bytes("member:\(index)").withUnsafeBytes { _ = list!.insert(score: Double(index), member: $0) }
        }
        #expect(list!.length == 300_000)
        #expect(list!.node(atRank: 150_001)?.score == 150_000)
        list = nil
    }
}
