import Config
import RESP
import Store
import Util

// The list family (t_list.c, Redis 7.0): pushes and pops at both ends, indexes and ranges,
// LINSERT/LREM/LTRIM/LPOS, LMOVE and LMPOP. The blocking forms are in
// ListCommands+Blocking.swift.

enum ListCommands {
    static let handlers: [String: CommandHandler] = [
        "lpush": lpush, "rpush": rpush, "lpushx": lpushx, "rpushx": rpushx, "lpop": lpop, "rpop": rpop,
        "llen": llen, "lrange": lrange, "lindex": lindex, "lset": lset, "linsert": linsert, "lrem": lrem,
        "ltrim": ltrim, "lpos": lpos, "lmove": lmove, "rpoplpush": rpoplpush, "lmpop": lmpop,
        "blpop": blpop, "brpop": brpop, "blmove": blmove, "brpoplpush": brpoplpush, "blmpop": blmpop,
    ]

    static let indexOutOfRange: StaticString = "ERR index out of range"

    @inline(__always)
    static func lookupRead(_ c: Client, _ key: UnsafeRawBufferPointer, missing: (Client) -> Void) -> RedisObject? {
        c.lookupReadOrReply(key, type: .list, missing: missing)
    }

    @inline(__always)
    static func lookupWrite(_ c: Client, _ key: UnsafeRawBufferPointer, missing: (Client) -> Void) -> RedisObject? {
        c.lookupWriteOrReply(key, type: .list, missing: missing)
    }

    /// A new, empty list stored at `key` (createQuicklistObject + dbAdd, which signals clients
    /// blocked on the key).
    static func createList(_ c: Client, _ key: UnsafeRawBufferPointer) -> RedisObject {
        let settings = c.server.settings
        let object = c.db.add(key, c.stored(ListType.create(fill: settings.listMaxListpackSize,
                                                            compressDepth: settings.listCompressDepth)))
        c.signalKeyAsReady(key)
        return object
    }

    /// Deletes `key` once its list is empty, with the `del` event; returns whether it did.
    /// Otherwise the list changed in place, which is signalled.
    @discardableResult
    static func deleteIfEmpty(_ c: Client, _ key: UnsafeRawBufferPointer, _ object: RedisObject) -> Bool {
        if ListType.length(object) != 0 {
            c.signalModified(key)
            return false
        }
        c.db.delete(key)
        c.notify(KeyspaceEventFlags.generic, "del", key)
        return true
    }

    /// listElementsRemoved: the pop event, the emptied key's deletion, `count` changes.
    static func elementsRemoved(_ c: Client, _ key: UnsafeRawBufferPointer, _ object: RedisObject, head: Bool, count: Int) {
        c.notify(KeyspaceEventFlags.list, head ? "lpop" : "rpop", key)
        deleteIfEmpty(c, key, object)
        c.markDirty(Int64(count))
    }

    /// getListPositionFromObjectOrReply: LEFT or RIGHT; true for LEFT (the head).
    static func parseSide(_ c: Client, _ index: Int) -> Bool? {
        if c.argIs(index, "left") { return true }
        if c.argIs(index, "right") { return false }
        c.error(ErrorText.syntax)
        return nil
    }

    // MARK: push

    static func lpush(_ c: Client) { push(c, head: true, onlyIfExists: false) }
    static func rpush(_ c: Client) { push(c, head: false, onlyIfExists: false) }
    static func lpushx(_ c: Client) { push(c, head: true, onlyIfExists: true) }
    static func rpushx(_ c: Client) { push(c, head: false, onlyIfExists: true) }

    static func push(_ c: Client, head: Bool, onlyIfExists: Bool) {
        let key = c.arg(1)
        let object: RedisObject
        if let existing = c.lookupWrite(key) {
            if c.wrongType(existing, .list) { return }
            object = existing
        } else {
            if onlyIfExists {
                c.reply.integer(0)
                return
            }
            object = createList(c, key)
        }
        let list = ListType.quicklist(object)
        for index in 2..<c.argumentCount { list.push(c.arg(index), atHead: head) }
        c.markDirty(Int64(c.argumentCount - 2))
        c.reply.integer(list.count)
        c.signalModified(key)
        c.notify(KeyspaceEventFlags.list, head ? "lpush" : "rpush", key)
    }

    // MARK: pop

    static func lpop(_ c: Client) { pop(c, head: true) }
    static func rpop(_ c: Client) { pop(c, head: false) }

