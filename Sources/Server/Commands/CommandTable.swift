import RESP
import Store

// The table of commands Apus serves: Redis's metadata for each (from the generated file) joined
// with Apus's handler. Lookup lowercases the name into a stack buffer and hashes it in the
// project's dict, so dispatch never builds a String.

public final class CommandTable {
    private let byName = Dict<Command>()
    /// The same commands held unretained, for dispatch: commands live as long as the table, and a
    /// lookup that returns a strong reference costs a retain and a release per command.
    private let dispatchByName = Dict<Unmanaged<Command>>()
    /// Top-level commands in name order (COMMAND, COMMAND LIST, INFO commandstats).
    public private(set) var commands: [Command] = []
    /// Names of every command Redis 7.0 has, served or not (COMMAND DOCS answers only served ones).
    static let longestName = 64

    init(handlers: [String: CommandHandler]) {
        var rows: [String: (arity: Int, flags: String, firstKey: Int, lastKey: Int, step: Int, acl: String)] = [:]
        for row in generatedCommandTable {
            rows[row.name.description] = (row.arity, row.flags.description, row.firstKey, row.lastKey, row.step,
                                          row.aclCategories.description)
        }
        var metadata: [String: (info: ReplyTree, docs: ReplyTree)] = [:]
        for row in generatedCommandMetadata {
            guard let info = ReplyTree.parse(exactly: row.info), let docs = ReplyTree.parse(exactly: row.docs) else {
                fatalError("generated command metadata for \(row.name) does not parse")
            }
            metadata[row.name.description] = (info, docs)
        }
        func make(_ name: String) -> Command {
            guard let row = rows[name], let meta = metadata[name] else {
                fatalError("no Redis metadata for command \(name)")
            }
            return Command(fullName: name, arity: row.arity, flags: CommandFlags(words: row.flags),
                           firstKey: row.firstKey, lastKey: row.lastKey, keyStep: row.step,
                           aclCategories: row.acl.split(separator: " ").map(String.init),
                           handler: handlers[name], info: meta.info, docs: meta.docs)
        }
        // Sorted names put "command" before "command|count", so a container that also has a
        // handler of its own (COMMAND) is created once and then receives its subcommands.
        var topLevel: [String: Command] = [:]
        for name in handlers.keys.sorted() {
            if let bar = name.firstIndex(of: "|") {
                let parent = String(name[..<bar])
                let container = topLevel[parent] ?? make(parent)
                topLevel[parent] = container
                container.subcommands[String(name[name.index(after: bar)...])] = make(name)
            } else {
                topLevel[name] = make(name)
            }
        }
        for (name, command) in topLevel {
            commands.append(command)
            byName.insertNew(key: Array(name.utf8), value: command)
            dispatchByName.insertNew(key: Array(name.utf8), value: Unmanaged.passUnretained(command))
        }
        commands.sort { $0.fullName < $1.fullName }
    }

    /// The command named by `name`, any case, unretained (dispatch borrows it).
    @inline(__always)
    public func lookupForDispatch(_ name: UnsafeRawBufferPointer) -> Unmanaged<Command>? {
        if name.count > CommandTable.longestName { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: CommandTable.longestName) { lowered in
            for index in 0..<name.count {
                let byte = name[index]
                lowered[index] = byte >= 65 && byte <= 90 ? byte | 0x20 : byte
            }
            return dispatchByName.findValue(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(lowered)[0..<name.count]))
        }
    }

    /// The command named by `name`, any case.
    @inline(__always)
    public func lookup(_ name: UnsafeRawBufferPointer) -> Command? {
        if name.count > CommandTable.longestName { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: CommandTable.longestName) { lowered in
            for index in 0..<name.count {
                let byte = name[index]
                lowered[index] = byte >= 65 && byte <= 90 ? byte | 0x20 : byte
            }
            return findLowercased(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(lowered)[0..<name.count]))
        }
    }

    @usableFromInline
    func findLowercased(_ name: UnsafeRawBufferPointer) -> Command? { byName.find(name)?.value }

    /// A command or subcommand by its full name ("config|get"), for COMMAND INFO/DOCS.
    public func lookup(fullName: String) -> Command? {
        let lowered = fullName.lowercased()
        let parts = lowered.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        guard let top = byName.find(Array(parts[0].utf8))?.value else { return nil }
        if parts.count == 1 { return top }
        return top.subcommands[String(parts[1])]
    }

    /// Every command and subcommand, for stats and COMMAND LIST.
    public var allCommands: [Command] {
        commands.flatMap { command in [command] + command.subcommands.values.sorted { $0.fullName < $1.fullName } }
    }
}
