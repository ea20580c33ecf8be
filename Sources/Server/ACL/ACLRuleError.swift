// Why an ACL rule was refused: Redis's errno values from ACLSetUser/ACLSetSelector, with the
// text ACLSetUserStringError gives each.

enum ACLRuleError: Error {
    /// EINVAL
    case syntax
    /// ENOENT
    case unknownCommandOrCategory
    /// EEXIST
    case keyPatternAfterAllKeys
    /// EISDIR
    case channelPatternAfterAllChannels
    /// ENODEV
    case noSuchPassword
    /// EBADMSG
    case badHash
    /// EALREADY
    case duplicateUser
    /// ECHILD
    case firstArgOfSubcommand

    var message: String {
        switch self {
        case .syntax: return ErrorText.aclSyntaxError
        case .unknownCommandOrCategory: return ErrorText.aclUnknownCommandOrCategory
        case .keyPatternAfterAllKeys: return ErrorText.aclPatternAfterAllKeys
        case .channelPatternAfterAllChannels: return ErrorText.aclPatternAfterAllChannels
        case .noSuchPassword: return ErrorText.aclNoSuchPassword
        case .badHash: return ErrorText.aclBadHash
        case .duplicateUser: return ErrorText.aclDuplicateUser
        case .firstArgOfSubcommand: return ErrorText.aclFirstArgOfSubcommand
        }
    }
}
