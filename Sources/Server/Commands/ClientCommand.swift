import RESP
import Store
import Util

// CLIENT: identity (ID, SETNAME, GETNAME), introspection (LIST, INFO), KILL and NO-EVICT; the
// controls (PAUSE, UNPAUSE, REPLY) and MONITOR are in ClientControls/.

enum ClientCommand {
    static let handlers: [String: CommandHandler] = [
        "client|id": { $0.reply.integer($0.id) },
        "client|setname": setname, "client|getname": getname, "client|list": list,
        "client|info": info, "client|kill": kill, "client|no-evict": noEvict,
        "client|unblock": Server.clientUnblock,
        "client|pause": Server.clientPause, "client|unpause": Server.clientUnpause, "client|reply": reply,
        "monitor": Server.monitor,
        "client|help": { ObjectCommand.replyHelp($0, HelpText.client) },
    ]

    static let invalidNameError = "ERR Client names cannot contain spaces, newlines or special characters."

    /// Redis allows only printable ASCII without spaces ('!'...'~') in client names.
    static func isValidName(_ name: [UInt8]) -> Bool {
        name.allSatisfy { $0 >= UInt8(ascii: "!") && $0 <= UInt8(ascii: "~") }
    }

    static func setname(_ c: Client) {
        let name = c.argBytes(2)
        guard isValidName(name) else {
            c.error(invalidNameError)
            return
        }
        c.name = name.isEmpty ? nil : name
        c.reply.ok()
    }

    static func getname(_ c: Client) {
        if let name = c.name { c.reply.bulk(name) } else { c.reply.nullBulk() }
    }

    static func info(_ c: Client) {
        c.reply.verbatim(c.server.describe(c) + "\n")
    }

    static func list(_ c: Client) {
        var clients = c.server.allClients
        if c.argumentCount == 4 && c.argIs(2, "type") {
            guard let type = ClientTypeFilter(name: c.arg(3)) else {
                c.error(ErrorText.unknownClientType(c.argString(3)))
                return
            }
            clients = clients.filter { type.matches($0) }
        } else if c.argumentCount > 3 && c.argIs(2, "id") {
            var ids: [Int64] = []
            for index in 3..<c.argumentCount {
                guard let id = parseInt64(c.arg(index)) else {
                    c.error("ERR Invalid client ID")
                    return
                }
                ids.append(id)
            }
            clients = ids.compactMap { id in clients.first { $0.id == id } }
        } else if c.argumentCount != 2 {
            c.error(ErrorText.syntax)
            return
        }
        var text = ""
        for client in clients { text += c.server.describe(client) + "\n" }
        c.reply.verbatim(text)
    }

    /// CLIENT KILL addr:port (old form: may kill the caller; OK or an error), or CLIENT KILL
    /// with filters ID, TYPE, ADDR, LADDR, USER, SKIPME (the number killed). Options are read in
    /// order, so the first bad one decides the error. Killed clients go at once; the caller, if
    /// it matched, after its reply.
    static func kill(_ c: Client) {
        var address: [UInt8]? = nil
        var localAddress: [UInt8]? = nil
        var id: Int64 = 0
        var type: ClientTypeFilter? = nil
        var user: ACLUser? = nil
        var skipMe = true
        if c.argumentCount == 3 {
            address = c.argBytes(2)
            skipMe = false
        } else {
            var index = 2
            while index < c.argumentCount {
                let hasValue = c.argumentCount > index + 1
                if c.argIs(index, "id") && hasValue {
                    guard let parsed = parseInt64(c.arg(index + 1)), parsed >= 1 else {
                        c.error(ErrorText.clientIDNotPositive)
                        return
                    }
                    id = parsed
                } else if c.argIs(index, "type") && hasValue {
                    guard let parsed = ClientTypeFilter(name: c.arg(index + 1)) else {
                        c.error(ErrorText.unknownClientType(c.argString(index + 1)))
                        return
                    }
                    type = parsed
                } else if c.argIs(index, "addr") && hasValue {
                    address = c.argBytes(index + 1)
                } else if c.argIs(index, "laddr") && hasValue {
                    localAddress = c.argBytes(index + 1)
                } else if c.argIs(index, "user") && hasValue {
                    guard let named = c.server.acl.user(named: c.argBytes(index + 1)) else {
                        c.error(ErrorText.noSuchUser(c.argString(index + 1)))
                        return
                    }
                    user = named
                } else if c.argIs(index, "skipme") && hasValue {
                    if c.argIs(index + 1, "yes") {
                        skipMe = true
                    } else if c.argIs(index + 1, "no") {
                        skipMe = false
                    } else {
                        c.error(ErrorText.syntax)
                        return
                    }
                } else {
                    c.error(ErrorText.syntax)
                    return
                }
                index += 2
            }
        }
        let server = c.server
        var killed = 0
        var closeSelf = false
        for client in server.allClients {
            if let address, !client.peerAddress.utf8.elementsEqual(address) { continue }
            if let localAddress, !client.localAddress.utf8.elementsEqual(localAddress) { continue }
            if let type, !type.matches(client) { continue }
            if let user, client.user !== user { continue }
            if id != 0 && client.id != id { continue }
            if client === c && skipMe { continue }
            if client === c {
                closeSelf = true
            } else {
                client.flags.insert(.closeASAP)
                server.closeClient(client)
            }
            killed += 1
        }
        if c.argumentCount == 3 {
            if killed == 0 { c.error(ErrorText.noSuchClient) } else { c.reply.ok() }
        } else {
            c.reply.integer(killed)
        }
        // Flagged after the reply is queued, so the reply still goes out (CLIENT_CLOSE_AFTER_REPLY).
        if closeSelf { c.flags.insert(.closeAfterReply) }
    }

