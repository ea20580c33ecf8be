import Glibc
import Persistence
import Store

// The file-level entry points that SAVE, BGSAVE, the AOF's RDB base, DEBUG RELOAD and start-up
// use: rdbSave's temp file + fsync + rename + fsync of the directory, and rdbLoad.

struct RDBError: Error, CustomStringConvertible {
    let description: String
}

extension Server {
    /// The current thresholds, for values decoded from a file or a DUMP payload.
    var rdbLoadLimits: RDBLoadLimits {
        RDBLoadLimits(
            hash: HashLimits(maxListpackEntries: settings.hashMaxListpackEntries, maxListpackValue: settings.hashMaxListpackValue),
            zset: ZSetLimits(maxListpackEntries: settings.zsetMaxListpackEntries, maxListpackValue: settings.zsetMaxListpackValue),
            setMaxIntsetEntries: settings.setMaxIntsetEntries, listFill: settings.listMaxListpackSize,
            listCompressDepth: settings.listCompressDepth, sharedIntegersAllowed: settings.sharedIntegersAllowed)
    }

    var rdbSaveOptions: RDBSaveOptions {
        let policy = settings.maxMemoryPolicy
        var options = RDBSaveOptions(compression: config.bool("rdbcompression"), checksum: config.bool("rdbchecksum"),
                                     savesIdle: policy.contains("lru"), savesFrequency: policy.contains("lfu"),
                                     usedMemory: MemoryFigures.current().used, nowMilliseconds: now)
        options.keySaved = keySavedHook()
        options.replication = replicationSaveInfo()
        options.functions = functions.libraryCodes
        return options
    }

