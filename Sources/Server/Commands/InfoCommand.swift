import CEpoll
import Glibc
import RESP
import Store
import Util

// INFO: Redis's sections and field names, with Apus's real figures. Fields for subsystems Apus
// does not have yet (persistence, replication links, scripting) report their idle values.

enum InfoCommand {
    static let handlers: [String: CommandHandler] = ["info": info]

    /// Sections always come out in this order, whatever order they were asked in, as in Redis.
    static let orderedSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu",
                                  "module_list", "commandstats", "errorstats", "latencystats", "cluster", "keyspace"]
    static let defaultSections: Set<String> = ["server", "clients", "memory", "persistence", "stats", "replication",
                                               "cpu", "module_list", "errorstats", "cluster", "keyspace"]

    static func info(_ c: Client) {
        var requested: [String] = []
        for index in stride(from: 1, to: c.argumentCount, by: 1) { requested.append(c.argString(index).lowercased()) }
        var sections = Set<String>()
        if requested.isEmpty { sections = defaultSections }
        for name in requested {
            switch name {
            case "default": sections.formUnion(defaultSections)
            case "all", "everything": sections.formUnion(orderedSections)
            case "modules": sections.insert("module_list")
            default: sections.insert(name)
            }
        }
        var text = ""
        for section in orderedSections where sections.contains(section) {
            guard let body = c.server.infoSection(section) else { continue }
            if !text.isEmpty { text += "\r\n" }
            text += body
        }
        c.reply.verbatim(text)
    }
}

extension Server {
    static let redisVersion: StaticString = "7.0.15"

