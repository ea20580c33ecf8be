import Reactor
import Util

// CLIENT PAUSE timeout [WRITE|ALL] and CLIENT UNPAUSE (networking.c's pauseClients,
// unpauseClients and blockPostponeClient, Redis 7.0). While paused, processCommand postpones
// a normal client's command (every command, or only those that may write or replicate): the
// command stays unrun in the query buffer and the client waits, like a blocked one, until the
// pause ends — by CLIENT UNPAUSE or the timeout, a timer on the loop's wheel. Postponed clients
// then run again in the order they were held. Expiry is paused too: active expiry skips its
// cycle and a lazily found expired key reads as missing without being deleted, so the dataset
// stays still.

struct ClientPause {
    /// Redis's pause_type, ordered by strictness.
    enum Kind: Int, Comparable {
        case off = 0, write, all
        static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    /// Who paused (pause_purpose): each pause is kept apart, so CLIENT UNPAUSE does not end the
    /// pause of a FAILOVER or of a SHUTDOWN waiting for its replicas.
    enum Purpose: Int, CaseIterable {
        case clientCommand = 0, shutdown, failover
    }

    /// Each purpose's pause (client_pause_per_purpose): its type and end (monotonic ms).
    var events: [(kind: Kind, end: Int64)?] = [nil, nil, nil]
    /// The strictest pause in force, and its end.
    var kind: Kind = .off
    var end: Int64 = 0
    /// The timer that ends the earliest finite pause.
    var timer: TimerID?
    /// Postponed clients, in the order they were held (server.postponed_clients).
    var postponed: [Client] = []

    var isActive: Bool { kind != .off }
}

extension Server {
    /// Commands with Redis's CMD_MAY_REPLICATE (COMMAND INFO does not show that flag).

    /// is_may_replicate_command: writes, may-replicate commands, and EXEC of a queue holding one.
    func mayReplicate(_ command: Command, _ client: Client) -> Bool {
        if command.isExec, let transaction = client.transaction {
            return transaction.commands.contains { mayReplicate($0.command) }
        }
        if command.flags.contains(.mayReplicate), let writes = evalDeclaresWrites(command, client) { return writes }
        return mayReplicate(command)
    }

    private func mayReplicate(_ command: Command) -> Bool {
        !command.flags.isDisjoint(with: [.write, .mayReplicate])
    }

    /// is_read_command: READONLY, or EXEC of a queue holding one.
    func readsKeyspace(_ command: Command, _ client: Client) -> Bool {
        if command.isExec, let transaction = client.transaction {
            return transaction.commands.contains { $0.command.flags.contains(.readonly) }
        }
        return command.flags.contains(.readonly)
    }

    /// Whether a paused server holds this command back (all commands, or writes only).
    /// Monitors count as replicas, which are never paused.
    func shouldPostpone(_ command: Command, _ client: Client) -> Bool {
        if client.controls.isMonitor || client.isFake || client.flags.contains(.replica) { return false }
        return pause.kind == .all || mayReplicate(command, client)
    }

    /// blockPostponeClient: the client waits, its command unrun, until the pause ends.
    func postpone(_ client: Client) {
        client.controls.postponed = true
        pause.postponed.append(client)
    }

    /// pauseClients (7.0.15): a pause over a pause of the same purpose keeps the stricter type
    /// and the later end. Clients already held stay held until the pause in force weakens.
    func pauseClients(_ kind: ClientPause.Kind, until deadline: Int64, purpose: ClientPause.Purpose = .clientCommand) {
        if let event = pause.events[purpose.rawValue] {
            pause.events[purpose.rawValue] = (max(event.kind, kind), max(event.end, deadline))
        } else {
            pause.events[purpose.rawValue] = (kind, deadline)
        }
        updatePauseInForce()
        // Inside EXEC the rest of the transaction still runs, and its writes must see expired
        // keys deleted as usual (a write over an expired key that stayed would add it twice):
        // lookups keep expiring until the transaction is over.
        if !pause.isActive { return }
        if executionDepth > 1 {
            loop.timers.schedule(after: 0) { [unowned self] in
                if self.pause.isActive { self.setExpiryPaused(true) }
            }
        } else {
            setExpiryPaused(true)
        }
    }

