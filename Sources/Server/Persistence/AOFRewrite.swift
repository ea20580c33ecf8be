import CEpoll
import Glibc

// rewriteAppendOnlyFileBackground (aof.c, 7.0): a new incr file is opened first and the
// manifest records it, so writes from then on land there; then the base is written from the
// dataset — an RDB (aof-use-rdb-preamble yes, through writeRDB) or commands — and the manifest
// switches to it, turning the old base and incr files into history, which is deleted.
//
// Apus writes the base synchronously in the parent (no fork() helper exists yet), so the loop
// stops for the duration of the rewrite; the file layout and the manifest's transitions are
// Redis's.

extension Server {
    /// Rewrites the AOF now; false (and the failure counted and logged) if it failed.
    @discardableResult
    func rewriteAppendOnlyFile() -> Bool {
        let started = apus_wall_us()
        do {
            try performAOFRewrite()
            aof.lastRewriteOK = true
            aof.consecutiveRewriteFailures = 0
            aof.rewrites += 1
            aof.lastRewriteSeconds = (apus_wall_us() - started) / 1_000_000
            logger.notice("Background AOF rewrite finished successfully")
            return true
        } catch {
            logger.warning("\(error)")
            logger.warning("Background AOF rewrite terminated with error")
            if aof.status == .waitRewrite && aof.fd >= 0 {
                close(aof.fd)
                aof.fd = -1
                unlink(aofPath(temporaryIncrName))
            }
            aof.lastRewriteOK = false
            aof.consecutiveRewriteFailures += 1
            aof.lastRewriteSeconds = (apus_wall_us() - started) / 1_000_000
            return false
        }
    }

    private func performAOFRewrite() throws {
        try ensureAOFDirectory()
        if aof.fd >= 0 { flushAppendOnlyFile(force: true) }
        var manifest = aof.manifest
        if aof.status != .off { try openNewAOFIncr(&manifest) }
        logger.notice("Background append only file rewriting started by pid \(getpid())")

        // Only the incr file just opened stays; with the AOF off or being turned on, none does.
        manifest.markRewrittenIncrsAsHistory(keepingNewest: aof.status == .on)
        let baseName = manifest.newBaseName(prefix: aofPrefix, rdb: config.bool("aof-use-rdb-preamble"))
        try writeAOFBase(named: baseName)
        if aof.status == .waitRewrite {
            let incrName = manifest.newIncrName(prefix: aofPrefix)
            if rename(aofPath(temporaryIncrName), aofPath(incrName)) == -1 {
                throw AOFError("Error trying to rename the temporary AOF incr file \(temporaryIncrName) into \(incrName): \(String(cString: strerror(errno)))")
            }
            logger.notice("Successfully renamed the temporary AOF incr file \(temporaryIncrName) into \(incrName)")
        }
        try persistAOFManifest(manifest)
        aof.manifest = manifest
        let sizes = aofFilesSize(manifest)
        aof.currentSize = sizes.total
        aof.rewriteBaseSize = sizes.total
        aof.fsyncOffset = sizes.total
        if aof.status == .waitRewrite {
            aof.status = .on
        }
        deleteAOFHistoryFiles()
    }

    /// openNewIncrAofForAppend: from here on, new writes go to the new incr file.
    /// While the AOF is being turned on, writes gather in a temporary incr file that the manifest
    /// names only once the base exists, so a failed rewrite leaves no AOF without its base.
    private func openNewAOFIncr(_ manifest: inout AOFManifest) throws {
        let waiting = aof.status == .waitRewrite
        let incrName = waiting ? temporaryIncrName : manifest.newIncrName(prefix: aofPrefix)
        let newFD = try openAOFIncr(incrName, truncating: true)
        if !waiting {
            do {
                try persistAOFManifest(manifest)
            } catch {
                close(newFD)
                unlink(aofPath(incrName))
                throw error
            }
            aof.manifest = manifest
        }
        logger.notice("Creating AOF incr file \(incrName) on background rewrite")
        if aof.fd >= 0 { aof.jobs.close(aof.fd) }
        aof.fd = newFD
        aof.selectedDB = -1
        aof.lastIncrSize = 0
    }

    /// getTempIncrAofName.
    var temporaryIncrName: String { "temp-\(aofPrefix).incr" }

    /// The base file `name` in the AOF directory, from the current dataset.
    func writeAOFBase(named name: String) throws {
        let path = aofPath(name)
        if name.hasSuffix(".rdb") {
            try writeRDB(to: path, aofBase: true)
            logger.notice("Background AOF rewrite terminated with success")
            return
        }
        let temp = "temp-rewriteaof-bg-\(getpid()).aof"
        let fd = open(temp, O_WRONLY | O_TRUNC | O_CREAT, 0o644)
        guard fd >= 0 else {
            throw AOFError("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): \(String(cString: strerror(errno)))")
        }
        let failure = writeAOFCommandBase(to: fd)
        if failure != 0 || fsync(fd) == -1 {
            let code = failure != 0 ? failure : errno
            close(fd)
            unlink(temp)
            throw AOFError("Write error writing append only file on disk: \(String(cString: strerror(code)))")
        }
        close(fd)
        logger.notice("Successfully created the temporary AOF base file \(temp)")
        logger.notice("Background AOF rewrite terminated with success")
        if rename(temp, path) == -1 {
            let code = errno
            unlink(temp)
            throw AOFError("Error trying to rename the temporary AOF base file \(temp) into \(name): \(String(cString: strerror(code)))")
        }
        fsyncDirectory(aofDirectory)
        logger.notice("Successfully renamed the temporary AOF base file \(temp) into \(name)")
    }

    /// startAppendOnly (CONFIG SET appendonly yes): a rewrite creates the base, then the AOF is on.
    func startAppendOnly() -> Bool {
        reloadAOFSettings()
        installAOFConsumer()
        aof.status = .waitRewrite
        if !rewriteAppendOnlyFile() {
            aof.status = .off
            logger.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.")
            return false
        }
        aof.status = .on
        aof.lastFsyncSecond = now / 1000
        return true
    }

    /// stopAppendOnly (CONFIG SET appendonly no): flush, fsync and close the file.
    func stopAppendOnly() {
        guard aof.status != .off else { return }
        flushAppendOnlyFile(force: true)
        if aof.fd >= 0 {
            _ = fdatasync(aof.fd)
            close(aof.fd)
        }
        aof.fd = -1
        aof.selectedDB = -1
        aof.status = .off
        aof.rewriteScheduled = false
        aof.buffer.removeAll(keepingCapacity: true)
    }
}
