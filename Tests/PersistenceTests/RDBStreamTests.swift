import Testing
import Store
import TestSupport
@testable import Persistence

@Suite struct RDBStreamTests {
    let limits = RDBLoadLimits(hash: HashLimits(), zset: ZSetLimits(maxListpackEntries: 128, maxListpackValue: 64),
                               setMaxIntsetEntries: 512, listFill: -2, listCompressDepth: 0, sharedIntegersAllowed: true)

    // MARK: building streams

    private func add(_ s: Stream, _ id: StreamID, _ pairs: [(String, String)], maxEntries: Int = 100) {
        // The append API hands out pointers by index, so the pieces live in buffers of their own.
        let pieces = pairs.map { Array($0.0.utf8) } + pairs.map { Array($0.1.utf8) }
        let buffers = pieces.map { bytes -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count + 1, alignment: 1)
            buffer.copyBytes(from: bytes)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        func piece(_ index: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: buffers[index][0..<pieces[index].count])
        }
        try! s.append(id: id, pairCount: pairs.count, field: { piece($0) }, value: { piece(pairs.count + $0) },
                      limits: StreamNodeLimits(maxBytes: 4096, maxEntries: maxEntries))
    }

    private func pend(_ group: StreamConsumerGroup, _ consumer: StreamConsumer, _ id: StreamID, time: Int64, count: UInt64) {
        let entry = StreamPendingEntry(deliveryTime: time, deliveryCount: count, consumer: consumer)
        #expect(group.pending.insert(id, entry))
        #expect(consumer.pending.insert(id, entry))
    }

    private func name(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A stream with several nodes, tombstones, an XSETID-raised last ID, groups with PELs and a
    /// consumer with nothing pending.
    private func sample() -> RedisObject {
        let object = StreamType.create()
        let s = StreamType.stream(object)
        for i in 1...40 {
            let pairs: [(String, String)] = i % 7 == 0 ? [("other", "v\(i)"), ("n", "\(i * 1000)")]
                : [("field", "value-\(i)"), ("n", "\(i)")]
            add(s, StreamID(ms: 1000 + UInt64(i), seq: UInt64(i % 3)), pairs, maxEntries: 8)
        }
        for i in [3, 9, 10, 11, 12, 13, 14, 15, 16, 33] {
            #expect(s.delete(StreamID(ms: 1000 + UInt64(i), seq: UInt64(i % 3))))
        }
        s.lastID = StreamID(ms: 99_999, seq: 7)
        let g1 = name("readers").withUnsafeBytes { s.createGroup(named: $0, lastID: StreamID(ms: 1020, seq: 2), entriesRead: 17)! }
        let alice = name("alice").withUnsafeBytes { g1.createConsumer(named: $0, now: 1_700_000_000_123)! }
        let bob = name("bob").withUnsafeBytes { g1.createConsumer(named: $0, now: 1_700_000_000_456)! }
        _ = name("idle").withUnsafeBytes { g1.createConsumer(named: $0, now: 5)! }
        pend(g1, alice, StreamID(ms: 1001, seq: 1), time: 1_700_000_000_001, count: 1)
        pend(g1, bob, StreamID(ms: 1002, seq: 2), time: 1_700_000_000_002, count: 3)
        pend(g1, alice, StreamID(ms: 1004, seq: 1), time: 1_700_000_000_003, count: 300)
        _ = name("12345").withUnsafeBytes { s.createGroup(named: $0, lastID: .zero, entriesRead: streamInvalidEntriesRead)! }
        return object
    }

    private func payload(_ object: RedisObject, compression: Bool = false) -> [UInt8] {
        RDBEncoder.dumpPayload(object, compression: compression)
    }

    private func decode(_ bytes: [UInt8], end: Int? = nil) throws -> RedisObject {
        let r = RDBReader(bytes, end: end ?? bytes.count - 10)
        let type = try r.byte("type")
        let object = try #require(try RDBDecoder.readValue(type: type, from: r, limits: limits))
        if r.remaining != 0 {
            object.release()
            throw RDBDecodeError(offset: r.offset, "trailing bytes")
        }
        return object
    }

    private func digest(_ object: RedisObject) -> [UInt8] {
        var d = [UInt8](repeating: 0, count: 20)
        DatasetDigest.value(object, into: &d)
        return d
    }

    private func groupsState(_ s: Stream) -> [String] {
        var out: [String] = []
        s.groups.forEach { name, g in
            out.append("group \(name.bytes) \(g.lastID) \(g.entriesRead)")
            g.pending.forEach { id, e in
                out.append("  pel \(id) \(e.deliveryTime) \(e.deliveryCount) \(e.consumer.name)")
                return true
            }
            g.consumers.forEach { cname, c in
                out.append("  consumer \(cname.bytes) \(c.seenTime) \(c.pending.keys)")
                #expect(c.pending.keys.allSatisfy { c.pending[$0]!.consumer === c && g.pending[$0] === c.pending[$0] })
                return true
            }
            return true
        }
        return out
    }

    // MARK: round trips

    @Test(arguments: [false, true])
    func aStreamWithGroupsRoundTripsByteForByte(compression: Bool) throws {
        let object = sample()
        let s = StreamType.stream(object)
        #expect(RDBEncoder.typeByte(object) == RDBFormat.typeStreamListpacks2)
        let bytes = payload(object, compression: compression)
        let decoded = try decode(bytes)
        let d = StreamType.stream(decoded)
        #expect(decoded.type == .stream && decoded.encoding == .stream)
        #expect(d.nodes.count == s.nodes.count && d.nodes.count > 3)
        #expect(d.nodes.keys == s.nodes.keys)
        #expect(d.nodes.values.map(\.bytes) == s.nodes.values.map(\.bytes))
        #expect(d.length == 30 && d.length == s.length)
        #expect(d.lastID == StreamID(ms: 99_999, seq: 7))
        #expect(d.firstID == s.firstID && d.maxDeletedEntryID == s.maxDeletedEntryID)
        #expect(d.entriesAdded == 40)
        #expect(groupsState(d) == groupsState(s))
        #expect(digest(decoded) == digest(object))
        #expect(payload(decoded, compression: compression) == bytes)
        #expect(RDBEncoder.serializedLength(object, compression: compression) == bytes.count - 11)
        decoded.release()
        object.release()
    }

    @Test func anEmptyStreamWithAGroupRoundTrips() throws {
        let object = StreamType.create()
        let s = StreamType.stream(object)
        s.lastID = StreamID(ms: 5, seq: 5)
        s.entriesAdded = 3
        s.maxDeletedEntryID = StreamID(ms: 5, seq: 5)
        _ = name("g").withUnsafeBytes { s.createGroup(named: $0, lastID: StreamID(ms: 5, seq: 5), entriesRead: 3) }
        let bytes = payload(object)
        let decoded = try decode(bytes)
        let d = StreamType.stream(decoded)
        #expect(d.nodes.isEmpty && d.length == 0 && d.lastID == StreamID(ms: 5, seq: 5) && d.entriesAdded == 3)
        #expect(groupsState(d) == groupsState(s))
        #expect(payload(decoded) == bytes)
        decoded.release()
        object.release()
    }

    @Test func aLoadedStreamKeepsWorking() throws {
        let object = sample()
        let decoded = try decode(payload(object))
        let d = StreamType.stream(decoded)
        add(d, StreamID(ms: 100_000, seq: 0), [("field", "x"), ("n", "1")])
        #expect(d.delete(StreamID(ms: 1040, seq: 1)))
        #expect(d.trim(.maxLength(5), approximate: false, limit: 0) > 0)
        #expect(d.length == 5)
        let again = try decode(payload(decoded))
        #expect(digest(again) == digest(decoded))
        again.release()
        decoded.release()
        object.release()
    }

    /// XSETID below a deleted entry, then XADD: the tombstone is followed by smaller live IDs, in
    /// its node or in a new node whose master is below it. Redis saves and loads such streams.
    @Test(arguments: [2, 4])
    func tombstonesAboveLaterEntriesLoad(maxEntries: Int) throws {
        let object = StreamType.create()
        let s = StreamType.stream(object)
        add(s, StreamID(ms: 1, seq: 0), [("a", "1")], maxEntries: 2)
        add(s, StreamID(ms: 5, seq: 0), [("a", "5")], maxEntries: 2)
        #expect(s.delete(StreamID(ms: 5, seq: 0)))
        s.lastID = StreamID(ms: 3, seq: 0)
        add(s, StreamID(ms: 4, seq: 0), [("a", "4")], maxEntries: maxEntries)
        add(s, StreamID(ms: 5, seq: 0), [("a", "again")], maxEntries: maxEntries)
        #expect(s.nodes.count == (maxEntries == 2 ? 2 : 1))
        let decoded = try decode(payload(object))
        let d = StreamType.stream(decoded)
        var ids: [StreamID] = []
        d.forEachEntry(from: .zero, to: .max) { entry in
            ids.append(entry.id)
            return true
        }
        #expect(ids == [StreamID(ms: 1, seq: 0), StreamID(ms: 4, seq: 0), StreamID(ms: 5, seq: 0)])
        // XDEL finds live entries behind the tombstone.
        #expect(d.delete(StreamID(ms: 5, seq: 0)))
        #expect(d.delete(StreamID(ms: 4, seq: 0)))
        #expect(d.length == 1)
        decoded.release()
        object.release()
    }

    // MARK: older and newer types

    /// Re-writes a type-19 payload of `object` as type 15 (no first ID, tombstone ID, entries
    /// added or read counters) or 21 (an active time after each seen time).
    private func rewrite(_ object: RedisObject, as type: UInt8) -> [UInt8] {
        let s = StreamType.stream(object)
        let w = RDBWriter(compression: false)
        w.byte(type)
        w.length(s.nodes.count)
        s.nodes.forEach { master, node in
            w.string(master.encoded)
            w.string(node.bytes)
            return true
        }
        w.length(s.length)
        w.length(s.lastID.ms); w.length(s.lastID.seq)
        if type != RDBFormat.typeStreamListpacks {
            w.length(s.firstID.ms); w.length(s.firstID.seq)
            w.length(s.maxDeletedEntryID.ms); w.length(s.maxDeletedEntryID.seq)
            w.length(s.entriesAdded)
        }
        w.length(s.groups.count)
        s.groups.forEach { name, g in
            w.string(name.bytes)
            w.length(g.lastID.ms); w.length(g.lastID.seq)
            if type != RDBFormat.typeStreamListpacks { w.length(UInt64(bitPattern: g.entriesRead)) }
            w.length(g.pending.count)
            g.pending.forEach { id, e in
                w.bytes(id.encoded)
                w.littleEndian64(UInt64(bitPattern: e.deliveryTime))
                w.length(e.deliveryCount)
                return true
            }
            w.length(g.consumers.count)
            g.consumers.forEach { _, c in
                w.string(c.name)
                w.littleEndian64(UInt64(bitPattern: c.seenTime))
                if type == RDBFormat.typeStreamListpacks3 { w.littleEndian64(UInt64(bitPattern: c.seenTime + 1)) }
                w.length(c.pending.count)
                c.pending.forEach { id, _ in
                    w.bytes(id.encoded)
                    return true
                }
                return true
            }
            return true
        }
        return w.buffer
    }

    @Test func type15DerivesTheCountersAsRedis70() throws {
        let object = StreamType.create()
        let s = StreamType.stream(object)
        for i in 1...10 { add(s, StreamID(ms: UInt64(i), seq: 0), [("a", "\(i)")]) }
        #expect(s.delete(StreamID(ms: 1, seq: 0)))
        #expect(s.delete(StreamID(ms: 5, seq: 0)))
        let before = name("before").withUnsafeBytes { s.createGroup(named: $0, lastID: StreamID(ms: 1, seq: 0), entriesRead: 99)! }
        let c = name("c").withUnsafeBytes { before.createConsumer(named: $0, now: 42)! }
        pend(before, c, StreamID(ms: 2, seq: 0), time: 7, count: 2)
        _ = name("tip").withUnsafeBytes { s.createGroup(named: $0, lastID: StreamID(ms: 10, seq: 0), entriesRead: 99) }
        _ = name("middle").withUnsafeBytes { s.createGroup(named: $0, lastID: StreamID(ms: 6, seq: 0), entriesRead: 99) }
        let old = rewrite(object, as: RDBFormat.typeStreamListpacks)
        let decoded = try decode(old, end: old.count)
        let d = StreamType.stream(decoded)
        #expect(d.length == 8 && d.entriesAdded == 8 && d.maxDeletedEntryID == .zero)
        #expect(d.firstID == StreamID(ms: 2, seq: 0))
        // streamEstimateDistanceFromFirstEverEntry with entries_added = length, no tombstone ID.
        let reads = ["before": Int64(0), "tip": 8, "middle": streamInvalidEntriesRead]
        for (group, want) in reads {
            #expect(name(group).withUnsafeBytes { d.group(named: $0)!.entriesRead } == want)
        }
        #expect(name("before").withUnsafeBytes { d.group(named: $0)!.pending.count } == 1)
        #expect(digest(decoded) == digest(object))
        decoded.release()
        object.release()
    }

    @Test func type15EmptyStreamGetsRedisFirstID() throws {
        let object = StreamType.create()
        StreamType.stream(object).lastID = StreamID(ms: 3, seq: 0)
        let old = rewrite(object, as: RDBFormat.typeStreamListpacks)
        let decoded = try decode(old, end: old.count)
        // streamGetEdgeID on an empty stream answers the largest ID for the first edge.
        #expect(StreamType.stream(decoded).firstID == .max)
        decoded.release()
        object.release()
    }

    @Test func type21LoadsAndDropsTheActiveTime() throws {
        let object = sample()
        let newer = rewrite(object, as: RDBFormat.typeStreamListpacks3)
        let decoded = try decode(newer, end: newer.count)
        #expect(groupsState(StreamType.stream(decoded)) == groupsState(StreamType.stream(object)))
        #expect(payload(decoded) == payload(object))
        decoded.release()
        object.release()
    }

    // MARK: corrupt input

    private func expectError(_ bytes: [UInt8], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let object = try decode(bytes, end: bytes.count)
            object.release()
            Issue.record("decoded a corrupt payload", sourceLocation: sourceLocation)
        } catch let error as RDBDecodeError {
            #expect(error.message.contains(message), "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    /// A type-19 payload written by hand: one node with `node`'s bytes, then the given tail.
    private func handmade(node: [UInt8]?, master: StreamID = StreamID(ms: 1, seq: 0), length: UInt64 = 1,
                          groups: (RDBWriter) -> Void = { $0.length(0) }) -> [UInt8] {
        let w = RDBWriter(compression: false)
        w.byte(RDBFormat.typeStreamListpacks2)
        w.length(node == nil ? 0 : 1)
        if let node {
            w.string(master.encoded)
            w.string(node)
        }
        w.length(length)
        for n in [UInt64(1), 0, 1, 0, 0, 0, 1] { w.length(n) }
        groups(w)
        return w.buffer
    }

    private func node(_ elements: [ElementValue]) -> [UInt8] {
        let lp = Listpack()
        for e in elements { lp.append(e) }
        return lp.bytes
    }

    /// count 1, deleted 0, one master field "f", then one entry 0-0 with the same fields.
    private func goodNode(flags: Int64 = 2, lpCount: Int64 = 4, count: Int64 = 1) -> [UInt8] {
        let f: [UInt8] = Array("f".utf8), v: [UInt8] = Array("v".utf8)
        return f.withUnsafeBytes { fb in
            v.withUnsafeBytes { vb in
                node([.integer(count), .integer(0), .integer(1), .bytes(fb), .integer(0),
                      .integer(flags), .integer(0), .integer(0), .bytes(vb), .integer(lpCount)])
            }
        }
    }

    @Test func handmadePayloadsAreCheckedLikeRedis() throws {
        // The well-formed one loads.
        let ok = try decode(handmade(node: goodNode()), end: handmade(node: goodNode()).count)
        #expect(StreamType.stream(ok).length == 1)
        ok.release()

        expectError(handmade(node: [7, 0, 0, 0, 0, 0, 255]), "Empty listpack inside stream")
        expectError(handmade(node: goodNode(lpCount: 5)), "Stream listpack integrity check failed")
        expectError(handmade(node: goodNode(count: 2)), "Stream listpack integrity check failed")
        expectError(handmade(node: goodNode(flags: 3)), "Stream listpack integrity check failed")
        expectError(handmade(node: goodNode(count: 0)), "Stream listpack integrity check failed")
        var broken = goodNode()
        broken[0] ^= 1
        expectError(handmade(node: broken), "Stream listpack integrity check failed")
        expectError(handmade(node: goodNode(), master: StreamID(ms: 2, seq: 0), length: 1), "")
        expectError(handmade(node: goodNode(), length: 2), "Stream length inconsistent with rax entries")
        expectError(handmade(node: nil, length: 1), "Stream length inconsistent with rax entries")

        let id = StreamID(ms: 1, seq: 0).encoded
        expectError(handmade(node: goodNode()) { w in
            w.length(1); w.string(Array("g".utf8)); w.length(1); w.length(0); w.length(1)
            w.length(2)
            for _ in 0..<2 { w.bytes(id); w.littleEndian64(1); w.length(1) }
        }, "Duplicated global PEL entry loading stream consumer group")
        expectError(handmade(node: goodNode()) { w in
            w.length(2)
            for _ in 0..<2 { w.string(Array("g".utf8)); w.length(1); w.length(0); w.length(1); w.length(0); w.length(0) }
        }, "Duplicated consumer group name g")
        expectError(handmade(node: goodNode()) { w in
            w.length(1); w.string(Array("g".utf8)); w.length(1); w.length(0); w.length(1)
            w.length(0)
            w.length(1); w.string(Array("c".utf8)); w.littleEndian64(0); w.length(1); w.bytes(id)
        }, "Consumer entry not found in group global PEL")
        expectError(handmade(node: goodNode()) { w in
            w.length(1); w.string(Array("g".utf8)); w.length(1); w.length(0); w.length(1)
            w.length(1); w.bytes(id); w.littleEndian64(1); w.length(1)
            w.length(1); w.string(Array("c".utf8)); w.littleEndian64(0); w.length(2); w.bytes(id); w.bytes(id)
        }, "Duplicated consumer PEL entry  loading a stream consumer group")
        expectError(handmade(node: goodNode()) { w in
            w.length(1); w.string(Array("g".utf8)); w.length(1); w.length(0); w.length(1)
            w.length(1); w.bytes(id); w.littleEndian64(1); w.length(1)
            w.length(2)
            for c in ["a", "b"] { w.string(Array(c.utf8)); w.littleEndian64(0); w.length(1); w.bytes(id) }
        }, "Stream PEL entry owned by two consumers")
        expectError(handmade(node: goodNode()) { w in
            w.length(1); w.string(Array("g".utf8)); w.length(1); w.length(0); w.length(1)
            w.length(1); w.bytes(id); w.littleEndian64(1); w.length(1)
            w.length(1); w.string(Array("c".utf8)); w.littleEndian64(0); w.length(0)
        }, "Stream CG PEL entry without consumer")
        expectError(handmade(node: goodNode()) { w in
            w.length(2); w.string(Array("c".utf8)); w.littleEndian64(0); w.length(0)
        }, "")
    }

    @Test func theLastIDMayNotBeBelowTheLastEntry() {
        let w = RDBWriter(compression: false)
        w.byte(RDBFormat.typeStreamListpacks2)
        w.length(1)
        w.string(StreamID(ms: 9, seq: 0).encoded)
        w.string(goodNode())
        for n in [UInt64(1), 1, 0, 9, 0, 0, 0, 1, 0] { w.length(n) }
        expectError(w.buffer, "Stream last ID is smaller than its last entry")
    }

    /// Every truncation and many single-byte corruptions of a real payload: an error or a
    /// consistent stream, never a crash.
    @Test func truncatedAndMutatedPayloadsNeverCrash() throws {
        let object = sample()
        let bytes = payload(object)
        let valueEnd = bytes.count - 10
        for end in 1..<valueEnd {
            #expect(throws: (any Error).self) { _ = try decode(bytes, end: end) }
        }
        var generator = SeededGenerator(seed: 19)
        var accepted = 0
        for position in 1..<valueEnd {
            for flip: UInt8 in [0x01, 0x80, UInt8.random(in: 2...0x7F, using: &generator)] {
                var mutated = bytes
                mutated[position] ^= flip
                guard let decoded = try? decode(mutated, end: valueEnd) else { continue }
                accepted += 1
                let d = StreamType.stream(decoded)
                var seen: UInt64 = 0
                d.forEachEntry(from: .zero, to: .max) { entry in
                    seen += 1
                    entry.forEachPair { _, _ in }
                    return true
                }
                #expect(seen == d.length)
                _ = digest(decoded)
                let again = try decode(payload(decoded))
                #expect(digest(again) == digest(decoded))
                again.release()
                if let first = d.edgeID(first: true) { _ = d.delete(first) }
                _ = d.trim(.maxLength(3), approximate: false, limit: 0)
                decoded.release()
            }
        }
        // Flips in values and timestamps are legitimately accepted.
        #expect(accepted > 0)
        object.release()
    }
}
