import Glibc
import Util

/// stream-node-max-bytes and stream-node-max-entries, as configured.
public struct StreamNodeLimits {
    public var maxBytes: Int
    public var maxEntries: Int

    public init(maxBytes: Int = 4096, maxEntries: Int = 100) {
        self.maxBytes = maxBytes
        self.maxEntries = maxEntries
    }
}

/// How XADD and XTRIM trim (streamAddTrimArgs).
public enum StreamTrimStrategy {
    case maxLength(UInt64)
    case minimumID(StreamID)
}

/// A stream (t_stream.c's `stream`): listpack nodes indexed by master ID, the counters Redis 7.0
/// keeps beside them, and the consumer groups.
public final class Stream {
    /// Redis refuses entries whose fields and values add up to more (STREAM_LISTPACK_MAX_SIZE).
    public static let listpackMaxSize = 1 << 30
    /// A new node reserves this much, or stream-node-max-bytes when smaller
    /// (STREAM_LISTPACK_MAX_PRE_ALLOCATE), so XADD does not grow it on every entry.
    public static let nodePreallocation = 4096

    public let nodes = SortedChunkMap<StreamID, Listpack>()
    /// Live entries.
    public var length: UInt64 = 0
    public var lastID = StreamID.zero
    /// The first live entry's ID, 0-0 when empty.
    public var firstID = StreamID.zero
    /// The largest ID ever XDELed (the consumer-group lag estimate needs it).
    public var maxDeletedEntryID = StreamID.zero
    /// Entries ever added, trimmed and deleted ones included.
    public var entriesAdded: UInt64 = 0
    public let groups = SortedChunkMap<ByteKey, StreamConsumerGroup>()

    public init() {}

    // MARK: reading

    /// Visits the live entries with IDs in start...end, forwards or backwards, until `body`
    /// returns false (streamIterator).
    public func forEachEntry(from start: StreamID, to end: StreamID, reverse: Bool = false,
                             _ body: (StreamEntryView) throws -> Bool) rethrows {
        if start > end || nodes.isEmpty { return }
        if !reverse {
            var position = nodes.floor(start) ?? nodes.first
            while let current = position {
                let master = nodes.key(at: current)
                if master > end { return }
                let keepGoing = try nodes.value(at: current).withBase { base -> Bool in
                    let header = StreamNodeHeader(base)
                    var offset = header.firstEntryOffset
                    while base[offset] != Listpack.terminator {
                        let entry = StreamEntryLocation(base, at: offset, header, master: master)
                        offset = entry.nextOffset
                        if entry.isDeleted || entry.id < start { continue }
                        if entry.id > end { return false }
                        if try !body(StreamEntryView(base, entry, header)) { return false }
                    }
                    return true
                }
                if !keepGoing { return }
                position = nodes.next(current)
            }
        } else {
            var position = nodes.floor(end)
            while let current = position {
                let master = nodes.key(at: current)
                let keepGoing = try nodes.value(at: current).withBase { base -> Bool in
                    let header = StreamNodeHeader(base)
                    var lpCount = Listpack.previousOffset(base, Listpack.totalBytes(base) - 1)
                    while lpCount != header.masterTerminatorOffset {
                        let flags = StreamEntryLocation.flagsOffset(base, lpCountAt: lpCount)
                        let entry = StreamEntryLocation(base, at: flags, header, master: master)
                        lpCount = Listpack.previousOffset(base, flags)
                        if entry.isDeleted || entry.id > end { continue }
                        if entry.id < start { return false }
                        if try !body(StreamEntryView(base, entry, header)) { return false }
                    }
                    return true
                }
                if !keepGoing { return }
                position = nodes.previous(current)
            }
        }
    }

    /// Whether a live entry has this ID.
    public func contains(_ id: StreamID) -> Bool {
        var found = false
        forEachEntry(from: id, to: id) { _ in
            found = true
            return false
        }
        return found
    }

