import Glibc
import RESP
import Store
import Util

// DEBUG: the subcommands tests and tools rely on — SLEEP, SET-ACTIVE-EXPIRE, OBJECT, PROTOCOL
// (one sample of every RESP3 type) and HELP. Gated by enable-debug-command, as in Redis.

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
            c.error("ERR DEBUG RELOAD needs RDB persistence, which this Apus build does not have yet")
        } else {
            c.error("ERR unknown subcommand or wrong number of arguments for '\(ErrorText.truncated(c.argString(1)))'. Try DEBUG HELP.")
        }
    }

    static func object(_ c: Client) {
        guard let object = c.lookupNoTouch(c.arg(2)) else {
            c.error(ErrorText.noSuchKey)
            return
        }
        let address = String(UInt(bitPattern: object.record), radix: 16)
        let idle = LRUClock.idleMilliseconds(object.lru) / 1000
        c.reply.simple("Value at:0x\(address) refcount:\(object.refcount) encoding:\(object.encoding.name) serializedlength:\(serializedLength(object)) lru:\(object.lru) lru_seconds_idle:\(idle)")
    }

    /// The length an RDB dump of a string would take (length prefix plus payload, or the
    /// integer encodings), without LZF compression.
    static func serializedLength(_ object: RedisObject) -> Int {
        guard object.type == .string else { return 0 }
        var value: Int64? = object.encoding == .int ? object.integer : nil
        if value == nil && object.stringLength <= 11 { value = object.withStringBytes { parseInt64($0) } }
        if let value {
            if value >= -(1 << 7) && value < (1 << 7) { return 2 }
            if value >= -(1 << 15) && value < (1 << 15) { return 3 }
            if value >= -(1 << 31) && value < (1 << 31) { return 5 }
        }
        let length = object.stringLength
        let prefix = length < 64 ? 1 : (length < 16384 ? 2 : (length <= Int(UInt32.max) ? 5 : 9))
        return prefix + length
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
