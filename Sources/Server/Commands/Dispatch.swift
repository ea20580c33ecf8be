import CEpoll
import RESP

// Runs one parsed command: lookup, the checks Redis's processCommand makes (unknown command,
// subcommand, arity), the call itself, and the per-command statistics.

extension Server {
    func execute(_ client: Client) {
        guard let found = commandTable.lookupForDispatch(client.arg(0)) else {
            rejectUnknownCommand(client)
            return
        }
        found._withUnsafeGuaranteedRef { execute($0, client) }
    }

    @inline(__always)
    private func execute(_ base: Command, _ client: Client) {
        if base.isContainer && client.argumentCount >= 2 {
            guard let sub = subcommand(of: base, client.arg(1)) else {
                client.error(ErrorText.unknownSubcommand(client.argString(1), container: client.argString(0)))
                return
            }
            run(sub, client)
            return
        }
        // The borrowed command goes straight on: a local `var` holding it would be retained.
        run(base, client)
    }

    @inline(__always)
    private func run(_ command: Command, _ client: Client) {
        let argc = client.argumentCount
        guard command.acceptsArgumentCount(argc), command.handler != nil else {
            command.stats.rejectedCalls += 1
            client.error(ErrorText.wrongArity(command.fullName))
            return
        }
        if !client.authenticated && !command.flags.contains(.noAuth) {
            command.stats.rejectedCalls += 1
            client.error("NOAUTH Authentication required.")
            return
        }
        if command.isDebug && !debugAllowed(for: client) {
            command.stats.rejectedCalls += 1
            client.error("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.")
            return
        }
        client.lastCommand = command
        client.commandFailed = false
        let start = apus_monotonic_us()
        command.handler.unsafelyUnwrapped(client)
        let elapsed = apus_monotonic_us() - start
        command.stats.calls += 1
        command.stats.microseconds += elapsed
        if settings.latencyTracking { command.stats.record(nanoseconds: UInt64(max(elapsed, 0)) * 1000) }
        if client.commandFailed { command.stats.failedCalls += 1 }
        stats.commandsProcessed += 1
        if blocking.isActive { afterCommandWithBlockedClients(command, client) }
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
        client.error("ERR unknown command '\(ErrorText.truncated(client.argString(0)))', with args beginning with: \(arguments)")
    }
}
