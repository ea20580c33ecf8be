// The server's side of ACL: logging in (AUTH, HELLO AUTH), the permission checks processCommand,
// EXEC, scripts and SORT make, and the ACL log entries they leave.

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

    /// addACLLogEntry, with the counters of INFO's acl_access_denied_* (INFO stats).
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
}

extension ACLUserRules {
    /// Rules holding just `selector`, to check one selector with the user-level check.
    static func single(_ selector: ACLSelector) -> ACLUserRules {
        var rules = ACLUserRules(allChannelsByDefault: false)
        rules.selectors = [selector]
        return rules
    }
}
