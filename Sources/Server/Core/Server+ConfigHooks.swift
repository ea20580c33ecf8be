import Config
import Store

// Reacting to CONFIG SET: each directive the server acts on refreshes the settings copied for
// the request path. Directives Apus accepts but does not act on are listed for the start-up log.

extension Server {
    /// Directives whose values change Apus's behaviour today.
    static let directivesInEffect: Set<String> = [
        "port", "bind", "tcp-backlog", "maxclients", "timeout", "tcp-keepalive", "proto-max-bulk-len",
        "client-query-buffer-limit", "hz", "databases", "maxmemory-policy", "enable-debug-command",
        "enable-protected-configs", "activerehashing", "lfu-log-factor", "lfu-decay-time", "loglevel",
        "logfile", "pidfile", "requirepass", "dir", "latency-tracking", "latency-tracking-info-percentiles",
        "hash-max-listpack-entries", "hash-max-listpack-value", "set-max-intset-entries",
        "zset-max-listpack-entries", "zset-max-listpack-value", "list-max-listpack-size", "list-compress-depth",
        "activedefrag", "active-defrag-ignore-bytes", "active-defrag-threshold-lower", "active-defrag-threshold-upper",
        "active-defrag-cycle-min", "active-defrag-cycle-max", "notify-keyspace-events",
        "client-output-buffer-limit", "save", "stop-writes-on-bgsave-error", "shutdown-on-sigterm", "shutdown-on-sigint",
        "rdb-key-save-delay", "dbfilename", "rdbcompression", "rdbchecksum", "sanitize-dump-payload",
        "appendonly", "appendfsync", "appenddirname", "appendfilename", "aof-use-rdb-preamble", "aof-load-truncated",
        "aof-timestamp-enabled", "auto-aof-rewrite-percentage", "auto-aof-rewrite-min-size",
        "replicaof", "masterauth", "masteruser", "replica-read-only", "replica-serve-stale-data",
        "repl-backlog-size", "repl-backlog-ttl", "repl-timeout", "repl-ping-replica-period", "repl-diskless-sync",
        "repl-diskless-sync-delay", "repl-diskless-sync-max-replicas", "min-replicas-to-write",
        "min-replicas-max-lag", "replica-announce-ip", "replica-announce-port", "repl-disable-tcp-nodelay",
        "replica-priority", "replica-announced", "daemonize", "rdb-del-sync-files", "repl-diskless-load",
        "busy-reply-threshold", "lua-time-limit", "stream-node-max-bytes", "stream-node-max-entries",
        "hll-sparse-max-bytes", "slowlog-log-slower-than", "slowlog-max-len", "latency-monitor-threshold",
        "enable-module-command",
        "aclfile", "acllog-max-len", "acl-pubsub-default", "user",
        "tls-port", "tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file", "tls-client-key-file",
        "tls-client-key-file-pass", "tls-dh-params-file", "tls-ca-cert-file", "tls-ca-cert-dir", "tls-protocols",
        "tls-ciphers", "tls-ciphersuites", "tls-prefer-server-ciphers", "tls-session-caching", "tls-session-cache-size",
        "tls-session-cache-timeout", "tls-replication", "tls-auth-clients", "tls-cluster",
        "maxmemory", "maxmemory-samples", "maxmemory-eviction-tenacity",
        "lazyfree-lazy-eviction", "replica-ignore-maxmemory",
        "protected-mode", "unixsocket", "unixsocketperm", "oom-score-adj", "oom-score-adj-values", "maxmemory-clients",
    ]

    func installConfigHooks() {
        for name in ["maxclients", "timeout", "tcp-keepalive", "proto-max-bulk-len", "client-query-buffer-limit",
                     "hz", "maxmemory", "maxmemory-policy", "activerehashing", "lfu-log-factor", "lfu-decay-time",
                     "hash-max-listpack-entries", "hash-max-listpack-value", "set-max-intset-entries",
                     "zset-max-listpack-entries", "zset-max-listpack-value", "list-max-listpack-size",
                     "list-compress-depth", "latency-tracking", "latency-tracking-info-percentiles",
                     "activedefrag", "active-defrag-ignore-bytes", "active-defrag-threshold-lower",
                     "active-defrag-threshold-upper", "active-defrag-cycle-min", "active-defrag-cycle-max",
                     "notify-keyspace-events", "busy-reply-threshold", "stream-node-max-bytes",
                     "stream-node-max-entries", "hll-sparse-max-bytes", "slowlog-log-slower-than",
                     "slowlog-max-len", "latency-monitor-threshold", "maxmemory-samples",
                     "maxmemory-eviction-tenacity", "lazyfree-lazy-eviction", "replica-ignore-maxmemory"] {
            config.onChange(name) { [unowned self] _ in
                self.reloadSettings()
                return nil
            }
        }
        reloadOutputBufferLimits()
        config.onChange("client-output-buffer-limit") { [unowned self] _ in
            self.reloadOutputBufferLimits()
            return nil
        }
        installAOFConfigHooks()
        installEvictionConfigHooks()
        installReplicationConfigHooks()
        config.onChange("loglevel") { [unowned self] value in
            self.logger.logLevel = RedisLogHandler.level(for: value)
            return nil
        }
    }

    /// Pushes the settings that live outside the server object (the LFU counter parameters read by
    /// the Store module) to where they are read. Called at start-up and after every CONFIG SET, so
    /// a directive from the config file or the command line takes effect like one set at runtime.
    func applyProcessWideSettings() {
        LFU.logFactor = settings.lfuLogFactor
        LFU.decayTime = settings.lfuDecayTime
        updateNewKeyNotification()
    }

    /// Copies the request-path settings out of the config store again.
    func reloadSettings() {
        let port = settings.port
        let bind = settings.bind
        settings = Settings(config: config)
        settings.port = port
        settings.bind = bind
        applyProcessWideSettings()
        for client in clientsByFD.compactMap({ $0 }) {
            client.parser.limits.maxBulkLength = settings.protoMaxBulkLen
        }
    }
}
