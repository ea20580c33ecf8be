import RESP

// maxmemory-clients (Redis 7.0's client eviction): a cap on the memory of all normal and pub/sub
// clients together, in bytes or as a percentage of maxmemory. When the sum reaches it, the
// biggest evictable clients (power-of-two memory buckets, highest first) are closed until it is
// below again; CLIENT NO-EVICT on exempts a client. A client's figure is CLIENT LIST's tot-mem,
// measured after its input is processed, after its output is written and by the cron.

struct ClientMemoryAccounting {
    /// The eviction threshold in bytes (getClientEvictionLimit); 0 when client eviction is off.
    var limit = 0
    /// Memory of the normal and pub/sub clients as last measured (stat_clients_type_memory).
    var total = 0

    /// Redis's CLIENT_MEM_USAGE_BUCKET_MIN_LOG / _MAX_LOG.
    static let minimumBucketLog = 15
    static let maximumBucketLog = 33

    static func bucket(of memory: Int) -> Int {
        let bits = memory > 0 ? Int.bitWidth - memory.leadingZeroBitCount : 0
        return min(max(bits, minimumBucketLog), maximumBucketLog) - minimumBucketLog
    }
}

extension Client {
    /// CLIENT LIST's tot-mem (getClientMemoryUsage): the query buffer, the reply chunk, the
    /// queued output, the arguments, and the overheads Redis adds for MULTI, WATCH, pub/sub and
    /// tracking prefixes (pointer-sized entries, with Redis's struct sizes).
    var totalMemory: Int {
        var memory = query.capacity + ReplyBuffer.chunkSize + reply.pendingBytes
        memory += argumentMemory + 8 * argumentsHeld
        memory += multiStateMemory
        memory += subscriptions.patterns.count * 24
        memory += Client.dictionaryMemory(subscriptions.channels.count)
        memory += Client.dictionaryMemory(subscriptions.shardChannels.count)
        memory += tracking.prefixes.count * 32
        return memory
    }

    /// Arguments held right now: the running command's, or those of a half-received one
    /// (argv_len_sum; CLIENT LIST argv-mem).
    var argumentMemory: Int {
        if server.currentClient === self {
            var total = 0
            for index in 0..<argumentCount { total += arg(index).count }
            return total
        }
        guard parser.commandStart != nil, !parser.isInline else { return 0 }
        return parser.spans.reduce(0) { $0 + $1.length }
    }

    private var argumentsHeld: Int {
        server.currentClient === self ? argumentCount : (parser.commandStart != nil ? parser.argumentCount : 0)
    }

    /// multiStateMemOverhead: queued argument bytes, a multiCmd per queued command, a list node
    /// and a watchedKey per watched key.
    var multiStateMemory: Int {
        (transaction.map { $0.argumentBytes + $0.commands.count * 24 } ?? 0) + watched.count * (24 + 32)
    }

    /// A dict's entries and its power-of-two table of pointers.
    private static func dictionaryMemory(_ count: Int) -> Int {
        guard count > 0 else { return 0 }
        var slots = 4
        while slots < count { slots *= 2 }
        return count * 24 + slots * 8
    }

    /// Counted in the clients' total (CLIENT_TYPE_NORMAL or _PUBSUB with a connection).
    var countsTowardClientMemory: Bool {
        !isFake && flags.isDisjoint(with: [.master, .replica]) && !controls.isMonitor
    }

    /// clientEvictionAllowed.
    var isEvictable: Bool { countsTowardClientMemory && !flags.contains(.noEvict) }
}

extension Server {
    /// Re-reads maxmemory-clients (and maxmemory, for a percentage); 0 turns accounting off.
    func reloadClientEvictionLimit() {
        let configured = config.int("maxmemory-clients")
        let maxMemory = config.int("maxmemory")
        var limit: Int64
        if configured < 0 && maxMemory > 0 {
            limit = Int64(Double(maxMemory) * Double(-configured) / 100)
        } else if configured > 0 {
            limit = configured
        } else {
            limit = 0
        }
        // Too small a cap would leave no way to talk to the server.
        if limit != 0 && limit < 128 * 1024 { limit = 128 * 1024 }
        clientMemory.limit = Int(limit)
        clientMemory.total = 0
        for client in clientsByFD where client != nil {
            client!.countedMemory = 0
            if limit != 0 { updateClientMemory(client!) }
        }
    }

    /// updateClientMemUsage: the client's figure into the total.
    @inline(__always)
    func updateClientMemory(_ client: Client) {
        let memory = client.countsTowardClientMemory ? client.totalMemory : 0
        clientMemory.total += memory - client.countedMemory
        client.countedMemory = memory
    }

    /// Takes a client that is going away out of the total.
    func forgetClientMemory(_ client: Client) {
        clientMemory.total -= client.countedMemory
        client.countedMemory = 0
    }

    /// evictClients: the biggest buckets first, until the total is below the limit.
    func evictClients() {
        guard clientMemory.limit != 0, clientMemory.total >= clientMemory.limit else { return }
        let candidates = clientsByFD.compactMap { $0 }
            .filter { $0.isEvictable && !$0.flags.contains(.closeASAP) }
            .map { (client: $0, bucket: ClientMemoryAccounting.bucket(of: $0.countedMemory)) }
            .sorted { $0.bucket != $1.bucket ? $0.bucket > $1.bucket : $0.client.countedMemory > $1.client.countedMemory }
        for (client, _) in candidates {
            if clientMemory.total < clientMemory.limit { return }
            logger.notice("Evicting client: \(describe(client))")
            stats.evictedClients += 1
            forgetClientMemory(client)
            if client === currentClient { closeClientAsync(client) } else { closeClient(client) }
        }
        if clientMemory.total >= clientMemory.limit {
            logger.warning("Over client maxmemory after evicting all evictable clients")
        }
    }

    /// clientsCron's share: every client measured again (pub/sub output grows without a command).
    func clientEvictionCron() {
        guard clientMemory.limit != 0 else { return }
        for client in clientsByFD where client != nil { updateClientMemory(client!) }
        evictClients()
    }

    func installClientEvictionConfigHooks() {
        reloadClientEvictionLimit()
        for name in ["maxmemory-clients", "maxmemory"] {
            config.onChange(name) { [unowned self] _ in
                self.reloadClientEvictionLimit()
                self.evictClients()
                return nil
            }
        }
    }
}
