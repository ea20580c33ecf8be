import Store
import Testing
@testable import Server

// Consumer groups without XREADGROUP: PELs are filled through the Store API or XCLAIM FORCE,
// and the replies, PEL states and propagated commands are those redis-server 7.0.15 gives for
// the same steps (checked against it when these were written).

@Suite struct StreamGroupTests {
    private func harness(_ arguments: [String] = []) throws -> ServerHarness {
        let h = try ServerHarness(arguments)
        for index in 1...6 { h.run("XADD", "s", "\(index)-0", "f", "v\(index)") }
        h.run("XGROUP", "CREATE", "s", "g", "0")
        _ = h.takePropagated()
        return h
    }

    private func group(_ h: ServerHarness, _ key: String = "s", _ name: String = "g") -> StreamConsumerGroup {
        let object = Array(key.utf8).withUnsafeBytes { h.client.lookupNoTouch($0) }!
        return Array(name.utf8).withUnsafeBytes { StreamType.stream(object).group(named: $0) }!
    }

    /// Gives `consumer` the entry `id` as XREADGROUP would have, `idle` ms ago.
    private func deliver(_ h: ServerHarness, _ id: StreamID, to consumer: String, idle: Int64, count: UInt64 = 1) {
        let group = group(h)
        let owner = Array(consumer.utf8).withUnsafeBytes { name in
            group.consumer(named: name) ?? group.createConsumer(named: name, now: h.server.now)!
        }
        group.addPending(id, consumer: owner, deliveryTime: h.server.now - idle, deliveryCount: count)
    }

    @Test func xgroupErrorsComeInRedisOrder() throws {
        let h = try harness()
        #expect(h.run("XGROUP", "CREATE", "nokey", "g", "$") == "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n")
        #expect(h.run("XGROUP", "CREATE", "s", "g", "$") == "-BUSYGROUP Consumer Group name already exists\r\n")
        #expect(h.run("XGROUP", "SETID", "s", "nog", "0") == "-NOGROUP No such consumer group 'nog' for key name 's'\r\n")
        #expect(h.run("XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "-2") == "-ERR value for ENTRIESREAD must be positive or -1\r\n")
        // The option error comes before the missing key's.
        #expect(h.run("XGROUP", "CREATE", "nokey", "g", "$", "FOO") == "-ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.\r\n")
        #expect(h.run("XGROUP", "CREATE", "s", "g2", "+") == "-ERR Invalid stream ID specified as stream command argument\r\n")
        #expect(h.run("XGROUP", "SETID", "s", "g", "0", "MKSTREAM") == "-ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP.\r\n")
        #expect(h.run("XGROUP", "DESTROY", "s", "nog") == ":0\r\n")
        #expect(h.takePropagated() == [])
    }

