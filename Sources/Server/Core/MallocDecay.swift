import CEpoll
import CMemory
import Glibc

// Redis's jemalloc gives the pages of freed memory back to the system after its decay time
// (10 s), so a server's resident set falls again after a burst (a flood of clients, a big key
// deleted). glibc keeps them resident inside its heaps. Without activedefrag (which trims on
// its own terms), every 10 s: when malloc's heaps hold at least 16 MiB of free chunks and the
// resident set has grown by 16 MiB since the last trim, malloc_trim(0) hands the free pages
// back (it also releases pages in the middle of the heap). The growth test keeps a server whose
// heaps are merely fragmented from trimming again and again for nothing.

extension Server {
    static let decayPeriodMilliseconds: Int64 = 10_000
    static let decayThresholdBytes: Int64 = 16 << 20

    func decayFreedMemory() {
        let now = apus_monotonic_us() / 1000
        guard now - defrag.lastDecayCheckMilliseconds >= Server.decayPeriodMilliseconds else { return }
        defrag.lastDecayCheckMilliseconds = now
        var allocated: Int64 = 0
        var arena: Int64 = 0
        apus_malloc_figures(&allocated, &arena)
        guard arena - allocated >= Server.decayThresholdBytes else { return }
        let resident = MemoryFigures.residentBytes()
        guard resident >= defrag.residentAfterTrim + Server.decayThresholdBytes else { return }
        trimMalloc()
        defrag.residentAfterTrim = MemoryFigures.residentBytes()
    }
}
