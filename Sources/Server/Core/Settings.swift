import Config

// The configuration values read on the request path, copied out of the ConfigStore whenever
// CONFIG SET changes them, so a command never looks a directive up by name.

public struct Settings {
    public var port = 6379
    public var bind: [String] = ["127.0.0.1", "-::1"]
    public var tcpBacklog = 511
    public var maxClients = 10000
    public var timeoutSeconds = 0
    /// busy-reply-threshold (lua-time-limit) in milliseconds; 0: scripts are never interrupted.
    public var busyReplyThreshold: Int64 = 5000
    public var tcpKeepAlive = 300
    public var protoMaxBulkLen: Int64 = 512 * 1024 * 1024
    public var clientQueryBufferLimit: Int64 = 1024 * 1024 * 1024
    public var hz = 10
    public var databases = 16
    public var maxMemoryPolicy = "noeviction" {
        didSet { derivePolicyFlags() }
    }
    public var maxMemory: Int64 = 0 {
        didSet { derivePolicyFlags() }
    }
    /// Shared integer objects can't carry a per-key LRU/LFU clock, so Redis stops sharing them
    /// when maxmemory evicts by LRU or LFU. Derived once here, read on every SET.
    public private(set) var sharedIntegersAllowed = true
    public private(set) var usesLFU = false
    public private(set) var evictionPolicy = EvictionPolicy.noEviction
    public var maxMemorySamples = 5
    public var maxMemoryEvictionTenacity = 10
    public var lazyfreeLazyEviction = false
    public var replicaIgnoreMaxmemory = true
    public var enableDebugCommand = "no"
    public var enableModuleCommand = "no"
    public var activeRehashing = true
    public var lfuLogFactor = 10
    public var lfuDecayTime = 1
    public var latencyTracking = true
    public var latencyPercentiles: [Double] = [50, 99, 99.9]
    public var hashMaxListpackEntries = 512
    public var hashMaxListpackValue = 64
    public var setMaxIntsetEntries = 512
    public var zsetMaxListpackEntries = 128
    public var zsetMaxListpackValue = 64
    public var listMaxListpackSize = -2
    public var streamNodeMaxBytes = 4096
    public var streamNodeMaxEntries = 100
    public var hllSparseMaxBytes = 3000
    /// slowlog-log-slower-than in µs; negative: the slow log is off.
    public var slowlogLogSlowerThan: Int64 = 10000
    public var slowlogMaxLength = 128
    /// latency-monitor-threshold in ms; 0: the latency monitor is off.
    public var latencyMonitorThreshold: Int64 = 0
    public var listCompressDepth = 0
    public var activeDefrag = false
    public var activeDefragIgnoreBytes: Int64 = 100 << 20
    public var activeDefragThresholdLower = 10
    public var activeDefragThresholdUpper = 100
    public var activeDefragCycleMin = 1
    public var activeDefragCycleMax = 25
    /// notify-keyspace-events as KeyspaceEventFlags bits; 0 turns every event off.
    public var notifyKeyspaceEvents = 0

    private mutating func derivePolicyFlags() {
        usesLFU = maxMemoryPolicy.contains("lfu")
        evictionPolicy = EvictionPolicy(maxMemoryPolicy)
        sharedIntegersAllowed = maxMemory == 0 || !(maxMemoryPolicy.contains("lru") || usesLFU)
    }

    init() {}

    init(config: ConfigStore) {
        port = Int(config.int("port"))
        bind = config.string("bind").split(separator: " ").map(String.init)
        tcpBacklog = Int(config.int("tcp-backlog"))
        maxClients = Int(config.int("maxclients"))
        timeoutSeconds = Int(config.int("timeout"))
        busyReplyThreshold = config.int("busy-reply-threshold")
        tcpKeepAlive = Int(config.int("tcp-keepalive"))
        protoMaxBulkLen = config.int("proto-max-bulk-len")
        clientQueryBufferLimit = config.int("client-query-buffer-limit")
        hz = Int(config.int("hz"))
        databases = Int(config.int("databases"))
        maxMemory = config.int("maxmemory")
        maxMemoryPolicy = config.string("maxmemory-policy")
        maxMemorySamples = Int(clamping: config.int("maxmemory-samples"))
        maxMemoryEvictionTenacity = Int(clamping: config.int("maxmemory-eviction-tenacity"))
        lazyfreeLazyEviction = config.bool("lazyfree-lazy-eviction")
        replicaIgnoreMaxmemory = config.bool("replica-ignore-maxmemory")
        enableDebugCommand = config.string("enable-debug-command")
        enableModuleCommand = config.string("enable-module-command")
        activeRehashing = config.bool("activerehashing")
        lfuLogFactor = Int(config.int("lfu-log-factor"))
        lfuDecayTime = Int(config.int("lfu-decay-time"))
        latencyTracking = config.bool("latency-tracking")
        latencyPercentiles = config.string("latency-tracking-info-percentiles").split(separator: " ").compactMap { Double($0) }
        hashMaxListpackEntries = Int(clamping: config.int("hash-max-listpack-entries"))
        hashMaxListpackValue = Int(clamping: config.int("hash-max-listpack-value"))
        setMaxIntsetEntries = Int(clamping: config.int("set-max-intset-entries"))
        zsetMaxListpackEntries = Int(clamping: config.int("zset-max-listpack-entries"))
        zsetMaxListpackValue = Int(clamping: config.int("zset-max-listpack-value"))
        listMaxListpackSize = Int(clamping: config.int("list-max-listpack-size"))
        streamNodeMaxBytes = Int(clamping: config.int("stream-node-max-bytes"))
        streamNodeMaxEntries = Int(clamping: config.int("stream-node-max-entries"))
        hllSparseMaxBytes = Int(clamping: config.int("hll-sparse-max-bytes"))
        slowlogLogSlowerThan = config.int("slowlog-log-slower-than")
        slowlogMaxLength = Int(clamping: config.int("slowlog-max-len"))
        latencyMonitorThreshold = config.int("latency-monitor-threshold")
        listCompressDepth = Int(clamping: config.int("list-compress-depth"))
        activeDefrag = config.bool("activedefrag")
        activeDefragIgnoreBytes = config.int("active-defrag-ignore-bytes")
        activeDefragThresholdLower = Int(clamping: config.int("active-defrag-threshold-lower"))
        activeDefragThresholdUpper = Int(clamping: config.int("active-defrag-threshold-upper"))
        activeDefragCycleMin = Int(clamping: config.int("active-defrag-cycle-min"))
        activeDefragCycleMax = Int(clamping: config.int("active-defrag-cycle-max"))
        notifyKeyspaceEvents = Int(clamping: config.int("notify-keyspace-events"))
        derivePolicyFlags()  // property observers don't run inside an initializer
    }
}
