import Config
import RESP
import Store
import Util

// The set family (t_set.c, Redis 7.0): membership, random picks and pops. The multi-key algebra
// (SINTER, SUNION, SDIFF and their STORE/CARD forms) is in SetAlgebraCommands.swift.

enum SetCommands {
    static let handlers: [String: CommandHandler] = [
        "sadd": sadd, "srem": srem, "smembers": smembers, "sismember": sismember, "smismember": smismember,
        "scard": scard, "spop": spop, "srandmember": srandmember, "smove": smove, "sscan": sscan,
        "sinter": SetAlgebraCommands.sinter, "sintercard": SetAlgebraCommands.sintercard,
        "sinterstore": SetAlgebraCommands.sinterstore, "sunion": SetAlgebraCommands.sunion,
        "sunionstore": SetAlgebraCommands.sunionstore, "sdiff": SetAlgebraCommands.sdiff,
        "sdiffstore": SetAlgebraCommands.sdiffstore,
    ]

    @inline(__always)
    static func lookupRead(_ c: Client, _ key: UnsafeRawBufferPointer, missing: (Client) -> Void) -> RedisObject? {
        c.lookupReadOrReply(key, type: .set, missing: missing)
    }

    static func sadd(_ c: Client) {
        let key = c.arg(1)
        let object: RedisObject
        if let existing = c.lookupWrite(key) {
            if c.wrongType(existing, .set) { return }
            object = existing
        } else {
            object = c.db.add(key, c.stored(SetType.create(for: c.arg(2))))
        }
        let limit = c.maxIntsetEntries
        var added = 0
        for index in 2..<c.argumentCount where SetType.add(object, c.arg(index), maxIntsetEntries: limit) {
            added += 1
        }
        if added > 0 {
            c.signalModified(key)
            c.notify(KeyspaceEventFlags.set, "sadd", key)
            c.markDirty(Int64(added))
        }
        c.reply.integer(added)
    }

    static func srem(_ c: Client) {
        c.removeMembers(type: .set, event: "srem", eventType: KeyspaceEventFlags.set,
                        remove: { SetType.remove($0, $1) }, size: SetType.size)
    }

    static func smove(_ c: Client) {
        let sourceKey = c.arg(1)
        let destinationKey = c.arg(2)
        let member = c.arg(3)
        let source = c.lookupWrite(sourceKey)
        var destination = c.lookupWrite(destinationKey)
        guard let source else {
            c.reply.integer(0)
            return
        }
        if c.wrongType(source, .set) || c.wrongType(destination, .set) { return }
        if source == destination {
            c.reply.integer(SetType.contains(source, member) ? 1 : 0)
            return
        }
        guard SetType.remove(source, member) else {
            c.reply.integer(0)
            return
        }
        c.notify(KeyspaceEventFlags.set, "srem", sourceKey)
        if SetType.size(source) == 0 {
            c.db.delete(sourceKey)
            c.notify(KeyspaceEventFlags.generic, "del", sourceKey)
        } else {
            c.signalModified(sourceKey)
        }
        if destination == nil {
            destination = c.db.add(destinationKey, c.stored(SetType.create(for: member)))
        }
        c.markDirty()
        if SetType.add(destination!, member, maxIntsetEntries: c.maxIntsetEntries) {
            c.markDirty()
            c.signalModified(destinationKey)
            c.notify(KeyspaceEventFlags.set, "sadd", destinationKey)
        }
        c.reply.integer(1)
    }

