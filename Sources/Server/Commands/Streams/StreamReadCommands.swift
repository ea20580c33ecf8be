import RESP
import Store

// XREAD and XREADGROUP (t_stream.c's xreadCommand, Redis 7.0.15): each stream that has entries
// past the given ID is served at once, as [key, entries] (a map key → entries in RESP3); when
// none is and BLOCK was given, the client waits on all the keys (Blocking/BlockedStreamReaders);
// otherwise the reply is a null. XREADGROUP's `>` reads what the group has not delivered yet,
// any other ID the consumer's pending history. XREADGROUP is never propagated itself: its
// effects are, as XCLAIMs, XGROUP SETID and XGROUP CREATECONSUMER (StreamGroupDelivery).

enum StreamReadCommands {
    static let handlers: [String: CommandHandler] = ["xread": xread, "xreadgroup": xreadgroup]

    static func xread(_ c: Client) { read(c, withGroup: false) }
    static func xreadgroup(_ c: Client) { read(c, withGroup: true) }

    /// Where the per-key replies of a read of several keys wait until their count is known
    /// (Redis's deferred length): serving one key can change whether a later one is served.
    private static let pending = ReplyBuffer()

    static func read(_ c: Client, withGroup: Bool) {
        guard let options = StreamReadOptions(c, withGroup: withGroup) else { return }
        let count = options.count
        let first = options.firstKey
        let keyCount = options.keyCount
        var ids: [StreamID] = []
        var groups: [StreamConsumerGroup] = []
        ids.reserveCapacity(keyCount)

        // Every key's type, group and ID is checked before anything is served.
        for index in 0..<keyCount {
            let key = c.arg(first + index)
            let idIndex = first + keyCount + index
            let object = c.lookupRead(key)
            if c.wrongType(object, .stream) { return }
            if let groupIndex = options.groupIndex {
                guard let object, let group = StreamType.stream(object).group(named: c.arg(groupIndex)) else {
                    replyNoGroup(c, key: key, group: c.arg(groupIndex))
                    return
                }
                groups.append(group)
            }
            let text = c.arg(idIndex)
            if text.count == 1 && text[0] == UInt8(ascii: "$") {
                if withGroup {
                    c.error(ErrorText.xreadgroupDollarID)
                    return
                }
                ids.append(object.map { StreamType.stream($0).lastID } ?? .zero)
            } else if text.count == 1 && text[0] == UInt8(ascii: ">") {
                if !withGroup {
                    c.error(ErrorText.xreadGreaterID)
                    return
                }
                // The largest ID stands for `>`, as in Redis (so giving it explicitly means `>`).
                ids.append(.max)
            } else {
                guard let id = c.streamIDArgument(idIndex, strict: true) else { return }
                ids.append(id)
            }
        }
        c.preventPropagation()

        let resp3 = c.reply.resp3
        let direct = keyCount == 1
        let out = direct ? c.reply : pending
        out.resp3 = resp3
        var served = 0
        for index in 0..<keyCount {
            let key = c.arg(first + index)
            guard let object = c.lookupRead(key) else { continue }
            let stream = StreamType.stream(object)
            var after = ids[index]
            var history = false
            if withGroup {
                if after != .max {
                    history = true
                } else if stream.length > 0, let top = stream.edgeID(first: false), top > groups[index].lastID {
                    after = groups[index].lastID
                } else {
                    continue
                }
            } else if stream.length == 0 || stream.edgeID(first: false).map({ $0 <= after }) ?? true {
                continue
            }
            served += 1
            if direct { replyHeader(c.reply, 1) }
            if !resp3 { out.arrayHeader(2) }
            out.bulk(key)
            let start = after.successor ?? .zero
            if let groupIndex = options.groupIndex {
                let group = groups[index]
                let consumer = c.streamConsumer(group, named: c.arg(groupIndex + 1), key: key,
                                                groupName: c.arg(groupIndex), noAck: options.noAck)
                if history {
                    c.replyConsumerHistory(stream, from: start, count: count, consumer: consumer, into: out)
                } else {
                    c.deliverStreamEntries(stream, key: key, from: start, count: count, group: group,
                                           groupName: c.arg(groupIndex), consumer: consumer,
                                           noAck: options.noAck, into: out)
                }
                c.markDirty()
            } else {
                out.streamEntries(stream, from: start, count: count)
            }
        }
        if served > 0 {
            if !direct {
                replyHeader(c.reply, served)
                c.reply.appendCopy(of: pending)
                pending.discardAll()
            }
            return
        }
        if options.timeout != nil {
            // Where blocking is not allowed (MULTI), the read ends as if it timed out.
            if c.denyBlocking {
                c.reply.nullArray()
                return
            }
            block(c, options, ids: ids, count: count)
            return
        }
        c.reply.nullArray()
    }

