import Store
import Util

// Streams in RDB files and DUMP payloads (rdb.c, Redis 7.0): RDB_TYPE_STREAM_LISTPACKS_2 (19) is
// written; 15 (Redis 5.0–6.2, without first ID, tombstone ID and read counters) and 21 (7.2,
// with each consumer's active time) load too. Nodes travel as their listpacks, which are
// t_stream.c's layout in Apus as in Redis, so the bytes are Redis's own.
//
// Loading always validates as deeply as Redis's sanitize-dump-payload (streamValidateListpackIntegrity
// and the group checks), and further where Apus's stream code relies on an invariant that Redis
// merely never breaks: master IDs increase, every entry is at or above its node's master, live
// entries increase across the whole stream, the node counters match the entries' deleted flags,
// `length` is the sum of the live entries, the last ID is not below the last live entry, and
// every pending entry has exactly one consumer. (Tombstones may be out of order: XSETID may lower
// the last ID below a deleted entry, and the next XADD lands after it.) Node listpacks are
// re-encoded canonically (as lpAppend writes them), so in-place flag rewrites never resize an entry.

extension RDBEncoder {
    /// rdbSaveObject's stream part.
    static func writeStream(_ stream: Stream, to w: RDBWriter) {
        w.length(stream.nodes.count)
        stream.nodes.forEach { master, node in
            w.string(master.encoded)
            w.string(node.bytes)
            return true
        }
        w.length(stream.length)
        writeID(stream.lastID, to: w)
        writeID(stream.firstID, to: w)
        writeID(stream.maxDeletedEntryID, to: w)
        w.length(stream.entriesAdded)
        w.length(stream.groups.count)
        stream.groups.forEach { name, group in
            w.string(name.bytes)
            writeID(group.lastID, to: w)
            w.length(UInt64(bitPattern: group.entriesRead))
            w.length(group.pending.count)
            group.pending.forEach { id, entry in
                w.bytes(id.encoded)
                w.littleEndian64(UInt64(bitPattern: entry.deliveryTime))
                w.length(entry.deliveryCount)
                return true
            }
            w.length(group.consumers.count)
            group.consumers.forEach { _, consumer in
                w.string(consumer.name)
                w.littleEndian64(UInt64(bitPattern: consumer.seenTime))
                w.length(consumer.pending.count)
                consumer.pending.forEach { id, _ in
                    w.bytes(id.encoded)
                    return true
                }
                return true
            }
            return true
        }
    }

    private static func writeID(_ id: StreamID, to w: RDBWriter) {
        w.length(id.ms)
        w.length(id.seq)
    }
}

extension RDBDecoder {
    /// rdbLoadObject's stream part, for types 15, 19 and 21.
    static func stream(type: UInt8, from r: RDBReader) throws -> RedisObject {
        let object = StreamType.create()
        let stream = StreamType.stream(object)
        return try building(object) { try loadStream(stream, type: type, from: r) }
    }

    private static func loadStream(_ s: Stream, type: UInt8, from r: RDBReader) throws {
        let nodeCount = try r.length("the stream listpacks count")
        var liveEntries: UInt64 = 0
        var lastLive: StreamID?
        for _ in 0..<nodeCount {
            let keyAt = r.offset
            let key = try r.string("a stream node's master ID")
            guard key.count == 16, let master = key.withUnsafeBytes({ StreamID(encoded: $0) }) else {
                throw r.fail("Stream node key entry is not the size of a stream ID", at: keyAt)
            }
            let nodeAt = r.offset
            let blob = try r.string("a stream node's listpack")
            if let previous = s.nodes.lastKey, master <= previous {
                guard master != previous else { throw r.fail("Listpack re-added with existing key", at: keyAt) }
                throw r.fail("Stream node master IDs are not increasing", at: keyAt)
            }
            if let lastLive, master <= lastLive {
                throw r.fail("Stream node master ID is not above the previous live entries", at: keyAt)
            }
            let node = try streamNode(blob, master: master, after: lastLive, at: nodeAt)
            guard s.nodes.insert(master, node.listpack) else {
                throw r.fail("Listpack re-added with existing key", at: keyAt)
            }
            liveEntries += node.live
            lastLive = node.lastLive
        }

        let metadataAt = r.offset
        s.length = try r.number("the stream length")
        s.lastID = try r.streamID("the stream's last ID")
        if type == RDBFormat.typeStreamListpacks {
            // What Redis 7.0 derives for a stream saved before it kept these.
            s.maxDeletedEntryID = .zero
            s.entriesAdded = s.length
            s.firstID = s.edgeID(first: true) ?? .max
        } else {
            s.firstID = try r.streamID("the stream's first ID")
            s.maxDeletedEntryID = try r.streamID("the stream's maximal deleted ID")
            s.entriesAdded = try r.number("the stream's added entries")
        }
        guard s.length == liveEntries, s.length == 0 || !s.nodes.isEmpty else {
            throw r.fail("Stream length inconsistent with rax entries", at: metadataAt)
        }
        if let lastLive, lastLive > s.lastID {
            throw r.fail("Stream last ID is smaller than its last entry", at: metadataAt)
        }

        let groupCount = try r.length("the stream cgroup count")
        for _ in 0..<groupCount {
            try loadGroup(into: s, type: type, from: r)
        }
    }

