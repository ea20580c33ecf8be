// Counters behind INFO stats, errorstats and the instantaneous figures.
import Store

public struct ServerStats {
    public var connectionsReceived: Int64 = 0
    public var commandsProcessed: Int64 = 0
    public var rejectedConnections: Int64 = 0
    /// Hits, misses and expired keys, counted by the Store's lookups.
    public var keyspace = KeyspaceCounters()
    public var expiredKeys: Int64 {
        get { keyspace.expired }
        set { keyspace.expired = newValue }
    }
    public var expiredStalePercent: Double = 0
    public var expiredTimeCapReached: Int64 = 0
    public var expireCycleMilliseconds: Int64 = 0
    public var evictedKeys: Int64 = 0
    /// Time spent over maxmemory (stat_total_eviction_exceeded_time, µs), and since when the
    /// current stretch runs (monotonic µs; 0: within the limit).
    public var evictionExceededMicroseconds: Int64 = 0
    public var evictionExceededSince: Int64 = 0
    /// Clients closed by maxmemory-clients (evicted_clients).
    public var evictedClients: Int64 = 0
    public var keyspaceHits: Int64 {
        get { keyspace.hits }
        set { keyspace.hits = newValue }
    }
    public var keyspaceMisses: Int64 {
        get { keyspace.misses }
        set { keyspace.misses = newValue }
    }
    public var netInputBytes: Int64 = 0
    public var netOutputBytes: Int64 = 0
    /// Bytes of replication traffic (total_net_repl_input_bytes / total_net_repl_output_bytes).
    public var netReplicationInputBytes: Int64 = 0
    public var netReplicationOutputBytes: Int64 = 0
    public var readsProcessed: Int64 = 0
    public var writesProcessed: Int64 = 0
    public var errorReplies: Int64 = 0
    public var unexpectedErrorReplies: Int64 = 0
    /// Error replies by their first word ("ERR", "WRONGTYPE"), as errorstat_<code>.
    public var errorsByCode: [String: Int64] = [:]
    /// The ring of per-100ms samples Redis averages for instantaneous_* figures.
    var opsSamples = InstantaneousMetric()
    var inputSamples = InstantaneousMetric()
    var outputSamples = InstantaneousMetric()

    mutating func recordError(_ text: String) {
        errorReplies += 1
        var code = Substring(text.prefix(while: { $0 != " " }))
        if code.hasPrefix("-") { code = code.dropFirst() }
        errorsByCode[String(code), default: 0] += 1
    }

    /// CONFIG RESETSTAT.
    mutating func reset() {
        self = ServerStats()
    }
}

/// Averages a counter's growth rate over the last 16 samples, as Redis's trackInstantaneousMetric.
struct InstantaneousMetric {
    private var samples = [Int64](repeating: 0, count: 16)
    private var index = 0
    private var lastValue: Int64 = 0
    private var lastTime: Int64 = 0

    mutating func record(value: Int64, nowMilliseconds: Int64) {
        let elapsed = nowMilliseconds - lastTime
        if lastTime != 0 && elapsed > 0 {
            samples[index] = (value - lastValue) * 1000 / elapsed
            index = (index + 1) % samples.count
        }
        lastValue = value
        lastTime = nowMilliseconds
    }

    var perSecond: Int64 { samples.reduce(0, +) / Int64(samples.count) }
}
