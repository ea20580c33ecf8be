import Store

// XCLAIM and XAUTOCLAIM (t_stream.c): moving pending entries to another consumer. Neither
// propagates itself: each claimed (or dropped) entry goes out as an idempotent XCLAIM
// (StreamPropagation.swift). As in Redis 7.0, the consumer is looked up, or created, only once
// an entry is actually claimed, and that lookup is what refreshes its seen-time.

enum StreamClaimCommands {
    static let handlers: [String: CommandHandler] = ["xclaim": xclaim, "xautoclaim": xautoclaim]

    /// XAUTOCLAIM's COUNT ceiling: LONG_MAX / max(sizeof(streamID), attempts factor).
    static let autoclaimMaximumCount: Int64 = Int64.max / 16
    static let autoclaimAttemptsFactor: Int64 = 10

    // MARK: XCLAIM

    static func xclaim(_ c: Client) {
        let key = c.arg(1)
        guard let (stream, group) = StreamCommands.lookupGroup(c) else { return }
        guard var minimumIdle = c.integerArgument(4, error: ErrorText.xclaimMinIdle) else { return }
        if minimumIdle < 0 { minimumIdle = 0 }

        // The IDs run until the first argument that isn't one; options follow.
        let count = c.argumentCount
        var ids: [StreamID] = []
        var index = 5
        while index < count, case .id(let id)? = StreamID.parse(c.arg(index), missingSequence: 0, allowSpecial: false) {
            ids.append(id)
            index += 1
        }
        let now = c.server.now
        var force = false
        var justID = false
        var deliveryTime: Int64 = -1
        var retryCount: Int64 = -1
        var lastID = StreamID.zero
        while index < count {
            let more = count - 1 - index
            if c.argIs(index, "force") {
                force = true
            } else if c.argIs(index, "justid") {
                justID = true
            } else if c.argIs(index, "idle") && more > 0 {
                index += 1
                guard let idle = c.integerArgument(index, error: ErrorText.xclaimIdle) else { return }
                deliveryTime = now &- idle
            } else if c.argIs(index, "time") && more > 0 {
                index += 1
                guard let time = c.integerArgument(index, error: ErrorText.xclaimTime) else { return }
                deliveryTime = time
            } else if c.argIs(index, "retrycount") && more > 0 {
                index += 1
                guard let retries = c.integerArgument(index, error: ErrorText.xclaimRetryCount) else { return }
                retryCount = retries
            } else if c.argIs(index, "lastid") && more > 0 {
                index += 1
                guard let id = c.streamIDArgument(index, strict: true) else { return }
                lastID = id
            } else {
                c.error(withNames: ErrorText.xclaimUnknownOption(c.arg(index)))
                return
            }
            index += 1
        }

        var propagateLastID = false
        if lastID > group.lastID {
            group.lastID = lastID
            propagateLastID = true
        }
        // A bogus time (the client's clock ahead of ours, say) means now rather than an error.
        if deliveryTime < 0 || deliveryTime > now { deliveryTime = now }

        var consumer: StreamConsumer?
        var claimed: [StreamID] = []
        for (offset, id) in ids.enumerated() {
            let argument = c.arg(5 + offset)
            let existing = group.pending[id]
            if !stream.contains(id) {
                // The entry is gone from the stream: its pending entry goes too.
                if let existing {
                    c.propagateStreamClaim(key: key, group: group, groupName: c.arg(2), idArgument: argument,
                                           pending: existing)
                    propagateLastID = false
                    c.markDirty()
                    group.acknowledge(id)
                }
                continue
            }
            if existing == nil && !force { continue }
            // FORCE's new entry has no previous delivery, so the idle time doesn't apply to it.
            if let existing, minimumIdle != 0 && now &- existing.deliveryTime < minimumIdle { continue }
            let owner = consumer ?? claimingConsumer(c, group, key: key)
            consumer = owner
            let entry: StreamPendingEntry
            if let existing {
                group.transfer(id, existing, to: owner)
                entry = existing
            } else {
                entry = group.addPending(id, consumer: owner, deliveryTime: deliveryTime, deliveryCount: 1)
            }
            entry.deliveryTime = deliveryTime
            if retryCount >= 0 {
                entry.deliveryCount = UInt64(bitPattern: retryCount)
            } else if !justID {
                entry.deliveryCount &+= 1
            }
            claimed.append(id)
            c.propagateStreamClaim(key: key, group: group, groupName: c.arg(2), idArgument: argument, pending: entry)
            propagateLastID = false
            c.markDirty()
        }
        if propagateLastID {
            c.propagateStreamGroupID(key: key, group: group, groupName: c.arg(2))
            c.markDirty()
        }
        replyClaimed(c, stream, claimed, justID: justID)
        c.preventPropagation()
    }

