// Switches that only DEBUG turns, for tests of the server itself (Redis keeps them as loose
// fields of `server`). None is a configuration directive; all start as Redis starts them.

struct DebugSettings {
    /// DEBUG AOF-FLUSH-SLEEP: microseconds to sleep before each AOF write (aof_flush_sleep).
    var aofFlushSleepMicroseconds: Int32 = 0
    /// DEBUG SET-SKIP-CHECKSUM-VALIDATION: RDB loads and RESTORE accept any CRC64.
    var skipChecksumValidation = false
    /// DEBUG PAUSE-CRON: the cron refreshes the clock and does nothing else.
    var pauseCron = false
    /// DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call noscript commands.
    var scriptDisableDenyScript = false
    /// DEBUG DROP-CLUSTER-PACKET-FILTER: kept for the cluster bus, which is disabled here.
    var clusterDropPacketFilter = -1
    /// DEBUG REPLYBUFFER PEAK-RESET-TIME in milliseconds (-1: never) and RESIZING. Apus's reply
    /// buffers are fixed 16 KiB chunks that are never resized, so these are kept and reported
    /// only; they change nothing.
    static let defaultReplyBufferPeakResetTime = 5000
    var replyBufferPeakResetTime = DebugSettings.defaultReplyBufferPeakResetTime
    var replyBufferResizing = true
}
