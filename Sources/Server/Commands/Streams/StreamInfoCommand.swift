import Store

// XINFO (t_stream.c's xinfoCommand) with Redis 7.0.15's fields in its order: STREAM [FULL
// [COUNT n]], GROUPS, CONSUMERS, HELP. Maps where Redis uses addReplyMapLen (flat arrays in
// RESP2). 7.0 has no consumer active-time or inactive field; those came with 7.2.

enum StreamInfoCommand {
    static let handlers: [String: CommandHandler] = [
        "xinfo|stream": xinfo, "xinfo|groups": xinfo, "xinfo|consumers": xinfo, "xinfo|help": xinfo,
    ]

    static let help: [String] = [
        "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
        "HELP",
        "    Prints this help.",
    ]

    static func xinfo(_ c: Client) {
        let count = c.argumentCount
        if c.argIs(1, "help") {
            if count != 2 {
                StreamGroupCommands.subcommandSyntaxError(c)
                return
            }
            ObjectCommand.replyHelp(c, help)
            return
        }
        if count < 3 {
            StreamGroupCommands.subcommandSyntaxError(c)
            return
        }
        guard let stream = StreamCommands.lookupRead(c, c.arg(2), missing: { $0.error(ErrorText.noSuchKey) }) else {
            return
        }
        if c.argIs(1, "consumers") && count == 4 {
            guard let group = stream.group(named: c.arg(3)) else {
                c.error(ErrorText.noGroup(group: c.argString(3), key: c.argString(2)))
                return
            }
            replyConsumers(c, group)
        } else if c.argIs(1, "groups") && count == 3 {
            c.reply.arrayHeader(stream.groups.count)
            stream.groups.forEach { name, group in
                c.reply.mapHeader(6)
                c.reply.bulk("name")
                c.reply.bulk(name.bytes)
                c.reply.bulk("consumers")
                c.reply.integer(group.consumers.count)
                c.reply.bulk("pending")
                c.reply.integer(group.pending.count)
                c.reply.bulk("last-delivered-id")
                c.reply.bulk(group.lastID)
                c.reply.bulk("entries-read")
                replyEntriesRead(c, group)
                c.reply.bulk("lag")
                replyLag(c, stream, group)
                return true
            }
        } else if c.argIs(1, "stream") {
            replyStream(c, stream)
        } else {
            StreamGroupCommands.subcommandSyntaxError(c)
        }
    }

    // MARK: CONSUMERS

    private static func replyConsumers(_ c: Client, _ group: StreamConsumerGroup) {
        let now = c.server.now
        c.reply.arrayHeader(group.consumers.count)
        group.consumers.forEach { _, consumer in
            c.reply.mapHeader(3)
            c.reply.bulk("name")
            c.reply.bulk(consumer.name)
            c.reply.bulk("pending")
            c.reply.integer(consumer.pending.count)
            c.reply.bulk("idle")
            c.reply.integer(max(now &- consumer.seenTime, 0))
            return true
        }
    }

    // MARK: STREAM

