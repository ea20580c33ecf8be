import Glibc
import Config
import Persistence
import Store
import Util

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
// [AUTH2 username password] [KEYS key ...] (cluster.c's migrateCommand, Redis 7.0): the keys
// go to the target as RESTORE (RESTORE-ASKING in cluster mode) with their DUMP payload and
// remaining TTL, pipelined after AUTH and a SELECT when the cached connection has another
// database selected; each key the target accepted is deleted here unless COPY, and the command
// propagates as DEL of those keys. A socket error is retried once on a fresh connection unless
// it was a timeout or a reply had already been read.

enum MigrateCommand {
    static let handlers: [String: CommandHandler] = ["migrate": migrate]

    private struct Item {
        let key: [UInt8]
        let payload: [UInt8]
        let expireAt: Int64?
    }

    static func migrate(_ c: Client) {
        var copy = false
        var replace = false
        var username: [UInt8]?
        var password: [UInt8]?
        var firstKey = 3
        var keyCount = 1
        var index = 6
        while index < c.argumentCount {
            let more = c.argumentCount - 1 - index
            if c.argIs(index, "copy") {
                copy = true
            } else if c.argIs(index, "replace") {
                replace = true
            } else if c.argIs(index, "auth") {
                guard more >= 1 else { c.error(ErrorText.syntax); return }
                index += 1
                password = [UInt8](c.arg(index))
            } else if c.argIs(index, "auth2") {
                guard more >= 2 else { c.error(ErrorText.syntax); return }
                username = [UInt8](c.arg(index + 1))
                password = [UInt8](c.arg(index + 2))
                index += 2
            } else if c.argIs(index, "keys") {
                guard c.arg(3).isEmpty else {
                    c.error(ErrorText.migrateKeysNeedEmptyKey)
                    return
                }
                firstKey = index + 1
                keyCount = c.argumentCount - index - 1
                break
            } else {
                c.error(ErrorText.syntax)
                return
            }
            index += 1
        }
        guard var timeout = c.integerArgument(5), let database = c.integerArgument(4) else { return }
        if timeout <= 0 { timeout = 1000 }

        // Missing keys are skipped (often they just expired); none at all is +NOKEY, not an error.
        let server = c.server
        let compression = server.config.bool("rdbcompression")
        var items: [Item] = []
        for offset in 0..<keyCount {
            let key = c.arg(firstKey + offset)
            guard let object = c.lookupRead(key) else { continue }
            let payload = RDBEncoder.dumpPayload(object, compression: compression)
            items.append(Item(key: [UInt8](key), payload: payload, expireAt: c.db.expireTime(key)))
        }
        if items.isEmpty {
            c.reply.simple("NOKEY" as StaticString)
            return
        }

        let host = c.argString(1)
        let port = c.argString(2)
        let restore = server.config.bool("cluster-enabled") ? "RESTORE-ASKING" : "RESTORE"
        var mayRetry = true
        while true {
            var deleted: [[UInt8]] = []
            guard let socket = server.migrateSocket(host: host, port: port, timeout: timeout) else {
                c.error(ErrorText.migrateConnectFailed)
                return
            }
            var command = RESPCommandBuffer()
            if let password {
                command.append([Array("AUTH".utf8)] + (username.map { [$0] } ?? []) + [password])
            }
            let select = socket.lastDatabase != database
            if select { command.append([Array("SELECT".utf8), Array(String(database).utf8)]) }
            // A key may have expired since it was found: it is left out.
            var sent: [Item] = []
            for item in items {
                var ttl: Int64 = 0
                if let expireAt = item.expireAt {
                    ttl = expireAt - server.now
                    if ttl < 0 { continue }
                    if ttl < 1 { ttl = 1 }
                }
                sent.append(item)
                var arguments: [[UInt8]] = [Array(restore.utf8), item.key, Array(String(ttl).utf8), item.payload]
                if replace { arguments.append(Array("REPLACE".utf8)) }
                command.append(arguments)
            }

            // socket_err: the connection is dropped; retried once unless it timed out.
            var failure: (code: Int32, writing: Bool)?
            var errorFromTarget = false
            var rewritten = false
            exchange: do {
                var position = 0
                while position < command.bytes.count {
                    let length = min(command.bytes.count - position, 64 * 1024)
                    let error = command.bytes.withUnsafeBytes {
                        SyncIO.write(socket.fd, UnsafeRawBufferPointer(rebasing: $0[position..<position + length]), timeout: timeout,
                                     tls: socket.tls)
                    }
                    if let error {
                        failure = (error, true)
                        break exchange
                    }
                    position += length
                }
                var authReply: [UInt8] = []
                var selectReply: [UInt8] = []
                if password != nil {
                    switch SyncIO.readLine(socket, timeout: timeout) {
                    case .success(let line) where !line.isEmpty: authReply = line
                    case .success: failure = (EAGAIN, false); break exchange
                    case .failure(let error): failure = (error.code, false); break exchange
                    }
                }
                if select {
                    switch SyncIO.readLine(socket, timeout: timeout) {
                    case .success(let line) where !line.isEmpty: selectReply = line
                    case .success: failure = (EAGAIN, false); break exchange
                    case .failure(let error): failure = (error.code, false); break exchange
                    }
                }
                var socketError: Int32?
                var replies = 0
                for item in sent {
                    var reply: [UInt8] = []
                    switch SyncIO.readLine(socket, timeout: timeout) {
                    case .success(let line) where !line.isEmpty: reply = line
                    case .success: socketError = EAGAIN
                    case .failure(let error): socketError = error.code
                    }
                    if socketError != nil { break }
                    replies += 1
                    let dash = UInt8(ascii: "-")
                    if authReply.first == dash || selectReply.first == dash || reply.first == dash {
                        if !errorFromTarget {
                            // The target's database is unknown after an error.
                            socket.lastDatabase = -1
                            let text = authReply.first == dash ? authReply : selectReply.first == dash ? selectReply : reply
                            errorFromTarget = true
                            c.error(ErrorText.migrateTargetError(String(decoding: text.dropFirst(), as: UTF8.self)))
                        }
                    } else if !copy {
                        item.key.withUnsafeBytes { key in
                            _ = c.db.delete(key)
                            c.notify(KeyspaceEventFlags.generic, "del", key)
                        }
                        c.markDirty()
                        deleted.append(item.key)
                    }
                }
                // Nothing processed yet: worth a retry on a fresh connection.
                if let code = socketError, !errorFromTarget, replies == 0, mayRetry, code != ETIMEDOUT {
                    failure = (code, false)
                    break exchange
                }
                if socketError != nil { server.closeMigrateSocket(host: host, port: port) }
                if !deleted.isEmpty {
                    let keys = deleted
                    c.propagateAs(count: keys.count + 1) { arguments in
                        arguments.append("DEL")
                        for key in keys { arguments.append(key) }
                    }
                    rewritten = true
                }
                if let code = socketError, !errorFromTarget {
                    mayRetry = false
                    failure = (code, false)
                    break exchange
                }
                if !errorFromTarget {
                    socket.lastDatabase = database
                    c.reply.ok()
                }
                return
            }
            guard let failure else { return }
            if !rewritten { server.closeMigrateSocket(host: host, port: port) }
            if failure.code != ETIMEDOUT && mayRetry {
                mayRetry = false
                continue
            }
            c.error(failure.writing ? ErrorText.migrateWriteFailed : ErrorText.migrateReadFailed)
            return
        }
    }
}

/// Commands in RESP, built for a target server.
struct RESPCommandBuffer {
    var bytes: [UInt8] = []

    mutating func append(_ arguments: [[UInt8]]) {
        bytes += Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            bytes += Array("$\(argument.count)\r\n".utf8)
            bytes += argument
            bytes += [13, 10]
        }
    }

    mutating func append(_ arguments: [String]) {
        append(arguments.map { Array($0.utf8) })
    }
}

extension MigrateCommand {
    /// The passwords migrateCommand redacts (redactClientCommandArgument) as its option parser
    /// meets them, so MONITOR and SLOWLOG never show them: up to the first other option.
    static func redactedArguments(_ client: Client) -> Set<Int> {
        let count = client.argumentCount
        var redacted = Set<Int>()
        var index = 6
        while index < count {
            let more = count - 1 - index
            if client.argIs(index, "copy") || client.argIs(index, "replace") {
                index += 1
            } else if client.argIs(index, "auth") && more >= 1 {
                redacted.insert(index + 1)
                index += 2
            } else if client.argIs(index, "auth2") && more >= 2 {
                redacted.formUnion([index + 1, index + 2])
                index += 3
            } else {
                break
            }
        }
        return redacted
    }
}
