import CEpoll
import Glibc
import Logging
import Store

// BGSAVE as Redis does it (rdb.c, childinfo.c, server.c's redisFork and checkChildrenDone): a
// fork()ed child writes the snapshot from its copy-on-write view of memory and leaves with _exit,
// reporting its copy-on-write size through a pipe; the parent keeps serving, keeps its tables
// from resizing and defrag from moving records while the child shares its pages, and reaps the
// child from the cron.

extension Server {
    /// SERVER_CHILD_NOERROR_RETVAL: the exit code of a child that was asked to stop (SIGUSR1).
    static let childCancelledExitCode: Int32 = 255

    /// rdbSaveBackground: forks a child that writes `dbfilename`. False if a child already runs
    /// or fork failed.
    func startBackgroundSave(target: RDBChildTarget = .disk) -> Bool {
        guard !persistence.hasActiveChild else { return false }
        persistence.saves += 1
        persistence.dirtyBeforeBackgroundSave = dirty
        persistence.lastBackgroundSaveTry = Int64(time(nil))
        let filename = config.string("dbfilename")
        let pid = forkChild(.rdb)
        if pid == 0 {
            let saved = writeSnapshot(to: filename)
            if saved { sendChildInfo(.rdbCOWSize, keys: 0, processName: "RDB") }
            apus_exit_now(saved ? 0 : 1)
        }
        if pid == -1 {
            persistence.lastBackgroundSaveOK = false
            logger.warning("Can't save in background: fork: \(String(cString: strerror(errno)))")
            return false
        }
        logger.notice("Background saving started by pid \(pid)")
        persistence.saveStartedAt = Int64(time(nil))
        persistence.rdbTarget = target
        return true
    }

    /// What the RDB writer calls after each key (rdbSaveKeyValuePair's end and rdbSaveRio's
    /// every-1024-keys check): rdb-key-save-delay, a testing directive, sleeps that many
    /// microseconds per key (negative: 1 µs with a chance of 1/-n, as debugDelay); in a BGSAVE
    /// child, progress goes to the parent about once a second. Nil when neither applies.
    func keySavedHook() -> ((Int) -> Void)? {
        let delay = config.int("rdb-key-save-delay")
        let inChild = persistence.inForkChild
        guard delay != 0 || inChild else { return nil }
        return { [unowned self] saved in
            if delay > 0 {
                usleep(useconds_t(min(delay, Int64(UInt32.max))))
            } else if delay < 0 && Int64.random(in: 0..<(-delay)) == 0 {
                usleep(1)
            }
            if inChild && saved & 1023 == 1 { self.reportSaveProgress(keysProcessed: saved) }
        }
    }

    /// rdbSave's outcome around the snapshot writer: Redis's log line for success, the writer's
    /// error text for failure. Runs in the child (BGSAVE) or in the server (SAVE, SHUTDOWN).
    func writeSnapshot(to filename: String) -> Bool {
        do {
            if let writer = persistence.snapshotWriter { try writer(filename) } else { try writeRDB(to: filename) }
            persistenceLog(.notice, "DB saved on disk")
            return true
        } catch {
            persistenceLog(.warning, "\(error)")
            return false
        }
    }

    /// rdbSave in the server process (SAVE, SHUTDOWN, FLUSHALL): on success the dataset counts
    /// as saved, and a failed BGSAVE no longer stops writes. SAVE itself also counts in rdb_saves
    /// (`persistence.saves += 1`, as saveCommand); FLUSHALL's and SHUTDOWN's saves do not.
    func saveInForeground() -> Bool {
        guard writeSnapshot(to: config.string("dbfilename")) else { return false }
        dirty = 0
        persistence.lastSave = Int64(time(nil))
        persistence.lastBackgroundSaveOK = true
        return true
    }

    /// Lines of the save path go straight to the log sink: in the child nothing of the parent's
    /// logging machinery should run, and the sink already says 'C' there.
    func persistenceLog(_ level: Logger.Level, _ message: String) {
        guard level >= logger.logLevel else { return }
        RedisLogHandler.sink.write(level >= .warning ? "#" : (level >= .notice ? "*" : "-"), message)
    }

