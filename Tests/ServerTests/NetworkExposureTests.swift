import Testing
@testable import Server

// Protected mode's notion of a local peer, maxmemory-clients' threshold and buckets.
@Suite struct NetworkExposureTests {
    @Test func loopbackIsExactlyTheTwoAddresses() {
        #expect(Server.isLoopback(peer: "127.0.0.1:6379"))
        #expect(Server.isLoopback(peer: "::1:41000"))
        #expect(!Server.isLoopback(peer: "127.0.0.2:6379"))
        #expect(!Server.isLoopback(peer: "10.0.0.1:1"))
        #expect(!Server.isLoopback(peer: "::ffff:127.0.0.1:5"))
        #expect(!Server.isLoopback(peer: ""))
    }

    @Test func evictionLimitFromBytesOrPercent() throws {
        let h = try ServerHarness()
        #expect(h.server.clientMemory.limit == 0)
        #expect(h.run("CONFIG", "SET", "maxmemory-clients", "3000000") == "+OK\r\n")
        #expect(h.server.clientMemory.limit == 3_000_000)
        // Never below 128 KiB, so the server stays reachable.
        h.run("CONFIG", "SET", "maxmemory-clients", "1000")
        #expect(h.server.clientMemory.limit == 128 * 1024)
        // A percentage means nothing without maxmemory.
        h.run("CONFIG", "SET", "maxmemory-clients", "10%")
        #expect(h.server.clientMemory.limit == 0)
        h.run("CONFIG", "SET", "maxmemory", "100mb")
        #expect(h.server.clientMemory.limit == 100 * 1024 * 1024 / 10)
        #expect(h.run("CONFIG", "GET", "maxmemory-clients") == "*2\r\n$17\r\nmaxmemory-clients\r\n$3\r\n10%\r\n")
    }

    @Test func debugClientEvictionNeedsTheLimit() throws {
        let h = try ServerHarness(["--enable-debug-command", "yes"])
        #expect(h.run("DEBUG", "CLIENT-EVICTION") == "-ERR maxmemory-clients is disabled.\r\n")
        h.run("CONFIG", "SET", "maxmemory-clients", "1mb")
        #expect(h.run("DEBUG", "CLIENT-EVICTION").contains("bucket          0 -      32767: tot-mem:          0, clients: 0\n"))
    }

    @Test func bucketsArePowersOfTwoFrom32KiB() {
        #expect(ClientMemoryAccounting.bucket(of: 0) == 0)
        #expect(ClientMemoryAccounting.bucket(of: 32767) == 0)
        #expect(ClientMemoryAccounting.bucket(of: 32768) == 1)
        #expect(ClientMemoryAccounting.bucket(of: 300_000) == 4)
        #expect(ClientMemoryAccounting.bucket(of: Int.max) == 18)
    }
}
