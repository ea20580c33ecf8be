import Config
import RESP
import Store
import Util

// The stream commands that add, read ranges of and remove entries (t_stream.c): XADD, XRANGE,
// XREVRANGE, XLEN, XDEL, XTRIM, XSETID. Consumer groups, XREAD/XREADGROUP and XINFO have files
// of their own.

enum StreamCommands {
    static let handlers: [String: CommandHandler] = [
        "xadd": xadd, "xrange": xrange, "xrevrange": xrevrange, "xlen": xlen, "xdel": xdel,
        "xtrim": xtrim, "xsetid": xsetid,
    ]

    /// The stream at `key` for reading; nil after replying `missing` or WRONGTYPE.
    @inline(__always)
    static func lookupRead(_ c: Client, _ key: UnsafeRawBufferPointer, missing: (Client) -> Void) -> Stream? {
        guard let object = c.lookupReadOrReply(key, type: .stream, missing: missing) else { return nil }
        return StreamType.stream(object)
    }

    @inline(__always)
    static func lookupWrite(_ c: Client, _ key: UnsafeRawBufferPointer, missing: (Client) -> Void) -> Stream? {
        guard let object = c.lookupWriteOrReply(key, type: .stream, missing: missing) else { return nil }
        return StreamType.stream(object)
    }

    /// The stream at argument 1 and its group named by argument 2; nil after replying WRONGTYPE
    /// or NOGROUP (XPENDING, XCLAIM, XAUTOCLAIM).
    static func lookupGroup(_ c: Client) -> (Stream, StreamConsumerGroup)? {
        let object = c.lookupRead(c.arg(1))
        if c.wrongType(object, .stream) { return nil }
        guard let object else {
            c.error(withNames: ErrorText.noKeyOrGroup(key: c.arg(1), group: c.arg(2)))
            return nil
        }
        let stream = StreamType.stream(object)
        guard let group = stream.group(named: c.arg(2)) else {
            c.error(withNames: ErrorText.noKeyOrGroup(key: c.arg(1), group: c.arg(2)))
            return nil
        }
        return (stream, group)
    }

    static func nodeLimits(_ c: Client) -> StreamNodeLimits {
        StreamNodeLimits(maxBytes: c.server.settings.streamNodeMaxBytes,
                         maxEntries: c.server.settings.streamNodeMaxEntries)
    }

    // MARK: XADD

    static func xadd(_ c: Client) {
        guard let options = StreamAddTrimArguments(c, xadd: true) else { return }
        let idIndex = options.idIndex
        let firstField = idIndex + 1
        let pieces = c.argumentCount - firstField
        if pieces < 2 || pieces % 2 == 1 {
            c.error(ErrorText.wrongArity("xadd"))
            return
        }
        if case .explicit(let id) = options.requestedID, id == .zero {
            c.error(ErrorText.xaddIDZero)
            return
        }
        let key = c.arg(1)
        let stream: Stream
        if let object = c.lookupWrite(key) {
            if c.wrongType(object, .stream) { return }
            stream = StreamType.stream(object)
        } else {
            if options.noMakeStream {
                c.reply.nullBulk()
                return
            }
            let object = c.db.add(key, c.stored(StreamType.create()))
            stream = StreamType.stream(object)
        }
        if stream.lastID == .max {
            c.error(ErrorText.streamExhausted)
            return
        }
        guard let id = stream.newEntryID(options.requestedID, now: UInt64(max(c.server.now, 0))) else {
            c.error(ErrorText.xaddIDTooSmall)
            return
        }
        do {
            try stream.append(id: id, pairCount: pieces / 2,
                              field: { c.arg(firstField + 2 * $0) }, value: { c.arg(firstField + 2 * $0 + 1) },
                              limits: nodeLimits(c))
        } catch {
            c.error(ErrorText.streamElementsTooLarge)
            return
        }
        c.reply.bulk(id)
        c.signalModified(key)
        c.notify(KeyspaceEventFlags.stream, "xadd", key)
        c.markDirty()

        var trimThreshold: [UInt8]?
        if let strategy = options.strategy {
            if stream.trim(strategy, approximate: options.approximate, limit: options.limit) > 0 {
                c.notify(KeyspaceEventFlags.stream, "xtrim", key)
            }
            if options.approximate { trimThreshold = exactThreshold(stream, strategy) }
        }
        let rewriteID: Bool
        if case .explicit = options.requestedID { rewriteID = false } else { rewriteID = true }
        if rewriteID || trimThreshold != nil {
            propagateRewritten(c, idIndex: rewriteID ? idIndex : nil, id: id,
                               threshold: trimThreshold.map { (options.strategyArgumentIndex, $0) })
        }
        c.signalKeyAsReady(key)
    }

    /// streamRewriteTrimArgument: what an approximate trim actually kept, as an exact threshold
    /// (the length, or the first entry's ID tombstones included), so replicas and the AOF trim
    /// the same entries.
    static func exactThreshold(_ stream: Stream, _ strategy: StreamTrimStrategy) -> [UInt8] {
        switch strategy {
        case .maxLength: return decimalBytes(Int64(stream.length))
        case .minimumID: return (stream.firstIDIncludingTombstones ?? .max).text
        }
    }

