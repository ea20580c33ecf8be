import Store

// Writing a whole RDB file (rdbSaveRio, Redis 7.0): header, AUX fields, each non-empty database
// as SELECTDB + RESIZEDB + its keys (EXPIRETIME_MS, IDLE or FREQ per the eviction policy, type,
// key, value), EOF, the CRC64.

public struct RDBSaveOptions {
    public var compression: Bool
    public var checksum: Bool
    /// maxmemory-policy is an LRU one: IDLE is saved; an LFU one: FREQ.
    public var savesIdle: Bool
    public var savesFrequency: Bool
    public var usedMemory: Int64
    public var nowMilliseconds: Int64
    /// aof-base: 1 when the file is an AOF's RDB preamble.
    public var aofBase: Bool
    /// Called after each key with the number written so far (rdb-key-save-delay, a BGSAVE
    /// child's progress reports); nil costs nothing.
    public var keySaved: ((Int) -> Void)?
    /// rdbSaveInfo: on a server in a replication chain, the stream's database, replication ID
    /// and offset at the snapshot (repl-stream-db, repl-id, repl-offset).
    public var replication: (streamDB: Int, id: String, offset: Int64)?
    /// The code of each FUNCTION library, saved before the databases.
    public var functions: [[UInt8]] = []

    public init(compression: Bool, checksum: Bool, savesIdle: Bool, savesFrequency: Bool, usedMemory: Int64,
                nowMilliseconds: Int64, aofBase: Bool = false) {
        self.compression = compression
        self.checksum = checksum
        self.savesIdle = savesIdle
        self.savesFrequency = savesFrequency
        self.usedMemory = usedMemory
        self.nowMilliseconds = nowMilliseconds
        self.aofBase = aofBase
    }
}

public enum RDBFileWriter {
    public static func write(_ databases: [Database], options: RDBSaveOptions, to w: RDBWriter) throws {
        w.bytes(Array("REDIS\(fourDigits(RDBFormat.writtenVersion))".utf8))
        w.aux("redis-ver", RDBFormat.redisVersion)
        w.aux("redis-bits", 64)
        w.aux("ctime", options.nowMilliseconds / 1000)
        w.aux("used-mem", options.usedMemory)
        if let replication = options.replication {
            w.aux("repl-stream-db", Int64(replication.streamDB))
            w.aux("repl-id", replication.id)
            w.aux("repl-offset", replication.offset)
        }
        w.aux("aof-base", options.aofBase ? 1 : 0)
        writeFunctions(options.functions, to: w)
        var saved = 0
        for db in databases where db.count > 0 {
            w.byte(RDBFormat.opSelectDB)
            w.length(db.id)
            w.byte(RDBFormat.opResizeDB)
            w.length(db.count)
            w.length(db.expiresCount)
            var failure: Error?
            db.forEach { object in
                guard failure == nil else { return }
                if let when = object.expireTime {
                    w.byte(RDBFormat.opExpireTimeMS)
                    w.littleEndian64(UInt64(bitPattern: when))
                }
                if options.savesIdle {
                    w.byte(RDBFormat.opIdle)
                    w.length(Int(LRUClock.idleMilliseconds(object.lru) / 1000))
                }
                if options.savesFrequency {
                    w.byte(RDBFormat.opFreq)
                    w.byte(UInt8(truncatingIfNeeded: LFU.decayedCounter(object.lru, nowMilliseconds: options.nowMilliseconds)))
                }
                w.byte(RDBEncoder.typeByte(object))
                w.string(object.key)
                RDBEncoder.writeValue(object, to: w)
                do { try w.flushIfNeeded() } catch { failure = error }
                if let keySaved = options.keySaved {
                    saved += 1
                    keySaved(saved)
                }
            }
            if let failure { throw failure }
        }
        w.byte(RDBFormat.opEOF)
        w.littleEndian64(w.finishChecksum())
        try w.flush()
    }
}

extension RDBFileWriter {
    /// rdbSaveFunctions: each library as the FUNCTION2 opcode and its code.
    public static func writeFunctions(_ codes: [[UInt8]], to w: RDBWriter) {
        for code in codes {
            w.byte(RDBFormat.opFunction2)
            w.string(code)
        }
    }
}

func fourDigits(_ value: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
