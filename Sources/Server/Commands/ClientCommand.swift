import RESP
import Store
import Util

// CLIENT: identity (ID, SETNAME, GETNAME), introspection (LIST, INFO), KILL and NO-EVICT.

enum ClientCommand {
    static let handlers: [String: CommandHandler] = [
        "client|id": { $0.reply.integer($0.id) },
        "client|setname": setname, "client|getname": getname, "client|list": list,
        "client|info": info, "client|kill": kill, "client|no-evict": noEvict,
        "client|unblock": Server.clientUnblock,
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
            let type = c.argString(3).lowercased()
            guard ["normal", "master", "replica", "slave", "pubsub"].contains(type) else {
                c.error("ERR Unknown client type '\(c.argString(3))'")
                return
            }
            clients = clients.filter { $0.clientClass.name == type }
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

    static func kill(_ c: Client) {
        var address: String? = nil
        var localAddress: String? = nil
        var id: Int64 = 0
        var typeFilter: String? = nil
        var skipMe = true
        if c.argumentCount == 3 {
            address = c.argString(2)
            skipMe = false
        } else if c.argumentCount > 3 && c.argumentCount % 2 == 0 {
            var index = 2
            while index < c.argumentCount {
                let value = c.argString(index + 1)
                if c.argIs(index, "id") {
                    guard let parsed = parseInt64(c.arg(index + 1)), parsed >= 1 else {
                        c.error("ERR client-id should be greater than 0")
                        return
                    }
                    id = parsed
                } else if c.argIs(index, "type") {
                    let type = value.lowercased()
                    guard ["normal", "master", "replica", "slave", "pubsub"].contains(type) else {
                        c.error("ERR Unknown client type '\(value)'")
                        return
                    }
                    typeFilter = type
                } else if c.argIs(index, "addr") {
                    address = value
                } else if c.argIs(index, "laddr") {
                    localAddress = value
                } else if c.argIs(index, "user") {
                    if value != "default" {
                        c.error("ERR No such user '\(value)'")
                        return
                    }
                } else if c.argIs(index, "skipme") {
                    if c.argIs(index + 1, "yes") { skipMe = true }
                    else if c.argIs(index + 1, "no") { skipMe = false }
                    else {
                        c.error(ErrorText.syntax)
                        return
                    }
                } else {
                    c.error(ErrorText.syntax)
                    return
                }
                index += 2
            }
        } else {
            c.error(ErrorText.syntax)
            return
        }
        var killed = 0
        var closeSelf = false
        for client in c.server.allClients {
            if let address, client.peerAddress != address { continue }
            if let localAddress, client.localAddress != localAddress { continue }
            if let typeFilter, typeFilter != client.clientClass.name { continue }
            if id != 0 && client.id != id { continue }
            if client === c && skipMe { continue }
            if client === c { closeSelf = true } else { c.server.closeClientAsync(client) }
            killed += 1
        }
        if c.argumentCount == 3 {
            if killed == 0 { c.error("ERR No such client") } else { c.reply.ok() }
        } else {
            c.reply.integer(killed)
        }
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

extension Server {
    /// One CLIENT LIST line, with Redis 7.0's fields in its order.
    func describe(_ client: Client) -> String {
        var flags = ""
        if client.isSubscribed { flags += "P" }
        if client.blocked != nil { flags += "b" }
        if client.flags.contains(.closeAfterReply) { flags += "c" }
        if client.flags.contains(.noEvict) { flags += "e" }
        if flags.isEmpty { flags = "N" }
        let queryBytes = client.query.readableCount
        let queryFree = client.query.capacity - client.query.writeIndex
        let events = loop.interest(of: client.fd).contains(.writable) ? "rw" : "r"
        let command = client.lastCommand?.fullName ?? "NULL"
        let age = (now - client.createdAt) / 1000
        let idle = (now - client.lastInteraction) / 1000
        let outputMemory = client.reply.pendingBytes
        let totalMemory = client.query.capacity + ReplyBuffer.chunkSize + outputMemory
        return "id=\(client.id) addr=\(client.peerAddress) laddr=\(client.localAddress) fd=\(client.fd) "
            + "name=\(client.name.map { String(decoding: $0, as: UTF8.self) } ?? "") age=\(age) idle=\(idle) "
            + "flags=\(flags) db=\(client.databaseIndex) sub=\(client.subscriptions.channels.count) "
            + "psub=\(client.subscriptions.patterns.count) ssub=\(client.subscriptions.shardChannels.count) "
            + "multi=-1 qbuf=\(queryBytes) "
            + "qbuf-free=\(queryFree) argv-mem=0 multi-mem=0 rbs=\(ReplyBuffer.chunkSize) rbp=0 obl=0 oll=0 "
            + "omem=\(outputMemory) tot-mem=\(totalMemory) events=\(events) cmd=\(command) user=default "
            + "redir=-1 resp=\(client.protocolVersion)"
    }
}
