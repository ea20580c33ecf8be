import CEpoll
import RESP
import Store
import Util

// Server-wide and database-selection commands: PING, ECHO, SELECT, SWAPDB, DBSIZE, FLUSHDB,
// FLUSHALL, TIME, QUIT, SHUTDOWN.

enum ServerCommands {
    static let handlers: [String: CommandHandler] = [
        "ping": ping, "echo": echo, "select": select, "swapdb": swapdb, "dbsize": dbsize,
        "flushdb": flushdb, "flushall": flushall, "time": time, "quit": quit, "shutdown": shutdown,
    ]

    static func ping(_ c: Client) {
        if c.argumentCount > 2 {
            c.error(ErrorText.wrongArity("ping"))
            return
        }
        if c.isInRESP2SubscribedMode { return c.replySubscribedPong() }
        if c.argumentCount == 1 { c.reply.simple("PONG" as StaticString) } else { c.reply.bulk(c.arg(1)) }
    }

    static func echo(_ c: Client) { c.reply.bulk(c.arg(1)) }

    static func select(_ c: Client) {
        guard let id = KeyCommands.databaseIndex(c, 1) else { return }
        c.select(id)
        c.reply.ok()
    }

    static func swapdb(_ c: Client) {
        guard let first = parseInt64(c.arg(1)), first >= Int64(Int32.min), first <= Int64(Int32.max) else {
            c.error("ERR invalid first DB index")
            return
        }
        guard let second = parseInt64(c.arg(2)), second >= Int64(Int32.min), second <= Int64(Int32.max) else {
            c.error("ERR invalid second DB index")
            return
        }
        let count = Int64(c.server.databases.count)
        guard first >= 0, first < count, second >= 0, second < count else {
            c.error(ErrorText.dbIndexOutOfRange)
            return
        }
        if first != second {
            c.server.databasesWillSwap(c.server.databases[Int(first)], c.server.databases[Int(second)])
            c.server.databases[Int(first)].swapContents(with: c.server.databases[Int(second)])
            c.markDirty()
        }
        c.reply.ok()
    }

    static func dbsize(_ c: Client) { c.reply.integer(c.db.count) }

    /// FLUSHDB/FLUSHALL accept one optional ASYNC or SYNC; the work is done synchronously either way.
    private static func flushModeIsValid(_ c: Client) -> Bool {
        if c.argumentCount == 1 { return true }
        if c.argumentCount == 2 && (c.argIs(1, "async") || c.argIs(1, "sync")) { return true }
        c.error(ErrorText.syntax)
        return false
    }

    static func flushdb(_ c: Client) {
        guard flushModeIsValid(c) else { return }
        c.server.databaseWillFlush(c.db)
        c.markDirty(Int64(c.db.removeAll()))
        c.reply.ok()
    }

    static func flushall(_ c: Client) {
        guard flushModeIsValid(c) else { return }
        c.server.databaseWillFlush(nil)
        for db in c.server.databases { c.markDirty(Int64(db.removeAll())) }
        c.server.resetSnapshotAfterFlushAll(c)
        c.reply.ok()
    }

    static func time(_ c: Client) {
        let micros = apus_wall_us()
        c.reply.arrayHeader(2)
        c.reply.bulk(String(micros / 1_000_000))
        c.reply.bulk(String(micros % 1_000_000))
    }

    static func quit(_ c: Client) {
        c.reply.ok()
        c.flags.insert(.closeAfterReply)
    }

    static func shutdown(_ c: Client) {
        var noSave = false, save = false, now = false, force = false, abort = false
        for index in stride(from: 1, to: c.argumentCount, by: 1) {
            if c.argIs(index, "nosave") { noSave = true }
            else if c.argIs(index, "save") { save = true }
            else if c.argIs(index, "now") { now = true }
            else if c.argIs(index, "force") { force = true }
            else if c.argIs(index, "abort") { abort = true }
            else {
                c.error(ErrorText.syntax)
                return
            }
        }
        if (abort && (noSave || save || now || force)) || (noSave && save) {
            c.error(ErrorText.syntax)
            return
        }
        if abort {
            if c.server.abortShutdown() { c.reply.ok() } else { c.error("ERR No shutdown in progress.") }
            return
        }
        // During a busy script only SHUTDOWN NOSAVE goes, and at once: the script never returns.
        if let busy = c.server.busyScript {
            if !noSave {
                c.error(busy.isEval ? ErrorText.busyEval : ErrorText.busyFunction)
                return
            }
        }
        let choice: Bool? = noSave ? false : (save ? true : nil)
        // nil: waiting for the replicas, this client blocked until the shutdown happens or fails.
        guard let done = c.server.prepareForShutdown(save: choice, force: force, now: now || c.server.busyScript != nil,
                                                     waiter: c) else { return }
        if !done {
            c.error("ERR Errors trying to SHUTDOWN. Check logs.")
        } else if c.server.busyScript != nil {
            exit(c.server.shutdownExitCode)
        }
    }
}
