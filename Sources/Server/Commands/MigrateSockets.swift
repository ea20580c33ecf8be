import Glibc
import Reactor

// MIGRATE's connections (cluster.c's migrateGetSocket, migrateCloseSocket and
// migrateCloseTimedoutSockets, and syncio.c's syncWrite / syncReadLine, Redis 7.0): one cached
// connection per "host:port", closed after 10 idle seconds by the cron or dropped at random
// when 64 are open, driven with blocking I/O on the loop thread — poll(2) bounded by the
// command's timeout — as Redis blocks in MIGRATE.

/// migrateCachedSocket.
final class MigrateSocket {
    let fd: Int32
    /// The database the target has selected for us; -1 sends a SELECT next time.
    var lastDatabase: Int64 = -1
    /// Unix seconds of the last use.
    var lastUse: Int64
    /// What was read past the last reply line.
    var input: [UInt8] = []
    /// The TLS session with tls-cluster (Networking/TLSMigrate.swift).
    var tls: TLSConnection?

    init(fd: Int32, lastUse: Int64) {
        self.fd = fd
        self.lastUse = lastUse
    }

    deinit { Socket.close(fd) }
}

struct MigrateSocketCache {
    static let maxItems = 64
    static let idleSeconds: Int64 = 10
    var sockets: [String: MigrateSocket] = [:]
}

/// Blocking socket I/O with a timeout in milliseconds (syncio.c); failures give errno, ETIMEDOUT
/// when time ran out.
enum SyncIO {
    /// SYNCIO__RESOLUTION: the shortest wait between attempts.
    static let resolution: Int64 = 10

    /// aeWait: whether the fd became ready for `events` within `milliseconds`.
    @discardableResult
    static func wait(_ fd: Int32, _ events: Int16, milliseconds: Int64) -> Bool {
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        return poll(&descriptor, 1, Int32(clamping: milliseconds)) == 1 && descriptor.revents & events != 0
    }

    /// connBlockingConnect: a non-blocking connect, then a wait for it of up to `timeout`. As
    /// Redis's, a connect still in progress when the wait ends counts as connected: the first
    /// write then runs out of time.
    static func connect(host: String, port: Int, timeout: Int64) -> Int32? {
        guard let fd = Socket.connect(host: host, port: port) else { return nil }
        wait(fd, Int16(POLLOUT), milliseconds: timeout)
        return fd
    }

    /// syncWrite: all of `bytes`, or the errno of the failure.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, timeout: Int64, tls: TLSConnection? = nil) -> Int32? {
        let start = EventLoop.monotonicMilliseconds()
        var offset = 0
        while true {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch tls.map({ $0.write(rest) }) ?? Socket.write(fd, rest) {
            case .bytes(let n): offset += n
            case .wouldBlock: break
            case .closed: return EPIPE
            case .failed(let error): return error
            }
            if offset == bytes.count { return nil }
            let elapsed = EventLoop.monotonicMilliseconds() - start
            wait(fd, Int16(tls?.writeWantsRead == true ? POLLIN : POLLOUT), milliseconds: max(timeout - elapsed, resolution))
            if EventLoop.monotonicMilliseconds() - start >= timeout { return ETIMEDOUT }
        }
    }

    /// syncReadLine with a 1024-byte buffer: a line of at most 1023 bytes without its CRLF
    /// (a longer one comes in pieces), or the errno of the failure (ECONNRESET for an EOF).
    /// Each wait for more bytes is bounded by `timeout`, as Redis's reads byte by byte.
    static func readLine(_ socket: MigrateSocket, timeout: Int64) -> Result<[UInt8], SyncIOError> {
        let limit = 1023
        var scanned = 0
        while true {
            while scanned < socket.input.count && scanned < limit {
                if socket.input[scanned] == UInt8(ascii: "\n") {
                    var line = Array(socket.input[0..<scanned])
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    socket.input.removeFirst(scanned + 1)
                    return .success(line)
                }
                scanned += 1
            }
            if scanned == limit {
                let line = Array(socket.input[0..<limit])
                socket.input.removeFirst(limit)
                return .success(line)
            }
            let start = EventLoop.monotonicMilliseconds()
            while true {
                var chunk = [UInt8](repeating: 0, count: 4096)
                let result = chunk.withUnsafeMutableBufferPointer { buffer in
                    socket.tls.map { $0.read(into: buffer.baseAddress!, count: buffer.count) }
                        ?? Socket.read(socket.fd, into: buffer.baseAddress!, count: buffer.count)
                }
                if case .bytes(let n) = result {
                    socket.input.append(contentsOf: chunk[0..<n])
                    break
                }
                if case .closed = result { return .failure(SyncIOError(code: ECONNRESET)) }
                if case .failed(let error) = result { return .failure(SyncIOError(code: error)) }
                let elapsed = EventLoop.monotonicMilliseconds() - start
                wait(socket.fd, Int16(socket.tls?.readWantsWrite == true ? POLLOUT : POLLIN),
                     milliseconds: max(timeout - elapsed, resolution))
                if EventLoop.monotonicMilliseconds() - start >= timeout {
                    return .failure(SyncIOError(code: ETIMEDOUT))
                }
            }
        }
    }
}

struct SyncIOError: Error {
    let code: Int32
}

extension Server {
    /// migrateGetSocket: the cached connection to host:port, or a new one (nil when it cannot
    /// even be started).
    func migrateSocket(host: String, port: String, timeout: Int64) -> MigrateSocket? {
        let name = host + ":" + port
        if let cached = migrateSockets.sockets[name] {
            cached.lastUse = now / 1000
            return cached
        }
        if migrateSockets.sockets.count == MigrateSocketCache.maxItems,
           let victim = migrateSockets.sockets.keys.randomElement() {
            migrateSockets.sockets[victim] = nil
        }
        guard let fd = SyncIO.connect(host: host, port: Int(asciiToInteger(port)), timeout: timeout) else { return nil }
        Socket.setNoDelay(fd)
        let socket = MigrateSocket(fd: fd, lastUse: now / 1000)
        // With tls-cluster MIGRATE speaks TLS, as Redis's migrateGetSocket (connCreateTLS).
        if config.bool("tls-cluster") {
            guard let connection = migrateTLSHandshake(fd, timeout: timeout) else { return nil }
            socket.tls = connection
        }
        migrateSockets.sockets[name] = socket
        return socket
    }

    /// migrateCloseSocket.
    func closeMigrateSocket(host: String, port: String) {
        migrateSockets.sockets[host + ":" + port] = nil
    }

    /// migrateCloseTimedoutSockets, once a second from the cron.
    func closeIdleMigrateSockets() {
        let nowSeconds = now / 1000
        migrateSockets.sockets = migrateSockets.sockets.filter {
            nowSeconds - $0.value.lastUse <= MigrateSocketCache.idleSeconds
        }
    }
}

/// atoi: leading blanks, a sign, then digits up to the first other character; 0 without any.
func asciiToInteger(_ text: String) -> Int32 {
    var bytes = Substring(text).utf8.drop { $0 == 32 || ($0 >= 9 && $0 <= 13) }
    var negative = false
    if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
        negative = sign == UInt8(ascii: "-")
        bytes = bytes.dropFirst()
    }
    var value: Int32 = 0
    for byte in bytes {
        guard byte >= 48 && byte <= 57 else { break }
        value = value &* 10 &+ Int32(byte - 48)
    }
    return negative ? 0 &- value : value
}
