import Config
import RESP
import Store
import Util

// The string family (t_string.c): GET/SET and their variants, counters, ranges and LCS.

enum StringCommands {
    static let handlers: [String: CommandHandler] = [
        "get": get, "set": set, "setnx": setnx, "setex": setex, "psetex": psetex,
        "getset": getset, "getdel": getdel, "getex": getex, "mget": mget, "mset": mset,
        "msetnx": msetnx, "append": append, "strlen": strlen, "getrange": getrange,
        "substr": getrange, "setrange": setrange, "incr": incr, "decr": decr,
        "incrby": incrby, "decrby": decrby, "incrbyfloat": incrbyfloat, "lcs": LCSCommand.lcs,
    ]

    /// Replies the string at `key` (or null); returns false after a WRONGTYPE error.
    @inline(__always)
    static func replyValue(_ c: Client, _ key: UnsafeRawBufferPointer) -> Bool {
        guard let object = c.lookupRead(key) else {
            c.reply.nullBulk()
            return true
        }
        if object.type != .string {
            c.error(ErrorText.wrongType)
            return false
        }
        replyString(c, object)
        return true
    }

    @inline(__always)
    static func replyString(_ c: Client, _ object: RedisObject) {
        if object.kind == .integer { c.reply.bulk(integer: object.integer) } else { c.reply.bulk(object.storedBytes) }
    }

    static func get(_ c: Client) { _ = replyValue(c, c.arg(1)) }

    static func set(_ c: Client) {
        guard let options = StringOptions.parse(c, from: 3, mode: .set) else { return }
        setGeneric(c, key: 1, value: 2, options: options, commandName: "set")
    }

    /// setGenericCommand: expire validation, GET, NX/XX, store, TTL, reply.
    static func setGeneric(_ c: Client, key: Int, value: Int, options: StringOptions, commandName: String,
                           okReply: (() -> Void)? = nil, abortReply: (() -> Void)? = nil) {
        var when: Int64 = 0
        if let index = options.expireIndex {
            guard let ms = StringOptions.expireMilliseconds(c, argument: index, unit: options.unit,
                                                            kind: options.kind, commandName: commandName) else { return }
            when = ms
        }
        if options.get && !replyValue(c, c.arg(key)) { return }
        let keyBytes = c.arg(key)
        let found = c.lookupWrite(keyBytes) != nil
        if (options.nx && found) || (options.xx && !found) {
            if !options.get {
                if let abortReply { abortReply() } else { c.reply.nullBulk() }
            }
            return
        }
        c.storeString(keyBytes, c.arg(value), keepTTL: options.keepTTL,
                      expireAt: options.expireIndex != nil ? when : nil)
        c.markDirty()
        c.notify(KeyspaceEventFlags.string, "set", keyBytes)
        if options.expireIndex != nil {
            // Relative or absolute, the expire propagates as the absolute time it became.
            c.propagateAs(count: 5) { arguments in
                arguments.append("SET")
                arguments.append(keyBytes)
                arguments.append(c.arg(value))
                arguments.append("PXAT")
                arguments.append(when)
            }
            c.notify(KeyspaceEventFlags.generic, "expire", keyBytes)
        } else if options.get {
            propagateWithoutGet(c)
        }
        if !options.get {
            if let okReply { okReply() } else { c.reply.ok() }
        }
    }

    /// SET ... GET propagates without its GET arguments (any of them from the fourth on).
    private static func propagateWithoutGet(_ c: Client) {
        let kept = { (index: Int) in index < 3 || !c.argIs(index, "get") }
        let count = (0..<c.argumentCount).reduce(0) { $0 + (kept($1) ? 1 : 0) }
        c.propagateAs(count: count) { arguments in
            for index in 0..<c.argumentCount where kept(index) { arguments.append(c.arg(index)) }
        }
    }

