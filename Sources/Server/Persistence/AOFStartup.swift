import Glibc

// Start-up with appendonly yes (Redis 7.0's aofLoadManifestFromDisk, loadDataFromDisk,
// aofOpenIfNeededOnServerStart, aofDelHistoryFiles): read the manifest — or adopt an old
// single-file appendonly.aof into the directory, as 7.0 upgrades it — replay the files, make
// sure a base and an incr file exist, and open the last incr file for appending. The AOF takes
// precedence over an RDB file: when it is on, the dataset comes from it alone.

extension Server {
    /// False when start-up must stop (the reason is logged); the caller exits 1.
    func startAOFOnServerStart() -> Bool {
        reloadAOFSettings()
        guard config.bool("appendonly") else { return true }
        installAOFConsumer()
        do {
            try loadAOFManifestFromDisk()
            try upgradeOldAOFIfNeeded()
            _ = try loadAppendOnlyFiles()
            aof.status = .on
            try openAOFOnServerStart()
            deleteAOFHistoryFiles()
        } catch {
            logger.warning("\(error)")
            return false
        }
        return true
    }

    /// aofLoadManifestFromDisk: no directory or no manifest leaves an empty manifest.
    func loadAOFManifestFromDisk() throws {
        aof.manifest = AOFManifest()
        let path = aofPath(aofManifestName)
        guard let bytes = Server.readWholeFile(path) else {
            if errno == ENOENT { return }
            throw AOFError("Fatal error: can't open the AOF manifest \(aofManifestName) for reading: \(String(cString: strerror(errno)))")
        }
        do {
            aof.manifest = try AOFManifest.parse(String(decoding: bytes, as: UTF8.self))
        } catch let error as AOFError {
            // As aofLoadManifestFromFile's loaderr: the block, then exit.
            logger.warning("\n*** FATAL AOF MANIFEST FILE ERROR ***\n")
            if error.line > 0 {
                logger.warning("Reading the manifest file, at line \(error.line)\n")
                logger.warning(">>> '\(error.text)'\n")
            }
            logger.warning("\(error.description)\n")
            exit(1)
        }
    }

    /// aofUpgradePrepare: an `appendonly.aof` in `dir` from before 7.0 becomes the base.
    private func upgradeOldAOFIfNeeded() throws {
        let old = aofPrefix
        guard access(old, F_OK) == 0 else { return }
        let manifest = aof.manifest
        var info = stat()
        let directoryMissing = stat(aofDirectory, &info) != 0
        let empty = manifest.base == nil && manifest.incrs.isEmpty
        let halfDone = manifest.base?.name == old && manifest.incrs.isEmpty && access(aofPath(old), F_OK) != 0
        guard directoryMissing || empty || halfDone else { return }
        try ensureAOFDirectory()
        var upgraded = AOFManifest()
        upgraded.base = AOFFileInfo(name: old, seq: 1, kind: .base)
        upgraded.currentBaseSeq = 1
        try persistAOFManifest(upgraded)
        if rename(old, aofPath(old)) == -1 {
            throw AOFError("Error trying to rename the existing AOF to old AOF dir \(aofDirectory): \(String(cString: strerror(errno)))")
        }
        fsyncDirectory(aofDirectory)
        aof.manifest = upgraded
        logger.notice("Successfully migrated an old-style AOF into the AOF directory \(aofDirectory).")
    }

    /// aofOpenIfNeededOnServerStart.
    private func openAOFOnServerStart() throws {
        try ensureAOFDirectory()
        var manifest = aof.manifest
        let hadIncr = !manifest.incrs.isEmpty
        if manifest.base == nil && !hadIncr {
            let name = manifest.newBaseName(prefix: aofPrefix, rdb: config.bool("aof-use-rdb-preamble"))
            try writeAOFBase(named: name)
            logger.notice("Creating AOF base file \(name) on server start")
        }
        let incrName = hadIncr ? manifest.incrs[manifest.incrs.count - 1].name : manifest.newIncrName(prefix: aofPrefix)
        aof.fd = try openAOFIncr(incrName)
        aof.lastIncrSize = try adoptAOFManifest(manifest).lastIncr
        aof.lastFsyncSecond = now / 1000
        logger.notice("\(hadIncr ? "Opening" : "Creating") AOF incr file \(incrName) on server start")
    }

    /// DEBUG LOADAOF: flush, empty the dataset and load the AOF again.
    func debugLoadAOF() -> Bool {
        if aof.status == .on { flushAppendOnlyFile(force: true) }
        databaseWillFlush(nil)
        for db in databases { _ = db.removeAll() }
        do {
            try loadAOFManifestFromDisk()
            deleteAOFHistoryFiles()
            // As 7.0.15: anything but a clean or empty load ends the process (no AOF at all too).
            let result = try loadAppendOnlyFiles()
            if result != .ok && result != .empty { exit(1) }
        } catch {
            logger.warning("\(error)")
            exit(1)
        }
        dirty = 0
        logger.warning("Append Only File loaded by DEBUG LOADAOF")
        return true
    }

    /// At shutdown: what is buffered goes to the file, and to the disk (prepareForShutdown).
    func flushAOFForShutdown() {
        guard aof.status != .off, aof.fd >= 0 else { return }
        flushAppendOnlyFile(force: true)
        logger.notice("Calling fsync() on the AOF file.")
        _ = fdatasync(aof.fd)
    }
}
