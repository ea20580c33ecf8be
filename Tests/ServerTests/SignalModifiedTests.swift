import Testing
@testable import Server

// Values changed in place (no new record) must still touch the clients WATCHing their key, as
// Redis's signalModifiedKey does wherever it marks a key dirty.

@Suite struct SignalModifiedTests {
    /// Sets `key` up with `setup`, WATCHes it, runs `change` from another client and returns
    /// whether the watcher's transaction was aborted.
    private func aborts(_ setup: [String], _ change: [String], key: String) throws -> Bool {
        let h = try ServerHarness()
        let other = h.newClient()
        h.run(setup, as: other)
        h.run("WATCH", key)
        h.run(change, as: other)
        h.run("MULTI")
        h.run("PING")
        return h.run("EXEC") == "*-1\r\n"
    }

    @Test(arguments: [
        (["HSET", "k", "a", "1"], ["HSET", "k", "b", "2"]),
        (["HSET", "k", "a", "1"], ["HSETNX", "k", "b", "2"]),
        (["HSET", "k", "a", "1"], ["HINCRBY", "k", "a", "2"]),
        (["HSET", "k", "a", "1"], ["HINCRBYFLOAT", "k", "a", "2.5"]),
        (["HSET", "k", "a", "1", "b", "2"], ["HDEL", "k", "a"]),
        (["RPUSH", "k", "a", "b"], ["LPUSH", "k", "c"]),
        (["RPUSH", "k", "a", "b"], ["LSET", "k", "0", "z"]),
        (["RPUSH", "k", "a", "b"], ["LINSERT", "k", "BEFORE", "a", "z"]),
        (["RPUSH", "k", "a", "b"], ["LREM", "k", "1", "a"]),
        (["RPUSH", "k", "a", "b"], ["LTRIM", "k", "0", "0"]),
        (["RPUSH", "k", "a", "b"], ["RPOP", "k"]),
        (["RPUSH", "k", "a", "b"], ["LMOVE", "k", "k", "LEFT", "RIGHT"]),
        (["SADD", "k", "a", "b"], ["SADD", "k", "c"]),
        (["SADD", "k", "a", "b"], ["SREM", "k", "a"]),
        (["SADD", "k", "a", "b"], ["SPOP", "k"]),
        (["SADD", "k", "a", "b"], ["SMOVE", "k", "other", "a"]),
        (["ZADD", "k", "1", "a"], ["ZADD", "k", "2", "a"]),
        (["ZADD", "k", "1", "a"], ["ZINCRBY", "k", "2", "a"]),
        (["ZADD", "k", "1", "a", "2", "b"], ["ZPOPMIN", "k"]),
        (["SET", "k", "abc"], ["APPEND", "k", "d"]),
        (["SET", "k", "abc"], ["SETRANGE", "k", "1", "x"]),
        (["SET", "k", "10"], ["INCR", "k"]),
    ] as [([String], [String])])
    func inPlaceChangeTouchesWatchers(setup: [String], change: [String]) throws {
        #expect(try aborts(setup, change, key: "k"))
    }

    @Test func unrelatedChangeLeavesWatchersAlone() throws {
        #expect(try !aborts(["HSET", "k", "a", "1"], ["HSET", "other", "b", "2"], key: "k"))
        #expect(try !aborts(["SADD", "k", "a", "b"], ["SADD", "k", "a"], key: "k"))
    }
}
