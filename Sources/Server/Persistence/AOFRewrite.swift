import CEpoll
import Glibc

// rewriteAppendOnlyFileBackground (aof.c, 7.0): a new incr file is opened first and the
// manifest records it, so writes from then on land there; then a forked child writes the base
// from its copy-on-write view of the dataset — an RDB (aof-use-rdb-preamble yes, through
// writeRDB) or commands — to temp-rewriteaof-bg-<pid>.aof. When the cron reaps it, the parent
// renames the temp file to the new base and switches the manifest to it, turning the old base
// and incr files into history, which is deleted (backgroundRewriteDoneHandler).

extension Server {
    /// Starts a background rewrite; false (and the failure counted and logged) if it could not.
    @discardableResult
    func rewriteAppendOnlyFile() -> Bool {
        guard !persistence.hasActiveChild else { return false }
        do {
            try ensureAOFDirectory()
            if aof.fd >= 0 { flushAppendOnlyFile(force: true) }
            // Commands from before a scheduled first rewrite are in the dataset the base holds.
            if aof.status == .waitRewrite && aof.fd < 0 { aof.buffer.removeAll(keepingCapacity: true) }
            var manifest = aof.manifest
            if aof.status != .off { try openNewAOFIncr(&manifest) }
            // Only the incr file just opened stays; with the AOF off or being turned on, none does.
            manifest.markRewrittenIncrsAsHistory(keepingNewest: aof.status == .on)
            let baseName = manifest.newBaseName(prefix: aofPrefix, rdb: config.bool("aof-use-rdb-preamble"))
            // stat_aof_rewrites counts rewrites started, as Redis.
            aof.rewrites += 1
            let pid = forkChild(.aof)
            if pid == 0 {
                let written = writeAOFBaseInChild(rdb: baseName.hasSuffix(".rdb"))
                if written { sendChildInfo(.aofCOWSize, keys: 0, processName: "AOF rewrite") }
                apus_exit_now(written ? 0 : 1)
            }
            if pid == -1 {
                throw AOFError("Can't rewrite append only file in background: fork: \(String(cString: strerror(errno)))")
            }
            logger.notice("Background append only file rewriting started by pid \(pid)")
            aof.pendingRewrite = PendingAOFRewrite(manifest: manifest, baseName: baseName)
            aof.rewriteStartedAt = Int64(time(nil))
            return true
        } catch {
            logger.warning("\(error)")
            abandonTemporaryIncr()
            aof.lastRewriteOK = false
            aof.consecutiveRewriteFailures += 1
            return false
        }
    }

    /// While the AOF is being turned on, a rewrite that did not produce a base leaves no AOF:
    /// the temporary incr file goes.
    private func abandonTemporaryIncr() {
        guard aof.status == .waitRewrite && aof.fd >= 0 else { return }
        close(aof.fd)
        aof.fd = -1
        unlink(aofPath(temporaryIncrName))
    }

    /// The child's part (rewriteAppendOnlyFile): the base into its temp file, fsynced.
    private func writeAOFBaseInChild(rdb: Bool) -> Bool {
        let temp = Server.aofRewriteTempName(getpid())
        if rdb {
            do {
                try writeRDB(to: temp, aofBase: true)
            } catch {
                persistenceLog(.warning, "\(error)")
                return false
            }
        } else {
            let fd = open(temp, O_WRONLY | O_TRUNC | O_CREAT, 0o644)
            guard fd >= 0 else {
                persistenceLog(.warning, "Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): \(String(cString: strerror(errno)))")
                return false
            }
            let failure = writeAOFCommandBase(to: fd)
            if failure != 0 || fsync(fd) == -1 {
                let code = failure != 0 ? failure : errno
                close(fd)
                unlink(temp)
                persistenceLog(.warning, "Write error writing append only file on disk: \(String(cString: strerror(code)))")
                return false
            }
            close(fd)
        }
        persistenceLog(.notice, "Successfully created the temporary AOF base file \(temp)")
        return true
    }

    /// The temp file a rewrite child writes its base to, in `dir` (as Redis).
    static func aofRewriteTempName(_ pid: pid_t) -> String { "temp-rewriteaof-bg-\(pid).aof" }

    /// aofRemoveTempFile: the child's base and, for an RDB base, the file the RDB writer was
    /// still writing when the child stopped.
    func removeAOFRewriteTempFiles(of pid: pid_t) {
        unlink(Server.aofRewriteTempName(pid))
        removeTempFile(of: pid)
    }

