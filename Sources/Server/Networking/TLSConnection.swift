import CTLS
import Reactor

// One TLS session over a non-blocking socket. Reads and writes answer IOResult like Socket's, so
// callers treat both alike; what differs is that a read may need the socket writable and a write
// may need it readable (a TLS 1.3 key update, a renegotiation): the flags record that, and the
// event handler runs the other operation when that event arrives (tls.c's WANT_READ/WANT_WRITE).

final class TLSConnection {
    let ssl: OpaquePointer
    /// The handshake finished; until then reads and writes drive it instead.
    private(set) var established = false
    /// The last read wanted the socket writable / the last write wanted it readable.
    var readWantsWrite = false
    var writeWantsRead = false
    /// Why the connection failed, for the log.
    private(set) var lastError = ""

    enum HandshakeStep {
        case done, wantRead, wantWrite, failed
    }

    /// An accepted connection (`clientAuth`: 0 no, 1 yes, 2 optional), or an outgoing one.
    init?(context: OpaquePointer, fd: Int32, accepting: Bool, clientAuth: Int32 = 1, serverName: String? = nil) {
        guard let ssl = SSL_new(context) else { return nil }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        if accepting {
            apus_tls_set_client_auth(ssl, clientAuth)
            SSL_set_accept_state(ssl)
        } else {
            if let serverName { apus_tls_set_sni(ssl, serverName) }
            SSL_set_connect_state(ssl)
        }
    }

    deinit { SSL_free(ssl) }

    /// One non-blocking step of the handshake.
    func handshake() -> HandshakeStep {
        var sysErrno: Int32 = 0
        switch apus_tls_handshake(ssl, &sysErrno) {
        case 1:
            established = true
            return .done
        case APUS_TLS_WANT_READ: return .wantRead
        case APUS_TLS_WANT_WRITE: return .wantWrite
        default:
            let text = TLSContexts.errorText()
            lastError = !text.isEmpty ? text : (sysErrno != 0 ? String(cString: strerror(sysErrno)) : "connection closed")
            return .failed
        }
    }

    /// Decrypted bytes already read from the socket that a read has not taken (SSL_pending).
    var pending: Int { Int(SSL_pending(ssl)) }

    func read(into buffer: UnsafeMutableRawPointer, count: Int) -> IOResult {
        var sysErrno: Int32 = 0
        let n = apus_tls_read(ssl, buffer, Int32(clamping: count), &sysErrno)
        readWantsWrite = false
        return outcome(n, sysErrno, reading: true)
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        if bytes.isEmpty { return .bytes(0) }
        var sysErrno: Int32 = 0
        let n = apus_tls_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count), &sysErrno)
        writeWantsRead = false
        return outcome(n, sysErrno, reading: false)
    }

    private func outcome(_ n: Int32, _ sysErrno: Int32, reading: Bool) -> IOResult {
        if n > 0 { return .bytes(Int(n)) }
        switch n {
        case APUS_TLS_WANT_READ:
            if !reading { writeWantsRead = true }
            return .wouldBlock
        case APUS_TLS_WANT_WRITE:
            if reading { readWantsWrite = true }
            return .wouldBlock
        case APUS_TLS_CLOSED:
            return .closed
        default:
            lastError = TLSContexts.errorText()
            return .failed(sysErrno)
        }
    }
}
