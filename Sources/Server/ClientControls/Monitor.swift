import CEpoll
import RESP
import Util

// MONITOR (replication.c's replicationFeedMonitors and monitorCommand, Redis 7.0): every
// command that `call` ran, after it ran, goes to each monitor as one status line
//   +<sec>.<usec> [<db> <addr>] "arg" "arg"...
// with the arguments quoted as sdscatrepr does, and AUTH/HELLO credentials redacted. A monitor
// is flagged like a replica: CLIENT PAUSE never holds it back, and it may not touch the keyspace.

extension Server {
    /// replicationFeedMonitors: the command just called, to every MONITOR client.
    func feedMonitors(_ client: Client) {
        var line: [UInt8] = []
        line.reserveCapacity(64)
        let microseconds = apus_wall_us()
        line.append(UInt8(ascii: "+"))
        appendDecimal(microseconds / 1_000_000, to: &line)
        line.append(UInt8(ascii: "."))
        let fraction = microseconds % 1_000_000
        var divisor: Int64 = 100_000
        while divisor > 0 {
            line.append(UInt8(ascii: "0") + UInt8((fraction / divisor) % 10))
            divisor /= 10
        }
        line.append(contentsOf: " [".utf8)
        appendDecimal(Int64(client.databaseIndex), to: &line)
        line.append(UInt8(ascii: " "))
        if client.flags.contains(.unixSocket) {
            line.append(contentsOf: "unix:".utf8)
            line.append(contentsOf: (listeners.unixPath ?? "").utf8)
        } else {
            line.append(contentsOf: client.peerAddress.utf8)
        }
        line.append(contentsOf: "] ".utf8)
        let redacted = Server.monitorRedactions(client)
        for index in 0..<client.argumentCount {
            if index > 0 { line.append(UInt8(ascii: " ")) }
            if redacted.contains(index) {
                line.append(contentsOf: "\"(redacted)\"".utf8)
            } else {
                Server.appendQuoted(client.arg(index), to: &line)
            }
        }
        line.append(contentsOf: "\r\n".utf8)
        for monitor in monitors {
            // Under CLIENT REPLY OFF the line is not even queued, as addReply refuses it.
            if monitor.reply.isSilenced { continue }
            monitor.reply.append(line)
            afterRepliesAppended(monitor)
        }
    }

    private func appendDecimal(_ value: Int64, to line: inout [UInt8]) {
        line.append(contentsOf: String(value).utf8)
    }

    /// sdscatrepr: a double-quoted string with `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b` escaped
    /// and other bytes outside printable ASCII as `\xhh`.
    static func appendQuoted(_ bytes: UnsafeRawBufferPointer, to line: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        line.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "\""):
                line.append(UInt8(ascii: "\\"))
                line.append(byte)
            case 0x0A: line.append(contentsOf: "\\n".utf8)
            case 0x0D: line.append(contentsOf: "\\r".utf8)
            case 0x09: line.append(contentsOf: "\\t".utf8)
            case 0x07: line.append(contentsOf: "\\a".utf8)
            case 0x08: line.append(contentsOf: "\\b".utf8)
            case 0x20...0x7E: line.append(byte)
            default:
                line.append(contentsOf: "\\x".utf8)
                line.append(hex[Int(byte >> 4)])
                line.append(hex[Int(byte & 0x0F)])
            }
        }
        line.append(UInt8(ascii: "\""))
    }

    /// The arguments Redis's handlers redact (redactClientCommandArgument) before MONITOR sees
    /// them: AUTH's once its argument count is valid, HELLO's AUTH pair once its option parser
    /// reached it (not when the protocol version was refused first).
    static func monitorRedactions(_ client: Client) -> Set<Int> {
        let count = client.argumentCount
        if client.argIs(0, "auth") {
            return count <= 3 ? Set(1..<count) : []
        }
        if client.argIs(0, "migrate") { return MigrateCommand.redactedArguments(client) }
        guard client.argIs(0, "hello") else { return [] }
        var redacted = Set<Int>()
        if count >= 2 {
            guard let version = parseInt64(client.arg(1)), version >= 2 && version <= 3 else { return [] }
        }
        var index = 2
        while index < count {
            let more = count - 1 - index
            if client.argIs(index, "auth") && more >= 2 {
                redacted.insert(index + 1)
                redacted.insert(index + 2)
                index += 2
            } else if client.argIs(index, "setname") && more >= 1 {
                index += 1
            } else {
                break
            }
            index += 1
        }
        return redacted
    }

    /// MONITOR: the client becomes a monitor (again: no reply); refused while EXEC runs it.
    static func monitor(_ c: Client) {
        if c.denyBlocking {
            c.error(ErrorText.monitorDenyBlocking)
            return
        }
        if c.controls.isMonitor { return }
        c.controls.isMonitor = true
        c.server.monitors.append(c)
        c.reply.ok()
    }

    /// A monitor closed or RESET stops receiving lines.
    func stopMonitoring(_ client: Client) {
        guard client.controls.isMonitor else { return }
        client.controls.isMonitor = false
        monitors.removeAll { $0 === client }
    }
}
