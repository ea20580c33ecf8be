import Config
import RESP
import Store
import Util

// The hash family (t_hash.c). Encodings and conversions live in Store's HashType; this file is
// argument handling, lookups and replies, in the order Redis checks them (arity and numeric
// arguments first, then the key's type, then the rest).

enum HashCommands {
    static let handlers: [String: CommandHandler] = [
        "hset": hset, "hmset": hmset, "hsetnx": hsetnx, "hget": hget, "hmget": hmget, "hdel": hdel,
        "hlen": hlen, "hstrlen": hstrlen, "hexists": hexists, "hkeys": hkeys, "hvals": hvals,
        "hgetall": hgetall, "hincrby": hincrby, "hincrbyfloat": hincrbyfloat, "hrandfield": hrandfield,
        "hscan": hscan,
    ]

    /// hashTypeLookupWriteOrCreate: the hash at `key`, created empty when missing; nil after a
    /// WRONGTYPE reply.
    static func lookupOrCreate(_ c: Client, _ key: UnsafeRawBufferPointer) -> RedisObject? {
        if let object = c.lookupWrite(key) {
            if c.wrongType(object, .hash) { return nil }
            return object
        }
        let object = c.db.add(key, c.stored(HashType.create()))
        return object
    }

    @inline(__always)
    static func lookupRead(_ c: Client, _ key: UnsafeRawBufferPointer, missing: (Client) -> Void) -> RedisObject? {
        c.lookupReadOrReply(key, type: .hash, missing: missing)
    }

    // MARK: writes

    static func hset(_ c: Client) { setPairs(c, isHMSet: false) }
    static func hmset(_ c: Client) { setPairs(c, isHMSet: true) }

    /// hashTypeTryConversion over arguments `range`.
    private static func convertIfNeeded(_ c: Client, _ object: RedisObject, arguments range: Range<Int>, _ limits: HashLimits) {
        var longest = 0
        var total = 0
        for index in range {
            let length = c.arg(index).count
            longest = max(longest, length)
            total += length
        }
        HashType.convertIfNeeded(object, longestArgument: longest, totalLength: total, limits: limits)
    }

    private static func setPairs(_ c: Client, isHMSet: Bool) {
        if c.argumentCount % 2 == 1 {
            c.error(ErrorText.wrongArity(isHMSet ? "hmset" : "hset"))
            return
        }
        guard let object = lookupOrCreate(c, c.arg(1)) else { return }
        let limits = c.hashLimits
        convertIfNeeded(c, object, arguments: 2..<c.argumentCount, limits)
        var created = 0
        for index in stride(from: 2, to: c.argumentCount, by: 2) {
            if !HashType.set(object, field: c.arg(index), value: .bytes(c.arg(index + 1)), limits: limits) {
                created += 1
            }
        }
        c.signalModified(c.arg(1))
        c.notify(KeyspaceEventFlags.hash, "hset", c.arg(1))
        c.markDirty(Int64((c.argumentCount - 2) / 2))
        if isHMSet { c.reply.ok() } else { c.reply.integer(created) }
    }

    static func hsetnx(_ c: Client) {
        guard let object = lookupOrCreate(c, c.arg(1)) else { return }
        let field = c.arg(2)
        if HashType.exists(object, field) {
            c.reply.integer(0)
            return
        }
        let limits = c.hashLimits
        convertIfNeeded(c, object, arguments: 2..<4, limits)
        HashType.set(object, field: field, value: .bytes(c.arg(3)), limits: limits)
        c.signalModified(c.arg(1))
        c.notify(KeyspaceEventFlags.hash, "hset", c.arg(1))
        c.markDirty()
        c.reply.integer(1)
    }

    static func hdel(_ c: Client) {
        c.removeMembers(type: .hash, event: "hdel", eventType: KeyspaceEventFlags.hash,
                        remove: HashType.delete, size: HashType.length)
    }

