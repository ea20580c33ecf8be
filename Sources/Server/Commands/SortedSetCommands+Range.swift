import Config
import RESP
import Store
import Util

// ZRANGE in all its forms (zrangeGenericCommand, Redis 7.0): by rank, score or lex, forward or
// reversed, with LIMIT and WITHSCORES, replying to the client or storing (ZRANGESTORE); and the
// ZREMRANGEBY* removals (zremrangeGenericCommand).

extension SortedSetCommands {
    enum RangeKind {
        case rank, score, lex
    }

    static func zrange(_ c: Client) { rangeGeneric(c, keyIndex: 1, destination: nil, kind: nil, reverse: nil) }
    static func zrangestore(_ c: Client) { rangeGeneric(c, keyIndex: 2, destination: 1, kind: nil, reverse: nil) }
    static func zrevrange(_ c: Client) { rangeGeneric(c, keyIndex: 1, destination: nil, kind: .rank, reverse: true) }
    static func zrangebyscore(_ c: Client) { rangeGeneric(c, keyIndex: 1, destination: nil, kind: .score, reverse: false) }
    static func zrevrangebyscore(_ c: Client) { rangeGeneric(c, keyIndex: 1, destination: nil, kind: .score, reverse: true) }
    static func zrangebylex(_ c: Client) { rangeGeneric(c, keyIndex: 1, destination: nil, kind: .lex, reverse: false) }
    static func zrevrangebylex(_ c: Client) { rangeGeneric(c, keyIndex: 1, destination: nil, kind: .lex, reverse: true) }

    /// Where a range's elements go: the client's reply (flat, or pair arrays for RESP3
    /// WITHSCORES) or a new sorted set for ZRANGESTORE.
    final class RangeSink {
        let client: Client
        let destination: Int?
        let withScores: Bool
        var stored: RedisObject?

        init(client: Client, destination: Int?, withScores: Bool) {
            self.client = client
            self.destination = destination
            self.withScores = withScores
        }

        /// Starts a result of `count` elements. zrangeResultBeginStore picks the destination's
        /// encoding by the length when Redis knows it up front (`lengthKnown`: rank ranges); score
        /// and lex ranges start a listpack that the adds convert once it outgrows one. (Which
        /// way matters: a score stored through a listpack loses the sign of -0.)
        func begin(_ count: Int, lengthKnown: Bool) {
            if destination != nil {
                let tooLong = lengthKnown && count > client.zsetLimits.maxListpackEntries
                stored = tooLong ? ZSetType.createSkiplist() : ZSetType.createListpack()
                return
            }
            client.reply.arrayHeader(withScores && !client.reply.resp3 ? count * 2 : count)
        }

        func emit(_ member: ElementValue, _ score: Double) {
            if let stored {
                let limits = client.zsetLimits
                member.withBytes { _ = ZSetType.add(stored, $0, score: score, flags: [], limits: limits) }
                return
            }
            replyElement(client, member, score, withScores: withScores, nested: withScores && client.reply.resp3)
        }

        /// zrangeResultFinalizeStore: the destination takes the result, or goes away when empty.
        func finish(_ count: Int) {
            guard let destination else { return }
            let c = client
            let key = c.arg(destination)
            if count > 0, let stored {
                storeSortedSet(c, key, stored, event: "zrangestore")
                c.reply.integer(count)
            } else {
                stored?.release()
                c.reply.integer(0)
                deleteDestination(c, key)
            }
        }
    }

    /// setKey for a freshly built sorted set: replaces any value (and TTL) at `key`; `event`
    /// names the command.
    static func storeSortedSet(_ c: Client, _ key: UnsafeRawBufferPointer, _ object: RedisObject, event: StaticString) {
        let existed = c.lookupWrite(key) != nil
        c.db.set(key, c.stored(object))
        if !existed { c.signalKeyAsReady(key) }
        c.notify(KeyspaceEventFlags.zset, event, key)
        c.markDirty()
    }

    /// An empty result removes the destination: a change only if it existed. Redis's dbDelete
    /// looks no further, so a destination past its TTL goes with a `del` too, not `expired`.
    static func deleteDestination(_ c: Client, _ key: UnsafeRawBufferPointer) {
        if c.db.delete(key) {
            c.notify(KeyspaceEventFlags.generic, "del", key)
            c.markDirty()
        }
    }

