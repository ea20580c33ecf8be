import Reactor

// The replica's link to its master over TLS (tls-replication yes): once the TCP connect is done
// the handshake runs on the link's events, and only then does the replication handshake start
// (as Redis's connConnect calls back after the TLS handshake). The session moves to the master
// client when the link becomes one.

extension Server {
    /// Drives the TLS handshake on the connected link; true once it is done.
    func masterLinkTLSHandshake(_ fd: Int32) -> Bool {
        if replication.linkTLS == nil {
            guard let contexts = tls.contexts,
                  let connection = TLSConnection(context: contexts.forOutgoing, fd: fd, accepting: false) else {
                logger.warning("Error condition on socket for SYNC: TLS is not configured")
                failMasterHandshake()
                return false
            }
            replication.linkTLS = connection
        }
        guard let connection = replication.linkTLS else { return false }
        if connection.established { return true }
        switch connection.handshake() {
        case .done:
            return true
        case .wantRead:
            try? loop.setInterest(fd, .readable)
        case .wantWrite:
            try? loop.setInterest(fd, [.readable, .writable])
        case .failed:
            logger.warning("Error condition on socket for SYNC: \(connection.lastError)")
            failMasterHandshake()
        }
        return false
    }

    func readFromMasterLink(into buffer: UnsafeMutablePointer<UInt8>, count: Int) -> IOResult {
        guard let connection = replication.linkTLS else { return Socket.read(replication.linkFD, into: buffer, count: count) }
        let result = connection.read(into: buffer, count: count)
        // A read that wants the socket writable is retried on that event (the link's handler runs
        // the same step for either).
        try? loop.setInterest(replication.linkFD, connection.readWantsWrite ? [.readable, .writable] : .readable)
        return result
    }

    func writeToMasterLink(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        if let connection = replication.linkTLS { return connection.write(bytes) }
        return Socket.write(replication.linkFD, bytes)
    }
}
