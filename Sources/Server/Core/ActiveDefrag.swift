import CEpoll
import CMemory
import Glibc
import Reactor
import Store

// Active defragmentation (activedefrag and its directives), after Redis's defrag.c, over the
// record slab: when enough of the slab's pages are wasted, the sparsest pages are marked for
// evacuation and the keyspace is walked bucket by bucket, moving each record that lives in one
// into a fuller page; a page whose last record leaves goes back to the OS. The walk runs in
// steps of about a millisecond, spaced so that it takes the CPU share Redis's
// active-defrag-cycle-min/max allow for the fragmentation seen, instead of one long pause per
// cron tick.

struct DefragState {
    var running = false
    /// The share of CPU the current pass may take (INFO's active_defrag_running).
    var cpuPercent = 0
    var database = 0
    var cursor: UInt64 = 0
    var startedMicroseconds: Int64 = 0
    var timer: TimerID?
    var hits: Int64 = 0
    var misses: Int64 = 0
    var keyHits: Int64 = 0
    var keyMisses: Int64 = 0
    var totalMicroseconds: Int64 = 0
    /// When malloc's free pages were last given back (monotonic ms).
    var lastTrimMilliseconds: Int64 = 0
    /// When the freed-memory decay last looked, and the resident set its last trim left.
    var lastDecayCheckMilliseconds: Int64 = 0
    var residentAfterTrim: Int64 = 0
}

extension Server {
    /// Microseconds one defragmentation step may run.
    static let defragStepMicroseconds: Int64 = 1000

    /// From the cron: starts a pass when fragmentation crosses the configured thresholds.
    func activeDefragCron() {
        guard settings.activeDefrag else {
            if defrag.running { finishDefrag() }
            decayFreedMemory()
            return
        }
        if !defrag.running { trimMallocIfWasteful() }
        // Moving records while a child shares our pages would copy them (activeDefragCycle).
        guard !persistence.hasActiveChild else { return }
        guard !defrag.running, let cpu = defragCPUPercent() else { return }
        guard RecordSlab.shared.beginCompaction(maxUtilization: 0.5) > 0 else {
            RecordSlab.shared.endCompaction()
            return
        }
        defrag.running = true
        defrag.cpuPercent = cpu
        defrag.database = 0
        defrag.cursor = 0
        defrag.startedMicroseconds = apus_monotonic_us()
        logger.debug("Starting active defrag, frag=\(fragmentationPercent)%, cpu=\(cpu)%")
        scheduleDefragStep(after: 1)
    }

    /// Wasted slab bytes as a percentage of the live ones (Redis: allocator fragmentation).
    var fragmentationPercent: Int {
        let slab = RecordSlab.shared
        guard slab.allocatedBytes > 0 else { return 0 }
        return (slab.reservedBytes - slab.allocatedBytes) * 100 / slab.allocatedBytes
    }

    /// The CPU share for the fragmentation seen, or nil below the thresholds (computeDefragCycles).
    func defragCPUPercent() -> Int? {
        let slab = RecordSlab.shared
        let wasted = Int64(slab.reservedBytes - slab.allocatedBytes)
        let percent = fragmentationPercent
        guard wasted >= settings.activeDefragIgnoreBytes, percent >= settings.activeDefragThresholdLower else { return nil }
        let lower = settings.activeDefragThresholdLower
        let upper = max(settings.activeDefragThresholdUpper, lower + 1)
        let low = settings.activeDefragCycleMin
        let high = max(settings.activeDefragCycleMax, low)
        let clamped = min(max(percent, lower), upper)
        return low + (high - low) * (clamped - lower) / (upper - lower)
    }

    private func scheduleDefragStep(after delay: Int64) {
        defrag.timer = loop.timers.schedule(after: delay) { [unowned self] in
            self.defrag.timer = nil
            self.defragStep()
        }
    }

    /// One step: walks buckets for about a millisecond, then waits so the pass keeps its share.
    private func defragStep() {
        guard defrag.running else { return }
        guard !persistence.hasActiveChild else {
            scheduleDefragStep(after: 100)
            return
        }
        let start = apus_monotonic_us()
        var moved = 0
        var visited = 0
        while true {
            let db = databases[defrag.database]
            let before = moved
            var seen = 0
            var elements = 0
            defrag.cursor = db.count == 0 ? 0 : db.defragStep(defrag.cursor, moved: &moved, visited: &seen, elements: &elements)
            defrag.hits += Int64(elements)
            visited += 1
            defrag.keyHits += Int64(moved - before)
            defrag.keyMisses += Int64(seen - (moved - before))
            defrag.misses += Int64(seen - (moved - before))
            if defrag.cursor == 0 {
                defrag.database += 1
                if defrag.database == databases.count {
                    defrag.hits += Int64(moved)
                    defrag.totalMicroseconds += apus_monotonic_us() - start
                    finishDefrag()
                    return
                }
            }
            if visited % 16 == 0 && apus_monotonic_us() - start >= Server.defragStepMicroseconds { break }
        }
        defrag.hits += Int64(moved)
        let elapsed = apus_monotonic_us() - start
        defrag.totalMicroseconds += elapsed
        latency.addSampleIfNeeded("active-defrag-cycle", milliseconds: elapsed / 1000,
                                  threshold: settings.latencyMonitorThreshold)
        // Idle long enough that the step is cpuPercent of the time.
        let idle = elapsed * Int64(100 - defrag.cpuPercent) / Int64(max(defrag.cpuPercent, 1)) / 1000
        scheduleDefragStep(after: max(1, idle))
    }

    private func finishDefrag() {
        if let timer = defrag.timer { loop.timers.cancel(timer) }
        defrag.timer = nil
        RecordSlab.shared.endCompaction()
        // Buckets are malloc'd, not slab blocks: a sparse table is compacted by a rehash into a
        // smaller one (the cron's active rehashing finishes it; the trim after gives it back).
        for db in databases { db.compactTable() }
        trimMalloc()
        let elapsed = (apus_monotonic_us() - defrag.startedMicroseconds) / 1000
        logger.debug("Active defrag done in \(elapsed)ms, reallocated=\(defrag.hits), frag=\(fragmentationPercent)%")
        defrag.running = false
        defrag.cpuPercent = 0
    }

    /// malloc keeps freed chunks inside its heaps (old bucket arrays after the table shrank,
    /// collection buffers), where they stay resident; glibc has no background decay like
    /// jemalloc's, so with activedefrag on, free heap space beyond the configured thresholds is
    /// handed back with malloc_trim (which also releases pages in the middle of the heap), at
    /// most once a second.
    private func trimMallocIfWasteful() {
        var allocated: Int64 = 0
        var active: Int64 = 0
        apus_malloc_figures(&allocated, &active)
        let wasted = active - allocated
        guard wasted >= settings.activeDefragIgnoreBytes,
              allocated > 0, wasted * 100 / allocated >= Int64(settings.activeDefragThresholdLower) else { return }
        let now = apus_monotonic_us() / 1000
        guard now - defrag.lastTrimMilliseconds >= 1000 else { return }
        trimMalloc()
    }

    func trimMalloc() {
        _ = malloc_trim(0)
        defrag.lastTrimMilliseconds = apus_monotonic_us() / 1000
    }

    /// Milliseconds the current pass has been running (INFO's current_active_defrag_time).
    var currentDefragMilliseconds: Int64 {
        defrag.running ? (apus_monotonic_us() - defrag.startedMicroseconds) / 1000 : 0
    }
}
