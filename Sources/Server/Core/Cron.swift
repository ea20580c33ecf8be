import CEpoll
import Reactor
import Store

// The periodic work of Redis's serverCron, on the timer wheel at `hz`: the LRU clock, active
// expiry, idle-client timeouts, instantaneous metrics and incremental rehashing.

extension Server {
    func startCron() {
        scheduleCron()
    }

    private func scheduleCron() {
        let period = Int64(1000 / max(1, min(settings.hz, 500)))
        loop.timers.schedule(after: period) { [unowned self] in
            self.cron()
            self.scheduleCron()
        }
    }

    func cron() {
        refreshClock()
        // DEBUG PAUSE-CRON: serverCron returns right after the clock update.
        if debug.pauseCron { return }
        cronLoops += 1
        if pendingShutdown != nil { checkPendingShutdown() }
        LRUClock.refresh(nowMilliseconds: now)
        // serverCron does not run during a load: no expiry, save point or rewrite on half a dataset.
        if loadingState.isActive { return }
        // A replica's keys expire when its master says so.
        if activeExpireEnabled && !pause.isActive && !replication.isReplica { activeExpireCycle() }
        activeDefragCron()
        closeTimedOutClients()
        aofCron()
        checkOutputBufferLimitsFromCron()
        clientEvictionCron()
        // Also here, so a CONFIG SET of tracking-table-max-keys applies on an idle server.
        if tracking.isActive { limitTrackingTable() }
        stats.opsSamples.record(value: stats.commandsProcessed, nowMilliseconds: now)
        stats.inputSamples.record(value: stats.netInputBytes, nowMilliseconds: now)
        stats.outputSamples.record(value: stats.netOutputBytes, nowMilliseconds: now)
        persistenceCron()
        // replicationCron runs once a second (run_with_period(1000)).
        let hz = Int64(max(1, min(settings.hz, 500)))
        if cronLoops % hz == 0 { replicationCron() }
        if cronLoops % hz == 0 && !migrateSockets.sockets.isEmpty { closeIdleMigrateSockets() }
        // No resize or rehash while a child shares our pages (databasesCron).
        for db in databases where !persistence.hasActiveChild {
            db.cronMaintenance(rehashBudgetMilliseconds: settings.activeRehashing ? 1 : 0) {
                apus_monotonic_us() / 1000
            }
        }
    }

    private func activeExpireCycle() {
        let start = apus_monotonic_us()
        let report = ActiveExpiry.cycle(databases: databases, hz: settings.hz, now: now,
                                        clock: { apus_monotonic_us() }) { [unowned self] db, key in
            self.stats.expiredKeys += 1
            // Each deletion is its own unit, propagated alone (Redis's propagate_no_multi).
            self.withExecutionUnit(atomic: false) { key.withUnsafeBytes { db.expire($0) } }
        }
        if report.timedOut { stats.expiredTimeCapReached += 1 }
        if report.sampled > 0 {
            let stale = Double(report.expired) * 100 / Double(report.sampled)
            stats.expiredStalePercent = stats.expiredStalePercent * 0.95 + stale * 0.05
        }
        let elapsed = (apus_monotonic_us() - start) / 1000
        stats.expireCycleMilliseconds += elapsed
        latency.addSampleIfNeeded("expire-cycle", milliseconds: elapsed, threshold: settings.latencyMonitorThreshold)
    }

    /// Closes clients idle for longer than `timeout` seconds (0 disables), as clientsCronHandleTimeout.
    private func closeTimedOutClients() {
        guard settings.timeoutSeconds > 0 else { return }
        let limit = Int64(settings.timeoutSeconds) * 1000
        // Blocked (and postponed) clients wait on their own timeout, subscribers only listen, and
        // monitors count as replicas, which never time out, as in Redis (clientsCronHandleTimeout).
        for client in clientsByFD.compactMap({ $0 }) where client.blocked == nil && !client.controls.postponed
            && client.flags.isDisjoint(with: [.master, .replica])
            && !client.isSubscribed && !client.controls.isMonitor && now - client.lastInteraction > limit {
            logger.info("Closing idle client")
            closeClient(client)
        }
    }
}
