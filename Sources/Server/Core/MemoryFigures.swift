import CEpoll
import Glibc

// Process memory as INFO memory reports it: bytes the allocator handed out (mallinfo2) and the
// resident set (/proc/self/statm), plus the machine's total.

struct MemoryFigures {
    var used: Int64
    var rss: Int64
    var system: Int64

    static func current() -> MemoryFigures {
        let used = apus_allocated_bytes()
        var rss: Int64 = 0
        if let file = fopen("/proc/self/statm", "r") {
            var size = 0, resident = 0
            withUnsafeMutablePointer(to: &size) { sizePointer in
                withUnsafeMutablePointer(to: &resident) { residentPointer in
                    _ = withVaList([sizePointer, residentPointer]) { vfscanf(file, "%ld %ld", $0) }
                }
            }
            fclose(file)
            rss = Int64(resident) * Int64(sysconf(Int32(_SC_PAGESIZE)))
        }
        let system = Int64(sysconf(Int32(_SC_PHYS_PAGES))) * Int64(sysconf(Int32(_SC_PAGESIZE)))
        return MemoryFigures(used: used, rss: rss, system: system)
    }

    /// Redis's bytesToHuman: B, K, M, G, T, P with two decimals.
    static func human(_ bytes: Int64) -> String {
        let value = Double(bytes)
        let units: [(Double, String)] = [(1024, "K"), (1024 * 1024, "M"), (1024 * 1024 * 1024, "G"),
                                         (1024.0 * 1024 * 1024 * 1024, "T"), (1024.0 * 1024 * 1024 * 1024 * 1024, "P")]
        if value < 1024 { return "\(bytes)B" }
        for (index, unit) in units.enumerated() where index == units.count - 1 || value < unit.0 * 1024 {
            return fixedPointString(value / unit.0, digits: 2) + unit.1
        }
        return "\(bytes)B"
    }
}

import Util
