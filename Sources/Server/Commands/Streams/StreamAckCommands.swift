import Store

// XACK and XPENDING (t_stream.c): acknowledging delivered entries, and reading a group's
// pending entries list, as a summary or entry by entry.

enum StreamAckCommands {
    static let handlers: [String: CommandHandler] = ["xack": xack, "xpending": xpending]

    // MARK: XACK

    static func xack(_ c: Client) {
        var group: StreamConsumerGroup?
        if let object = c.lookupRead(c.arg(1)) {
            if c.wrongType(object, .stream) { return }
            group = StreamType.stream(object).group(named: c.arg(2))
        }
        guard let group else {
            c.reply.integer(0)
            return
        }
        // All IDs are parsed first: once some are acknowledged the reply can't be an error.
        var ids: [StreamID] = []
        ids.reserveCapacity(c.argumentCount - 3)
        for index in 3..<c.argumentCount {
            guard let id = c.streamIDArgument(index, strict: true) else { return }
            ids.append(id)
        }
        var acknowledged: Int64 = 0
        for id in ids where group.acknowledge(id) { acknowledged += 1 }
        c.markDirty(acknowledged)
        c.reply.integer(acknowledged)
    }

    // MARK: XPENDING

    static func xpending(_ c: Client) {
        let count = c.argumentCount
        if count != 3 && (count < 6 || count > 9) {
            c.error(ErrorText.syntax)
            return
        }
        var start = StreamID.zero
        var end = StreamID.max
        var limit: Int64 = 0
        var minimumIdle: Int64 = 0
        var consumerIndex: Int?
        // The range's errors come before any about the key or the group.
        if count >= 6 {
            var startIndex = 3
            if c.argIs(3, "idle") {
                guard let idle = c.integerArgument(4) else { return }
                minimumIdle = idle
                if count < 8 {
                    c.error(ErrorText.syntax)
                    return
                }
                startIndex += 2
            }
            guard let given = c.integerArgument(startIndex + 2) else { return }
            limit = max(given, 0)
            guard let first = c.streamIntervalArgument(startIndex, isStart: true),
                  let last = c.streamIntervalArgument(startIndex + 1, isStart: false) else { return }
            start = first
            end = last
            if startIndex + 3 < count { consumerIndex = startIndex + 3 }
        }

        guard let (_, group) = StreamCommands.lookupGroup(c) else { return }

        if count == 3 {
            replySummary(c, group)
            return
        }
        var pel = group.pending
        if let consumerIndex {
            guard let consumer = group.consumer(named: c.arg(consumerIndex)) else {
                c.reply.emptyArray()
                return
            }
            pel = consumer.pending
        }
        let now = c.server.now
        var selected: [(StreamID, StreamPendingEntry)] = []
        var position = pel.lowerBound(start)
        while limit > 0, let current = position {
            let id = pel.key(at: current)
            if id > end { break }
            position = pel.next(current)
            let entry = pel.value(at: current)
            if minimumIdle != 0 && now &- entry.deliveryTime < minimumIdle { continue }
            selected.append((id, entry))
            limit -= 1
        }
        c.reply.arrayHeader(selected.count)
        for (id, entry) in selected {
            c.reply.arrayHeader(4)
            c.reply.bulk(id)
            c.reply.bulk(entry.consumer.name)
            c.reply.integer(max(now &- entry.deliveryTime, 0))
            c.reply.integer(Int64(bitPattern: entry.deliveryCount))
        }
    }

    /// XPENDING <key> <group>: how many, the smallest and largest ID, and per consumer with
    /// pending entries how many (as bulk strings, as Redis).
    private static func replySummary(_ c: Client, _ group: StreamConsumerGroup) {
        c.reply.arrayHeader(4)
        c.reply.integer(group.pending.count)
        guard let first = group.pending.firstKey, let last = group.pending.lastKey else {
            c.reply.nullBulk()
            c.reply.nullBulk()
            c.reply.nullArray()
            return
        }
        c.reply.bulk(first)
        c.reply.bulk(last)
        var owners = 0
        group.consumers.forEach { _, consumer in
            if !consumer.pending.isEmpty { owners += 1 }
            return true
        }
        c.reply.arrayHeader(owners)
        group.consumers.forEach { _, consumer in
            if consumer.pending.isEmpty { return true }
            c.reply.arrayHeader(2)
            c.reply.bulk(consumer.name)
            c.reply.bulk(integer: Int64(consumer.pending.count))
            return true
        }
    }
}