    /// The number stored at `field` (0 when absent), parsed from text by `parse`; nil when the
    /// stored text does not parse.
    private static func storedNumber<T>(_ object: RedisObject, _ field: UnsafeRawBufferPointer,
                                        integer: (Int64) -> T, parse: (UnsafeRawBufferPointer) -> T?) -> T? {
        HashType.withValue(object, field) { value in
            switch value {
            case nil: return integer(0)
            case .integer(let stored)?: return integer(stored)
            case .bytes(let bytes)?: return parse(bytes)
            }
        }
    }

    static func hincrby(_ c: Client) {
        guard let increment = c.integerArgument(3) else { return }
        guard let object = lookupOrCreate(c, c.arg(1)) else { return }
        let field = c.arg(2)
        guard let current = storedNumber(object, field, integer: { $0 }, parse: { parseInt64($0) }) else {
            c.error("ERR hash value is not an integer")
            return
        }
        let (result, overflow) = current.addingReportingOverflow(increment)
        if overflow {
            c.error(ErrorText.overflow)
            return
        }
        HashType.set(object, field: field, value: .integer(result), limits: c.hashLimits)
        c.signalModified(c.arg(1))
        c.notify(KeyspaceEventFlags.hash, "hincrby", c.arg(1))
        c.markDirty()
        c.reply.integer(result)
    }

    static func hincrbyfloat(_ c: Client) {
        guard let increment = parseLongDouble(c.arg(3)) else {
            c.error(ErrorText.notFloat)
            return
        }
        if increment.isNaN || increment.isInfinite {
            c.error("ERR value is NaN or Infinity")
            return
        }
        guard let object = lookupOrCreate(c, c.arg(1)) else { return }
        let field = c.arg(2)
        guard let current = storedNumber(object, field, integer: { LongDouble($0) }, parse: { parseLongDouble($0) }) else {
            c.error("ERR hash value is not a float")
            return
        }
        let result = current + increment
        guard !result.isNaN, !result.isInfinite, let text = longDoubleHumanBytes(result) else {
            c.error(ErrorText.nanOrInfinity)
            return
        }
        text.withUnsafeBytes { _ = HashType.set(object, field: field, value: .bytes($0), limits: c.hashLimits) }
        c.signalModified(c.arg(1))
        c.notify(KeyspaceEventFlags.hash, "hincrbyfloat", c.arg(1))
        c.markDirty()
        c.reply.bulk(text)
        // The result, not the increment: float formatting may differ where it is replayed.
        c.propagateAs(count: 4) { arguments in
            arguments.append("HSET")
            arguments.append(c.arg(1))
            arguments.append(field)
            arguments.append(text)
        }
    }

    // MARK: reads

