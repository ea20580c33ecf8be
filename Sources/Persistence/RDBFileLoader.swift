import Store

// Loading a whole RDB file (rdbLoadRio, versions 1 to 12): opcodes, AUX fields, expiries,
// LRU/LFU hints, keys and values; already expired keys are dropped (as on a master), and every
// error names the offset where the input stopped making sense.

public struct RDBLoadOptions {
    public var limits: RDBLoadLimits
    public var verifyChecksum: Bool
    public var nowMilliseconds: Int64
    /// A master drops keys already expired; a replica keeps them for its master to expire.
    public var dropExpired: Bool
    public var usesLFU: Bool
    /// RDBFLAGS_ALLOW_DUP (DEBUG RELOAD MERGE): a key already present is replaced, not an error.
    public var replaceExisting = false

    public init(limits: RDBLoadLimits, verifyChecksum: Bool, nowMilliseconds: Int64, dropExpired: Bool = true,
                usesLFU: Bool) {
        self.limits = limits
        self.verifyChecksum = verifyChecksum
        self.nowMilliseconds = nowMilliseconds
        self.dropExpired = dropExpired
        self.usesLFU = usesLFU
    }
}

public struct RDBLoadReport {
    public var version = 0
    public var aux: [(String, [UInt8])] = []
    public var keysLoaded = 0
    public var keysExpired = 0
    /// Bytes the RDB took, trailer included (an AOF's RDB preamble is followed by commands).
    public var length = 0
}

public enum RDBFileLoader {
    /// Loads `data` into `databases`, which must be empty; on an error they hold what was loaded.
    public static func load(_ data: [UInt8], into databases: [Database], options: RDBLoadOptions) throws -> RDBLoadReport {
        let r = RDBReader(data)
        var report = RDBLoadReport()
        let magic = try r.bytes(9, "the RDB header")
        guard magic.prefix(5).elementsEqual("REDIS".utf8) else {
            throw RDBDecodeError(offset: 0, "Wrong signature trying to load DB from file")
        }
        guard let version = Int(String(decoding: magic.suffix(4), as: UTF8.self)),
              version >= 1, version <= RDBFormat.newestLoadableVersion else {
            throw RDBDecodeError(offset: 5, "Can't handle RDB format version \(String(decoding: magic.suffix(4), as: UTF8.self))")
        }
        report.version = version
        var db = databases[0]
        var expireAt: Int64 = -1
        var idle = -1
        var frequency = -1
        while true {
            let at = r.offset
            let type = try r.byte("an opcode or object type")
            switch type {
            case RDBFormat.opExpireTime:
                expireAt = Int64(Int32(truncatingIfNeeded: try r.littleEndian(4, "an expire time"))) * 1000
                continue
            case RDBFormat.opExpireTimeMS:
                expireAt = Int64(bitPattern: try r.littleEndian(8, "an expire time"))
                continue
            case RDBFormat.opFreq:
                frequency = Int(try r.byte("an LFU frequency"))
                continue
            case RDBFormat.opIdle:
                idle = try r.length("an LRU idle time", max: Int.max)
                continue
            case RDBFormat.opEOF:
                break
            case RDBFormat.opSelectDB:
                let id = try r.length("a database number", max: Int.max)
                guard id < databases.count else {
                    throw RDBDecodeError(offset: at, "FATAL: Data file was created with a Redis server configured to handle more than \(databases.count) databases. Exiting")
                }
                db = databases[id]
                continue
            case RDBFormat.opResizeDB:
                let size = try r.length("a database size", max: Int.max)
                _ = try r.length("an expires size", max: Int.max)
                // Every key takes at least 3 bytes, so a corrupt size cannot reserve much.
                if size <= r.remaining / 3 { db.reserve(size) }
                continue
            case RDBFormat.opAux:
                let key = String(decoding: try r.string("an AUX field name"), as: UTF8.self)
                let value = try r.string("an AUX field value")
                report.aux.append((key, value))
                continue
            case RDBFormat.opModuleAux:
                throw RDBDecodeError(offset: at, "The RDB file contains AUX module data Apus can't load: Apus has no modules")
            case RDBFormat.opFunction, RDBFormat.opFunction2:
                throw RDBDecodeError(offset: at, "The RDB file contains functions (FUNCTION LOAD libraries), which Apus does not support yet")
            default:
                guard RDBDecoder.isObjectType(type) || RDBDecoder.typeName(type) != nil else {
                    throw RDBDecodeError(offset: at, "Unknown RDB opcode or object type \(type)")
                }
                let keyStart = r.offset
                let keyLength = try r.withString("a key") { $0.count }
                let keyEnd = r.offset
                defer { expireAt = -1; idle = -1; frequency = -1 }
                let expired = options.dropExpired && expireAt != -1 && expireAt < options.nowMilliseconds
                let before = db.count
                if type == RDBFormat.typeString && !expired {
                    // Strings go straight into their record, as SET stores them (tryObjectEncoding).
                    let stored = try r.withString("a string value") { value in
                        try withKey(r, keyStart, keyEnd, keyLength) { key in
                            db.storeString(key, value, allowSharedIntegers: options.limits.sharedIntegersAllowed)
                        }
                    }
                    if db.count == before && !options.replaceExisting { throw duplicate(r, keyStart, keyEnd, keyLength, db, at) }
                    setClock(stored, idle: idle, frequency: frequency, options: options)
                    if expireAt != -1 { db.setExpire(stored, at: expireAt) }
                    report.keysLoaded += 1
                    continue
                }
                let value = try RDBDecoder.readValue(type: type, from: r, limits: options.limits)
                guard let value else { continue }  // an empty collection: skipped, as Redis does
                if expired {
                    value.release()
                    report.keysExpired += 1
                    continue
                }
                let exists = try withKey(r, keyStart, keyEnd, keyLength) { db.find($0) != nil }
                if exists && options.replaceExisting {
                    _ = try withKey(r, keyStart, keyEnd, keyLength) { db.delete($0) }
                } else if exists {
                    value.release()
                    throw duplicate(r, keyStart, keyEnd, keyLength, db, at)
                }
                setClock(value, idle: idle, frequency: frequency, options: options)
                let stored = try withKey(r, keyStart, keyEnd, keyLength) { db.add($0, value) }
                if expireAt != -1 { db.setExpire(stored, at: expireAt) }
                report.keysLoaded += 1
                continue
            }
            break
        }
        if version >= 5 {
            let at = r.offset
            let expected = try r.littleEndian(8, "the CRC64 checksum")
            if options.verifyChecksum && expected != 0 {
                let actual = data.withUnsafeBytes { CRC64.update(0, UnsafeRawBufferPointer(rebasing: $0[0..<at])) }
                guard actual == expected else {
                    throw RDBDecodeError(offset: at, "Wrong RDB checksum expected: (\(String(expected, radix: 16))) got (\(String(actual, radix: 16))). Aborting now.")
                }
            }
        }
        report.length = r.offset
        return report
    }

