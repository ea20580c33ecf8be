import Glibc
import Store
import Testing
@testable import Server

// The save points' decision, and a BGSAVE through a forked child with an injected snapshot
// writer: the parent's bookkeeping (dirty_before_bgsave, lastsave, status, resize policy) as
// the cron reaps the child.

@Suite struct BackgroundSaveTests {
    let points = [SavePoint(seconds: 3600, changes: 1), SavePoint(seconds: 300, changes: 100)]

    @Test func aPointIsDueWithEnoughChangesAndTime() {
        #expect(SavePoint.due(points, dirty: 0, now: 10_000, lastSave: 0, lastTry: 0, lastOK: true) == nil)
        #expect(SavePoint.due(points, dirty: 1, now: 3600, lastSave: 0, lastTry: 0, lastOK: true) == nil)
        #expect(SavePoint.due(points, dirty: 1, now: 3601, lastSave: 0, lastTry: 0, lastOK: true) == points[0])
        #expect(SavePoint.due(points, dirty: 100, now: 301, lastSave: 0, lastTry: 0, lastOK: true) == points[1])
        #expect(SavePoint.due(points, dirty: 99, now: 301, lastSave: 0, lastTry: 0, lastOK: true) == nil)
    }

    @Test func afterAFailureAPointWaitsForTheRetryDelay() {
        #expect(SavePoint.due(points, dirty: 100, now: 1005, lastSave: 0, lastTry: 1000, lastOK: false) == nil)
        #expect(SavePoint.due(points, dirty: 100, now: 1006, lastSave: 0, lastTry: 1000, lastOK: false) == points[1])
    }

    @Test func bgsaveForksAndTheCronReapsTheChild() throws {
        let directory = "/tmp/apus-bgsave-test-\(getpid())"
        mkdir(directory, 0o755)
        let path = directory + "/dump.rdb"
        defer { unlink(path); rmdir(directory) }
        let h = try ServerHarness(["--dbfilename", "dump.rdb"])
        h.server.persistence.snapshotWriter = { _ in
            guard let file = fopen(path, "w") else { throw TestWriterError() }
            fputs("snapshot", file)
            fclose(file)
        }
        h.run("SET", "a", "1")
        h.run("SET", "b", "2")
        #expect(h.run("BGSAVE") == "+Background saving started\r\n")
        #expect(h.server.persistence.hasActiveChild)
        #expect(!DictResizePolicy.allowed)
        #expect(h.run("BGSAVE") == "-ERR Background save already in progress\r\n")
        #expect(h.server.refuseSaveDuringBackgroundSave(h.client))
        #expect(h.reply(of: h.client) == "-ERR Background save already in progress\r\n")
        h.run("SET", "c", "3")
        for _ in 0..<500 where h.server.persistence.hasActiveChild {
            usleep(10_000)
            h.server.persistenceCron()
        }
        #expect(!h.server.persistence.hasActiveChild)
        #expect(DictResizePolicy.allowed)
        #expect(h.server.persistence.lastBackgroundSaveOK)
        #expect(h.server.dirty == 1)
        #expect(h.server.persistence.lastRDBCOWBytes > 0)
        #expect(access(path, F_OK) == 0)
        #expect(!h.server.refuseSaveDuringBackgroundSave(h.client))
    }

    @Test func aFailedChildStopsWritesWithSavePoints() throws {
        let h = try ServerHarness(["--save", "3600 1"])
        h.server.persistence.snapshotWriter = { _ in throw TestWriterError() }
        h.run("SET", "a", "1")
        #expect(h.run("BGSAVE") == "+Background saving started\r\n")
        for _ in 0..<500 where h.server.persistence.hasActiveChild {
            usleep(10_000)
            h.server.persistenceCron()
        }
        #expect(!h.server.persistence.lastBackgroundSaveOK)
        #expect(h.server.dirty == 1)
        // The harness's clients are fake (obeyed, like the AOF's); a connection's would be refused.
        let command = try #require(h.server.commandTable.lookup(fullName: "set"))
        let normal = h.newClient()
        normal.flags.remove(.fake)
        #expect(h.server.diskErrorDenial(command, normal) == ErrorText.bgsaveError)
        #expect(h.server.diskErrorDenial(command, h.client) == nil)
    }
}

private struct TestWriterError: Error, CustomStringConvertible {
    var description: String { "the test's writer failed" }
}
