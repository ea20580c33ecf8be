import Config

// The server's side of ACL: logging in (AUTH, HELLO AUTH), the permission check processCommand
// and scripts make, the ACL log, and what a change of users does to connected clients.

extension Server {
    /// ACLAuthenticateUser: on success the client is logged in as the user; on failure the
    /// attempt is logged (reason auth) and counted.
    func aclAuthenticate(_ c: Client, user name: [UInt8], password: [UInt8]) -> Bool {
        if let user = acl.user(named: name), user.rules.accepts(password: password) {
            c.user = user
            c.authenticated = true
            return true
        }
        aclLog(c, .auth, context: c.transaction != nil ? .multi : .toplevel, username: name, object: c.argBytes(0))
        return false
    }

    /// addACLLogEntry, with the counters of INFO's acl_access_denied_* (kept for a later INFO).
    func aclLog(_ c: Client, _ reason: ACLLogReason, context: ACLLogContext, username: [UInt8]? = nil,
                object: [UInt8]) {
        switch reason {
        case .auth: acl.deniedAuth += 1
        case .command: acl.deniedCommand += 1
        case .key: acl.deniedKey += 1
        case .channel: acl.deniedChannel += 1
        }
        // A script's refusal names the client that ran the script.
        let real = c.flags.contains(.scriptClient) ? (scripting.run?.caller ?? c) : c
        let entry = ACLLogEntry(count: 1, reason: reason, context: context, object: object,
                                username: username ?? c.user.name, time: Server.wallMilliseconds(),
                                clientInfo: describe(real))
        acl.log.add(entry, maxLength: Int(config.int("acllog-max-len")))
    }

    /// ACLCheckAllPerm for `client`'s argv, logged when refused.
    func aclCheck(_ command: Command, _ client: Client, user: ACLUser, context: ACLLogContext) -> ACLCheckResult? {
        guard let refusal = ACLPermissions.check(user.rules, command, count: client.argumentCount,
                                                 argument: { client.arg($0) }) else { return nil }
        let object: [UInt8]
        switch refusal.denial {
        case .command: object = Array(command.fullName.utf8)
        case .key, .channel: object = client.argBytes(refusal.position)
        }
        let reason: ACLLogReason = refusal.denial == .command ? .command : refusal.denial == .key ? .key : .channel
        aclLog(client, reason, context: context, username: user.name, object: object)
        return refusal
    }

    /// processCommand's ACL check: the -NOPERM text, or nil when the command may run.
    func aclRefusal(_ command: Command, _ client: Client) -> String? {
        guard let refusal = aclCheck(command, client, user: client.user,
                                     context: client.transaction != nil ? .multi : .toplevel) else { return nil }
        switch refusal.denial {
        case .command: return ErrorText.noPermissionCommand(command.fullName)
        case .key: return ErrorText.noPermissionKey
        case .channel: return ErrorText.noPermissionChannel
        }
    }

    /// scriptVerifyACL: the caller's user decides what redis.call may run.
    func aclScriptRefusal(_ command: Command, _ client: Client, caller: Client) -> String? {
        if caller.user.allowsEverything { return nil }
        guard let refusal = aclCheck(command, client, user: caller.user, context: .lua) else { return nil }
        switch refusal.denial {
        case .command: return ErrorText.scriptNoPermissionCommand
        case .key: return ErrorText.scriptNoPermissionKey
        case .channel: return ErrorText.scriptNoPermissionChannel
        }
    }

    /// ACLUserCheckCmdWithUnrestrictedKeyAccess: some selector allows the command and reading
    /// every key ("*" with read rights, or allkeys). SORT's BY and GET patterns need it.
    func aclHasUnrestrictedReadAccess(_ command: Command, _ client: Client) -> Bool {
        let rules = client.user.rules
        if client.user.allowsEverything { return true }
        for selector in rules.selectors {
            let single = ACLUserRules.single(selector)
            guard ACLPermissions.check(single, command, count: client.argumentCount, argument: { client.arg($0) }) == nil
            else { continue }
            if selector.allKeys { return true }
            if selector.keyPatterns.contains(where: { $0.pattern == [UInt8(ascii: "*")] && $0.permissions & ACLKeyPattern.read != 0 }) {
                return true
            }
        }
        return false
    }

    /// ACLFreeUserAndKillClients: the user's clients fall back to an unauthenticated default
    /// user and are closed (the one running this command after its reply).
    func disconnectClients(of user: ACLUser) {
        for client in clientsByFD.compactMap({ $0 }) where client.user === user {
            client.user = acl.defaultUser
            client.authenticated = false
            if client === currentClient {
                client.flags.insert(.closeAfterReply)
            } else {
                closeClientAsync(client)
            }
        }
    }

    /// ACLKillPubsubClientsIfNeeded: when the new rules no longer cover a subscribed client's
    /// channels or patterns, that client is closed.
    func disconnectSubscribers(of user: ACLUser, newRules: ACLUserRules) {
        if newRules.selectors.contains(where: { $0.allChannels }) { return }
        let upcoming = newRules.selectors.flatMap(\.channels)
        let old = user.rules.selectors.flatMap(\.channels)
        // Losing allchannels is never a superset.
        if !user.rules.selectors.contains(where: { $0.allChannels }) && old.allSatisfy({ upcoming.contains($0) }) { return }
        for client in clientsByFD.compactMap({ $0 }) where client.user === user && client.isSubscribed {
            var kill = false
            for pattern in client.subscriptions.patterns.names where !kill {
                kill = !pattern.withUnsafeBytes { ACLPermissions.allowsChannel(upcoming, $0, literal: true) }
            }
            for channel in client.subscriptions.channels.names + client.subscriptions.shardChannels.names where !kill {
                kill = !channel.withUnsafeBytes { ACLPermissions.allowsChannel(upcoming, $0, literal: false) }
            }
            if kill {
                if client === currentClient { client.flags.insert(.closeAfterReply) } else { closeClientAsync(client) }
            }
        }
    }