    static func sismember(_ c: Client) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.integer(0) }) else { return }
        c.reply.integer(SetType.contains(object, c.arg(2)) ? 1 : 0)
    }

    static func smismember(_ c: Client) {
        let object = c.lookupRead(c.arg(1))
        if c.wrongType(object, .set) { return }
        c.reply.arrayHeader(c.argumentCount - 2)
        for index in 2..<c.argumentCount {
            c.reply.integer(object.map { SetType.contains($0, c.arg(index)) } == true ? 1 : 0)
        }
    }

    static func scard(_ c: Client) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.integer(0) }) else { return }
        c.reply.integer(SetType.size(object))
    }

    static func smembers(_ c: Client) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.setHeader(0) }) else { return }
        c.reply.setHeader(SetType.size(object))
        SetType.forEach(object) { c.reply.bulk($0) }
    }

    static func sscan(_ c: Client) {
        guard let cursor = ScanCursor.parse(c, 2) else { return }
        guard let object = lookupRead(c, c.arg(1), missing: CollectionScan.replyEmpty) else { return }
        CollectionScan.scan(c, object, cursor: cursor, optionsFrom: 3)
    }

    // MARK: SPOP

    /// Above this ratio of remaining to popped members SPOP removes picks one by one; below it,
    /// it builds a new set from the members that stay (SPOP_MOVE_STRATEGY_MUL).
    static let spopMoveStrategyRatio = 5

    static func spop(_ c: Client) {
        if c.argumentCount == 3 {
            spopWithCount(c)
            return
        } else if c.argumentCount > 3 {
            c.error(ErrorText.syntax)
            return
        }
        let key = c.arg(1)
        guard let object = c.lookupWrite(key) else {
            c.reply.nullBulk()
            return
        }
        if c.wrongType(object, .set) { return }
        var generator = PickRandom()
        let member = SetType.withRandomMember(object, using: &generator) { element -> ElementValueCopy in
            c.reply.bulk(element)
            return ElementValueCopy(element)
        }
        member.remove(from: object)
        c.notify(KeyspaceEventFlags.set, "spop", key)
        c.propagateAs(count: 3) { arguments in
            arguments.append("SREM")
            arguments.append(key)
            member.withElement { element in element.withBytes { arguments.append($0) } }
        }
        if SetType.size(object) == 0 {
            c.db.delete(key)
            c.notify(KeyspaceEventFlags.generic, "del", key)
        } else {
            c.signalModified(key)
        }
        c.markDirty()
    }

    private static func spopWithCount(_ c: Client) {
        guard let requested = c.rangedIntegerArgument(2, min: 0, max: Int64.max,
                                                      message: "value is out of range, must be positive") else { return }
        let key = c.arg(1)
        guard let object = c.lookupWrite(key) else {
            c.reply.setHeader(0)
            return
        }
        if c.wrongType(object, .set) { return }
        let count = Int(requested)
        if count == 0 {
            c.reply.setHeader(0)
            return
        }
        let size = SetType.size(object)
        c.notify(KeyspaceEventFlags.set, "spop", key)
        // CASE 1: everything, replied by SUNION of the key itself (as Redis does, lookup
        // included); then the key goes, and that is what propagates.
        if count >= size {
            SetAlgebraCommands.unionOrDifference(c, keys: 1..<2, destination: nil, difference: false)
            c.db.delete(key)
            c.notify(KeyspaceEventFlags.generic, "del", key)
            c.propagateAs(count: 2) { arguments in
                arguments.append("DEL")
                arguments.append(key)
            }
            c.markDirty(Int64(size))
            return
        }
        // CASE 2 and 3 propagate one SREM per popped member instead of the command.
        c.markDirty(Int64(count))
        c.preventPropagation()
        c.signalModified(key)
        func propagateRemoval(_ element: ElementValue) {
            c.alsoPropagate(count: 3) { arguments in
                arguments.append("SREM")
                arguments.append(key)
                element.withBytes { arguments.append($0) }
            }
        }
        c.reply.setHeader(count)
        var generator = PickRandom()
        let remaining = size - count
        if remaining * spopMoveStrategyRatio > count {
            // CASE 2: pop random members one at a time.
            for _ in 0..<count {
                let member = SetType.withRandomMember(object, using: &generator) { element -> ElementValueCopy in
                    c.reply.bulk(element)
                    propagateRemoval(element)
                    return ElementValueCopy(element)
                }
                member.remove(from: object)
            }
        } else {
            // CASE 3: move the members that stay into a new set, reply what is left of the old
            // one, and store the new set in its place (its encoding chosen afresh).
            var kept: RedisObject? = nil
            for _ in 0..<remaining {
                let member = SetType.withRandomMember(object, using: &generator) { ElementValueCopy($0) }
                let target = kept ?? member.withElement { element in element.withBytes { SetType.create(for: $0) } }
                kept = target
                member.withElement { element in
                    SetType.add(target, element, maxIntsetEntries: c.maxIntsetEntries)
                    SetType.remove(object, element)
                }
            }
            SetType.forEach(object) { element in
                c.reply.bulk(element)
                propagateRemoval(element)
            }
            c.db.set(key, c.stored(kept!), keepTTL: true)
        }
    }

    // MARK: SRANDMEMBER

    /// Below this ratio of set size to requested count, SRANDMEMBER samples by elimination
    /// rather than by random picks (SRANDMEMBER_SUB_STRATEGY_MUL).
    static let srandmemberSubStrategyRatio = 3

    static func srandmember(_ c: Client) {
        if c.argumentCount == 3 {
            srandmemberWithCount(c)
            return
        } else if c.argumentCount > 3 {
            c.error(ErrorText.syntax)
            return
        }
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.nullBulk() }) else { return }
        var generator = PickRandom()
        SetType.withRandomMember(object, using: &generator) { c.reply.bulk($0) }
    }

    /// A negative count may repeat members; a positive one returns distinct members, the whole
    /// set (in its order) when it has no more than asked. Always an array, also in RESP3.
    private static func srandmemberWithCount(_ c: Client) {
        guard let requested = c.rangedIntegerArgument(2, min: -Int64.max, max: Int64.max) else { return }
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.arrayHeader(0) }) else { return }
        let unique = requested >= 0
        let count = Int(requested.magnitude)
        let size = SetType.size(object)
        if count == 0 {
            c.reply.arrayHeader(0)
            return
        }
        var generator = PickRandom()
        // CASE 1: independent picks.
        if !unique || count == 1 {
            c.reply.arrayHeader(count)
            for _ in 0..<count { SetType.withRandomMember(object, using: &generator) { c.reply.bulk($0) } }
            return
        }
        // CASE 2: the whole set.
        if count >= size {
            c.reply.arrayHeader(size)
            SetType.forEach(object) { c.reply.bulk($0) }
            return
        }
        c.reply.arrayHeader(count)
        // CASE 3: a large part of the set: one ordered pass.
        if count * srandmemberSubStrategyRatio > size {
            var sample = OrderedSample(wanted: count, of: size, generator: generator)
            SetType.forEach(object) { if sample.pick() { c.reply.bulk($0) } }
            return
        }
        // CASE 4: random picks until `count` distinct.
        var seen = Set<[UInt8]>()
        seen.reserveCapacity(count)
        while seen.count < count {
            SetType.withRandomMember(object, using: &generator) { element in
                if seen.insert(element.array).inserted { c.reply.bulk(element) }
            }
        }
    }
}

/// An element copied out of a set before the set changes under it.
struct ElementValueCopy {
    var integer: Int64?
    var bytes: [UInt8]

    init(_ element: ElementValue) {
        switch element {
        case .integer(let value):
            integer = value
            bytes = []
        case .bytes(let data):
            integer = nil
            bytes = [UInt8](data)
        }
    }

    func withElement<R>(_ body: (ElementValue) -> R) -> R {
        if let integer { return body(.integer(integer)) }
        return bytes.withUnsafeBytes { body(.bytes($0)) }
    }

    func remove(from object: RedisObject) {
        withElement { _ = SetType.remove(object, $0) }
    }
}
