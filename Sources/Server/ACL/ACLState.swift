// The server's ACL state: the users (the `default` user always among them), the ACL log, and
// the refusal counters. `authRequired` caches whether the default user asks for a password, so
// the NOAUTH check of an authenticated client stays one Bool.

final class ACLState {
    private(set) var users: [[UInt8]: ACLUser] = [:]
    let defaultUser: ACLUser
    /// The user of clients that run anything (our master's link, AOF loading): Redis's NULL
    /// user, shown as "(superuser)".
    let superuser: ACLUser
    /// !(default nopass) || default off: new and reset connections must authenticate.
    private(set) var authRequired = false
    /// acl-pubsub-default allchannels.
    var allChannelsByDefault = false
    var log = ACLLog()
    var deniedAuth: Int64 = 0
    var deniedCommand: Int64 = 0
    var deniedKey: Int64 = 0
    var deniedChannel: Int64 = 0

    /// CONFIG RESETSTAT clears the refusal counters (as 7.2's resetServerStats does).
    func resetDenialCounts() {
        deniedAuth = 0
        deniedCommand = 0
        deniedKey = 0
        deniedChannel = 0
    }

    init() {
        defaultUser = ACLUser(name: Array("default".utf8), rules: ACLState.defaultRules(allChannelsByDefault: false))
        superuser = ACLUser(name: Array("(superuser)".utf8), rules: ACLState.defaultRules(allChannelsByDefault: false))
        users[defaultUser.name] = defaultUser
    }

    /// ACLCreateDefaultUser: on nopass ~* &* +@all.
    static func defaultRules(allChannelsByDefault: Bool) -> ACLUserRules {
        var rules = ACLUserRules(allChannelsByDefault: allChannelsByDefault)
        for op in ["+@all", "~*", "&*", "on", "nopass"] { try? rules.apply(Array(op.utf8), allChannelsByDefault: false) }
        return rules
    }

    func user(named name: [UInt8]) -> ACLUser? { users[name] }

    /// Users in name order (the rax order of ACL LIST, USERS and SAVE).
    var sortedUsers: [ACLUser] {
        users.values.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }

    func add(_ user: ACLUser) { users[user.name] = user }

    func remove(_ name: [UInt8]) -> ACLUser? { users.removeValue(forKey: name) }

    /// Replaces every user but `default`, whose rules are replaced in place (ACL LOAD).
    func replaceAll(with newUsers: [ACLUser], defaultRules: ACLUserRules) {
        users = [defaultUser.name: defaultUser]
        for user in newUsers where user.name != defaultUser.name { users[user.name] = user }
        defaultUser.rules = defaultRules
        refreshAuthRequired()
    }

    func refreshAuthRequired() {
        authRequired = !defaultUser.rules.noPass || !defaultUser.rules.enabled
    }

    /// The parser's limits for unauthenticated clients follow authRequired (Redis tests
    /// authRequired(c) per request).
    func unauthenticatedLimits(for client: Client) -> Bool { !client.authenticated && authRequired }
}
