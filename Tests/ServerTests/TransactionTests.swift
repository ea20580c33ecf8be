import Testing
@testable import Server

// MULTI/EXEC and WATCH as units: queueing, aborts, the watch registry's bookkeeping and Redis
// 7.0's expiry rules, observed through fake clients.

@Suite struct TransactionTests {
    @Test func queuedCommandsRunAtExecWithTheirErrorsEmbedded() throws {
        let h = try ServerHarness()
        #expect(h.run("MULTI") == "+OK\r\n")
        #expect(h.run("SET", "k", "v") == "+QUEUED\r\n")
        #expect(h.run("LPUSH", "k", "x") == "+QUEUED\r\n")
        #expect(h.run("GET", "k") == "+QUEUED\r\n")
        #expect(h.run("EXEC") == "*3\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$1\r\nv\r\n")
        #expect(h.client.transaction == nil)
    }

    @Test func aRefusalWhileQueueingAbortsExec() throws {
        let h = try ServerHarness()
        h.run("MULTI")
        #expect(h.run("NOSUCHCOMMAND").hasPrefix("-ERR unknown command"))
        #expect(h.run("SET", "k", "v") == "+QUEUED\r\n")
        #expect(h.run("EXEC") == "-EXECABORT Transaction discarded because of previous errors.\r\n")
        #expect(h.run("GET", "k") == "$-1\r\n", "nothing ran")
    }

    @Test func aTouchedWatchedKeyFailsExecAndUnwatches() throws {
        let h = try ServerHarness()
        let other = h.newClient()
        h.run("SET", "k", "1")
        h.run("WATCH", "k")
        #expect(h.server.watches.isActive)
        #expect(h.server.databases[0].observesKeyChanges, "the change hook is on while someone watches")
        h.run("SET", "k", "1", as: other)  // the same value still counts
        #expect(!h.server.watches.isActive, "a touched client stops watching at once")
        h.run("MULTI")
        h.run("INCR", "k")
        #expect(h.run("EXEC") == "*-1\r\n")
        #expect(h.run("GET", "k") == "$1\r\n1\r\n")
        #expect(!h.server.databases[0].observesKeyChanges)
        // The next transaction starts clean.
        h.run("MULTI")
        h.run("INCR", "k")
        #expect(h.run("EXEC") == "*1\r\n:2\r\n")
    }

    @Test func watchIsPerDatabaseAndPerKey() throws {
        let h = try ServerHarness()
        let other = h.newClient()
        h.run("WATCH", "k")
        h.run("SET", "other", "1", as: other)
        h.run("SELECT", "1", as: other)
        h.run("SET", "k", "1", as: other)
        h.run("MULTI")
        #expect(h.run("EXEC") == "*0\r\n")
    }

    @Test func aKeyExpiredWhenWatchedIsNoChangeWhenItsExpiryDeletesIt() throws {
        let h = try ServerHarness()
        let other = h.newClient()
        h.run("SET", "k", "v", "PXAT", String(h.server.now + 1000))
        h.server.now += 2000  // logically expired, still stored
        h.run("WATCH", "k")
        h.run("GET", "k", as: other)  // lazily deleted
        h.run("MULTI")
        h.run("PING")
        #expect(h.run("EXEC") == "*1\r\n+PONG\r\n")
    }

    @Test func aKeyThatExpiresAfterWatchFailsExec() throws {
        let h = try ServerHarness()
        h.run("SET", "k", "v", "PXAT", String(h.server.now + 1000))
        h.run("WATCH", "k")
        h.server.now += 2000
        h.run("MULTI")
        h.run("PING")
        #expect(h.run("EXEC") == "*-1\r\n")
    }

    @Test func flushTouchesOnlyWatchedKeysThatExisted() throws {
        let h = try ServerHarness()
        let absentWatcher = h.newClient()
        h.run("SET", "present", "1")
        h.run("WATCH", "present")
        h.run("WATCH", "absent", as: absentWatcher)
        h.run("FLUSHDB", as: h.newClient())
        h.run("MULTI")
        #expect(h.run("EXEC") == "*-1\r\n")
        h.run("MULTI", as: absentWatcher)
        #expect(h.run("EXEC", as: absentWatcher) == "*0\r\n")
    }

    @Test func blockingCommandsInsideExecAnswerAtOnce() throws {
        let h = try ServerHarness()
        h.run("MULTI")
        h.run("BLPOP", "empty", "0")
        #expect(h.run("EXEC") == "*1\r\n*-1\r\n")
        #expect(h.client.blocked == nil)
        #expect(!h.client.denyBlocking)
    }

    @Test func queuedCommandsCountInCommandstatsWhenExecRunsThem() throws {
        let h = try ServerHarness()
        let incr = try #require(h.server.commandTable.lookup(Array("incr".utf8).withUnsafeBytes { $0 }))
        h.run("MULTI")
        h.run("INCR", "n")
        h.run("INCR", "n")
        #expect(incr.stats.calls == 0)
        h.run("EXEC")
        #expect(incr.stats.calls == 2)
    }
}