    /// popGenericCommand: one element as a bulk string, or COUNT elements as an array.
    static func pop(_ c: Client, head: Bool) {
        let hasCount = c.argumentCount == 3
        var count = 0
        if c.argumentCount > 3 {
            c.error(ErrorText.wrongArity(head ? "lpop" : "rpop"))
            return
        } else if hasCount {
            guard let value = c.rangedIntegerArgument(2, min: 0, max: Int64.max,
                                                      message: "value is out of range, must be positive") else { return }
            count = Int(value)
        }
        let key = c.arg(1)
        guard let object = lookupWrite(c, key, missing: { hasCount ? $0.reply.nullArray() : $0.reply.nullBulk() }) else { return }
        if hasCount && count == 0 {
            c.reply.emptyArray()
            return
        }
        let list = ListType.quicklist(object)
        if !hasCount {
            c.reply.bulk(list.pop(fromHead: head)!)
            elementsRemoved(c, key, object, head: head, count: 1)
            return
        }
        let popped = replyPopped(c, list, count: count, head: head)
        elementsRemoved(c, key, object, head: head, count: popped)
    }

    /// Replies and removes up to `count` elements from one end (in the order they are popped);
    /// returns how many.
    @discardableResult
    static func replyPopped(_ c: Client, _ list: QuickList, count requested: Int, head: Bool) -> Int {
        let count = min(requested, list.count)
        c.reply.arrayHeader(count)
        list.forEach(from: 0, count: count, reverse: !head) { c.reply.bulk($0) }
        list.removeRange(from: head ? 0 : -count, length: count)
        return count
    }

    // MARK: reading

