import RESP
import Store

// One connection: its input (query buffer and parser), its output (reply buffer), and the state
// commands read and change (selected database, protocol, name, flags).

public final class Client {
    public struct Flags: OptionSet {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Close once the queued replies are written (QUIT, protocol errors).
        public static let closeAfterReply = Flags(rawValue: 1 << 0)
        /// Close at the next safe point without writing more (CLIENT KILL, output limits).
        public static let closeASAP = Flags(rawValue: 1 << 1)
        /// Queued on the server's pending-write list.
        public static let pendingWrite = Flags(rawValue: 1 << 2)
        /// CLIENT NO-EVICT on.
        public static let noEvict = Flags(rawValue: 1 << 3)
        /// A fake client (DEBUG RELOAD, AOF loading): no socket.
        public static let fake = Flags(rawValue: 1 << 4)
        /// A replica attached to us (CLIENT_SLAVE): its output is the replication stream.
        public static let replica = Flags(rawValue: 1 << 5)
        /// Our master's link (CLIENT_MASTER): its commands are applied without replies.
        public static let master = Flags(rawValue: 1 << 6)
        /// The client scripts run their commands as (redis.call).
        public static let scriptClient = Flags(rawValue: 1 << 7)
        /// Connected through the Unix socket (CLIENT_UNIX_SOCKET): flag `U`, always local.
        public static let unixSocket = Flags(rawValue: 1 << 12)
    }

    public let id: Int64
    public let fd: Int32
    public let peerAddress: String
    public let localAddress: String
    // unowned(unsafe): the server outlives every client, and the checked form costs an atomic per access.
    unowned(unsafe) let server: Server
    public var flags: Flags = []
    public var name: [UInt8]?
    public var libraryName: [UInt8]?
    public var libraryVersion: [UInt8]?
    /// The selected database. Databases live as long as the server; holding the reference
    /// unretained and borrowing it (`withDatabase`) keeps the keyspace path free of
    /// retain/release, which a strong `var` would cost around every call on it.
    var databaseRef: Unmanaged<Database>
    public var db: Database { databaseRef.takeUnretainedValue() }
    /// The server, borrowed the same way on the hot path (`withServer`).
    let serverRef: Unmanaged<Server>
    public let query = QueryBuffer()
    public var parser = RequestParser()
    public let reply = ReplyBuffer()
    /// Wall-clock ms when connected, and of the last command (CLIENT LIST age/idle, `timeout`).
    public let createdAt: Int64
    public var lastInteraction: Int64
    /// The command being run or last run, for CLIENT LIST's cmd field.
    // unowned(unsafe): commands live in the command table for the whole run; a strong reference
    // would cost a retain and a release per command.
    unowned(unsafe) var lastCommand: Command?
    /// Set when the running command replied with an error (commandstats failed_calls).
    var commandFailed = false
    /// What the client waits for while blocked in BLPOP & co. (Blocking/); its further input
    /// waits too, as Redis processes nothing from a blocked client.
    var blocked: BlockedState?
    /// While EXEC runs the queued commands (and, later, scripts): a blocking command then
    /// answers at once instead of blocking, as for Redis's CLIENT_DENY_BLOCKING.
    public var denyBlocking = false
    /// Between MULTI and EXEC/DISCARD: the queued commands (Transactions/).
    var transaction: TransactionState?
    /// The keys this client WATCHes, and whether one was touched (CLIENT_DIRTY_CAS).
    var watched: [WatchedKey] = []
    var watchedKeyTouched = false
    /// Channels, patterns and shard channels subscribed to (PubSub/).
    var subscriptions = ClientSubscriptions()
    /// Seconds (Unix) since the output has been over its soft limit, 0 if it is not (OutputBufferLimits.swift).
    var outputLimitSoftSince: Int64 = 0
    /// This client's tot-mem as last counted in the clients' total (Networking/ClientEviction.swift).
    var countedMemory = 0
    /// A replica's sync state and ACKs (Replication/); set from its first REPLCONF.
    var replicaLink: ReplicaLink?
    /// On the master client: the stream offset of the last byte applied (c->reploff).
    var appliedReplicationOffset: Int64 = 0
    /// The stream offset after this client's last command (c->woff), for WAIT.
    var replicationWriteOffset: Int64 = 0
    /// CLIENT TRACKING settings (Tracking/).
    var tracking = ClientTracking()
    /// MONITOR, CLIENT REPLY and CLIENT PAUSE state (ClientControls/).
    var controls = ClientControlState()
    /// The TLS session of a client on the tls-port (Networking/TLS*.swift); nil for plain TCP.
    var tls: TLSConnection?
    /// Redis's c->authenticated: set when the client logged in, or connected while the default
    /// user needed no password. NOAUTH also asks the server whether a login is required.
    public var authenticated: Bool {
        didSet { parser.limits.unauthenticated = server.acl.unauthenticatedLimits(for: self) }
    }
    /// The ACL user commands are checked against (ACL/). Users outlive the clients logged in as
    /// them (a deleted user's clients are moved to `default` first), so held unretained.
    unowned(unsafe) var user: ACLUser

