import Util

// The ACL command family (aclCommand in acl.c), one handler per subcommand.

enum ACLCommand {
    static let handlers: [String: CommandHandler] = [
        "acl|setuser": setUser, "acl|deluser": delUser, "acl|getuser": getUser, "acl|list": list,
        "acl|users": users, "acl|whoami": whoAmI, "acl|cat": cat, "acl|genpass": genPass, "acl|log": log,
        "acl|load": load, "acl|save": save, "acl|dryrun": dryRun,
        "acl|help": { ObjectCommand.replyHelp($0, ACLHelpText.lines) },
    ]

    private static func syntax(_ c: Client) {
        c.error(ErrorText.subcommandSyntax(c.argString(1), container: "acl"))
    }

    static func setUser(_ c: Client) {
        let name = c.argBytes(2)
        if ACLSelector.hasSpaces(name[...]) {
            c.error(ErrorText.aclUsernameSpaces)
            return
        }
        let ops = (3..<c.argumentCount).map { c.argBytes($0) }
        let (merged, openAt) = ACLRuleText.mergeSelectorsReportingStart(ops)
        guard let merged else {
            c.error(ErrorText.aclUnmatchedParenthesis(c.argString(openAt + 3)))
            return
        }
        let server = c.server
        let acl = server.acl
        let existing = acl.user(named: name)
        var rules = existing?.rules ?? ACLUserRules(allChannelsByDefault: acl.allChannelsByDefault)
        for op in merged {
            do {
                try rules.apply(op, allChannelsByDefault: acl.allChannelsByDefault)
            } catch {
                c.error(ErrorText.aclSetUserModifier(String(decoding: op, as: UTF8.self), error.message))
                return
            }
        }
        if let existing {
            server.disconnectSubscribers(of: existing, newRules: rules)
            existing.rules = rules
        } else {
            acl.add(ACLUser(name: name, rules: rules))
        }
        if existing === acl.defaultUser { server.refreshAuthRequired() }
        c.reply.ok()
    }

    static func delUser(_ c: Client) {
        let acl = c.server.acl
        for index in 2..<c.argumentCount where c.arg(index).elementsEqual("default".utf8) {
            c.error(ErrorText.aclDefaultUserUndeletable)
            return
        }
        var deleted = 0
        for index in 2..<c.argumentCount {
            guard let user = acl.remove(c.argBytes(index)) else { continue }
            c.server.disconnectClients(of: user)
            deleted += 1
        }
        c.reply.integer(deleted)
    }

    static func getUser(_ c: Client) {
        guard let user = c.server.acl.user(named: c.argBytes(2)) else {
            c.reply.nullBulk()
            return
        }
        let rules = user.rules
        c.reply.mapHeader(6)
        c.reply.bulk("flags" as StaticString)
        let flags = rules.flagNames
        c.reply.setHeader(flags.count)
        for flag in flags { c.reply.bulk(flag) }
        c.reply.bulk("passwords" as StaticString)
        c.reply.arrayHeader(rules.passwords.count)
        for password in rules.passwords { c.reply.bulk(password) }
        describeSelector(c, rules.selectors[0])
        c.reply.bulk("selectors" as StaticString)
        c.reply.arrayHeader(rules.selectors.count - 1)
        for selector in rules.selectors.dropFirst() {
            c.reply.mapHeader(3)
            describeSelector(c, selector)
        }
    }

    /// aclAddReplySelectorDescription.
    private static func describeSelector(_ c: Client, _ selector: ACLSelector) {
        c.reply.bulk("commands" as StaticString)
        c.reply.bulk(selector.commandRules)
        c.reply.bulk("keys" as StaticString)
        c.reply.bulk(selector.keysDescription)
        c.reply.bulk("channels" as StaticString)
        c.reply.bulk(selector.channelsDescription)
    }

    static func list(_ c: Client) {
        let users = c.server.acl.sortedUsers
        c.reply.arrayHeader(users.count)
        for user in users { c.reply.bulk("user " + user.nameString + " " + user.rules.description) }
    }

    static func users(_ c: Client) {
        let users = c.server.acl.sortedUsers
        c.reply.arrayHeader(users.count)
        for user in users { c.reply.bulk(user.name) }
    }

    static func whoAmI(_ c: Client) {
        c.reply.bulk(c.user.name)
    }

