import Glibc
import Persistence
import Reactor
import Util

// Redis's loading state (server.loading, loading_start_time, loading_total_bytes,
// loading_rdb_used_mem, loading_loaded_bytes) and the last load's key counts: processCommand
// answers -LOADING while it is set, CONFIG SET refuses deny-loading parameters, and INFO
// persistence shows the progress.

struct LoadingState {
    /// server.loading: set from startLoading to stopLoading.
    var isActive = false
    /// Unix seconds when the load started (loading_start_time).
    var startTime: Int64 = 0
    var totalBytes = 0
    /// The used-mem AUX field of the RDB being loaded, 0 until read (loading_rdb_used_mem).
    var rdbUsedMemory = 0
    var loadedBytes = 0
    /// rdb_last_load_keys_loaded / rdb_last_load_keys_expired, from the last successful load.
    /// The replication AUX fields of the last RDB loaded (rdbSaveInfo): a replica restarted from
    /// its own RDB continues its master's stream from there.
    var savedReplication = SavedReplicationInfo()
    var lastLoadKeysLoaded = 0
    var lastLoadKeysExpired = 0
    /// The load running in bounded steps from the loop, if any.
    var incremental: IncrementalLoad?
}

/// A load in progress on the loop (Redis keeps its equivalent on readSyncBulkPayload's stack).
final class IncrementalLoad {
    let job: RDBLoadJob
    let afterStep: (() -> Void)?
    let completion: (Result<RDBLoadReport, Error>) -> Void
    /// The armed timer of the next step, if one is armed.
    var timer: TimerID?
    /// AUX fields already logged.
    var auxSeen = 0

    init(job: RDBLoadJob, afterStep: (() -> Void)?, completion: @escaping (Result<RDBLoadReport, Error>) -> Void) {
        self.job = job
        self.afterStep = afterStep
        self.completion = completion
    }
}

extension Server {
    /// INFO persistence's lines while loading, after the AOF ones (genRedisInfoString).
    func loadingInfoFields() -> [(String, Any)] {
        let state = loadingState
        guard state.isActive else { return [] }
        var percent = 0.0
        var remaining = 1
        if state.totalBytes > 0 {
            percent = Double(state.loadedBytes) / Double(state.totalBytes) * 100
            remaining = state.totalBytes - state.loadedBytes
        } else if state.rdbUsedMemory > 0 {
            // used-mem is only a rough estimate of the size: never over 100%.
            percent = min(Double(state.loadedBytes) / Double(state.rdbUsedMemory) * 100, 99.99)
            remaining = max(state.rdbUsedMemory - state.loadedBytes, 1)
        }
        let elapsed = Int64(time(nil)) - state.startTime
        let eta = elapsed == 0 ? 1 : elapsed * Int64(remaining) / Int64(state.loadedBytes + 1)
        return [
            ("loading_start_time", state.startTime),
            ("loading_total_bytes", state.totalBytes),
            ("loading_rdb_used_mem", state.rdbUsedMemory),
            ("loading_loaded_bytes", state.loadedBytes),
            ("loading_loaded_perc", fixedPointString(percent, digits: 2)),
            ("loading_eta_seconds", eta),
        ]
    }
}

struct SavedReplicationInfo {
    var id: [UInt8]?
    var offset: Int64?
    var streamDB: Int?
}