    /// streamGetEdgeID: the first or last live entry's ID, nil when the stream is empty.
    public func edgeID(first: Bool) -> StreamID? {
        var edge: StreamID?
        forEachEntry(from: .zero, to: .max, reverse: !first) { entry in
            edge = entry.id
            return false
        }
        return edge
    }

    /// streamGetEdgeID(first, no tombstone skipping): the first node's first entry, deleted or
    /// not; nil when the stream has no node.
    public var firstIDIncludingTombstones: StreamID? {
        guard let position = nodes.first else { return nil }
        let master = nodes.key(at: position)
        return nodes.value(at: position).withBase { base -> StreamID? in
            let header = StreamNodeHeader(base)
            if base[header.firstEntryOffset] == Listpack.terminator { return nil }
            return StreamEntryLocation(base, at: header.firstEntryOffset, header, master: master).id
        }
    }

    // MARK: adding

    /// Why `append` refused an entry.
    public enum AppendError: Error {
        /// The fields and values are larger than a listpack may hold (ERANGE).
        case tooLarge
    }

    /// streamAppendItem's storing part: adds an entry with an ID the caller checked to be greater
    /// than `lastID`, opening a new node when the tail one is full.
    public func append(id: StreamID, pairCount: Int, field: (Int) -> UnsafeRawBufferPointer,
                       value: (Int) -> UnsafeRawBufferPointer, limits: StreamNodeLimits) throws(AppendError) {
        var totalLength = 0
        for index in 0..<pairCount { totalLength += field(index).count + value(index).count }
        if totalLength > Stream.listpackMaxSize { throw .tooLarge }

        var tail: Listpack? = nodes.last.map { nodes.value(at: $0) }
        if let node = tail {
            var maxBytes = limits.maxBytes
            if maxBytes == 0 || maxBytes > Stream.listpackMaxSize { maxBytes = Stream.listpackMaxSize }
            var full = node.byteCount + totalLength >= maxBytes
            if !full && limits.maxEntries > 0 {
                let header = node.withBase { StreamNodeHeader($0) }
                full = header.count + header.deleted >= Int64(limits.maxEntries)
            }
            if full {
                node.shrinkToFit()
                tail = nil
            }
        }

        var flags: Int64 = 0
        let node: Listpack
        let master: StreamID
        if let existing = tail {
            node = existing
            master = nodes.lastKey!
            let count = node.withBase { Listpack.integer($0, Listpack.headerSize) }
            node.replace(at: Listpack.headerSize, with: .integer(count + 1))
            let same = node.withBase { base -> Bool in
                let header = StreamNodeHeader(base)
                guard header.masterFieldCount == pairCount else { return false }
                var offset = header.masterFieldsOffset
                for index in 0..<pairCount {
                    let matches = Listpack.element(base, offset).withBytes { stored in
                        let given = field(index)
                        return stored.count == given.count
                            && (given.count == 0 || memcmp(stored.baseAddress!, given.baseAddress!, given.count) == 0)
                    }
                    if !matches { return false }
                    offset = Listpack.nextOffset(base, offset)
                }
                return true
            }
            if same { flags = StreamEntryFlag.sameFields }
        } else {
            node = Listpack()
            var preallocation = Stream.nodePreallocation
            if limits.maxBytes > 0 && limits.maxBytes < preallocation { preallocation = limits.maxBytes }
            node.reserveCapacity(preallocation)
            node.append(elements: pairCount + 4) { index in
                switch index {
                case 0: return .integer(1)
                case 1: return .integer(0)
                case 2: return .integer(Int64(pairCount))
                case pairCount + 3: return .integer(0)
                default: return .bytes(field(index - 3))
                }
            }
            nodes.insert(id, node)
            master = id
            flags = StreamEntryFlag.sameFields
        }

        let msDelta = Int64(bitPattern: id.ms &- master.ms)
        let seqDelta = Int64(bitPattern: id.seq &- master.seq)
        if flags & StreamEntryFlag.sameFields != 0 {
            node.append(elements: pairCount + 4) { index in
                switch index {
                case 0: return .integer(flags)
                case 1: return .integer(msDelta)
                case 2: return .integer(seqDelta)
                case pairCount + 3: return .integer(Int64(pairCount + 3))
                default: return .bytes(value(index - 3))
                }
            }
        } else {
            node.append(elements: 2 * pairCount + 5) { index in
                switch index {
                case 0: return .integer(flags)
                case 1: return .integer(msDelta)
                case 2: return .integer(seqDelta)
                case 3: return .integer(Int64(pairCount))
                case 2 * pairCount + 4: return .integer(Int64(2 * pairCount + 4))
                default:
                    let piece = index - 4
                    return .bytes(piece & 1 == 0 ? field(piece / 2) : value(piece / 2))
                }
            }
        }
        length += 1
        entriesAdded += 1
        lastID = id
        if length == 1 { firstID = id }
    }

