import Reactor

// Shutting down with replicas (prepareForShutdown, isReadyToShutdown and abortShutdown, Redis
// 7.0): unless NOW, writes are paused and the shutdown waits up to shutdown-timeout seconds for
// every replica to acknowledge the whole stream, so none loses what the master acknowledged;
// SHUTDOWN ABORT cancels the wait.

struct PendingShutdown {
    var save: Bool?
    var force: Bool
    /// Monotonic milliseconds when it goes ahead anyway.
    var deadline: Int64
    var waiters: [Client] = []
}

extension Server {
    /// Logs "User requested shutdown..." and either shuts down now (the result of
    /// finishShutdown) or, with replicas behind, starts waiting for them (nil).
    func prepareForShutdown(save: Bool?, force: Bool, now: Bool, waiter: Client?) -> Bool? {
        if pendingShutdown != nil {
            // Already waiting: this one waits too.
            if let waiter { blockUntilShutdown(waiter) }
            return nil
        }
        logger.warning("User requested shutdown...")
        let timeout = config.int("shutdown-timeout")
        // No save while a dataset is half loaded.
        let save = loadingState.isActive ? false : save
        if !now && timeout != 0 && !replicasCaughtUp {
            let deadline = EventLoop.monotonicMilliseconds() + timeout * 1000
            pendingShutdown = PendingShutdown(save: save, force: force, deadline: deadline)
            replication.getAckRequested = true
            pauseClients(.write, until: deadline + 1000, purpose: .shutdown)
            logger.notice("Waiting for replicas before shutting down.")
            if let waiter { blockUntilShutdown(waiter) }
            return nil
        }
        return finishShutdown(save: save, force: force, now: now)
    }

    /// isReadyToShutdown.
    var replicasCaughtUp: Bool {
        replication.replicas.allSatisfy { $0.replicaLink?.ackOffset == replication.masterOffset }
    }

    private func blockUntilShutdown(_ client: Client) {
        blocking.add(client, BlockedState(operation: .shutdown, keys: [], db: client.databaseIndex, hasTimeout: false))
        pendingShutdown?.waiters.append(client)
    }

    /// From the cron and after ACKs: the wait ends when every replica caught up or time is up.
    func checkPendingShutdown() {
        guard let pending = pendingShutdown else { return }
        guard replicasCaughtUp || EventLoop.monotonicMilliseconds() >= pending.deadline else { return }
        pendingShutdown = nil
        if finishShutdown(save: pending.save, force: pending.force, now: false) { return }
        // The save failed: the server goes on.
        unpauseClients(purpose: .shutdown)
        for waiter in pending.waiters where waiter.blocked != nil {
            waiter.error("ERR Errors trying to SHUTDOWN. Check logs.")
            unblock(waiter)
        }
    }

    /// SHUTDOWN ABORT: false when no shutdown waits.
    func abortShutdown() -> Bool {
        guard let pending = pendingShutdown else { return false }
        pendingShutdown = nil
        unpauseClients(purpose: .shutdown)
        for waiter in pending.waiters where waiter.blocked != nil {
            waiter.error("ERR Errors trying to SHUTDOWN. Check logs.")
            unblock(waiter)
        }
        logger.warning("Shutdown manually aborted.")
        return true
    }

    /// finishShutdown's first lines: each replica that is behind, and how many are in sync.
    func logReplicasAtShutdown() {
        guard !replication.replicas.isEmpty else { return }
        var lagging = 0
        for replica in replication.replicas {
            guard let link = replica.replicaLink, link.ackOffset != replication.masterOffset else { continue }
            lagging += 1
            let lag = link.state == .online ? now / 1000 - link.ackTime : 0
            let state: String
            switch link.state {
            case .waitBackgroundSaveStart: state = "wait_bgsave"
            case .waitBackgroundSaveEnd: state = "wait_bgsave"
            case .sendingBulk: state = "send_bulk"
            case .online: state = "online"
            }
            logger.notice("Lagging replica \(replicaName(replica)) reported offset \(replication.masterOffset - link.ackOffset) behind master, lag=\(lag), state=\(state).")
        }
        logger.notice("\(replication.replicas.count - lagging) of \(replication.replicas.count) replicas are in sync when shutting down.")
    }
}
