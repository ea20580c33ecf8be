import Util

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] (replication.c's failoverCommand,
// updateFailoverStatus, abortFailover and the PSYNC ... FAILOVER of syncCommand, Redis 7.0): a
// coordinated handover to a replica with no acknowledged write lost. The master pauses writes,
// waits until the target (or, without TO, any replica) has acknowledged its whole stream, then
// becomes a replica of it; its PSYNC to the target carries FAILOVER, which tells the target to
// promote itself before answering, so the old master continues with a partial resync.

/// server.failover_state.
enum FailoverPhase {
    case none
    /// Writes are paused; the target has not acknowledged the whole stream yet.
    case waitingForSync
    /// We are the target's replica and our PSYNC ... FAILOVER is on its way.
    case inProgress

    /// getFailoverStateString, for INFO.
    var name: String {
        switch self {
        case .none: return "no-failover"
        case .waitingForSync: return "waiting-for-sync"
        case .inProgress: return "failover-in-progress"
        }
    }
}

struct FailoverState {
    var phase = FailoverPhase.none
    /// The target (target_replica_host/port); chosen when it caught up if FAILOVER had no TO.
    var targetHost: String?
    var targetPort = 0
    /// Unix ms when the wait gives up (or, with FORCE, fails over anyway); 0 without TIMEOUT.
    var endTime: Int64 = 0
    var force = false
}

enum FailoverCommand {
    static let handlers: [String: CommandHandler] = ["failover": failover]

    static func failover(_ c: Client) {
        let server = c.server
        if server.config.bool("cluster-enabled") {
            c.error(ErrorText.failoverClusterMode)
            return
        }
        if c.argumentCount == 2 && c.argIs(1, "abort") {
            guard server.replication.failover.phase != .none else {
                c.error(ErrorText.noFailoverInProgress)
                return
            }
            server.abortFailover("Failover manually aborted")
            c.reply.ok()
            return
        }
        var timeout: Int64 = 0
        var force = false
        var port: Int64 = 0
        var host: String?
        var index = 1
        while index < c.argumentCount {
            if c.argIs(index, "timeout") && index + 1 < c.argumentCount && timeout == 0 {
                guard let value = c.integerArgument(index + 1) else { return }
                if value <= 0 {
                    c.error(ErrorText.failoverTimeoutNotPositive)
                    return
                }
                timeout = value
                index += 1
            } else if c.argIs(index, "to") && index + 2 < c.argumentCount && host == nil {
                guard let value = c.integerArgument(index + 2) else { return }
                port = value
                host = c.argString(index + 1)
                index += 2
            } else if c.argIs(index, "force") && !force {
                force = true
            } else {
                c.error(ErrorText.syntax)
                return
            }
            index += 1
        }
        let replication = server.replication
        if replication.failover.phase != .none {
            c.error(ErrorText.failoverAlreadyInProgress)
            return
        }
        if replication.isReplica {
            c.error(ErrorText.failoverOnReplica)
            return
        }
        if replication.replicas.isEmpty {
            c.error(ErrorText.failoverWithoutReplicas)
            return
        }
        if force && (timeout == 0 || host == nil) {
            c.error(ErrorText.failoverForceRequirements)
            return
        }
        if let host {
            guard let replica = server.findReplica(host: host, port: port) else {
                c.error(ErrorText.failoverTargetNotReplica)
                return
            }
            if replica.replicaLink?.state != .online {
                c.error(ErrorText.failoverTargetNotOnline)
                return
            }
            replication.failover.targetHost = host
            replication.failover.targetPort = Int(truncatingIfNeeded: port)
            server.logger.notice("FAILOVER requested to \(host):\(port).")
        } else {
            server.logger.notice("FAILOVER requested to any replica.")
        }
        if timeout != 0 { replication.failover.endTime = server.now &+ timeout }
        replication.failover.force = force
        replication.failover.phase = .waitingForSync
        server.pauseClients(.write, until: Int64.max, purpose: .failover)
        c.reply.ok()
    }
}

extension Server {
    /// findReplica: the replica known by this address (announced or peer IP, any case) and
    /// listening port.
    func findReplica(host: String, port: Int64) -> Client? {
        let wanted = host.lowercased()
        return replication.replicas.first {
            Int64($0.replicaLink?.listeningPort ?? 0) == port && replicaIP($0).lowercased() == wanted
        }
    }

    /// clearFailoverState.
    func clearFailoverState() {
        replication.failover = FailoverState()
        unpauseClients(purpose: .failover)
    }

    /// abortFailover: back to where we were (a master again if we had turned into a replica).
    func abortFailover(_ reason: String) {
        let failover = replication.failover
        guard failover.phase != .none else { return }
        if let host = failover.targetHost {
            logger.notice("FAILOVER to \(host):\(failover.targetPort) aborted: \(reason)")
        } else {
            logger.notice("FAILOVER to any replica aborted: \(reason)")
        }
        if failover.phase == .inProgress { unsetMaster() }
        clearFailoverState()
    }

    /// updateFailoverStatus, from before-sleep and the replication cron: on timeout, fail over
    /// anyway (FORCE) or give up; otherwise fail over once the target acknowledged everything.
    func updateFailoverStatus() {
        guard replication.failover.phase == .waitingForSync else { return }
        let failover = replication.failover
        if failover.endTime != 0 && failover.endTime <= now {
            if failover.force, let host = failover.targetHost {
                logger.notice("FAILOVER to \(host):\(failover.targetPort) time out exceeded, failing over.")
                replication.failover.phase = .inProgress
                setMaster(host: host, port: failover.targetPort)
            } else {
                abortFailover("Replica never caught up before timeout")
            }
            return
        }
        var target: Client?
        if let host = failover.targetHost {
            target = findReplica(host: host, port: Int64(failover.targetPort))
        } else if let caughtUp = replication.replicas.first(where: { $0.replicaLink?.ackOffset == replication.masterOffset }) {
            target = caughtUp
            replication.failover.targetHost = replicaIP(caughtUp)
            replication.failover.targetPort = caughtUp.replicaLink?.listeningPort ?? 0
        }
        guard let target, target.replicaLink?.ackOffset == replication.masterOffset,
              let host = replication.failover.targetHost else { return }
        replication.failover.phase = .inProgress
        logger.notice("Failover target \(host):\(replication.failover.targetPort) is synced, failing over.")
        setMaster(host: host, port: replication.failover.targetPort)
    }

    /// The PSYNC ... FAILOVER a replica gets from its master handing over: it becomes a master
    /// (then serves the PSYNC as any master would). False when refused with an error.
    func acceptFailoverRequest(_ c: Client) -> Bool {
        let asked = [UInt8](c.arg(1))
        logger.warning("Failover request received for replid \(String(decoding: asked, as: UTF8.self)).")
        guard replication.isReplica else {
            c.error(ErrorText.psyncFailoverToMaster)
            return false
        }
        guard sameReplicationID(asked, replication.replicationID) else {
            c.error(ErrorText.psyncFailoverReplicationID)
            return false
        }
        // The old master's last writes may still wait unread on its link: when both sockets
        // become readable together (a replica that was stalled), its handshake to us can be
        // read first. Apply them before promoting, so the new master starts from everything
        // the old one sent, as Redis's event order gives in practice.
        if let master = replication.master { drainMasterLink(master) }
        unsetMaster()
        logger.notice("MASTER MODE enabled (failover request from '\(describe(c))')")
        return true
    }

    /// Reads and applies whatever the master link has buffered, until the socket is empty or
    /// the link closes.
    private func drainMasterLink(_ master: Client) {
        for _ in 0..<1024 {
            let before = stats.netInputBytes
            readFromClient(master)
            if stats.netInputBytes == before || replication.master !== master { return }
        }
    }

    /// What a failing-over master makes of its target's answer to PSYNC ... FAILOVER: accepted
    /// (+CONTINUE or +FULLRESYNC) ends the failover, anything else aborts it. False when the
    /// failover was aborted (the link is gone).
    func failoverPsyncAnswered(accepted: Bool) -> Bool {
        guard replication.failover.phase == .inProgress else { return true }
        if accepted {
            clearFailoverState()
            return true
        }
        abortFailover("Failover target rejected psync request")
        return false
    }

    /// A PING in the stream would move the offset the replicas must reach: none while a failover
    /// with a deadline pauses writes (manual_failover_in_progress).
    var failoverHoldsPings: Bool {
        replication.failover.endTime != 0 && pause.isActive
    }
}
