import RESP

// Redis's processCommand (server.c, 7.0): finds the command, makes every check that can refuse
// it before it runs — unknown command or subcommand, arity, DEBUG gating, authentication,
// commands not allowed inside MULTI, RESP2 subscribed mode, loading, client pause — and then either
// queues it (inside MULTI) or calls it. A refusal inside MULTI flags the transaction, so EXEC
// aborts. The checks read the command table's flags; `call` (Call.swift) runs what passes.

extension Server {
    /// Runs the client's parsed command (its arguments are loaded).
    func processCommand(_ client: Client) {
        guard let found = commandTable.lookupForDispatch(client.arg(0)) else {
            client.lastCommand = nil
            rejectUnknownCommand(client)
            return
        }
        found._withUnsafeGuaranteedRef { processCommand($0, client) }
    }

    @inline(__always)
    private func processCommand(_ base: Command, _ client: Client) {
        if base.isContainer && client.argumentCount >= 2 {
            guard let sub = subcommand(of: base, client.arg(1)) else {
                client.lastCommand = nil
                reject(client, nil, ErrorText.unknownSubcommand(client.argString(1), container: client.argString(0)))
                return
            }
            check(sub, client)
            return
        }
        // The borrowed command goes straight on: a local `var` holding it would be retained.
        check(base, client)
    }

    @inline(__always)
    private func check(_ command: Command, _ client: Client) {
        // c->lastcmd is set on lookup: CLIENT LIST shows a queued or refused command too.
        client.lastCommand = command
        guard command.acceptsArgumentCount(client.argumentCount), command.handler != nil else {
            reject(client, command, ErrorText.wrongArity(command.fullName))
            return
        }
        if command.isProtected {
            if command.isDebug && !debugAllowed(for: client) {
                reject(client, command, ErrorText.debugNotAllowed)
                return
            }
            if command.isProtectedModule && !protectedActionAllowed(settings.enableModuleCommand, for: client) {
                reject(client, command, ErrorText.moduleNotAllowed)
                return
            }
        }
        if !client.authenticated && acl.authRequired && !command.flags.contains(.noAuth) {
            reject(client, command, ErrorText.noAuth)
            return
        }
        let inMulti = client.transaction != nil
        if inMulti && command.flags.contains(.noMulti) {
            reject(client, command, ErrorText.notAllowedInMulti)
            return
        }
        // ACLCheckAllPerm; a user with every command, key and channel skips it.
        if !client.user.allowsEverything, let text = aclRefusal(command, client) {
            reject(client, command, text)
            return
        }
        // maxmemory: evict first; refuse what may grow memory when nothing (more) can go.
        if settings.maxMemory != 0 && busyScript == nil && refusedForMemory(command, client) {
            reject(client, command, ErrorText.oom)
            return
        }
        // Keep client-side caching's table within tracking-table-max-keys.
        if tracking.isActive { limitTrackingTable() }
        // writeCommandsDeniedByDiskError: a failed BGSAVE (with save points) first, then a failing
        // AOF, refuse writes (and PING) with MISCONF.
        if persistence.writesMayBeDenied, let text = diskErrorDenial(command, client) {
            reject(client, command, text)
            return
        }
        if !aof.lastWriteOK, let refusal = aofWriteRefusal(command) {
            reject(client, command, refusal)
            return
        }
        if replicationGatesCommands, let text = replicationDenial(command, client) {
            reject(client, command, text)
            return
        }
        if client.isInRESP2SubscribedMode && !command.allowedWhenSubscribed {
            reject(client, command, ErrorText.onlySubscribeCommands(command.fullName))
            return
        }
        // Loading a dataset: only commands flagged `loading`, and no EXEC of any other.
        if loadingState.isActive && deniedWhileLoading(command, client) {
            reject(client, command, ErrorText.loading)
            return
        }
        // A script past busy-reply-threshold: only what may interrupt it (SCRIPT KILL...).
        if busyScript != nil && !command.flags.contains(.allowBusy) {
            reject(client, command, busyScript!.isEval ? ErrorText.busyEval : ErrorText.busyFunction)
            return
        }
        // A monitor is flagged as a replica, and replicas may not touch the keyspace.
        if !monitors.isEmpty && client.controls.isMonitor
            && (mayReplicate(command, client) || readsKeyspace(command, client)) {
            reject(client, command, ErrorText.replicaKeyspace)
            return
        }
        if pause.isActive && shouldPostpone(command, client) {
            postpone(client)
            return
        }
        if inMulti && !command.runsInsideMulti {
            client.queueInTransaction(command)
            client.reply.simple("QUEUED" as StaticString)
            return
        }
        call(command, client)
        if blocking.isActive && !blocking.readyKeys.isEmpty { serveReadyKeys() }
    }

    /// is_denyloading_command: an EXEC is refused when a queued command lacks the flag
    /// (mstate.cmd_inv_flags & CMD_LOADING).
    private func deniedWhileLoading(_ command: Command, _ client: Client) -> Bool {
        if !command.flags.contains(.loading) { return true }
        guard command.isExec, let transaction = client.transaction else { return false }
        return transaction.commands.contains { !$0.command.flags.contains(.loading) }
    }

    /// rejectCommand: the error reply, the command's rejected_calls, and a flagged transaction.
    /// A refused EXEC (execCommandAbort) ends the transaction — with or without MULTI, and with
    /// its watched keys — and says why after EXECABORT, without the "ERR " of Redis's formatted
    /// errors.
    private func reject(_ client: Client, _ command: Command?, _ text: String) {
        command?.stats.rejectedCalls += 1
        client.flagTransactionOnError()
        guard let command, command.isExec else {
            client.error(text)
            return
        }
        discardTransaction(client)
        let reason = text.hasPrefix("ERR ") ? text.dropFirst(4) : Substring(text)
        client.error("EXECABORT Transaction discarded because of: \(reason)")
        if !monitors.isEmpty { feedMonitors(client) }
    }

    private func subcommand(of container: Command, _ name: UnsafeRawBufferPointer) -> Command? {
        let lowered = String(decoding: name, as: UTF8.self).lowercased()
        return container.subcommands[lowered]
    }

    /// "unknown command 'x', with args beginning with: 'a' 'b' ", truncated as Redis does.
    private func rejectUnknownCommand(_ client: Client) {
        var arguments = ""
        var index = 1
        while index < client.argumentCount && arguments.utf8.count < 128 {
            let room = 128 - arguments.utf8.count
            let text = String(decoding: client.arg(index).prefix(room).prefix(while: { $0 != 0 }), as: UTF8.self)
            arguments += "'\(text)' "
            index += 1
        }
        reject(client, nil, "ERR unknown command '\(ErrorText.truncated(client.argString(0)))', with args beginning with: \(arguments)")
    }
}
