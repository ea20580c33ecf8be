import Testing
import TestSupport
@testable import Store

/// LZF round trips, and list-compress-depth: the interior nodes of a quicklist are compressed,
/// the ends are not, and the contents never change.
@Suite struct ListCompressionTests {
    @Test func lzfRoundTripsRepetitiveAndRandomData() {
        var generator = SeededGenerator(seed: 7)
        let repetitive = (0..<2000).map { UInt8(truncatingIfNeeded: $0 % 13) }
        let packed = LZF.compress(repetitive)
        #expect(packed != nil)
        #expect(packed!.count < repetitive.count / 4)
        #expect(LZF.decompress(packed!, size: repetitive.count) == repetitive)
        for length in [4, 5, 31, 32, 33, 300, 5000] {
            let random = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next() % 4) }
            if let packed = LZF.compress(random) {
                #expect(packed.count < random.count)
                #expect(LZF.decompress(packed, size: random.count) == random)
            }
        }
        let noise = (0..<1000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        #expect(LZF.compress(noise) == nil)
        #expect(LZF.decompress([0x40, 0x00], size: 3) == nil)
    }

    func nodes(_ list: QuickList) -> [QuickListNode] {
        var out: [QuickListNode] = []
        var node = list.head
        while let current = node { out.append(current); node = current.next }
        return out
    }

    func contents(_ list: QuickList) -> [[UInt8]] {
        var out: [[UInt8]] = []
        list.forEach(from: 0, count: list.count, reverse: false) { out.append($0.array) }
        return out
    }

    @Test func interiorNodesAreCompressedAndEndsAreNot() {
        let list = QuickList(fill: 4, compressDepth: 2)
        var model: [[UInt8]] = []
        for index in 0..<200 {
            let value = Array("element-number-\(index % 10)-padding-padding".utf8)
            value.withUnsafeBytes { list.push($0, atHead: false) }
            model.append(value)
        }
        let all = nodes(list)
        #expect(all.count == 50)
        #expect(all.prefix(2).allSatisfy { !$0.isCompressed })
        #expect(all.suffix(2).allSatisfy { !$0.isCompressed })
        #expect(all.dropFirst(2).dropLast(2).allSatisfy { $0.isCompressed })
        // Reading opens nodes; the next write closes them again.
        #expect(contents(list) == model)
        _ = list.pop(fromHead: true)
        model.removeFirst()
        let after = nodes(list)
        #expect(after.dropFirst(2).dropLast(2).allSatisfy { $0.isCompressed })
        #expect(contents(list) == model)
    }

    @Test func randomEditsKeepContentsWithCompression() {
        var generator = SeededGenerator(seed: 11)
        let list = QuickList(fill: 3, compressDepth: 1)
        var model: [[UInt8]] = []
        for _ in 0..<3000 {
            let value = Array("value-\(generator.next() % 50)-xxxxxxxxxxxxxxxx".utf8)
            switch generator.next() % 6 {
            case 0, 1:
                let head = generator.next() % 2 == 0
                value.withUnsafeBytes { list.push($0, atHead: head) }
                if head { model.insert(value, at: 0) } else { model.append(value) }
            case 2:
                let head = generator.next() % 2 == 0
                let popped = list.pop(fromHead: head)
                #expect(popped == (model.isEmpty ? nil : (head ? model.removeFirst() : model.removeLast())))
            case 3 where !model.isEmpty:
                let index = Int(generator.next() % UInt64(model.count))
                #expect(value.withUnsafeBytes { list.replace(at: index, with: $0) })
                model[index] = value
            case 4 where !model.isEmpty:
                let index = Int(generator.next() % UInt64(model.count))
                let position = list.position(at: index)!
                value.withUnsafeBytes { list.insert($0, at: position, after: true) }
                model.insert(value, at: index + 1)
            default:
                let start = model.isEmpty ? 0 : Int(generator.next() % UInt64(model.count))
                let length = Int(generator.next() % 4)
                list.removeRange(from: start, length: length)
                if start < model.count { model.removeSubrange(start..<min(model.count, start + length)) }
            }
            #expect(list.count == model.count)
        }
        #expect(contents(list) == model)
    }
}
