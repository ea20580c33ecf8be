import Testing
@testable import Server

// What commands propagate (the AOF/replication stream), byte for byte as Redis 7.0.15 sends it
// to a replica: rewrites of relative times and floats, pops and blocking commands in their
// non-blocking forms, MULTI/EXEC around units of several commands, nothing for reads.

@Suite struct PropagationTests {
    @Test func plainWritePropagatesAsCalled() throws {
        let h = try ServerHarness()
        h.run("set", "k", "v")
        h.run("RPUSH", "l", "a", "b")
        #expect(h.takePropagated() == [resp("set", "k", "v"), resp("RPUSH", "l", "a", "b")])
    }

    @Test func readsAndNoOpsPropagateNothing() throws {
        let h = try ServerHarness()
        h.run("SET", "k", "v")
        _ = h.takePropagated()
        h.run("GET", "k")
        h.run("EXISTS", "k", "missing")
        h.run("SRANDMEMBER", "missing")
        h.run("DEL", "missing")
        h.run("SET", "k", "w", "NX")
        h.run("SINTERSTORE", "dest", "missing")
        h.run("EXPIRE", "missing", "10")
        h.run("PERSIST", "k")
        h.run("LPOP", "missing")
        #expect(h.takePropagated() == [])
    }

    @Test func setWithExpireBecomesPXAT() throws {
        let h = try ServerHarness()
        let now = h.server.now
        h.run("SET", "k", "v", "EX", "100")
        h.run("set", "k", "v", "px", "2500", "NX")
        h.run("SET", "k", "v", "PX", "2500", "XX", "GET")
        h.run("SET", "k", "v", "EXAT", "4000000000")
        h.run("SETEX", "k", "10", "w")
        h.run("PSETEX", "k", "10", "x")
        #expect(h.takePropagated() == [
            resp("SET", "k", "v", "PXAT", String(now + 100_000)),
            resp("SET", "k", "v", "PXAT", String(now + 2500)),
            resp("SET", "k", "v", "PXAT", "4000000000000"),
            resp("SET", "k", "w", "PXAT", String(now + 10_000)),
            resp("SET", "k", "x", "PXAT", String(now + 10)),
        ])
    }

    @Test func setGetPropagatesWithoutGet() throws {
        let h = try ServerHarness()
        h.run("SET", "k", "v", "GET")
        h.run("SET", "k", "w", "get", "KEEPTTL", "GET")
        h.run("GETSET", "k", "x")
        #expect(h.takePropagated() == [resp("SET", "k", "v"), resp("SET", "k", "w", "KEEPTTL"), resp("SET", "k", "x")])
    }

    @Test func getexAndGetdel() throws {
        let h = try ServerHarness()
        let now = h.server.now
        h.run("SET", "k", "v")
        h.run("SET", "gone", "v")
        _ = h.takePropagated()
        h.run("GETEX", "k", "EX", "50")
        h.run("GETEX", "k", "PERSIST")
        h.run("GETEX", "k", "PERSIST")
        h.run("GETEX", "k")
        h.run("GETEX", "k", "EXAT", "1")
        h.run("GETDEL", "gone")
        h.run("GETDEL", "gone")
        #expect(h.takePropagated() == [
            resp("PEXPIREAT", "k", String(now + 50_000)), resp("PERSIST", "k"), resp("DEL", "k"), resp("DEL", "gone"),
        ])
    }

    @Test func expireFamilyBecomesPEXPIREATOrDeletion() throws {
        let h = try ServerHarness()
        let now = h.server.now
        for key in ["a", "b", "c", "d"] { h.run("SET", key, "v") }
        _ = h.takePropagated()
        h.run("EXPIRE", "a", "100", "NX")
        h.run("PEXPIRE", "a", "100")
        h.run("EXPIREAT", "a", "4000000000", "gt")
        h.run("pexpireat", "a", "4000000000001")
        h.run("EXPIRE", "b", "-1")
        h.run("PERSIST", "a")
        #expect(h.takePropagated() == [
            resp("PEXPIREAT", "a", String(now + 100_000), "NX"),
            resp("PEXPIREAT", "a", String(now + 100)),
            resp("PEXPIREAT", "a", "4000000000000", "gt"),
            resp("pexpireat", "a", "4000000000001"),
            resp("DEL", "b"),
            resp("PERSIST", "a"),
        ])
        h.run("CONFIG", "SET", "lazyfree-lazy-expire", "yes")
        h.run("PEXPIREAT", "c", "1")
        h.run("GETEX", "d", "PXAT", "1")
        #expect(h.takePropagated() == [resp("UNLINK", "c"), resp("UNLINK", "d")])
    }

    @Test func floatIncrementsPropagateTheirResult() throws {
        let h = try ServerHarness()
        h.run("SET", "n", "1", "EX", "100")
        _ = h.takePropagated()
        h.run("INCRBYFLOAT", "n", "0.5")
        h.run("HINCRBYFLOAT", "h", "f", "2.25")
        h.run("HINCRBYFLOAT", "h", "f", "1e2")
        #expect(h.takePropagated() == [
            resp("SET", "n", "1.5", "KEEPTTL"), resp("HSET", "h", "f", "2.25"), resp("HSET", "h", "f", "102.25"),
        ])
    }

    @Test func spopPropagatesSREMsOrDEL() throws {
        let h = try ServerHarness()
        h.run("SADD", "one", "m")
        h.run("SADD", "s", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
        _ = h.takePropagated()
        h.run("SPOP", "one")
        #expect(h.takePropagated() == [resp("SREM", "one", "m")])
        let popped = h.run("SPOP", "s", "2")
        let members = popped.split(separator: "\r\n").filter { !$0.hasPrefix("*") && !$0.hasPrefix("$") && !$0.hasPrefix("~") }
        #expect(members.count == 2)
        #expect(h.takePropagated() == ["*1\r\n$5\r\nMULTI\r\n"] + members.map { resp("SREM", "s", String($0)) } + ["*1\r\n$4\r\nEXEC\r\n"])
        h.run("SPOP", "s", "8")
        #expect(h.takePropagated() == [resp("DEL", "s")])
        h.run("SPOP", "s", "0")
        #expect(h.takePropagated() == [])
    }

    @Test func multiPopsPropagateAsPopsWithTheirCount() throws {
        let h = try ServerHarness()
        h.run("RPUSH", "l", "a", "b", "c")
        h.run("ZADD", "z", "1", "a", "2", "b", "3", "c")
        _ = h.takePropagated()
        h.run("LMPOP", "2", "missing", "l", "RIGHT", "COUNT", "2")
        h.run("LMPOP", "1", "l", "LEFT")
        h.run("ZMPOP", "1", "z", "MIN")
        h.run("ZMPOP", "1", "z", "max", "COUNT", "10")
        #expect(h.takePropagated() == [
            resp("RPOP", "l", "2"), resp("LPOP", "l", "1"), resp("ZPOPMIN", "z", "1"), resp("ZPOPMAX", "z", "2"),
        ])
    }

    @Test func blockingCommandsServedAtOncePropagateNonBlockingForms() throws {
        let h = try ServerHarness()
        h.run("RPUSH", "l", "a", "b", "c", "d", "e")
        h.run("ZADD", "z", "1", "a", "2", "b", "3", "c")
        _ = h.takePropagated()
        h.run("BLPOP", "missing", "l", "0")
        h.run("BRPOP", "l", "0")
        h.run("BLMPOP", "0", "1", "l", "left", "COUNT", "1")
        h.run("BLMOVE", "l", "dst", "right", "Left", "0")
        h.run("BRPOPLPUSH", "l", "dst", "0")
        h.run("BZPOPMIN", "z", "0")
        h.run("BZPOPMAX", "z", "0")
        h.run("BZMPOP", "0", "1", "z", "MIN", "COUNT", "5")
        #expect(h.takePropagated() == [
            resp("LPOP", "l"), resp("RPOP", "l"), resp("LPOP", "l", "1"), resp("LMOVE", "l", "dst", "right", "Left"),
            resp("RPOPLPUSH", "l", "dst"), resp("ZPOPMIN", "z"), resp("ZPOPMAX", "z"), resp("ZPOPMIN", "z", "1"),
        ])
    }

    @Test func blockedClientsServedLaterPropagateNonBlockingForms() throws {
        let h = try ServerHarness()
        let waiters = (0..<6).map { _ in h.newClient() }
        h.run("BLPOP", "q1", "0", as: waiters[0])
        h.run("BLMPOP", "0", "1", "q2", "RIGHT", "COUNT", "5", as: waiters[1])
        h.run("BLMOVE", "q3", "d", "right", "left", "0", as: waiters[2])
        h.run("BRPOPLPUSH", "q4", "d", "0", as: waiters[3])
        h.run("BZPOPMAX", "q5", "0", as: waiters[4])
        h.run("BZMPOP", "0", "1", "q6", "MIN", "COUNT", "2", as: waiters[5])
        #expect(h.takePropagated() == [])
        h.run("RPUSH", "q1", "a", "b")
        h.run("RPUSH", "q2", "a", "b", "c")
        h.run("RPUSH", "q3", "a")
        h.run("RPUSH", "q4", "a")
        h.run("ZADD", "q5", "1", "a", "2", "b")
        h.run("ZADD", "q6", "1", "a", "2", "b", "3", "c")
        #expect(h.takePropagated() == [
            resp("RPUSH", "q1", "a", "b"), resp("LPOP", "q1"),
            resp("RPUSH", "q2", "a", "b", "c"), resp("RPOP", "q2", "3"),
            resp("RPUSH", "q3", "a"), resp("LMOVE", "q3", "d", "right", "left"),
            resp("RPUSH", "q4", "a"), resp("RPOPLPUSH", "q4", "d"),
            resp("ZADD", "q5", "1", "a", "2", "b"), resp("ZPOPMAX", "q5"),
            resp("ZADD", "q6", "1", "a", "2", "b", "3", "c"), resp("ZPOPMIN", "q6", "2"),
        ])
        #expect(h.reply(of: waiters[0]) == "*2\r\n$2\r\nq1\r\n$1\r\na\r\n")
    }

    @Test func transactionsWrapSeveralWritesOnly() throws {
        let h = try ServerHarness()
        h.run("MULTI")
        h.run("SET", "m", "1")
        h.run("INCR", "m")
        h.run("GET", "m")
        h.run("EXEC")
        #expect(h.takePropagated() == ["*1\r\n$5\r\nMULTI\r\n", resp("SET", "m", "1"), resp("INCR", "m"), "*1\r\n$4\r\nEXEC\r\n"])
        h.run("MULTI")
        h.run("SET", "m", "3")
        h.run("GET", "m")
        h.run("EXEC")
        #expect(h.takePropagated() == [resp("SET", "m", "3")])
        h.run("MULTI")
        h.run("GET", "m")
        h.run("EXEC")
        #expect(h.takePropagated() == [])
    }

    @Test func lazilyExpiredKeyPropagatesDELFirst() throws {
        let h = try ServerHarness()
        h.run("SET", "k", "1", "PX", "10")
        h.run("SET", "r", "1", "PX", "10")
        _ = h.takePropagated()
        h.server.now += 1000
        h.run("GET", "r")
        #expect(h.takePropagated() == [resp("DEL", "r")])
        h.run("INCR", "k")
        #expect(h.takePropagated() == ["*1\r\n$5\r\nMULTI\r\n", resp("DEL", "k"), resp("INCR", "k"), "*1\r\n$4\r\nEXEC\r\n"])
    }

    @Test func storesOverExpiredKeys() throws {
        let h = try ServerHarness()
        h.run("SET", "m", "1", "PX", "10")
        h.run("SET", "z", "1", "PX", "10")
        _ = h.takePropagated()
        h.server.now += 1000
        h.run("MSET", "m", "2")
        // An empty result deletes the destination as it is, past its TTL or not (dbDelete).
        h.run("ZUNIONSTORE", "z", "1", "missing")
        #expect(h.takePropagated() == [
            "*1\r\n$5\r\nMULTI\r\n", resp("DEL", "m"), resp("MSET", "m", "2"), "*1\r\n$4\r\nEXEC\r\n",
            resp("ZUNIONSTORE", "z", "1", "missing"),
        ])
    }

    @Test func storesOfEmptyResultsDeleteOnlyWhatExisted() throws {
        let h = try ServerHarness()
        h.run("SET", "dest", "x")
        _ = h.takePropagated()
        h.run("SUNIONSTORE", "dest", "missing")
        h.run("SUNIONSTORE", "dest", "missing")
        h.run("ZUNIONSTORE", "dest", "1", "missing")
        h.run("SORT", "missing", "STORE", "dest")
        #expect(h.takePropagated() == [resp("SUNIONSTORE", "dest", "missing")])
    }
}
