import Config
import RESP
import Store

// BLPOP, BRPOP, BLMPOP, BLMOVE and BRPOPLPUSH (blockingPopGenericCommand and
// blmoveGenericCommand, Redis 7.0): served at once when a key holds elements, otherwise the
// client blocks (Blocking/) — except inside MULTI, where the empty result comes back at once.

extension ListCommands {
    static func blpop(_ c: Client) { blockingPop(c, head: true) }
    static func brpop(_ c: Client) { blockingPop(c, head: false) }

    static func blockingPop(_ c: Client, head: Bool) {
        guard let blocking = c.blockingKeysAndTimeout() else { return }
        blockingPopGeneric(c, keys: blocking.keys, head: head, count: -1, timeout: blocking.timeout)
    }

    static func blmpop(_ c: Client) {
        guard let parsed = c.blockingMultiPopArguments(side: parseSide) else { return }
        blockingPopGeneric(c, keys: parsed.arguments.keys, head: parsed.arguments.first,
                           count: parsed.arguments.count, timeout: parsed.timeout)
    }

    /// Pops from the first non-empty list among `keys`; `count` -1 replies [key, element]
    /// (BLPOP/BRPOP), otherwise [key, [elements]] (BLMPOP).
    static func blockingPopGeneric(_ c: Client, keys: [Int], head: Bool, count: Int, timeout: Int64) {
        for index in keys {
            let key = c.arg(index)
            guard let object = c.lookupWrite(key) else { continue }
            if c.wrongType(object, .list) { return }
            // Served at once: propagated as the non-blocking pop.
            if count != -1 {
                let popped = popWithKey(c, key, object, head: head, count: count)
                propagateAsPop(c, key, head: head, count: popped)
                return
            }
            c.reply.arrayHeader(2)
            c.reply.bulk(key)
            c.reply.bulk(ListType.quicklist(object).pop(fromHead: head)!)
            elementsRemoved(c, key, object, head: head, count: 1)
            propagateAsPop(c, key, head: head, count: nil)
            return
        }
        if c.denyBlocking {
            c.reply.nullArray()
            return
        }
        c.server.block(c, keyIndexes: keys, operation: .listPop(head: head, count: count), timeout: timeout)
    }

    static func blmove(_ c: Client) {
        guard let fromHead = parseSide(c, 3), let toHead = parseSide(c, 4) else { return }
        guard let timeout = c.timeoutArgument(5) else { return }
        blockingMove(c, fromHead: fromHead, toHead: toHead, timeout: timeout)
    }

    static func brpoplpush(_ c: Client) {
        guard let timeout = c.timeoutArgument(3) else { return }
        blockingMove(c, fromHead: false, toHead: true, timeout: timeout)
    }

    static func blockingMove(_ c: Client, fromHead: Bool, toHead: Bool, timeout: Int64) {
        let source = c.lookupWrite(c.arg(1))
        if c.wrongType(source, .list) { return }
        if source != nil {
            move(c, fromHead: fromHead, toHead: toHead)
            // As LMOVE with the sides as given, or RPOPLPUSH.
            let rpoplpush = c.argumentCount == 4
            c.propagateAs(count: rpoplpush ? 3 : 5) { arguments in
                arguments.append(rpoplpush ? "RPOPLPUSH" : "LMOVE")
                for index in 1..<(rpoplpush ? 3 : 5) { arguments.append(c.arg(index)) }
            }
            return
        }
        if c.denyBlocking {
            c.reply.nullBulk()
            return
        }
        let sides = c.argumentCount == 4 ? [] : [c.argBytes(3), c.argBytes(4)]
        c.server.block(c, keyIndexes: [1],
                       operation: .listMove(fromHead: fromHead, toHead: toHead, destination: c.argBytes(2), sides: sides),
                       timeout: timeout)
    }
}
