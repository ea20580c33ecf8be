import Testing
@testable import Server

/// On a replica the master decides expiries: a time already past in the master's stream stores
/// the key expired (checkAlreadyExpired), and nothing but the master's DEL removes it — not a
/// reader's lookup, not RANDOMKEY.
@Suite struct ReplicaExpiryTests {
    /// A server that takes itself for a replica (no link), its harness client the master's.
    private func replica() throws -> ServerHarness {
        let h = try ServerHarness()
        h.server.replication.masterHost = "127.0.0.1"
        h.server.replication.masterPort = 1
        h.server.updateExpiryMode()
        h.client.flags.insert(.master)
        return h
    }

    @Test func pastExpiriesFromTheMasterKeepTheKey() throws {
        let h = try replica()
        h.run("SET", "a", "v")
        #expect(h.run("EXPIRE", "a", "-5") == ":1\r\n")
        h.run("SET", "b", "v")
        #expect(h.run("PEXPIREAT", "b", "1") == ":1\r\n")
        h.run("SET", "c", "v")
        h.run("GETEX", "c", "PXAT", "1")
        h.run("SET", "d", "v", "PXAT", "1")
        let reader = h.newClient()
        #expect(h.run("EXISTS", "a", "b", "c", "d", as: reader) == ":0\r\n")
        #expect(h.run("DBSIZE", as: reader) == ":4\r\n")
        // The master's own commands see its keys as it does (processInput's .keep for the master).
        for db in h.server.databases { db.expiryMode = .keep }
        #expect(h.run("DEL", "a", "b") == ":2\r\n")
        h.server.updateExpiryMode()
        #expect(h.run("DBSIZE", as: reader) == ":2\r\n")
    }

    @Test func aMasterDeletesAtOnce() throws {
        let h = try ServerHarness()
        h.run("SET", "a", "v")
        #expect(h.run("EXPIRE", "a", "-5") == ":1\r\n")
        #expect(h.run("DBSIZE") == ":0\r\n")
        #expect(h.takePropagated().last == resp("DEL", "a"))
    }

    @Test func randomKeyLeavesExpiredKeysOnAReplica() throws {
        let h = try replica()
        h.run("SET", "live", "v")
        h.run("SET", "dead", "v")
        h.run("PEXPIREAT", "dead", "1")
        let reader = h.newClient()
        for _ in 0..<20 { #expect(h.run("RANDOMKEY", as: reader) == "$4\r\nlive\r\n") }
        #expect(h.run("DBSIZE", as: reader) == ":2\r\n")
        // Only expired keys, all with a TTL: a name after some tries, as dbRandomKey on a replica.
        h.run("DEL", "live")
        #expect(h.run("RANDOMKEY", as: reader) == "$4\r\ndead\r\n")
        #expect(h.run("DBSIZE", as: reader) == ":1\r\n")
    }
}