    private static func replyHeader(_ reply: ReplyBuffer, _ count: Int) {
        if reply.resp3 { reply.mapHeader(count) } else { reply.arrayHeader(count) }
    }

    /// blockForKeys for the read's keys, each (the first time it is named) with its ID.
    private static func block(_ c: Client, _ options: StreamReadOptions, ids: [StreamID], count: Int) {
        let keyIndexes = Array(options.firstKey..<(options.firstKey + options.keyCount))
        var named: [[UInt8]] = []
        var waitIDs: [StreamID] = []
        for (position, index) in keyIndexes.enumerated() {
            let key = c.argBytes(index)
            if named.contains(key) { continue }
            named.append(key)
            waitIDs.append(ids[position])
        }
        let wait = StreamReadWait(ids: waitIDs, count: count == 0 ? StreamReadWait.defaultCount : count,
                                  group: options.groupIndex.map { c.argBytes($0) },
                                  consumer: options.groupIndex.map { c.argBytes($0 + 1) } ?? [],
                                  noAck: options.noAck)
        // Redis adds a huge timeout to the clock and overflows: it then never fires.
        let timeout = min(options.timeout ?? 0, Int64.max / 4)
        c.server.block(c, keyIndexes: keyIndexes, operation: .streamRead(wait), timeout: timeout)
    }

    /// "NOGROUP No such key '<key>' or consumer group '<group>' in XREADGROUP with GROUP option",
    /// the names as C strings (cut at a NUL byte) and newlines made spaces, as Redis formats it.
    private static func replyNoGroup(_ c: Client, key: UnsafeRawBufferPointer, group: UnsafeRawBufferPointer) {
        var text: [UInt8] = Array("-NOGROUP No such key '".utf8)
        text.append(contentsOf: key.prefix { $0 != 0 })
        text.append(contentsOf: "' or consumer group '".utf8)
        text.append(contentsOf: group.prefix { $0 != 0 })
        text.append(contentsOf: "' in XREADGROUP with GROUP option".utf8)
        for position in text.indices where text[position] == 0x0D || text[position] == 0x0A { text[position] = 0x20 }
        c.commandFailed = true
        c.server.stats.recordError("NOGROUP")
        c.reply.append(text)
        c.reply.appendCRLF()
    }
}

/// XREAD/XREADGROUP's options, up to STREAMS (the rest are keys and IDs).
struct StreamReadOptions {
    /// BLOCK's milliseconds (0: forever); nil without BLOCK.
    var timeout: Int64?
    /// COUNT (0: no limit).
    var count = 0
    var firstKey = 0
    var keyCount = 0
    /// XREADGROUP's group name argument; the consumer's follows it.
    var groupIndex: Int?
    var noAck = false

    /// Parses from argument 1; nil after replying the error.
    init?(_ c: Client, withGroup: Bool) {
        var index = 1
        let arguments = c.argumentCount
        while index < arguments {
            let more = arguments - index - 1
            if c.argIs(index, "block") && more > 0 {
                if c.flags.contains(.scriptClient) {
                    c.error(ErrorText.streamReadBlockInScript(c.argString(0)))
                    return nil
                }
                index += 1
                guard let timeout = c.millisecondTimeoutArgument(index) else { return nil }
                self.timeout = timeout
            } else if c.argIs(index, "count") && more > 0 {
                index += 1
                guard let value = c.integerArgument(index) else { return nil }
                count = Int(clamping: max(value, 0))
            } else if c.argIs(index, "streams") && more > 0 {
                firstKey = index + 1
                let rest = arguments - firstKey
                if rest % 2 != 0 {
                    c.error(ErrorText.xreadUnbalanced)
                    return nil
                }
                keyCount = rest / 2
                break
            } else if c.argIs(index, "group") && more >= 2 {
                if !withGroup {
                    c.error(ErrorText.xreadGroupOption)
                    return nil
                }
                groupIndex = index + 1
                index += 2
            } else if c.argIs(index, "noack") {
                if !withGroup {
                    c.error(ErrorText.xreadNoAckOption)
                    return nil
                }
                noAck = true
            } else {
                c.error(ErrorText.syntax)
                return nil
            }
            index += 1
        }
        if firstKey == 0 {
            c.error(ErrorText.syntax)
            return nil
        }
        if withGroup && groupIndex == nil {
            c.error(ErrorText.xreadgroupMissingGroup)
            return nil
        }
    }
}