    /// redisFork: the child-info pipe, fork(), and in the parent the fork statistics and the
    /// state that holds while the child shares our pages. Returns 0 in the child, the child's pid
    /// in the parent, -1 (errno set) on failure.
    func forkChild(_ kind: ForkChildKind) -> pid_t {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 || apus_set_nonblocking(fds[0]) != 0 {
            for fd in fds where fd != -1 { close(fd) }
            fds = [-1, -1]
        }
        let start = apus_monotonic_us()
        let pid = pid_t(apus_fork_child(fileno(RedisLogHandler.sink.file)))
        if pid == 0 {
            RedisLogHandler.sink.role = "C"
            persistence.inForkChild = true
            persistence.childKind = kind
            persistence.childInfoWriteFD = fds[1]
            persistence.childCOW = ChildCOWReadings()
            if fds[0] != -1 { close(fds[0]) }
            // A listener held by the child would keep a restarted server from binding.
            for fd in listeners.allFDs { close(fd) }
            setOOMScoreAdj(.backgroundChild)
            return 0
        }
        if pid == -1 {
            let saved = errno
            for fd in fds where fd != -1 { close(fd) }
            errno = saved
            return -1
        }
        if fds[1] != -1 { close(fds[1]) }
        persistence.childInfoFD = fds[0]
        persistence.totalForks += 1
        persistence.lastForkMicroseconds = apus_monotonic_us() - start
        persistence.forkRateGBPerSecond = Double(MemoryFigures.current().used) * 1_000_000
            / Double(max(persistence.lastForkMicroseconds, 1)) / Double(1 << 30)
        latency.addSampleIfNeeded("fork", milliseconds: persistence.lastForkMicroseconds / 1000,
                                  threshold: settings.latencyMonitorThreshold)
        persistence.childPID = pid
        persistence.childKind = kind
        persistence.currentCOWPeak = 0
        persistence.currentCOWBytes = 0
        persistence.currentCOWUpdated = 0
        persistence.currentSaveKeysProcessed = 0
        persistence.currentSaveKeysTotal = databases.reduce(0) { $0 + $1.count }
        updateDictResizePolicy()
        return pid
    }

    /// updateDictResizePolicy: no table resizes while a child shares our pages (a resize would
    /// copy every page of the old and new tables).
    func updateDictResizePolicy() {
        DictResizePolicy.allowed = !persistence.hasActiveChild
    }

    /// checkChildrenDone, from the cron while a child runs.
    func checkChildDone() {
        var exitCode: Int32 = -1
        var bySignal: Int32 = 0
        let pid = pid_t(apus_wait_child(&exitCode, &bySignal))
        guard pid != 0 else { return }
        // The child's SIGUSR1 handler exits with this code: cancelled, not failed.
        if exitCode == Server.childCancelledExitCode {
            bySignal = APUS_SIGUSR1
            exitCode = 1
        }
        if pid == -1 {
            logger.warning("waitpid() returned an error: \(String(cString: strerror(errno))). child_type: \(persistence.childKind == .aof ? "AOF" : "RDB"), child_pid = \(persistence.childPID)")
            return
        }
        guard pid == persistence.childPID else {
            logger.warning("Warning, detected child with unmatched pid: \(pid)")
            return
        }
        if bySignal == 0 && exitCode == 0 { receiveChildInfo() }
        if persistence.childKind == .aof {
            backgroundRewriteDone(exitCode: exitCode, bySignal: bySignal, childPID: pid)
        } else {
            backgroundSaveDone(exitCode: exitCode, bySignal: bySignal)
        }
        resetChildState()
        // A BGSAVE for replication that had to wait for this child.
        if !replication.replicas.isEmpty { startPendingReplicationSave() }
    }

    /// backgroundSaveDoneHandler: the disk or socket handler, then the replicas waiting on it.
    private func backgroundSaveDone(exitCode: Int32, bySignal: Int32) {
        if persistence.rdbTarget == .sockets {
            disklessSaveDone(exitCode: exitCode, bySignal: bySignal)
        } else {
            backgroundSaveToDiskDone(exitCode: exitCode, bySignal: bySignal)
            replicasBackgroundSaveDone(ok: exitCode == 0 && bySignal == 0)
        }
    }

    /// backgroundSaveDoneHandlerDisk.
    private func backgroundSaveToDiskDone(exitCode: Int32, bySignal: Int32) {
        if bySignal == 0 && exitCode == 0 {
            logger.notice("Background saving terminated with success")
            dirty -= persistence.dirtyBeforeBackgroundSave
            persistence.lastSave = Int64(time(nil))
            persistence.lastBackgroundSaveOK = true
        } else if bySignal == 0 {
            logger.warning("Background saving error")
            persistence.lastBackgroundSaveOK = false
        } else {
            logger.warning("Background saving terminated by signal \(bySignal)")
            removeTempFile(of: persistence.childPID)
            // SIGUSR1 is how we stop a child ourselves: no error condition.
            if bySignal != APUS_SIGUSR1 { persistence.lastBackgroundSaveOK = false }
        }
        persistence.lastSaveDuration = Int64(time(nil)) - persistence.saveStartedAt
        persistence.saveStartedAt = -1
    }

