import Reactor
import Store

// Clients blocked on keys (blocked.c, Redis 7.0). A blocked client waits in a FIFO queue per
// (database, key); a command that creates a list or sorted set at a key someone waits on marks
// the key ready, and after that command the ready keys are served in the order they became
// ready, each to its waiting clients first-come first-served. A timeout is a timer on the
// reactor's wheel; CLIENT UNBLOCK and disconnection end the wait too.

/// What a blocked client will do once a key is ready: the command's arguments, copied, since
/// the query buffer moves on.
enum BlockedOperation {
    /// BLPOP/BRPOP (`count` -1: reply [key, element]) and BLMPOP (reply [key, [elements]]).
    case listPop(head: Bool, count: Int)
    /// BLMOVE/BRPOPLPUSH; `sides` are BLMOVE's LEFT|RIGHT words as given (none for
    /// BRPOPLPUSH), which its propagated LMOVE repeats.
    case listMove(fromHead: Bool, toHead: Bool, destination: [UInt8], sides: [[UInt8]])
    /// BZPOPMIN/BZPOPMAX (`count` -1: reply [key, member, score]) and BZMPOP.
    case zsetPop(max: Bool, count: Int)
    /// WAIT: `count` replicas acknowledging stream offset `offset`.
    case replicas(offset: Int64, count: Int)
    /// SHUTDOWN waiting for the replicas to catch up.
    case shutdown
    /// XREAD/XREADGROUP ... BLOCK (StreamReadWait).
    case streamRead(StreamReadWait)

    var type: ObjectType {
        switch self {
        case .zsetPop: return .zset
        case .streamRead: return .stream
        default: return .list
        }
    }

    /// An XREADGROUP wait: it also ends when its stream goes away (BlockedStreamReaders.swift).
    var readsStreamGroup: Bool {
        if case .streamRead(let wait) = self { return wait.group != nil }
        return false
    }
}

/// A blocked client's state (Redis's c->bpop).
final class BlockedState {
    let operation: BlockedOperation
    /// The keys, in argument order, without repeats.
    let keys: [[UInt8]]
    let db: Int
    /// Whether the client gave a timeout, and its timer.
    let hasTimeout: Bool
    var timer: TimerID?

    init(operation: BlockedOperation, keys: [[UInt8]], db: Int, hasTimeout: Bool) {
        self.operation = operation
        self.keys = keys
        self.db = db
        self.hasTimeout = hasTimeout
    }
}

/// The server's blocking state (Server.blocking).
final class BlockingRegistry {
    /// Clients waiting per key, in the order they blocked.
    var waiting: [DatabaseKey: [Client]] = [:]
    /// Keys made ready by the running command, in order, without repeats.
    var readyKeys: [DatabaseKey] = []
    var readySet: Set<DatabaseKey> = []
    /// Clients just unblocked whose pending input must be processed (before-sleep).
    var unblocked: [Client] = []
    /// INFO's blocked_clients and clients_in_timeout_table.
    private(set) var blockedCount = 0
    private(set) var withTimeoutCount = 0
    /// How many clients wait per database (SWAPDB and MOVE look only where someone waits).
    private(set) var waitingPerDatabase: [Int: Int] = [:]
    /// Clients blocked in XREADGROUP: while there are any, the keyspace's change hook watches
    /// for their streams being deleted or overwritten.
    private(set) var streamGroupReaders = 0

    /// True while any client is blocked: the only test the command path pays for otherwise.
    @inline(__always) var isActive: Bool { blockedCount != 0 }

    func add(_ client: Client, _ state: BlockedState) {
        client.blocked = state
        blockedCount += 1
        if state.hasTimeout { withTimeoutCount += 1 }
        if state.operation.readsStreamGroup { streamGroupReaders += 1 }
        waitingPerDatabase[state.db, default: 0] += 1
        for key in state.keys {
            waiting[DatabaseKey(db: state.db, key: key), default: []].append(client)
        }
    }

    /// Forgets a blocked client everywhere; the caller replies (or not) and cancels its timer.
    func remove(_ client: Client) {
        guard let state = client.blocked else { return }
        client.blocked = nil
        blockedCount -= 1
        if state.hasTimeout { withTimeoutCount -= 1 }
        if state.operation.readsStreamGroup { streamGroupReaders -= 1 }
        waitingPerDatabase[state.db, default: 1] -= 1
        if waitingPerDatabase[state.db] == 0 { waitingPerDatabase[state.db] = nil }
        for key in state.keys {
            let place = DatabaseKey(db: state.db, key: key)
            guard var clients = waiting[place] else { continue }
            clients.removeAll { $0 === client }
            waiting[place] = clients.isEmpty ? nil : clients
        }
    }

    /// signalKeyAsReady: queues `key` when someone waits on it.
    func signal(db: Int, key: UnsafeRawBufferPointer) {
        let place = DatabaseKey(db: db, key: [UInt8](key))
        guard waiting[place] != nil, !readySet.contains(place) else { return }
        readySet.insert(place)
        readyKeys.append(place)
    }

    /// Databases with at least one waiting client.
    var databasesWithWaiters: [Int] { Array(waitingPerDatabase.keys) }
}

extension Client {
    /// signalKeyAsReady: a list or sorted set was just added at `key` (Redis signals from dbAdd).
    @inline(__always)
    func signalKeyAsReady(_ key: UnsafeRawBufferPointer) {
        let registry = server.blocking
        if registry.isActive { registry.signal(db: databaseIndex, key: key) }
    }
}
