import Config
import Persistence
import Store

// DUMP and RESTORE (cluster.c, Redis 7.0): a value as an RDB object payload with the RDB version
// and a CRC64 trailer, byte-compatible with Redis's, so payloads move between the two servers.

enum DumpRestoreCommands {
    static let handlers: [String: CommandHandler] = ["dump": dump, "restore": restore, "restore-asking": restore]

    static func dump(_ c: Client) {
        guard let object = c.lookupRead(c.arg(1)) else {
            c.reply.nullBulk()
            return
        }
        let payload = RDBEncoder.dumpPayload(object, compression: c.server.config.bool("rdbcompression"))
        payload.withUnsafeBytes { c.reply.bulk($0) }
    }

    static func restore(_ c: Client) {
        var replace = false
        var absoluteTTL = false
        var idle: Int64 = -1
        var frequency: Int64 = -1
        var index = 4
        while index < c.argumentCount {
            let additional = c.argumentCount - index - 1
            if c.argIs(index, "replace") {
                replace = true
            } else if c.argIs(index, "absttl") {
                absoluteTTL = true
            } else if c.argIs(index, "idletime") && additional >= 1 && frequency == -1 {
                guard let value = c.integerArgument(index + 1) else { return }
                if value < 0 {
                    c.error(ErrorText.invalidIdleTime)
                    return
                }
                idle = value
                index += 1
            } else if c.argIs(index, "freq") && additional >= 1 && idle == -1 {
                guard let value = c.integerArgument(index + 1) else { return }
                if value < 0 || value > 255 {
                    c.error(ErrorText.invalidFreq)
                    return
                }
                frequency = value
                index += 1
            } else {
                c.error(ErrorText.syntax)
                return
            }
            index += 1
        }
        let key = c.arg(1)
        if !replace && c.lookupWrite(key) != nil {
            c.error(ErrorText.busyKey)
            return
        }
        guard var ttl = c.integerArgument(2) else { return }
        if ttl < 0 {
            c.error(ErrorText.invalidTTL)
            return
        }
        let object: RedisObject
        do {
            object = try DumpPayload.decode(c.arg(3), skipChecksum: c.server.debug.skipChecksumValidation,
                                            limits: c.server.rdbLoadLimits)
        } catch .footer {
            c.error(ErrorText.dumpPayloadInvalid)
            return
        } catch {
            c.error(ErrorText.badDataFormat)
            return
        }
        var deleted = false
        if replace { deleted = c.db.delete(key) }
        if ttl > 0 && !absoluteTTL { ttl += c.server.now }
        if ttl > 0 && c.server.expiresAtOnce(ttl) {
            object.release()
            if deleted {
                ExpireCommands.propagateDeletion(c, key)
                c.notify(KeyspaceEventFlags.generic, "del", key)
                c.markDirty()
            }
            c.reply.ok()
            return
        }
        let stored = c.db.add(key, object)
        if ttl > 0 {
            c.db.setExpire(stored, at: ttl)
            if !absoluteTTL {
                let when = ttl
                c.propagateAs(count: c.argumentCount + 1) { arguments in
                    for i in 0..<c.argumentCount {
                        if i == 2 { arguments.append(when) } else { arguments.append(c.arg(i)) }
                    }
                    arguments.append("ABSTTL")
                }
            }
        }
        if let stored = c.db.find(key) {
            if c.server.settings.usesLFU {
                if frequency >= 0 { stored.lru = LFU.minutes(nowMilliseconds: c.server.now) << 8 | UInt32(frequency) }
            } else if idle >= 0 {
                let clock = Int64(LRUClock.current)
                var absolute = clock - idle
                if absolute < 0 { absolute = (clock + Int64(LRUClock.maxValue / 2)) % Int64(LRUClock.maxValue) }
                stored.lru = UInt32(truncatingIfNeeded: absolute)
            }
        }
        c.notify(KeyspaceEventFlags.generic, "restore", key)
        c.reply.ok()
        c.markDirty()
    }
}