    @Test func xgroupChangesPropagateAsCalled() throws {
        let h = try harness()
        #expect(h.run("XGROUP", "CREATE", "m", "g", "$", "MKSTREAM") == "+OK\r\n")
        #expect(h.run("XGROUP", "SETID", "s", "g", "+") == "+OK\r\n")
        #expect(h.run("XGROUP", "CREATECONSUMER", "s", "g", "c") == ":1\r\n")
        #expect(h.run("XGROUP", "CREATECONSUMER", "s", "g", "c") == ":0\r\n")
        deliver(h, StreamID(ms: 1, seq: 0), to: "c", idle: 0)
        #expect(h.run("XGROUP", "DELCONSUMER", "s", "g", "c") == ":1\r\n")
        #expect(group(h).pending.isEmpty)
        #expect(h.run("XGROUP", "DESTROY", "s", "g") == ":1\r\n")
        #expect(h.takePropagated() == [
            resp("XGROUP", "CREATE", "m", "g", "$", "MKSTREAM"), resp("XGROUP", "SETID", "s", "g", "+"),
            resp("XGROUP", "CREATECONSUMER", "s", "g", "c"), resp("XGROUP", "DELCONSUMER", "s", "g", "c"),
            resp("XGROUP", "DESTROY", "s", "g"),
        ])
    }

    @Test func xpendingSummaryAndRanges() throws {
        let h = try harness()
        #expect(h.run("XPENDING", "s", "g") == "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n")
        deliver(h, StreamID(ms: 1, seq: 0), to: "alice", idle: 5000, count: 3)
        deliver(h, StreamID(ms: 2, seq: 0), to: "bob", idle: 10)
        deliver(h, StreamID(ms: 3, seq: 0), to: "alice", idle: 7000)
        h.run("XGROUP", "CREATECONSUMER", "s", "g", "idle")
        #expect(h.run("XPENDING", "s", "g") ==
            "*4\r\n:3\r\n$3\r\n1-0\r\n$3\r\n3-0\r\n*2\r\n*2\r\n$5\r\nalice\r\n$1\r\n2\r\n*2\r\n$3\r\nbob\r\n$1\r\n1\r\n")
        #expect(h.run("XPENDING", "s", "g", "IDLE", "1000", "-", "+", "10") ==
            "*2\r\n*4\r\n$3\r\n1-0\r\n$5\r\nalice\r\n:5000\r\n:3\r\n*4\r\n$3\r\n3-0\r\n$5\r\nalice\r\n:7000\r\n:1\r\n")
        #expect(h.run("XPENDING", "s", "g", "(1-0", "+", "1") == "*1\r\n*4\r\n$3\r\n2-0\r\n$3\r\nbob\r\n:10\r\n:1\r\n")
        #expect(h.run("XPENDING", "s", "g", "-", "+", "10", "bob") == "*1\r\n*4\r\n$3\r\n2-0\r\n$3\r\nbob\r\n:10\r\n:1\r\n")
        #expect(h.run("XPENDING", "s", "g", "-", "+", "10", "nobody") == "*0\r\n")
        #expect(h.run("XPENDING", "s", "g", "-", "+") == "-ERR syntax error\r\n")
        #expect(h.run("XPENDING", "s", "nog") == "-NOGROUP No such key 's' or consumer group 'nog'\r\n")
    }

    @Test func xackRemovesFromBothPELsAndCountsChanges() throws {
        let h = try harness()
        deliver(h, StreamID(ms: 1, seq: 0), to: "alice", idle: 0)
        deliver(h, StreamID(ms: 2, seq: 0), to: "alice", idle: 0)
        #expect(h.run("XACK", "s", "g", "1-0", "x") == "-ERR Invalid stream ID specified as stream command argument\r\n")
        #expect(group(h).pending.count == 2)
        #expect(h.run("XACK", "s", "g", "1-0", "9-0", "1-0") == ":1\r\n")
        #expect(h.run("XACK", "s", "nog", "2-0") == ":0\r\n")
        let alice = group(h).consumers.values[0]
        #expect(alice.pending.keys == [StreamID(ms: 2, seq: 0)])
        #expect(h.takePropagated() == [resp("XACK", "s", "g", "1-0", "9-0", "1-0")])
    }

    @Test func xclaimPropagatesEachEntryAndDropsDeletedOnes() throws {
        let h = try harness()
        deliver(h, StreamID(ms: 1, seq: 0), to: "alice", idle: 100, count: 4)
        deliver(h, StreamID(ms: 2, seq: 0), to: "alice", idle: 100)
        h.run("XDEL", "s", "2-0")
        _ = h.takePropagated()
        // Not idle enough: nothing claimed, and bob is not created.
        #expect(h.run("XCLAIM", "s", "g", "bob", "1000", "1-0") == "*0\r\n")
        #expect(group(h).consumers.count == 1)
        #expect(h.takePropagated() == [])

        #expect(h.run("XCLAIM", "s", "g", "bob", "0", "1", "2-0", "3-0", "RETRYCOUNT", "9", "TIME", "1000", "LASTID", "4-0") ==
            "*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$2\r\nv1\r\n")
        let g = group(h)
        #expect(g.pending.keys == [StreamID(ms: 1, seq: 0)])
        #expect(g.pending[StreamID(ms: 1, seq: 0)]!.consumer.name == Array("bob".utf8))
        #expect(g.lastID == StreamID(ms: 4, seq: 0))
        let now = String(h.server.now)
        #expect(h.takePropagated() == [
            resp("MULTI"),
            resp("XCLAIM", "s", "g", "bob", "0", "1", "TIME", "1000", "RETRYCOUNT", "9", "FORCE", "JUSTID", "LASTID", "4-0"),
            resp("XCLAIM", "s", "g", "alice", "0", "2-0", "TIME", String(h.server.now - 100), "RETRYCOUNT", "1", "FORCE",
                 "JUSTID", "LASTID", "4-0"),
            resp("EXEC"),
        ])
        // LASTID alone moves the group: XGROUP SETID carries it.
        #expect(h.run("XCLAIM", "s", "g", "bob", "0", "5-0", "LASTID", "5-0") == "*0\r\n")
        #expect(h.takePropagated() == [resp("XGROUP", "SETID", "s", "g", "5-0", "ENTRIESREAD", "-1")])
        // FORCE creates the entry; JUSTID leaves the count alone.
        #expect(h.run("XCLAIM", "s", "g", "carol", "0", "6-0", "FORCE", "JUSTID") == "*1\r\n$3\r\n6-0\r\n")
        #expect(h.takePropagated() == [
            resp("XCLAIM", "s", "g", "carol", "0", "6-0", "TIME", now, "RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", "5-0"),
        ])
        #expect(h.run("XCLAIM", "s", "g", "bob", "0", "1-0", "IDLE") == "-ERR Unrecognized XCLAIM option 'IDLE'\r\n")
        #expect(h.run("XCLAIM", "s", "nog", "bob", "0", "1-0") == "-NOGROUP No such key 's' or consumer group 'nog'\r\n")
    }

    @Test func xautoclaimCursorDeletedIDsAndCount() throws {
        let h = try harness()
        for index in 1...5 { deliver(h, StreamID(ms: UInt64(index), seq: 0), to: "alice", idle: 100) }
        h.run("XDEL", "s", "1-0", "2-0", "3-0")
        _ = h.takePropagated()
        // Dropped entries count against COUNT: two of them fill it.
        #expect(h.run("XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "2") == "*3\r\n$3\r\n3-0\r\n*0\r\n*2\r\n$3\r\n1-0\r\n$3\r\n2-0\r\n")
        #expect(group(h).consumers.count == 1)
        #expect(h.run("XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "2", "JUSTID") ==
            "*3\r\n$3\r\n5-0\r\n*1\r\n$3\r\n4-0\r\n*1\r\n$3\r\n3-0\r\n")
        #expect(h.run("XAUTOCLAIM", "s", "g", "bob", "0", "0") ==
            "*3\r\n$3\r\n0-0\r\n*2\r\n*2\r\n$3\r\n4-0\r\n*2\r\n$1\r\nf\r\n$2\r\nv4\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\nf\r\n$2\r\nv5\r\n*0\r\n")
        #expect(group(h).pending[StreamID(ms: 4, seq: 0)]!.deliveryCount == 2)
        #expect(h.run("XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "0") == "-ERR COUNT must be > 0\r\n")
        #expect(h.run("XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "576460752303423488") == "-ERR COUNT must be > 0\r\n")
        let stream = h.takePropagated()
        // Three units of two XCLAIMs each, in MULTI/EXEC; the dropped entries as alice had them.
        #expect(stream.count == 12)
        let before = String(h.server.now - 100)
        #expect(Array(stream.prefix(4)) == [
            resp("MULTI"),
            resp("XCLAIM", "s", "g", "alice", "0", "1-0", "TIME", before, "RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", "0-0"),
            resp("XCLAIM", "s", "g", "alice", "0", "2-0", "TIME", before, "RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", "0-0"),
            resp("EXEC"),
        ])
    }

    @Test func xinfoGroupsConsumersAndLag() throws {
        let h = try harness()
        deliver(h, StreamID(ms: 1, seq: 0), to: "alice", idle: 40)
        #expect(h.run("XINFO", "GROUPS", "s") ==
            "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:1\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:6\r\n")
        h.run("XDEL", "s", "3-0")
        h.run("HELLO", "3")
        let groups = h.run("XINFO", "GROUPS", "s")
        #expect(groups.hasSuffix("$3\r\nlag\r\n_\r\n"))
        #expect(groups.hasPrefix("*1\r\n%6\r\n"))
        #expect(h.run("XINFO", "CONSUMERS", "s", "g") == "*1\r\n%3\r\n$4\r\nname\r\n$5\r\nalice\r\n$7\r\npending\r\n:1\r\n$4\r\nidle\r\n:0\r\n")
        #expect(h.run("XINFO", "CONSUMERS", "s", "nog") == "-NOGROUP No such consumer group 'nog' for key name 's'\r\n")
        #expect(h.run("XINFO", "STREAM", "nokey") == "-ERR no such key\r\n")
        #expect(h.run("XINFO", "STREAM", "s", "FULL", "COUNT") == "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n")
    }

    /// The rax node counts redis-server reports for these keys (one node per entry).
    @Test func radixTreeNodesAsRedisCountsThem() throws {
        let h = try ServerHarness(["--stream-node-max-entries", "1"])
        func nodes() -> Int {
            let object = Array("t".utf8).withUnsafeBytes { h.client.lookupNoTouch($0) }!
            return StreamType.stream(object).radixTreeNodeCount
        }
        h.run("XGROUP", "CREATE", "t", "g", "$", "MKSTREAM")
        #expect(nodes() == 1)
        h.run("XADD", "t", "1-0", "f", "v")
        #expect(nodes() == 2)
        h.run("XADD", "t", "2-0", "f", "v")
        #expect(nodes() == 6)
        h.run("XADD", "t", "2-1", "f", "v")
        #expect(nodes() == 8)
    }
}