    /// A group, its PEL and its consumers.
    private static func loadGroup(into s: Stream, type: UInt8, from r: RDBReader) throws {
        let nameAt = r.offset
        let name = try r.string("the consumer group name")
        let lastID = try r.streamID("a consumer group's last ID")
        let entriesRead = type == RDBFormat.typeStreamListpacks
            ? s.estimatedDistanceFromFirstEverEntry(lastID)
            : Int64(bitPattern: try r.number("a consumer group's read counter"))
        guard let group = name.withUnsafeBytes({ s.createGroup(named: $0, lastID: lastID, entriesRead: entriesRead) }) else {
            throw r.fail("Duplicated consumer group name \(String(decoding: name, as: UTF8.self))", at: nameAt)
        }

        // The owners are resolved from the consumers' PELs that follow; until then each entry
        // points at a placeholder that never leaves this function.
        let unresolved = StreamConsumer(name: [], seenTime: 0)
        try withExtendedLifetime(unresolved) {
            let pendingCount = try r.length("the stream PEL size")
            for _ in 0..<pendingCount {
                let at = r.offset
                let id = try r.rawStreamID("a pending entry ID")
                let deliveryTime = Int64(bitPattern: try r.littleEndian(8, "a pending entry's delivery time"))
                let deliveryCount = try r.number("a pending entry's delivery count")
                let entry = StreamPendingEntry(deliveryTime: deliveryTime, deliveryCount: deliveryCount, consumer: unresolved)
                guard group.pending.insert(id, entry) else {
                    throw r.fail("Duplicated global PEL entry loading stream consumer group", at: at)
                }
            }

            let consumerCount = try r.length("the stream consumers count")
            for _ in 0..<consumerCount {
                let consumerAt = r.offset
                let consumerName = try r.string("a consumer name")
                guard let consumer = consumerName.withUnsafeBytes({ group.createConsumer(named: $0, now: 0) }) else {
                    throw r.fail("Duplicate stream consumer detected.", at: consumerAt)
                }
                consumer.seenTime = Int64(bitPattern: try r.littleEndian(8, "a consumer's seen time"))
                if type == RDBFormat.typeStreamListpacks3 {
                    // 7.2's active time; Redis 7.0 has no such field.
                    _ = try r.littleEndian(8, "a consumer's active time")
                }
                let ownCount = try r.length("a consumer's PEL size")
                for _ in 0..<ownCount {
                    let at = r.offset
                    let id = try r.rawStreamID("a consumer's pending entry ID")
                    guard let entry = group.pending[id] else {
                        throw r.fail("Consumer entry not found in group global PEL", at: at)
                    }
                    if consumer.pending[id] != nil {
                        throw r.fail("Duplicated consumer PEL entry  loading a stream consumer group", at: at)
                    }
                    guard entry.consumer === unresolved else {
                        throw r.fail("Stream PEL entry owned by two consumers", at: at)
                    }
                    entry.consumer = consumer
                    consumer.pending.insert(id, entry)
                }
            }

            var orphan = false
            group.pending.forEach { _, entry in
                orphan = entry.consumer === unresolved
                return !orphan
            }
            if orphan { throw r.fail("Stream CG PEL entry without consumer", at: nameAt) }
        }
    }