    private static func replyStream(_ c: Client, _ stream: Stream) {
        let options = c.argumentCount - 3
        var full = false
        var limit: Int64 = 10  // FULL's default, so a huge stream can't block the server
        if options > 0 {
            if (options != 1 && options != 3) || !c.argIs(3, "full") || (options == 3 && !c.argIs(4, "count")) {
                StreamGroupCommands.subcommandSyntaxError(c)
                return
            }
            if options == 3 {
                guard let given = c.integerArgument(5) else { return }
                limit = given < 0 ? 10 : given
            }
            full = true
        }

        c.reply.mapHeader(full ? 9 : 10)
        c.reply.bulk("length")
        c.reply.integer(Int64(stream.length))
        c.reply.bulk("radix-tree-keys")
        c.reply.integer(stream.nodes.count)
        c.reply.bulk("radix-tree-nodes")
        c.reply.integer(stream.radixTreeNodeCount)
        c.reply.bulk("last-generated-id")
        c.reply.bulk(stream.lastID)
        c.reply.bulk("max-deleted-entry-id")
        c.reply.bulk(stream.maxDeletedEntryID)
        c.reply.bulk("entries-added")
        c.reply.integer(Int64(bitPattern: stream.entriesAdded))
        c.reply.bulk("recorded-first-entry-id")
        c.reply.bulk(stream.firstID)

        if !full {
            c.reply.bulk("groups")
            c.reply.integer(stream.groups.count)
            for (label, reverse) in [("first-entry", false), ("last-entry", true)] {
                c.reply.bulk(label)
                var emitted = false
                stream.forEachEntry(from: .zero, to: .max, reverse: reverse) { entry in
                    c.reply.streamEntry(entry)
                    emitted = true
                    return false
                }
                if !emitted { c.reply.nullBulk() }
            }
            return
        }

        let maximum = limit == 0 ? Int.max : Int(clamping: limit)
        c.reply.bulk("entries")
        c.replyStreamRange(stream, from: .zero, to: .max, reverse: false, limit: limit == 0 ? 0 : maximum)
        c.reply.bulk("groups")
        c.reply.arrayHeader(stream.groups.count)
        stream.groups.forEach { name, group in
            c.reply.mapHeader(7)
            c.reply.bulk("name")
            c.reply.bulk(name.bytes)
            c.reply.bulk("last-delivered-id")
            c.reply.bulk(group.lastID)
            c.reply.bulk("entries-read")
            replyEntriesRead(c, group)
            c.reply.bulk("lag")
            replyLag(c, stream, group)
            c.reply.bulk("pel-count")
            c.reply.integer(group.pending.count)
            c.reply.bulk("pending")
            c.reply.arrayHeader(min(group.pending.count, maximum))
            var left = maximum
            group.pending.forEach { id, entry in
                if left == 0 { return false }
                left -= 1
                c.reply.arrayHeader(4)
                c.reply.bulk(id)
                c.reply.bulk(entry.consumer.name)
                c.reply.integer(entry.deliveryTime)
                c.reply.integer(Int64(bitPattern: entry.deliveryCount))
                return true
            }
            c.reply.bulk("consumers")
            c.reply.arrayHeader(group.consumers.count)
            group.consumers.forEach { _, consumer in
                c.reply.mapHeader(4)
                c.reply.bulk("name")
                c.reply.bulk(consumer.name)
                c.reply.bulk("seen-time")
                c.reply.integer(consumer.seenTime)
                c.reply.bulk("pel-count")
                c.reply.integer(consumer.pending.count)
                c.reply.bulk("pending")
                c.reply.arrayHeader(min(consumer.pending.count, maximum))
                var left = maximum
                consumer.pending.forEach { id, entry in
                    if left == 0 { return false }
                    left -= 1
                    c.reply.arrayHeader(3)
                    c.reply.bulk(id)
                    c.reply.integer(entry.deliveryTime)
                    c.reply.integer(Int64(bitPattern: entry.deliveryCount))
                    return true
                }
                return true
            }
            return true
        }
    }

    // MARK: shared

    private static func replyEntriesRead(_ c: Client, _ group: StreamConsumerGroup) {
        if group.entriesRead != streamInvalidEntriesRead {
            c.reply.integer(group.entriesRead)
        } else {
            c.reply.nullBulk()
        }
    }

    /// streamReplyWithCGLag: entries not yet delivered to the group, or null when the stream's
    /// deletions make it unknowable.
    private static func replyLag(_ c: Client, _ stream: Stream, _ group: StreamConsumerGroup) {
        let added = Int64(bitPattern: stream.entriesAdded)
        if added == 0 {
            c.reply.integer(0)
        } else if group.entriesRead != streamInvalidEntriesRead
                    && !stream.rangeHasTombstones(from: group.lastID, to: nil) {
            c.reply.integer(added &- group.entriesRead)
        } else {
            let read = stream.estimatedDistanceFromFirstEverEntry(group.lastID)
            if read != streamInvalidEntriesRead {
                c.reply.integer(added &- read)
            } else {
                c.reply.nullBulk()
            }
        }
    }
}
