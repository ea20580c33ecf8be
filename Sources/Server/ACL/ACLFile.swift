import Glibc

// ACL LOAD / ACL SAVE and start-up from `aclfile` (ACLLoadFromFile, ACLSaveToFile). A file that
// has any error changes nothing; one that loads replaces every user, and the clients of the old
// users (all but `default`, whose rules are replaced in place) are disconnected.

extension Server {
    /// nil when loaded, otherwise every problem found on one line, as Redis reports them.
    func loadACLFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else {
            return ErrorText.aclFileOpen(path, String(cString: strerror(errno)))
        }
        var content: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let read = fread(&buffer, 1, buffer.count, file)
            if read <= 0 { break }
            content += buffer[0..<read]
        }
        fclose(file)
        var errors = ""
        var loaded: [[UInt8]: ACLUser] = [:]
        let allChannels = acl.allChannelsByDefault
        for (index, rawLine) in content.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let line = trim(rawLine, " \t\r\n")
            if line.isEmpty { continue }
            let number = index + 1
            let words = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map(Array.init)
            guard words.count >= 2, words[0] == Array("user".utf8) else {
                errors += ErrorText.aclFileNotUser(path, number)
                continue
            }
            let name = words[1]
            if ACLSelector.hasSpaces(name[...]) {
                errors += ErrorText.aclFileBadUsername(path, number, String(decoding: name, as: UTF8.self))
                continue
            }
            if loaded[name] != nil {
                errors += ErrorText.aclFileDuplicate(String(decoding: name, as: UTF8.self), number)
                continue
            }
            var rules = ACLUserRules(allChannelsByDefault: allChannels)
            guard let merged = ACLRuleText.mergeSelectors(Array(words.dropFirst(2))) else {
                errors += ErrorText.aclFileUnmatchedParenthesis(path, number)
                loaded[name] = ACLUser(name: name, rules: rules)
                continue
            }
            for op in merged {
                let trimmed = trim(op[...], "\t\r\n")
                do {
                    try rules.apply(trimmed, allChannelsByDefault: allChannels)
                } catch .unknownCommandOrCategory {
                    // A command name is no secret: this one error names the operation.
                    errors += ErrorText.aclFileUnknownOperation(path, number, String(decoding: trimmed, as: UTF8.self))
                } catch {
                    errors += ErrorText.aclFileRule(path, number, error.message)
                }
            }
            loaded[name] = ACLUser(name: name, rules: rules)
        }
        if !errors.isEmpty {
            return errors + ErrorText.aclFileNothingChanged
        }
        let defaultRules = loaded[acl.defaultUser.name]?.rules ?? ACLState.defaultRules(allChannelsByDefault: allChannels)
        let old = acl.sortedUsers.filter { $0 !== acl.defaultUser }
        acl.replaceAll(with: Array(loaded.values), defaultRules: defaultRules)
        refreshAuthRequired()
        for user in old { disconnectClients(of: user) }
        return nil
    }

    private func trim(_ bytes: ArraySlice<UInt8>, _ set: String) -> [UInt8] {
        let strip = Set(set.utf8)
        var slice = bytes
        while let first = slice.first, strip.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, strip.contains(last) { slice = slice.dropLast() }
        return Array(slice)
    }

    /// Writes every user as a `user` line through a temp file renamed over the ACL file.
    func saveACLFile(_ path: String) -> Bool {
        var text = ""
        for user in acl.sortedUsers { text += "user " + user.nameString + " " + user.rules.description + "\n" }
        let temp = path + ".tmp-\(getpid())-\(Server.wallMilliseconds())"
        let fd = open(temp, O_WRONLY | O_CREAT, 0o644)
        guard fd >= 0 else {
            logger.warning("Opening temp ACL file for ACL SAVE: \(String(cString: strerror(errno)))")
            return false
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else {
            logger.warning("Writing ACL file for ACL SAVE: \(String(cString: strerror(errno)))")
            unlink(temp)
            return false
        }
        guard rename(temp, path) == 0 else {
            logger.warning("Renaming ACL file for ACL SAVE: \(String(cString: strerror(errno)))")
            unlink(temp)
            return false
        }
        return true
    }
}
