import RESP
import Store

// How stream entries are replied: [id, [field, value, ...]] each, as streamReplyWithRange does
// for XRANGE, XREVRANGE, XREAD, XCLAIM and XINFO STREAM FULL.

extension ReplyBuffer {
    /// The entry's ID as a bulk string.
    func bulk(_ id: StreamID) {
        id.withText { bulk($0) }
    }

    /// One entry: its ID and its fields and values.
    func streamEntry(_ entry: StreamEntryView) {
        arrayHeader(2)
        bulk(entry.id)
        arrayHeader(2 * entry.fieldCount)
        entry.forEachPair { field, value in
            bulk(field)
            bulk(value)
        }
    }
}

extension Stream {
    /// How many live entries start...end holds, up to `limit` (0: no limit).
    func countEntries(from start: StreamID, to end: StreamID, reverse: Bool, limit: Int) -> Int {
        var count = 0
        forEachEntry(from: start, to: end, reverse: reverse) { _ in
            count += 1
            return limit == 0 || count < limit
        }
        return count
    }
}

extension Client {
    /// streamReplyWithRange without a group: the entries start...end (backwards with `reverse`),
    /// at most `limit` of them (0: all); returns how many.
    @discardableResult
    func replyStreamRange(_ stream: Stream, from start: StreamID, to end: StreamID, reverse: Bool,
                          limit: Int) -> Int {
        let count = stream.countEntries(from: start, to: end, reverse: reverse, limit: limit)
        reply.arrayHeader(count)
        var left = count
        if left == 0 { return 0 }
        stream.forEachEntry(from: start, to: end, reverse: reverse) { entry in
            reply.streamEntry(entry)
            left -= 1
            return left > 0
        }
        return count
    }
}
