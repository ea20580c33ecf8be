import Util

// ACLCheckAllUserCommandPerm: may this user run this command with these arguments? Each
// selector is tried in turn; the first that allows the command, its keys (with the read/write
// rights the key specs ask for) and its channels lets it run. Otherwise the most specific
// refusal is reported (channel over key over command, then the later argument).

enum ACLDenial: Int {
    case command = 1
    case key = 2
    case channel = 4
}

struct ACLCheckResult {
    let denial: ACLDenial
    /// The argument that was refused (key or channel), 0 for a command.
    let position: Int
}

enum ACLPermissions {
    /// Which arguments of `command` name channels, and whether they are patterns.
    private static func channelArguments(_ name: String, count: Int) -> (range: Range<Int>, literal: Bool)? {
        switch name {
        case "publish", "spublish": return (1..<min(2, count), false)
        case "subscribe", "ssubscribe": return (1..<count, false)
        case "psubscribe": return (1..<count, true)
        default: return nil
        }
    }

    static func check(_ rules: ACLUserRules, _ command: Command, count: Int,
                      argument: (Int) -> UnsafeRawBufferPointer) -> ACLCheckResult? {
        var relevant = ACLDenial.command
        var lastPosition = 0
        var keys: [KeyReference]?
        for selector in rules.selectors {
            guard let refusal = check(selector, command, count: count, argument: argument, keys: &keys) else {
                return nil
            }
            if refusal.denial.rawValue > relevant.rawValue
                || (refusal.denial == relevant && refusal.position > lastPosition) {
                relevant = refusal.denial
                lastPosition = refusal.position
            }
        }
        return ACLCheckResult(denial: relevant, position: lastPosition)
    }

    /// ACLSelectorCheckCmd.
    private static func check(_ selector: ACLSelector, _ command: Command, count: Int,
                              argument: (Int) -> UnsafeRawBufferPointer, keys: inout [KeyReference]?) -> ACLCheckResult? {
        let id = command.aclID
        if !selector.allCommands && !command.flags.contains(.noAuth) && !selector.commands[id] {
            guard count >= 2, let allowed = selector.firstArgs[id] else {
                return ACLCheckResult(denial: .command, position: 0)
            }
            let index = command.fullName.contains("|") ? 2 : 1
            let given = String(decoding: argument(index), as: UTF8.self).lowercased()
            if !allowed.contains(where: { $0.lowercased() == given }) {
                return ACLCheckResult(denial: .command, position: 0)
            }
        }
        if !selector.allKeys && KeyExtraction.commandHasKeys(command) {
            if keys == nil { keys = KeyExtraction.keys(of: command, count: count, argument: argument) }
            for key in keys! where !allowsKey(selector, argument(key.position), flags: key.flags) {
                return ACLCheckResult(denial: .key, position: key.position)
            }
        }
        if !selector.allChannels, let channels = channelArguments(command.fullName, count: count) {
            for index in channels.range where !allowsChannel(selector.channels, argument(index), literal: channels.literal) {
                return ACLCheckResult(denial: .channel, position: index)
            }
        }
        return nil
    }

    /// ACLSelectorCheckKey.
    static func allowsKey(_ selector: ACLSelector, _ key: UnsafeRawBufferPointer, flags: KeySpecFlags) -> Bool {
        if selector.allKeys { return true }
        var wanted: UInt8 = 0
        if flags.contains(.access) { wanted |= ACLKeyPattern.read }
        if flags.contains(.insert) || flags.contains(.delete) || flags.contains(.update) { wanted |= ACLKeyPattern.write }
        for pattern in selector.keyPatterns where pattern.permissions & wanted == wanted {
            if pattern.pattern.withUnsafeBytes({ globMatch(pattern: $0, string: key, noCase: false) }) { return true }
        }
        return false
    }

    /// ACLCheckChannelAgainstList: patterns (PSUBSCRIBE) must equal a rule; channels match it.
    static func allowsChannel(_ list: [[UInt8]], _ channel: UnsafeRawBufferPointer, literal: Bool) -> Bool {
        for pattern in list {
            if literal {
                if pattern.elementsEqual(channel) { return true }
            } else if pattern.withUnsafeBytes({ globMatch(pattern: $0, string: channel, noCase: false) }) {
                return true
            }
        }
        return false
    }

    /// ACLUserCheckKeyPerm: any selector allowing the key with these rights.
    static func userAllowsKey(_ rules: ACLUserRules, _ key: UnsafeRawBufferPointer, flags: KeySpecFlags) -> Bool {
        rules.selectors.contains { allowsKey($0, key, flags: flags) }
    }

    /// ACLUserCheckChannelPerm.
    static func userAllowsChannel(_ rules: ACLUserRules, _ channel: UnsafeRawBufferPointer, literal: Bool) -> Bool {
        rules.selectors.contains { $0.allChannels || allowsChannel($0.channels, channel, literal: literal) }
    }
}
