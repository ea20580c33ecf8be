import CMallocCount
import CMemory
import Glibc
import Store

// Process memory as INFO memory reports it. used_memory is what the process has allocated, as
// Redis's zmalloc counts it: the usable bytes of every live malloc chunk (counted by the
// interposed malloc family, CMallocCount) plus the record slab's live blocks by class size. It
// is cheap enough to read before every command (maxmemory), and it drops when a key is freed,
// which eviction needs; free blocks in slab pages, like free space malloc keeps, are
// fragmentation and show in allocator_active (pages whole) and the resident set
// (/proc/self/statm).

struct MemoryFigures {
    /// malloc's bytes in use and its arena (in use plus free chunks it keeps).
    var mallocAllocated: Int64
    var mallocActive: Int64
    /// The record slab: mapped pages, and the live blocks in them.
    var slabReserved: Int64
    var slabAllocated: Int64
    var rss: Int64
    var system: Int64

    var used: Int64 { mallocAllocated + slabAllocated }
    /// Bytes the program asked for (allocator_allocated).
    var allocated: Int64 { mallocAllocated + slabAllocated }
    /// Bytes the allocators hold for them, free space included (allocator_active).
    var active: Int64 { mallocActive + slabReserved }

    static func current() -> MemoryFigures {
        var allocated: Int64 = 0
        var arena: Int64 = 0
        apus_malloc_figures(&allocated, &arena)
        if apus_malloc_counting() != 0 { allocated = apus_malloc_used_bytes() }
        let slab = RecordSlab.shared
        return MemoryFigures(mallocAllocated: allocated, mallocActive: arena,
                             slabReserved: Int64(slab.reservedBytes), slabAllocated: Int64(slab.allocatedBytes),
                             rss: residentBytes(), system: Int64(sysconf(Int32(_SC_PHYS_PAGES))) * pageSize)
    }

    /// used_memory alone (zmalloc_used_memory), for the check before each command: two loads
    /// when malloc is counted (mallinfo2 otherwise, in sanitizer builds).
    @inline(__always)
    static func usedBytes() -> Int64 {
        let slab = Int64(RecordSlab.shared.allocatedBytes)
        if apus_malloc_counting() != 0 { return apus_malloc_used_bytes() + slab }
        var allocated: Int64 = 0
        var arena: Int64 = 0
        apus_malloc_figures(&allocated, &arena)
        return allocated + slab
    }

    static var pageSize: Int64 { Int64(sysconf(Int32(_SC_PAGESIZE))) }

    /// The resident set size from /proc/self/statm (its second field, in pages).
    static func residentBytes() -> Int64 {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var size = 0, resident = 0
        let read = withUnsafeMutablePointer(to: &size) { sizePointer in
            withUnsafeMutablePointer(to: &resident) { residentPointer in
                withVaList([sizePointer, residentPointer]) { vfscanf(file, "%ld %ld", $0) }
            }
        }
        return read == 2 ? Int64(resident) * pageSize : 0
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
