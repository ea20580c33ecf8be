// The table of every directive Redis 7.0.15 knows (as built by Debian, which includes TLS), with
// the types, bounds, defaults and flags of Redis's `static_configs[]`. Order matters only for
// output that Redis leaves unordered (CONFIG GET, appended CONFIG REWRITE lines), so it groups
// directives by type, as Redis does.

private let intMax = Int64(Int32.max)
private let intMin = Int64(Int32.min)
private let uintMax = Int64(UInt32.max)
private let longMax = Int64.max
private let ullongMax = Int64(bitPattern: UInt64.max)

extension Directive {
    static func bool(_ name: String, alias: String? = nil, _ value: Bool, flags: DirectiveFlags = [],
                     validate: DirectiveValidator? = nil) -> Directive {
        Directive(name, alias: alias, flags, .bool(defaultValue: value), validate: validate)
    }

    /// A string whose "" is a real value (Redis's ALLOW_EMPTY_STRING).
    static func string(_ name: String, alias: String? = nil, _ value: String, flags: DirectiveFlags = [],
                       validate: DirectiveValidator? = nil) -> Directive {
        Directive(name, alias: alias, flags, .string(defaultValue: value, emptyIsNull: false), validate: validate)
    }

    /// A string that is NULL when unset or set to "" (Redis's EMPTY_STRING_IS_NULL).
    static func optional(_ name: String, alias: String? = nil, flags: DirectiveFlags = [],
                         validate: DirectiveValidator? = nil) -> Directive {
        Directive(name, alias: alias, flags, .string(defaultValue: nil, emptyIsNull: true), validate: validate)
    }

    static func enumeration(_ name: String, alias: String? = nil, _ options: [EnumOption], _ value: String,
                            flags: DirectiveFlags = [], validate: DirectiveValidator? = nil) -> Directive {
        let defaultValue = options.first { $0.name == value }!.value
        return Directive(name, alias: alias, flags, .enumeration(options: options, defaultValue: defaultValue),
                         validate: validate)
    }

    static func number(_ name: String, alias: String? = nil, _ lower: Int64, _ upper: Int64, _ value: Int64,
                       _ format: NumericFormat = .integer, flags: DirectiveFlags = [], unsigned: Bool = false,
                       clamp: ClosedRange<Int64>? = nil, runtimeMinimum: Int64? = nil) -> Directive {
        Directive(name, alias: alias, flags,
                  .numeric(NumericSpec(lower: lower, upper: upper, defaultValue: value, format: format,
                                       unsigned: unsigned, clamp: clamp, runtimeMinimum: runtimeMinimum)))
    }

    static func special(_ name: String, alias: String? = nil, _ kind: SpecialKind, flags: DirectiveFlags = []) -> Directive {
        Directive(name, alias: alias, flags, .special(kind))
    }
}

/// Enum option lists, in Redis's order (which is the order of its "must be one of" error text).
enum ConfigEnums {
    static func options(_ names: String...) -> [EnumOption] {
        names.enumerated().map { EnumOption(name: $0.element, value: $0.offset) }
    }

    static let maxmemoryPolicy = options("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                                         "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction")
    static let syslogFacility = options("user", "local0", "local1", "local2", "local3", "local4", "local5",
                                        "local6", "local7")
    /// Values are Redis's LL_DEBUG...LL_WARNING.
    static let loglevel = options("debug", "verbose", "notice", "warning")
    static let supervised = [EnumOption(name: "upstart", value: 1), EnumOption(name: "systemd", value: 2),
                             EnumOption(name: "auto", value: 3), EnumOption(name: "no", value: 0)]
    static let appendfsync = options("everysec", "always", "no")
    static let replDisklessLoad = options("disabled", "on-empty-db", "swapdb")
    static let tlsAuthClients = options("no", "yes", "optional")
    static let oomScoreAdj = [EnumOption(name: "no", value: 0), EnumOption(name: "yes", value: 1),
                              EnumOption(name: "relative", value: 1), EnumOption(name: "absolute", value: 2)]
    static let aclPubsubDefault = [EnumOption(name: "allchannels", value: 1), EnumOption(name: "resetchannels", value: 0)]
    static let sanitizeDumpPayload = options("no", "yes", "clients")
    static let protectedAction = options("no", "yes", "local")
    static let clusterEndpointType = options("ip", "hostname", "unknown-endpoint")
    static let propagationErrorBehavior = options("ignore", "panic", "panic-on-replicas")
    /// Bit flags, combinable on one line ("save now"); values are Redis's SHUTDOWN_* flags.
    static let shutdownOnSignal = [EnumOption(name: "default", value: 0), EnumOption(name: "save", value: 1),
                                   EnumOption(name: "nosave", value: 2), EnumOption(name: "now", value: 4),
                                   EnumOption(name: "force", value: 8)]
}

enum ConfigDirectives {
    static let all: [Directive] = booleans + strings + enums + numbers + tls + specials

