import Glibc

// What a server knows about replication (Redis's server.replid, master_repl_offset, slaves,
// masterhost, repl_state, ...): its replication IDs and stream offset, the backlog, the replicas
// attached to it, and — when it is itself a replica — the link to its master.

/// Where a replica attached to us stands (Redis's SLAVE_STATE_*).
enum ReplicaSyncState {
    /// A full resync waits for a BGSAVE to start.
    case waitBackgroundSaveStart
    /// The BGSAVE that will serve it runs; the stream is buffered meanwhile.
    case waitBackgroundSaveEnd
    /// The RDB file is being sent.
    case sendingBulk
    /// Streaming (after a diskless transfer, only once the replica's first ACK came).
    case online
}

/// What a replica's capa flags say it understands (SLAVE_CAPA_*).
struct ReplicaCapabilities: OptionSet {
    let rawValue: UInt8
    /// An RDB framed with `$EOF:<mark>` (diskless sync).
    static let eof = ReplicaCapabilities(rawValue: 1 << 0)
    /// PSYNC2: +CONTINUE carries the replication ID.
    static let psync2 = ReplicaCapabilities(rawValue: 1 << 1)
}

/// Per-replica state, on the replica's Client (c->replstate, repl_ack_off, ...).
final class ReplicaLink {
    var state: ReplicaSyncState = .waitBackgroundSaveStart
    var capabilities: ReplicaCapabilities = []
    /// REPLCONF listening-port / ip-address.
    var listeningPort = 0
    var announcedIP = ""
    /// Offset of the last ACK and when it came (Unix seconds).
    var ackOffset: Int64 = 0
    var ackTime: Int64 = 0
    /// The offset the replica's RDB snapshot ends at (psync_initial_offset).
    var initialOffset: Int64 = 0
    /// Old SYNC (no +FULLRESYNC line, CLIENT_PRE_PSYNC).
    var preServerSync = false
    /// REPLCONF rdb-only: the replica wants the RDB and nothing after it.
    var rdbOnly = false
    /// REPLCONF rdb-filter-only (SLAVE_REQ_RDB_EXCLUDE_DATA): an RDB without keys; "functions"
    /// would keep those, and there are none here.
    var excludeData = false
    /// After a diskless transfer: the stream starts once the replica ACKs.
    var startStreamOnAck = false
    /// The replica ACKed (so it has loaded the payload) before our child was reaped: no need to
    /// wait for its next ACK, a second later, once it is online.
    var ackedBeforeOnline = false
    /// Disk-based transfer of the RDB file (sendBulkToSlave).
    var bulkFD: Int32 = -1
    var bulkOffset = 0
    var bulkSize = 0
    var bulkPreamble: [UInt8] = []
    /// Unix seconds when the full sync's wait began (for the diskless delay).
    var waitingSince: Int64 = 0

    deinit { if bulkFD != -1 { close(bulkFD) } }
}

/// Where our link to the master stands (Redis's REPL_STATE_*).
enum MasterLinkState: Equatable {
    case none
    case connect
    case connecting
    case receivePong
    case receiveAuth
    case receivePort
    case receiveIP
    case receiveCapa
    case receivePsync
    case transfer
    case connected
}

