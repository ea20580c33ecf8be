import Testing
@testable import Server
import Store

/// XREAD/XREADGROUP on a loop-less server: the group state a read leaves, what it propagates,
/// and blocked readers served, or ended, by what other clients do.
@Suite struct StreamReadTests {
    /// The propagated commands with XCLAIM's TIME value (the wall clock) replaced by "T".
    private func propagated(_ h: ServerHarness) -> [String] {
        h.takePropagated().map { command in
            var lines = command.split(separator: Character("\r\n"), omittingEmptySubsequences: false).map(String.init)
            if let time = lines.firstIndex(of: "TIME"), time + 2 < lines.count {
                lines[time + 1] = "$1"
                lines[time + 2] = "T"
            }
            return lines.joined(separator: "\r\n")
        }
    }

    private func group(_ h: ServerHarness, _ key: String, _ name: String) -> StreamConsumerGroup? {
        Array(key.utf8).withUnsafeBytes { k in
            h.server.databases[0].find(k).flatMap { object in
                Array(name.utf8).withUnsafeBytes { StreamType.stream(object).group(named: $0) }
            }
        }
    }

    private func claim(_ key: String, _ group: String, _ consumer: String, _ id: String, count: Int = 1,
                       lastID: String) -> String {
        resp("XCLAIM", key, group, consumer, "0", id, "TIME", "T", "RETRYCOUNT", String(count),
             "FORCE", "JUSTID", "LASTID", lastID)
    }

