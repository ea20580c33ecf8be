import Testing
@testable import Server

// The ACL rule parser, selectors, the describing of rules and the permission check, without a
// server: what ACL SETUSER stages, what ACL LIST would print, what a user may run.
@Suite struct ACLRulesTests {
    private func rules(_ ops: [String], allChannels: Bool = false) throws -> ACLUserRules {
        var rules = ACLUserRules(allChannelsByDefault: allChannels)
        for op in ops { try rules.apply(Array(op.utf8), allChannelsByDefault: allChannels) }
        return rules
    }

    private func refusal(_ error: () throws -> Void) -> ACLRuleError? {
        do {
            try error()
            return nil
        } catch let error as ACLRuleError {
            return error
        } catch {
            return nil
        }
    }

    @Test func newUserDescription() throws {
        #expect(try rules([]).description == "off resetchannels -@all")
        #expect(try rules([], allChannels: true).description == "off &* -@all")
        #expect(ACLState.defaultRules(allChannelsByDefault: false).description == "on nopass ~* &* +@all")
    }

    @Test func passwordsAreStoredAsSHA256() throws {
        let user = try rules(["on", ">p", ">p", "#" + String(repeating: "a", count: 64)])
        #expect(user.passwords == ["148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940",
                                   String(repeating: "a", count: 64)])
        #expect(user.accepts(password: Array("p".utf8)))
        #expect(!user.accepts(password: Array("q".utf8)))
        var removed = user
        try removed.apply(Array("<p".utf8), allChannelsByDefault: false)
        #expect(removed.passwords.count == 1)
        #expect(refusal { try removed.apply(Array("<p".utf8), allChannelsByDefault: false) } == .noSuchPassword)
        #expect(refusal { try removed.apply(Array("#ABC".utf8), allChannelsByDefault: false) } == .badHash)
        let off = try rules(["off", "nopass"])
        #expect(!off.accepts(password: []))
        #expect(try rules(["on", "nopass"]).accepts(password: Array("anything".utf8)))
    }

    @Test func ruleErrorsMatchRedisErrno() {
        #expect(refusal { _ = try rules(["+nosuch"]) } == .unknownCommandOrCategory)
        #expect(refusal { _ = try rules(["-@nosuch"]) } == .unknownCommandOrCategory)
        #expect(refusal { _ = try rules(["+config|get|x"]) } == .firstArgOfSubcommand)
        #expect(refusal { _ = try rules(["+debug|"]) } == .syntax)
        #expect(refusal { _ = try rules(["-select|0"]) } == .unknownCommandOrCategory)
        #expect(refusal { _ = try rules(["~*", "~x"]) } == .keyPatternAfterAllKeys)
        #expect(refusal { _ = try rules(["&*", "&x"]) } == .channelPatternAfterAllChannels)
        #expect(refusal { _ = try rules(["%X~x"]) } == .syntax)
        #expect(refusal { _ = try rules(["bogus"]) } == .syntax)
        #expect(refusal { _ = try rules(["(+nosuch)"]) } == .unknownCommandOrCategory)
    }

    @Test func keyPatternsMergeTheirPermissions() throws {
        let user = try rules(["%R~a", "%W~a", "%W~b", "~c"])
        #expect(user.selectors[0].keysDescription == "~a %W~b ~c")
    }

    @Test func describedRulesReplayToTheSameBitmap() throws {
        for ops in [["+@all", "-@dangerous", "-get"], ["-@all", "+@read", "+@write", "-keys"],
                    ["-@all", "+client", "-client|kill", "+config|get"], ["+@all", "-select", "+select|0"]] {
            let original = try rules(ops)
            let text = original.selectors[0].commandRules
            let replayed = try rules(text.split(separator: " ").map(String.init))
            #expect(replayed.selectors[0].commands == original.selectors[0].commands, "\(ops) -> \(text)")
            #expect(replayed.selectors[0].firstArgs == original.selectors[0].firstArgs)
        }
        #expect(try rules(["+@all", "-@dangerous", "-get"]).selectors[0].commandRules == "+@all -@dangerous -get")
    }

    @Test func selectorsAndReset() throws {
        var user = try rules(["on", "~a", "(~b +get)", "(%R~c +@read)"])
        #expect(user.selectors.count == 3)
        #expect(user.description == "on ~a resetchannels -@all (~b resetchannels -@all +get) (%R~c resetchannels -@all +@read)")
        try user.apply(Array("clearselectors".utf8), allChannelsByDefault: false)
        #expect(user.selectors.count == 1)
        try user.apply(Array("reset".utf8), allChannelsByDefault: false)
        #expect(user.description == "off sanitize-payload resetchannels -@all")
    }

    @Test func mergingSpreadSelectors() {
        let merged = ACLRuleText.mergeSelectors(["(~a", "+get)", "on"].map { Array($0.utf8) })
        #expect(merged?.map { String(decoding: $0, as: UTF8.self) } == ["(~a +get)", "on"])
        #expect(ACLRuleText.mergeSelectors(["(~a", "+get"].map { Array($0.utf8) }) == nil)
    }

    @Test func categoriesComeFromTheMetadata() {
        let registry = ACLCommandRegistry.shared
        #expect(registry.entries.count == 366)
        let dangerous = ACLCategory.bit("dangerous")!
        let names = registry.walkOrder.filter { registry.entries[$0].categories & dangerous != 0 }.map { registry.entries[$0].name }
        #expect(names.contains("flushall") && names.contains("config|set") && !names.contains("get"))
        #expect(registry.lookup("CONFIG|GET") == registry.id(fullName: "config|get"))
        #expect(registry.lookup("get|x") == nil)
        #expect(registry.lookup("config|get|x") == nil)
    }

    @Test func permissionChecks() throws {
        let h = try ServerHarness()
        #expect(h.run("ACL", "SETUSER", "u", "on", "nopass", "+get", "+set", "+publish", "%R~r*", "~k*", "&ok*",
                      "(~s* +lpush)") == "+OK\r\n")
        #expect(h.run("ACL", "DRYRUN", "u", "get", "r1") == "+OK\r\n")
        #expect(h.run("ACL", "DRYRUN", "u", "set", "r1", "v") == "$51\r\nThis user has no permissions to access the 'r1' key\r\n")
        #expect(h.run("ACL", "DRYRUN", "u", "lpush", "s1", "x") == "+OK\r\n")
        // The root selector allows k1 but not LPUSH, the other LPUSH but not k1: the key is reported.
        #expect(h.run("ACL", "DRYRUN", "u", "lpush", "k1", "x") == "$51\r\nThis user has no permissions to access the 'k1' key\r\n")
        #expect(h.run("ACL", "DRYRUN", "u", "publish", "bad", "m") == "$56\r\nThis user has no permissions to access the 'bad' channel\r\n")
        #expect(h.run("AUTH", "u", "x") == "+OK\r\n")
        #expect(h.run("DEL", "k1") == "-NOPERM this user has no permissions to run the 'del' command\r\n")
        #expect(h.run("GET", "zz") == "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n")
        #expect(h.run("SET", "k1", "v") == "+OK\r\n")
        #expect(h.server.acl.deniedCommand == 1 && h.server.acl.deniedKey == 1)
        #expect(h.server.acl.log.entries.count == 2)
        #expect(h.server.acl.log.entries[0].object == Array("zz".utf8))
    }

    @Test func defaultUserFollowsRequirepass() throws {
        let h = try ServerHarness(["--requirepass", "secret"])
        #expect(h.server.acl.authRequired)
        #expect(h.server.acl.defaultUser.rules.passwords == ["2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"])
        let fresh = Client(fakeFor: h.server)
        #expect(h.run("GET", "k", as: fresh) == "-NOAUTH Authentication required.\r\n")
        #expect(h.run("AUTH", "nope", as: fresh).hasPrefix("-WRONGPASS"))
        #expect(h.server.acl.deniedAuth == 1)
        #expect(h.run("AUTH", "secret", as: fresh) == "+OK\r\n")
        #expect(h.run("GET", "k", as: fresh) == "$-1\r\n")
    }

    @Test func logGroupsSimilarEntriesAndKeepsItsLength() {
        var log = ACLLog()
        func entry(_ object: String, at time: Int64, reason: ACLLogReason = .command) -> ACLLogEntry {
            ACLLogEntry(count: 1, reason: reason, context: .toplevel, object: Array(object.utf8),
                        username: Array("u".utf8), time: time, clientInfo: "id=\(time)")
        }
        log.add(entry("get", at: 1000), maxLength: 3)
        log.add(entry("set", at: 2000), maxLength: 3)
        log.add(entry("get", at: 3000), maxLength: 3)
        #expect(log.entries.count == 2)
        #expect(log.entries[0].count == 2 && log.entries[0].clientInfo == "id=3000")
        // Outside the 60 s window, or another reason: a new entry.
        log.add(entry("get", at: 3000 + ACLLog.groupingWindow + 1), maxLength: 3)
        log.add(entry("get", at: 70000, reason: .key), maxLength: 3)
        #expect(log.entries.count == 3)
        // The oldest ("set") was dropped; the grouped "get" is now last.
        #expect(log.entries.last?.object == Array("get".utf8) && log.entries.last?.count == 2)
        #expect(log.entries[0].reason == .key)
        log.add(entry("del", at: 80000), maxLength: 0)
        #expect(log.entries.isEmpty)
    }
}
