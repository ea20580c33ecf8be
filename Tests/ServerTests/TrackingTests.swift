import Testing
@testable import Server

// Client-side caching through fake clients: what is remembered, what is sent, in which order.

@Suite struct TrackingTests {
    private let invalidateK = ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n"

    @Test func aReadIsInvalidatedOnceByTheNextChange() throws {
        let h = try ServerHarness()
        let writer = h.newClient()
        h.run("HELLO", "3")
        #expect(h.run("CLIENT", "TRACKING", "on") == "+OK\r\n")
        h.run("GET", "k")
        #expect(h.server.tracking.keys.count == 1 && h.server.tracking.items == 1)
        h.run("SET", "k", "1", as: writer)
        #expect(h.reply(of: h.client) == invalidateK)
        #expect(h.server.tracking.keys.isEmpty)
        h.run("SET", "k", "2", as: writer)
        #expect(h.reply(of: h.client) == "", "forgotten after the first invalidation")
    }

    @Test func anOwnWriteIsInvalidatedAfterItsReplyUnlessNoloop() throws {
        let h = try ServerHarness()
        h.run("HELLO", "3")
        h.run("CLIENT", "TRACKING", "on")
        h.run("GET", "k")
        #expect(h.run("SET", "k", "1") == "+OK\r\n" + invalidateK)
        h.run("CLIENT", "TRACKING", "on", "NOLOOP")
        h.run("GET", "k")
        #expect(h.run("SET", "k", "2") == "+OK\r\n")
    }

    @Test func optInRemembersOnlyAfterCachingYes() throws {
        let h = try ServerHarness()
        let writer = h.newClient()
        h.run("HELLO", "3")
        h.run("CLIENT", "TRACKING", "on", "OPTIN")
        h.run("GET", "k")
        #expect(h.server.tracking.keys.isEmpty)
        h.run("CLIENT", "CACHING", "yes")
        h.run("GET", "k")
        #expect(h.server.tracking.keys.count == 1)
        h.run("SET", "k", "1", as: writer)
        #expect(h.reply(of: h.client) == invalidateK)
    }

    @Test func broadcastCollectsChangedKeysPerPrefixInOrder() throws {
        let h = try ServerHarness()
        let writer = h.newClient()
        h.run("HELLO", "3")
        h.run("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a:")
        h.run("MSET", "a:2", "x", "b:1", "x", "a:1", "x", as: writer)
        #expect(h.reply(of: h.client) == "", "broadcasts wait for before-sleep")
        h.server.broadcastInvalidations()
        #expect(h.reply(of: h.client) == ">2\r\n$10\r\ninvalidate\r\n*2\r\n$3\r\na:1\r\n$3\r\na:2\r\n")
    }

    @Test func aFlushSendsANullInvalidationAndDropsTheTable() throws {
        let h = try ServerHarness()
        h.run("HELLO", "3")
        h.run("CLIENT", "TRACKING", "on")
        h.run("GET", "k")
        h.run("FLUSHALL", as: h.newClient())
        #expect(h.reply(of: h.client) == ">2\r\n$10\r\ninvalidate\r\n_\r\n")
        #expect(h.server.tracking.keys.isEmpty)
    }

    @Test func disablingTrackingStopsObservingKeys() throws {
        let h = try ServerHarness()
        h.run("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p")
        #expect(h.server.tracking.clientCount == 1 && h.server.tracking.prefixes.count == 1)
        #expect(h.server.databases[0].observesKeyChanges)
        h.run("CLIENT", "TRACKING", "off")
        #expect(h.server.tracking.clientCount == 0 && h.server.tracking.prefixes.isEmpty)
        #expect(!h.server.databases[0].observesKeyChanges)
    }

    @Test func theTableIsTrimmedToItsLimit() throws {
        let h = try ServerHarness()
        h.run("HELLO", "3")
        h.run("CLIENT", "TRACKING", "on")
        h.run("MGET", "k1", "k2", "k3", "k4", "k5")
        h.run("CONFIG", "SET", "tracking-table-max-keys", "2")
        _ = h.reply(of: h.client)
        h.run("PING")
        #expect(h.server.tracking.keys.count == 2)
    }
}
