import Config

// One set of permissions (Redis's aclSelector): commands, key patterns with read/write rights,
// channel patterns. Every user has a root selector; `(...)` rules add more, and a command runs
// when any selector allows all of it. `apply` is ACLSetSelector, rule for rule.

struct ACLKeyPattern: Equatable {
    static let read: UInt8 = 1
    static let write: UInt8 = 2
    static let all: UInt8 = 3
    var pattern: [UInt8]
    var permissions: UInt8

    /// sdsCatPatternString.
    var rule: String {
        let prefix = permissions == ACLKeyPattern.all ? "~" : permissions == ACLKeyPattern.read ? "%R~" : "%W~"
        return prefix + String(decoding: pattern, as: UTF8.self)
    }
}

struct ACLSelector {
    var isRoot = false
    var allKeys = false
    var allChannels = false
    var allCommands = false
    var commands = ACLCommandBits()
    /// allowed_firstargs: for commands whose bit is off, the first arguments still allowed.
    var firstArgs: [Int: [String]] = [:]
    var keyPatterns: [ACLKeyPattern] = []
    var channels: [[UInt8]] = []

    /// ACLCreateSelector: no permissions, but acl-pubsub-default's channels.
    init(root: Bool, allChannelsByDefault: Bool) {
        isRoot = root
        allChannels = allChannelsByDefault
    }

    /// True when the selector passes every command with any keys and channels.
    var allowsEverything: Bool { allCommands && allKeys && allChannels }

    private static func equalsIgnoringCase(_ op: [UInt8], _ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard op.count == utf8.count else { return false }
        for index in 0..<utf8.count where lower(op[index]) != lower(utf8[index]) { return false }
        return true
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte | 0x20 : byte }

    /// ACLStringHasSpaces.
    static func hasSpaces(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.contains { $0 == 0 || $0 == 32 || ($0 >= 9 && $0 <= 13) }
    }

    private mutating func setBit(_ id: Int, _ value: Bool) {
        commands[id] = value
        if !value { allCommands = false }
    }

    /// ACLChangeSelectorPerm: a container's subcommands follow it.
    mutating func change(_ id: Int, allow: Bool) {
        let registry = ACLCommandRegistry.shared
        setBit(id, allow)
        firstArgs[id] = nil
        for sub in registry.entries[id].subcommands { setBit(sub, allow) }
    }

    mutating func changeCategory(_ bit: UInt32, allow: Bool) {
        let registry = ACLCommandRegistry.shared
        for top in registry.topLevel {
            if registry.entries[top].categories & bit != 0 { change(top, allow: allow) }
            for sub in registry.entries[top].subcommands where registry.entries[sub].categories & bit != 0 {
                change(sub, allow: allow)
            }
        }
    }

    mutating func apply(_ op: [UInt8]) throws(ACLRuleError) {
        let registry = ACLCommandRegistry.shared
        let first = op.first ?? 0
        let second = op.count > 1 ? op[1] : 0
        if Self.equalsIgnoringCase(op, "allkeys") || Self.equalsIgnoringCase(op, "~*") {
            allKeys = true
            keyPatterns.removeAll()
        } else if Self.equalsIgnoringCase(op, "resetkeys") {
            allKeys = false
            keyPatterns.removeAll()
        } else if Self.equalsIgnoringCase(op, "allchannels") || Self.equalsIgnoringCase(op, "&*") {
            allChannels = true
            channels.removeAll()
        } else if Self.equalsIgnoringCase(op, "resetchannels") {
            allChannels = false
            channels.removeAll()
        } else if Self.equalsIgnoringCase(op, "allcommands") || Self.equalsIgnoringCase(op, "+@all") {
            commands = .all
            allCommands = true
            firstArgs.removeAll()
        } else if Self.equalsIgnoringCase(op, "nocommands") || Self.equalsIgnoringCase(op, "-@all") {
            commands = ACLCommandBits()
            allCommands = false
            firstArgs.removeAll()
        } else if first == UInt8(ascii: "~") || first == UInt8(ascii: "%") {
            if allKeys { throw .keyPatternAfterAllKeys }
            var permissions: UInt8 = 0
            var offset = 1
            if first == UInt8(ascii: "%") {
                while offset < op.count {
                    let byte = op[offset]
                    if Self.lower(byte) == UInt8(ascii: "r") && permissions & ACLKeyPattern.read == 0 {
                        permissions |= ACLKeyPattern.read
                    } else if Self.lower(byte) == UInt8(ascii: "w") && permissions & ACLKeyPattern.write == 0 {
                        permissions |= ACLKeyPattern.write
                    } else if byte == UInt8(ascii: "~") {
                        offset += 1
                        break
                    } else {
                        throw .syntax
                    }
                    offset += 1
                }
            } else {
                permissions = ACLKeyPattern.all
            }
            if Self.hasSpaces(op[offset...]) { throw .syntax }
            let pattern = Array(op[offset...])
            if let index = keyPatterns.firstIndex(where: { $0.pattern == pattern }) {
                keyPatterns[index].permissions |= permissions
            } else {
                keyPatterns.append(ACLKeyPattern(pattern: pattern, permissions: permissions))
            }
            allKeys = false
        } else if first == UInt8(ascii: "&") {
            if allChannels { throw .channelPatternAfterAllChannels }
            if Self.hasSpaces(op[1...]) { throw .syntax }
            let pattern = Array(op[1...])
            if !channels.contains(pattern) { channels.append(pattern) }
            allChannels = false
        } else if first == UInt8(ascii: "+") && second != UInt8(ascii: "@") {
            let name = String(decoding: op[1...], as: UTF8.self)
            guard let bar = name.lastIndex(of: "|") else {
                guard let id = registry.lookup(name) else { throw .unknownCommandOrCategory }
                change(id, allow: true)
                return
            }
            let base = String(name[..<bar])
            let sub = String(name[name.index(after: bar)...])
            guard let id = registry.lookup(base) else { throw .unknownCommandOrCategory }
            if registry.entries[id].parent != nil { throw .firstArgOfSubcommand }
            if sub.isEmpty { throw .syntax }
            if !registry.entries[id].subcommands.isEmpty {
                guard let subID = registry.lookup(name) else { throw .unknownCommandOrCategory }
                change(subID, allow: true)
            } else {
                var allowed = firstArgs[id] ?? []
                if !allowed.contains(where: { $0.lowercased() == sub.lowercased() }) { allowed.append(sub) }
                firstArgs[id] = allowed
            }
        } else if first == UInt8(ascii: "-") && second != UInt8(ascii: "@") {
            guard let id = registry.lookup(String(decoding: op[1...], as: UTF8.self)) else {
                throw .unknownCommandOrCategory
            }
            change(id, allow: false)
        } else if (first == UInt8(ascii: "+") || first == UInt8(ascii: "-")) && second == UInt8(ascii: "@") {
            guard let bit = ACLCategory.bit(String(decoding: op[2...], as: UTF8.self)) else {
                throw .unknownCommandOrCategory
            }
            changeCategory(bit, allow: first == UInt8(ascii: "+"))
        } else {
            throw .syntax
        }
    }

    /// aclCreateSelectorFromOpSet: "(rule rule ...)", split as sdssplitargs does.
    static func fromOpSet(_ op: [UInt8], allChannelsByDefault: Bool) throws(ACLRuleError) -> ACLSelector {
        var selector = ACLSelector(root: false, allChannelsByDefault: allChannelsByDefault)
        let words = ConfigText.splitArgs(op[1..<(op.count - 1)]) ?? []
        for word in words { try selector.apply(Array(word.utf8)) }
        return selector
    }
}
