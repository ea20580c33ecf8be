import Config
import RESP
import Store
import Util

// The sorted set family (t_zset.c, Redis 7.0): adding and scoring single members, ranks, counts
// and pops. Ranges are in SortedSetCommands+Range.swift, the multi-key algebra in
// SortedSetCommands+Algebra.swift, random picks and ZSCAN in SortedSetCommands+Random.swift,
// and the blocking pops in SortedSetCommands+Blocking.swift.

enum SortedSetCommands {
    static let handlers: [String: CommandHandler] = [
        "zadd": zadd, "zincrby": zincrby, "zrem": zrem, "zcard": zcard, "zscore": zscore, "zmscore": zmscore,
        "zrank": zrank, "zrevrank": zrevrank, "zcount": zcount, "zlexcount": zlexcount,
        "zpopmin": zpopmin, "zpopmax": zpopmax, "zmpop": zmpop,
        "zrange": zrange, "zrangestore": zrangestore, "zrevrange": zrevrange,
        "zrangebyscore": zrangebyscore, "zrevrangebyscore": zrevrangebyscore,
        "zrangebylex": zrangebylex, "zrevrangebylex": zrevrangebylex,
        "zremrangebyrank": zremrangebyrank, "zremrangebyscore": zremrangebyscore,
        "zremrangebylex": zremrangebylex,
        "zunion": zunion, "zinter": zinter, "zdiff": zdiff, "zunionstore": zunionstore,
        "zinterstore": zinterstore, "zdiffstore": zdiffstore, "zintercard": zintercard,
        "zrandmember": zrandmember, "zscan": zscan,
        "bzpopmin": bzpopmin, "bzpopmax": bzpopmax, "bzmpop": bzmpop,
    ]

    static let nanScoreError: StaticString = "ERR resulting score is not a number (NaN)"
    static let rangeNotFloatError: StaticString = "ERR min or max is not a float"
    static let lexRangeError: StaticString = "ERR min or max not valid string range item"

    /// The sorted set at `key` for reading; nil after replying `missing` or WRONGTYPE.
    @inline(__always)
    static func lookupRead(_ c: Client, _ key: UnsafeRawBufferPointer, missing: (Client) -> Void) -> RedisObject? {
        c.lookupReadOrReply(key, type: .zset, missing: missing)
    }

    @inline(__always)
    static func lookupWrite(_ c: Client, _ key: UnsafeRawBufferPointer, missing: (Client) -> Void) -> RedisObject? {
        c.lookupWriteOrReply(key, type: .zset, missing: missing)
    }

    /// A member and its score, as every WITHSCORES reply sends them: flat in RESP2, a pair
    /// array in RESP3 when `nested`.
    @inline(__always)
    static func replyElement(_ c: Client, _ member: ElementValue, _ score: Double, withScores: Bool, nested: Bool) {
        if nested { c.reply.arrayHeader(2) }
        c.reply.bulk(member)
        if withScores { c.reply.double(score) }
    }

    /// Deletes `key` once its sorted set is empty, with the `del` event.
    @inline(__always)
    static func deleteIfEmpty(_ c: Client, _ key: UnsafeRawBufferPointer, _ object: RedisObject) -> Bool {
        if ZSetType.length(object) != 0 { return false }
        c.db.delete(key)
        c.notify(KeyspaceEventFlags.generic, "del", key)
        return true
    }

    /// After members were added or removed in place: WATCH's signal and the event (the key's
    /// deletion, when `deleted`, signalled by itself).
    static func membersChanged(_ c: Client, _ key: UnsafeRawBufferPointer, _ event: StaticString, deleted: Bool = false) {
        if !deleted { c.signalModified(key) }
        c.notify(KeyspaceEventFlags.zset, event, key)
    }

    // MARK: ZADD / ZINCRBY

    static func zadd(_ c: Client) { addGeneric(c, flags: []) }
    static func zincrby(_ c: Client) { addGeneric(c, flags: .incr) }

