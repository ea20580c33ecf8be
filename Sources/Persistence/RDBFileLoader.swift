import Store

// Loading a whole RDB file (rdbLoadRio, versions 1 to 12) in one go, and what loading takes and
// reports. The parsing itself is RDBLoadJob's: opcodes, AUX fields, expiries, LRU/LFU hints, keys
// and values; already expired keys are dropped (as on a master), and every error names the
// offset where the input stopped making sense.

public struct RDBLoadOptions {
    public var limits: RDBLoadLimits
    public var verifyChecksum: Bool
    public var nowMilliseconds: Int64
    /// A master drops keys already expired; a replica keeps them for its master to expire.
    public var dropExpired: Bool
    public var usesLFU: Bool
    /// RDBFLAGS_ALLOW_DUP (DEBUG RELOAD MERGE): a key already present is replaced, not an error.
    public var replaceExisting = false
    /// Creates a FUNCTION library from its code (replacing one of the same name when
    /// `replaceExisting`); returns nil, or the error that fails the load. Without it an RDB with
    /// functions does not load.
    public var functionLoaded: (([UInt8]) -> String?)?

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
        let job = try RDBLoadJob(data, into: databases, options: options)
        _ = try job.step(maxBytes: .max)
        return job.report
    }
}