    static func cat(_ c: Client) {
        if c.argumentCount == 2 {
            c.reply.arrayHeader(ACLCategory.names.count)
            for name in ACLCategory.names { c.reply.bulk(name) }
            return
        }
        guard c.argumentCount == 3 else { return syntax(c) }
        guard let bit = ACLCategory.bit(c.argString(2)) else {
            c.error(ErrorText.aclUnknownCategory(c.argString(2)))
            return
        }
        let registry = ACLCommandRegistry.shared
        let names = registry.walkOrder.filter { registry.entries[$0].categories & bit != 0 }
        c.reply.arrayHeader(names.count)
        for id in names { c.reply.bulk(registry.entries[id].name) }
    }

    static func genPass(_ c: Client) {
        guard c.argumentCount <= 3 else { return syntax(c) }
        var bits: Int64 = 256
        if c.argumentCount == 3 {
            guard let parsed = parseInt64(c.arg(2)) else {
                c.error(ErrorText.notInteger)
                return
            }
            bits = parsed
        }
        guard bits > 0 && bits <= 4096 else {
            c.error(ErrorText.aclGenPassBits)
            return
        }
        let digits = Array("0123456789abcdef".utf8)
        var generator = SystemRandomNumberGenerator()
        let text = (0..<Int((bits + 3) / 4)).map { _ in digits[Int(generator.next() & 15)] }
        c.reply.bulk(text)
    }

    static func log(_ c: Client) {
        guard c.argumentCount <= 3 else { return syntax(c) }
        let acl = c.server.acl
        var count: Int64 = 10
        if c.argumentCount == 3 {
            if c.argIs(2, "reset") {
                acl.log.reset()
                c.reply.ok()
                return
            }
            guard let parsed = parseInt64(c.arg(2)) else {
                c.error(ErrorText.notInteger)
                return
            }
            count = max(parsed, 0)
        }
        let entries = acl.log.entries.prefix(Int(min(count, Int64(acl.log.entries.count))))
        let now = Server.wallMilliseconds()
        c.reply.arrayHeader(entries.count)
        for entry in entries {
            c.reply.mapHeader(7)
            c.reply.bulk("count" as StaticString)
            c.reply.integer(entry.count)
            c.reply.bulk("reason" as StaticString)
            c.reply.bulk(entry.reason.name)
            c.reply.bulk("context" as StaticString)
            c.reply.bulk(entry.context.rawValue)
            c.reply.bulk("object" as StaticString)
            c.reply.bulk(entry.object)
            c.reply.bulk("username" as StaticString)
            c.reply.bulk(entry.username)
            c.reply.bulk("age-seconds" as StaticString)
            c.reply.double(Double(now - entry.time) / 1000)
            c.reply.bulk("client-info" as StaticString)
            c.reply.bulk(entry.clientInfo)
        }
    }

    static func load(_ c: Client) {
        let path = c.server.config.string("aclfile")
        if path.isEmpty {
            c.error(ErrorText.aclNoFile)
            return
        }
        if let errors = c.server.loadACLFile(path) {
            c.error("ERR " + errors)
        } else {
            c.reply.ok()
        }
    }

    static func save(_ c: Client) {
        let path = c.server.config.string("aclfile")
        if path.isEmpty {
            c.error(ErrorText.aclNoFile)
            return
        }
        if c.server.saveACLFile(path) {
            c.reply.ok()
        } else {
            c.error(ErrorText.aclSaveFailed)
        }
    }

    static func dryRun(_ c: Client) {
        let server = c.server
        guard let user = server.acl.user(named: c.argBytes(2)) else {
            c.error(ErrorText.aclDryRunNoUser(c.argString(2)))
            return
        }
        // lookupCommand on the arguments after the user: a container takes its subcommand.
        var command = server.commandTable.lookup(c.arg(3))
        if let base = command, base.isContainer, c.argumentCount >= 5 {
            command = base.subcommands[c.argString(4).lowercased()]
        }
        guard let command else {
            c.error(ErrorText.aclDryRunNoCommand(c.argString(3)))
            return
        }
        guard command.acceptsArgumentCount(c.argumentCount - 3) else {
            c.error(ErrorText.wrongArity(command.fullName))
            return
        }
        let offset = 3
        let refusal = ACLPermissions.check(user.rules, command, count: c.argumentCount - offset,
                                           argument: { c.arg($0 + offset) })
        guard let refusal else {
            c.reply.ok()
            return
        }
        switch refusal.denial {
        case .command: c.reply.bulk(ErrorText.aclDryRunCommand(command.fullName))
        case .key: c.reply.bulk(ErrorText.aclDryRunKey(c.argString(refusal.position + offset)))
        case .channel: c.reply.bulk(ErrorText.aclDryRunChannel(c.argString(refusal.position + offset)))
        }
    }
}
