import CEpoll
import Config
import Glibc
import Logging
import RESP
import Reactor
import Store

// The server: configuration, databases, clients and the event loop that ties them together.
// Everything runs on the loop's thread; nothing here is shared with another thread.

public final class Server {
    public let config: ConfigStore
    public internal(set) var settings: Settings
    let loop: EventLoop
    public internal(set) var databases: [Database] = []
    let commandTable: CommandTable
    var stats = ServerStats()
    var logger: Logger

    /// Clients by fd (fds are small and dense), and by id (lookupClientByID: tracking
    /// redirects, CLIENT UNBLOCK).
    var clientsByFD: [Client?] = []
    var clientsByID: [Int64: Client] = [:]
    public internal(set) var clientCount = 0
    var pendingWrites: [Client] = []
    /// Clients to close at the next before-sleep (killed, over a limit).
    var clientsToClose: [Client] = []
    /// The TCP, TLS and Unix sockets clients connect to (Networking/Listeners.swift).
    var listeners = Listeners()
    /// The SSL contexts (Networking/TLS*.swift).
    var tls = TLSState()
    /// What oom-score-adj changed (Core/OOMScoreAdjustment.swift).
    var oomScore = OOMScoreState()
    /// maxmemory-clients: client memory and eviction (Networking/ClientEviction.swift).
    var clientMemory = ClientMemoryAccounting()
    var nextClientID: Int64 = 1
    let signals: ShutdownSignals

    /// Wall-clock milliseconds, refreshed before each batch of commands (Redis's cached mstime).
    public internal(set) var now: Int64 = 0
    let startedAtMilliseconds: Int64
    let startedMonotonicMicroseconds: Int64
    let runID: String
    var activeExpireEnabled = true
    var debug = DebugSettings()
    var dirty: Int64 = 0
    var cronLoops: Int64 = 0
    var shutdownRequested = false
    var shutdownExitCode: Int32 = 0
    /// Peak of the process's allocated bytes, for INFO memory.
    /// SLOWLOG: commands slower than slowlog-log-slower-than.
    let slowLog = SlowLog()
    /// LATENCY: events that took at least latency-monitor-threshold ms.
    let latency = LatencyMonitor()
    var peakMemory: Int64 = 0
    /// used_memory once start-up is done (used_memory_startup).
    var startupMemory: Int64 = 0
    /// The active defragmentation pass (ActiveDefrag.swift).
    var defrag = DefragState()
    /// Clients blocked on keys (Blocking/).
    let blocking: BlockingRegistry
    /// Keys watched by clients for their transactions (Transactions/).
    let watches = WatchRegistry()
    /// The stream of writes to the AOF and replicas (Execution/Propagation.swift).
    let propagation = PropagationStream()
    /// How deep calls are nested (EXEC calls its queued commands); 0 between commands.
    var executionDepth = 0
    /// The running call's propagation declarations (Execution/Call.swift).
    var callEffects: CallEffects = []
    /// The client whose command runs (Redis's server.current_client), nil between commands.
    /// Unmanaged: saving and restoring it around every call must not count references.
    var currentClientRef: Unmanaged<Client>?
    var currentClient: Client? { currentClientRef?.takeUnretainedValue() }
    /// Client-side caching's tables (Tracking/).
    let tracking = TrackingTables()
    /// Clients in MONITOR mode (ClientControls/).
    var monitors: [Client] = []
    /// CLIENT PAUSE state (ClientControls/).
    var pause = ClientPause()
    /// maxmemory eviction's pool, timer and pre-command OOM verdict (Eviction/Eviction.swift).
    let eviction = EvictionState()
    /// MIGRATE's cached connections (Commands/MigrateSockets.swift).
    var migrateSockets = MigrateSocketCache()
    /// Channels, patterns and shard channels with their subscribers (PubSub/).
    let pubsub = PubSubRegistry()
    /// Users, the ACL log and its counters (ACL/).
    let acl = ACLState()
    /// client-output-buffer-limit per client class (Networking/OutputBufferLimits.swift).
    var outputBufferLimits = OutputBufferLimits()
    /// Snapshots, save points and the forked child (Persistence/).
    var persistence = PersistenceState()
    var loadingState = LoadingState()
    /// server.loading: commands without the `loading` flag get -LOADING.
    var loading: Bool { loadingState.isActive }
    /// The append-only file (Persistence/AOF*.swift).
    let aof = AppendOnlyFile()
    /// Replication IDs, offset, backlog, replicas and the link to our master (Replication/).
    let replication = ReplicationState(replicationID: ReplicationState.randomID())
    /// The backlog's consumer of the propagation stream, while there is a backlog.
    var replicationConsumerToken: Int?
    /// The relay of a running diskless sync (Replication/DisklessSync.swift).
    var disklessTransfer: DisklessTransfer?
    /// EVAL's Lua interpreter, the scripts cache and the running script (Scripting/).
    lazy var scripting = ScriptingEngine(server: self)
    /// FUNCTION's libraries and their own Lua interpreter (Scripting/Functions/).
    lazy var functions = FunctionLibraries(server: self)
    /// The script running past busy-reply-threshold, while other clients are served -BUSY.
    var busyScript: ScriptRun?
    /// A SHUTDOWN waiting for the replicas to catch up (ShutdownWait.swift).
    var pendingShutdown: PendingShutdown?