final class ReplicationState {
    /// Our replication ID and the one we had before (PSYNC2), with the offset up to which the
    /// old one is valid.
    var replicationID: [UInt8]
    var replicationID2: [UInt8] = Array(repeating: UInt8(ascii: "0"), count: 40)
    var secondReplicationOffset: Int64 = -1
    /// Bytes of replication stream produced (or, on a replica, received) so far.
    var masterOffset: Int64 = 0
    var backlog: ReplicationBacklog?
    /// Unix seconds since there is no replica (repl_no_slaves_since), for repl-backlog-ttl.
    var noReplicasSince = Int64(time(nil))
    /// The replicas attached to us, in attach order.
    var replicas: [Client] = []
    /// The database the stream last selected (slaveseldb); -1 forces a SELECT.
    var streamDatabase = -1
    /// Counters of INFO stats.
    var fullSyncs: Int64 = 0
    var partialSyncsAccepted: Int64 = 0
    var partialSyncsRefused: Int64 = 0
    /// Replicas with lag <= min-replicas-max-lag (repl_good_slaves_count).
    var goodReplicas = 0
    /// min-replicas-to-write and min-replicas-max-lag, kept current by CONFIG SET.
    var minReplicasToWrite = 0
    var minReplicasMaxLag = 10
    /// The RDB on disk was written to feed replicas (RDBGeneratedByReplication).
    var rdbWrittenForReplicas = false
    /// Calls of the replication cron (replication_cron_loops).
    var cronLoops: Int64 = 0
    /// Clients blocked in WAIT want an ACK from every replica before the next sleep.
    var getAckRequested = false
    /// Clients blocked in WAIT, newest first, and whether an ACK arrived since they were checked.
    var waitingClients: [Client] = []
    var acksArrived = false
    var failover = FailoverState()

    // MARK: our master (when we are a replica)

    var masterHost: String?
    var masterPort = 0
    var linkState: MasterLinkState = .none
    /// The master link while it handshakes and transfers (repl_transfer_s); then the master client.
    var linkFD: Int32 = -1
    /// The link's TLS session with tls-replication (Networking/TLSReplicaLink.swift).
    var linkTLS: TLSConnection?
    var master: Client?
    /// The master we lost, kept for a partial resync (cached_master): its replication ID and
    /// processed offset.
    var cachedMasterID: [UInt8]?
    var cachedMasterOffset: Int64 = 0
    /// The database the master's stream had selected: a partial resync continues without a
    /// SELECT, so the resurrected master client must start there.
    var cachedMasterDB = 0
    /// From +FULLRESYNC: what the master's stream will continue from.
    var masterInitialID: [UInt8] = []
    var masterInitialOffset: Int64 = -1
    /// Unix seconds of the last I/O on the link during handshake and transfer (repl_transfer_lastio).
    var transferLastIO: Int64 = 0
    /// When the link went down (repl_down_since), 0 while up or never connected.
    var downSince: Int64 = 0
    /// Handshake input not yet a full line.
    var handshakeInput: [UInt8] = []
    /// The payload being received.
    var transfer = PayloadTransfer()
    /// The master sent +FULLRESYNC: the incremental load of its RDB runs.
    var loadingMasterPayload = false
    /// The master's stream since its MULTI, read but not applied: our offset and our replicas
    /// get it with the EXEC (Redis's reploff stays put inside MULTI), so a link lost in between
    /// asks for the whole transaction again.
    var masterTransactionBytes: [UInt8] = []

    init(replicationID: [UInt8]) { self.replicationID = replicationID }

    var isReplica: Bool { masterHost != nil }

    /// 40 random hex digits (changeReplicationId).
    static func randomID() -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return (0..<40).map { _ in digits[Int.random(in: 0..<16)] }
    }
}

/// The RDB payload of a full sync on its way in (repl_transfer_*).
struct PayloadTransfer {
    /// -1 until the `$<len>` line; then the length, or -1 with an EOF mark.
    var size = -1
    var eofMark: [UInt8]?
    var received: [UInt8] = []
    var started = false
}

extension Server {
    /// CONFIG SET of what the replication code keeps outside the config store.
    func installReplicationConfigHooks() {
        let reload: (String) -> String? = { [unowned self] _ in
            self.replication.minReplicasToWrite = Int(self.config.int("min-replicas-to-write"))
            self.replication.minReplicasMaxLag = Int(self.config.int("min-replicas-max-lag"))
            self.refreshGoodReplicasCount()
            return nil
        }
        _ = reload("")
        config.onChange("min-replicas-to-write", reload)
        config.onChange("min-replicas-max-lag", reload)
        config.onChange("repl-backlog-size") { [unowned self] _ in
            self.replication.backlog?.resize(to: Int(self.config.int("repl-backlog-size")))
            return nil
        }
    }
}