    static func llen(_ c: Client) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.integer(0) }) else { return }
        c.reply.integer(ListType.length(object))
    }

    static func lrange(_ c: Client) {
        guard let first = c.integerArgument(2), let last = c.integerArgument(3) else { return }
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.emptyArray() }) else { return }
        let list = ListType.quicklist(object)
        guard let (start, count) = clampIndexRange(Int(first), Int(last), length: list.count) else {
            c.reply.emptyArray()
            return
        }
        c.reply.arrayHeader(count)
        list.forEach(from: start, count: count, reverse: false) { c.reply.bulk($0) }
    }

    static func lindex(_ c: Client) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.nullBulk() }) else { return }
        guard let index = c.integerArgument(2) else { return }
        let list = ListType.quicklist(object)
        if let position = list.position(at: Int(index)) {
            list.withElement(at: position) { c.reply.bulk($0) }
        } else {
            c.reply.nullBulk()
        }
    }

    // MARK: changes in the middle

    static func lset(_ c: Client) {
        guard let object = lookupWrite(c, c.arg(1), missing: { $0.error(ErrorText.noSuchKey) }) else { return }
        guard let index = c.integerArgument(2) else { return }
        if ListType.quicklist(object).replace(at: Int(index), with: c.arg(3)) {
            c.reply.ok()
            c.signalModified(c.arg(1))
            c.notify(KeyspaceEventFlags.list, "lset", c.arg(1))
            c.markDirty()
        } else {
            c.error(indexOutOfRange)
        }
    }

    static func linsert(_ c: Client) {
        let after: Bool
        if c.argIs(2, "after") {
            after = true
        } else if c.argIs(2, "before") {
            after = false
        } else {
            c.error(ErrorText.syntax)
            return
        }
        guard let object = lookupWrite(c, c.arg(1), missing: { $0.reply.integer(0) }) else { return }
        let list = ListType.quicklist(object)
        let pivot = ElementMatcher(c.arg(3))
        var position = list.position(at: 0)
        while let current = position {
            if list.withElement(at: current, pivot.matches) {
                list.insert(c.arg(4), at: current, after: after)
                c.signalModified(c.arg(1))
                c.notify(KeyspaceEventFlags.list, "linsert", c.arg(1))
                c.markDirty()
                c.reply.integer(list.count)
                return
            }
            position = list.step(current, reverse: false)
        }
        c.reply.integer(-1)
    }

    static func lrem(_ c: Client) {
        guard let toRemove = c.integerArgument(2) else { return }
        let key = c.arg(1)
        guard let object = lookupWrite(c, key, missing: { $0.reply.integer(0) }) else { return }
        let list = ListType.quicklist(object)
        let element = ElementMatcher(c.arg(3))
        let reverse = toRemove < 0
        let limit = toRemove == 0 ? Int.max : Int(clamping: toRemove.magnitude)
        var removed = 0
        var position = list.position(at: reverse ? -1 : 0)
        while let current = position, removed < limit {
            if list.withElement(at: current, element.matches) {
                position = list.remove(at: current, reverse: reverse)
                removed += 1
            } else {
                position = list.step(current, reverse: reverse)
            }
        }
        if removed > 0 {
            c.markDirty(Int64(removed))
            c.notify(KeyspaceEventFlags.list, "lrem", key)
            deleteIfEmpty(c, key, object)
        }
        c.reply.integer(removed)
    }

    static func ltrim(_ c: Client) {
        guard let first = c.integerArgument(2), let last = c.integerArgument(3) else { return }
        let key = c.arg(1)
        guard let object = lookupWrite(c, key, missing: { $0.reply.ok() }) else { return }
        let list = ListType.quicklist(object)
        let length = list.count
        var leftTrim = length
        var rightTrim = 0
        if let (start, count) = clampIndexRange(Int(first), Int(last), length: length) {
            leftTrim = start
            rightTrim = length - start - count
        }
        list.removeRange(from: 0, length: leftTrim)
        list.removeRange(from: -rightTrim, length: rightTrim)
        c.notify(KeyspaceEventFlags.list, "ltrim", key)
        deleteIfEmpty(c, key, object)
        c.markDirty(Int64(leftTrim + rightTrim))
        c.reply.ok()
    }

    /// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
    static func lpos(_ c: Client) {
        var rank: Int64 = 1
        var count: Int64 = -1
        var maxLength: Int64 = 0
        var index = 3
        while index < c.argumentCount {
            let more = c.argumentCount - 1 - index
            if c.argIs(index, "rank") && more > 0 {
                guard let value = c.integerArgument(index + 1) else { return }
                if value == 0 {
                    c.error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
                    return
                }
                rank = value
            } else if c.argIs(index, "count") && more > 0 {
                guard let value = c.rangedIntegerArgument(index + 1, min: 0, max: Int64.max,
                                                          message: "COUNT can't be negative") else { return }
                count = value
            } else if c.argIs(index, "maxlen") && more > 0 {
                guard let value = c.rangedIntegerArgument(index + 1, min: 0, max: Int64.max,
                                                          message: "MAXLEN can't be negative") else { return }
                maxLength = value
            } else {
                c.error(ErrorText.syntax)
                return
            }
            index += 2
        }
        // A negative rank searches from the tail. (-LLONG_MIN overflows in Redis and stays
        // negative, which then matches from the first hit.)
        let reverse = rank < 0
        if reverse { rank = 0 &- rank }
        guard let object = c.lookupRead(c.arg(1)) else {
            if count != -1 { c.reply.emptyArray() } else { c.reply.nullBulk() }
            return
        }
        if c.wrongType(object, .list) { return }
        let list = ListType.quicklist(object)
        let length = list.count
        let element = ElementMatcher(c.arg(2))
        var matches: [Int] = []
        var position = 0
        var matched: Int64 = 0
        list.forEachWhile(reverse: reverse) { entry in
            if maxLength != 0 && Int64(position) >= maxLength { return false }
            if element.matches(entry) {
                matched += 1
                if matched >= rank {
                    matches.append(reverse ? length - 1 - position : position)
                    if count == -1 { return false }
                    // Wrapping, as C's overflow does for RANK -LLONG_MIN.
                    if count != 0 && matched &- rank &+ 1 >= count { return false }
                }
            }
            position += 1
            return true
        }
        if count != -1 {
            c.reply.arrayHeader(matches.count)
            for match in matches { c.reply.integer(match) }
        } else if let match = matches.first {
            c.reply.integer(match)
        } else {
            c.reply.nullBulk()
        }
    }

    // MARK: moving between lists

    static func lmove(_ c: Client) {
        guard let fromHead = parseSide(c, 3), let toHead = parseSide(c, 4) else { return }
        move(c, fromHead: fromHead, toHead: toHead)
    }

    static func rpoplpush(_ c: Client) { move(c, fromHead: false, toHead: true) }

    /// lmoveGenericCommand: source (argument 1) to destination (argument 2).
    static func move(_ c: Client, fromHead: Bool, toHead: Bool) {
        let source = c.arg(1)
        guard let object = lookupWrite(c, source, missing: { $0.reply.nullBulk() }) else { return }
        let destinationKey = c.arg(2)
        let destination = c.lookupWrite(destinationKey)
        if c.wrongType(destination, .list) { return }
        let value = ListType.quicklist(object).pop(fromHead: fromHead)!
        value.withUnsafeBytes { pushMoved(c, destinationKey, destination, $0, toHead: toHead) }
        // The pop's event follows the push's, as in Redis.
        elementsRemoved(c, source, object, head: fromHead, count: 1)
    }

    /// lmoveHandlePush: pushes onto the destination (creating it), replies the element.
    static func pushMoved(_ c: Client, _ key: UnsafeRawBufferPointer, _ existing: RedisObject?,
                          _ value: UnsafeRawBufferPointer, toHead: Bool) {
        let object = existing ?? createList(c, key)
        c.signalModified(key)
        ListType.quicklist(object).push(value, atHead: toHead)
        c.notify(KeyspaceEventFlags.list, toHead ? "lpush" : "rpush", key)
        c.reply.bulk(value)
    }

    static func lmpop(_ c: Client) {
        guard let arguments = MultiPopArguments.parse(c, numberOfKeysAt: 1, side: parseSide) else { return }
        for index in arguments.keys {
            let key = c.arg(index)
            guard let object = c.lookupWrite(key) else { continue }
            if c.wrongType(object, .list) { return }
            let popped = popWithKey(c, key, object, head: arguments.first, count: arguments.count)
            propagateAsPop(c, key, head: arguments.first, count: popped)
            return
        }
        c.reply.nullArray()
    }

    /// listPopRangeAndReplyWithKey: [key, [elements]]; returns how many were popped.
    @discardableResult
    static func popWithKey(_ c: Client, _ key: UnsafeRawBufferPointer, _ object: RedisObject, head: Bool, count: Int) -> Int {
        c.reply.arrayHeader(2)
        c.reply.bulk(key)
        let popped = replyPopped(c, ListType.quicklist(object), count: count, head: head)
        elementsRemoved(c, key, object, head: head, count: popped)
        return popped
    }

    /// LMPOP and the blocking pops propagate as LPOP/RPOP key [count].
    static func propagateAsPop(_ c: Client, _ key: UnsafeRawBufferPointer, head: Bool, count: Int?) {
        c.propagateAs(count: count == nil ? 2 : 3) { arguments in popArguments(&arguments, key, head: head, count: count) }
    }

    static func popArguments(_ arguments: inout PropagatedArguments, _ key: UnsafeRawBufferPointer, head: Bool, count: Int?) {
        arguments.append(head ? "LPOP" : "RPOP")
        arguments.append(key)
        if let count { arguments.append(Int64(count)) }
    }
}