    public init(config: ConfigStore, logger: Logger) throws {
        self.config = config
        self.logger = logger
        settings = Settings(config: config)
        loop = try EventLoop()
        signals = try ShutdownSignals()
        blocking = BlockingRegistry()
        startedAtMilliseconds = Server.wallMilliseconds()
        startedMonotonicMicroseconds = apus_monotonic_us()
        now = startedAtMilliseconds
        runID = (0..<40).map { _ in String("0123456789abcdef".randomElement()!) }.joined()
        ByteHash.seed = UInt64.random(in: 1...UInt64.max)
        LRUClock.refresh(nowMilliseconds: now)
        databases = (0..<settings.databases).map { Database(id: $0) }
        commandTable = CommandTable(handlers: Server.commandHandlers)
        applyProcessWideSettings()
        installConfigHooks()
        installListenerConfigHooks()
        installOOMScoreConfigHooks()
        installMaxClientsConfigHook()
        installClientEvictionConfigHooks()
        installKeyspaceObservers()
        installPersistenceHooks()
        try installACL()
        installTLSConfigHooks()
    }

    static func wallMilliseconds() -> Int64 { apus_wall_us() / 1000 }

    func refreshClock() { now = apus_wall_us() / 1000 }

    /// Binds every configured address and runs the loop until shutdown; returns the exit code.
    public func run() -> Int32 {
        let fdLimit = Socket.raiseOpenFileLimit(to: settings.maxClients + 32 + 96)
        if fdLimit < settings.maxClients + 32 {
            let reduced = max(fdLimit - 32, 1)
            logger.warning("You requested maxclients of \(settings.maxClients) requiring at least \(settings.maxClients + 32) max file descriptors.")
            logger.warning("Server can't set maximum open files to \(settings.maxClients + 32) because of OS error: Operation not permitted.")
            logger.warning("Current maximum open files is \(fdLimit). maxclients has been reduced to \(reduced) to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.")
            settings.maxClients = reduced
        }
        if tlsWanted && !configureTLS() {
            logger.warning("Failed to configure TLS. Check logs for more info.")
            return 1
        }
        guard openListeners() else { return 1 }
        do {
            try loop.watch(signals.fd, .readable) { [unowned self] _, _, _ in self.handleSignal() }
        } catch {
            logger.warning("\(error)")
            return 1
        }
        loop.beforeSleep = { [unowned self] in self.beforeSleep() }
        startCron()
        // Before the load, as Redis's main(); a replica by configuration is one already.
        setOOMScoreAdj(config.replicaOf() == nil ? .master : .replica)
        startupMemory = MemoryFigures.current().used
        logger.notice("Server initialized")
        // The AOF, when on, is what the dataset is loaded from (loadDataFromDisk).
        guard config.bool("appendonly") ? startAOFOnServerStart() : loadDataAtStartup() else { return 1 }
        if !listeners.tcp.fds.isEmpty || !listeners.tls.fds.isEmpty { logger.notice("Ready to accept connections") }
        if let path = listeners.unixPath { logger.notice("The server is now ready to accept connections at \(path)") }
        startReplicationFromConfig()
        loop.run()
        return shutdownExitCode
    }

    private func handleSignal() {
        let signal = signals.take()
        guard signal != 0 else { return }
        let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
        // A second Ctrl+C before the shutdown ran means "now, without saving" (sigShutdownHandler).
        if shutdownRequested && signal == SIGINT {
            RedisLogHandler.sink.writeFromSignal("You insist... exiting now.")
            removeTempFile(of: getpid())
            exit(1)
        }
        RedisLogHandler.sink.writeFromSignal(loading ? "Received shutdown signal during loading, scheduling shutdown."
                                                     : "Received \(name) scheduling shutdown...")
        shutdownRequested = true
        // shutdown-on-sigterm / shutdown-on-sigint: "default", or flags such as "save now".
        let flags = config.string(signal == SIGINT ? "shutdown-on-sigint" : "shutdown-on-sigterm").split(separator: " ")
        let save: Bool? = flags.contains("nosave") ? false : (flags.contains("save") ? true : nil)
        // The signal arrives through the loop, so this already runs between commands.
        _ = prepareForShutdown(save: save, force: flags.contains("force"), now: flags.contains("now"), waiter: nil)
    }

    /// Closes clients and listeners, removes the pid file and stops the loop. `save` nil means
    /// "as configured" (save points). Returns false when the shutdown can't proceed (a failed
    /// save without `force`), after logging why (prepareForShutdown and finishShutdown).
    func finishShutdown(save: Bool?, force: Bool, now: Bool) -> Bool {
        // Never save half a dataset over the snapshot (shutdownCommand, whileBlockedCron: NOSAVE).
        let save = loading ? false : save
        logReplicasAtShutdown()
        // The child could overwrite the snapshot saved below.
        if persistence.childKind == .rdb {
            logger.warning("There is a child saving an .rdb. Killing it!")
            killBackgroundSaveChild()
            removeTempFile(of: persistence.childPID)
        } else if persistence.childKind == .aof {
            logger.warning("There is a child rewriting the AOF. Killing it!")
            killAppendOnlyChild()
        }
        flushAOFForShutdown()
        if (!persistence.savePoints.isEmpty && save != false) || save == true {
            logger.notice("Saving the final RDB snapshot before exiting.")
            if !saveInForeground() {
                if force {
                    logger.warning("Error trying to save the DB. Exit anyway.")
                } else {
                    logger.warning("Error trying to save the DB, can't exit.")
                    logger.warning("Errors trying to shut down the server. Check the logs for more information.")
                    shutdownRequested = false
                    return false
                }
            }
        }
        // The replicas get what is still buffered for them (flushSlavesOutputBuffers).
        for replica in replication.replicas where mayStreamToReplica(replica) { writeReplies(replica) }
        for client in clientsByFD.compactMap({ $0 }) { closeClient(client) }
        let pidfile = config.string("pidfile")
        if !pidfile.isEmpty {
            logger.notice("Removing the pid file.")
            unlink(pidfile)
        }
        closeAllListeners()
        logger.warning("Redis is now ready to exit, bye bye...")
        loop.stop()
        return true
    }
}