    /// resetChildState.
    func resetChildState() {
        persistence.childPID = -1
        persistence.childKind = nil
        persistence.currentCOWPeak = 0
        persistence.currentCOWBytes = 0
        persistence.currentCOWUpdated = 0
        persistence.currentSaveKeysProcessed = 0
        persistence.currentSaveKeysTotal = 0
        updateDictResizePolicy()
        if persistence.childInfoFD != -1 {
            close(persistence.childInfoFD)
            persistence.childInfoFD = -1
        }
    }

    /// killRDBChild: SIGUSR1; the cron reaps it and removes its temp file.
    func killBackgroundSaveChild() {
        guard persistence.childKind == .rdb else { return }
        kill(persistence.childPID, APUS_SIGUSR1)
    }

    /// rdbRemoveTempFile: the temp file a saving process writes before renaming it (the
    /// snapshot writer names it "temp-<pid>.rdb" after its process, as Redis).
    func removeTempFile(of pid: pid_t) {
        let start = apus_monotonic_us()
        unlink("temp-\(pid).rdb")
        latency.addSampleIfNeeded("rdb-unlink-temp-file", milliseconds: (apus_monotonic_us() - start) / 1000,
                                  threshold: settings.latencyMonitorThreshold)
    }

    // MARK: the child-info pipe

    /// sendChildInfoGeneric, in the child: reads its private dirty memory (at most once per 100
    /// times what a reading costs, except for the final report), logs "Fork CoW" and writes a
    /// message to the parent. A child whose parent is gone leaves.
    func sendChildInfo(_ kind: ChildInfoMessage.Kind, keys: Int, processName: String) {
        guard persistence.childInfoWriteFD != -1 else { return }
        let start = apus_monotonic_us()
        var readings = persistence.childCOW
        if kind != .currentInfo || readings.updated == 0 || start - readings.updated > readings.cost * 100 {
            readings.current = apus_private_dirty_bytes()
            readings.updated = apus_monotonic_us()
            readings.cost = readings.updated - start
            readings.peak = max(readings.peak, readings.current)
            readings.sum += readings.current
            readings.count += 1
            let final = kind != .currentInfo
            if readings.current > 0 || final {
                persistenceLog(final ? .notice : .info,
                               "Fork CoW for \(processName): current \(readings.current >> 20) MB, peak \(readings.peak >> 20) MB, average \((readings.sum / readings.count) >> 20) MB")
            }
            persistence.childCOW = readings
        }
        var message = ChildInfoMessage(keys: keys, cow: readings.current, cowUpdated: readings.updated, kind: kind.rawValue)
        let size = MemoryLayout<ChildInfoMessage>.size
        let written = withUnsafeBytes(of: &message) { write(persistence.childInfoWriteFD, $0.baseAddress, size) }
        if written != size {
            persistenceLog(.warning, "Child failed reporting info to parent, exiting. \(String(cString: strerror(errno)))")
            apus_exit_now(1)
        }
    }

    /// For the snapshot writer, in the child, every so many keys: the progress INFO shows as
    /// current_save_keys_processed and current_cow_size, about once a second (rdbSaveRio).
    func reportSaveProgress(keysProcessed: Int) {
        guard persistence.inForkChild else { return }
        let nowMicroseconds = apus_monotonic_us()
        guard nowMicroseconds - persistence.childCOW.updated >= 1_000_000 else { return }
        sendChildInfo(.currentInfo, keys: keysProcessed, processName: persistence.childKind == .aof ? "AOF rewrite" : "RDB")
    }

    /// receiveChildInfo: every message the child has sent so far (updateChildInfo).
    func receiveChildInfo() {
        guard persistence.childInfoFD != -1 else { return }
        let size = MemoryLayout<ChildInfoMessage>.size
        while true {
            var message = ChildInfoMessage()
            let got = withUnsafeMutableBytes(of: &message) { read(persistence.childInfoFD, $0.baseAddress, size) }
            guard got == size, message.magic == ChildInfoMessage.magic,
                  let kind = ChildInfoMessage.Kind(rawValue: message.kind) else { return }
            if message.cow > persistence.currentCOWPeak { persistence.currentCOWPeak = message.cow }
            switch kind {
            case .currentInfo:
                persistence.currentCOWBytes = message.cow
                persistence.currentCOWUpdated = message.cowUpdated
                persistence.currentSaveKeysProcessed = message.keys
            case .rdbCOWSize:
                persistence.lastRDBCOWBytes = persistence.currentCOWPeak
            case .aofCOWSize:
                aof.lastCOWBytes = persistence.currentCOWPeak
            }
        }
    }
}
