import Config
import RESP

// CONFIG: GET (several glob patterns), SET (several pairs, all or nothing), RESETSTAT, REWRITE.
// The ConfigStore owns parsing, validation and error texts; the server only reacts to changes
// through the hooks installed in Server+ConfigHooks.

enum ConfigCommand {
    static let handlers: [String: CommandHandler] = [
        "config|get": get, "config|set": set, "config|resetstat": resetstat, "config|rewrite": rewrite,
        "config|help": { ObjectCommand.replyHelp($0, HelpText.config) },
    ]

    static func get(_ c: Client) {
        var patterns: [String] = []
        for index in 2..<c.argumentCount { patterns.append(c.argString(index)) }
        let pairs = c.server.config.getMatching(patterns)
        c.reply.mapHeader(pairs.count)
        for (name, value) in pairs {
            c.reply.bulk(name)
            c.reply.bulk(value)
        }
    }

    static func set(_ c: Client) {
        let count = c.argumentCount - 2
        if count % 2 != 0 {
            c.error(ErrorText.syntax)
            return
        }
        var pairs: [(String, String)] = []
        for index in stride(from: 2, to: c.argumentCount, by: 2) {
            pairs.append((c.argString(index), c.argString(index + 1)))
        }
        if let failure = c.server.config.set(pairs, clientIsLocal: c.isLocal) {
            c.error(failure)
            return
        }
        c.reply.ok()
    }

    static func resetstat(_ c: Client) {
        c.server.stats.reset()
        c.server.acl.resetDenialCounts()
        for command in c.server.commandTable.allCommands { command.stats = CommandStats() }
        c.reply.ok()
    }

    static func rewrite(_ c: Client) {
        if let failure = c.server.config.rewrite() {
            c.error(failure)
            return
        }
        c.server.logger.notice("CONFIG REWRITE executed with success.")
        c.reply.ok()
    }
}