    /// "50", "99.9": Redis prints percentiles with %f and trims trailing zeros.
    private func percentileLabel(_ value: Double) -> String {
        var text = fixedPointString(value, digits: 6)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// One section's text ("# Name\r\nfield:value\r\n..."), nil for unknown names.
    func infoSection(_ name: String) -> String? {
        var lines: [String] = []
        func add(_ field: String, _ value: Any) { lines.append("\(field):\(value)") }
        let title: String
        switch name {
        case "server":
            title = "Server"
            let uptime = (now - startedAtMilliseconds) / 1000
            var uts = utsname()
            uname(&uts)
            let sysname = withUnsafeBytes(of: &uts.sysname) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            let release = withUnsafeBytes(of: &uts.release) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            let machine = withUnsafeBytes(of: &uts.machine) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            add("redis_version", Server.redisVersion)
            add("redis_git_sha1", "00000000")
            add("redis_git_dirty", 0)
            add("redis_build_id", "0")
            add("redis_mode", "standalone")
            add("os", "\(sysname) \(release) \(machine)")
            add("arch_bits", 64)
            add("monotonic_clock", "POSIX clock_gettime")
            add("multiplexing_api", "epoll")
            add("atomicvar_api", "c11-builtin")
            add("gcc_version", "0.0.0")
            add("process_id", getpid())
            add("process_supervised", "no")
            add("run_id", runID)
            add("tcp_port", settings.port)
            add("server_time_usec", apus_wall_us())
            add("uptime_in_seconds", uptime)
            add("uptime_in_days", uptime / 86400)
            add("hz", settings.hz)
            add("configured_hz", settings.hz)
            add("lru_clock", LRUClock.current)
            add("executable", CommandLine.arguments.first ?? "")
            add("config_file", config.configFilePath ?? "")
            add("io_threads_active", 0)
        case "clients":
            title = "Clients"
            add("connected_clients", clientCount)
            add("cluster_connections", 0)
            add("maxclients", settings.maxClients)
            add("client_recent_max_input_buffer", 0)
            add("client_recent_max_output_buffer", 0)
            add("blocked_clients", blocking.blockedCount + pause.postponed.count)
            add("tracking_clients", tracking.clientCount)
            add("clients_in_timeout_table", blocking.withTimeoutCount)
        case "memory":
            title = "Memory"
            let overhead = memoryOverhead()
            let memory = overhead.figures
            add("used_memory", memory.used)
            add("used_memory_human", MemoryFigures.human(memory.used))
            add("used_memory_rss", memory.rss)
            add("used_memory_rss_human", MemoryFigures.human(memory.rss))
            add("used_memory_peak", peakMemory)
            add("used_memory_peak_human", MemoryFigures.human(peakMemory))
            add("used_memory_peak_perc", fixedPointString(peakMemory > 0 ? Double(memory.used) * 100 / Double(peakMemory) : 100, digits: 2) + "%")
            add("used_memory_overhead", overhead.overheadTotal)
            add("used_memory_startup", overhead.startup)
            add("used_memory_dataset", overhead.dataset)
            add("used_memory_dataset_perc", fixedPointString(Double(overhead.datasetPercent), digits: 2) + "%")
            add("allocator_allocated", memory.allocated)
            add("allocator_active", memory.active)
            add("allocator_resident", memory.rss)
            add("total_system_memory", memory.system)
            add("total_system_memory_human", MemoryFigures.human(memory.system))
            let evalVM = scripting.lua.memoryBytes
            add("used_memory_lua", evalVM)
            add("used_memory_vm_eval", evalVM)
            add("used_memory_lua_human", MemoryFigures.human(Int64(evalVM)))
            add("used_memory_scripts_eval", scripting.scriptsMemoryBytes)
            add("number_of_cached_scripts", scripting.scripts.count)
            addFunctionsMemoryFields(add)
            add("maxmemory", settings.maxMemory)
            add("maxmemory_human", MemoryFigures.human(settings.maxMemory))
            add("maxmemory_policy", settings.maxMemoryPolicy)
            add("allocator_frag_ratio", fixedPointString(Double(overhead.allocatorFragmentation), digits: 2))
            add("allocator_frag_bytes", overhead.allocatorFragmentationBytes)
            add("allocator_rss_ratio", fixedPointString(Double(overhead.allocatorRSS), digits: 2))
            add("allocator_rss_bytes", overhead.allocatorRSSBytes)
            add("rss_overhead_ratio", fixedPointString(Double(overhead.rssOverhead), digits: 2))
            add("rss_overhead_bytes", overhead.rssOverheadBytes)
            add("mem_fragmentation_ratio", fixedPointString(Double(overhead.fragmentation), digits: 2))
            add("mem_fragmentation_bytes", overhead.fragmentationBytes)
            add("mem_not_counted_for_evict", memoryNotCountedForEviction)
            add("mem_replication_backlog", replication.backlog?.memoryBytes ?? 0)
            add("mem_total_replication_buffers", 0)
            add("mem_clients_slaves", 0)
            add("mem_clients_normal", overhead.clientsNormal)
            add("mem_cluster_links", 0)
            add("mem_aof_buffer", aof.status == .off ? 0 : aof.buffer.capacity)
            add("mem_allocator", "libc+slab")
            add("active_defrag_running", defrag.cpuPercent)
            add("lazyfree_pending_objects", 0)
            add("lazyfreed_objects", 0)
        case "persistence":
            title = "Persistence"
            add("loading", loadingState.isActive ? 1 : 0)
            add("async_loading", 0)
            snapshotInfoFields(add)
            add("rdb_last_load_keys_expired", loadingState.lastLoadKeysExpired)
            add("rdb_last_load_keys_loaded", loadingState.lastLoadKeysLoaded)
            for (field, value) in aofInfoFields() { add(field, value) }
            add("module_fork_in_progress", 0)
            add("module_fork_last_cow_size", 0)
            for (field, value) in aofEnabledInfoFields() { add(field, value) }
            for (field, value) in loadingInfoFields() { add(field, value) }
        case "stats":
            title = "Stats"
            add("total_connections_received", stats.connectionsReceived)
            add("total_commands_processed", stats.commandsProcessed)
            add("instantaneous_ops_per_sec", stats.opsSamples.perSecond)
            add("total_net_input_bytes", stats.netInputBytes)
            add("total_net_output_bytes", stats.netOutputBytes)
            add("total_net_repl_input_bytes", stats.netReplicationInputBytes)
            add("total_net_repl_output_bytes", stats.netReplicationOutputBytes)
            add("instantaneous_input_kbps", fixedPointString(Double(stats.inputSamples.perSecond) / 1024, digits: 2))
            add("instantaneous_output_kbps", fixedPointString(Double(stats.outputSamples.perSecond) / 1024, digits: 2))
            add("instantaneous_input_repl_kbps", "0.00")
            add("instantaneous_output_repl_kbps", "0.00")
            add("rejected_connections", stats.rejectedConnections)
            add("sync_full", replication.fullSyncs)
            add("sync_partial_ok", replication.partialSyncsAccepted)
            add("sync_partial_err", replication.partialSyncsRefused)
            add("expired_keys", stats.expiredKeys)
            add("expired_stale_perc", fixedPointString(stats.expiredStalePercent, digits: 2))
            add("expired_time_cap_reached_count", stats.expiredTimeCapReached)
            add("expire_cycle_cpu_milliseconds", stats.expireCycleMilliseconds)
            add("evicted_keys", stats.evictedKeys)
            add("evicted_clients", stats.evictedClients)
            let exceeded = stats.evictionExceededSince == 0 ? 0 : apus_monotonic_us() - stats.evictionExceededSince
            add("total_eviction_exceeded_time", (stats.evictionExceededMicroseconds + exceeded) / 1000)
            add("current_eviction_exceeded_time", exceeded / 1000)
            add("keyspace_hits", stats.keyspaceHits)
            add("keyspace_misses", stats.keyspaceMisses)
            add("pubsub_channels", pubsub.channels.count)
            add("pubsub_patterns", pubsub.patterns.count)
            add("pubsubshard_channels", pubsub.shardChannels.count)
            add("latest_fork_usec", persistence.lastForkMicroseconds)
            add("total_forks", persistence.totalForks)
            for field in ["migrate_cached_sockets", "slave_expires_tracked_keys"] {
                add(field, 0)
            }
            add("active_defrag_hits", defrag.hits)
            add("active_defrag_misses", defrag.misses)
            add("active_defrag_key_hits", defrag.keyHits)
            add("active_defrag_key_misses", defrag.keyMisses)
            add("total_active_defrag_time", defrag.totalMicroseconds / 1000)
            add("current_active_defrag_time", currentDefragMilliseconds)
            add("tracking_total_keys", tracking.keys.count)
            add("tracking_total_items", tracking.items)
            add("tracking_total_prefixes", tracking.prefixes.count)
            add("unexpected_error_replies", stats.unexpectedErrorReplies)
            add("total_error_replies", stats.errorReplies)
            add("dump_payload_sanitizations", 0)
            add("total_reads_processed", stats.readsProcessed)
            add("total_writes_processed", stats.writesProcessed)
            add("io_threaded_reads_processed", 0)
            add("io_threaded_writes_processed", 0)
            add("reply_buffer_shrinks", 0)
            add("reply_buffer_expands", 0)
            // 7.0.15 counts these without showing them; 7.2 added the fields, which monitoring
            // tools read, so Apus shows them after 7.0's own fields (the issue asks for them).
            add("acl_access_denied_auth", acl.deniedAuth)
            add("acl_access_denied_cmd", acl.deniedCommand)
            add("acl_access_denied_key", acl.deniedKey)
            add("acl_access_denied_channel", acl.deniedChannel)
        case "replication":
            title = "Replication"
            replicationInfoFields { add($0, $1) }
        case "cpu":
            title = "CPU"
            var user = 0.0, system = 0.0
            apus_cpu_usage(&user, &system)
            add("used_cpu_sys", fixedPointString(system, digits: 6))
            add("used_cpu_user", fixedPointString(user, digits: 6))
            add("used_cpu_sys_children", "0.000000")
            add("used_cpu_user_children", "0.000000")
            add("used_cpu_sys_main_thread", fixedPointString(system, digits: 6))
            add("used_cpu_user_main_thread", fixedPointString(user, digits: 6))
        case "module_list":
            title = "Modules"
        case "commandstats":
            title = "Commandstats"
            for command in commandTable.allCommands where command.stats.calls > 0 || command.stats.rejectedCalls > 0 || command.stats.failedCalls > 0 {
                let s = command.stats
                let perCall = s.calls > 0 ? Double(s.microseconds) / Double(s.calls) : 0
                add("cmdstat_\(command.fullName)",
                    "calls=\(s.calls),usec=\(s.microseconds),usec_per_call=\(fixedPointString(perCall, digits: 2)),rejected_calls=\(s.rejectedCalls),failed_calls=\(s.failedCalls)")
            }
        case "errorstats":
            title = "Errorstats"
            for (code, count) in stats.errorsByCode.sorted(by: { $0.key < $1.key }) {
                add("errorstat_\(code)", "count=\(count)")
            }
        case "latencystats":
            title = "Latencystats"
            for command in commandTable.allCommands {
                guard let histogram = command.stats.latency?.histogram else { continue }
                let figures = settings.latencyPercentiles.map { percentile -> String in
                    let value = Double(histogram.valueAtPercentile(percentile)) / 1000
                    return "p\(percentileLabel(percentile))=\(fixedPointString(value, digits: 3))"
                }
                add("latency_percentiles_usec_\(command.fullName)", figures.joined(separator: ","))
            }
        case "cluster":
            title = "Cluster"
            add("cluster_enabled", 0)
        case "keyspace":
            title = "Keyspace"
            for db in databases where db.count > 0 {
                add("db\(db.id)", "keys=\(db.count),expires=\(db.expiresCount),avg_ttl=\(db.averageTTL)")
            }
        default:
            return nil
        }
        return "# \(title)\r\n" + lines.map { $0 + "\r\n" }.joined()
    }
}