    /// A client without a socket, for running commands on the server's behalf (AOF loading,
    /// scripts, a replica applying its master's stream). Its replies are kept in `reply`.
    convenience init(fakeFor server: Server) {
        self.init(server: server, fd: -1, peer: "", local: "", id: server.nextClientID, now: server.now)
        server.nextClientID += 1
        flags.insert(.fake)
    }

    var isFake: Bool { flags.contains(.fake) }

    init(server: Server, fd: Int32, peer: String, local: String, id: Int64, now: Int64) {
        self.server = server
        self.fd = fd
        self.id = id
        peerAddress = peer
        localAddress = local
        databaseRef = Unmanaged.passUnretained(server.databases[0])
        serverRef = Unmanaged.passUnretained(server)
        createdAt = now
        lastInteraction = now
        user = server.acl.defaultUser
        authenticated = !server.acl.authRequired
        parser.limits.maxBulkLength = server.settings.protoMaxBulkLen
        parser.limits.unauthenticated = server.acl.unauthenticatedLimits(for: self)
    }

    deinit { argv.deallocate() }

    public var protocolVersion: Int { reply.resp3 ? 3 : 2 }

    public var databaseIndex: Int { db.id }

    func select(_ index: Int) { databaseRef = Unmanaged.passUnretained(server.databases[index]) }

    /// Runs `body` with the selected database, borrowed without a retain.
    @inline(__always)
    func withDatabase<R>(_ body: (Database) -> R) -> R { databaseRef._withUnsafeGuaranteedRef(body) }

    /// Runs `body` with the server, borrowed without a retain.
    @inline(__always)
    func withServer<R>(_ body: (Server) -> R) -> R { serverRef._withUnsafeGuaranteedRef(body) }

    // MARK: arguments of the running command

    /// The running command's arguments as pointers into the query buffer, resolved once per
    /// command: reaching them through the parser struct on every access costs retains.
    private var argv = UnsafeMutablePointer<UnsafeRawBufferPointer>.allocate(capacity: Client.standardArgvCapacity)
    private var argvCapacity = Client.standardArgvCapacity
    private static let standardArgvCapacity = 16
    public private(set) var argumentCount = 0

    /// Called when the parser has a complete command, before it runs.
    func loadArguments() {
        let count = parser.argumentCount
        if count > argvCapacity || (argvCapacity > 4096 && count <= Client.standardArgvCapacity) {
            argv.deallocate()
            argvCapacity = max(count, Client.standardArgvCapacity)
            argv = .allocate(capacity: argvCapacity)
        }
        for index in 0..<count { argv[index] = parser.argument(index, in: query) }
        argumentCount = count
    }

    /// Points the arguments at `spans` (EXEC's queued commands; the caller keeps them alive).
    func loadArguments(_ spans: [UnsafeRawBufferPointer]) {
        if spans.count > argvCapacity {
            argv.deallocate()
            argvCapacity = spans.count
            argv = .allocate(capacity: argvCapacity)
        }
        for index in spans.indices { argv[index] = spans[index] }
        argumentCount = spans.count
    }

    /// The running command's arguments as spans (kept by EXEC across the queued commands).
    var argumentSpans: [UnsafeRawBufferPointer] { (0..<argumentCount).map { argv[$0] } }

    @inline(__always)
    public func arg(_ index: Int) -> UnsafeRawBufferPointer { argv[index] }

    /// Argument `index` copied out, for the few places that keep it (names, stored keys).
    public func argBytes(_ index: Int) -> [UInt8] { [UInt8](arg(index)) }

    /// Argument `index` as text, for cold paths (config, option parsing).
    public func argString(_ index: Int) -> String { String(decoding: arg(index), as: UTF8.self) }

    /// Case-insensitive comparison of argument `index` with an ASCII keyword.
    @inline(__always)
    public func argIs(_ index: Int, _ keyword: StaticString) -> Bool {
        let argument = arg(index)
        let count = keyword.utf8CodeUnitCount
        guard argument.count == count else { return false }
        let word = keyword.utf8Start
        for position in 0..<count {
            var byte = argument[position]
            if byte >= 65 && byte <= 90 { byte |= 0x20 }
            var expected = word[position]
            if expected >= 65 && expected <= 90 { expected |= 0x20 }
            if byte != expected { return false }
        }
        return true
    }

    // MARK: replies that carry meaning beyond bytes

    /// An error reply; counted in INFO errorstats and the command's failed_calls.
    public func error(_ text: String) {
        commandFailed = true
        server.stats.recordError(text)
        reply.error(text)
    }

    public func error(_ text: StaticString) {
        commandFailed = true
        server.stats.recordError(text.description)
        reply.error(text)
    }
}