    static func rangeGeneric(_ c: Client, keyIndex: Int, destination: Int?, kind fixedKind: RangeKind?, reverse fixedReverse: Bool?) {
        var kind = fixedKind
        var reverse = fixedReverse
        var withScores = false
        var offset = 0
        var limit = -1
        var index = keyIndex + 3
        while index < c.argumentCount {
            let remaining = c.argumentCount - index - 1
            if destination == nil && c.argIs(index, "withscores") {
                withScores = true
            } else if c.argIs(index, "limit") && remaining >= 2 {
                guard let first = c.integerArgument(index + 1), let second = c.integerArgument(index + 2) else { return }
                offset = Int(first)
                limit = Int(second)
                index += 2
            } else if fixedReverse == nil && reverse == nil && c.argIs(index, "rev") {
                reverse = true
            } else if fixedKind == nil && kind == nil && c.argIs(index, "bylex") {
                kind = .lex
            } else if fixedKind == nil && kind == nil && c.argIs(index, "byscore") {
                kind = .score
            } else {
                c.error(ErrorText.syntax)
                return
            }
            index += 1
        }
        let rangeKind = kind ?? .rank
        let backwards = reverse ?? false
        if limit != -1 && rangeKind == .rank {
            c.error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
            return
        }
        if withScores && rangeKind == .lex {
            c.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
            return
        }
        // Score and lex ranges are given as max, min when reversed.
        var minIndex = keyIndex + 1
        var maxIndex = keyIndex + 2
        if backwards && rangeKind != .rank { swap(&minIndex, &maxIndex) }
        guard let (ranks, range) = parseRange(c, rangeKind, minIndex, maxIndex) else { return }
        let sink = RangeSink(client: c, destination: destination, withScores: withScores || destination != nil)
        guard let object = c.lookupRead(c.arg(keyIndex)) else {
            if destination != nil {
                sink.begin(0, lengthKnown: false)
                sink.finish(0)
            } else {
                c.reply.emptyArray()
            }
            return
        }
        if c.wrongType(object, .zset) { return }
        if let range {
            emitRange(object, range, offset: offset, limit: limit, reverse: backwards, into: sink)
            return
        }
        guard let (start, count) = clampIndexRange(ranks.first, ranks.last, length: ZSetType.length(object)) else {
            sink.begin(0, lengthKnown: true)
            sink.finish(0)
            return
        }
        sink.begin(count, lengthKnown: true)
        ZSetType.forEach(object, from: start, count: count, reverse: backwards) { sink.emit($0, $1) }
        sink.finish(count)
    }

    /// genericZrangebyscoreCommand / genericZrangebylexCommand: from the range's first (or last)
    /// element, skip `offset`, then emit up to `limit` while inside. The count goes first in the
    /// reply: a score range is one run, so ranks give it; a lex range over mixed scores is not
    /// (the run Redis emits differs from what ZLEXCOUNT counts), so that run is walked twice.
    static func emitRange<R: ZRangeSpec>(_ object: RedisObject, _ range: R, offset: Int, limit: Int, reverse: Bool,
                                         into sink: RangeSink) {
        let start = ZSetType.edge(object, of: range, reverse: reverse)
        let inside = { (member: ElementValue, score: Double) in
            reverse ? range.aboveMin(member, score) : range.belowMax(member, score)
        }
        let count: Int
        if range.isOneRun {
            count = emittedCount(inRange: ZSetType.count(object, in: range), offset: offset, limit: limit)
        } else {
            count = ZSetType.forEach(object, from: start, offset: offset, limit: limit, reverse: reverse, inside: inside) { _, _ in }
        }
        sink.begin(count, lengthKnown: false)
        if count > 0 {
            _ = ZSetType.forEach(object, from: start, offset: offset, limit: count, reverse: reverse, inside: inside) {
                sink.emit($0, $1)
            }
        }
        sink.finish(count)
    }

    /// How many of `inRange` consecutive elements (scores are sorted, so a score range is one
    /// run) a LIMIT offset/count lets through: Redis
    /// skips `offset` elements (a negative offset skips them all) and then emits while inside
    /// the range, up to `limit` (negative: unlimited).
    static func emittedCount(inRange: Int, offset: Int, limit: Int) -> Int {
        if offset < 0 { return 0 }
        let available = Swift.max(0, inRange - offset)
        return limit < 0 ? available : Swift.min(limit, available)
    }

    /// The range at arguments `minIndex` and `maxIndex`: two ranks, or a score or lex range;
    /// nil after replying the error.
    static func parseRange(_ c: Client, _ kind: RangeKind, _ minIndex: Int, _ maxIndex: Int)
        -> (ranks: (first: Int, last: Int), range: (any ZRangeSpec)?)? {
        switch kind {
        case .rank:
            guard let first = c.integerArgument(minIndex), let last = c.integerArgument(maxIndex) else { return nil }
            return ((Int(first), Int(last)), nil)
        case .score:
            guard let range = ZScoreRange.parse(min: c.arg(minIndex), max: c.arg(maxIndex)) else {
                c.error(rangeNotFloatError)
                return nil
            }
            return ((0, 0), range)
        case .lex:
            guard let range = ZLexRange.parse(min: c.arg(minIndex), max: c.arg(maxIndex)) else {
                c.error(lexRangeError)
                return nil
            }
            return ((0, 0), range)
        }
    }

    // MARK: ZREMRANGEBY*

    static func zremrangebyrank(_ c: Client) { removeRangeGeneric(c, kind: .rank) }
    static func zremrangebyscore(_ c: Client) { removeRangeGeneric(c, kind: .score) }
    static func zremrangebylex(_ c: Client) { removeRangeGeneric(c, kind: .lex) }

    static func removeRangeGeneric(_ c: Client, kind: RangeKind) {
        guard let (ranks, range) = parseRange(c, kind, 2, 3) else { return }
        let key = c.arg(1)
        guard let object = lookupWrite(c, key, missing: { $0.reply.integer(0) }) else { return }
        let removed: Int
        if let range {
            removed = ZSetType.removeRange(object, range)
        } else if let (start, count) = clampIndexRange(ranks.first, ranks.last, length: ZSetType.length(object)) {
            removed = ZSetType.removeRange(object, ranks: start, start + count - 1)
        } else {
            c.reply.integer(0)
            return
        }
        if removed > 0 {
            let deleted = ZSetType.length(object) == 0
            let event: StaticString = kind == .rank ? "zremrangebyrank" : kind == .score ? "zremrangebyscore" : "zremrangebylex"
            membersChanged(c, key, event, deleted: deleted)
            if deleted {
                c.db.delete(key)
                c.notify(KeyspaceEventFlags.generic, "del", key)
            }
        }
        c.markDirty(Int64(removed))
        c.reply.integer(removed)
    }
}