    static let booleans: [Directive] = [
        .bool("rdbchecksum", true, flags: .immutable),
        .bool("daemonize", false, flags: .immutable),
        .bool("io-threads-do-reads", false, flags: .immutable),
        .bool("always-show-logo", false, flags: .immutable),
        .bool("protected-mode", true),
        .bool("rdbcompression", true),
        .bool("rdb-del-sync-files", false),
        .bool("activerehashing", true),
        .bool("stop-writes-on-bgsave-error", true),
        .bool("set-proc-title", true, flags: .immutable),
        .bool("dynamic-hz", true),
        .bool("lazyfree-lazy-eviction", false),
        .bool("lazyfree-lazy-expire", false),
        .bool("lazyfree-lazy-server-del", false),
        .bool("lazyfree-lazy-user-del", false),
        .bool("lazyfree-lazy-user-flush", false),
        .bool("repl-disable-tcp-nodelay", false),
        .bool("repl-diskless-sync", true),
        .bool("aof-rewrite-incremental-fsync", true),
        .bool("no-appendfsync-on-rewrite", false),
        .bool("cluster-require-full-coverage", true),
        .bool("rdb-save-incremental-fsync", true),
        .bool("aof-load-truncated", true),
        .bool("aof-use-rdb-preamble", true),
        .bool("aof-timestamp-enabled", false),
        .bool("cluster-replica-no-failover", alias: "cluster-slave-no-failover", false),
        .bool("replica-lazy-flush", alias: "slave-lazy-flush", false),
        .bool("replica-serve-stale-data", alias: "slave-serve-stale-data", true),
        .bool("replica-read-only", alias: "slave-read-only", true),
        .bool("replica-ignore-maxmemory", alias: "slave-ignore-maxmemory", true),
        .bool("jemalloc-bg-thread", true),
        .bool("activedefrag", false),
        .bool("syslog-enabled", false, flags: .immutable),
        .bool("cluster-enabled", false, flags: .immutable),
        .bool("appendonly", false, flags: .denyLoading),
        .bool("cluster-allow-reads-when-down", false),
        .bool("cluster-allow-pubsubshard-when-down", true),
        .bool("crash-log-enabled", true),
        .bool("crash-memcheck-enabled", true),
        .bool("use-exit-on-panic", false, flags: .hidden),
        .bool("disable-thp", true, flags: .immutable),
        .bool("cluster-allow-replica-migration", true),
        .bool("replica-announced", true),
        .bool("latency-tracking", true),
        .bool("aof-disable-auto-gc", false),
        .bool("replica-ignore-disk-write-errors", false),
    ]

    static let strings: [Directive] = [
        .string("aclfile", "", flags: .immutable),
        .optional("unixsocket", flags: .immutable),
        .optional("pidfile", flags: .immutable),
        .optional("replica-announce-ip", alias: "slave-announce-ip"),
        .optional("masteruser", flags: .sensitive),
        .optional("cluster-announce-ip"),
        .string("cluster-config-file", "nodes.conf", flags: .immutable),
        .optional("cluster-announce-hostname", validate: ConfigValidators.announcedHostname),
        .string("syslog-ident", "redis", flags: .immutable),
        .string("dbfilename", "dump.rdb", flags: .protected, validate: ConfigValidators.dbfilename),
        .string("appendfilename", "appendonly.aof", flags: .immutable, validate: ConfigValidators.appendfilename),
        .string("appenddirname", "appendonlydir", flags: .immutable, validate: ConfigValidators.appenddirname),
        .optional("server_cpulist", flags: .immutable),
        .optional("bio_cpulist", flags: .immutable),
        .optional("aof_rewrite_cpulist", flags: .immutable),
        .optional("bgsave_cpulist", flags: .immutable),
        .string("ignore-warnings", ""),
        .string("proc-title-template", "{title} {listen-addr} {server-mode}",
                validate: ConfigValidators.procTitleTemplate),
        .optional("bind-source-addr"),
        .string("logfile", "", flags: .immutable),
        .optional("masterauth", flags: .sensitive),
        .optional("requirepass", flags: .sensitive),
    ]