    /// zaddGenericCommand: options, then every score is parsed before anything changes.
    static func addGeneric(_ c: Client, flags initial: ZAddFlags) {
        var flags = initial
        var changed = false
        var scoreIndex = 2
        while scoreIndex < c.argumentCount {
            if c.argIs(scoreIndex, "nx") { flags.insert(.nx) }
            else if c.argIs(scoreIndex, "xx") { flags.insert(.xx) }
            else if c.argIs(scoreIndex, "ch") { changed = true }
            else if c.argIs(scoreIndex, "incr") { flags.insert(.incr) }
            else if c.argIs(scoreIndex, "gt") { flags.insert(.gt) }
            else if c.argIs(scoreIndex, "lt") { flags.insert(.lt) }
            else { break }
            scoreIndex += 1
        }
        let elements = c.argumentCount - scoreIndex
        if elements == 0 || elements % 2 != 0 {
            c.error(ErrorText.syntax)
            return
        }
        let pairs = elements / 2
        if flags.contains(.nx) && flags.contains(.xx) {
            c.error("ERR XX and NX options at the same time are not compatible")
            return
        }
        if flags.contains(.nx) && (flags.contains(.gt) || flags.contains(.lt)) || flags.isSuperset(of: [.gt, .lt]) {
            c.error("ERR GT, LT, and/or NX options at the same time are not compatible")
            return
        }
        let increment = flags.contains(.incr)
        if increment && pairs > 1 {
            c.error("ERR INCR option supports a single increment-element pair")
            return
        }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: pairs) { scores in
            for pair in 0..<pairs {
                guard let score = parseDouble(c.arg(scoreIndex + pair * 2)) else {
                    c.error(ErrorText.notFloat)
                    return
                }
                scores[pair] = score
            }
            let key = c.arg(1)
            let existing = c.lookupWrite(key)
            if c.wrongType(existing, .zset) { return }
            let object: RedisObject
            if let existing {
                object = existing
            } else if flags.contains(.xx) {
                if increment { c.reply.nullBulk() } else { c.reply.integer(0) }
                return
            } else {
                object = c.db.add(key, c.stored(newSortedSet(c, firstMemberLength: c.arg(scoreIndex + 1).count)))
                c.signalKeyAsReady(key)
            }
            let limits = c.zsetLimits
            var added = 0
            var updated = 0
            var processed = 0
            var result = 0.0
            // zaddGenericCommand's cleanup: an error part way still reports what changed.
            defer { if added + updated > 0 { membersChanged(c, key, increment ? "zincr" : "zadd") } }
            for pair in 0..<pairs {
                switch ZSetType.add(object, c.arg(scoreIndex + pair * 2 + 1), score: scores[pair], flags: flags, limits: limits) {
                case .nan:
                    c.markDirty(Int64(added + updated))
                    c.error(nanScoreError)
                    return
                case .skipped:
                    continue
                case .added(let score):
                    added += 1
                    processed += 1
                    result = score
                case .updated(let score):
                    updated += 1
                    processed += 1
                    result = score
                case .unchanged(let score):
                    processed += 1
                    result = score
                }
            }
            c.markDirty(Int64(added + updated))
            if increment {
                if processed > 0 { c.reply.double(result) } else { c.reply.nullBulk() }
            } else {
                c.reply.integer(changed ? added + updated : added)
            }
        }
    }

    /// ZADD's new value (7.0): a skiplist when listpacks are disabled or the first member is
    /// already too long for one.
    static func newSortedSet(_ c: Client, firstMemberLength: Int) -> RedisObject {
        let settings = c.server.settings
        if settings.zsetMaxListpackEntries == 0 || settings.zsetMaxListpackValue < firstMemberLength {
            return ZSetType.createSkiplist()
        }
        return ZSetType.createListpack()
    }

    // MARK: single members

    static func zrem(_ c: Client) {
        let key = c.arg(1)
        guard let object = lookupWrite(c, key, missing: { $0.reply.integer(0) }) else { return }
        var deleted = 0
        var keyRemoved = false
        for index in 2..<c.argumentCount {
            if ZSetType.remove(object, c.arg(index)) { deleted += 1 }
            if ZSetType.length(object) == 0 {
                c.db.delete(key)
                keyRemoved = true
                break
            }
        }
        if deleted > 0 {
            membersChanged(c, key, "zrem", deleted: keyRemoved)
            if keyRemoved { c.notify(KeyspaceEventFlags.generic, "del", key) }
        }
        c.markDirty(Int64(deleted))
        c.reply.integer(deleted)
    }

    static func zcard(_ c: Client) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.integer(0) }) else { return }
        c.reply.integer(ZSetType.length(object))
    }

    static func zscore(_ c: Client) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.nullBulk() }) else { return }
        if let score = ZSetType.score(object, c.arg(2)) { c.reply.double(score) } else { c.reply.nullBulk() }
    }

    static func zmscore(_ c: Client) {
        let object = c.lookupRead(c.arg(1))
        if c.wrongType(object, .zset) { return }
        c.reply.arrayHeader(c.argumentCount - 2)
        for index in 2..<c.argumentCount {
            if let object, let score = ZSetType.score(object, c.arg(index)) {
                c.reply.double(score)
            } else {
                c.reply.nullBulk()
            }
        }
    }

    static func zrank(_ c: Client) { rankGeneric(c, reverse: false) }
    static func zrevrank(_ c: Client) { rankGeneric(c, reverse: true) }

    static func rankGeneric(_ c: Client, reverse: Bool) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.nullBulk() }) else { return }
        if let rank = ZSetType.rank(object, c.arg(2), reverse: reverse) { c.reply.integer(rank) } else { c.reply.nullBulk() }
    }

    static func zcount(_ c: Client) {
        guard let range = ZScoreRange.parse(min: c.arg(2), max: c.arg(3)) else {
            c.error(rangeNotFloatError)
            return
        }
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.integer(0) }) else { return }
        c.reply.integer(ZSetType.count(object, in: range))
    }

    static func zlexcount(_ c: Client) {
        guard let range = ZLexRange.parse(min: c.arg(2), max: c.arg(3)) else {
            c.error(lexRangeError)
            return
        }
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.integer(0) }) else { return }
        c.reply.integer(ZSetType.count(object, in: range))
    }

    // MARK: pops

    /// How a pop's reply is shaped (genericZpopCommand's emitkey / use_nested_array pair).
    enum PopReply {
        /// ZPOPMIN/ZPOPMAX: flat member/score pairs (RESP3 with COUNT: pair arrays).
        case plain(nested: Bool)
        /// BZPOPMIN/BZPOPMAX: key, member, score.
        case withKey
        /// ZMPOP/BZMPOP: key, then an array of [member, score] pairs.
        case keyAndPairs
    }

    static func zpopmin(_ c: Client) { popCommand(c, max: false) }
    static func zpopmax(_ c: Client) { popCommand(c, max: true) }

    static func popCommand(_ c: Client, max: Bool) {
        if c.argumentCount > 3 {
            c.error(ErrorText.syntax)
            return
        }
        var count = -1
        if c.argumentCount == 3 {
            guard let value = c.rangedIntegerArgument(2, min: 0, max: Int64.max,
                                                      message: "value is out of range, must be positive") else { return }
            count = Int(value)
        }
        pop(c, keys: [1], max: max, count: count, shape: .plain(nested: c.reply.resp3 && count != -1), nullWhenEmpty: false)
    }

    /// genericZpopCommand: pops from the first existing key among `keys` (argument indexes).
    /// `count` -1 pops one element.
    static func pop(_ c: Client, keys: [Int], max: Bool, count requested: Int, shape: PopReply, nullWhenEmpty: Bool,
                    rewriteAsPop: Bool = false) {
        var found: (key: UnsafeRawBufferPointer, object: RedisObject)?
        for index in keys {
            let key = c.arg(index)
            guard let object = c.lookupWrite(key) else { continue }
            if c.wrongType(object, .zset) { return }
            found = (key, object)
            break
        }
        guard let (key, object) = found else {
            if nullWhenEmpty { c.reply.nullArray() } else { c.reply.emptyArray() }
            return
        }
        if rewriteAsPop { propagateAsPop(c, key, max: max, count: requested, length: ZSetType.length(object)) }
        popFrom(c, key: key, object: object, max: max, count: requested, shape: shape)
    }

    /// Pops from a sorted set known to exist, replying in `shape`; deletes the key when emptied.
    static func popFrom(_ c: Client, key: UnsafeRawBufferPointer, object: RedisObject, max: Bool, count requested: Int,
                        shape: PopReply) {
        if requested == 0 {
            c.reply.emptyArray()
            return
        }
        let count = Swift.min(requested == -1 ? 1 : requested, ZSetType.length(object))
        switch shape {
        case .plain(let nested): c.reply.arrayHeader(nested ? count : count * 2)
        case .withKey:
            c.reply.arrayHeader(count * 2 + 1)
            c.reply.bulk(key)
        case .keyAndPairs:
            c.reply.arrayHeader(2)
            c.reply.bulk(key)
            c.reply.arrayHeader(count)
        }
        let nested: Bool
        switch shape {
        case .plain(let flag): nested = flag
        case .withKey: nested = false
        case .keyAndPairs: nested = true
        }
        for _ in 0..<count {
            let rank = max ? ZSetType.length(object) - 1 : 0
            ZSetType.withElement(object, ZSetType.position(object, rank: rank)!) { member, score in
                replyElement(c, member, score, withScores: true, nested: nested)
            }
            _ = ZSetType.removeRange(object, ranks: rank, rank)
            c.markDirty()
        }
        membersChanged(c, key, max ? "zpopmax" : "zpopmin", deleted: ZSetType.length(object) == 0)
        _ = deleteIfEmpty(c, key, object)
    }

    /// ZMPOP and the blocking pops propagate as ZPOPMIN/ZPOPMAX key [count].
    static func popArguments(_ arguments: inout PropagatedArguments, _ key: UnsafeRawBufferPointer, max: Bool, count: Int?) {
        arguments.append(max ? "ZPOPMAX" : "ZPOPMIN")
        arguments.append(key)
        if let count { arguments.append(Int64(count)) }
    }

    /// MIN or MAX: true for MIN.
    static func parseEnd(_ c: Client, _ index: Int) -> Bool? {
        if c.argIs(index, "min") { return true }
        if c.argIs(index, "max") { return false }
        c.error(ErrorText.syntax)
        return nil
    }

    static func zmpop(_ c: Client) {
        guard let arguments = MultiPopArguments.parse(c, numberOfKeysAt: 1, side: parseEnd) else { return }
        pop(c, keys: arguments.keys, max: !arguments.first, count: arguments.count, shape: .keyAndPairs, nullWhenEmpty: true,
            rewriteAsPop: true)
    }

    /// Propagates the running ZMPOP/BZ*POP* as ZPOPMIN/ZPOPMAX of `key`, with the count when
    /// given (`count` members asked of `length` present).
    static func propagateAsPop(_ c: Client, _ key: UnsafeRawBufferPointer, max: Bool, count: Int?, length: Int) {
        let popped = count.map { Swift.min($0, length) }
        c.propagateAs(count: popped == nil ? 2 : 3) { popArguments(&$0, key, max: max, count: popped) }
    }
}

extension Client {
    var zsetLimits: ZSetLimits {
        ZSetLimits(maxListpackEntries: server.settings.zsetMaxListpackEntries,
                   maxListpackValue: server.settings.zsetMaxListpackValue)
    }
}
