// Rules back to text (ACLDescribeSelectorCommandRules, ACLDescribeSelector, ACLDescribeUser),
// for ACL LIST, ACL GETUSER, ACL SAVE and CONFIG REWRITE. The command part starts from +@all or
// -@all, applies the categories that fit best, then fixes single commands until a replay of the
// text yields the same bitmap. Redis walks its command dict in hash order, which is seeded at
// random per process, so the order of single-command rules differs between Redis runs; Apus
// walks commands by name.

extension ACLSelector {
    private func counts(_ bits: ACLCommandBits, category: UInt32) -> (on: Int, off: Int) {
        let registry = ACLCommandRegistry.shared
        var on = 0, off = 0
        for id in registry.walkOrder where registry.entries[id].categories & category != 0 {
            if bits[id] { on += 1 } else { off += 1 }
        }
        return (on, off)
    }

    var commandRules: String {
        let registry = ACLCommandRegistry.shared
        var rules = ""
        let additive = !commands[ACLCommandRegistry.futureBit]
        var fake = ACLSelector(root: false, allChannelsByDefault: false)
        try? fake.apply(Array((additive ? "-@all" : "+@all").utf8))
        rules = additive ? "-@all " : "+@all "
        var temp = ACLSelector(root: false, allChannelsByDefault: false)
        temp.commands = commands
        var applied = [Bool](repeating: false, count: ACLCategory.names.count)
        while true {
            var best = -1
            var minDiff = Int.max, maxSame = 0
            for index in ACLCategory.names.indices where !applied[index] {
                let (on, off) = counts(temp.commands, category: 1 << UInt32(index))
                let diff = additive ? off : on
                let same = additive ? on : off
                if same > diff && (diff < minDiff || (diff == minDiff && same > maxSame)) {
                    best = index
                    minDiff = diff
                    maxSame = same
                }
            }
            if best == -1 { break }
            let bit: UInt32 = 1 << UInt32(best)
            fake.changeCategory(bit, allow: additive)
            temp.changeCategory(bit, allow: !additive)
            rules += (additive ? "+@" : "-@") + ACLCategory.names[best] + " "
            applied[best] = true
        }
        for top in registry.topLevel {
            describeSingle(top, fake: &fake, into: &rules)
            for sub in registry.entries[top].subcommands { describeSingle(sub, fake: &fake, into: &rules) }
            if !commands[top], let allowed = firstArgs[top] {
                for arg in allowed { rules += "+" + registry.entries[top].name + "|" + arg + " " }
            }
        }
        rules.removeLast()
        return rules
    }

    private func describeSingle(_ id: Int, fake: inout ACLSelector, into rules: inout String) {
        let mine = commands[id]
        if mine != fake.commands[id] {
            rules += (mine ? "+" : "-") + ACLCommandRegistry.shared.entries[id].name + " "
            fake.change(id, allow: mine)
        }
    }

    /// The key patterns as GETUSER's "keys" field shows them.
    var keysDescription: String {
        allKeys ? "~*" : keyPatterns.map(\.rule).joined(separator: " ")
    }

    var channelsDescription: String {
        allChannels ? "&*" : channels.map { "&" + String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }

    /// ACLDescribeSelector.
    var description: String {
        var text = ""
        if allKeys {
            text += "~* "
        } else {
            for pattern in keyPatterns { text += pattern.rule + " " }
        }
        if allChannels {
            text += "&* "
        } else {
            text += "resetchannels "
            for channel in channels { text += "&" + String(decoding: channel, as: UTF8.self) + " " }
        }
        return text + commandRules
    }
}

extension ACLUserRules {
    /// The flags in ACLUserFlags order.
    var flagNames: [String] {
        var names: [String] = []
        names.append(enabled ? "on" : "off")
        if noPass { names.append("nopass") }
        if let sanitizePayload { names.append(sanitizePayload ? "sanitize-payload" : "skip-sanitize-payload") }
        return names
    }

    /// ACLDescribeUser.
    var description: String {
        var text = ""
        for flag in flagNames { text += flag + " " }
        for password in passwords { text += "#" + password + " " }
        for (index, selector) in selectors.enumerated() {
            text += index == 0 ? selector.description : " (" + selector.description + ")"
        }
        return text
    }
}
