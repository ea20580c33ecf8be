import Testing
@testable import Server

// The replication backlog ring: what it holds after wrapping, the offsets PSYNC checks against,
// and resizing, which keeps the newest bytes.

@Suite struct ReplicationBacklogTests {
    private func contents(_ backlog: ReplicationBacklog, from offset: Int64) -> [UInt8] {
        var bytes: [UInt8] = []
        backlog.forEachRegion(from: offset) { bytes.append(contentsOf: $0) }
        return bytes
    }

    private func append(_ backlog: ReplicationBacklog, _ text: String) {
        Array(text.utf8).withUnsafeBytes { backlog.append($0) }
    }

    @Test func holdsWhatWasAppendedFromItsFirstOffset() {
        let backlog = ReplicationBacklog(size: 16, nextOffset: 1)
        append(backlog, "abcdef")
        #expect(backlog.firstByteOffset == 1)
        #expect(backlog.historyLength == 6)
        #expect(contents(backlog, from: 1) == Array("abcdef".utf8))
        #expect(contents(backlog, from: 4) == Array("def".utf8))
        #expect(backlog.holds(from: 7))
        #expect(contents(backlog, from: 7).isEmpty)
        #expect(!backlog.holds(from: 8))
        #expect(!backlog.holds(from: 0))
    }

    @Test func wrapsKeepingTheNewestBytes() {
        let backlog = ReplicationBacklog(size: 8, nextOffset: 101)
        append(backlog, "0123456")
        append(backlog, "789ab")
        #expect(backlog.historyLength == 8)
        #expect(backlog.firstByteOffset == 101 + 12 - 8)
        #expect(contents(backlog, from: backlog.firstByteOffset) == Array("456789ab".utf8))
        #expect(contents(backlog, from: backlog.endOffset - 3) == Array("9ab".utf8))
        #expect(!backlog.holds(from: 101))
    }

    @Test func anAppendLargerThanTheRingKeepsItsTail() {
        let backlog = ReplicationBacklog(size: 4, nextOffset: 1)
        append(backlog, "xy")
        append(backlog, "abcdefgh")
        #expect(backlog.historyLength == 4)
        #expect(backlog.endOffset == 11)
        #expect(contents(backlog, from: backlog.firstByteOffset) == Array("efgh".utf8))
    }

    @Test func resizeKeepsTheNewestBytesThatFit() {
        let backlog = ReplicationBacklog(size: 8, nextOffset: 1)
        append(backlog, "abcdefghij")
        backlog.resize(to: 4)
        #expect(backlog.endOffset == 11)
        #expect(contents(backlog, from: backlog.firstByteOffset) == Array("ghij".utf8))
        backlog.resize(to: 16)
        append(backlog, "kl")
        #expect(contents(backlog, from: 7) == Array("ghijkl".utf8))
    }
}

// The master's stream: the backlog's bytes are the propagated commands with SELECT where the
// database changes, and master_repl_offset counts them.
@Suite struct ReplicationStreamTests {
    @Test func streamSelectsTheDatabaseAndCountsTheOffset() throws {
        let h = try ServerHarness()
        h.server.createReplicationBacklog()
        h.run("SET", "k", "v")
        h.run("SELECT", "2")
        h.run("SET", "k", "w")
        h.run("SET", "j", "x")
        let backlog = try #require(h.server.replication.backlog)
        var bytes: [UInt8] = []
        backlog.forEachRegion(from: backlog.firstByteOffset) { bytes.append(contentsOf: $0) }
        let expected = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" + "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
            + "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n" + "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nw\r\n"
            + "*3\r\n$3\r\nSET\r\n$1\r\nj\r\n$1\r\nx\r\n"
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        #expect(h.server.replication.masterOffset == Int64(expected.utf8.count))
        #expect(h.client.replicationWriteOffset == h.server.replication.masterOffset)
    }

    @Test func aReplicaStreamsNothingOfItsOwn() throws {
        let h = try ServerHarness()
        h.server.createReplicationBacklog()
        h.server.replication.masterHost = "127.0.0.1"
        h.run("SET", "k", "v", as: h.client)
        #expect(h.server.replication.masterOffset == 0)
    }

    @Test func freeingTheBacklogStopsFeedingIt() throws {
        let h = try ServerHarness()
        let consumers = h.server.propagation.consumers.count
        h.server.createReplicationBacklog()
        #expect(h.server.propagation.consumers.count == consumers + 1)
        h.server.freeReplicationBacklog()
        #expect(h.server.propagation.consumers.count == consumers)
    }
}
