import Glibc

// What the server knows about its snapshots and its forked child (Redis's server.lastsave,
// lastbgsave_status, child_pid, stat_rdb_cow_bytes, ...): read by INFO persistence, the cron's
// save points, stop-writes-on-bgsave-error and shutdown.

/// Why a child process was forked (Redis's child_type). One child at a time.
enum ForkChildKind {
    case rdb
    case aof
}

struct PersistenceState {
    /// The running child, if any (child_pid, child_type).
    var childPID: pid_t = -1
    var childKind: ForkChildKind?
    /// Read end of the pipe the child reports copy-on-write sizes through (child_info_pipe[0]).
    var childInfoFD: Int32 = -1
    /// Where the running RDB child writes (rdb_child_type).
    var rdbTarget: RDBChildTarget = .disk

    /// Unix seconds of the last successful save; start-up counts as one (lastsave).
    var lastSave = Int64(time(nil))
    /// Unix seconds of the last BGSAVE attempt (lastbgsave_try), for the retry delay.
    var lastBackgroundSaveTry: Int64 = 0
    /// Whether the last save succeeded (lastbgsave_status): false makes
    /// stop-writes-on-bgsave-error refuse writes.
    var lastBackgroundSaveOK = true
    /// `dirty` when the child was forked: what the child's snapshot covers (dirty_before_bgsave).
    var dirtyBeforeBackgroundSave: Int64 = 0
    /// BGSAVE SCHEDULE (or BGSAVE inside EXEC) waiting for the cron (rdb_bgsave_scheduled).
    var backgroundSaveScheduled = false
    /// Unix seconds the running save started (rdb_save_time_start), -1 when none runs.
    var saveStartedAt: Int64 = -1
    /// Seconds the last background save took (rdb_save_time_last), -1 before the first.
    var lastSaveDuration: Int64 = -1
    /// SAVEs and BGSAVEs started (stat_rdb_saves).
    var saves: Int64 = 0

    /// Copy-on-write as the child last reported it (stat_current_cow_*), reset per child.
    var currentCOWPeak = 0
    var currentCOWBytes = 0
    /// Monotonic microseconds of that report, 0 before one.
    var currentCOWUpdated: Int64 = 0
    var currentSaveKeysProcessed = 0
    var currentSaveKeysTotal = 0
    /// The peak copy-on-write of the last successful BGSAVE (stat_rdb_cow_bytes).
    var lastRDBCOWBytes = 0

    /// Microseconds the last fork() took (stat_fork_time) and forks so far (stat_total_forks).
    var lastForkMicroseconds: Int64 = 0
    /// stat_fork_rate: used memory copied per second of fork(), in GB/s.
    var forkRateGBPerSecond: Double = 0
    var totalForks: Int64 = 0

    /// The `save` points, parsed (saveparams), and stop-writes-on-bgsave-error, kept current by
    /// CONFIG SET hooks.
    var savePoints: [SavePoint] = []
    var stopWritesOnError = true

    /// In the forked child: the pipe's write end and the copy-on-write readings so far.
    var inForkChild = false
    var childInfoWriteFD: Int32 = -1
    var childCOW = ChildCOWReadings()

    /// Replaces Server.writeRDB(to:) for tests of the process side; nil in production.
    var snapshotWriter: ((String) throws -> Void)?

    var hasActiveChild: Bool { childPID != -1 }
    /// The one test processCommand makes: only a failed save can deny writes.
    var writesMayBeDenied: Bool { !lastBackgroundSaveOK }
}

/// What the child sends through the child-info pipe (childinfo.c's child_info_data).
struct ChildInfoMessage {
    enum Kind: Int32 {
        /// Progress while saving: keys done and the copy-on-write so far.
        case currentInfo = 0
        /// The save is done: the parent keeps the peak as rdb_last_cow_size.
        case rdbCOWSize = 1
        /// The rewrite is done: the parent keeps the peak as aof_last_cow_size.
        case aofCOWSize = 2
    }

    var keys: Int = 0
    var cow: Int = 0
    var cowUpdated: Int64 = 0
    var kind: Int32 = 0
    var magic: Int32 = ChildInfoMessage.magic

    static let magic: Int32 = 0x0C0D_1F0F
}

/// The child's own copy-on-write readings, for its "Fork CoW" line (sendChildInfoGeneric's statics).
struct ChildCOWReadings {
    var current = 0
    var peak = 0
    var sum = 0
    var count = 0
    /// Monotonic microseconds of the last reading, and what taking it cost.
    var updated: Int64 = 0
    var cost: Int64 = 0
}
