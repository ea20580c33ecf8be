import Glibc

// The append-only file's state (Redis's server.aof_*): whether it is on, the open incr file,
// the buffer of propagated commands not yet written, the sizes the automatic rewrite compares,
// fsync bookkeeping and the statistics INFO persistence reports.

enum AOFFsyncPolicy {
    case always, everysec, no

    init(_ text: String) {
        switch text {
        case "always": self = .always
        case "no": self = .no
        default: self = .everysec
        }
    }
}

final class AppendOnlyFile {
    enum Status { case off, on, waitRewrite }

    var status: Status = .off
    /// The incr file commands are appended to, -1 when none is open.
    var fd: Int32 = -1
    /// Commands propagated since the last write (aof_buf); reused, never shrunk below 4 KiB.
    var buffer: [UInt8] = []
    /// The database the file's last SELECT chose; -1 forces a SELECT.
    var selectedDB = -1
    /// Unix seconds of the last `#TS:` annotation (aof_cur_timestamp).
    var annotatedSecond: Int64 = 0

    var manifest = AOFManifest()
    var currentSize: Int64 = 0
    var lastIncrSize: Int64 = 0
    /// aof_current_size right after the last rewrite or load (aof_rewrite_base_size).
    var rewriteBaseSize: Int64 = 0
    var fsyncOffset: Int64 = 0
    var lastFsyncSecond: Int64 = 0
    var flushPostponedSince: Int64 = 0
    var delayedFsyncs = 0
    var lastWriteOK = true
    var lastWriteErrno: Int32 = 0

    var policy = AOFFsyncPolicy.everysec
    var timestampsEnabled = false
    /// While the file is replayed, the commands it runs must not be appended again.
    var loading = false
    /// The AOF's consumer of the propagation stream while the AOF is on (its removal token).
    var consumerToken: Int?

    var rewrites = 0
    var rewriteScheduled = false
    var lastRewriteSeconds: Int64 = -1
    var lastRewriteOK = true
    var consecutiveRewriteFailures = 0
    /// aofRewriteLimited's state: the current delay and when the next attempt may start.
    var rewriteLimitDelayMinutes = 0
    var rewriteLimitNextTime: Int64 = 0
    /// Unix seconds the running rewrite started (aof_rewrite_time_start), -1 when none runs.
    var rewriteStartedAt: Int64 = -1
    /// What the running rewrite's child will have produced the base for.
    var pendingRewrite: PendingAOFRewrite?
    /// The peak copy-on-write of the last successful rewrite (stat_aof_cow_bytes).
    var lastCOWBytes = 0

    let jobs = AOFBackgroundJobs()

    init() { buffer.reserveCapacity(16 * 1024) }
}

/// The manifest a running rewrite switches to, and its new base's name.
struct PendingAOFRewrite {
    var manifest: AOFManifest
    var baseName: String
}

extension Server {
    /// appenddirname under `dir` (the process runs in `dir`).
    var aofDirectory: String { config.string("appenddirname") }
    var aofPrefix: String { config.string("appendfilename") }

    func aofPath(_ name: String) -> String { "\(aofDirectory)/\(name)" }

    /// Reads the directives the AOF acts on into its state.
    func reloadAOFSettings() {
        aof.policy = AOFFsyncPolicy(config.string("appendfsync"))
        aof.timestampsEnabled = config.bool("aof-timestamp-enabled")
    }

    /// The file's size, 0 if it does not exist.
    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }
}