    /// rdbSave: the whole dataset as an RDB file at `path`, written to a temp file, fsynced,
    /// renamed over `path`, and the directory fsynced.
    /// `aofBase` marks the file as an AOF's RDB base (the aof-base AUX field).
    func writeRDB(to path: String, aofBase: Bool = false) throws {
        let temp = directoryOf(path) + "temp-\(getpid()).rdb"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RDBError(description: "Failed opening the temp RDB file \(temp) (in server root dir \(currentDirectory())) for saving: \(errnoText())")
        }
        var closed = false
        defer { if !closed { close(fd) } }
        let writer = rdbWriter(fd: fd)
        do {
            var options = rdbSaveOptions
            options.aofBase = aofBase
            // An AOF base is no replication snapshot (rdbSaveRio without rsi).
            if aofBase { options.replication = nil }
            try RDBFileWriter.write(databases, options: options, to: writer)
            guard fsync(fd) == 0 else { throw RDBError(description: "Write error saving DB on disk: \(errnoText())") }
            closed = true
            guard close(fd) == 0 else { throw RDBError(description: "Write error saving DB on disk: \(errnoText())") }
            guard rename(temp, path) == 0 else {
                throw RDBError(description: "Error moving temp DB file \(temp) on the final destination \(path) (in server root dir \(currentDirectory())): \(errnoText())")
            }
        } catch {
            unlink(temp)
            throw error
        }
        let dirFD = open(directoryOf(path).isEmpty ? "." : directoryOf(path), O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    /// An RDB writer whose output goes to `fd` (a file, or the pipe of a diskless sync).
    func rdbWriter(fd: Int32) -> RDBWriter {
        RDBWriter(compression: config.bool("rdbcompression"), checksum: config.bool("rdbchecksum")) { bytes in
            try writeAll(fd, bytes)
        }
    }

    /// rdbSaveRioWithEOFMark: the dataset as the payload of a diskless sync, framed by
    /// `$EOF:<mark>\r\n` before and the mark after, since its length is not known in advance.
    func writeRDBPayload(to fd: Int32, eofMark: [UInt8], excludeData: Bool = false) throws {
        try (Array("$EOF:".utf8) + eofMark + [13, 10]).withUnsafeBytes { try writeAll(fd, $0) }
        let writer = rdbWriter(fd: fd)
        try RDBFileWriter.write(excludeData ? [] : databases, options: rdbSaveOptions, to: writer)
        try eofMark.withUnsafeBytes { try writeAll(fd, $0) }
    }

    /// rdbLoad: replaces the dataset with the RDB file at `path`.
    func loadRDB(from path: String) throws {
        try loadRDB(from: path, flush: true, replaceExisting: false)
    }

    /// An AOF whose file starts with an RDB preamble: loads that RDB and returns its length in
    /// bytes, where the AOF's commands begin.
    func loadRDBPreamble(from path: String) throws -> Int {
        try loadRDB(from: path, flush: true, replaceExisting: false)
    }

    /// Without `flush` the file's keys join the current ones (DEBUG RELOAD NOFLUSH); with
    /// `replaceExisting` a key of the same name is replaced rather than an error (MERGE).
    @discardableResult
    func loadRDB(from path: String, flush: Bool, replaceExisting: Bool) throws -> Int {
        let data = try readWholeFile(path)
        if flush { emptyDatabasesForLoad() }
        let report: RDBLoadReport
        do {
            report = try withoutKeySignals {
                try RDBFileLoader.load(data, into: databases, options: rdbLoadOptions(replaceExisting: replaceExisting))
            }
        } catch let error as RDBDecodeError {
            throw RDBError(description: "Corrupt RDB file \(path): \(error)")
        }
        noteAuxFields(report.aux[...])
        loadFinished(report)
        return report.length
    }

    /// How the current configuration loads an RDB (on a master: expired keys are dropped).
    func rdbLoadOptions(replaceExisting: Bool) -> RDBLoadOptions {
        var options = RDBLoadOptions(limits: rdbLoadLimits, verifyChecksum: config.bool("rdbchecksum") && !debug.skipChecksumValidation,
                                     nowMilliseconds: now, usesLFU: settings.usesLFU)
        options.replaceExisting = replaceExisting
        options.functionLoaded = { [unowned self] code in self.loadFunctionFromRDB(code, replace: replaceExisting) }
        return options
    }

    /// emptyData before a load: WATCH and tracking see the old keys go.
    func emptyDatabasesForLoad() {
        databaseWillFlush(nil)
        for db in databases { _ = db.removeAll() }
        functions.flush()
    }

    /// rdbLoad adds keys without signalModifiedKey: WATCH and tracking hear of the flush before a
    /// load (emptyData), never of the keys it loads.
    func withoutKeySignals<R>(_ body: () throws -> R) rethrows -> R {
        guard databases.first?.observesKeyChanges == true else { return try body() }
        for db in databases { db.observesKeyChanges = false }
        defer { updateKeyObservation() }
        return try body()
    }

    /// The AUX fields rdbLoadRio logs as it reads them; used-mem also feeds loading_rdb_used_mem.
    func noteAuxFields(_ fields: ArraySlice<(String, [UInt8])>) {
        for (key, value) in fields {
            let text = String(decoding: value, as: UTF8.self)
            switch key {
            case "repl-id": loadingState.savedReplication.id = value.count == 40 ? value : nil
            case "repl-offset": loadingState.savedReplication.offset = Int64(text)
            case "repl-stream-db": loadingState.savedReplication.streamDB = Int(text)
            case "redis-ver": logger.notice("Loading RDB produced by version \(text)")
            case "ctime":
                if let ctime = Int64(text) {
                    logger.notice("RDB age \(max(0, now / 1000 - ctime)) seconds")
                }
            case "used-mem":
                if let used = Int64(text) {
                    logger.notice("RDB memory usage when created \(String(format2: Double(used) / 1024 / 1024)) Mb")
                    loadingState.rdbUsedMemory = Int(used)
                }
            default: break
            }
        }
    }

    /// The end of a successful load (rdbLoadRioWithLoadingCtx's last lines).
    func loadFinished(_ report: RDBLoadReport) {
        loadingState.lastLoadKeysLoaded = report.keysLoaded
        loadingState.lastLoadKeysExpired = report.keysExpired
        logger.notice("Done loading RDB, keys loaded: \(report.keysLoaded), keys expired: \(report.keysExpired).")
    }

    /// Start-up: the RDB file at dir/dbfilename, if there is one. A corrupt file stops the server.
    func loadDataAtStartup() -> Bool {
        let path = config.string("dbfilename")
        guard access(path, F_OK) == 0 else { return true }
        let started = monotonicMicroseconds()
        do {
            try loadRDB(from: path)
        } catch {
            logger.warning("Fatal error loading the DB: \(error). Exiting.")
            return false
        }
        let seconds = Double(monotonicMicroseconds() - started) / 1_000_000
        logger.notice("DB loaded from disk: \(String(format3: seconds)) seconds")
        return true
    }

    private func readWholeFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RDBError(description: "Fatal error: can't open the RDB file \(path) for reading: \(errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw RDBError(description: "Can't stat \(path): \(errnoText())") }
        var data = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw RDBError(description: "Short read loading \(path): \(errnoText())") }
            offset += n
        }
        return data
    }
}

private func directoryOf(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return String(path[...slash])
}

private func currentDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    return getcwd(&buffer, buffer.count) != nil ? String(cString: buffer) : "?"
}

/// Writes all of `bytes` to a blocking fd.
private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
        let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            throw RDBError(description: "Write error saving DB on disk: \(errnoText())")
        }
        offset += n
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }

private func monotonicMicroseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

extension String {
    init(format2 value: Double) { self = fixedText(value, 2) }
    init(format3 value: Double) { self = fixedText(value, 3) }
}

private func fixedText(_ value: Double, _ digits: Int) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.\(digits)f", $0) }
    return String(cString: buffer)
}
