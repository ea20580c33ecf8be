import Config
import RESP
import Store
import Util

// What the hash and set families share: replying elements read from compact encodings, the
// configured conversion thresholds, Redis's ranged-integer argument errors, and HSCAN/SSCAN
// (scanGenericCommand for a value rather than the keyspace).

extension ReplyBuffer {
    /// A bulk string for an element: digits for an integer entry, the bytes otherwise.
    @inline(__always)
    func bulk(_ element: ElementValue) {
        switch element {
        case .integer(let value): bulk(integer: value)
        case .bytes(let bytes): bulk(bytes)
        }
    }
}

extension Client {
    var hashLimits: HashLimits {
        HashLimits(maxListpackEntries: server.settings.hashMaxListpackEntries,
                   maxListpackValue: server.settings.hashMaxListpackValue)
    }

    var maxIntsetEntries: Int { server.settings.setMaxIntsetEntries }

    /// getRangeLongFromObjectOrReply: argument `index` as an integer in min...max. With
    /// `message`, that text is the error for both a non-integer and an out-of-range value;
    /// without, Redis's generic texts.
    func rangedIntegerArgument(_ index: Int, min: Int64, max: Int64, message: String? = nil) -> Int64? {
        guard let value = parseInt64(arg(index)) else {
            if let message { error("ERR " + message) } else { error(ErrorText.notInteger) }
            return nil
        }
        if value < min || value > max {
            if let message {
                error("ERR " + message)
            } else {
                error("ERR value is out of range, value must between \(min) and \(max)")
            }
            return nil
        }
        return value
    }

    /// HRANDFIELD/ZRANDMEMBER key count [`flag`]: the count (argument 2) and whether `flag`
    /// (WITHVALUES, WITHSCORES) follows it; nil after replying the error. With the flag, a count
    /// whose pairs would overflow is out of range.
    func randomCountArguments(flag: StaticString) -> (count: Int64, withFlag: Bool)? {
        guard let count = rangedIntegerArgument(2, min: -Int64.max, max: Int64.max) else { return nil }
        if argumentCount > 4 || (argumentCount == 4 && !argIs(3, flag)) {
            error(ErrorText.syntax)
            return nil
        }
        if argumentCount == 4 {
            if count < -Int64.max / 2 || count > Int64.max / 2 {
                error("ERR value is out of range")
                return nil
            }
            return (count, true)
        }
        return (count, false)
    }

    /// setKey's lookupKeyWrite before a command stores over `key` without reading it (MSET, the
    /// *STORE commands): a value past its TTL is expired first, with its `expired` event and
    /// propagated DEL, so the store then creates the key anew. Free while no key has a TTL.
    @inline(__always)
    func expireIfNeeded(_ key: UnsafeRawBufferPointer) {
        if db.expiresCount != 0 { _ = lookupWrite(key) }
    }

    /// A new collection object about to be stored: its clock starts as Redis's would.
    func stored(_ object: RedisObject) -> RedisObject {
        initializeClock(object)
        return object
    }

    /// lookupKeyReadOrReply + checkType: the value at `key` if it has `type`; nil after replying
    /// `missing` (no such key) or WRONGTYPE.
    @inline(__always)
    func lookupReadOrReply(_ key: UnsafeRawBufferPointer, type: ObjectType, missing: (Client) -> Void) -> RedisObject? {
        guard let object = lookupRead(key) else {
            missing(self)
            return nil
        }
        return wrongType(object, type) ? nil : object
    }

    /// lookupKeyWriteOrReply + checkType.
    @inline(__always)
    func lookupWriteOrReply(_ key: UnsafeRawBufferPointer, type: ObjectType, missing: (Client) -> Void) -> RedisObject? {
        guard let object = lookupWrite(key) else {
            missing(self)
            return nil
        }
        return wrongType(object, type) ? nil : object
    }

    /// HDEL and SREM: removes arguments 2... from the collection at argument 1, deletes the key
    /// as soon as it is empty (ignoring the remaining arguments, as Redis does), counts one
    /// change per removal and replies how many went; `event` (then `del`) when any went.
    func removeMembers(type: ObjectType, event: StaticString, eventType: Int,
                       remove: (RedisObject, UnsafeRawBufferPointer) -> Bool, size: (RedisObject) -> Int) {
        let key = arg(1)
        guard let object = lookupWriteOrReply(key, type: type, missing: { $0.reply.integer(0) }) else { return }
        var removed = 0
        var keyRemoved = false
        for index in 2..<argumentCount where remove(object, arg(index)) {
            removed += 1
            if size(object) == 0 {
                db.delete(key)
                keyRemoved = true
                break
            }
        }
        if removed > 0 {
            if !keyRemoved { signalModified(key) }
            notify(eventType, event, key)
            if keyRemoved { notify(KeyspaceEventFlags.generic, "del", key) }
            markDirty(Int64(removed))
        }
        reply.integer(removed)
    }
}