    static func hget(_ c: Client) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.nullBulk() }) else { return }
        replyValue(c, object, c.arg(2))
    }

    /// addHashFieldToReply: the value, or null.
    @inline(__always)
    static func replyValue(_ c: Client, _ object: RedisObject, _ field: UnsafeRawBufferPointer) {
        HashType.withValue(object, field) { value in
            if let value { c.reply.bulk(value) } else { c.reply.nullBulk() }
        }
    }

    static func hmget(_ c: Client) {
        let object = c.lookupRead(c.arg(1))
        if c.wrongType(object, .hash) { return }
        c.reply.arrayHeader(c.argumentCount - 2)
        for index in 2..<c.argumentCount {
            if let object { replyValue(c, object, c.arg(index)) } else { c.reply.nullBulk() }
        }
    }

    static func hlen(_ c: Client) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.integer(0) }) else { return }
        c.reply.integer(HashType.length(object))
    }

    static func hstrlen(_ c: Client) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.integer(0) }) else { return }
        c.reply.integer(HashType.withValue(object, c.arg(2)) { $0?.length ?? 0 })
    }

    static func hexists(_ c: Client) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.integer(0) }) else { return }
        c.reply.integer(HashType.exists(object, c.arg(2)) ? 1 : 0)
    }

    static func hkeys(_ c: Client) { getAll(c, fields: true, values: false) }
    static func hvals(_ c: Client) { getAll(c, fields: false, values: true) }
    static func hgetall(_ c: Client) { getAll(c, fields: true, values: true) }

    /// genericHgetallCommand: a map for HGETALL (flat in RESP2), arrays for HKEYS/HVALS.
    private static func getAll(_ c: Client, fields: Bool, values: Bool) {
        let both = fields && values
        guard let object = lookupRead(c, c.arg(1), missing: { c in
            if both { c.reply.mapHeader(0) } else { c.reply.arrayHeader(0) }
        }) else { return }
        let length = HashType.length(object)
        if both { c.reply.mapHeader(length) } else { c.reply.arrayHeader(length) }
        HashType.forEach(object) { field, value in
            if fields { c.reply.bulk(field) }
            if values { c.reply.bulk(value) }
        }
    }

    static func hscan(_ c: Client) {
        guard let cursor = ScanCursor.parse(c, 2) else { return }
        guard let object = lookupRead(c, c.arg(1), missing: CollectionScan.replyEmpty) else { return }
        CollectionScan.scan(c, object, cursor: cursor, optionsFrom: 3)
    }

    // MARK: HRANDFIELD

    static func hrandfield(_ c: Client) {
        if c.argumentCount >= 3 {
            guard let arguments = c.randomCountArguments(flag: "withvalues") else { return }
            randomFields(c, arguments.count, withValues: arguments.withFlag)
            return
        }
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.nullBulk() }) else { return }
        var generator = PickRandom()
        HashType.withRandomPair(object, using: &generator) { field, _ in c.reply.bulk(field) }
    }

    /// hrandfieldWithCountCommand. A negative count may repeat fields (each pick independent);
    /// a positive one returns distinct fields: the whole hash when it has no more than asked,
    /// else a sample. WITHVALUES pairs are nested arrays in RESP3 and flat in RESP2.
    private static func randomFields(_ c: Client, _ requested: Int64, withValues: Bool) {
        guard let object = lookupRead(c, c.arg(1), missing: { $0.reply.arrayHeader(0) }) else { return }
        let size = HashType.length(object)
        let unique = requested >= 0
        let count = Int(requested.magnitude)
        if count == 0 {
            c.reply.arrayHeader(0)
            return
        }
        let nested = withValues && c.reply.resp3
        func header(_ pairs: Int) { c.reply.arrayHeader(withValues && !nested ? pairs * 2 : pairs) }
        func emit(_ field: ElementValue, _ value: ElementValue) {
            if nested { c.reply.arrayHeader(2) }
            c.reply.bulk(field)
            if withValues { c.reply.bulk(value) }
        }
        var generator = PickRandom()
        // CASE 1: independent picks.
        if !unique || count == 1 {
            header(count)
            for _ in 0..<count { HashType.withRandomPair(object, using: &generator, emit) }
            return
        }
        header(min(count, size))
        // CASE 2: the whole hash, in its order.
        if count >= size {
            HashType.forEach(object, emit)
            return
        }
        // CASE 2.5 and 3: a listpack, or a sample that is a large part of the hash: pick in
        // one ordered pass.
        if object.encoding == .listpack || count * 3 > size {
            var sample = OrderedSample(wanted: count, of: size, generator: generator)
            HashType.forEach(object) { field, value in
                if sample.pick() { emit(field, value) }
            }
            return
        }
        // CASE 4: a small sample of a large table: random picks until `count` distinct.
        var seen = Set<[UInt8]>()
        seen.reserveCapacity(count)
        while seen.count < count {
            HashType.withRandomPair(object, using: &generator) { field, value in
                if seen.insert(field.array).inserted { emit(field, value) }
            }
        }
    }
}
