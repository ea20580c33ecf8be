// BGREWRITEAOF (bgrewriteaofCommand, 7.0).

enum AOFCommands {
    static let handlers: [String: CommandHandler] = ["bgrewriteaof": bgrewriteaof]

    static func bgrewriteaof(_ c: Client) {
        let server = c.server
        // Inside EXEC Redis only schedules the rewrite (server.in_exec); the cron starts it.
        if server.executionDepth > 1 {
            server.aof.rewriteScheduled = true
            c.reply.simple("Background append only file rewriting scheduled" as StaticString)
        } else if server.rewriteAppendOnlyFile() {
            c.reply.simple("Background append only file rewriting started" as StaticString)
        } else {
            c.error(ErrorText.aofRewriteFailed)
        }
    }
}