    /// unpauseClients: this purpose's pause ends; the others stay.
    func unpauseClients(purpose: ClientPause.Purpose = .clientCommand) {
        guard pause.events[purpose.rawValue] != nil else { return }
        pause.events[purpose.rawValue] = nil
        updatePauseInForce()
    }

    /// updateClientPauseTypeAndEndTime: expired pauses go, the strictest remaining one is in
    /// force, and a weaker pause than before lets the postponed clients try again (they may be
    /// held anew).
    private func updatePauseInForce(timerFired: Bool = false) {
        let previous = pause.kind
        let nowMs = EventLoop.monotonicMilliseconds()
        var kind = ClientPause.Kind.off
        var end: Int64 = 0
        var nextEnd = Int64.max
        for index in pause.events.indices {
            guard let event = pause.events[index] else { continue }
            // Redis drops a pause whose end is past; the timer, firing at the end, drops its own.
            if event.end < nowMs || (timerFired && event.end <= nowMs) {
                pause.events[index] = nil
                continue
            }
            if event.kind > kind || (event.kind == kind && event.end > end) {
                kind = event.kind
                end = event.end
            }
            nextEnd = min(nextEnd, event.end)
        }
        pause.kind = kind
        pause.end = end
        if let timer = pause.timer { loop.timers.cancel(timer) }
        pause.timer = nil
        // A failover pauses with no end (LLONG_MAX): no timer for it.
        if nextEnd < Int64.max / 2 {
            pause.timer = loop.timers.schedule(at: nextEnd) { [unowned self] in
                self.pause.timer = nil
                self.updatePauseInForce(timerFired: true)
            }
        }
        if kind == .off { setExpiryPaused(false) }
        if kind < previous { releasePostponedClients() }
    }

    /// unblockPostponedClients: queued, in order, to reprocess their input in before-sleep.
    private func releasePostponedClients() {
        let held = pause.postponed
        pause.postponed.removeAll()
        for client in held where client.controls.postponed {
            client.controls.postponed = false
            blocking.unblocked.append(client)
        }
    }

    /// A postponed client is going away.
    func forgetPostponedClient(_ client: Client) {
        guard client.controls.postponed else { return }
        client.controls.postponed = false
        pause.postponed.removeAll { $0 === client }
    }

    private func setExpiryPaused(_ paused: Bool) { updateExpiryMode(paused: paused) }

    /// CLIENT PAUSE timeout [WRITE|ALL]: the timeout in milliseconds.
    static func clientPause(_ c: Client) {
        guard c.argumentCount == 3 || c.argumentCount == 4 else {
            c.error(ErrorText.subcommandSyntax(c.argString(1), container: "client"))
            return
        }
        guard let timeout = c.millisecondTimeoutArgument(2) else { return }
        let server = c.server
        var kind = ClientPause.Kind.all
        if c.argumentCount == 4 {
            if c.argIs(3, "write") {
                kind = .write
            } else if !c.argIs(3, "all") {
                c.error(ErrorText.pauseMode)
                return
            }
        }
        // Redis's end is the wall clock plus the timeout, wrapping like C's signed sum, and an
        // end in the past (0, or a sum that wrapped) is already over. The wheel counts on the
        // monotonic clock; beyond a thousand years the deadline is capped, the same forever.
        let wrapped = server.now &+ timeout < server.now
        let deadline = EventLoop.monotonicMilliseconds() + (wrapped ? 0 : min(timeout, 1 << 45))
        server.pauseClients(kind, until: deadline)
        c.reply.ok()
    }

    /// CLIENT UNPAUSE.
    static func clientUnpause(_ c: Client) {
        c.server.unpauseClients(purpose: .clientCommand)
        c.reply.ok()
    }
}
