import CEpoll
import RESP

// Redis's call() (server.c, 7.0): runs a command that processCommand let through — from a
// client's input, from EXEC, or later from a script or the AOF — then counts it (commandstats,
// latency, failed calls), propagates it when it changed the dataset, and feeds MONITOR. Calls
// nest (EXEC calls its queued commands); the writes of the outermost call form one execution
// unit, flushed to the propagation stream when it returns.

/// What the running command declared about its own propagation (Redis's CLIENT_PREVENT_PROP and
/// rewritten argv). A plain bit set, saved and restored around nested calls at no cost; the
/// rewritten command's bytes wait in the propagation stream.
struct CallEffects: OptionSet {
    let rawValue: UInt8
    /// The command propagates as `PropagationStream.rewrite` instead of its arguments.
    static let rewritten = CallEffects(rawValue: 1 << 0)
    /// preventCommandPropagation: the command propagated its effects itself.
    static let preventPropagation = CallEffects(rawValue: 1 << 1)
}

extension Server {
    @inline(__always)
    func call(_ command: Command, _ client: Client) {
        let dirtyBefore = dirty
        let outerEffects = callEffects
        callEffects = []
        let outerClient = currentClientRef
        currentClientRef = Unmanaged.passUnretained(client)
        executionDepth += 1
        client.commandFailed = false
        let start = apus_monotonic_us()
        // `!`, not unsafelyUnwrapped: that generic getter reabstracts the closure (a thunk allocated per call).
        command.handler!(client)
        let elapsed = apus_monotonic_us() - start
        command.stats.calls += 1
        command.stats.microseconds += elapsed
        if settings.latencyTracking { command.stats.record(nanoseconds: UInt64(max(elapsed, 0)) * 1000) }
        if client.commandFailed { command.stats.failedCalls += 1 }
        if settings.latencyMonitorThreshold > 0 {
            latency.addSampleIfNeeded(command.flags.contains(.fast) ? "fast-command" : "command",
                                      milliseconds: elapsed / 1000, threshold: settings.latencyMonitorThreshold)
        }
        if elapsed >= settings.slowlogLogSlowerThan && settings.slowlogLogSlowerThan >= 0
            && !command.flags.contains(.skipSlowlog) {
            slowLog.push(client, duration: elapsed, now: now, maxLength: settings.slowlogMaxLength)
        }
        stats.commandsProcessed += 1
        // EXEC is never propagated itself: its commands were, as they ran.
        if dirty != dirtyBefore && !callEffects.contains(.preventPropagation) && !command.isExec && propagation.isConsumed {
            propagateCall(client)
        }
        if blocking.isActive { signalKeysReadied(by: command, client, changed: dirty != dirtyBefore) }
        if client.tracking.enabled && !client.tracking.broadcast && command.flags.contains(.readonly) {
            rememberTrackedKeys(command, client)
        }
        if !monitors.isEmpty && !command.flags.contains(.skipMonitor) && !command.flags.contains(.admin) {
            feedMonitors(client)
        }
        if executionDepth == 1 {
            propagation.flush()
            // What WAIT waits for: the stream up to this client's last command.
            client.replicationWriteOffset = replication.masterOffset
            if !tracking.pendingForCurrentClient.isEmpty { sendPendingInvalidations(to: client) }
        }
        callEffects = outerEffects
        currentClientRef = outerClient
        executionDepth -= 1
    }

    private func propagateCall(_ client: Client) {
        // redis.set_repl filters a script command's own propagation, not what it alsoPropagates.
        let targets: UInt8 = client.flags.contains(.scriptClient) ? scripting.replicationTargets : 3
        if targets == 0 { return }
        if callEffects.contains(.rewritten) {
            propagation.appendRewrite(db: client.databaseIndex, targets: targets)
            return
        }
        propagation.append(db: client.databaseIndex, count: client.argumentCount, targets: targets) { arguments in
            for index in 0..<client.argumentCount { arguments.append(client.arg(index)) }
        }
    }

    /// Runs `body` as one execution unit outside any command (serving a blocked client, active
    /// expiry, eviction): what it propagates is flushed when it ends. `client` is the one it acts
    /// for (a served blocked client), whose own invalidations then follow its reply.
    func withExecutionUnit<R>(for client: Client? = nil, atomic: Bool = true, _ body: () -> R) -> R {
        let outerClient = currentClientRef
        if let client { currentClientRef = Unmanaged.passUnretained(client) }
        executionDepth += 1
        let result = body()
        executionDepth -= 1
        if executionDepth == 0 {
            propagation.flush(atomic: atomic)
            if let client, !tracking.pendingForCurrentClient.isEmpty { sendPendingInvalidations(to: client) }
        }
        currentClientRef = outerClient
        return result
    }
}
