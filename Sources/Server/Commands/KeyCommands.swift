import Config
import RESP
import Store
import Util

// The generic key commands (db.c): existence, type, deletion, renaming, copying between
// databases, and the keyspace walks KEYS, SCAN and RANDOMKEY.

enum KeyCommands {
    static let handlers: [String: CommandHandler] = [
        "del": del, "unlink": del, "exists": exists, "type": type, "keys": keys, "scan": scan,
        "randomkey": randomkey, "rename": rename, "renamenx": renamenx, "copy": copy, "move": move,
        "touch": touch,
    ]

    static func del(_ c: Client) {
        var deleted = 0
        for index in 1..<c.argumentCount {
            let key = c.arg(index)
            if c.lookupEntry(key) != nil && c.db.delete(key) {
                deleted += 1
                c.notify(KeyspaceEventFlags.generic, "del", key)
                c.markDirty()
            }
        }
        c.reply.integer(deleted)
    }

    static func exists(_ c: Client) {
        var count = 0
        for index in 1..<c.argumentCount where c.lookupCounted(c.arg(index)) != nil { count += 1 }
        c.reply.integer(count)
    }

    static func type(_ c: Client) {
        guard let object = c.lookupCounted(c.arg(1)) else {
            c.reply.simple("none" as StaticString)
            return
        }
        c.reply.simple(object.type.name)
    }

    static func touch(_ c: Client) {
        var count = 0
        for index in 1..<c.argumentCount where c.lookupRead(c.arg(index)) != nil { count += 1 }
        c.reply.integer(count)
    }

    static func keys(_ c: Client) {
        let pattern = c.argBytes(1)
        let matchAll = pattern == [UInt8(ascii: "*")]
        let now = c.server.now
        let db = c.db
        var matches: [[UInt8]] = []
        pattern.withUnsafeBytes { pattern in
            db.forEach { object in
                let key = object.key
                if !matchAll && !globMatch(pattern: pattern, string: key, noCase: false) { return }
                if let when = object.expireTime, when < now { return }
                matches.append([UInt8](key))
            }
        }
        c.reply.arrayHeader(matches.count)
        for key in matches { c.reply.bulk(key) }
    }

    static func scan(_ c: Client) {
        guard let cursor = ScanCursor.parse(c, 1) else { return }
        ScanCursor.scanKeys(c, cursor: cursor, optionsFrom: 2)
    }

    static func randomkey(_ c: Client) {
        var generator = SystemRandomNumberGenerator()
        let db = c.db
        // Expired keys found on the way are deleted; give up on retrying after many tries in a
        // database where every key has a TTL, as Redis's dbRandomKey does.
        var tries = 0
        while let object = db.randomKey(using: &generator) {
            let key = object.keyBytes
            if let when = object.expireTime, when < c.server.now {
                tries += 1
                // A replica (or a paused server) keeps expired keys: give up after many tries.
                if db.expiryMode != .delete {
                    if db.expiresCount == db.count && tries >= 100 { c.reply.bulk(key); return }
                    continue
                }
                // expireIfNeeded: the `expired` event and the propagated DEL.
                key.withUnsafeBytes { db.expire($0) }
                c.server.stats.expiredKeys += 1
                continue
            }
            c.reply.bulk(key)
            return
        }
        c.reply.nullBulk()
    }

    static func rename(_ c: Client) { renameGeneric(c, nx: false) }
    static func renamenx(_ c: Client) { renameGeneric(c, nx: true) }

    private static func renameGeneric(_ c: Client, nx: Bool) {
        let source = c.arg(1)
        let destination = c.arg(2)
        let sameKey = source.elementsEqual(destination)
        guard c.lookupWrite(source) != nil else {
            c.error(ErrorText.noSuchKey)
            return
        }
        if sameKey {
            if nx { c.reply.integer(0) } else { c.reply.ok() }
            return
        }
        if c.lookupWrite(destination) != nil {
            if nx {
                c.reply.integer(0)
                return
            }
            c.db.delete(destination)
        }
        c.db.rename(source, to: destination, in: c.db)
        c.notify(KeyspaceEventFlags.generic, "rename_from", source)
        c.notify(KeyspaceEventFlags.generic, "rename_to", destination)
        c.markDirty()
        if nx { c.reply.integer(1) } else { c.reply.ok() }
    }

