import Store

// rdbLoadRio as a resumable job: the parse state that rdbLoadRio keeps in locals (current
// database, pending expire/idle/freq, the running checksum) lives here, so a replica can load its
// master's payload a bounded number of bytes at a time from the event loop and answer clients in
// between, where Redis calls processEventsWhileBlocked from inside the load. A one-shot load is
// one step without a bound (RDBFileLoader.load).

public final class RDBLoadJob {
    public private(set) var report = RDBLoadReport()
    public private(set) var isFinished = false

    private let reader: RDBReader
    /// Where the RDB starts in `data` (a payload may sit inside a larger buffer); offsets in
    /// errors, `bytesConsumed` and `report.length` count from here.
    private let start: Int
    private let databases: [Database]
    private let options: RDBLoadOptions
    private var db: Database
    private var expireAt: Int64 = -1
    private var idle = -1
    private var frequency = -1
    /// The CRC64 of data[start..<checksummed], kept current step by step so the last step does
    /// not checksum the whole payload at once.
    private var crc: UInt64 = 0
    private var checksummed: Int
    private var failure: Error?

    /// Reads the header of the RDB in data[start..<end] (the whole array by default), without
    /// copying it; `databases` must be empty, and hold what was loaded if a step fails.
    public init(_ data: [UInt8], start: Int = 0, end: Int? = nil, into databases: [Database],
                options: RDBLoadOptions) throws {
        reader = RDBReader(data, offset: start, end: end)
        self.start = start
        self.databases = databases
        self.options = options
        db = databases[0]
        checksummed = start
        let magic: ArraySlice<UInt8>
        do {
            magic = try reader.bytes(9, "the RDB header")
        } catch let error as RDBDecodeError {
            throw RDBDecodeError(offset: error.offset - start, error.message)
        }
        guard magic.prefix(5).elementsEqual("REDIS".utf8) else {
            throw RDBDecodeError(offset: 0, "Wrong signature trying to load DB from file")
        }
        guard let version = Int(String(decoding: magic.suffix(4), as: UTF8.self)),
              version >= 1, version <= RDBFormat.newestLoadableVersion else {
            throw RDBDecodeError(offset: 5, "Can't handle RDB format version \(String(decoding: magic.suffix(4), as: UTF8.self))")
        }
        report.version = version
    }

    /// Bytes of the RDB read so far (rdb's processed_bytes).
    public var bytesConsumed: Int { reader.offset - start }
    /// The bytes available to the job: the payload, and whatever follows it in the window.
    public var totalBytes: Int { reader.end - start }

    /// Loads entries until one ends `maxBytes` or more past where this step began, or the file
    /// ends; returns true once it has ended (EOF read, checksum verified). After an error every
    /// further step throws it again.
    public func step(maxBytes: Int) throws -> Bool {
        if let failure { throw failure }
        if isFinished { return true }
        let begin = reader.offset
        do {
            while true {
                if try loadEntry() {
                    try finish()
                    isFinished = true
                    return true
                }
                if reader.offset - begin >= maxBytes { break }
            }
            updateChecksum(upTo: reader.offset)
            return false
        } catch let error as RDBDecodeError {
            let relative = RDBDecodeError(offset: error.offset - start, error.message)
            failure = relative
            throw relative
        } catch {
            failure = error
            throw error
        }
    }

    /// One opcode and what it carries; true at EOF.
    private func loadEntry() throws -> Bool {
        let r = reader
        let at = r.offset
        let type = try r.byte("an opcode or object type")
        switch type {
        case RDBFormat.opExpireTime:
            expireAt = Int64(Int32(truncatingIfNeeded: try r.littleEndian(4, "an expire time"))) * 1000
        case RDBFormat.opExpireTimeMS:
            expireAt = Int64(bitPattern: try r.littleEndian(8, "an expire time"))
        case RDBFormat.opFreq:
            frequency = Int(try r.byte("an LFU frequency"))
        case RDBFormat.opIdle:
            idle = try r.length("an LRU idle time", max: Int.max)
        case RDBFormat.opEOF:
            return true
        case RDBFormat.opSelectDB:
            let id = try r.length("a database number", max: Int.max)
            guard id < databases.count else {
                throw RDBDecodeError(offset: at, "FATAL: Data file was created with a Redis server configured to handle more than \(databases.count) databases. Exiting")
            }
            db = databases[id]
        case RDBFormat.opResizeDB:
            let size = try r.length("a database size", max: Int.max)
            _ = try r.length("an expires size", max: Int.max)
            // Every key takes at least 3 bytes, so a corrupt size cannot reserve much.
            if size <= r.remaining / 3 { db.reserve(size) }
        case RDBFormat.opAux:
            let key = String(decoding: try r.string("an AUX field name"), as: UTF8.self)
            let value = try r.string("an AUX field value")
            report.aux.append((key, value))
        case RDBFormat.opModuleAux:
            throw RDBDecodeError(offset: at, "The RDB file contains AUX module data Apus can't load: Apus has no modules")
        case RDBFormat.opFunction:
            throw RDBDecodeError(offset: at, "Pre-release function format not supported.")
        case RDBFormat.opFunction2:
            let code = try r.string("a library's code")
            guard let functionLoaded = options.functionLoaded else {
                throw RDBDecodeError(offset: at, "The RDB file contains functions, which this load cannot take")
            }
            if let error = functionLoaded(code) { throw RDBDecodeError(offset: at, "Failed loading library, \(error)") }
        default:
            guard RDBDecoder.isObjectType(type) || RDBDecoder.typeName(type) != nil else {
                throw RDBDecodeError(offset: at, "Unknown RDB opcode or object type \(type)")
            }
            defer { expireAt = -1; idle = -1; frequency = -1 }
            try loadKey(type: type, at: at)
        }
        return false
    }

