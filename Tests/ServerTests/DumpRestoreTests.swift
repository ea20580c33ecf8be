import Testing
@testable import Server

// RESTORE through the execution core: a relative TTL propagates as ABSTTL with the absolute
// time (as cluster.c rewrites it), and the replies and keyspace are Redis's.

@Suite struct DumpRestoreTests {
    /// DUMP of the string "v2244", chosen because its CRC64 bytes are printable ASCII.
    let payload = "\u{0}\u{5}v2244\n\u{0}N\u{5}ai51+!"

    @Test func relativeTTLPropagatesAsAbsolute() throws {
        let h = try ServerHarness()
        let now = h.server.now
        #expect(h.run("RESTORE", "k", "5000", payload) == "+OK\r\n")
        #expect(h.run("GET", "k") == "$5\r\nv2244\r\n")
        #expect(h.run("RESTORE", "k", "0", payload) == "-BUSYKEY Target key name already exists.\r\n")
        #expect(h.run("RESTORE", "k", "0", payload, "REPLACE") == "+OK\r\n")
        #expect(h.run("RESTORE", "a", "4000000000000", payload, "ABSTTL") == "+OK\r\n")
        #expect(h.takePropagated() == [
            resp("RESTORE", "k", String(now + 5000), payload, "ABSTTL"),
            resp("RESTORE", "k", "0", payload, "REPLACE"),
            resp("RESTORE", "a", "4000000000000", payload, "ABSTTL"),
        ])
    }

    @Test func dumpMatchesTheKnownPayload() throws {
        let h = try ServerHarness()
        h.run("SET", "k", "v2244")
        #expect(h.run("DUMP", "k") == "$17\r\n\(payload)\r\n")
    }
}
