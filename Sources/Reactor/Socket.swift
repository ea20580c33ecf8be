import CEpoll
import Glibc

// Every socket syscall the server makes, wrapped once: EINTR is retried, EAGAIN becomes
// `.wouldBlock`, and other failures carry errno.

public enum IOResult: Equatable {
    case bytes(Int)
    case wouldBlock
    case closed
    case failed(Int32)
}

public enum Socket {
    @inlinable
    public static func read(_ fd: Int32, into buffer: UnsafeMutablePointer<UInt8>, count: Int) -> IOResult {
        while true {
            let n = Glibc.read(fd, buffer, count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }
            let error = apus_errno()
            if error == APUS_EINTR { continue }
            if error == APUS_EAGAIN { return .wouldBlock }
            return .failed(error)
        }
    }

    @inlinable
    public static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let n = Glibc.write(fd, bytes.baseAddress, bytes.count)
            if n >= 0 { return .bytes(n) }
            let error = apus_errno()
            if error == APUS_EINTR { continue }
            if error == APUS_EAGAIN { return .wouldBlock }
            return .failed(error)
        }
    }

    /// Writes several regions with one writev (at most IOV_MAX of them).
    public static func writev(_ fd: Int32, _ regions: UnsafeBufferPointer<UnsafeRawBufferPointer>) -> IOResult {
        let count = min(regions.count, Int(APUS_IOV_MAX))
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: count) { vectors in
            for index in 0..<count {
                vectors[index] = iovec(iov_base: UnsafeMutableRawPointer(mutating: regions[index].baseAddress),
                                       iov_len: regions[index].count)
            }
            while true {
                let n = apus_writev(fd, vectors.baseAddress, Int32(count))
                if n >= 0 { return .bytes(n) }
                let error = apus_errno()
                if error == APUS_EINTR { continue }
                if error == APUS_EAGAIN { return .wouldBlock }
                return .failed(error)
            }
        }
    }

    public static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    public static func setNoDelay(_ fd: Int32, _ on: Bool = true) { _ = on ? apus_set_tcp_nodelay(fd) : apus_clear_tcp_nodelay(fd) }

    /// A non-blocking connect to host:port; the fd turns writable when it is done (check
    /// `pendingError`). Nil with errno set when it could not even start.
    public static func connect(host: String, port: Int) -> Int32? {
        let fd = apus_connect_tcp(host, Int32(port))
        return fd >= 0 ? fd : nil
    }

    /// SO_ERROR: why a non-blocking connect failed, 0 when it succeeded.
    public static func pendingError(_ fd: Int32) -> Int32 { apus_socket_error(fd) }

    public static func setKeepAlive(_ fd: Int32, interval: Int) { _ = apus_set_keepalive(fd, Int32(clamping: interval)) }

    /// Accepts one pending connection: its fd and "ip:port", nil when none is pending.
    public static func accept(_ listener: Int32) -> (fd: Int32, peer: String)? {
        var peer = [CChar](repeating: 0, count: 64)
        while true {
            let fd = apus_accept(listener, &peer, peer.count)
            if fd >= 0 { return (fd, String(cString: peer)) }
            let error = apus_errno()
            if error == APUS_EINTR { continue }
            return nil
        }
    }

    public static func localAddress(_ fd: Int32) -> String {
        var text = [CChar](repeating: 0, count: 64)
        apus_local_address(fd, &text, text.count)
        return String(cString: text)
    }

    public static func peerAddress(_ fd: Int32) -> String {
        var text = [CChar](repeating: 0, count: 64)
        apus_peer_address(fd, &text, text.count)
        return String(cString: text)
    }

    /// A listening TCP socket as Redis's anetTcpServer/anetTcp6Server make it: `address` is a
    /// name or numeric address, "*" (every IPv4 address) or "::*" (every IPv6 address); an
    /// address with a ':' is IPv6. The error carries errno and Redis's neterr text.
    public static func listenTCP(address: String, port: Int, backlog: Int) throws(ListenError) -> Int32 {
        let v6 = address.contains(":")
        let wildcard = address == "*" || address == "::*"
        var text = [CChar](repeating: 0, count: 256)
        let fd = wildcard ? apus_tcp_server(nil, v6 ? 1 : 0, Int32(port), Int32(backlog), &text, text.count)
                          : apus_tcp_server(address, v6 ? 1 : 0, Int32(port), Int32(backlog), &text, text.count)
        if fd < 0 { throw ListenError(errno: apus_errno(), text: String(cString: text)) }
        return fd
    }

    /// A listening Unix socket at `path`, chmod'ed to `permissions` unless 0 (anetUnixServer).
    public static func listenUnix(path: String, permissions: Int, backlog: Int) throws(ListenError) -> Int32 {
        var text = [CChar](repeating: 0, count: 256)
        let fd = apus_unix_server(path, UInt32(truncatingIfNeeded: permissions), Int32(backlog), &text, text.count)
        if fd < 0 { throw ListenError(errno: apus_errno(), text: String(cString: text)) }
        return fd
    }

    /// Accepts one pending connection on a Unix listener, nil when none is pending.
    public static func acceptUnix(_ listener: Int32) -> Int32? {
        while true {
            let fd = apus_accept_unix(listener)
            if fd >= 0 { return fd }
            if apus_errno() == APUS_EINTR { continue }
            return nil
        }
    }

    public static func raiseOpenFileLimit(to wanted: Int) -> Int { apus_raise_fd_limit(wanted) }
}

/// Why a listening socket could not be made: errno and the text Redis logs (its neterr).
public struct ListenError: Error, CustomStringConvertible {
    public let errno: Int32
    public let text: String
    public var description: String { text }
}

/// Delivers SIGTERM and SIGINT through an fd on the loop, so shutdown runs between commands.
public final class ShutdownSignals {
    public let fd: Int32

    public init() throws(SystemError) {
        fd = apus_signalfd_shutdown_signals()
        if fd < 0 { throw SystemError(call: "signalfd", errno: apus_errno()) }
    }

    /// The pending signal's number, 0 if none.
    public func take() -> Int32 { apus_signalfd_read(fd) }
}