    /// What XADD's ID argument asks for.
    public enum RequestedID {
        /// `*`: the current time, or past the last ID when the clock is behind.
        case automatic
        /// `ms-*`: the given time with the next free sequence.
        case time(UInt64)
        case explicit(StreamID)
    }

    /// streamAppendItem's ID rules: the ID an entry would get, or nil when it would not be greater
    /// than the last one (EDOM: Redis's "equal or smaller" error).
    public func newEntryID(_ requested: RequestedID, now: UInt64) -> StreamID? {
        let id: StreamID
        switch requested {
        case .automatic:
            if now > lastID.ms {
                id = StreamID(ms: now, seq: 0)
            } else {
                guard let next = lastID.successor else { return nil }
                id = next
            }
        case .time(let ms):
            if lastID.ms == ms {
                guard lastID.seq != .max else { return nil }
                id = StreamID(ms: ms, seq: lastID.seq + 1)
            } else {
                id = StreamID(ms: ms, seq: 0)
            }
        case .explicit(let given):
            id = given
        }
        return id > lastID ? id : nil
    }

    // MARK: removing

    /// Marks the entry at `flagsOffset` of the node at `position` deleted, keeping the node's
    /// counters; removes the node when it has no live entry left. Returns whether it removed it.
    @discardableResult
    func markDeleted(nodeAt position: SortedChunkPosition, flagsOffset: Int, flags: Int64) -> Bool {
        let node = nodes.value(at: position)
        node.replace(at: flagsOffset, with: .integer(flags | StreamEntryFlag.deleted))
        let (count, deleted) = node.withBase { base -> (Int64, Int64) in
            let header = StreamNodeHeader(base)
            return (header.count, header.deleted)
        }
        length -= 1
        if count == 1 {
            nodes.remove(at: position)
            return true
        }
        let afterCount = node.replace(at: Listpack.headerSize, with: .integer(count - 1))
        node.replace(at: afterCount, with: .integer(deleted + 1))
        return false
    }

    /// streamDeleteItem: deletes the live entry `id`; false when there is none. Keeps `firstID`
    /// and `maxDeletedEntryID` as XDEL does.
    public func delete(_ id: StreamID) -> Bool {
        guard let position = nodes.floor(id) else { return false }
        let master = nodes.key(at: position)
        let found = nodes.value(at: position).withBase { base -> (offset: Int, flags: Int64)? in
            let header = StreamNodeHeader(base)
            var offset = header.firstEntryOffset
            while base[offset] != Listpack.terminator {
                let entry = StreamEntryLocation(base, at: offset, header, master: master)
                offset = entry.nextOffset
                // Only live entries are in ID order: after XSETID lowered the last ID below a
                // deleted entry, the next XADD lands after that tombstone (as in Redis).
                if entry.isDeleted { continue }
                if entry.id == id { return (entry.flagsOffset, entry.flags) }
                if entry.id > id { return nil }
            }
            return nil
        }
        guard let found else { return false }
        markDeleted(nodeAt: position, flagsOffset: found.offset, flags: found.flags)
        if id > maxDeletedEntryID { maxDeletedEntryID = id }
        if id == firstID { firstID = edgeID(first: true) ?? .zero }
        return true
    }

