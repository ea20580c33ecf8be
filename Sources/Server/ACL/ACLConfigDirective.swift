// `user <name> <rules...>` in redis.conf (ACLAppendUserForLoading): checked as the file is read,
// applied once the server starts (installACL). Unknown commands pass here and fail at start-up,
// as in Redis, where modules could still add them.

enum ACLConfigDirective {
    /// nil, or the text after which Redis aborts reading the file. `words` are the directive's
    /// arguments after "user"; the error quotes the line's word at the failing rule's index
    /// among the merged rules, as Redis's argv[argc_err] does.
    static func check(_ words: [String], earlier: [[String]]) -> String? {
        let line = ["user"] + words
        if earlier.contains(where: { $0.first == words.first }) {
            return ErrorText.aclUserDeclaration(line[1], ACLRuleError.duplicateUser.message)
        }
        let (merged, openAt) = ACLRuleText.mergeSelectorsReportingStart(words.dropFirst().map { Array($0.utf8) })
        guard let merged else {
            return ErrorText.aclUserDeclaration(line[openAt], "Wrong format")
        }
        var rules = ACLUserRules(allChannelsByDefault: false)
        for (index, op) in merged.enumerated() {
            do {
                try rules.apply(op, allChannelsByDefault: false)
            } catch .unknownCommandOrCategory {
                continue
            } catch {
                return ErrorText.aclUserDeclaration(line[min(index, line.count - 1)], error.message)
            }
        }
        return nil
    }
}
