import Glibc

// LATENCY DOCTOR's report (latency.c's createLatencyReport), in Redis 7.0.15's words.

enum LatencyDoctor {
    static func report(_ server: Server) -> String {
        let monitor = server.latency
        let threshold = server.settings.latencyMonitorThreshold
        if monitor.names.isEmpty && threshold == 0 {
            return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
        }
        var advice = Set<Advice>()
        var report = ""
        let now = Int64(time(nil))
        for (number, event) in monitor.names.enumerated() {
            let series = monitor.events[event]!
            if number == 0 {
                report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n"
            }
            let stats = monitor.statistics(series, now: now)
            let period = Double(stats.period) / Double(stats.samples)
            report += "\(number + 1). \(event): \(stats.samples) latency spikes (average \(stats.average)ms, mean deviation \(stats.meanDeviation)ms, period \(formatFixed2(period)) sec). Worst all time event \(series.max)ms."
            switch event {
            case "fork":
                let rate = server.persistence.forkRateGBPerSecond
                let quality: String
                if rate < 10 { quality = "terrible"; advice.insert(.betterVM) }
                else if rate < 25 { quality = "poor"; advice.insert(.betterVM) }
                else if rate < 100 { quality = "good" }
                else { quality = "excellent" }
                report += " Fork rate is \(formatFixed2(rate)) GB/sec (\(quality))."
            case "command":
                if server.settings.slowlogLogSlowerThan < 0 {
                    advice.insert(.slowlogEnable)
                } else if server.settings.slowlogLogSlowerThan / 1000 > threshold {
                    advice.insert(.slowlogTuning)
                }
                advice.formUnion([.slowlogInspect, .largeObjects])
            case "fast-command":
                advice.insert(.scheduler)
            case "aof-write-pending-fsync":
                advice.formUnion([.localDisk, .diskContention, .ssd, .dataWriteback])
            case "aof-write-active-child":
                advice.formUnion([.noAppendfsync, .dataWriteback, .ssd])
            case "aof-write-alone":
                advice.formUnion([.localDisk, .dataWriteback, .ssd])
            case "aof-fsync-always":
                advice.insert(.relaxFsync)
            case "aof-fstat", "rdb-unlink-temp-file":
                advice.formUnion([.diskContention, .localDisk])
            case "aof-rewrite-diff-write", "aof-rename":
                advice.formUnion([.writeLoadInfo, .dataWriteback, .ssd, .localDisk])
            case "expire-cycle":
                advice.formUnion([.hz, .largeObjects])
            case "eviction-del":
                advice.insert(.largeObjects)
            case "eviction-cycle":
                advice.insert(.massEviction)
            default:
                break
            }
            report += "\n"
        }
        if anonymousHugePagesInUse() { advice.insert(.disableTHP) }
        if monitor.names.isEmpty && advice.isEmpty {
            return report + "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"
        }
        if advice.isEmpty {
            return report + "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n"
        }
        report += "\nI have a few advices for you:\n\n"
        let suggested = threshold * 1000
        if advice.contains(.betterVM) {
            report += "- If you are using a virtual machine, consider upgrading it with a faster one using a hypervisior that provides less latency during fork() calls. Xen is known to have poor fork() performance. Even in the context of the same VM provider, certain kinds of instances can execute fork faster than others.\n"
        }
        if advice.contains(.slowlogEnable) {
            report += "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than \(suggested)'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n"
        }
        if advice.contains(.slowlogTuning) {
            report += "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than \(suggested)'.\n"
        }
        if advice.contains(.slowlogInspect) {
            report += "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n"
        }
        if advice.contains(.scheduler) {
            report += "- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n"
                + "  1) Lower the system load.\n"
                + "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
                + "  3) Check if you have a \"noisy neighbour\" problem.\n"
                + "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
                + "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n"
        }
        if advice.contains(.localDisk) {
            report += "- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n"
        }
        if advice.contains(.ssd) {
            report += "- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n"
        }
        if advice.contains(.dataWriteback) {
            report += "- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n"
        }
        if advice.contains(.diskContention) {
            report += "- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n"
        }
        if advice.contains(.noAppendfsync) {
            report += "- Assuming from the point of view of data safety this is viable in your environment, you could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk contention).\n"
        }
        if advice.contains(.relaxFsync) && server.config.string("appendfsync") == "always" {
            report += "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n"
        }
        if advice.contains(.writeLoadInfo) {
            report += "- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to get very large. If possible try to send less commands to accomplish the same work, or use Lua scripts to group multiple operations into a single EVALSHA call.\n"
        }
        if advice.contains(.hz) && server.settings.hz < 100 {
            report += "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n"
        }
        if advice.contains(.largeObjects) {
            report += "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n"
        }
        if advice.contains(.massEviction) {
            report += "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n"
        }
        if advice.contains(.disableTHP) {
            report += "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n"
        }
        return report
    }

    /// THPGetAnonHugePagesSize() > 0: the process has transparent huge pages.
    static func anonymousHugePagesInUse() -> Bool {
        guard let file = fopen("/proc/self/smaps_rollup", "r") else { return false }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(cString: line)
            if text.hasPrefix("AnonHugePages:") {
                let digits = text.dropFirst("AnonHugePages:".count).filter { $0.isNumber }
                return (Int(digits) ?? 0) > 0
            }
        }
        return false
    }

    private enum Advice: Hashable {
        case betterVM, slowlogEnable, slowlogTuning, slowlogInspect, scheduler, localDisk, ssd, dataWriteback
        case diskContention, noAppendfsync, relaxFsync, writeLoadInfo, hz, largeObjects, massEviction, disableTHP
    }

    /// printf's %.2f.
    static func formatFixed2(_ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.2f", $0) }
        return String(cString: buffer)
    }
}
