import Glibc
import Persistence
import RESP
import Store
import Util

// DEBUG: the subcommands tests and tools rely on — SLEEP, SET-ACTIVE-EXPIRE, OBJECT, PROTOCOL
// (one sample of every RESP3 type), DIGEST, DIGEST-VALUE, RELOAD and HELP. Gated by enable-debug-command, as in Redis.

enum DebugCommand {
    static let handlers: [String: CommandHandler] = ["debug": debug]

    static func debug(_ c: Client) {
        if c.argIs(1, "help") {
            ObjectCommand.replyHelp(c, HelpText.debug)
        } else if c.argIs(1, "sleep") && c.argumentCount == 3 {
            let seconds = strtod(c.argString(2), nil)
            let micros = Int64(seconds * 1_000_000)
            if micros > 0 { usleep(useconds_t(clamping: micros)) }
            c.reply.ok()
        } else if c.argIs(1, "set-active-expire") && c.argumentCount == 3 {
            c.server.activeExpireEnabled = atoi(c.argString(2)) != 0
            c.reply.ok()
        } else if c.argIs(1, "object") && c.argumentCount == 3 {
            object(c)
        } else if c.argIs(1, "protocol") && c.argumentCount == 3 {
            protocolSample(c)
        } else if c.argIs(1, "loadaof") {
            if c.server.debugLoadAOF() { c.reply.ok() }
        } else if c.argIs(1, "reload") {
            reload(c)
        } else if c.argIs(1, "digest") && c.argumentCount == 2 {
            c.reply.simple(DatasetDigest.hex(DatasetDigest.dataset(c.server.databases)))
        } else if c.argIs(1, "digest-value") && c.argumentCount >= 2 {
            c.reply.arrayHeader(c.argumentCount - 2)
            for index in 2..<c.argumentCount {
                var digest = [UInt8](repeating: 0, count: 20)
                if let object = c.db.find(c.arg(index)) { DatasetDigest.value(object, into: &digest) }
                c.reply.simple(DatasetDigest.hex(digest))
            }
        } else {
            c.error("ERR unknown subcommand or wrong number of arguments for '\(ErrorText.truncated(c.argString(1)))'. Try DEBUG HELP.")
        }
    }

    /// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the dataset, load the file again.
    /// MERGE lets the file's keys replace existing ones; NOFLUSH keeps the dataset first (a key
    /// in both is then an error; Redis panics there).
    static func reload(_ c: Client) {
        var flush = true
        var save = true
        var merge = false
        for index in 2..<max(2, c.argumentCount) {
            if c.argIs(index, "merge") {
                merge = true
            } else if c.argIs(index, "noflush") {
                flush = false
            } else if c.argIs(index, "nosave") {
                save = false
            } else {
                c.error(ErrorText.debugReloadOptions)
                return
            }
        }
        let path = c.server.config.string("dbfilename")
        // rdbSave's bookkeeping too: the dataset counts as saved (dirty 0, LASTSAVE now).
        if save && !c.server.saveInForeground() {
            c.error(ErrorText.genericError)
            return
        }
        do {
            try c.server.loadRDB(from: path, flush: flush, replaceExisting: merge)
        } catch {
            c.error(ErrorText.rdbLoadFailed)
            c.server.logger.warning("\(error)")
            return
        }
        c.server.logger.warning("DB reloaded by DEBUG RELOAD")
        c.reply.ok()
    }

    static func object(_ c: Client) {
        guard let object = c.lookupNoTouch(c.arg(2)) else {
            c.error(ErrorText.noSuchKey)
            return
        }
        let address = String(UInt(bitPattern: object.record), radix: 16)
        let idle = LRUClock.idleMilliseconds(object.lru) / 1000
        c.reply.simple("Value at:0x\(address) refcount:\(object.refcount) encoding:\(object.encoding.name) serializedlength:\(RDBEncoder.serializedLength(object, compression: c.server.config.bool("rdbcompression"))) lru:\(object.lru) lru_seconds_idle:\(idle)")
    }

    static func protocolSample(_ c: Client) {
        let reply = c.reply
        if c.argIs(2, "string") {
            reply.bulk("Hello World" as StaticString)
        } else if c.argIs(2, "integer") {
            reply.integer(12345)
        } else if c.argIs(2, "double") {
            reply.double(3.141)
        } else if c.argIs(2, "bignum") {
            reply.bigNumber("1234567999999999999999999999999999999")
        } else if c.argIs(2, "null") {
            reply.nullBulk()
        } else if c.argIs(2, "array") {
            reply.arrayHeader(3)
            for value in 0..<3 { reply.integer(value) }
        } else if c.argIs(2, "set") {
            reply.setHeader(3)
            for value in 0..<3 { reply.integer(value) }
        } else if c.argIs(2, "map") {
            reply.mapHeader(3)
            for value in 0..<3 {
                reply.integer(value)
                reply.boolean(value == 1)
            }
        } else if c.argIs(2, "attrib") {
            if reply.resp3 {
                reply.attributeHeader(1)
                reply.bulk("key-popularity" as StaticString)
                reply.arrayHeader(2)
                reply.bulk("key:123" as StaticString)
                reply.integer(90)
            }
            reply.bulk("Some real reply following the attribute" as StaticString)
        } else if c.argIs(2, "push") {
            if !reply.resp3 {
                c.error("ERR RESP2 is not supported by this command")
                return
            }
            reply.pushHeader(2)
            reply.bulk("server-cpu-usage" as StaticString)
            reply.integer(42)
            reply.bulk("Some real reply following the push reply" as StaticString)
        } else if c.argIs(2, "true") {
            reply.boolean(true)
        } else if c.argIs(2, "false") {
            reply.boolean(false)
        } else if c.argIs(2, "verbatim") {
            reply.verbatim("This is a verbatim\nstring")
        } else {
            c.error("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
        }
    }
}
