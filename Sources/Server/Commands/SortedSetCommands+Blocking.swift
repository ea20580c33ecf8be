import Config
import RESP
import Store

// BZPOPMIN, BZPOPMAX and BZMPOP (blockingGenericZpopCommand, Redis 7.0): served at once when a
// key holds members, otherwise the client blocks (Blocking/) — except inside MULTI.

extension SortedSetCommands {
    static func bzpopmin(_ c: Client) { blockingPop(c, max: false) }
    static func bzpopmax(_ c: Client) { blockingPop(c, max: true) }

    static func blockingPop(_ c: Client, max: Bool) {
        guard let blocking = c.blockingKeysAndTimeout() else { return }
        blockingPopGeneric(c, keys: blocking.keys, max: max, count: -1, timeout: blocking.timeout)
    }

    static func bzmpop(_ c: Client) {
        guard let parsed = c.blockingMultiPopArguments(side: parseEnd) else { return }
        blockingPopGeneric(c, keys: parsed.arguments.keys, max: !parsed.arguments.first,
                           count: parsed.arguments.count, timeout: parsed.timeout)
    }

    /// `count` -1 replies [key, member, score] (BZPOPMIN/BZPOPMAX), otherwise
    /// [key, [[member, score], ...]] (BZMPOP).
    static func blockingPopGeneric(_ c: Client, keys: [Int], max: Bool, count: Int, timeout: Int64) {
        for index in keys {
            let key = c.arg(index)
            guard let object = c.lookupWrite(key) else { continue }
            if c.wrongType(object, .zset) { return }
            if ZSetType.length(object) == 0 { continue }
            // Served at once: propagated as the non-blocking pop.
            propagateAsPop(c, key, max: max, count: count == -1 ? nil : count, length: ZSetType.length(object))
            popFrom(c, key: key, object: object, max: max, count: count, shape: count == -1 ? .withKey : .keyAndPairs)
            return
        }
        if c.denyBlocking {
            c.reply.nullArray()
            return
        }
        c.server.block(c, keyIndexes: keys, operation: .zsetPop(max: max, count: count), timeout: timeout)
    }
}
