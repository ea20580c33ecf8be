import Testing
@testable import Server

// Keyspace events as a PSUBSCRIBEd client receives them, in Redis 7.0's order within a command
// (the Python differential tests compare every command with redis-server; these pin the orders
// that are easy to get wrong).

@Suite struct KeyspaceEventTests {
    /// Runs `body` with `flags` enabled and returns "channel message" per event received.
    private func events(_ flags: String, _ body: (ServerHarness) -> Void) throws -> [String] {
        let h = try ServerHarness()
        let subscriber = h.newClient()
        h.run("PSUBSCRIBE", "__key*__:*", as: subscriber)
        _ = h.reply(of: subscriber)
        h.run("CONFIG", "SET", "notify-keyspace-events", flags)
        body(h)
        // Each message is *4 pmessage pattern channel payload; keep channel and payload.
        let parts = h.reply(of: subscriber).split(separator: "\r\n").map(String.init)
        var received: [String] = []
        var index = 0
        while index + 8 < parts.count {
            if parts[index] == "*4" {
                received.append(parts[index + 6] + " " + parts[index + 8])
                index += 9
            } else {
                index += 1
            }
        }
        return received
    }

    private func events(_ flags: String, _ commands: [[String]]) throws -> [String] {
        try events(flags) { h in for command in commands { h.run(command) } }
    }

    @Test func lmovePushesBeforeItPops() throws {
        #expect(try events("Kl$gn", [["RPUSH", "src", "a"], ["LMOVE", "src", "dst", "LEFT", "RIGHT"]]) == [
            "__keyspace@0__:src new", "__keyspace@0__:src rpush",
            "__keyspace@0__:dst new", "__keyspace@0__:dst rpush", "__keyspace@0__:src lpop", "__keyspace@0__:src del",
        ])
    }

    @Test func renameAndSmoveOrders() throws {
        #expect(try events("Eg$s", [["SET", "a", "1"], ["RENAME", "a", "b"], ["SADD", "s", "m"], ["SMOVE", "s", "t", "m"]]) == [
            "__keyevent@0__:set a", "__keyevent@0__:rename_from a", "__keyevent@0__:rename_to b",
            "__keyevent@0__:sadd s", "__keyevent@0__:srem s", "__keyevent@0__:del s", "__keyevent@0__:sadd t",
        ])
    }

    @Test func setWithExpireThenLazyExpiryThenMiss() throws {
        let received = try events("KEAm") { h in
            h.run("SET", "k", "v", "PX", "10")
            h.server.now += 1000
            h.run("GET", "k")
        }
        #expect(received.filter { $0.hasPrefix("__keyspace") } == [
            "__keyspace@0__:k set", "__keyspace@0__:k expire", "__keyspace@0__:k expired", "__keyspace@0__:k keymiss",
        ])
    }

    @Test func disabledClassesPublishNothing() throws {
        #expect(try events("KEl", [["SET", "a", "1"], ["HSET", "h", "f", "v"], ["DEL", "a"], ["GET", "nope"]]) == [])
        #expect(try events("A", [["SET", "a", "1"], ["LPUSH", "l", "x"]]) == [])
    }
}