    /// streamValidateListpackIntegrity (deep) and Apus's further invariants for one node, whose
    /// live entries must follow `previousLive`; the node re-encoded canonically, its live entries
    /// and its last live entry's ID.
    static func streamNode(_ blob: [UInt8], master: StreamID, after previousLive: StreamID?, at base: Int) throws
        -> (listpack: Listpack, live: UInt64, lastLive: StreamID) {
        let elements: [CompactEncodings.Element]
        do {
            elements = try CompactEncodings.listpack(blob, base: base)
        } catch let error as RDBDecodeError {
            throw RDBDecodeError(offset: base, "Stream listpack integrity check failed: \(error.message)")
        }
        if elements.isEmpty { throw RDBDecodeError(offset: base, "Empty listpack inside stream") }

        func corrupt(_ what: String) -> RDBDecodeError {
            RDBDecodeError(offset: base, "Stream listpack integrity check failed (\(what))")
        }
        var cursor = 0
        func integer(_ what: String) throws -> Int64 {
            guard cursor < elements.count else { throw corrupt("\(what) missing") }
            defer { cursor += 1 }
            switch elements[cursor] {
            case .integer(let value):
                return value
            case .bytes(let text):
                guard let value = text.withUnsafeBytes({ parseInt64($0) }) else { throw corrupt("\(what) is not an integer") }
                return value
            }
        }
        func skip(_ count: Int64, _ what: String) throws {
            guard count >= 0, count <= Int64(elements.count - cursor) else { throw corrupt("\(what) past the end") }
            cursor += Int(count)
        }

        let count = try integer("the entry count")
        let deleted = try integer("the deleted count")
        let masterFields = try integer("the master field count")
        try skip(masterFields, "the master fields")
        guard try integer("the master entry terminator") == 0 else { throw corrupt("no master entry terminator") }
        // A node with no live entry is removed by Redis, never saved.
        guard count > 0, deleted >= 0, count <= Int64(elements.count), deleted <= Int64(elements.count) else {
            throw corrupt("entry counts \(count) live, \(deleted) deleted")
        }

        var live: Int64 = 0
        var tombstones: Int64 = 0
        var lastLive = previousLive
        for _ in 0..<(count + deleted) {
            let flags = try integer("an entry's flags")
            let msDelta = try integer("an entry's ms-diff")
            let seqDelta = try integer("an entry's seq-diff")
            let id = StreamID(ms: master.ms &+ UInt64(bitPattern: msDelta), seq: master.seq &+ UInt64(bitPattern: seqDelta))
            if id < master { throw corrupt("an entry ID below the master ID") }
            var fields = masterFields
            var extra: Int64 = 3
            if flags & streamSameFieldsFlag == 0 {
                fields = try integer("an entry's field count")
                try skip(fields, "an entry's fields")
                extra += fields + 1
            }
            try skip(fields, "an entry's values")
            guard try integer("an entry's lp-count") == fields + extra else { throw corrupt("lp-count mismatch") }
            if flags & streamDeletedFlag != 0 {
                tombstones += 1
            } else {
                if let lastLive, id <= lastLive { throw corrupt("live entry IDs not increasing") }
                live += 1
                lastLive = id
            }
        }
        guard cursor == elements.count else { throw corrupt("elements after the last entry") }
        guard live == count, tombstones == deleted else { throw corrupt("entry counts do not match the deleted flags") }

        let node = Listpack()
        node.reserveCapacity(blob.count)
        blob.withUnsafeBytes { raw in
            node.append(elements: elements.count) { index in
                switch elements[index] {
                case .integer(let value): return .integer(value)
                case .bytes(let text): return .bytes(UnsafeRawBufferPointer(rebasing: raw[text.startIndex..<text.endIndex]))
                }
            }
        }
        return (node, UInt64(live), lastLive!)
    }

    static let streamDeletedFlag: Int64 = 1
    static let streamSameFieldsFlag: Int64 = 2
}

extension RDBReader {
    /// rdbLoadLen unbounded: a stream's counters and IDs are any 64-bit number.
    func number(_ what: String) throws -> UInt64 {
        let start = offset
        let (value, encoded) = try lengthOrEncoding(what)
        if encoded { throw fail("Expected a number for \(what), found a string encoding", at: start) }
        return value
    }

    /// An ID as two rdbSaveLen numbers.
    func streamID(_ what: String) throws -> StreamID {
        StreamID(ms: try number(what), seq: try number(what))
    }

    /// An ID in its raw 16-byte big-endian form (PELs).
    func rawStreamID(_ what: String) throws -> StreamID {
        let raw = try bytes(16, what)
        return raw.withUnsafeBytes { StreamID(encoded: $0)! }
    }
}
