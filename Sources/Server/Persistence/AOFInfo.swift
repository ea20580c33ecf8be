import Glibc

// INFO persistence's aof_* fields, in 7.0.15's order and spelling.

extension Server {
    func aofInfoFields() -> [(String, Any)] {
        [("aof_enabled", aof.status != .off ? 1 : 0),
         ("aof_rewrite_in_progress", persistence.childKind == .aof ? 1 : 0),
         ("aof_rewrite_scheduled", aof.rewriteScheduled ? 1 : 0),
         ("aof_last_rewrite_time_sec", aof.lastRewriteSeconds),
         ("aof_current_rewrite_time_sec", aof.rewriteStartedAt >= 0 ? Int64(time(nil)) - aof.rewriteStartedAt : -1),
         ("aof_last_bgrewrite_status", aof.lastRewriteOK ? "ok" : "err"),
         ("aof_rewrites", aof.rewrites),
         ("aof_rewrites_consecutive_failures", aof.consecutiveRewriteFailures),
         ("aof_last_write_status", aof.lastWriteOK ? "ok" : "err"),
         ("aof_last_cow_size", aof.lastCOWBytes)]
    }

    /// Only while the AOF is on, after module_fork_last_cow_size.
    func aofEnabledInfoFields() -> [(String, Any)] {
        guard aof.status != .off else { return [] }
        return [("aof_current_size", aof.currentSize),
                ("aof_base_size", aof.rewriteBaseSize),
                ("aof_pending_rewrite", aof.rewriteScheduled ? 1 : 0),
                ("aof_buffer_length", aof.buffer.count),
                ("aof_pending_bio_fsync", aof.jobs.pendingFsyncs),
                ("aof_delayed_fsync", aof.delayedFsyncs)]
    }
}

extension Server {
    /// The MISCONF error while the last AOF write failed, for writes and PING.
    func aofWriteRefusal(_ command: Command) -> String? {
        guard aof.status != .off, command.flags.contains(.write) || command.fullName == "ping" else { return nil }
        return "MISCONF Errors writing to the AOF file: \(String(cString: strerror(aof.lastWriteErrno)))"
    }
}