    /// The key read at keyStart..<keyEnd again (decoded anew when it was integer or LZF encoded).
    static func withKey<R>(_ r: RDBReader, _ keyStart: Int, _ keyEnd: Int, _ keyLength: Int,
                           _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let again = RDBReader(r.data, offset: keyStart, end: keyEnd)
        return try again.withString("a key", body)
    }

    static func duplicate(_ r: RDBReader, _ keyStart: Int, _ keyEnd: Int, _ keyLength: Int, _ db: Database,
                          _ at: Int) -> RDBDecodeError {
        let key = (try? withKey(r, keyStart, keyEnd, keyLength) { String(decoding: $0, as: UTF8.self) }) ?? "?"
        return RDBDecodeError(offset: at, "RDB has duplicated key '\(key)' in DB \(db.id)")
    }

    /// objectSetLRUOrLFU.
    static func setClock(_ value: RedisObject, idle: Int, frequency: Int, options: RDBLoadOptions) {
        if options.usesLFU {
            if frequency >= 0 {
                value.lru = LFU.minutes(nowMilliseconds: options.nowMilliseconds) << 8 | UInt32(frequency & 255)
            }
        } else if idle >= 0 {
            let clock = Int64(LRUClock.current)
            var absolute = clock - Int64(idle)
            if absolute < 0 { absolute = (clock + Int64(LRUClock.maxValue / 2)) % Int64(LRUClock.maxValue) }
            value.lru = UInt32(truncatingIfNeeded: absolute)
        }
    }
}