    // MARK: XAUTOCLAIM

    static func xautoclaim(_ c: Client) {
        guard var minimumIdle = c.integerArgument(4, error: ErrorText.xautoclaimMinIdle) else { return }
        if minimumIdle < 0 { minimumIdle = 0 }
        guard let start = c.streamIntervalArgument(5, isStart: true) else { return }
        var limit: Int64 = 100
        var justID = false
        var index = 6
        while index < c.argumentCount {
            let more = c.argumentCount - 1 - index
            if c.argIs(index, "count") && more > 0 {
                guard let value = c.integerArgument(index + 1, error: ErrorText.xautoclaimCount) else { return }
                if value < 1 || value > autoclaimMaximumCount {
                    c.error(ErrorText.xautoclaimCount)
                    return
                }
                limit = value
                index += 1
            } else if c.argIs(index, "justid") {
                justID = true
            } else {
                c.error(ErrorText.syntax)
                return
            }
            index += 1
        }

        let key = c.arg(1)
        guard let (stream, group) = StreamCommands.lookupGroup(c) else { return }

        let now = c.server.now
        var attempts = limit * autoclaimAttemptsFactor
        var consumer: StreamConsumer?
        var claimed: [StreamID] = []
        var deleted: [StreamID] = []
        // `position` is always the next entry to look at: what the cursor reports at the end.
        var position = group.pending.lowerBound(start)
        while attempts > 0 && limit > 0, let current = position {
            attempts -= 1
            let id = group.pending.key(at: current)
            let entry = group.pending.value(at: current)
            if !stream.contains(id) {
                c.propagateStreamClaim(key: key, group: group, groupName: c.arg(2), id: id, pending: entry)
                c.markDirty()
                group.acknowledge(id)
                deleted.append(id)
                position = group.pending.lowerBound(id)
                // Dropped entries count against COUNT too: it bounds the reply.
                limit -= 1
                continue
            }
            position = group.pending.next(current)
            if minimumIdle != 0 && now &- entry.deliveryTime < minimumIdle { continue }
            let owner = consumer ?? claimingConsumer(c, group, key: key)
            consumer = owner
            group.transfer(id, entry, to: owner)
            entry.deliveryTime = now
            if !justID { entry.deliveryCount &+= 1 }
            claimed.append(id)
            limit -= 1
            c.propagateStreamClaim(key: key, group: group, groupName: c.arg(2), id: id, pending: entry)
            c.markDirty()
        }
        let cursor = position.map { group.pending.key(at: $0) } ?? .zero

        c.reply.arrayHeader(3)
        c.reply.bulk(cursor)
        replyClaimed(c, stream, claimed, justID: justID)
        c.reply.arrayHeader(deleted.count)
        for id in deleted { c.reply.bulk(id) }
        c.preventPropagation()
    }

    // MARK: shared

    /// The consumer named by argument 3, created if needed; its seen-time is now
    /// (streamLookupConsumer's refresh, or streamCreateConsumer).
    private static func claimingConsumer(_ c: Client, _ group: StreamConsumerGroup,
                                         key: UnsafeRawBufferPointer) -> StreamConsumer {
        if let consumer = group.consumer(named: c.arg(3)) {
            consumer.seenTime = c.server.now
            return consumer
        }
        return c.createStreamConsumer(group, named: c.arg(3), key: key)!
    }

    /// The claimed entries: IDs alone with JUSTID, otherwise each entry with its fields.
    private static func replyClaimed(_ c: Client, _ stream: Stream, _ ids: [StreamID], justID: Bool) {
        c.reply.arrayHeader(ids.count)
        for id in ids {
            if justID {
                c.reply.bulk(id)
            } else {
                stream.forEachEntry(from: id, to: id) { entry in
                    c.reply.streamEntry(entry)
                    return false
                }
            }
        }
    }
}