    /// A key and its value, with the expire and LRU/LFU hint read before it.
    private func loadKey(type: UInt8, at: Int) throws {
        let r = reader
        let db = db
        let keyStart = r.offset
        _ = try r.withString("a key") { $0.count }
        let keyEnd = r.offset
        let expired = options.dropExpired && expireAt != -1 && expireAt < options.nowMilliseconds
        let before = db.count
        if type == RDBFormat.typeString && !expired {
            // Strings go straight into their record, as SET stores them (tryObjectEncoding).
            let stored = try r.withString("a string value") { value in
                try withKey(keyStart, keyEnd) { key in
                    db.storeString(key, value, allowSharedIntegers: options.limits.sharedIntegersAllowed)
                }
            }
            if db.count == before && !options.replaceExisting { throw duplicate(keyStart, keyEnd, at) }
            setClock(stored)
            if expireAt != -1 { db.setExpire(stored, at: expireAt) }
            report.keysLoaded += 1
            return
        }
        let value = try RDBDecoder.readValue(type: type, from: r, limits: options.limits)
        guard let value else { return }  // an empty collection: skipped, as Redis does
        if expired {
            value.release()
            report.keysExpired += 1
            return
        }
        let exists = try withKey(keyStart, keyEnd) { db.find($0) != nil }
        if exists && options.replaceExisting {
            _ = try withKey(keyStart, keyEnd) { db.delete($0) }
        } else if exists {
            value.release()
            throw duplicate(keyStart, keyEnd, at)
        }
        setClock(value)
        let stored = try withKey(keyStart, keyEnd) { db.add($0, value) }
        if expireAt != -1 { db.setExpire(stored, at: expireAt) }
        report.keysLoaded += 1
    }

    /// After EOF: the CRC64 trailer (version 5 and later), and the length read.
    private func finish() throws {
        if report.version >= 5 {
            let at = reader.offset
            let expected = try reader.littleEndian(8, "the CRC64 checksum")
            if options.verifyChecksum && expected != 0 {
                updateChecksum(upTo: at)
                guard crc == expected else {
                    throw RDBDecodeError(offset: at, "Wrong RDB checksum expected: (\(String(expected, radix: 16))) got (\(String(crc, radix: 16))). Aborting now.")
                }
            }
        }
        report.length = bytesConsumed
    }

    private func updateChecksum(upTo end: Int) {
        guard options.verifyChecksum, report.version >= 5, end > checksummed else { return }
        crc = reader.data.withUnsafeBytes { CRC64.update(crc, UnsafeRawBufferPointer(rebasing: $0[checksummed..<end])) }
        checksummed = end
    }

    /// The key read at keyStart..<keyEnd again (decoded anew when it was integer or LZF encoded).
    private func withKey<R>(_ keyStart: Int, _ keyEnd: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let again = RDBReader(reader.data, offset: keyStart, end: keyEnd)
        return try again.withString("a key", body)
    }

    private func duplicate(_ keyStart: Int, _ keyEnd: Int, _ at: Int) -> RDBDecodeError {
        let key = (try? withKey(keyStart, keyEnd) { String(decoding: $0, as: UTF8.self) }) ?? "?"
        return RDBDecodeError(offset: at, "RDB has duplicated key '\(key)' in DB \(db.id)")
    }

    /// objectSetLRUOrLFU.
    private func setClock(_ value: RedisObject) {
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
