import Testing
import TestSupport
@testable import Store

@Suite struct SortedChunkMapTests {
    /// Random inserts and removals against a sorted array model, crossing many chunk splits.
    @Test func matchesASortedModel() {
        var rng = SeededGenerator(seed: 7)
        let map = SortedChunkMap<Int, Int>()
        var model: [Int: Int] = [:]
        for step in 0..<20_000 {
            let key = Int.random(in: 0..<3_000, using: &rng)
            if Bool.random(using: &rng) || step < 2_000 {
                let inserted = map.insert(key, step)
                #expect(inserted == (model[key] == nil))
                if inserted { model[key] = step }
            } else {
                #expect(map.remove(key) == model.removeValue(forKey: key))
            }
        }
        let sorted = model.keys.sorted()
        #expect(map.count == model.count)
        #expect(map.keys == sorted)
        #expect(map.values == sorted.map { model[$0]! })
        for probe in stride(from: -1, to: 3_001, by: 37) {
            #expect(map.lowerBound(probe).map { map.key(at: $0) } == sorted.first { $0 >= probe })
            #expect(map.upperBound(probe).map { map.key(at: $0) } == sorted.first { $0 > probe })
            #expect(map.floor(probe).map { map.key(at: $0) } == sorted.last { $0 <= probe })
            #expect(map.below(probe).map { map.key(at: $0) } == sorted.last { $0 < probe })
        }
        var backwards: [Int] = []
        var position = map.last
        while let current = position {
            backwards.append(map.key(at: current))
            position = map.previous(current)
        }
        #expect(backwards == sorted.reversed())
    }

    @Test func appendingInOrderFillsChunks() {
        let map = SortedChunkMap<Int, Int>()
        for key in 0..<1_000 { map.insert(key, key) }
        #expect(map.chunks.count == (1_000 + SortedChunkMap<Int, Int>.chunkCapacity - 1) / SortedChunkMap<Int, Int>.chunkCapacity)
    }

    @Test func byteKeysOrderLikeARadixTree() {
        let keys = ["b", "a", "ab", "", "aa", "a\u{0}"].map { ByteKey(Array($0.utf8)) }
        #expect(keys.sorted().map { String(decoding: $0.bytes, as: UTF8.self) } == ["", "a", "a\u{0}", "aa", "ab", "b"])
    }
}

@Suite struct StreamTests {
    static let limits = StreamNodeLimits(maxBytes: 4096, maxEntries: 4)

