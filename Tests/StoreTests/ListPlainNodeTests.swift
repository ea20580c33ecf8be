import Testing
import TestSupport
@testable import Store

/// Plain quicklist nodes: with the packed threshold lowered, every element at least that large
/// sits alone in a plain node and no packed node holds one, whatever the operations; the list
/// still reads like an array model. The threshold is global (as in Redis), so the suite runs
/// serialized and restores it.
@Suite(.serialized) struct ListPlainNodeTests {
    static let threshold = 64

    func withThreshold(_ size: Int, _ body: () -> Void) {
        #expect(QuickList.setPackedThreshold(UInt64(size)))
        defer { _ = QuickList.setPackedThreshold(0) }
        body()
    }

    func contents(_ list: QuickList) -> [[UInt8]] {
        var out: [[UInt8]] = []
        list.forEach(from: 0, count: list.count, reverse: false) { out.append($0.array) }
        var backwards: [[UInt8]] = []
        list.forEach(from: 0, count: list.count, reverse: true) { backwards.append($0.array) }
        #expect(backwards.reversed() == out)
        return out
    }

    /// Plain nodes hold one large element and stay uncompressed; packed ones only small ones.
    func checkNodes(_ list: QuickList) {
        var node = list.head
        var total = 0, nodes = 0
        while let current = node {
            #expect(current.count > 0)
            let sizes = (0..<current.count).map { i in
                current.entries.withElement(at: current.entries.seek(i)!) { $0.length }
            }
            if current.isPlain {
                #expect(current.count == 1)
                #expect(!current.isCompressed)
                #expect(current.payloadSize == sizes[0])
            } else {
                #expect(sizes.allSatisfy { $0 < Self.threshold })
            }
            total += current.count
            nodes += 1
            node = current.next
        }
        #expect(total == list.count)
        #expect(nodes == list.nodeCount)
    }

    func value(_ generator: inout SeededGenerator) -> [UInt8] {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: return [UInt8](repeating: UInt8(ascii: "L"), count: Int.random(in: Self.threshold..<300, using: &generator))
        case 1: return [UInt8](repeating: UInt8(ascii: "s"), count: Int.random(in: 0..<Self.threshold, using: &generator))
        default: return bytes("v\(Int.random(in: 0..<10, using: &generator))")
        }
    }

    @Test(arguments: [(-2, 0), (-1, 1), (2, 0), (5, 2)])
    func randomOperationsAgainstAModel(fill: Int, depth: Int) {
        withThreshold(Self.threshold) {
            var generator = SeededGenerator(seed: UInt64(fill + 77 + depth * 13))
            let list = QuickList(fill: fill, compressDepth: depth)
            var model: [[UInt8]] = []
            for step in 0..<3000 {
                let element = value(&generator)
                switch Int.random(in: 0..<9, using: &generator) {
                case 0..<2:
                    let head = Bool.random(using: &generator)
                    element.withUnsafeBytes { list.push($0, atHead: head) }
                    if head { model.insert(element, at: 0) } else { model.append(element) }
                case 2:
                    let head = Bool.random(using: &generator)
                    #expect(list.pop(fromHead: head) == (head ? model.first : model.last))
                    if !model.isEmpty { if head { model.removeFirst() } else { model.removeLast() } }
                case 3..<5:
                    guard !model.isEmpty else { continue }
                    let index = Int.random(in: 0..<model.count, using: &generator)
                    let after = Bool.random(using: &generator)
                    element.withUnsafeBytes { list.insert($0, at: list.position(at: index)!, after: after) }
                    model.insert(element, at: after ? index + 1 : index)
                case 5..<7:
                    guard !model.isEmpty else { continue }
                    let index = Int.random(in: 0..<model.count, using: &generator)
                    #expect(element.withUnsafeBytes { list.replace(at: index, with: $0) })
                    model[index] = element
                case 7:
                    guard !model.isEmpty else { continue }
                    let index = Int.random(in: 0..<model.count, using: &generator)
                    _ = list.remove(at: list.position(at: index)!, reverse: Bool.random(using: &generator))
                    model.remove(at: index)
                default:
                    guard !model.isEmpty else { continue }
                    let start = Int.random(in: 0..<model.count, using: &generator)
                    let length = Int.random(in: 1...3, using: &generator)
                    list.removeRange(from: start, length: length)
                    model.removeSubrange(start..<min(model.count, start + length))
                }
                if step % 50 == 0 {
                    #expect(contents(list) == model)
                    checkNodes(list)
                }
            }
            #expect(contents(list) == model)
            checkNodes(list)
            let copy = list.duplicate()
            #expect(contents(copy) == model)
            checkNodes(copy)
        }
    }

    @Test func largePushGetsItsOwnNode() {
        withThreshold(10) {
            let list = QuickList()
            for text in ["a", "b", "0123456789", "c"] { bytes(text).withUnsafeBytes { list.push($0, atHead: false) } }
            #expect(list.nodeCount == 3)
            #expect(list.head!.next!.isPlain)
            #expect(list.head!.next!.payloadSize == 10)
            // A small value replacing the plain element joins the next node's head.
            #expect(bytes("x").withUnsafeBytes { list.replace(at: 2, with: $0) })
            #expect(list.nodeCount == 2)
            #expect(contents(list) == ["a", "b", "x", "c"].map(bytes))
            // A large value in a packed node splits it around a plain node ([a] [plain] [x c]) ...
            #expect(bytes("9876543210").withUnsafeBytes { list.replace(at: 1, with: $0) })
            #expect(list.nodeCount == 3)
            #expect(list.head!.next!.isPlain)
            #expect(contents(list) == ["a", "9876543210", "x", "c"].map(bytes))
            // ... and in the middle of one, leaves a packed node on each side.
            bytes("0000000000").withUnsafeBytes { list.insert($0, at: list.position(at: 2)!, after: true) }
            #expect(list.nodeCount == 5)
            #expect(contents(list) == ["a", "9876543210", "x", "0000000000", "c"].map(bytes))
        }
    }

    @Test func loadedContainersKeepTheirKind() {
        let list = QuickList()
        bytes("tiny").withUnsafeBytes { list.appendLoaded($0, plain: true) }
        bytes("also small").withUnsafeBytes { list.appendLoaded($0, plain: false) }
        #expect(list.head!.isPlain)
        #expect(!list.tail!.isPlain)
        #expect(list.nodeCount == 2)
    }

    @Test func thresholdBounds() {
        defer { _ = QuickList.setPackedThreshold(0) }
        #expect(QuickList.setPackedThreshold(1))
        #expect(QuickList.packedThreshold == 1)
        #expect(QuickList.setPackedThreshold((1 << 32) - (1 << 20)))
        #expect(!QuickList.setPackedThreshold((1 << 32) - (1 << 20) + 1))
        #expect(QuickList.setPackedThreshold(0))
        #expect(QuickList.packedThreshold == 1 << 30)
    }
}
