import RESP
import Store

// Per-connection state: HELLO (protocol switch, AUTH, SETNAME) and RESET.

enum ConnectionCommands {
    static let handlers: [String: CommandHandler] = ["hello": hello, "reset": reset, "auth": auth]

    static func auth(_ c: Client) {
        if c.argumentCount > 3 {
            c.error(ErrorText.syntax)
            return
        }
        let user: [UInt8]
        let password: [UInt8]
        if c.argumentCount == 2 {
            if c.server.acl.defaultUser.rules.noPass {
                c.error(ErrorText.authWithoutPassword)
                return
            }
            user = Array("default".utf8)
            password = c.argBytes(1)
        } else {
            user = c.argBytes(1)
            password = c.argBytes(2)
        }
        if c.server.aclAuthenticate(c, user: user, password: password) {
            c.reply.ok()
        } else {
            c.error(ErrorText.wrongPass)
        }
    }

    static func hello(_ c: Client) {
        var version: Int64 = 0
        var next = 1
        if c.argumentCount >= 2 {
            guard let parsed = parseIntArgument(c, 1) else {
                c.error("ERR Protocol version is not an integer or out of range")
                return
            }
            next = 2
            if parsed < 2 || parsed > 3 {
                c.error("NOPROTO unsupported protocol version")
                return
            }
            version = parsed
        }
        // Options take effect as they are read, as in Redis 7.0: a later bad option leaves an
        // earlier AUTH or SETNAME done.
        var index = next
        while index < c.argumentCount {
            let more = c.argumentCount - 1 - index
            if c.argIs(index, "auth") && more >= 2 {
                guard c.server.aclAuthenticate(c, user: c.argBytes(index + 1), password: c.argBytes(index + 2)) else {
                    c.error(ErrorText.wrongPass)
                    return
                }
                index += 2
            } else if c.argIs(index, "setname") && more >= 1 {
                let name = c.argBytes(index + 1)
                guard ClientCommand.isValidName(name) else {
                    c.error(ClientCommand.invalidNameError)
                    return
                }
                c.name = name.isEmpty ? nil : name
                index += 1
            } else {
                c.error("ERR Syntax error in HELLO option '\(c.argString(index))'")
                return
            }
            index += 1
        }
        if !c.authenticated && c.server.acl.authRequired {
            c.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
            return
        }
        if version != 0 { c.reply.resp3 = version == 3 }
        c.reply.mapHeader(7)
        c.reply.bulk("server" as StaticString)
        c.reply.bulk("redis" as StaticString)
        c.reply.bulk("version" as StaticString)
        c.reply.bulk(Server.redisVersion)
        c.reply.bulk("proto" as StaticString)
        c.reply.integer(c.protocolVersion)
        c.reply.bulk("id" as StaticString)
        c.reply.integer(c.id)
        c.reply.bulk("mode" as StaticString)
        c.reply.bulk("standalone" as StaticString)
        c.reply.bulk("role" as StaticString)
        c.reply.bulk("master" as StaticString)
        c.reply.bulk("modules" as StaticString)
        c.reply.emptyArray()
    }

    private static func parseIntArgument(_ c: Client, _ index: Int) -> Int64? {
        parseInt64(c.arg(index))
    }

    static func reset(_ c: Client) {
        c.server.discardTransaction(c)
        c.server.unsubscribeEverything(c)
        if c.tracking.enabled { c.server.disableTracking(c) }
        c.server.resetClientControls(c)
        c.select(0)
        c.reply.resp3 = false
        c.name = nil
        // clearClientConnectionState: back to the default user, logged in only if it needs no password.
        c.user = c.server.acl.defaultUser
        c.authenticated = c.user.rules.noPass && c.user.rules.enabled
        c.reply.simple("RESET" as StaticString)
    }
}

import Util
