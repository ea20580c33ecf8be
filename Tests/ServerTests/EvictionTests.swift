import Testing
@testable import Server

// performEvictions before a command (Eviction/Eviction.swift) through a loop-less server: at
// maxmemory 1 every evictable key goes before each command, each as a DEL of its own (no
// MULTI around them), and what may not go makes denyoom commands fail.

@Suite(.serialized) struct EvictionTests {
    private let oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n"

    @Test func allkeysEvictsEveryKeyEachAsItsOwnUnit() throws {
        let h = try ServerHarness()
        h.run("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        for index in 0..<5 { h.run("SET", "k\(index)", "v") }
        h.run("SELECT", "2")
        h.run("SET", "other", "v")
        _ = h.takePropagated()
        h.run("CONFIG", "SET", "maxmemory", "1")
        #expect(h.run("DBSIZE") == ":0\r\n")
        let propagated = h.takePropagated()
        #expect(propagated.count == 6)
        #expect(!propagated.contains(resp("MULTI")))
        let deleted = Set(propagated.filter { $0.hasPrefix("*2\r\n$3\r\nDEL") })
        let expected = Set((0..<5).map { resp("DEL", "k\($0)") } + [resp("DEL", "other")])
        #expect(deleted == expected)
        #expect(h.server.stats.evictedKeys == 6)
        // Nothing left to evict and still over the limit: EVICT_FAIL, as in Redis.
        #expect(h.run("SET", "fresh", "v") == oom)
        #expect(h.run("GET", "k1") == "$-1\r\n")
    }

    @Test func lazyfreeEvictionPropagatesUnlink() throws {
        let h = try ServerHarness(["--lazyfree-lazy-eviction", "yes", "--maxmemory-policy", "allkeys-random"])
        h.run("SET", "a", "1")
        _ = h.takePropagated()
        h.run("CONFIG", "SET", "maxmemory", "1")
        h.run("PING")
        #expect(h.takePropagated() == [resp("UNLINK", "a")])
    }

    @Test func volatilePoliciesOnlyEvictKeysWithTTL() throws {
        for policy in ["volatile-lru", "volatile-lfu", "volatile-ttl", "volatile-random"] {
            let h = try ServerHarness(["--maxmemory-policy", policy])
            h.run("SET", "keep", "v")
            h.run("SET", "gone", "v", "EX", "1000")
            h.run("CONFIG", "SET", "maxmemory", "1")
            #expect(h.run("GET", "keep") == "$1\r\nv\r\n", "\(policy)")
            #expect(h.run("EXISTS", "gone") == ":0\r\n", "\(policy)")
            // Nothing left to evict: denyoom commands fail, others run.
            #expect(h.run("SET", "new", "v") == oom, "\(policy)")
            #expect(h.run("DEL", "keep") == ":1\r\n", "\(policy)")
        }
    }

    @Test func noevictionRefusesAndCountsRejections() throws {
        let h = try ServerHarness()
        h.run("SET", "a", "1")
        h.run("CONFIG", "SET", "maxmemory", "1")
        #expect(h.run("SET", "a", "2") == oom)
        #expect(h.run("GET", "a") == "$1\r\n1\r\n")
        #expect(h.run("MULTI") == "+OK\r\n")
        #expect(h.run("GET", "a") == oom)
        #expect(h.run("EXEC") == "-EXECABORT Transaction discarded because of previous errors.\r\n")
        #expect(h.server.stats.evictedKeys == 0)
        h.run("CONFIG", "SET", "maxmemory", "0")
        #expect(h.run("SET", "a", "2") == "+OK\r\n")
    }
}
