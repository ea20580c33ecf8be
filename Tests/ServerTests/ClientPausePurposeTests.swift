import Testing
@testable import Server

/// Pauses are kept per purpose (Redis 7.0's client_pause_per_purpose): CLIENT UNPAUSE ends only
/// CLIENT PAUSE's, a FAILOVER's write pause stays; the strictest pause in force decides, and
/// when it weakens the postponed clients try again (writes are held anew).
@Suite struct ClientPausePurposeTests {
    @Test func clientUnpauseLeavesTheFailoverPause() throws {
        let h = try ServerHarness()
        h.server.pauseClients(.write, until: Int64.max, purpose: .failover)
        let writer = h.newClient()
        writer.flags.remove(.fake)  // fake clients are never paused
        #expect(h.run("SET", "k", "v", as: writer) == "")
        #expect(writer.controls.postponed)
        #expect(h.run("CLIENT", "UNPAUSE") == "+OK\r\n")
        #expect(h.server.pause.kind == .write)
        #expect(writer.controls.postponed)
        #expect(h.run("GET", "k") == "$-1\r\n")
        h.server.unpauseClients(purpose: .failover)
        #expect(!h.server.pause.isActive)
        #expect(!writer.controls.postponed)
        #expect(h.server.blocking.unblocked.contains { $0 === writer })
    }

    @Test func theStrictestPauseRulesAndItsEndReleasesReads() throws {
        let h = try ServerHarness()
        h.server.pauseClients(.write, until: Int64.max, purpose: .failover)
        #expect(h.run("CLIENT", "PAUSE", "100000", "ALL") == "+OK\r\n")
        #expect(h.server.pause.kind == .all)
        let reader = h.newClient()
        reader.flags.remove(.fake)
        #expect(h.run("GET", "k", as: reader) == "")
        #expect(reader.controls.postponed)
        #expect(h.run("CLIENT", "UNPAUSE") == "+OK\r\n")
        // Weaker now: the reader goes back to run its GET, which a write pause lets through.
        #expect(h.server.pause.kind == .write)
        #expect(!reader.controls.postponed)
        #expect(h.run("GET", "k", as: reader) == "$-1\r\n")
        #expect(h.run("SET", "k", "v", as: reader) == "")
        h.server.unpauseClients(purpose: .failover)
    }

    @Test func failoverStateInInfo() throws {
        let h = try ServerHarness()
        #expect(h.run("INFO", "replication").contains("master_failover_state:no-failover\r\n"))
        #expect(h.run("FAILOVER") == "-ERR FAILOVER requires connected replicas.\r\n")
        #expect(h.run("FAILOVER", "ABORT") == "-ERR No failover in progress.\r\n")
        h.server.replication.failover.phase = .waitingForSync
        #expect(h.run("INFO", "replication").contains("master_failover_state:waiting-for-sync\r\n"))
        #expect(h.run("REPLICAOF", "127.0.0.1", "1") == "-ERR REPLICAOF not allowed while failing over.\r\n")
        #expect(h.run("FAILOVER", "ABORT") == "+OK\r\n")
        #expect(h.server.replication.failover.phase == .none)
    }
}
