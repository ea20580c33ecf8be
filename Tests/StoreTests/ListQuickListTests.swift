import Testing
import TestSupport
@testable import Store

/// The quicklist against an array model, for several fills: pushes, pops, inserts, replaces,
/// range removals and removal while walking either way; and the node-size rules.
@Suite struct ListQuickListTests {
    func contents(_ list: QuickList) -> [[UInt8]] {
        var out: [[UInt8]] = []
        list.forEach(from: 0, count: list.count, reverse: false) { out.append($0.array) }
        var backwards: [[UInt8]] = []
        list.forEach(from: 0, count: list.count, reverse: true) { backwards.append($0.array) }
        #expect(backwards.reversed() == out)
        return out
    }

    /// No empty nodes, counts add up, and nodes respect the fill (a node may hold one
    /// oversized element).
    func checkNodes(_ list: QuickList) {
        var node = list.head
        var total = 0
        var nodes = 0
        var previous: QuickListNode? = nil
        while let current = node {
            #expect(current.count > 0)
            #expect(current.previous === previous)
            if list.fill > 0 {
                #expect(current.count <= list.fill || current.count == 1)
            } else if current.count > 1 {
                #expect(current.entries.byteCount <= QuickList.sizeLimits[-list.fill - 1])
            }
            total += current.count
            nodes += 1
            previous = current
            node = current.next
        }
        #expect(list.tail === previous)
        #expect(total == list.count)
        #expect(nodes == list.nodeCount)
    }

    func value(_ generator: inout SeededGenerator) -> [UInt8] {
        switch Int.random(in: 0..<6, using: &generator) {
        case 0: return bytes("\(Int.random(in: -100_000...100_000, using: &generator))")
        case 1: return [UInt8](repeating: UInt8(ascii: "x"), count: Int.random(in: 0..<300, using: &generator))
        case 2: return bytes("9223372036854775807")
        default: return bytes("v\(Int.random(in: 0..<20, using: &generator))")
        }
    }

    @Test(arguments: [-5, -2, -1, 1, 2, 5, 128])
    func randomOperationsAgainstAModel(fill: Int) {
        var generator = SeededGenerator(seed: UInt64(fill + 1000))
        let list = QuickList(fill: fill)
        var model: [[UInt8]] = []
        for step in 0..<4000 {
            let element = value(&generator)
            switch Int.random(in: 0..<12, using: &generator) {
            case 0..<3:
                element.withUnsafeBytes { list.push($0, atHead: true) }
                model.insert(element, at: 0)
            case 3..<6:
                element.withUnsafeBytes { list.push($0, atHead: false) }
                model.append(element)
            case 6:
                let head = Bool.random(using: &generator)
                #expect(list.pop(fromHead: head) == (head ? model.first : model.last))
                if !model.isEmpty { if head { model.removeFirst() } else { model.removeLast() } }
            case 7:
                guard !model.isEmpty else { continue }
                let index = Int.random(in: 0..<model.count, using: &generator)
                let after = Bool.random(using: &generator)
                list.insert(element.withUnsafeBytes { $0 }, at: list.position(at: index)!, after: after)
                model.insert(element, at: after ? index + 1 : index)
            case 8:
                let index = Int.random(in: -model.count - 2...model.count + 2, using: &generator)
                let replaced = element.withUnsafeBytes { list.replace(at: index, with: $0) }
                let target = index < 0 ? model.count + index : index
                #expect(replaced == (target >= 0 && target < model.count))
                if replaced { model[target] = element }
            case 9:
                guard !model.isEmpty else { continue }
                let start = Int.random(in: 0..<model.count, using: &generator)
                let length = Int.random(in: 0...(model.count - start + 2), using: &generator)
                list.removeRange(from: Bool.random(using: &generator) ? start : start - model.count, length: length)
                model.removeSubrange(start..<min(model.count, start + length))
            case 10:
                // LREM-style: remove matches walking from either end, up to a limit.
                let target = bytes("v\(Int.random(in: 0..<20, using: &generator))")
                let reverse = Bool.random(using: &generator)
                var limit = 3
                var position = list.position(at: reverse ? -1 : 0)
                while let current = position, limit > 0 {
                    if list.withElement(at: current, { $0.array == target }) {
                        position = list.remove(at: current, reverse: reverse)
                        limit -= 1
                    } else {
                        position = list.step(current, reverse: reverse)
                    }
                }
                var wanted = 3 - limit
                var indexes = Array(model.indices)
                if reverse { indexes.reverse() }
                var drop: [Int] = []
                for index in indexes where wanted > 0 && model[index] == target {
                    drop.append(index)
                    wanted -= 1
                }
                for index in drop.sorted(by: >) { model.remove(at: index) }
            default:
                if !model.isEmpty {
                    let index = Int.random(in: 0..<model.count, using: &generator)
                    #expect(list.position(at: index).map { list.withElement(at: $0) { $0.array } } == model[index])
                    #expect(list.position(at: index - model.count).map { list.withElement(at: $0) { $0.array } } == model[index])
                }
                #expect(list.position(at: model.count) == nil)
            }
            #expect(list.count == model.count)
            if step % 100 == 0 {
                #expect(contents(list) == model)
                checkNodes(list)
            }
        }
        #expect(contents(list) == model)
        checkNodes(list)
        let copy = list.duplicate()
        bytes("extra").withUnsafeBytes { copy.push($0, atHead: false) }
        #expect(contents(copy) == model + [bytes("extra")])
        #expect(contents(list) == model)
    }

    @Test func nodeSizeRules() {
        let bySize = QuickList(fill: -1)
        let small = bytes("abcdefgh")
        for _ in 0..<2000 { small.withUnsafeBytes { bySize.push($0, atHead: false) } }
        #expect(bySize.nodeCount > 1)
        var node = bySize.head
        while let current = node {
            #expect(current.entries.byteCount <= 4096)
            node = current.next
        }
        let byCount = QuickList(fill: 3)
        for _ in 0..<10 { small.withUnsafeBytes { byCount.push($0, atHead: true) } }
        #expect(byCount.nodeCount == 4)
        // A positive fill still caps a node at 8 KiB.
        let capped = QuickList(fill: 1000)
        let big = [UInt8](repeating: 7, count: 3000)
        for _ in 0..<5 { big.withUnsafeBytes { capped.push($0, atHead: false) } }
        #expect(capped.nodeCount == 3)
    }

    /// A long chain of one-element nodes is released without recursion.
    @Test func longChainIsReleased() {
        var list: QuickList? = QuickList(fill: 1)
        for index in 0..<200_000 { bytes("\(index)").withUnsafeBytes { list!.push($0, atHead: false) } }
        #expect(list!.nodeCount == 200_000)
        list = nil
    }
}
