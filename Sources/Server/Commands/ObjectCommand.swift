import RESP
import Store

// OBJECT: introspection of a value's encoding, refcount and access clocks. Lookups here must
// not touch the clock they report on.

enum ObjectCommand {
    static let handlers: [String: CommandHandler] = [
        "object|encoding": encoding, "object|refcount": refcount, "object|idletime": idletime,
        "object|freq": freq, "object|help": help,
    ]

    private static func lookup(_ c: Client) -> RedisObject? {
        guard let object = c.lookupNoTouch(c.arg(2)) else {
            c.reply.nullBulk()
            return nil
        }
        return object
    }

    static func encoding(_ c: Client) {
        guard let object = lookup(c) else { return }
        c.reply.bulk(object.encoding.name)
    }

    static func refcount(_ c: Client) {
        guard let object = lookup(c) else { return }
        c.reply.integer(Int64(object.refcount))
    }

    static func idletime(_ c: Client) {
        guard let object = lookup(c) else { return }
        if c.server.settings.usesLFU {
            c.error("ERR An LRU maxmemory policy is not selected, access time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
            return
        }
        c.reply.integer(LRUClock.idleMilliseconds(object.lru) / 1000)
    }

    static func freq(_ c: Client) {
        guard let object = lookup(c) else { return }
        if !c.server.settings.usesLFU {
            c.error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
            return
        }
        c.reply.integer(Int64(LFU.decayedCounter(object.lru, nowMilliseconds: c.server.now)))
    }

    static func help(_ c: Client) { replyHelp(c, HelpText.object) }

    /// addReplyHelp: each line as a simple string.
    static func replyHelp(_ c: Client, _ lines: [String]) {
        c.reply.arrayHeader(lines.count)
        for line in lines { c.reply.simple(line) }
    }
}