    static func setnx(_ c: Client) {
        var options = StringOptions()
        options.nx = true
        setGeneric(c, key: 1, value: 2, options: options, commandName: "setnx",
                   okReply: { c.reply.integer(1) }, abortReply: { c.reply.integer(0) })
    }

    static func setex(_ c: Client) {
        var options = StringOptions()
        options.expireIndex = 2
        setGeneric(c, key: 1, value: 3, options: options, commandName: "setex")
    }

    static func psetex(_ c: Client) {
        var options = StringOptions()
        options.expireIndex = 2
        options.unit = .milliseconds
        setGeneric(c, key: 1, value: 3, options: options, commandName: "psetex")
    }

    static func getset(_ c: Client) {
        guard replyValue(c, c.arg(1)) else { return }
        c.storeString(c.arg(1), c.arg(2))
        c.markDirty()
        c.notify(KeyspaceEventFlags.string, "set", c.arg(1))
        c.propagateAs(count: 3) { arguments in
            arguments.append("SET")
            arguments.append(c.arg(1))
            arguments.append(c.arg(2))
        }
    }

    static func getdel(_ c: Client) {
        let key = c.arg(1)
        guard let object = c.lookupRead(key) else {
            c.reply.nullBulk()
            return
        }
        if c.wrongType(object, .string) { return }
        replyString(c, object)
        c.db.delete(key)
        c.propagateAs(count: 2) { arguments in
            arguments.append("DEL")
            arguments.append(key)
        }
        c.notify(KeyspaceEventFlags.generic, "del", key)
        c.markDirty()
    }

    static func getex(_ c: Client) {
        guard let options = StringOptions.parse(c, from: 2, mode: .getex) else { return }
        let key = c.arg(1)
        guard let object = c.lookupRead(key) else {
            c.reply.nullBulk()
            return
        }
        if c.wrongType(object, .string) { return }
        var when: Int64 = 0
        if let index = options.expireIndex {
            guard let ms = StringOptions.expireMilliseconds(c, argument: index, unit: options.unit,
                                                            kind: options.kind, commandName: "getex") else { return }
            when = ms
        }
        replyString(c, object)
        if options.expireIndex != nil {
            if options.kind == .absolute && c.server.expiresAtOnce(when) {
                c.db.delete(key)
                ExpireCommands.propagateDeletion(c, key)
                c.notify(KeyspaceEventFlags.generic, "del", key)
            } else {
                c.db.setExpire(key, at: when)
                c.propagateAs(count: 3) { arguments in
                    arguments.append("PEXPIREAT")
                    arguments.append(key)
                    arguments.append(when)
                }
                c.notify(KeyspaceEventFlags.generic, "expire", key)
            }
            c.markDirty()
        } else if options.persist {
            if c.db.removeExpire(key) {
                c.propagateAs(count: 2) { arguments in
                    arguments.append("PERSIST")
                    arguments.append(key)
                }
                c.notify(KeyspaceEventFlags.generic, "persist", key)
                c.markDirty()
            }
        }
    }

    static func mget(_ c: Client) {
        let count = c.argumentCount - 1
        c.reply.arrayHeader(count)
        for index in 1...count {
            if let object = c.lookupRead(c.arg(index)), object.type == .string {
                replyString(c, object)
            } else {
                c.reply.nullBulk()
            }
        }
    }

    static func mset(_ c: Client) {
        if c.argumentCount % 2 == 0 {
            c.error(ErrorText.wrongArity("mset"))
            return
        }
        storePairs(c)
        c.reply.ok()
    }

    static func msetnx(_ c: Client) {
        if c.argumentCount % 2 == 0 {
            c.error(ErrorText.wrongArity("msetnx"))
            return
        }
        for index in stride(from: 1, to: c.argumentCount, by: 2) where c.lookupWrite(c.arg(index)) != nil {
            c.reply.integer(0)
            return
        }
        storePairs(c)
        c.reply.integer(1)
    }