/// Redis's index sanitizing for LRANGE, LTRIM, ZRANGE and ZREMRANGEBYRANK: negative indexes count
/// from the end, the start is clamped to 0 and the end to the last element; nil when empty.
func clampIndexRange(_ first: Int, _ last: Int, length: Int) -> (start: Int, count: Int)? {
    var start = first < 0 ? length + first : first
    var end = last < 0 ? length + last : last
    if start < 0 { start = 0 }
    if start > end || start >= length { return nil }
    if end >= length { end = length - 1 }
    return (start, end - start + 1)
}

/// LMPOP/ZMPOP's arguments (and BLMPOP/BZMPOP's after the timeout): numkeys key [key ...]
/// LEFT|RIGHT or MIN|MAX [COUNT count].
struct MultiPopArguments {
    /// Argument indexes of the keys.
    var keys: [Int]
    /// LEFT (the head) or MIN.
    var first: Bool
    var count: Int

    /// lmpopGenericCommand / zmpopGenericCommand's parsing; `side` reads the LEFT|RIGHT or
    /// MIN|MAX word (true for the first) or replies the error.
    static func parse(_ c: Client, numberOfKeysAt index: Int, side: (Client, Int) -> Bool?) -> MultiPopArguments? {
        guard let numberOfKeys = c.rangedIntegerArgument(index, min: 1, max: Int64.max,
                                                         message: "numkeys should be greater than 0") else { return nil }
        let (whereIndex, overflow) = Int(numberOfKeys).addingReportingOverflow(index + 1)
        if overflow || whereIndex >= c.argumentCount {
            c.error(ErrorText.syntax)
            return nil
        }
        guard let first = side(c, whereIndex) else { return nil }
        var count = -1
        var option = whereIndex + 1
        while option < c.argumentCount {
            if count == -1 && c.argIs(option, "count") && option + 1 < c.argumentCount {
                guard let value = c.rangedIntegerArgument(option + 1, min: 1, max: Int64.max,
                                                          message: "count should be greater than 0") else { return nil }
                count = Int(value)
                option += 2
            } else {
                c.error(ErrorText.syntax)
                return nil
            }
        }
        return MultiPopArguments(keys: Array((index + 1)..<whereIndex), first: first, count: count == -1 ? 1 : count)
    }
}

/// lpCompare against a command argument: integer entries compare by value (they were stored
/// from canonical integer text), others by bytes.
struct ElementMatcher {
    let bytes: UnsafeRawBufferPointer
    let integer: Int64?

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        integer = bytes.count <= 20 ? parseInt64(bytes) : nil
    }

    @inline(__always)
    func matches(_ element: ElementValue) -> Bool {
        switch element {
        case .integer(let value): return integer == value
        case .bytes(let stored): return stored.count == bytes.count && compareBytes(stored, bytes) == 0
        }
    }
}
