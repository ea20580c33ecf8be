import RESP
import Store
import Util

// ZRANDMEMBER (zrandmemberWithCountCommand, Redis 7.0) and ZSCAN (scanGenericCommand for a
// sorted set).

extension SortedSetCommands {
    static func zrandmember(_ c: Client) {
        if c.argumentCount >= 3 {
            randomMembers(c)
            return
        }
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.nullBulk() }) else { return }
        var generator = SystemRandomNumberGenerator()
        ZSetType.withRandomElement(object, using: &generator) { member, _ in c.reply.bulk(member) }
    }

    /// ZRANDMEMBER key count [WITHSCORES]: a negative count may repeat members (in random
    /// order); a positive one returns distinct members, the whole set (in order) when it asks
    /// for at least as many as there are.
    static func randomMembers(_ c: Client) {
        guard let arguments = c.randomCountArguments(flag: "withscores") else { return }
        let requested = arguments.count
        let withScores = arguments.withFlag
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.emptyArray() }) else { return }
        let size = ZSetType.length(object)
        let unique = requested >= 0
        let count = Int(requested.magnitude)
        if count == 0 {
            c.reply.emptyArray()
            return
        }
        let nested = withScores && c.reply.resp3
        var generator = SystemRandomNumberGenerator()
        if !unique || count == 1 {
            c.reply.arrayHeader(withScores && !nested ? count * 2 : count)
            for _ in 0..<count {
                ZSetType.withRandomElement(object, using: &generator) { member, score in
                    replyElement(c, member, score, withScores: withScores, nested: nested)
                }
            }
            return
        }
        if count >= size {
            // The whole set, as zuiNext walks it: from the highest score down.
            c.reply.arrayHeader(withScores && !nested ? size * 2 : size)
            ZSetType.forEach(object, from: 0, count: size, reverse: true) { member, score in
                replyElement(c, member, score, withScores: withScores, nested: nested)
            }
            return
        }
        // Distinct members, fewer than the set holds: a uniform sample, in the set's order.
        c.reply.arrayHeader(withScores && !nested ? count * 2 : count)
        var sample = OrderedSample(wanted: count, of: size, generator: generator)
        ZSetType.forEach(object) { member, score in
            if sample.pick() { replyElement(c, member, score, withScores: withScores, nested: nested) }
        }
    }

    /// ZSCAN key cursor [MATCH pattern] [COUNT count]: a listpack comes back whole with cursor
    /// 0; a skiplist is walked with its dict's cursor for COUNT members.
    static func zscan(_ c: Client) {
        guard let cursor = ScanCursor.parse(c, 2) else { return }
        guard let object = lookupRead(c, c.arg(1), missing: { CollectionScan.replyEmpty($0) }) else { return }
        guard let options = ScanCursor.parseOptions(c, from: 3, allowType: false) else { return }
        var items: [([UInt8], Double)] = []
        var next: UInt64 = 0
        if object.encoding == .listpack {
            ZSetType.forEach(object) { member, score in items.append((member.array, score)) }
        } else {
            let zset = ZSetType.skiplist(object)
            next = cursor
            var iterations = options.count &* 10
            repeat {
                next = zset.scan(next) { member, score in items.append(([UInt8](member), score)) }
                if next == 0 || iterations == 0 { break }
                iterations -= 1
            } while items.count < options.count
        }
        if let pattern = options.pattern {
            items = pattern.withUnsafeBytes { pattern in
                items.filter { item in item.0.withUnsafeBytes { globMatch(pattern: pattern, string: $0, noCase: false) } }
            }
        }
        c.reply.arrayHeader(2)
        c.reply.bulk(String(next))
        c.reply.arrayHeader(items.count * 2)
        for (member, score) in items {
            c.reply.bulk(member)
            c.reply.bulk(doubleG17Bytes(score))
        }
    }
}
