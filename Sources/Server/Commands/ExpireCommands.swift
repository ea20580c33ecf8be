import Config
import RESP
import Store
import Util

// TTL commands (expire.c): setting deadlines with NX/XX/GT/LT, reading them back relative or
// absolute, and PERSIST.

enum ExpireCommands {
    static let handlers: [String: CommandHandler] = [
        "expire": { expireGeneric($0, seconds: true, absolute: false) },
        "pexpire": { expireGeneric($0, seconds: false, absolute: false) },
        "expireat": { expireGeneric($0, seconds: true, absolute: true) },
        "pexpireat": { expireGeneric($0, seconds: false, absolute: true) },
        "ttl": { ttlGeneric($0, milliseconds: false, absolute: false) },
        "pttl": { ttlGeneric($0, milliseconds: true, absolute: false) },
        "expiretime": { ttlGeneric($0, milliseconds: false, absolute: true) },
        "pexpiretime": { ttlGeneric($0, milliseconds: true, absolute: true) },
        "persist": persist,
    ]

    struct Conditions {
        var nx = false, xx = false, gt = false, lt = false
    }

    static func parseConditions(_ c: Client) -> Conditions? {
        var conditions = Conditions()
        for index in stride(from: 3, to: c.argumentCount, by: 1) {
            if c.argIs(index, "nx") { conditions.nx = true }
            else if c.argIs(index, "xx") { conditions.xx = true }
            else if c.argIs(index, "gt") { conditions.gt = true }
            else if c.argIs(index, "lt") { conditions.lt = true }
            else {
                c.error("ERR Unsupported option \(c.argString(index))")
                return nil
            }
        }
        if conditions.nx && (conditions.xx || conditions.gt || conditions.lt) {
            c.error("ERR NX and XX, GT or LT options at the same time are not compatible")
            return nil
        }
        if conditions.gt && conditions.lt {
            c.error("ERR GT and LT options at the same time are not compatible")
            return nil
        }
        return conditions
    }

    static func expireGeneric(_ c: Client, seconds: Bool, absolute: Bool) {
        guard let conditions = parseConditions(c) else { return }
        guard var when = c.integerArgument(2) else { return }
        let name = c.lastCommand?.fullName ?? "expire"
        if seconds {
            if when > Int64.max / 1000 || when < Int64.min / 1000 {
                c.error(ErrorText.invalidExpireTime(name))
                return
            }
            when *= 1000
        }
        let base: Int64 = absolute ? 0 : c.server.now
        if when > Int64.max - base {
            c.error(ErrorText.invalidExpireTime(name))
            return
        }
        when += base
        let key = c.arg(1)
        guard let object = c.lookupEntry(key) else {
            c.reply.integer(0)
            return
        }
        let current = object.expireTime
        if conditions.nx && current != nil { c.reply.integer(0); return }
        if conditions.xx && current == nil { c.reply.integer(0); return }
        if conditions.gt && (current == nil || when <= current!) { c.reply.integer(0); return }
        if conditions.lt, let current, when >= current { c.reply.integer(0); return }
        c.markDirty()
        if c.server.expiresAtOnce(when) {
            c.db.delete(key)
            propagateDeletion(c, key)
            c.notify(KeyspaceEventFlags.generic, "del", key)
            c.reply.integer(1)
            return
        }
        c.db.setExpire(key, at: when)
        c.reply.integer(1)
        // As PEXPIREAT with the absolute time; the NX/XX/GT/LT options stay.
        let asGiven = absolute && !seconds
        c.propagateAs(count: c.argumentCount) { arguments in
            if asGiven { arguments.append(c.arg(0)) } else { arguments.append("PEXPIREAT") }
            arguments.append(key)
            if asGiven { arguments.append(c.arg(2)) } else { arguments.append(when) }
            for index in 3..<c.argumentCount { arguments.append(c.arg(index)) }
        }
        c.notify(KeyspaceEventFlags.generic, "expire", key)
    }

    /// A key deleted because the TTL it was given has already passed propagates as its
    /// deletion: UNLINK with lazyfree-lazy-expire, else DEL.
    static func propagateDeletion(_ c: Client, _ key: UnsafeRawBufferPointer) {
        let lazy = c.server.config.bool("lazyfree-lazy-expire")
        c.propagateAs(count: 2) { arguments in
            arguments.append(lazy ? "UNLINK" : "DEL")
            arguments.append(key)
        }
    }

    static func ttlGeneric(_ c: Client, milliseconds: Bool, absolute: Bool) {
        let key = c.arg(1)
        guard c.lookupCounted(key) != nil else {
            c.reply.integer(-2)
            return
        }
        guard let expire = c.db.expireTime(key) else {
            c.reply.integer(-1)
            return
        }
        var ttl = absolute ? expire : expire - c.server.now
        if ttl < 0 { ttl = 0 }
        // Rounded in unsigned arithmetic: Redis's compiled (ttl+500)/1000 behaves so for TTLs near
        // Int64.max, where the signed sum would overflow.
        c.reply.integer(milliseconds ? ttl : Int64((UInt64(ttl) + 500) / 1000))
    }

    static func persist(_ c: Client) {
        let key = c.arg(1)
        guard c.lookupWrite(key) != nil else {
            c.reply.integer(0)
            return
        }
        if c.db.removeExpire(key) {
            c.notify(KeyspaceEventFlags.generic, "persist", key)
            c.markDirty()
            c.reply.integer(1)
        } else {
            c.reply.integer(0)
        }
    }
}