    @Test func newEntriesAreDeliveredAndPropagatedAsClaims() throws {
        let h = try ServerHarness()
        for id in ["1-0", "2-0", "3-0"] { h.run("XADD", "s", id, "f", "v") }
        h.run("XGROUP", "CREATE", "s", "g", "0")
        _ = h.takePropagated()
        #expect(h.run("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
            == "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n")
        #expect(propagated(h) == [resp("MULTI"), claim("s", "g", "alice", "1-0", lastID: "1-0"),
                                  claim("s", "g", "alice", "2-0", lastID: "2-0"), resp("EXEC")])
        let g = try #require(group(h, "s", "g"))
        #expect(g.lastID == StreamID(ms: 2, seq: 0))
        #expect(g.entriesRead == 2)
        #expect(g.pending.count == 2)
        #expect(g.pending[StreamID(ms: 1, seq: 0)]?.consumer.name == Array("alice".utf8))
        // History: the same entries again, counted as a second delivery, and nothing propagated.
        h.run("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
        #expect(g.pending[StreamID(ms: 2, seq: 0)]?.deliveryCount == 2)
        #expect(h.takePropagated() == [])
    }

    @Test func noAckReadsPropagateTheConsumerAndTheGroupPosition() throws {
        let h = try ServerHarness()
        h.run("XADD", "s", "1-0", "f", "v")
        h.run("XGROUP", "CREATE", "s", "g", "0")
        _ = h.takePropagated()
        h.run("XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">")
        #expect(propagated(h) == [resp("MULTI"), resp("XGROUP", "CREATECONSUMER", "s", "g", "bob"),
                                  resp("XGROUP", "SETID", "s", "g", "1-0", "ENTRIESREAD", "1"), resp("EXEC")])
        #expect(group(h, "s", "g")?.pending.count == 0)
    }

    @Test func aSetBackGroupReassignsPendingEntries() throws {
        let h = try ServerHarness()
        h.run("XADD", "s", "1-0", "f", "v")
        h.run("XGROUP", "CREATE", "s", "g", "0")
        h.run("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
        h.run("XGROUP", "SETID", "s", "g", "0")
        h.run("XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", ">")
        let g = try #require(group(h, "s", "g"))
        let entry = try #require(g.pending[StreamID(ms: 1, seq: 0)])
        #expect(entry.consumer.name == Array("b".utf8))
        #expect(entry.deliveryCount == 1)
        let a = try #require(Array("a".utf8).withUnsafeBytes { g.consumer(named: $0) })
        #expect(a.pending.count == 0)
    }

    @Test func readCounterFallsBackToTheEstimateAcrossTombstones() throws {
        let h = try ServerHarness()
        for id in ["1-0", "2-0", "3-0", "4-0"] { h.run("XADD", "s", id, "f", "v") }
        h.run("XDEL", "s", "3-0")
        h.run("XGROUP", "CREATE", "s", "g", "0")
        h.run("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">")
        let g = try #require(group(h, "s", "g"))
        // A tombstone lies ahead of 1-0 and after the first entry: the counter can't be known.
        #expect(g.entriesRead == streamInvalidEntriesRead)
        h.run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
        // 4-0 is the last ID: entries-added.
        #expect(g.entriesRead == 4)
    }

    @Test func blockedXReadIsServedByXAddWithoutPropagatingItself() throws {
        let h = try ServerHarness()
        let reader = h.newClient()
        #expect(h.run("XREAD", "BLOCK", "0", "STREAMS", "s", "$", as: reader) == "")
        #expect(h.server.blocking.blockedCount == 1)
        h.run("XADD", "s", "5-0", "f", "v")
        #expect(h.reply(of: reader) == "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n")
        #expect(h.server.blocking.blockedCount == 0)
        #expect(h.takePropagated() == [resp("XADD", "s", "5-0", "f", "v")])
    }

    @Test func servedBlockedGroupReaderPropagatesItsClaim() throws {
        let h = try ServerHarness()
        h.run("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        let reader = h.newClient()
        h.run("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">", as: reader)
        _ = h.takePropagated()
        h.run("XADD", "s", "1-0", "f", "v")
        #expect(propagated(h) == [resp("XADD", "s", "1-0", "f", "v"), claim("s", "g", "c", "1-0", lastID: "1-0")])
        #expect(h.reply(of: reader).hasPrefix("*1\r\n*2\r\n$1\r\ns\r\n*1\r\n"))
    }

    @Test func deletedStreamEndsGroupReadersOnlyAndStopsObservingKeys() throws {
        let h = try ServerHarness()
        h.run("XADD", "s", "1-0", "f", "v")
        h.run("XGROUP", "CREATE", "s", "g", "$")
        let group = h.newClient()
        let plain = h.newClient()
        h.run("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">", as: group)
        h.run("XREAD", "BLOCK", "0", "STREAMS", "s", "$", as: plain)
        #expect(h.server.blocking.streamGroupReaders == 1)
        #expect(h.server.databases[0].observesKeyChanges)
        h.run("SET", "s", "string")
        #expect(h.reply(of: group) == "-UNBLOCKED the stream key no longer exists\r\n")
        #expect(h.reply(of: plain) == "")
        #expect(h.server.blocking.blockedCount == 1)
        #expect(h.server.blocking.streamGroupReaders == 0)
        #expect(!h.server.databases[0].observesKeyChanges)
    }

    @Test func destroyedGroupEndsItsReadersWithNoGroup() throws {
        let h = try ServerHarness()
        h.run("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        let reader = h.newClient()
        h.run("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">", as: reader)
        h.run("XGROUP", "DESTROY", "s", "g")
        #expect(h.reply(of: reader) == "-NOGROUP the consumer group this client was blocked on no longer exists\r\n")
        #expect(h.server.blocking.blockedCount == 0)
    }

    @Test func insideMultiBlockDoesNotBlock() throws {
        let h = try ServerHarness()
        h.run("MULTI")
        h.run("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        #expect(h.run("EXEC") == "*1\r\n*-1\r\n")
        #expect(h.server.blocking.blockedCount == 0)
    }

    @Test func keysAreFoundAfterStreams() throws {
        let h = try ServerHarness()
        #expect(h.run("COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0")
            == "*2\r\n$1\r\na\r\n$1\r\nb\r\n")
        #expect(h.run("COMMAND", "GETKEYS", "XREAD", "STREAMS", "a", "b", "0") == "*1\r\n$1\r\na\r\n")
        #expect(h.run("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "streams", "STREAMS", "s", ">")
            == "*1\r\n$1\r\ns\r\n")
    }
}