    static let enums: [Directive] = [
        .enumeration("supervised", ConfigEnums.supervised, "no", flags: .immutable),
        .enumeration("syslog-facility", ConfigEnums.syslogFacility, "local0", flags: .immutable),
        .enumeration("repl-diskless-load", ConfigEnums.replDisklessLoad, "disabled", flags: .denyLoading),
        .enumeration("loglevel", ConfigEnums.loglevel, "notice"),
        .enumeration("maxmemory-policy", ConfigEnums.maxmemoryPolicy, "noeviction"),
        .enumeration("appendfsync", ConfigEnums.appendfsync, "everysec"),
        .enumeration("oom-score-adj", ConfigEnums.oomScoreAdj, "no"),
        .enumeration("acl-pubsub-default", ConfigEnums.aclPubsubDefault, "resetchannels"),
        .enumeration("sanitize-dump-payload", ConfigEnums.sanitizeDumpPayload, "no"),
        .enumeration("enable-protected-configs", ConfigEnums.protectedAction, "no", flags: .immutable),
        .enumeration("enable-debug-command", ConfigEnums.protectedAction, "no", flags: .immutable),
        .enumeration("enable-module-command", ConfigEnums.protectedAction, "no", flags: .immutable),
        .enumeration("cluster-preferred-endpoint-type", ConfigEnums.clusterEndpointType, "ip"),
        .enumeration("propagation-error-behavior", ConfigEnums.propagationErrorBehavior, "ignore"),
        .enumeration("shutdown-on-sigint", ConfigEnums.shutdownOnSignal, "default", flags: .multiArg,
                     validate: ConfigValidators.shutdownFlags),
        .enumeration("shutdown-on-sigterm", ConfigEnums.shutdownOnSignal, "default", flags: .multiArg,
                     validate: ConfigValidators.shutdownFlags),
    ]

    static let numbers: [Directive] = [
        // C int
        .number("databases", 1, intMax, 16, flags: .immutable),
        .number("port", 0, 65535, 6379),
        .number("io-threads", 1, 128, 1, flags: .immutable),
        .number("auto-aof-rewrite-percentage", 0, intMax, 100),
        .number("cluster-replica-validity-factor", alias: "cluster-slave-validity-factor", 0, intMax, 10),
        .number("list-max-listpack-size", alias: "list-max-ziplist-size", intMin, intMax, -2),
        .number("tcp-keepalive", 0, intMax, 300),
        .number("cluster-migration-barrier", 0, intMax, 1),
        .number("active-defrag-cycle-min", 1, 99, 1),
        .number("active-defrag-cycle-max", 1, 99, 25),
        .number("active-defrag-threshold-lower", 0, 1000, 10),
        .number("active-defrag-threshold-upper", 0, 1000, 100),
        .number("lfu-log-factor", 0, intMax, 10),
        .number("lfu-decay-time", 0, intMax, 1),
        .number("replica-priority", alias: "slave-priority", 0, intMax, 100),
        .number("repl-diskless-sync-delay", 0, intMax, 5),
        .number("maxmemory-samples", 1, intMax, 5),
        .number("maxmemory-eviction-tenacity", 0, 100, 10),
        .number("timeout", 0, intMax, 0),
        .number("replica-announce-port", alias: "slave-announce-port", 0, 65535, 0),
        .number("tcp-backlog", 0, intMax, 511, flags: .immutable),
        .number("cluster-port", 0, 65535, 0, flags: .immutable),
        .number("cluster-announce-bus-port", 0, 65535, 0),
        .number("cluster-announce-port", 0, 65535, 0),
        .number("cluster-announce-tls-port", 0, 65535, 0),
        .number("repl-timeout", 1, intMax, 60),
        .number("repl-ping-replica-period", alias: "repl-ping-slave-period", 1, intMax, 10),
        .number("list-compress-depth", 0, intMax, 0),
        .number("rdb-key-save-delay", intMin, intMax, 0, flags: .hidden),
        .number("key-load-delay", intMin, intMax, 0, flags: .hidden),
        .number("active-expire-effort", 1, 10, 1),
        .number("hz", 0, intMax, 10, clamp: 1...500),
        .number("min-replicas-to-write", alias: "min-slaves-to-write", 0, intMax, 0),
        .number("min-replicas-max-lag", alias: "min-slaves-max-lag", 0, intMax, 10),
        .number("watchdog-period", 0, intMax, 0, flags: .hidden),
        .number("shutdown-timeout", 0, intMax, 10),
        .number("repl-diskless-sync-max-replicas", 0, intMax, 0),
        // C unsigned int
        .number("maxclients", 1, uintMax, 10000, unsigned: true),
        .number("unixsocketperm", 0, 0o777, 0, .octal, flags: .immutable, unsigned: true),
        .number("socket-mark-id", 0, uintMax, 0, flags: .immutable, unsigned: true),
        // C unsigned long (bounded to LONG_MAX, so compared as signed)
        .number("active-defrag-max-scan-fields", 1, longMax, 1000),
        .number("slowlog-max-len", 0, longMax, 128),
        .number("acllog-max-len", 0, longMax, 128),
        // C long long
        .number("busy-reply-threshold", alias: "lua-time-limit", 0, longMax, 5000),
        .number("cluster-node-timeout", 0, longMax, 15000),
        .number("slowlog-log-slower-than", -1, longMax, 10000),
        .number("latency-monitor-threshold", 0, longMax, 0),
        .number("proto-max-bulk-len", 1024 * 1024, longMax, 512 * 1024 * 1024, .memory),
        .number("stream-node-max-entries", 0, longMax, 100),
        .number("repl-backlog-size", 1, longMax, 1024 * 1024, .memory, runtimeMinimum: 16 * 1024),
        // C unsigned long long
        .number("maxmemory", 0, ullongMax, 0, .memory, unsigned: true),
        .number("cluster-link-sendbuf-limit", 0, ullongMax, 0, .memory, unsigned: true),
        // C size_t
        .number("hash-max-listpack-entries", alias: "hash-max-ziplist-entries", 0, longMax, 512, unsigned: true),
        .number("set-max-intset-entries", 0, longMax, 512, unsigned: true),
        .number("zset-max-listpack-entries", alias: "zset-max-ziplist-entries", 0, longMax, 128, unsigned: true),
        .number("active-defrag-ignore-bytes", 1, longMax, 100 << 20, .memory, unsigned: true),
        .number("hash-max-listpack-value", alias: "hash-max-ziplist-value", 0, longMax, 64, .memory, unsigned: true),
        .number("stream-node-max-bytes", 0, longMax, 4096, .memory, unsigned: true),
        .number("zset-max-listpack-value", alias: "zset-max-ziplist-value", 0, longMax, 64, .memory, unsigned: true),
        .number("hll-sparse-max-bytes", 0, longMax, 3000, .memory, unsigned: true),
        .number("tracking-table-max-keys", 0, longMax, 1_000_000, unsigned: true),
        .number("client-query-buffer-limit", 1024 * 1024, longMax, 1024 * 1024 * 1024, .memory, unsigned: true),
        // C ssize_t, time_t, off_t
        .number("maxmemory-clients", -100, longMax, 0, .memoryOrPercent),
        .number("repl-backlog-ttl", 0, longMax, 3600),
        .number("auto-aof-rewrite-min-size", 0, longMax, 64 * 1024 * 1024, .memory),
        .number("loading-process-events-interval-bytes", 1024, intMax, 2 * 1024 * 1024, flags: .hidden),
    ]