/// The generator behind random picks (SPOP, SRANDMEMBER, HRANDFIELD): SplitMix64 over one
/// process-wide state, seeded from the system once. SystemRandomNumberGenerator costs a getrandom
/// call per number, which SPOP on a sparse table pays many times; Redis uses a plain PRNG too.
/// The event loop is single-threaded, so the shared state needs no lock.
struct PickRandom: RandomNumberGenerator {
    static var state = UInt64.random(in: .min ... .max)

    @inline(__always)
    mutating func next() -> UInt64 {
        PickRandom.state &+= 0x9E37_79B9_7F4A_7C15
        var z = PickRandom.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Knuth's selection sampling: visits `total` items in order and picks each with probability
/// (still needed / still available), so exactly `wanted` are picked, in their original order
/// (as lpRandomPairsUnique does for listpacks).
struct OrderedSample<G: RandomNumberGenerator> {
    var remaining: Int
    var wanted: Int
    var generator: G

    init(wanted: Int, of total: Int, generator: G) {
        self.remaining = total
        self.wanted = wanted
        self.generator = generator
    }

    mutating func pick() -> Bool {
        defer { remaining -= 1 }
        if wanted == 0 { return false }
        if Int.random(in: 0..<remaining, using: &generator) < wanted {
            wanted -= 1
            return true
        }
        return false
    }
}

enum CollectionScan {
    /// shared.emptyscan: the reply for a missing key.
    static func replyEmpty(_ c: Client) {
        c.reply.arrayHeader(2)
        c.reply.bulk("0" as StaticString)
        c.reply.arrayHeader(0)
    }

    /// scanGenericCommand for a hash or set: a listpack or intset is returned whole with cursor 0;
    /// a hashtable is walked with the dict's cursor for COUNT items (a hash's fields and values
    /// both count, as in Redis), allowing COUNT*10 further bucket visits. MATCH filters fields
    /// (a hash's value goes with its field); TYPE is SCAN's alone and a syntax error here.
    static func scan(_ c: Client, _ object: RedisObject, cursor: UInt64, optionsFrom start: Int) {
        guard let options = ScanCursor.parseOptions(c, from: start, allowType: false) else { return }
        let pairs = object.type == .hash
        var items: [[UInt8]] = []
        var next: UInt64 = 0
        switch object.encoding {
        case .listpack:
            HashType.forEach(object) { field, value in
                items.append(field.array)
                items.append(value.array)
            }
        case .intset:
            SetType.forEach(object) { items.append($0.array) }
        default:
            if pairs {
                let table = HashType.table(object)
                next = walk(cursor, options.count, &items) { cursor, items in
                    table.scan(cursor) { field, value in
                        items.append([UInt8](field))
                        items.append([UInt8](value))
                    }
                }
            } else {
                let table = SetType.table(object)
                next = walk(cursor, options.count, &items) { cursor, items in
                    table.scan(cursor) { items.append([UInt8]($0)) }
                }
            }
        }
        if let pattern = options.pattern {
            let step = pairs ? 2 : 1
            var kept: [[UInt8]] = []
            kept.reserveCapacity(items.count)
            pattern.withUnsafeBytes { pattern in
                for index in stride(from: 0, to: items.count, by: step) {
                    let matches = items[index].withUnsafeBytes { globMatch(pattern: pattern, string: $0, noCase: false) }
                    if matches { kept.append(contentsOf: items[index..<(index + step)]) }
                }
            }
            items = kept
        }
        c.reply.arrayHeader(2)
        c.reply.bulk(String(next))
        c.reply.arrayHeader(items.count)
        for item in items { c.reply.bulk(item) }
    }

    /// Scan steps (`step` visits one cursor's buckets and returns the next cursor) until COUNT
    /// items are collected, the cursor wraps, or COUNT*10 further steps were taken.
    private static func walk(_ cursor: UInt64, _ count: Int64, _ items: inout [[UInt8]],
                             _ step: (UInt64, inout [[UInt8]]) -> UInt64) -> UInt64 {
        var next = cursor
        var iterations = count &* 10
        repeat {
            next = step(next, &items)
            if next == 0 || iterations == 0 { break }
            iterations -= 1
        } while items.count < count
        return next
    }
}
