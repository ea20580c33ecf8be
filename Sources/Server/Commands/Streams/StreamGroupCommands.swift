import Config
import Store

// XGROUP (t_stream.c's xgroupCommand): CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER,
// HELP. The subcommands share one handler because Redis checks their options, the key and the
// group in one order for all of them, and that order decides which error a bad call gets.

enum StreamGroupCommands {
    static let handlers: [String: CommandHandler] = [
        "xgroup|create": xgroup, "xgroup|setid": xgroup, "xgroup|destroy": xgroup,
        "xgroup|createconsumer": xgroup, "xgroup|delconsumer": xgroup, "xgroup|help": xgroup,
    ]

    static let help: [String] = [
        "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
        "HELP",
        "    Prints this help.",
    ]

    static func xgroup(_ c: Client) {
        let count = c.argumentCount
        if count == 2 {
            // Only HELP has no key (the command table holds the other subcommands' arities).
            if c.argIs(1, "help") { ObjectCommand.replyHelp(c, help) } else { subcommandSyntaxError(c) }
            return
        }
        let create = c.argIs(1, "create")
        let setID = c.argIs(1, "setid")
        var makeStream = false
        var entriesRead = streamInvalidEntriesRead
        var stream: Stream?
        var group: StreamConsumerGroup?

        // Everything but HELP names a key and a group.
        if count >= 4 {
            var index = 5
            while index < count {
                if create && c.argIs(index, "mkstream") {
                    makeStream = true
                    index += 1
                } else if (create || setID) && c.argIs(index, "entriesread") && index + 1 < count {
                    guard let value = c.integerArgument(index + 1) else { return }
                    if value < 0 && value != streamInvalidEntriesRead {
                        c.error(ErrorText.entriesReadNegative)
                        return
                    }
                    entriesRead = value
                    index += 2
                } else {
                    subcommandSyntaxError(c)
                    return
                }
            }
            if let object = c.lookupWrite(c.arg(2)) {
                if c.wrongType(object, .stream) { return }
                stream = StreamType.stream(object)
            }
            if !makeStream {
                guard let stream else {
                    c.error(ErrorText.xgroupKeyMissing)
                    return
                }
                group = stream.group(named: c.arg(3))
                if group == nil && (setID || c.argIs(1, "createconsumer") || c.argIs(1, "delconsumer")) {
                    c.error(ErrorText.noGroup(group: c.argString(3), key: c.argString(2)))
                    return
                }
            }
        }

        let key = c.arg(2)
        if create && count >= 5 && count <= 8 {
            let id: StreamID
            if isDollar(c.arg(4)) {
                id = stream?.lastID ?? .zero
            } else {
                guard let given = c.streamIDArgument(4, strict: true) else { return }
                id = given
            }
            let target: Stream
            if let stream {
                target = stream
            } else {
                // MKSTREAM, now that nothing can fail any more.
                target = StreamType.stream(c.db.add(key, c.stored(StreamType.create())))
            }
            if target.createGroup(named: c.arg(3), lastID: id, entriesRead: entriesRead) != nil {
                c.reply.ok()
                c.markDirty()
                c.notify(KeyspaceEventFlags.stream, "xgroup-create", key)
            } else {
                c.error(ErrorText.busyGroup)
            }
        } else if setID && (count == 5 || count == 7), let stream, let group {
            let id: StreamID
            if isDollar(c.arg(4)) {
                id = stream.lastID
            } else {
                guard let given = c.streamIDArgument(4) else { return }
                id = given
            }
            group.lastID = id
            group.entriesRead = entriesRead
            c.reply.ok()
            c.markDirty()
            c.notify(KeyspaceEventFlags.stream, "xgroup-setid", key)
        } else if c.argIs(1, "destroy") && count == 4, let stream {
            if group != nil {
                stream.groups.remove(ByteKey(c.arg(3)))
                c.reply.integer(1)
                c.markDirty()
                c.notify(KeyspaceEventFlags.stream, "xgroup-destroy", key)
                // XREADGROUP clients blocked on the group are answered -NOGROUP.
                c.signalKeyAsReady(key)
            } else {
                c.reply.integer(0)
            }
        } else if c.argIs(1, "createconsumer") && count == 5, let group {
            let created = c.createStreamConsumer(group, named: c.arg(4), key: key)
            c.reply.integer(created == nil ? 0 : 1)
        } else if c.argIs(1, "delconsumer") && count == 5, let group {
            var pending = 0
            if let consumer = group.consumer(named: c.arg(4)) {
                pending = group.deleteConsumer(consumer)
                c.markDirty()
                c.notify(KeyspaceEventFlags.stream, "xgroup-delconsumer", key)
            }
            c.reply.integer(pending)
        } else {
            subcommandSyntaxError(c)
        }
    }

    private static func isDollar(_ argument: UnsafeRawBufferPointer) -> Bool {
        argument.count == 1 && argument[0] == UInt8(ascii: "$")
    }

    /// addReplySubcommandSyntaxError for XGROUP and XINFO.
    static func subcommandSyntaxError(_ c: Client) {
        c.error(ErrorText.subcommandSyntax(c.argString(1), container: c.argString(0)))
    }
}

extension Client {
    /// streamCreateConsumer: a new consumer, or nil when the group has one by that name. Like
    /// Redis, it counts a change and fires `xgroup-createconsumer` unless told not to.
    @discardableResult
    func createStreamConsumer(_ group: StreamConsumerGroup, named name: UnsafeRawBufferPointer,
                              key: UnsafeRawBufferPointer, notify: Bool = true,
                              dirty: Bool = true) -> StreamConsumer? {
        guard let consumer = group.createConsumer(named: name, now: server.now) else { return nil }
        if dirty { markDirty() }
        if notify { self.notify(KeyspaceEventFlags.stream, "xgroup-createconsumer", key) }
        return consumer
    }
}
