import RESP

// MULTI, EXEC, DISCARD, WATCH and UNWATCH (multi.c, Redis 7.0).

enum TransactionCommands {
    static let handlers: [String: CommandHandler] = [
        "multi": multi, "exec": exec, "discard": discard, "watch": watch, "unwatch": unwatch,
    ]

    static func multi(_ c: Client) {
        if c.transaction != nil {
            c.error(ErrorText.nestedMulti)
            return
        }
        c.transaction = TransactionState()
        c.reply.ok()
    }

    static func discard(_ c: Client) {
        guard c.transaction != nil else {
            c.error(ErrorText.discardWithoutMulti)
            return
        }
        c.server.discardTransaction(c)
        c.reply.ok()
    }

    static func watch(_ c: Client) {
        if c.transaction != nil {
            c.error(ErrorText.watchInsideMulti)
            return
        }
        // A client already touched need not watch more: EXEC fails anyway.
        if !c.watchedKeyTouched {
            for index in 1..<c.argumentCount { c.server.watch(c.arg(index), for: c) }
        }
        c.reply.ok()
    }

    static func unwatch(_ c: Client) {
        c.server.unwatchAll(c)
        c.watchedKeyTouched = false
        c.reply.ok()
    }

    static func exec(_ c: Client) {
        guard let transaction = c.transaction else {
            c.error(ErrorText.execWithoutMulti)
            return
        }
        let server = c.server
        if server.watchedKeyExpired(c) { c.watchedKeyTouched = true }
        if transaction.refused || c.watchedKeyTouched {
            if transaction.refused { c.error(ErrorText.execAbort) } else { c.reply.nullArray() }
            server.discardTransaction(c)
            return
        }
        let denied = c.denyBlocking
        c.denyBlocking = true
        server.unwatchAll(c)
        let execArguments = c.argumentSpans
        let execCommand = c.lastCommand
        c.reply.arrayHeader(transaction.commands.count)
        for queued in transaction.commands {
            queued.bytes.withUnsafeBytes { all in
                var spans: [UnsafeRawBufferPointer] = []
                spans.reserveCapacity(queued.ends.count)
                var start = 0
                for end in queued.ends {
                    spans.append(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                    start = end
                }
                c.loadArguments(spans)
                // The user's rules may have changed since the command was queued.
                if !c.user.allowsEverything, let refusal = server.aclCheck(queued.command, c, user: c.user, context: .multi) {
                    c.error(ErrorText.noPermissionAtExec(refusal.denial))
                    return
                }
                server.call(queued.command, c)
            }
        }
        // Redis keeps CLIENT_MULTI while the queue runs (CLIENT LIST inside EXEC shows x, multi=n).
        c.transaction = nil
        c.loadArguments(execArguments)
        c.lastCommand = execCommand
        c.denyBlocking = denied
        // EXEC's own call counts as failed only when it failed itself, not its commands.
        c.commandFailed = false
    }
}

extension Server {
    /// discardTransaction: leaves MULTI, forgets the queue and the watched keys.
    func discardTransaction(_ client: Client) {
        client.transaction = nil
        unwatchAll(client)
        client.watchedKeyTouched = false
    }
}