    private func add(_ stream: Stream, _ id: StreamID, _ pairs: [(String, String)], limits: StreamNodeLimits = limits) {
        let fields = pairs.map { Array($0.0.utf8) }
        let values = pairs.map { Array($0.1.utf8) }
        let buffers = (fields + values).map { bytes -> UnsafeRawBufferPointer in
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            copy.copyBytes(from: bytes)
            return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(copy)[0..<bytes.count])
        }
        defer { for buffer in buffers { UnsafeMutableRawPointer(mutating: buffer.baseAddress!).deallocate() } }
        try! stream.append(id: id, pairCount: pairs.count, field: { buffers[$0] }, value: { buffers[pairs.count + $0] },
                           limits: limits)
    }

    private func entries(_ stream: Stream, from start: StreamID = .zero, to end: StreamID = .max,
                         reverse: Bool = false) -> [(StreamID, [String])] {
        var out: [(StreamID, [String])] = []
        stream.forEachEntry(from: start, to: end, reverse: reverse) { entry in
            var pieces: [String] = []
            entry.forEachPair { field, value in
                pieces.append(String(decoding: field.array, as: UTF8.self))
                pieces.append(String(decoding: value.array, as: UTF8.self))
            }
            out.append((entry.id, pieces))
            return true
        }
        return out
    }

    private func id(_ ms: UInt64, _ seq: UInt64 = 0) -> StreamID { StreamID(ms: ms, seq: seq) }

    /// The master entry and the SAMEFIELDS compression, byte for byte as t_stream.c writes them
    /// (checked against a DUMP of redis-server 7.0.15's `XADD s 5-1 a 1 b 2` + `XADD s 6-3 a 3 b 4` + `XADD s 7-0 c 5`).
    @Test func nodeLayoutIsRedis() {
        let stream = Stream()
        add(stream, id(5, 1), [("a", "1"), ("b", "2")])
        add(stream, id(6, 3), [("a", "3"), ("b", "4")])
        add(stream, id(7), [("c", "5")])
        let node = stream.nodes.value(at: stream.nodes.first!)
        let elements = node.withBase { base -> [String] in
            var out: [String] = []
            var offset = Listpack.headerSize
            while base[offset] != Listpack.terminator {
                out.append(String(decoding: Listpack.element(base, offset).array, as: UTF8.self))
                offset = Listpack.nextOffset(base, offset)
            }
            return out
        }
        #expect(elements == ["3", "0", "2", "a", "b", "0",
                             "2", "0", "0", "1", "2", "5",
                             "2", "1", "2", "3", "4", "5",
                             "0", "2", "-1", "1", "c", "5", "6"])
    }

    @Test func iteratesForwardsAndBackwardsAcrossNodes() {
        let stream = Stream()
        for ms in 1...10 { add(stream, id(UInt64(ms)), [("f", "v\(ms)")]) }
        #expect(stream.nodes.count == 3)
        #expect(entries(stream).map(\.0) == (1...10).map { id(UInt64($0)) })
        #expect(entries(stream, reverse: true).map(\.0) == (1...10).reversed().map { id(UInt64($0)) })
        #expect(entries(stream, from: id(3, 1), to: id(7)).map(\.0) == (4...7).map { id(UInt64($0)) })
        #expect(entries(stream, from: id(3, 1), to: id(7), reverse: true).map(\.0) == (4...7).reversed().map { id(UInt64($0)) })
        #expect(entries(stream, from: id(5)).first!.1 == ["f", "v5"])
    }

    @Test func deleteKeepsCountersAndDropsEmptyNodes() {
        let stream = Stream()
        for ms in 1...8 { add(stream, id(UInt64(ms)), [("f", "\(ms)")]) }
        #expect(stream.delete(id(1)))
        #expect(!stream.delete(id(1)))
        #expect(stream.firstID == id(2))
        #expect(stream.maxDeletedEntryID == id(1))
        for ms in 2...4 { #expect(stream.delete(id(UInt64(ms)))) }
        #expect(stream.nodes.count == 1)
        #expect(stream.length == 4)
        #expect(stream.firstID == id(5))
        #expect(stream.firstIDIncludingTombstones == id(5))
        #expect(entries(stream, reverse: true).map(\.0) == [id(8), id(7), id(6), id(5)])
    }

    @Test func trimByLengthAndMinimumID() {
        let stream = Stream()
        for ms in 1...10 { add(stream, id(UInt64(ms)), [("f", "\(ms)")]) }
        // Approximate: only whole nodes (4 entries each) go.
        #expect(stream.trim(.maxLength(5), approximate: true, limit: 0) == 4)
        #expect(stream.length == 6)
        #expect(stream.trim(.maxLength(3), approximate: false, limit: 0) == 3)
        #expect(entries(stream).map(\.0) == [id(8), id(9), id(10)])
        #expect(stream.firstID == id(8))
        #expect(stream.firstIDIncludingTombstones == id(5))
        #expect(stream.trim(.minimumID(id(10)), approximate: false, limit: 0) == 2)
        #expect(entries(stream).map(\.0) == [id(10)])
        // The limit caps whole nodes: the node of 10, 11, 12 (and 9's tombstone) fits in 3,
        // the next node's 4 entries would pass it.
        for ms in 11...20 { add(stream, id(UInt64(ms)), [("f", "\(ms)")]) }
        #expect(stream.trim(.maxLength(0), approximate: true, limit: 3) == 3)
        #expect(stream.length == 8)
    }

    @Test func newIDsFollowRedisRules() {
        let stream = Stream()
        #expect(stream.newEntryID(.time(0), now: 100) == id(0, 1))
        #expect(stream.newEntryID(.automatic, now: 100) == id(100))
        add(stream, id(100, 5), [("f", "v")])
        #expect(stream.newEntryID(.automatic, now: 90) == id(100, 6))
        #expect(stream.newEntryID(.time(100), now: 0) == id(100, 6))
        #expect(stream.newEntryID(.time(99), now: 0) == nil)
        #expect(stream.newEntryID(.time(101), now: 0) == id(101))
        #expect(stream.newEntryID(.explicit(id(100, 5)), now: 0) == nil)
    }

    @Test func parsesIDsAsRedis() {
        func parse(_ text: String, strict: Bool = false, auto: Bool = false) -> String? {
            Array(text.utf8).withUnsafeBytes { raw in
                switch StreamID.parse(raw, missingSequence: 7, allowSpecial: !strict, allowAutoSequence: auto) {
                case .id(let id)?: return String(decoding: id.text, as: UTF8.self)
                case .autoSequence(let ms)?: return "\(ms)-*"
                case nil: return nil
                }
            }
        }
        #expect(parse("-") == "0-0")
        #expect(parse("+") == "18446744073709551615-18446744073709551615")
        #expect(parse("-", strict: true) == nil)
        #expect(parse("5") == "5-7")
        #expect(parse("5-3") == "5-3")
        #expect(parse("5-*") == nil)
        #expect(parse("5-*", auto: true) == "5-*")
        #expect(parse("+5-03") == "5-3")
        #expect(parse("18446744073709551616") == nil)
        #expect(parse("1-2-3") == nil)
        #expect(parse("") == nil)
        #expect(parse("abc") == nil)
    }

    @Test func copyIsDeep() {
        let stream = Stream()
        add(stream, id(1), [("f", "v")])
        let group = stream.createGroup(named: UnsafeRawBufferPointer(start: nil, count: 0), lastID: id(1), entriesRead: 1)!
        let consumer = Array("alice".utf8).withUnsafeBytes { group.createConsumer(named: $0, now: 5)! }
        let pending = StreamPendingEntry(deliveryTime: 5, deliveryCount: 1, consumer: consumer)
        group.pending.insert(id(1), pending)
        consumer.pending.insert(id(1), pending)
        let copy = stream.copy()
        add(stream, id(2), [("f", "v")])
        #expect(copy.length == 1)
        let copiedGroup = copy.groups.values[0]
        #expect(copiedGroup !== group)
        #expect(copiedGroup.pending[id(1)]!.consumer === copiedGroup.consumers.values[0])
    }
}

@Suite struct StreamTrimSequenceTests {
    /// Exact trims leave tombstones in the head node; an approximate trim after them still
    /// removes whole nodes (redis-server: 2, 2, 4).
    @Test func approximateAfterExact() {
        let stream = Stream()
        let limits = StreamNodeLimits(maxBytes: 4096, maxEntries: 4)
        for ms in 1...40 {
            let value = Array("\(ms)".utf8)
            value.withUnsafeBytes { v in
                Array("f".utf8).withUnsafeBytes { f in
                    try! stream.append(id: StreamID(ms: UInt64(ms), seq: 1), pairCount: 1, field: { _ in f }, value: { _ in v },
                                       limits: limits)
                }
            }
        }
        #expect(stream.trim(.maxLength(38), approximate: false, limit: 0) == 2)
        #expect(stream.trim(.maxLength(36), approximate: false, limit: 0) == 2)
        #expect(stream.trim(.maxLength(30), approximate: true, limit: 400) == 4)
        #expect(stream.length == 32)
    }
}
