// Every command and subcommand Redis 7.0.15 has, numbered for the selectors' command bitmaps,
// with its ACL categories from the generated metadata. ACL rules, ACL CAT and the describing of
// rules read this table, not the served command table, so they count exactly the commands
// Redis counts (as Redis bases them on server.orig_commands).

struct ACLCommandEntry {
    let name: String
    let parent: Int?
    var subcommands: [Int] = []
    /// One bit per `ACLCategory.names` index.
    let categories: UInt32
    let noAuth: Bool
}

enum ACLCategory {
    /// Redis's ACLCommandCategories, in its order (ACL CAT, the describing of rules).
    static let names = ["keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
                        "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
                        "dangerous", "connection", "transaction", "scripting"]

    /// The bit of a category, any case; nil when there is no such category.
    static func bit(_ name: String) -> UInt32? {
        let lowered = name.lowercased()
        guard let index = names.firstIndex(of: lowered) else { return nil }
        return 1 << UInt32(index)
    }
}

final class ACLCommandRegistry {
    static let shared = ACLCommandRegistry()

    private(set) var entries: [ACLCommandEntry] = []
    /// Top-level commands in name order; a container's subcommands follow it when walked.
    private(set) var topLevel: [Int] = []
    private var byName: [String: Int] = [:]
    /// The bit reserved for "commands added in the future" (+@all sets it, nothing else does).
    static let futureBit = 511
    static let words = 8

    private init() {
        var pending: [(String, UInt32, Bool)] = []
        for row in generatedCommandTable {
            var mask: UInt32 = 0
            for word in row.aclCategories.description.split(separator: " ") {
                if let bit = ACLCategory.bit(String(word)) { mask |= bit }
            }
            let noAuth = row.flags.description.split(separator: " ").contains("no_auth")
            pending.append((row.name.description, mask, noAuth))
        }
        pending.sort { $0.0 < $1.0 }
        for (name, mask, noAuth) in pending {
            var parent: Int?
            if let bar = name.firstIndex(of: "|") { parent = byName[String(name[..<bar])] }
            let id = entries.count
            entries.append(ACLCommandEntry(name: name, parent: parent, categories: mask, noAuth: noAuth))
            byName[name] = id
            if let parent { entries[parent].subcommands.append(id) } else { topLevel.append(id) }
        }
        precondition(entries.count < ACLCommandRegistry.futureBit)
    }

    func id(fullName: String) -> Int? { byName[fullName] }

    /// lookupCommandBySdsLogic: "name" or "container|sub", any case; nil for anything else
    /// (a '|' after a command without subcommands, more than one '|', empty parts).
    func lookup(_ text: String) -> Int? {
        let parts = text.lowercased().split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, !parts[0].isEmpty, let base = byName[String(parts[0])] else {
            return nil
        }
        if parts.count == 1 { return base }
        guard !entries[base].subcommands.isEmpty else { return nil }
        return byName[String(parts[0]) + "|" + String(parts[1])]
    }

    /// Every command in walking order: each top-level command, then its subcommands.
    var walkOrder: [Int] {
        topLevel.flatMap { [$0] + entries[$0].subcommands }
    }
}