    static let tls: [Directive] = [
        .number("tls-port", 0, 65535, 0),
        .number("tls-session-cache-size", 0, intMax, 20 * 1024),
        .number("tls-session-cache-timeout", 0, intMax, 300),
        .bool("tls-cluster", false),
        .bool("tls-replication", false),
        .enumeration("tls-auth-clients", ConfigEnums.tlsAuthClients, "yes"),
        .bool("tls-prefer-server-ciphers", false),
        .bool("tls-session-caching", true),
        .optional("tls-cert-file"),
        .optional("tls-key-file"),
        .optional("tls-key-file-pass"),
        .optional("tls-client-cert-file"),
        .optional("tls-client-key-file"),
        .optional("tls-client-key-file-pass"),
        .optional("tls-dh-params-file"),
        .optional("tls-ca-cert-file"),
        .optional("tls-ca-cert-dir"),
        .optional("tls-protocols"),
        .optional("tls-ciphers"),
        .optional("tls-ciphersuites"),
    ]

    static let specials: [Directive] = [
        .special("dir", .dir, flags: [.protected, .denyLoading]),
        .special("save", .save, flags: .multiArg),
        .special("client-output-buffer-limit", .clientOutputBufferLimit, flags: .multiArg),
        .special("oom-score-adj-values", .oomScoreAdjValues, flags: .multiArg),
        .special("notify-keyspace-events", .notifyKeyspaceEvents),
        .special("bind", .bind, flags: .multiArg),
        .special("replicaof", alias: "slaveof", .replicaOf, flags: [.immutable, .multiArg]),
        .special("latency-tracking-info-percentiles", .latencyTrackingInfoPercentiles, flags: .multiArg),
    ]
}

/// Lines a config file may hold besides directives of the table. CONFIG REWRITE leaves them in
/// place instead of commenting them out as unknown.
let fileOnlyDirectives: Set<String> = ["include", "rename-command", "user", "loadmodule", "sentinel"]

/// Directives Redis 7.0 still accepts in a file (with exactly these argument counts) and ignores.
let deprecatedDirectives: [String: ClosedRange<Int>] = [
    "list-max-ziplist-entries": 2...2,
    "list-max-ziplist-value": 2...2,
    "lua-replicate-commands": 2...2,
]
