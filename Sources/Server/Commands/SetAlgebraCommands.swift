import Config
import RESP
import Store
import Util

// SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE (t_set.c's
// sinterGenericCommand and sunionDiffGenericCommand, Redis 7.0).
//
// The order of a reply follows Redis: SINTER walks the smallest set (ties keep argument order)
// and replies matches in that set's order; SUNION and SDIFF build their result in a new set that
// starts as an intset, as Redis does, so an all-integer result comes back sorted and a *STORE
// result gets the encoding Redis would give it. A hashtable's order is the table's own.

enum SetAlgebraCommands {
    static func sinter(_ c: Client) {
        intersect(c, keys: 1..<c.argumentCount, destination: nil)
    }

    static func sinterstore(_ c: Client) {
        intersect(c, keys: 2..<c.argumentCount, destination: 1)
    }

    static func sintercard(_ c: Client) {
        guard let numberOfKeys = c.rangedIntegerArgument(1, min: 1, max: Int64.max,
                                                         message: "numkeys should be greater than 0") else { return }
        if numberOfKeys > Int64(c.argumentCount - 2) {
            c.error("ERR Number of keys can't be greater than number of args")
            return
        }
        let firstOption = 2 + Int(numberOfKeys)
        var limit = 0
        var index = firstOption
        while index < c.argumentCount {
            let more = c.argumentCount - 1 - index
            if c.argIs(index, "limit") && more > 0 {
                index += 1
                guard let value = c.rangedIntegerArgument(index, min: 0, max: Int64.max,
                                                          message: "LIMIT can't be negative") else { return }
                limit = Int(value)
            } else {
                c.error(ErrorText.syntax)
                return
            }
            index += 1
        }
        intersect(c, keys: 2..<firstOption, destination: nil, cardinalityOnly: true, limit: limit)
    }

    static func sunion(_ c: Client) {
        unionOrDifference(c, keys: 1..<c.argumentCount, destination: nil, difference: false)
    }

    static func sunionstore(_ c: Client) {
        unionOrDifference(c, keys: 2..<c.argumentCount, destination: 1, difference: false)
    }

    static func sdiff(_ c: Client) {
        unionOrDifference(c, keys: 1..<c.argumentCount, destination: nil, difference: true)
    }

    static func sdiffstore(_ c: Client) {
        unionOrDifference(c, keys: 2..<c.argumentCount, destination: 1, difference: true)
    }

    /// Looks up the sets named by `keys` (as reads, counting hits and misses, in the STORE forms
    /// too): nil entries for missing keys, or nil overall after a WRONGTYPE reply (every key is
    /// checked, even after a missing one).
    private static func lookupSets(_ c: Client, _ keys: Range<Int>) -> [RedisObject?]? {
        var sets: [RedisObject?] = []
        sets.reserveCapacity(keys.count)
        for index in keys {
            let object = c.lookupRead(c.arg(index))
            if c.wrongType(object, .set) { return nil }
            sets.append(object)
        }
        return sets
    }

    /// Stores `result` at argument `destination` in place of whatever was there (setKey), or
    /// deletes the destination when the result is empty, and replies its size.
    private static func store(_ c: Client, _ result: RedisObject, at destination: Int, event: StaticString) {
        let key = c.arg(destination)
        let size = SetType.size(result)
        if size > 0 {
            c.expireIfNeeded(key)
            c.db.set(key, c.stored(result))
            c.reply.integer(size)
            c.notify(KeyspaceEventFlags.set, event, key)
            c.markDirty()
            return
        }
        result.release()
        c.reply.integer(0)
        deleteDestination(c, key)
    }

    /// An empty result removes the destination: a change only if it existed.
    private static func deleteDestination(_ c: Client, _ key: UnsafeRawBufferPointer) {
        if c.db.delete(key) {
            c.notify(KeyspaceEventFlags.generic, "del", key)
            c.markDirty()
        }
    }

    // MARK: intersection

