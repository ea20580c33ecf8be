import Glibc
import Reactor

// MIGRATE over TLS (tls-cluster yes): the connection's handshake runs blocking, bounded by the
// command's timeout, as Redis's connTLSBlockingConnect does on the loop thread.

extension Server {
    /// A TLS session on the connected MIGRATE socket, nil when the handshake failed or ran out
    /// of time (the socket is closed by its owner).
    func migrateTLSHandshake(_ fd: Int32, timeout: Int64) -> TLSConnection? {
        guard let contexts = tls.contexts,
              let connection = TLSConnection(context: contexts.forOutgoing, fd: fd, accepting: false) else { return nil }
        let start = EventLoop.monotonicMilliseconds()
        while true {
            let events: Int16
            switch connection.handshake() {
            case .done: return connection
            case .failed:
                logger.warning("MIGRATE: TLS handshake failed: \(connection.lastError)")
                return nil
            case .wantRead: events = Int16(POLLIN)
            case .wantWrite: events = Int16(POLLOUT)
            }
            let left = timeout - (EventLoop.monotonicMilliseconds() - start)
            if left <= 0 || !SyncIO.wait(fd, events, milliseconds: left) { return nil }
        }
    }
}