    private static func storePairs(_ c: Client) {
        for index in stride(from: 1, to: c.argumentCount, by: 2) {
            c.expireIfNeeded(c.arg(index))
            c.storeString(c.arg(index), c.arg(index + 1))
            c.notify(KeyspaceEventFlags.string, "set", c.arg(index))
            c.markDirty()
        }
    }

    /// checkStringLength: the result may not exceed proto-max-bulk-len.
    static func lengthAllowed(_ c: Client, _ size: Int64, _ append: Int64) -> Bool {
        let (total, overflow) = size.addingReportingOverflow(append)
        if overflow || total > c.server.settings.protoMaxBulkLen {
            c.error(ErrorText.stringTooLong)
            return false
        }
        return true
    }

    static func append(_ c: Client) {
        let key = c.arg(1)
        let addition = c.arg(2)
        guard let object = c.lookupWrite(key) else {
            c.db.add(key, c.storedString(addition))
            c.notify(KeyspaceEventFlags.string, "append", key)
            c.markDirty()
            c.reply.integer(addition.count)
            return
        }
        if c.wrongType(object, .string) { return }
        guard lengthAllowed(c, Int64(object.stringLength), Int64(addition.count)) else { return }
        let length = write(c, key, object, addition, at: object.stringLength)
        c.signalModified(key)
        c.notify(KeyspaceEventFlags.string, "append", key)
        c.markDirty()
        c.reply.integer(length)
    }

