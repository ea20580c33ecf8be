import Glibc

// replicationCron (replication.c, Redis 7.0), once a second: handshake and transfer timeouts,
// reconnecting, ACKs to our master, PINGs and keepalive newlines to our replicas, dropping
// replicas that stopped ACKing, freeing an unused backlog after repl-backlog-ttl, and starting a
// BGSAVE for replicas that wait for one.

extension Server {
    func replicationCron() {
        updateFailoverStatus()
        let nowSeconds = now / 1000
        let timeout = config.int("repl-timeout")
        if replication.isReplica {
            switch replication.linkState {
            case .connecting, .receivePong, .receiveAuth, .receivePort, .receiveIP, .receiveCapa, .receivePsync:
                if nowSeconds - replication.transferLastIO > timeout {
                    logger.warning("Timeout connecting to the MASTER...")
                    failMasterHandshake()
                }
            case .transfer:
                if nowSeconds - replication.transferLastIO > timeout && !replication.loadingMasterPayload {
                    logger.warning("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.")
                    failMasterHandshake()
                }
            case .connected:
                if let master = replication.master, nowSeconds - master.lastInteraction / 1000 > timeout {
                    logger.warning("MASTER timeout: no data nor PING received...")
                    closeClient(master)
                }
            default:
                break
            }
            if replication.linkState == .connect {
                connectToMaster()
            }
            if replication.master != nil { sendAckToMaster() }
        }

        if !replication.replicas.isEmpty {
            let period = max(1, config.int("repl-ping-replica-period"))
            if replication.cronLoops % period == 0 && !replication.isReplica && !failoverHoldsPings {
                feedReplicationCommand({ $0.append("PING") }, count: 1)
            }
            for replica in replication.replicas {
                guard let link = replica.replicaLink else { continue }
                let presync = link.state == .waitBackgroundSaveStart
                    || (link.state == .waitBackgroundSaveEnd && persistence.rdbTarget != .sockets)
                if presync { _ = writeDirectly(replica, "\n") }
            }
            for replica in replication.replicas {
                guard let link = replica.replicaLink, link.state == .online, !link.preServerSync else { continue }
                if nowSeconds - link.ackTime > timeout {
                    logger.warning("Disconnecting timedout replica (streaming sync): \(replicaName(replica))")
                    closeClientAsync(replica)
                }
            }
        }

        let ttl = config.int("repl-backlog-ttl")
        if replication.replicas.isEmpty && ttl > 0 && replication.backlog != nil && !replication.isReplica
            && nowSeconds - replication.noReplicasSince > ttl {
            replication.replicationID = ReplicationState.randomID()
            clearSecondReplicationID()
            freeReplicationBacklog()
            logger.notice("Replication backlog freed after \(ttl) seconds without connected replicas.")
        }

        startPendingReplicationSave()
        removeRDBUsedToSyncReplicas()
        refreshGoodReplicasCount()
        replication.cronLoops += 1
    }

    /// allPersistenceDisabled: no save points and no AOF.
    var persistenceDisabled: Bool { persistence.savePoints.isEmpty && aof.status == .off }

    /// removeRDBUsedToSyncReplicas: with rdb-del-sync-files, a persistence-less master removes
    /// the RDB it wrote for its replicas once none needs it.
    func removeRDBUsedToSyncReplicas() {
        guard config.bool("rdb-del-sync-files") else {
            replication.rdbWrittenForReplicas = false
            return
        }
        guard persistenceDisabled, replication.rdbWrittenForReplicas else { return }
        let inSync = replication.replicas.contains {
            guard let state = $0.replicaLink?.state else { return false }
            return state != .online
        }
        if inSync { return }
        let path = config.string("dbfilename")
        if access(path, F_OK) == 0 {
            replication.rdbWrittenForReplicas = false
            logger.notice("Removing the RDB file used to feed replicas in a persistence-less instance")
            unlink(path)
        }
    }

    /// The server starts as a replica when `replicaof` is configured.
    func startReplicationFromConfig() {
        let value = config.string("replicaof")
        let parts = value.split(separator: " ")
        guard parts.count == 2, let port = Int(parts[1]) else { return }
        replication.masterHost = String(parts[0])
        replication.masterPort = port
        replication.linkState = .connect
        // A replica restarted from its own RDB asks its master to continue where it stopped.
        let saved = loadingState.savedReplication
        if let id = saved.id, let offset = saved.offset, offset >= 0, saved.streamDB != nil {
            replication.replicationID = id
            replication.masterOffset = offset
            cacheMasterUsingMyself()
            replication.cachedMasterDB = saved.streamDB ?? 0
        }
        updateExpiryMode()
        connectToMaster()
    }
}
