import Store
import Glibc
import Util

// REPLICAOF / SLAVEOF and ROLE (replication.c's replicaofCommand, replicationSetMaster,
// replicationUnsetMaster and roleCommand, Redis 7.0).

enum ReplicaOfCommand {
    static let handlers: [String: CommandHandler] = ["replicaof": replicaof, "slaveof": replicaof, "role": role]

    static func replicaof(_ c: Client) {
        let server = c.server
        if server.config.bool("cluster-enabled") {
            c.error(ErrorText.replicaOfInClusterMode)
            return
        }
        if server.replication.failover.phase != .none {
            c.error(ErrorText.replicaOfWhileFailingOver)
            return
        }
        if c.argIs(1, "no") && c.argIs(2, "one") {
            if server.replication.isReplica {
                server.unsetMaster()
                server.logger.notice("MASTER MODE enabled (user request from '\(server.describe(c))')")
            }
            c.reply.ok()
            return
        }
        if c.flags.contains(.replica) {
            c.error("ERR Command is not valid when client is a replica.")
            return
        }
        guard let port = parseInt64(c.arg(2)), port >= 0, port <= 65535 else {
            c.error("ERR Invalid master port")
            return
        }
        let host = c.argString(1)
        if let current = server.replication.masterHost, current.lowercased() == host.lowercased(),
           server.replication.masterPort == Int(port) {
            server.logger.notice("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.")
            c.reply.simple("OK Already connected to specified master")
            return
        }
        server.setMaster(host: host, port: Int(port))
        server.logger.notice("REPLICAOF \(host):\(port) enabled (user request from '\(server.describe(c))')")
        c.reply.ok()
    }

    /// ROLE: master with its offset and online replicas, or replica with its link state.
    static func role(_ c: Client) {
        let server = c.server
        let replication = server.replication
        if let host = replication.masterHost {
            c.reply.arrayHeader(5)
            c.reply.bulk("slave" as StaticString)
            c.reply.bulk(host)
            c.reply.integer(replication.masterPort)
            c.reply.bulk(replication.linkState.roleName)
            c.reply.integer(replication.master?.appliedReplicationOffset ?? -1)
            return
        }
        let online = replication.replicas.filter { $0.replicaLink?.state == .online }
        c.reply.arrayHeader(3)
        c.reply.bulk("master" as StaticString)
        c.reply.integer(replication.masterOffset)
        c.reply.arrayHeader(online.count)
        for replica in online {
            let link = replica.replicaLink!
            c.reply.arrayHeader(3)
            c.reply.bulk(server.replicaIP(replica))
            c.reply.bulk(String(link.listeningPort))
            c.reply.bulk(String(link.ackOffset))
        }
    }
}

extension MasterLinkState {
    /// How ROLE names the state.
    var roleName: String {
        switch self {
        case .none: return "none"
        case .connect: return "connect"
        case .connecting: return "connecting"
        case .transfer: return "sync"
        case .connected: return "connected"
        default: return "handshake"
        }
    }
}

extension Server {
    /// The address a replica is known by: the one it announced, or its peer's IP.
    func replicaIP(_ replica: Client) -> String {
        if let announced = replica.replicaLink?.announcedIP, !announced.isEmpty { return announced }
        guard let colon = replica.peerAddress.lastIndex(of: ":") else { return replica.peerAddress }
        return String(replica.peerAddress[..<colon])
    }

    /// replicationSetMaster.
    func setMaster(host: String, port: Int) {
        let wasMaster = !replication.isReplica
        replication.masterHost = nil
        if let master = replication.master { closeClient(master) }
        disconnectAllBlockedClients()
        replication.masterHost = host
        replication.masterPort = port
        // CONFIG GET replicaof and CONFIG REWRITE see the new master.
        _ = config.setInternal("replicaof", [host, String(port)])
        cancelMasterHandshake()
        if wasMaster {
            discardCachedMaster()
            cacheMasterUsingMyself()
        }
        replication.linkState = .connect
        updateExpiryMode()
        setOOMScoreAdj()
        connectToMaster()
    }

    /// replicationUnsetMaster: we are a master now, continuing our history under a new ID.
    func unsetMaster() {
        guard replication.isReplica else { return }
        logger.notice("Connection with master lost.")
        replication.masterHost = nil
        _ = config.setInternal("replicaof", ["no", "one"])
        if let master = replication.master { closeClient(master) }
        discardCachedMaster()
        cancelMasterHandshake()
        shiftReplicationID()
        disconnectReplicas()
        replication.linkState = .none
        setOOMScoreAdj()
        replication.streamDatabase = -1
        replication.noReplicasSince = now / 1000
        replication.downSince = 0
        updateExpiryMode()
        if config.bool("appendonly") && aof.status == .off { _ = startAppendOnly() }
    }

    /// shiftReplicationId: the old ID stays valid up to here, for replicas that followed it.
    func shiftReplicationID() {
        replication.replicationID2 = replication.replicationID
        replication.secondReplicationOffset = replication.masterOffset + 1
        replication.replicationID = ReplicationState.randomID()
        logger.notice("Setting secondary replication ID to \(String(decoding: replication.replicationID2, as: UTF8.self)), valid up to offset: \(replication.secondReplicationOffset). New replication ID is \(String(decoding: replication.replicationID, as: UTF8.self))")
    }

    /// disconnectAllBlockedClients: a change of role ends every wait.
    func disconnectAllBlockedClients() {
        for client in clientsByFD.compactMap({ $0 }) where client.blocked != nil {
            client.error("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)")
            unblock(client)
            client.flags.insert(.closeAfterReply)
        }
    }

    /// On a replica the master decides expiries: an expired key reads as missing but stays
    /// until the master's DEL; the master's own commands see it as present.
    func updateExpiryMode(paused: Bool? = nil) {
        let mode: ExpiryMode = replication.isReplica || (paused ?? pause.isActive) ? .hide : .delete
        for db in databases { db.expiryMode = mode }
        // The log's role letter follows (S or M), as Redis's.
        if !persistence.inForkChild { RedisLogHandler.sink.role = replication.isReplica ? "S" : "M" }
        pauseReplicationConsumerOnReplica()
    }
}
