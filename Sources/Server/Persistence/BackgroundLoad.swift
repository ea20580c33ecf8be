import Glibc
import Persistence

// Loading an RDB payload in bounded steps from the event loop, for a replica's full sync: where
// Redis's rdbLoad calls processEventsWhileBlocked every loading-process-events-interval-bytes,
// Apus returns to the loop after each step, so clients are answered between steps (with
// -LOADING, unless a command is allowed while loading). DEBUG RELOAD and start-up keep the
// synchronous loadRDB (RDBFiles.swift); both share the flush, the options and the logging.

extension Server {
    /// Starts loading `data[start..<end]` (the whole array by default): enters the loading
    /// state, empties every database first when `flush` (signalling WATCH and tracking), then
    /// loads a step per loop iteration. `completion` runs from the loop once the load ends, after
    /// the loading state is left: with the report, or with the error, in which case the half-loaded
    /// data has been flushed (as readSyncBulkPayload does on a failed load). A replica keeps
    /// keys already expired (`dropExpired` false): its master expires them. `afterStep` runs after
    /// each step that leaves the load unfinished (where rdbLoadProgressCallback keeps the master
    /// link alive with a newline). A header that is not an RDB's throws here, before anything
    /// changed. One load at a time.
    func startIncrementalLoad(_ data: [UInt8], start: Int = 0, end: Int? = nil, flush: Bool, dropExpired: Bool = false,
                              afterStep: (() -> Void)? = nil,
                              completion: @escaping (Result<RDBLoadReport, Error>) -> Void) throws {
        precondition(loadingState.incremental == nil, "an incremental load is already running")
        var options = rdbLoadOptions(replaceExisting: false)
        options.dropExpired = dropExpired
        let job = try RDBLoadJob(data, start: start, end: end, into: databases, options: options)
        if flush { emptyDatabasesForLoad() }
        startLoading(totalBytes: job.totalBytes)
        loadingState.incremental = IncrementalLoad(job: job, afterStep: afterStep, completion: completion)
        armIncrementalLoadStep()
    }

    /// Abandons the running load (the replica's link to its master went away): leaves the
    /// loading state and flushes what was loaded, as Redis does with a half-loaded dataset. The
    /// completion is not called.
    func cancelIncrementalLoad() {
        guard let load = loadingState.incremental else { return }
        if let timer = load.timer { loop.timers.cancel(timer) }
        loadingState.incremental = nil
        stopLoading()
        emptyDatabasesForLoad()
    }

    /// From beforeSleep (and at the start): the next step runs once this iteration's events are
    /// handled. A 0-delay timer armed from inside the step itself would fire again in the same
    /// pass of the wheel, so the loop would not get back to its clients.
    func armIncrementalLoadStep() {
        guard let load = loadingState.incremental, load.timer == nil else { return }
        load.timer = loop.timers.schedule(after: 0) { [unowned self] in
            // The replies to what was just read go out before the step, not after it, as
            // processEventsWhileBlocked writes them; the armed timer keeps this from re-arming.
            self.beforeSleep()
            load.timer = nil
            self.runIncrementalLoadStep()
        }
    }

    /// One bounded step of the running load, and its end when it is the last one.
    func runIncrementalLoadStep(maxBytes: Int? = nil) {
        guard let load = loadingState.incremental else { return }
        let bound = maxBytes ?? Int(config.int("loading-process-events-interval-bytes"))
        let result: Result<Bool, Error> = withoutKeySignals { Result { try load.job.step(maxBytes: bound) } }
        loadingState.loadedBytes = load.job.bytesConsumed
        let aux = load.job.report.aux
        if aux.count > load.auxSeen {
            noteAuxFields(aux[load.auxSeen...])
            load.auxSeen = aux.count
        }
        switch result {
        case .success(false):
            load.afterStep?()
        case .success(true):
            loadingState.incremental = nil
            loadFinished(load.job.report)
            stopLoading()
            load.completion(.success(load.job.report))
        case .failure(let error):
            loadingState.incremental = nil
            stopLoading()
            emptyDatabasesForLoad()
            load.completion(.failure(error))
        }
    }

    /// startLoading.
    private func startLoading(totalBytes: Int) {
        loadingState.isActive = true
        loadingState.startTime = Int64(time(nil))
        loadingState.totalBytes = totalBytes
        loadingState.rdbUsedMemory = 0
        loadingState.loadedBytes = 0
        config.isLoadingDataset = true
    }

    /// stopLoading.
    private func stopLoading() {
        loadingState.isActive = false
        config.isLoadingDataset = false
    }
}
