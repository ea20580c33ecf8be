import RESP
import Util

// COMMAND: the command table described in Redis's own metadata — COUNT, LIST (with FILTERBY),
// INFO and DOCS — for the commands Apus serves.

enum CommandCommand {
    static let handlers: [String: CommandHandler] = [
        "command": all, "command|count": count, "command|list": list, "command|info": info,
        "command|docs": docs, "command|help": { ObjectCommand.replyHelp($0, HelpText.command) },
        "command|getkeys": getkeys, "command|getkeysandflags": getkeysandflags,
    ]

    static func all(_ c: Client) {
        let commands = c.server.commandTable.commands
        c.reply.arrayHeader(commands.count)
        for command in commands { write(command.info, to: c) }
    }

    static func count(_ c: Client) { c.reply.integer(c.server.commandTable.commands.count) }

    static func list(_ c: Client) {
        var names = c.server.commandTable.allCommands
        if c.argumentCount != 2 {
            guard c.argumentCount == 5, c.argIs(2, "filterby") else {
                c.error(ErrorText.syntax)
                return
            }
            let value = c.argString(4)
            if c.argIs(3, "pattern") {
                names = names.filter { globMatch(pattern: value, string: $0.fullName, noCase: true) }
            } else if c.argIs(3, "aclcat") {
                names = names.filter { $0.aclCategories.contains { $0.lowercased() == value.lowercased() } }
            } else if c.argIs(3, "module") {
                names = []
            } else {
                c.error(ErrorText.syntax)
                return
            }
        }
        c.reply.arrayHeader(names.count)
        for command in names { c.reply.bulk(command.fullName) }
    }

    static func info(_ c: Client) {
        if c.argumentCount == 2 {
            all(c)
            return
        }
        c.reply.arrayHeader(c.argumentCount - 2)
        for index in 2..<c.argumentCount {
            if let command = c.server.commandTable.lookup(fullName: c.argString(index)) {
                write(command.info, to: c)
            } else {
                c.reply.nullBulk()
            }
        }
    }

    static func docs(_ c: Client) {
        var found: [Command] = []
        if c.argumentCount == 2 {
            found = c.server.commandTable.commands
        } else {
            for index in 2..<c.argumentCount {
                if let command = c.server.commandTable.lookup(fullName: c.argString(index)) { found.append(command) }
            }
        }
        c.reply.mapHeader(found.count)
        for command in found {
            c.reply.bulk(command.fullName)
            write(command.docs, to: c)
        }
    }

    static func getkeys(_ c: Client) { getKeys(c, withFlags: false) }
    static func getkeysandflags(_ c: Client) { getKeys(c, withFlags: true) }

    /// getKeysSubcommandImpl: the keys of the command given as arguments 2..., with their flags
    /// (a set of names) for GETKEYSANDFLAGS.
    private static func getKeys(_ c: Client, withFlags: Bool) {
        let argc = c.argumentCount - 2
        guard var command = c.server.commandTable.lookup(c.arg(2)) else {
            c.error("ERR Invalid command specified")
            return
        }
        if command.isContainer && argc >= 2 {
            guard let sub = command.subcommands[c.argString(3).lowercased()] else {
                c.error("ERR Invalid command specified")
                return
            }
            command = sub
        }
        if !KeyExtraction.commandHasKeys(command) {
            c.error("ERR The command has no key arguments")
            return
        }
        if !command.acceptsArgumentCount(argc) {
            c.error("ERR Invalid number of arguments specified for command")
            return
        }
        let keys = KeyExtraction.keys(of: command, count: argc) { c.arg($0 + 2) }
        if keys.isEmpty {
            if command.flags.contains(.noMandatoryKeys) {
                c.reply.emptyArray()
            } else {
                c.error("ERR Invalid arguments specified for command")
            }
            return
        }
        c.reply.arrayHeader(keys.count)
        for key in keys {
            if !withFlags {
                c.reply.bulk(c.arg(key.position + 2))
                continue
            }
            c.reply.arrayHeader(2)
            c.reply.bulk(c.arg(key.position + 2))
            let names = KeySpecFlags.names.filter { key.flags.contains($0.0) }
            c.reply.setHeader(names.count)
            for (_, name) in names { c.reply.simple(name) }
        }
    }

    static func write(_ tree: ReplyTree, to c: Client) {
        var bytes: [UInt8] = []
        tree.encode(resp3: c.reply.resp3, into: &bytes)
        c.reply.append(bytes)
    }
}
