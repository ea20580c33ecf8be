// Client-side caching (tracking.c, Redis 7.0): what one client asked for with CLIENT TRACKING,
// and the server-wide tables. In default mode the server remembers, per key name (in any
// database, as Redis's TrackingTable), the ids of the clients that read it; the first change to
// the key sends each of them one invalidation and forgets them. In BCAST mode a client
// subscribes to key prefixes instead, and every change to a matching key is broadcast to it
// once per loop iteration.

/// A client's CLIENT TRACKING settings (Redis's CLIENT_TRACKING_* flags).
struct ClientTracking {
    var enabled = false
    var redirect: Int64 = 0
    var broadcast = false
    var optIn = false
    var optOut = false
    var noLoop = false
    /// CLIENT CACHING yes/no given for the next command (CLIENT_TRACKING_CACHING).
    var caching = false
    /// The redirection target disappeared (CLIENT_TRACKING_BROKEN_REDIR).
    var brokenRedirect = false
    /// BCAST prefixes, kept sorted as Redis's rax iterates them.
    var prefixes: [[UInt8]] = []
}

/// One BCAST prefix: its clients and the keys changed since the last broadcast, each with the
/// id of the client that changed it (for NOLOOP), in key order.
final class BroadcastPrefix {
    var clients: [Client] = []
    var changedKeys: [[UInt8]: Int64] = [:]
}

final class TrackingTables {
    /// Key name → ids of the clients that may cache it.
    var keys: [[UInt8]: Set<Int64>] = [:]
    /// Sum of the id sets' sizes (tracking_total_items).
    var items = 0
    var prefixes: [[UInt8]: BroadcastPrefix] = [:]
    /// Clients with tracking on (tracking_clients).
    var clientCount = 0
    /// Invalidations for the client whose command is running, sent once its reply is queued:
    /// a key name, or nil for a flush.
    var pendingForCurrentClient: [[UInt8]?] = []
    /// Some BCAST prefix has changed keys to broadcast before the loop sleeps.
    var broadcastPending = false
    /// How many times the table stayed over tracking-table-max-keys (trackingLimitUsedSlots).
    var overLimitRuns = 0

    var isActive: Bool { clientCount > 0 }
}