    /// Parses a database index argument the way SELECT, MOVE and COPY do.
    static func databaseIndex(_ c: Client, _ index: Int) -> Int? {
        guard let value = parseInt64(c.arg(index)), value >= Int64(Int32.min), value <= Int64(Int32.max) else {
            c.error(ErrorText.notInteger)
            return nil
        }
        guard value >= 0 && value < Int64(c.server.databases.count) else {
            c.error(ErrorText.dbIndexOutOfRange)
            return nil
        }
        return Int(value)
    }

    static func copy(_ c: Client) {
        var destinationDB = c.db
        var replace = false
        var index = 3
        while index < c.argumentCount {
            let additional = c.argumentCount - index - 1
            if c.argIs(index, "replace") {
                replace = true
            } else if c.argIs(index, "db") && additional >= 1 {
                guard let id = databaseIndex(c, index + 1) else { return }
                destinationDB = c.server.databases[id]
                index += 1
            } else {
                c.error(ErrorText.syntax)
                return
            }
            index += 1
        }
        let key = c.arg(1)
        let newKey = c.arg(2)
        if destinationDB === c.db && key.elementsEqual(newKey) {
            c.error(ErrorText.sameObject)
            return
        }
        guard let object = c.lookupRead(key) else {
            c.reply.integer(0)
            return
        }
        let expire = c.db.expireTime(key)
        let existing = destinationDB.lookup(newKey, now: c.server.now) { _ in c.server.stats.expiredKeys += 1 }
        if existing != nil && !replace {
            c.reply.integer(0)
            return
        }
        if existing != nil { destinationDB.delete(newKey) }
        destinationDB.add(newKey, duplicate(object))
        if let expire { destinationDB.setExpire(newKey, at: expire) }
        c.server.notifyKeyspaceEvent(KeyspaceEventFlags.generic, "copy_to", key: newKey, db: destinationDB.id)
        c.markDirty()
        c.reply.integer(1)
    }

    /// A private detached copy of a value, as Redis's dupStringObject (an int stays int, but unshared).
    static func duplicate(_ object: RedisObject) -> RedisObject {
        switch object.type {
        case .string:
            if object.encoding == .int { return RedisObject.integer(object.integer, allowShared: false) }
            return object.withStringBytes { bytes in
                object.encoding == .embstr ? RedisObject.string(bytes) : RedisObject.rawString(bytes)
            }
        case .hash:
            return HashType.duplicate(object)
        case .set:
            return SetType.duplicate(object)
        case .zset:
            return ZSetType.duplicate(object)
        case .list:
            return ListType.duplicate(object)
        case .stream:
            return StreamType.duplicate(object)
        default:
            preconditionFailure("no value of type \(object.type) exists")
        }
    }

    static func move(_ c: Client) {
        guard let id = databaseIndex(c, 2) else { return }
        let destinationDB = c.server.databases[id]
        if destinationDB === c.db {
            c.error(ErrorText.sameObject)
            return
        }
        let key = c.arg(1)
        guard c.lookupWrite(key) != nil else {
            c.reply.integer(0)
            return
        }
        if destinationDB.lookup(key, now: c.server.now, onExpire: { _ in c.server.stats.expiredKeys += 1 }) != nil {
            c.reply.integer(0)
            return
        }
        c.db.rename(key, to: key, in: destinationDB)
        c.notify(KeyspaceEventFlags.generic, "move_from", key)
        c.server.notifyKeyspaceEvent(KeyspaceEventFlags.generic, "move_to", key: key, db: destinationDB.id)
        c.markDirty()
        c.reply.integer(1)
    }
}

extension Client {
    /// lookupKeyReadWithFlags(LOOKUP_NOTOUCH): counts hits and misses, leaves the clock alone.
    func lookupCounted(_ key: UnsafeRawBufferPointer) -> RedisObject? {
        guard let object = lookupEntry(key) else {
            server.stats.keyspaceMisses += 1
            notifyKeyMiss(key)
            return nil
        }
        server.stats.keyspaceHits += 1
        return object
    }
}