    /// streamTrim: removes entries from the head by MAXLEN or MINID. Approximate trimming removes
    /// whole nodes only; `limit` (0: none) caps the entries removed. Returns how many were removed.
    @discardableResult
    public func trim(_ strategy: StreamTrimStrategy, approximate: Bool, limit: Int64) -> Int64 {
        var removed: Int64 = 0
        while let position = nodes.first {
            if case .maxLength(let maxLength) = strategy, length <= maxLength { break }
            let master = nodes.key(at: position)
            let node = nodes.value(at: position)
            let header = node.withBase { StreamNodeHeader($0) }
            let entries = header.count
            if limit != 0 && removed + entries > limit { break }

            let removeNode: Bool
            switch strategy {
            case .maxLength(let maxLength):
                removeNode = length - UInt64(entries) >= maxLength
            case .minimumID(let minimum):
                let lastInNode = node.withBase { base -> StreamID in
                    let lpCount = Listpack.previousOffset(base, Listpack.totalBytes(base) - 1)
                    let flags = StreamEntryLocation.flagsOffset(base, lpCountAt: lpCount)
                    return StreamEntryLocation(base, at: flags, header, master: master).id
                }
                removeNode = lastInNode < minimum
            }
            if removeNode {
                nodes.remove(at: position)
                length -= UInt64(entries)
                removed += entries
                continue
            }
            if approximate { break }

            // Mark entries deleted one by one inside this node, then fix its counters once.
            var removedHere: Int64 = 0
            var offset = header.firstEntryOffset
            while true {
                let step = node.withBase { base -> (entry: StreamEntryLocation, end: Bool)? in
                    if base[offset] == Listpack.terminator { return nil }
                    return (StreamEntryLocation(base, at: offset, header, master: master), false)
                }
                guard let entry = step?.entry else { break }
                let stop: Bool
                switch strategy {
                case .maxLength(let maxLength): stop = length <= maxLength
                case .minimumID(let minimum): stop = entry.id >= minimum
                }
                if stop { break }
                if !entry.isDeleted {
                    // The flag keeps its one-byte encoding, so offsets after it do not move.
                    node.replace(at: offset, with: .integer(entry.flags | StreamEntryFlag.deleted))
                    removedHere += 1
                    length -= 1
                }
                offset = entry.nextOffset
            }
            removed += removedHere
            let afterCount = node.replace(at: Listpack.headerSize, with: .integer(entries - removedHere))
            node.replace(at: afterCount, with: .integer(header.deleted + removedHere))
            break
        }
        if removed > 0 || length == 0 { firstID = edgeID(first: true) ?? .zero }
        return removed
    }

    // MARK: copying

    /// A deep copy with its groups, consumers and pending entries (COPY).
    public func copy() -> Stream {
        let other = Stream()
        nodes.forEach { master, node in
            other.nodes.insert(master, Listpack(copying: node))
            return true
        }
        other.length = length
        other.lastID = lastID
        other.firstID = firstID
        other.maxDeletedEntryID = maxDeletedEntryID
        other.entriesAdded = entriesAdded
        groups.forEach { name, group in
            other.groups.insert(name, group.copy())
            return true
        }
        return other
    }
}

extension Listpack {
    /// The listpack's total size from its header.
    @inlinable
    static func totalBytes(_ base: UnsafePointer<UInt8>) -> Int {
        Int(UInt32(base[0]) | UInt32(base[1]) << 8 | UInt32(base[2]) << 16 | UInt32(base[3]) << 24)
    }
}
