import CTLS
import Glibc
import RESP
import Reactor

// TLS clients on the reactor: the tls-port listeners, the non-blocking handshake, and reads and
// writes through the client's TLSConnection. A TLS client is an ordinary Client whose `tls` is
// set; the plain path pays one nil check. A client whose handshake never completes is an idle
// client like any other: `timeout` closes it (with timeout 0 it just waits, never blocking the
// loop), as in Redis, where the client exists from accept on.

struct TLSState {
    /// The contexts connections are made from; nil until TLS is configured.
    var contexts: TLSContexts?
    /// Gathers small reply pieces into whole records (one SSL_write per record, not per piece).
    var scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)
}

extension Server {
    /// Whether start-up needs the contexts (tlsConfigure runs when any of these is on).
    var tlsWanted: Bool {
        config.int("tls-port") != 0 || config.bool("tls-replication") || config.bool("tls-cluster")
    }

    /// Builds the contexts; false (logged) when the configuration is unusable.
    func configureTLS() -> Bool {
        guard let contexts = TLSContexts.build(config, warn: { [logger] in logger.warning("\($0)") }) else { return false }
        tls.contexts = contexts
        return true
    }

    /// CONFIG SET of tls-* directives rebuilds the contexts once per call (applyTlsCfg).
    func installTLSConfigHooks() {
        config.onChange(["tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
                         "tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file", "tls-ca-cert-file",
                         "tls-ca-cert-dir", "tls-protocols", "tls-ciphers", "tls-ciphersuites",
                         "tls-prefer-server-ciphers", "tls-session-caching", "tls-session-cache-size",
                         "tls-session-cache-timeout", "tls-replication", "tls-cluster", "tls-auth-clients"]) { [unowned self] in
            guard self.tlsWanted else { return nil }
            return self.configureTLS() ? nil : ErrorText.tlsReconfigureFailed
        }
        config.onChange("tls-port") { [unowned self] value in
            self.changeTLSPort(to: Int(value) ?? 0)
        }
    }

    /// CONFIG SET tls-port: the new listeners first, so a failure keeps the old ones.
    private func changeTLSPort(to port: Int) -> String? {
        if port != 0 && tls.contexts == nil && !configureTLS() { return ErrorText.tlsReconfigureFailed }
        return changeListenPort(port, kind: .tls) ? nil : "Unable to listen on this port. Check server logs."
    }

    /// An accepted socket gets its TLS session; false when none can be made.
    func attachTLS(_ client: Client) -> Bool {
        guard let contexts = tls.contexts else { return false }
        let mode: Int32
        switch config.string("tls-auth-clients") {
        case "no": mode = 0
        case "optional": mode = 2
        default: mode = 1
        }
        guard let connection = TLSConnection(context: contexts.server, fd: client.fd, accepting: true, clientAuth: mode) else {
            return false
        }
        client.tls = connection
        return true
    }

    /// A TLS client's event: the handshake until it is done, then reads and writes, each also run
    /// when the event the other one waited for arrives.
    func handleTLSClientEvent(_ client: Client, _ connection: TLSConnection, readable: Bool, writable: Bool) {
        if !connection.established {
            switch connection.handshake() {
            case .done:
                try? loop.setInterest(client.fd, client.reply.isEmpty ? .readable : [.readable, .writable])
            case .wantRead:
                try? loop.setInterest(client.fd, .readable)
                return
            case .wantWrite:
                try? loop.setInterest(client.fd, [.readable, .writable])
                return
            case .failed:
                logger.warning("Error accepting a client connection: \(connection.lastError)")
                closeClient(client)
                return
            }
        }
        let fd = client.fd
        if writable || (readable && connection.writeWantsRead) {
            if client.replicaLink != nil && replicaIsSyncing(client) {
                replicaSyncWritable(client)
                if self.client(fd: fd) !== client { return }
            } else if !writeReplies(client) { return }
        }
        if readable || (writable && connection.readWantsWrite) { readFromClient(client) }
    }

    /// SSL_read into the query buffer, and again while OpenSSL holds decrypted bytes (SSL_pending):
    /// they would never raise another epoll event. Leaves writeIndex as it found it, like a
    /// socket read; returns how many bytes were stored at it.
    func readTLS(_ client: Client, _ connection: TLSConnection, count: Int) -> IOResult {
        if !connection.established { return .wouldBlock }
        let query = client.query
        var total = 0
        var room = count
        while true {
            let result = connection.read(into: query.storage + query.writeIndex + total, count: room)
            guard case .bytes(let n) = result else {
                if connection.readWantsWrite { try? loop.setInterest(client.fd, [.readable, .writable]) }
                return total > 0 ? .bytes(total) : result
            }
            total += n
            let pending = connection.pending
            if pending == 0 { return .bytes(total) }
            query.writeIndex += total
            let shift = query.reserve(minimumWritable: pending, keepingFrom: client.parser.commandStart)
            client.parser.bufferDidShift(by: shift)
            query.writeIndex -= total
            room = query.capacity - query.writeIndex - total
        }
    }

    /// SSL_write of the queued replies: a big region as it is, small ones gathered into records.
    func writeTLS(_ client: Client, _ connection: TLSConnection) -> IOResult {
        // Nothing goes out before the handshake is done (its events drive it).
        if !connection.established { return .wouldBlock }
        let reply = client.reply
        if let region = reply.singleRegion {
            let result = connection.write(region)
            if case .bytes(let count) = result { reply.consume(count) }
            return result
        }
        var outcome = IOResult.wouldBlock
        let scratch = tls.scratch
        _ = reply.drain(maxPieces: 64) { regions in
            if regions[0].count >= scratch.count {
                outcome = connection.write(regions[0])
            } else {
                // Retries see the same leading bytes again, as SSL_write requires after WANT_*.
                var used = 0
                for region in regions where !region.isEmpty {
                    let n = min(region.count, scratch.count - used)
                    (scratch.baseAddress! + used).copyMemory(from: region.baseAddress!, byteCount: n)
                    used += n
                    if used == scratch.count { break }
                }
                outcome = connection.write(UnsafeRawBufferPointer(rebasing: scratch[0..<used]))
            }
            if case .bytes(let count) = outcome { return count }
            return 0
        }
        return outcome
    }

    /// A write to a client's socket outside the reply buffer (a replica's RDB and preambles).
    func writeToClient(_ client: Client, _ bytes: UnsafeRawBufferPointer) -> IOResult {
        if let connection = client.tls {
            let result = connection.write(bytes)
            if connection.writeWantsRead { try? loop.setInterest(client.fd, [.readable, .writable]) }
            return result
        }
        return Socket.write(client.fd, bytes)
    }
}
