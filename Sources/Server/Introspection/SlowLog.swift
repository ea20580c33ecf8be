import RESP

// The slow log (slowlog.c): commands that ran for at least slowlog-log-slower-than microseconds,
// newest first, at most slowlog-max-len of them. An entry keeps at most 32 arguments (the last
// saying how many more there were) of at most 128 bytes each, and secrets redacted as Redis 7.0
// redacts them (AUTH, HELLO AUTH, CONFIG SET of requirepass and masterauth).

struct SlowLogEntry {
    let id: Int64
    let time: Int64
    let duration: Int64
    let arguments: [[UInt8]]
    let peer: String
    let name: [UInt8]
}

final class SlowLog {
    static let maxArguments = 32
    static let maxArgumentLength = 128

    /// Oldest first; replies walk it backwards.
    private(set) var entries: [SlowLogEntry] = []
    private var nextID: Int64 = 0

    func reset() { entries.removeAll() }

    /// slowlogPushEntryIfNeeded for a command that ran `duration` µs (the caller checked the
    /// threshold), then the trim to `maxLength`.
    func push(_ client: Client, duration: Int64, now: Int64, maxLength: Int) {
        let count = client.argumentCount
        let kept = min(count, SlowLog.maxArguments)
        let redacted = SlowLog.redactedArguments(client)
        var arguments: [[UInt8]] = []
        arguments.reserveCapacity(kept)
        for index in 0..<kept {
            if kept != count && index == kept - 1 {
                arguments.append(Array("... (\(count - kept + 1) more arguments)".utf8))
            } else if redacted.contains(index) {
                arguments.append(Array("(redacted)".utf8))
            } else {
                let argument = client.arg(index)
                if argument.count > SlowLog.maxArgumentLength {
                    var trimmed = [UInt8](argument[0..<SlowLog.maxArgumentLength])
                    trimmed += Array("... (\(argument.count - SlowLog.maxArgumentLength) more bytes)".utf8)
                    arguments.append(trimmed)
                } else {
                    arguments.append([UInt8](argument))
                }
            }
        }
        entries.append(SlowLogEntry(id: nextID, time: now / 1000, duration: duration, arguments: arguments,
                                    peer: client.peerAddress.isEmpty || client.flags.contains(.scriptClient) || client.flags.contains(.fake) ? "?:0" : client.peerAddress,
                                    name: client.name ?? []))
        nextID += 1
        trim(to: maxLength)
    }

    func trim(to maxLength: Int) {
        if entries.count > maxLength { entries.removeFirst(entries.count - maxLength) }
    }

    /// redactClientCommandArgument's callers in 7.0: the arguments an entry must not keep.
    static func redactedArguments(_ client: Client) -> Set<Int> {
        let count = client.argumentCount
        if client.argIs(0, "auth") { return Set(1..<max(count, 1)) }
        if client.argIs(0, "hello") {
            var index = 2
            while index < count {
                if client.argIs(index, "auth") && index + 2 < count { return [index + 1, index + 2] }
                index += client.argIs(index, "setname") ? 2 : 1
            }
            return []
        }
        if client.argIs(0, "config") && count >= 4 && client.argIs(1, "set") {
            var redacted: Set<Int> = []
            for index in stride(from: 2, to: count - 1, by: 2)
            where client.argIs(index, "requirepass") || client.argIs(index, "masterauth") {
                redacted.insert(index + 1)
            }
            return redacted
        }
        if client.argIs(0, "migrate") { return MigrateCommand.redactedArguments(client) }
        // ACL SETUSER: every rule may hold a password.
        if client.argIs(0, "acl") && count >= 3 && client.argIs(1, "setuser") { return Set(2..<count) }
        return []
    }
}

enum SlowLogCommand {
    static let handlers: [String: CommandHandler] = [
        "slowlog|get": get, "slowlog|len": len, "slowlog|reset": reset, "slowlog|help": help,
    ]

    static func get(_ c: Client) {
        let log = c.server.slowLog
        var count = 10
        if c.argumentCount > 3 {
            c.error(ErrorText.subcommandSyntax(c.argString(1), container: "slowlog"))
            return
        }
        if c.argumentCount == 3 {
            guard let value = c.rangedIntegerArgument(2, min: -1, max: Int64.max,
                                                      message: "count should be greater than or equal to -1") else { return }
            count = value == -1 ? log.entries.count : Int(clamping: value)
        }
        count = min(count, log.entries.count)
        c.reply.arrayHeader(count)
        for entry in log.entries.reversed().prefix(count) {
            c.reply.arrayHeader(6)
            c.reply.integer(entry.id)
            c.reply.integer(entry.time)
            c.reply.integer(entry.duration)
            c.reply.arrayHeader(entry.arguments.count)
            for argument in entry.arguments { c.reply.bulk(argument) }
            c.reply.bulk(entry.peer)
            c.reply.bulk(entry.name)
        }
    }

    static func len(_ c: Client) { c.reply.integer(c.server.slowLog.entries.count) }

    static func reset(_ c: Client) {
        c.server.slowLog.reset()
        c.reply.ok()
    }

    static func help(_ c: Client) { ObjectCommand.replyHelp(c, HelpText.slowlog) }
}
