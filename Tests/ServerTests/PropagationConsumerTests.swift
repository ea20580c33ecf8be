import Testing
@testable import Server

// The propagation stream's consumers: a paused one is told nothing (a replica's own backlog
// consumer, since a replica relays its master's bytes instead), and the encoding buffer grows
// for commands and units larger than its first allocation without changing a byte.

@Suite struct PropagationConsumerTests {
    @Test func pausedConsumerIsToldNothingAndNothingIsEncoded() throws {
        let h = try ServerHarness()
        h.server.propagation.removeAllConsumers()
        var seen: [String] = []
        let token = h.server.propagation.addConsumer(kind: 2) { _, command in seen.append(String(decoding: command, as: UTF8.self)) }
        h.server.propagation.setPaused(token, true)
        #expect(!h.server.propagation.isConsumed)
        h.run("SET", "k", "v")
        h.run("MULTI")
        h.run("SET", "a", "1")
        h.run("SET", "b", "2")
        h.run("EXEC")
        #expect(seen.isEmpty)
        h.server.propagation.setPaused(token, false)
        #expect(h.server.propagation.isConsumed)
        h.run("SET", "k", "w")
        #expect(seen == [resp("SET", "k", "w")])
    }

    @Test func pausingOneConsumerLeavesTheOthers() throws {
        let h = try ServerHarness()
        var replicated = 0
        let token = h.server.propagation.addConsumer(kind: 2) { _, _ in replicated += 1 }
        h.server.propagation.setPaused(token, true)
        h.run("SET", "k", "v")
        #expect(h.takePropagated() == [resp("SET", "k", "v")])
        #expect(replicated == 0)
    }

    @Test func replicaPausesItsBacklogConsumer() throws {
        let h = try ServerHarness()
        h.server.propagation.removeAllConsumers()
        h.server.createReplicationBacklog()
        #expect(h.server.propagation.isConsumed)
        h.server.replication.masterHost = "127.0.0.1"
        h.server.updateExpiryMode()
        #expect(!h.server.propagation.isConsumed)
        h.server.replication.masterHost = nil
        h.server.updateExpiryMode()
        #expect(h.server.propagation.isConsumed)
    }

    @Test func largeArgumentsAndUnitsKeepTheirBytes() throws {
        let h = try ServerHarness()
        let big = String(repeating: "x", count: 100_000)
        h.run("SET", "k", big)
        #expect(h.takePropagated() == [resp("SET", "k", big)])
        h.run("MULTI")
        for index in 0..<200 { h.run("SET", "key:\(index)", "value:\(index)") }
        h.run("EXEC")
        let expected = [resp("MULTI")] + (0..<200).map { resp("SET", "key:\($0)", "value:\($0)") } + [resp("EXEC")]
        #expect(h.takePropagated() == expected)
    }
}