    /// rewriteClientCommandArgument for XADD and XTRIM: the generated ID in place of `*` or
    /// `ms-*`, and `= <threshold>` in place of `~ <threshold>`.
    static func propagateRewritten(_ c: Client, idIndex: Int?, id: StreamID, threshold: (index: Int, value: [UInt8])?) {
        c.propagateAs(count: c.argumentCount) { out in
            for index in 0..<c.argumentCount {
                if index == idIndex {
                    id.withText { out.append($0) }
                } else if let threshold, index == threshold.index - 1 {
                    out.append("=")
                } else if let threshold, index == threshold.index {
                    out.append(threshold.value)
                } else {
                    out.append(c.arg(index))
                }
            }
        }
    }

    // MARK: XRANGE / XREVRANGE

    static func xrange(_ c: Client) { range(c, reverse: false) }
    static func xrevrange(_ c: Client) { range(c, reverse: true) }

    private static func range(_ c: Client, reverse: Bool) {
        guard let start = c.streamIntervalArgument(reverse ? 3 : 2, isStart: true),
              let end = c.streamIntervalArgument(reverse ? 2 : 3, isStart: false) else { return }
        var count: Int64 = -1
        var index = 4
        while index < c.argumentCount {
            if c.argIs(index, "count") && index + 1 < c.argumentCount {
                guard let value = c.integerArgument(index + 1) else { return }
                count = max(value, 0)
                index += 2
            } else {
                c.error(ErrorText.syntax)
                return
            }
        }
        guard let stream = lookupRead(c, c.arg(1), missing: { $0.reply.emptyArray() }) else { return }
        if count == 0 {
            c.reply.nullArray()
            return
        }
        c.replyStreamRange(stream, from: start, to: end, reverse: reverse,
                           limit: count < 0 ? 0 : Int(clamping: count))
    }

    // MARK: XLEN

    static func xlen(_ c: Client) {
        guard let stream = lookupRead(c, c.arg(1), missing: { $0.reply.integer(0) }) else { return }
        c.reply.integer(Int64(stream.length))
    }

    // MARK: XDEL

    static func xdel(_ c: Client) {
        let key = c.arg(1)
        guard let stream = lookupWrite(c, key, missing: { $0.reply.integer(0) }) else { return }
        // Every ID is checked before any is deleted, so a bad one leaves the stream untouched.
        var ids: [StreamID] = []
        ids.reserveCapacity(c.argumentCount - 2)
        for index in 2..<c.argumentCount {
            guard let id = c.streamIDArgument(index, strict: true) else { return }
            ids.append(id)
        }
        var deleted: Int64 = 0
        for id in ids where stream.delete(id) { deleted += 1 }
        if deleted > 0 {
            c.signalModified(key)
            c.notify(KeyspaceEventFlags.stream, "xdel", key)
            c.markDirty(deleted)
        }
        c.reply.integer(deleted)
    }

    // MARK: XTRIM

    static func xtrim(_ c: Client) {
        guard let options = StreamAddTrimArguments(c, xadd: false), let strategy = options.strategy else { return }
        let key = c.arg(1)
        guard let stream = lookupWrite(c, key, missing: { $0.reply.integer(0) }) else { return }
        let deleted = stream.trim(strategy, approximate: options.approximate, limit: options.limit)
        if deleted > 0 {
            c.notify(KeyspaceEventFlags.stream, "xtrim", key)
            if options.approximate {
                propagateRewritten(c, idIndex: nil, id: .zero,
                                   threshold: (options.strategyArgumentIndex, exactThreshold(stream, strategy)))
            }
            c.signalModified(key)
            c.markDirty(deleted)
        }
        c.reply.integer(deleted)
    }

    // MARK: XSETID

    static func xsetid(_ c: Client) {
        guard let id = c.streamIDArgument(2, strict: true) else { return }
        var entriesAdded: Int64 = -1
        var maxDeleted = StreamID.zero
        var index = 3
        while index < c.argumentCount {
            let more = c.argumentCount - 1 - index
            if more > 0 && c.argIs(index, "entriesadded") {
                guard let value = c.integerArgument(index + 1) else { return }
                if value < 0 {
                    c.error(ErrorText.entriesAddedNegative)
                    return
                }
                entriesAdded = value
            } else if more > 0 && c.argIs(index, "maxdeletedid") {
                guard let value = c.streamIDArgument(index + 1, strict: true) else { return }
                if id < value {
                    c.error(ErrorText.xsetidBelowGivenMaxDeleted)
                    return
                }
                maxDeleted = value
            } else {
                c.error(ErrorText.syntax)
                return
            }
            index += 2
        }
        let key = c.arg(1)
        guard let stream = lookupWrite(c, key, missing: { $0.error(ErrorText.noSuchKey) }) else { return }
        if stream.length > 0 {
            if let top = stream.edgeID(first: false), id < top {
                c.error(ErrorText.xsetidBelowTop)
                return
            }
            if entriesAdded != -1 && stream.length > UInt64(entriesAdded) {
                c.error(ErrorText.xsetidEntriesAddedBelowLength)
                return
            }
        }
        stream.lastID = id
        if entriesAdded != -1 { stream.entriesAdded = UInt64(entriesAdded) }
        if maxDeleted != .zero { stream.maxDeletedEntryID = maxDeleted }
        c.reply.ok()
        c.signalModified(key)
        c.notify(KeyspaceEventFlags.stream, "xsetid", key)
        c.markDirty()
    }
}