    /// Writes `bytes` at `offset` of the string at `key`, which becomes raw as Redis's
    /// dbUnshareStringValue leaves it: in place when the record can grow its value, else through a
    /// raw copy that replaces it, keeping the TTL. Returns the new length.
    static func write(_ c: Client, _ key: UnsafeRawBufferPointer, _ object: RedisObject,
                      _ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int {
        if let length = object.write(bytes, at: offset) { return length }
        let end = max(object.stringLength, offset + bytes.count)
        let copy = object.withStringBytes { RedisObject.rawString($0, capacity: end) }
        let length = copy.write(bytes, at: offset)!
        c.db.set(key, c.stored(copy), keepTTL: true)
        return length
    }

    static func strlen(_ c: Client) {
        guard let object = c.lookupRead(c.arg(1)) else {
            c.reply.integer(0)
            return
        }
        if c.wrongType(object, .string) { return }
        c.reply.integer(object.stringLength)
    }

    static func getrange(_ c: Client) {
        guard var start = c.integerArgument(2), var end = c.integerArgument(3) else { return }
        guard let object = c.lookupRead(c.arg(1)) else {
            c.reply.bulk("" as StaticString)
            return
        }
        if c.wrongType(object, .string) { return }
        object.withStringBytes { bytes in
            let length = Int64(bytes.count)
            if start < 0 && end < 0 && start > end {
                c.reply.bulk("" as StaticString)
                return
            }
            if start < 0 { start = length &+ start }
            if end < 0 { end = length &+ end }
            if start < 0 { start = 0 }
            if end < 0 { end = 0 }
            if end >= length { end = length - 1 }
            if start > end || length == 0 {
                c.reply.bulk("" as StaticString)
            } else {
                c.reply.bulk(UnsafeRawBufferPointer(rebasing: bytes[Int(start)...Int(end)]))
            }
        }
    }

    static func setrange(_ c: Client) {
        guard let offset = c.integerArgument(2) else { return }
        if offset < 0 {
            c.error(ErrorText.offsetOutOfRange)
            return
        }
        let key = c.arg(1)
        let value = c.arg(3)
        let length: Int
        if let object = c.lookupWrite(key) {
            if c.wrongType(object, .string) { return }
            if value.isEmpty {
                c.reply.integer(object.stringLength)
                return
            }
            guard lengthAllowed(c, offset, Int64(value.count)) else { return }
            length = write(c, key, object, value, at: Int(offset))
            c.signalModified(key)
        } else {
            if value.isEmpty {
                c.reply.integer(0)
                return
            }
            guard lengthAllowed(c, offset, Int64(value.count)) else { return }
            // A new string of exactly offset + value bytes, as Redis's sdsnewlen + sdsgrowzero.
            let target = RedisObject.rawString(UnsafeRawBufferPointer(start: nil, count: 0),
                                               capacity: Int(offset) + value.count)
            // Sized for the result, so the write always fits.
            length = target.write(value, at: Int(offset))!
            c.db.add(key, target)
        }
        c.notify(KeyspaceEventFlags.string, "setrange", key)
        c.markDirty()
        c.reply.integer(length)
    }

    static func incr(_ c: Client) { incrementBy(c, 1) }
    static func decr(_ c: Client) { incrementBy(c, -1) }

    static func incrby(_ c: Client) {
        guard let by = c.integerArgument(2) else { return }
        incrementBy(c, by)
    }

    static func decrby(_ c: Client) {
        guard let by = c.integerArgument(2) else { return }
        if by == Int64.min {
            c.error("ERR decrement would overflow")
            return
        }
        incrementBy(c, -by)
    }

    /// incrDecrCommand: the stored value must be a 64-bit integer; overflow is an error.
    static func incrementBy(_ c: Client, _ increment: Int64) {
        let key = c.arg(1)
        let object = c.lookupWrite(key)
        if c.wrongType(object, .string) { return }
        var current: Int64 = 0
        if let object {
            if object.encoding == .int {
                current = object.integer
            } else {
                guard let value = object.withStringBytes({ parseInt64($0) }) else {
                    c.error(ErrorText.notInteger)
                    return
                }
                current = value
            }
        }
        let (result, overflow) = current.addingReportingOverflow(increment)
        if overflow {
            c.error(ErrorText.overflow)
            return
        }
        let shared = c.withServer { $0.settings.sharedIntegersAllowed } && SharedIntegers.contains(result)
        if let object, object.encoding == .int, !object.isShared, !shared {
            object.integer = result
            c.signalModified(key)
        } else if let object, object.hasWordRoom {
            // Redis stores a new object here (shared, or with a fresh clock); the record is
            // rewritten as that object would be instead of being replaced.
            object.setInteger(result, shared: shared)
            c.restartClock(object)
            c.signalModified(key)
        } else if object != nil {
            let value = c.storedInteger(result)
            c.withDatabase { _ = $0.set(key, value, keepTTL: true) }
        } else {
            let value = c.storedInteger(result)
            c.withDatabase { _ = $0.add(key, value) }
        }
        c.notify(KeyspaceEventFlags.string, "incrby", key)
        c.markDirty()
        c.reply.integer(result)
    }

    static func incrbyfloat(_ c: Client) {
        let key = c.arg(1)
        let object = c.lookupWrite(key)
        if c.wrongType(object, .string) { return }
        var current = LongDouble(Int64(0))
        if let object {
            if object.encoding == .int {
                current = LongDouble(object.integer)
            } else {
                guard let value = object.withStringBytes({ parseLongDouble($0) }) else {
                    c.error(ErrorText.notFloat)
                    return
                }
                current = value
            }
        }
        guard let increment = parseLongDouble(c.arg(2)) else {
            c.error(ErrorText.notFloat)
            return
        }
        let result = current + increment
        guard !result.isNaN, !result.isInfinite, let text = longDoubleHumanBytes(result) else {
            c.error(ErrorText.nanOrInfinity)
            return
        }
        let updated = RedisObject.string(text)
        c.initializeClock(updated)
        if object != nil { c.db.set(key, updated, keepTTL: true) } else { c.db.add(key, updated) }
        c.notify(KeyspaceEventFlags.string, "incrbyfloat", key)
        c.markDirty()
        c.reply.bulk(text)
        // The result, not the increment: float formatting may differ where it is replayed.
        c.propagateAs(count: 4) { arguments in
            arguments.append("SET")
            arguments.append(key)
            arguments.append(text)
            arguments.append("KEEPTTL")
        }
    }
}
