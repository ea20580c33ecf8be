import CMemory
import Glibc
import RESP
import Store
import Util

// MEMORY: per-key usage, the overhead breakdown, the doctor's report, and giving memory back
// (object.c's memoryCommand, with Redis 7.0's reply shapes and texts).

enum MemoryCommand {
    static let handlers: [String: CommandHandler] = [
        "memory|usage": usage, "memory|stats": stats, "memory|doctor": doctor, "memory|purge": purge,
        "memory|malloc-stats": mallocStats, "memory|help": help,
    ]

    /// MEMORY USAGE key [SAMPLES count]: options are checked before the key is looked up, and the
    /// lookup neither expires nor touches the key (objectCommandLookup).
    static func usage(_ c: Client) {
        var samples = Int64(MemoryUsage.defaultSamples)
        var index = 3
        while index < c.argumentCount {
            guard c.argIs(index, "samples") && index + 1 < c.argumentCount else {
                c.error(ErrorText.syntax)
                return
            }
            guard let value = c.integerArgument(index + 1) else { return }
            if value < 0 {
                c.error(ErrorText.syntax)
                return
            }
            samples = value == 0 ? Int64.max : value
            index += 2
        }
        guard let object = c.db.find(c.arg(2)) else {
            c.reply.nullBulk()
            return
        }
        c.reply.integer(MemoryUsage.ofKey(object, samples: Int(clamping: samples)))
    }

    static func stats(_ c: Client) {
        let memory = c.server.memoryOverhead()
        let reply = c.reply
        reply.mapHeader(27 + memory.databases.count)
        func field(_ name: StaticString, _ value: Int64) {
            reply.bulk(name)
            reply.integer(value)
        }
        func field(_ name: StaticString, _ value: Float) {
            reply.bulk(name)
            reply.double(Double(value))
        }
        field("peak.allocated", memory.peak)
        field("total.allocated", memory.total)
        field("startup.allocated", memory.startup)
        field("replication.backlog", Int64(0))
        field("clients.slaves", Int64(0))
        field("clients.normal", memory.clientsNormal)
        field("cluster.links", Int64(0))
        field("aof.buffer", Int64(0))
        field("lua.caches", Int64(c.server.scripting.scriptsMemoryBytes))
        field("functions.caches", Int64(0))
        for db in memory.databases {
            reply.bulk("db.\(db.id)")
            reply.mapHeader(3)
            field("overhead.hashtable.main", db.main)
            field("overhead.hashtable.expires", db.expires)
            field("overhead.hashtable.slot-to-keys", Int64(0))
        }
        field("overhead.total", memory.overheadTotal)
        field("keys.count", memory.keys)
        field("keys.bytes-per-key", memory.bytesPerKey)
        field("dataset.bytes", memory.dataset)
        field("dataset.percentage", memory.datasetPercent)
        field("peak.percentage", memory.peakPercent)
        field("allocator.allocated", memory.figures.allocated)
        field("allocator.active", memory.figures.active)
        field("allocator.resident", memory.figures.rss)
        field("allocator-fragmentation.ratio", memory.allocatorFragmentation)
        field("allocator-fragmentation.bytes", memory.allocatorFragmentationBytes)
        field("allocator-rss.ratio", memory.allocatorRSS)
        field("allocator-rss.bytes", memory.allocatorRSSBytes)
        field("rss-overhead.ratio", memory.rssOverhead)
        field("rss-overhead.bytes", memory.rssOverheadBytes)
        field("fragmentation", memory.fragmentation)
        field("fragmentation.bytes", memory.fragmentationBytes)
    }

    static func doctor(_ c: Client) {
        c.reply.verbatim(report(c.server.memoryOverhead(), clients: c.server.clientCount))
    }

    /// getMemoryDoctorReport's checks and texts.
    static func report(_ memory: MemoryOverhead, clients: Int) -> String {
        let tenMB: Int64 = 10 << 20
        if memory.total < 5 << 20 { return DoctorText.empty }
        var findings: [String] = []
        if Float(memory.peak) / Float(memory.total) > 1.5 { findings.append(DoctorText.bigPeak) }
        if memory.fragmentation > 1.4 && memory.fragmentationBytes > tenMB { findings.append(DoctorText.highTotalRSS) }
        if memory.allocatorFragmentation > 1.1 && memory.allocatorFragmentationBytes > tenMB {
            findings.append(DoctorText.highAllocatorFragmentation)
        }
        if memory.allocatorRSS > 1.1 && memory.allocatorRSSBytes > tenMB { findings.append(DoctorText.highAllocatorRSS) }
        if clients > 0 && memory.clientsNormal / Int64(clients) > 200 * 1024 { findings.append(DoctorText.bigClientBuffers) }
        if findings.isEmpty { return DoctorText.healthy }
        return DoctorText.header + findings.joined() + DoctorText.footer
    }

    /// Returns what the allocators keep but nothing uses: malloc's free pages at the top of
    /// its heaps and the slab's cached empty pages.
    static func purge(_ c: Client) {
        _ = malloc_trim(0)
        RecordSlab.shared.releaseCachedPages()
        c.reply.ok()
    }

    /// Apus's own allocator report: the record slab's size classes (Redis answers jemalloc's
    /// report here, or "Stats not supported" without it).
    static func mallocStats(_ c: Client) {
        let slab = RecordSlab.shared
        var text = "___ Begin Apus record slab statistics ___\n"
        text += "page size: \(SlabAllocator.pageSize), pages: \(slab.pageCount), reserved: \(slab.reservedBytes), "
            + "allocated: \(slab.allocatedBytes), live blocks: \(slab.liveBlocks)\n"
        text += "block size  pages  live blocks  utilization\n"
        for row in slab.classStatistics() where row.pages > 0 {
            let capacity = row.pages * ((SlabAllocator.pageSize - 64) / row.blockSize)
            let utilization = capacity > 0 ? fixedPointString(Double(row.liveBlocks) * 100 / Double(capacity), digits: 2) : "0.00"
            text += "\(row.blockSize)  \(row.pages)  \(row.liveBlocks)  \(utilization)%\n"
        }
        text += "--- End Apus record slab statistics ---\n"
        c.reply.verbatim(text)
    }

    static func help(_ c: Client) { ObjectCommand.replyHelp(c, HelpText.memory) }
}

/// MEMORY DOCTOR's texts, as Redis 7.0 writes them.
enum DoctorText {
    static let empty = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
    static let healthy = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
    static let header = "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
    static let footer = "I'm here to keep you safe, Sam. I want to help you.\n"
    static let bigPeak = " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n"
    static let highTotalRSS = " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n"
    static let highAllocatorFragmentation = " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n"
    static let highAllocatorRSS = " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n"
    static let bigClientBuffers = " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n"
}