    /// backgroundRewriteDoneHandler, from checkChildDone.
    func backgroundRewriteDone(exitCode: Int32, bySignal: Int32, childPID: pid_t) {
        let pending = aof.pendingRewrite
        aof.pendingRewrite = nil
        if aof.rewriteStartedAt >= 0 { aof.lastRewriteSeconds = Int64(time(nil)) - aof.rewriteStartedAt }
        aof.rewriteStartedAt = -1
        let temp = Server.aofRewriteTempName(childPID)
        if bySignal == 0 && exitCode == 0, let pending {
            logger.notice("Background AOF rewrite terminated with success")
            do {
                try installRewrittenAOF(pending, temp: temp)
                aof.lastRewriteOK = true
                aof.consecutiveRewriteFailures = 0
                logger.notice("Background AOF rewrite finished successfully")
                return
            } catch {
                logger.warning("\(error)")
            }
        } else if bySignal == 0 {
            logger.warning("Background AOF rewrite terminated with error")
        } else if bySignal != APUS_SIGUSR1 {
            logger.warning("Background AOF rewrite terminated by signal \(bySignal)")
        }
        removeAOFRewriteTempFiles(of: childPID)
        // SIGUSR1 is how we stop a child ourselves: no error condition.
        if bySignal != APUS_SIGUSR1 {
            aof.lastRewriteOK = false
            aof.consecutiveRewriteFailures += 1
        }
        // Waiting to turn the AOF on: the cron tries again; writes keep gathering in the
        // temporary incr file, which the next rewrite starts afresh.
        if aof.status == .waitRewrite { aof.rewriteScheduled = true }
    }

    /// The parent's half of a successful rewrite: the base renamed into place, the manifest
    /// switched to it, the history deleted.
    private func installRewrittenAOF(_ pending: PendingAOFRewrite, temp: String) throws {
        let baseName = pending.baseName
        var manifest = pending.manifest
        let renameStart = apus_monotonic_us()
        defer {
            latency.addSampleIfNeeded("aof-rename", milliseconds: (apus_monotonic_us() - renameStart) / 1000,
                                      threshold: settings.latencyMonitorThreshold)
        }
        if rename(temp, aofPath(baseName)) == -1 {
            let code = errno
            throw AOFError("Error trying to rename the temporary AOF base file \(temp) into \(baseName): \(String(cString: strerror(code)))")
        }
        logger.notice("Successfully renamed the temporary AOF base file \(temp) into \(baseName)")
        if aof.status == .waitRewrite {
            let incrName = manifest.newIncrName(prefix: aofPrefix)
            if rename(aofPath(temporaryIncrName), aofPath(incrName)) == -1 {
                let code = errno
                unlink(aofPath(baseName))
                throw AOFError("Error trying to rename the temporary AOF incr file \(temporaryIncrName) into \(incrName): \(String(cString: strerror(code)))")
            }
            logger.notice("Successfully renamed the temporary AOF incr file \(temporaryIncrName) into \(incrName)")
        }
        fsyncDirectory(aofDirectory)
        try adoptAOFManifest(manifest)
        if aof.status == .waitRewrite {
            aof.status = .on
            aof.lastFsyncSecond = now / 1000
        }
        deleteAOFHistoryFiles()
    }

    /// killAppendOnlyChild: stops a running rewrite at once, waiting for the child, and removes
    /// its temp file.
    func killAppendOnlyChild() {
        guard persistence.childKind == .aof else { return }
        let pid = persistence.childPID
        logger.notice("Killing running AOF rewrite child: \(pid)")
        if kill(pid, APUS_SIGUSR1) != -1 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
        removeAOFRewriteTempFiles(of: pid)
        aof.pendingRewrite = nil
        aof.rewriteStartedAt = -1
        resetChildState()
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

    /// The base file `name` in the AOF directory, from the current dataset, written in this
    /// process (the first base at start-up, createBaseFile).
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

    /// startAppendOnly (CONFIG SET appendonly yes): a rewrite creates the base; the AOF is on
    /// once the cron has reaped the child and installed it.
    func startAppendOnly() -> Bool {
        reloadAOFSettings()
        installAOFConsumer()
        aof.status = .waitRewrite
        if persistence.hasActiveChild && persistence.childKind != .aof {
            aof.rewriteScheduled = true
            logger.warning("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.")
        } else if executionDepth > 1 {
            aof.rewriteScheduled = true
            logger.warning("AOF was enabled during a transaction. An AOF background was scheduled to start when possible.")
        } else {
            if persistence.childKind == .aof {
                logger.warning("AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.")
                killAppendOnlyChild()
            }
            if !rewriteAppendOnlyFile() {
                aof.status = .off
                logger.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.")
                return false
            }
        }
        aof.lastFsyncSecond = now / 1000
        return true
    }

    /// stopAppendOnly (CONFIG SET appendonly no): flush, fsync and close the file.
    func stopAppendOnly() {
        guard aof.status != .off else { return }
        flushAppendOnlyFile(force: true)
        // The rewrite's base would belong to an AOF that no longer exists.
        killAppendOnlyChild()
        if aof.fd >= 0 {
            _ = fdatasync(aof.fd)
            close(aof.fd)
        }
        aof.fd = -1
        aof.selectedDB = -1
        aof.status = .off
        aof.rewriteScheduled = false
        aof.buffer.removeAll(keepingCapacity: true)
        // With the AOF off, writes are no longer even encoded for it.
        if let token = aof.consumerToken {
            propagation.removeConsumer(token)
            aof.consumerToken = nil
        }
    }
}