    private static func intersect(_ c: Client, keys: Range<Int>, destination: Int?,
                                  cardinalityOnly: Bool = false, limit: Int = 0) {
        guard let found = lookupSets(c, keys) else { return }
        // An intersection with an empty set is empty.
        if found.contains(where: { $0 == nil }) {
            if let destination {
                deleteDestination(c, c.arg(destination))
                c.reply.integer(0)
            } else if cardinalityOnly {
                c.reply.integer(0)
            } else {
                c.reply.setHeader(0)
            }
            return
        }
        // Smallest first (stable, as glibc's merge-sorting qsort leaves equal sizes).
        let sets = found.enumerated()
            .map { (index: $0.offset, set: $0.element!, size: SetType.size($0.element!)) }
            .sorted { ($0.size, $0.index) < ($1.size, $1.index) }
            .map(\.set)
        let smallest = sets[0]
        func inAll(_ element: ElementValue) -> Bool {
            for other in sets.dropFirst() where other != smallest {
                if !SetType.contains(other, element) { return false }
            }
            return true
        }
        if cardinalityOnly {
            var cardinality = 0
            forEachUntil(smallest) { element in
                if inAll(element) {
                    cardinality += 1
                    if limit > 0 && cardinality >= limit { return false }
                }
                return true
            }
            c.reply.integer(cardinality)
            return
        }
        if let destination {
            let result = SetType.createIntset()
            let limit = c.maxIntsetEntries
            SetType.forEach(smallest) { element in
                if inAll(element) { SetType.add(result, element, maxIntsetEntries: limit) }
            }
            store(c, result, at: destination, event: "sinterstore")
            return
        }
        var matches: [ElementValueCopy] = []
        SetType.forEach(smallest) { element in
            if inAll(element) { matches.append(ElementValueCopy(element)) }
        }
        c.reply.setHeader(matches.count)
        for match in matches { match.withElement { c.reply.bulk($0) } }
    }

    /// Visits members until `body` returns false.
    private static func forEachUntil(_ object: RedisObject, _ body: (ElementValue) -> Bool) {
        var going = true
        SetType.forEach(object) { element in
            if going { going = body(element) }
        }
    }

    // MARK: union and difference

    static func unionOrDifference(_ c: Client, keys: Range<Int>, destination: Int?, difference: Bool) {
        guard let sets = lookupSets(c, keys) else { return }
        let result = difference ? self.difference(of: sets, c.maxIntsetEntries) : union(of: sets, c.maxIntsetEntries)
        if let destination {
            store(c, result, at: destination, event: difference ? "sdiffstore" : "sunionstore")
            return
        }
        reply(c, result)
    }

    private static func reply(_ c: Client, _ result: RedisObject) {
        c.reply.setHeader(SetType.size(result))
        SetType.forEach(result) { c.reply.bulk($0) }
        result.release()
    }

    private static func union(of sets: [RedisObject?], _ limit: Int) -> RedisObject {
        let result = SetType.createIntset()
        for set in sets {
            guard let set else { continue }
            SetType.forEach(set) { SetType.add(result, $0, maxIntsetEntries: limit) }
        }
        return result
    }

    /// Redis picks one of two algorithms by estimated work; they can leave the result in
    /// different encodings (the second adds the whole first set before removing), so the
    /// choice is reproduced exactly.
    private static func difference(of sets: [RedisObject?], _ limit: Int) -> RedisObject {
        let result = SetType.createIntset()
        guard let first = sets[0] else { return result }
        var algorithmOneWork = 0
        var algorithmTwoWork = 0
        for set in sets {
            guard let set else { continue }
            algorithmOneWork += SetType.size(first)
            algorithmTwoWork += SetType.size(set)
        }
        // Algorithm 1 has better constants and stops early on common members: favour it.
        algorithmOneWork /= 2
        if algorithmOneWork <= algorithmTwoWork {
            // 1: each member of the first set that no other set has.
            SetType.forEach(first) { element in
                for other in sets.dropFirst() {
                    guard let other else { continue }
                    if other == first || SetType.contains(other, element) { return }
                }
                SetType.add(result, element, maxIntsetEntries: limit)
            }
            return result
        }
        // 2: the first set, minus every member of the others.
        for (position, set) in sets.enumerated() {
            guard let set else { continue }
            if position == 0 {
                SetType.forEach(set) { SetType.add(result, $0, maxIntsetEntries: limit) }
            } else {
                SetType.forEach(set) { SetType.remove(result, $0) }
            }
            if SetType.size(result) == 0 { break }
        }
        return result
    }
}
