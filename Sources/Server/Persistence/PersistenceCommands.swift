import CEpoll
import Glibc
import Util

// BGSAVE and LASTSAVE, SAVE's refusal while a BGSAVE runs, stop-writes-on-bgsave-error for
// processCommand, FLUSHALL's reset of the snapshot, the persistence part of the cron, and INFO
// persistence's snapshot fields.

enum PersistenceCommands {
    static let handlers: [String: CommandHandler] = ["bgsave": bgsave, "lastsave": lastsave]

    /// BGSAVE [SCHEDULE] (bgsaveCommand).
    static func bgsave(_ c: Client) {
        var schedule = false
        if c.argumentCount > 1 {
            guard c.argumentCount == 2, c.argIs(1, "schedule") else {
                c.error(ErrorText.syntax)
                return
            }
            schedule = true
        }
        let server = c.server
        // Inside EXEC the fork would snapshot a half-applied transaction: it waits for the cron.
        let inExec = server.executionDepth > 1
        if server.persistence.childKind == .rdb {
            c.error(ErrorText.bgsaveInProgress)
        } else if server.persistence.hasActiveChild || inExec {
            if schedule || inExec {
                server.persistence.backgroundSaveScheduled = true
                c.reply.simple("Background saving scheduled" as StaticString)
            } else {
                c.error(ErrorText.bgsaveOtherChild)
            }
        } else if server.startBackgroundSave() {
            c.reply.simple("Background saving started" as StaticString)
        } else {
            c.error(ErrorText.genericError)
        }
    }

    static func lastsave(_ c: Client) {
        c.reply.integer(c.server.persistence.lastSave)
    }
}

extension Server {
    /// SAVE's first check (saveCommand): answers the error and returns true while a BGSAVE runs.
    func refuseSaveDuringBackgroundSave(_ client: Client) -> Bool {
        guard persistence.childKind == .rdb else { return false }
        client.error(ErrorText.bgsaveInProgress)
        return true
    }

    /// writeCommandsDeniedByDiskError for processCommand, called once `writesMayBeDenied`: the
    /// MISCONF text when a failed BGSAVE stops this command (a write, an EXEC queueing one, or
    /// PING), nil when it may run. Commands from the AOF or a master are obeyed regardless.
    func diskErrorDenial(_ command: Command, _ client: Client) -> String? {
        guard persistence.stopWritesOnError, !persistence.savePoints.isEmpty, !persistence.lastBackgroundSaveOK,
              !client.isFake, !client.flags.contains(.master) else { return nil }
        let isWrite = command.flags.contains(.write)
            || (command.isExec && (client.transaction?.commands.contains { $0.command.flags.contains(.write) } ?? false))
        return isWrite || command.fullName == "ping" ? ErrorText.bgsaveError : nil
    }

    /// FLUSHALL's persistence part (7.0.15), after it emptied the databases and counted the
    /// removed keys as changes: a running BGSAVE is stopped and, with save points, the empty
    /// dataset is saved at once, leaving no unsaved changes. FLUSHALL propagates whether or not
    /// `dirty` moved (forceCommandPropagation).
    func resetSnapshotAfterFlushAll(_ client: Client) {
        if persistence.childKind == .rdb { killBackgroundSaveChild() }
        if !persistence.savePoints.isEmpty { _ = saveInForeground() }
        client.preventPropagation()
        client.alsoPropagate(count: client.argumentCount) { arguments in
            for index in 0..<client.argumentCount { arguments.append(client.arg(index)) }
        }
    }

    /// serverCron's part: reap a finished child (reading what it reported), or start a BGSAVE
    /// that a save point or BGSAVE SCHEDULE asks for.
    func persistenceCron() {
        if persistence.hasActiveChild {
            receiveChildInfo()
            checkChildDone()
        } else {
            startDueBackgroundSave()
        }
        updateDictResizePolicy()
    }

    /// The snapshot lines of INFO persistence, from current_cow_peak to rdb_last_cow_size.
    func snapshotInfoFields(_ add: (String, Any) -> Void) {
        let state = persistence
        add("current_cow_peak", state.currentCOWPeak)
        add("current_cow_size", state.currentCOWBytes)
        add("current_cow_size_age", state.currentCOWUpdated == 0 ? 0 : (apus_monotonic_us() - state.currentCOWUpdated) / 1_000_000)
        let forkPercent = state.currentSaveKeysTotal == 0 ? 0
            : Double(state.currentSaveKeysProcessed) / Double(state.currentSaveKeysTotal) * 100
        add("current_fork_perc", fixedPointString(forkPercent, digits: 2))
        add("current_save_keys_processed", state.currentSaveKeysProcessed)
        add("current_save_keys_total", state.currentSaveKeysTotal)
        add("rdb_changes_since_last_save", dirty)
        add("rdb_bgsave_in_progress", state.childKind == .rdb ? 1 : 0)
        add("rdb_last_save_time", state.lastSave)
        add("rdb_last_bgsave_status", state.lastBackgroundSaveOK ? "ok" : "err")
        add("rdb_last_bgsave_time_sec", state.lastSaveDuration)
        add("rdb_current_bgsave_time_sec", state.childKind == .rdb ? Int64(time(nil)) - state.saveStartedAt : -1)
        add("rdb_saves", state.saves)
        add("rdb_last_cow_size", state.lastRDBCOWBytes)
    }
}