    /// ACLUpdateDefaultUserPassword, for requirepass.
    func updateDefaultUserPassword(_ password: String) {
        var rules = acl.defaultUser.rules
        try? rules.apply(Array("resetpass".utf8), allChannelsByDefault: acl.allChannelsByDefault)
        let op = password.isEmpty ? Array("nopass".utf8) : [UInt8(ascii: ">")] + Array(password.utf8)
        try? rules.apply(op, allChannelsByDefault: acl.allChannelsByDefault)
        acl.defaultUser.rules = rules
        refreshAuthRequired()
    }

    /// After the default user changed: whether logins are required, and the parser limits.
    func refreshAuthRequired() {
        acl.refreshAuthRequired()
        for client in clientsByFD.compactMap({ $0 }) {
            client.parser.limits.unauthenticated = acl.unauthenticatedLimits(for: client)
        }
    }

    /// Start-up: requirepass, then the `user` directives or the ACL file (ACLLoadUsersAtStartup).
    func installACL() throws {
        acl.allChannelsByDefault = config.string("acl-pubsub-default") == "allchannels"
        config.onChange("acl-pubsub-default") { [unowned self] value in
            self.acl.allChannelsByDefault = value == "allchannels"
            return nil
        }
        updateDefaultUserPassword(config.string("requirepass"))
        config.onChange("requirepass") { [unowned self] value in
            self.updateDefaultUserPassword(value)
            return nil
        }
        config.aclUserLinesForRewrite = { [unowned self] in
            self.acl.sortedUsers.map { $0.nameString + " " + $0.rules.description }
        }
        let aclfile = config.string("aclfile")
        if !aclfile.isEmpty && !config.userDirectives.isEmpty {
            logger.warning("\(ErrorText.aclFileAndUsers)")
            throw ACLStartupError.fileAndUsers
        }
        for words in config.userDirectives {
            guard let name = words.first else { continue }
            if ACLSelector.hasSpaces(Array(name.utf8)[...]) {
                logger.warning("Spaces not allowed in ACL usernames")
                throw ACLStartupError.badUsers
            }
            let key = Array(name.utf8)
            let existing = acl.user(named: key)
            var rules = existing?.rules ?? ACLUserRules(allChannelsByDefault: acl.allChannelsByDefault)
            if existing != nil { try? rules.apply(Array("reset".utf8), allChannelsByDefault: acl.allChannelsByDefault) }
            let merged = ACLRuleText.mergeSelectors(words.dropFirst().map { Array($0.utf8) }) ?? []
            for op in merged {
                do {
                    try rules.apply(op, allChannelsByDefault: acl.allChannelsByDefault)
                } catch {
                    logger.warning("Error loading ACL rule '\(String(decoding: op, as: UTF8.self))' for the user named '\(name)': \(error.message)")
                    logger.warning("Critical error while loading ACLs. Exiting.")
                    throw ACLStartupError.badUsers
                }
            }
            if let existing { existing.rules = rules } else { acl.add(ACLUser(name: key, rules: rules)) }
            if !rules.enabled {
                logger.notice("The user '\(name)' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.")
            }
        }
        acl.refreshAuthRequired()
        if !aclfile.isEmpty, let errors = loadACLFile(aclfile) {
            logger.warning("Aborting Redis startup because of ACL errors: \(errors)")
            throw ACLStartupError.badUsers
        }
    }
}

enum ACLStartupError: Error {
    case fileAndUsers
    case badUsers
}

extension ACLUserRules {
    /// Rules holding just `selector`, to check one selector with the user-level check.
    static func single(_ selector: ACLSelector) -> ACLUserRules {
        var rules = ACLUserRules(allChannelsByDefault: false)
        rules.selectors = [selector]
        return rules
    }
}

enum ACLRuleText {
    /// ACLMergeSelectorArguments: "(a" "b)" become one "(a b)"; nil on an unclosed "(".
    static func mergeSelectors(_ ops: [[UInt8]]) -> [[UInt8]]? {
        mergeSelectorsReportingStart(ops).merged
    }

    static func mergeSelectorsReportingStart(_ ops: [[UInt8]]) -> (merged: [[UInt8]]?, openAt: Int) {
        var merged: [[UInt8]] = []
        var open: [UInt8]?
        var openAt = -1
        for (index, op) in ops.enumerated() {
            if op.first == UInt8(ascii: "(") && op.last != UInt8(ascii: ")") {
                open = op
                openAt = index
                continue
            }
            if var selector = open {
                selector += [UInt8(ascii: " ")] + op
                if op.last == UInt8(ascii: ")") {
                    merged.append(selector)
                    open = nil
                } else {
                    open = selector
                }
                continue
            }
            merged.append(op)
        }
        if open != nil { return (nil, openAt) }
        return (merged, -1)
    }
}
