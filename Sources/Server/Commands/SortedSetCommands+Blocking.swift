import RESP
import Store

// BZPOPMIN, BZPOPMAX and BZMPOP (blockingGenericZpopCommand, Redis 7.0): served at once when a
// key holds members, otherwise the client blocks (Blocking/) — except inside MULTI.

extension SortedSetCommands {
    static func bzpopmin(_ c: Client) { blockingPop(c, max: false) }
    static func bzpopmax(_ c: Client) { blockingPop(c, max: true) }

    static func blockingPop(_ c: Client, max: Bool) {
        guard let timeout = c.timeoutArgument(c.argumentCount - 1) else { return }
        blockingPopGeneric(c, keys: Array(1..<(c.argumentCount - 1)), max: max, count: -1, timeout: timeout)
    }

    static func bzmpop(_ c: Client) {
        guard let arguments = MultiPopArguments.parse(c, numberOfKeysAt: 2, side: parseEnd) else { return }
        guard let timeout = c.timeoutArgument(1) else { return }
        blockingPopGeneric(c, keys: arguments.keys, max: !arguments.first, count: arguments.count, timeout: timeout)
    }

    /// `count` -1 replies [key, member, score] (BZPOPMIN/BZPOPMAX), otherwise
    /// [key, [[member, score], ...]] (BZMPOP).
    static func blockingPopGeneric(_ c: Client, keys: [Int], max: Bool, count: Int, timeout: Int64) {
        for index in keys {
            let key = c.arg(index)
            guard let object = c.lookupWrite(key) else { continue }
            if c.wrongType(object, .zset) { return }
            if ZSetType.length(object) == 0 { continue }
            popFrom(c, key: key, object: object, max: max, count: count, shape: count == -1 ? .withKey : .keyAndPairs)
            return
        }
        if c.inTransaction {
            c.reply.nullArray()
            return
        }
        c.server.block(c, keyIndexes: keys, operation: .zsetPop(max: max, count: count), timeout: timeout)
    }
}
