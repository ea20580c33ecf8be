// BGREWRITEAOF (bgrewriteaofCommand, 7.0).

enum AOFCommands {
    static let handlers: [String: CommandHandler] = ["bgrewriteaof": bgrewriteaof]

    static func bgrewriteaof(_ c: Client) {
        let server = c.server
        // Inside EXEC, or while another child runs, Redis only schedules the rewrite; the cron
        // starts it.
        if server.persistence.childKind == .aof {
            c.error(ErrorText.aofRewriteInProgress)
        } else if server.persistence.hasActiveChild || server.executionDepth > 1 {
            server.aof.rewriteScheduled = true
            server.aof.consecutiveRewriteFailures = 0
            c.reply.simple("Background append only file rewriting scheduled" as StaticString)
        } else if server.rewriteAppendOnlyFile() {
            c.reply.simple("Background append only file rewriting started" as StaticString)
        } else {
            c.error(ErrorText.aofRewriteFailed)
        }
    }
}