    static func noEvict(_ c: Client) {
        if c.argIs(2, "on") {
            c.flags.insert(.noEvict)
        } else if c.argIs(2, "off") {
            c.flags.remove(.noEvict)
        } else {
            c.error(ErrorText.syntax)
            return
        }
        c.reply.ok()
    }
}

/// getClientTypeByName: what CLIENT KILL TYPE and CLIENT LIST TYPE filter by.
enum ClientTypeFilter {
    case normal, master, replica, pubsub

    init?(name: UnsafeRawBufferPointer) {
        switch String(decoding: name, as: UTF8.self).lowercased() {
        case "normal": self = .normal
        case "master": self = .master
        case "replica", "slave": self = .replica
        case "pubsub": self = .pubsub
        default: return nil
        }
    }

    func matches(_ client: Client) -> Bool {
        switch self {
        case .normal: return client.clientClass == .normal && !client.flags.contains(.master)
        case .master: return client.flags.contains(.master)
        case .replica: return client.clientClass == .replica
        case .pubsub: return client.clientClass == .pubsub
        }
    }
}

extension Server {
    /// One CLIENT LIST line, with Redis 7.0's fields in its order (catClientInfoString).
    func describe(_ client: Client) -> String {
        var flags = ""
        if client.controls.isMonitor { flags += "O" } else if client.flags.contains(.replica) { flags += "S" }
        if client.flags.contains(.master) { flags += "M" }
        if client.isSubscribed { flags += "P" }
        if client.transaction != nil { flags += "x" }
        if client.blocked != nil || client.controls.postponed { flags += "b" }
        if client.tracking.enabled { flags += "t" }
        if client.tracking.brokenRedirect { flags += "R" }
        if client.tracking.enabled && client.tracking.broadcast { flags += "B" }
        if client.watchedKeyTouched { flags += "d" }
        if client.flags.contains(.closeAfterReply) { flags += "c" }
        if blocking.unblocked.contains(where: { $0 === client }) { flags += "u" }
        if client.flags.contains(.closeASAP) { flags += "A" }
        if client.flags.contains(.unixSocket) { flags += "U" }
        if client.flags.contains(.noEvict) { flags += "e" }
        if flags.isEmpty { flags = "N" }
        let queryBytes = client.query.readableCount
        let queryFree = client.query.capacity - client.query.writeIndex
        let events = client.fd < 0 ? "" : loop.interest(of: client.fd).contains(.writable) ? "rw" : "r"
        let command = client.lastCommand?.fullName ?? "NULL"
        let age = (now - client.createdAt) / 1000
        let idle = (now - client.lastInteraction) / 1000
        let outputMemory = client.reply.pendingBytes
        let totalMemory = client.totalMemory
        let queued = client.transaction.map { $0.commands.count } ?? -1
        let redirect = client.tracking.enabled ? client.tracking.redirect : -1
        return "id=\(client.id) addr=\(client.peerAddress) laddr=\(client.localAddress) fd=\(client.fd) "
            + "name=\(client.name.map { String(decoding: $0, as: UTF8.self) } ?? "") age=\(age) idle=\(idle) "
            + "flags=\(flags) db=\(client.databaseIndex) sub=\(client.subscriptions.channels.count) "
            + "psub=\(client.subscriptions.patterns.count) ssub=\(client.subscriptions.shardChannels.count) "
            + "multi=\(queued) qbuf=\(queryBytes) "
            + "qbuf-free=\(queryFree) argv-mem=\(client.argumentMemory) multi-mem=\(client.transaction?.argumentBytes ?? 0) rbs=\(ReplyBuffer.chunkSize) rbp=0 obl=0 oll=0 "
            + "omem=\(outputMemory) tot-mem=\(totalMemory) events=\(events) cmd=\(command) user=\(client.user.nameString) "
            + "redir=\(redirect) resp=\(client.protocolVersion)"
    }
}
