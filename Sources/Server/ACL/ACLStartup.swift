import Config

// The ACL at start-up and as configuration changes: requirepass as the default user's password,
// acl-pubsub-default, the `user` directives or the ACL file, CONFIG REWRITE's user lines.

extension Server {
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
