import Testing
@testable import Server

// The `new` event's hook costs nothing while the class is off: it exists only while
// notify-keyspace-events has `n`, from the configuration or CONFIG SET.

@Suite struct NotificationHookTests {
    @Test func newKeyHookFollowsTheConfiguration() throws {
        let h = try ServerHarness()
        #expect(h.server.databases.allSatisfy { $0.keyAdded == nil })
        h.run("CONFIG", "SET", "notify-keyspace-events", "KEA")
        #expect(h.server.databases.allSatisfy { $0.keyAdded == nil })
        h.run("CONFIG", "SET", "notify-keyspace-events", "En")
        #expect(h.server.databases.allSatisfy { $0.keyAdded != nil })
        h.run("CONFIG", "SET", "notify-keyspace-events", "")
        #expect(h.server.databases.allSatisfy { $0.keyAdded == nil })
    }

    @Test func newKeyHookFromTheCommandLine() throws {
        let h = try ServerHarness(["--notify-keyspace-events", "Kn"])
        #expect(h.server.databases.allSatisfy { $0.keyAdded != nil })
    }
}
