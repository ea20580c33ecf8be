import Reactor
import Util

// WAIT numreplicas timeout (replication.c's waitCommand, replicationRequestAckFromSlaves and
// processClientsWaitingReplicas, Redis 7.0): blocks until that many replicas acknowledged the
// stream up to the client's last write, asking every replica for an ACK before the next sleep.

enum WaitCommand {
    static let handlers: [String: CommandHandler] = ["wait": wait]

    static func wait(_ c: Client) {
        let server = c.server
        if server.replication.isReplica {
            c.error(ErrorText.waitOnReplica)
            return
        }
        guard let wanted = parseInt64(c.arg(1)) else {
            c.error(ErrorText.notInteger)
            return
        }
        guard let timeout = c.millisecondTimeoutArgument(2) else { return }
        let offset = c.replicationWriteOffset
        let acknowledged = server.replicasAcknowledging(offset)
        if acknowledged >= wanted || c.denyBlocking {
            c.reply.integer(acknowledged)
            return
        }
        let state = BlockedState(operation: .replicas(offset: offset, count: Int(clamping: wanted)), keys: [],
                                 db: c.databaseIndex, hasTimeout: timeout > 0)
        server.blocking.add(c, state)
        if timeout > 0 {
            state.timer = server.loop.timers.schedule(at: EventLoop.monotonicMilliseconds() &+ timeout) { [unowned server] in
                guard c.blocked === state else { return }
                server.replyTimedOut(c)
            }
        }
        server.replication.waitingClients.insert(c, at: 0)
        server.replication.getAckRequested = true
    }
}

extension Server {
    /// replicationCountAcksByOffset.
    func replicasAcknowledging(_ offset: Int64) -> Int {
        replication.replicas.reduce(0) { count, replica in
            guard let link = replica.replicaLink, link.state == .online, link.ackOffset >= offset else { return count }
            return count + 1
        }
    }

    /// A replica's ACK came: before the next sleep, answer the WAITs it satisfies.
    func replicaAcknowledged() {
        if !replication.waitingClients.isEmpty { replication.acksArrived = true }
        if pendingShutdown != nil { checkPendingShutdown() }
    }

    /// The before-sleep part: REPLCONF GETACK * to every replica once per loop iteration if some
    /// WAIT asked, and the waits that the ACKs received satisfy.
    func replicationBeforeSleep() {
        if replication.getAckRequested && !pause.isActive {
            feedReplicationCommand({
                $0.append("REPLCONF")
                $0.append("GETACK")
                $0.append("*")
            }, count: 3)
            replication.getAckRequested = false
        }
        // After the ACKs (a failover disconnects clients): the failover may go ahead now.
        if replication.failover.phase == .waitingForSync { updateFailoverStatus() }
        guard replication.acksArrived else { return }
        replication.acksArrived = false
        var lastOffset: Int64 = -1
        var lastCount = 0
        for client in replication.waitingClients {
            guard case .replicas(let offset, let wanted) = client.blocked?.operation else { continue }
            // Clients are in reverse order of offsets' age: reuse the last count when it fits.
            let count = lastOffset != -1 && lastOffset <= offset && lastCount >= wanted ? lastCount : replicasAcknowledging(offset)
            if count >= wanted {
                lastOffset = offset
                lastCount = count
                client.reply.integer(count)
                unblock(client)
            }
        }
        replication.waitingClients.removeAll { client in
            if case .replicas = client.blocked?.operation { return false }
            return true
        }
    }
}
