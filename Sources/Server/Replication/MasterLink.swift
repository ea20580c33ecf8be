import CEpoll
import Glibc
import Reactor

// The replica's side of the link (replication.c's connectWithMaster, syncWithMaster and
// slaveTryPartialResynchronization, Redis 7.0): a non-blocking connect on the reactor, then the
// handshake one reply at a time — PING, AUTH, REPLCONF listening-port / ip-address / capa, PSYNC
// — each answer read when the socket turns readable, every step bounded by repl-timeout from
// the cron. +CONTINUE resumes from the cached master; +FULLRESYNC leads to the payload transfer
// (MasterTransfer.swift).

extension Server {
    /// connectWithMaster.
    func connectToMaster() {
        guard let host = replication.masterHost else { return }
        logger.notice("Connecting to MASTER \(host):\(replication.masterPort)")
        guard let fd = Socket.connect(host: host, port: replication.masterPort) else {
            logger.warning("Unable to connect to MASTER: \(String(cString: strerror(errno)))")
            return
        }
        do {
            try loop.watch(fd, [.readable, .writable]) { [unowned self] fd, readable, writable in
                self.masterLinkEvent(fd: fd)
            }
        } catch {
            Socket.close(fd)
            return
        }
        replication.linkFD = fd
        replication.transferLastIO = now / 1000
        replication.linkState = .connecting
        replication.handshakeInput.removeAll()
        logger.notice("MASTER <-> REPLICA sync started")
    }

    /// syncWithMaster: one step of the handshake per event.
    private func masterLinkEvent(fd: Int32) {
        guard fd == replication.linkFD else { return }
        if replication.linkState == .none {
            cancelMasterHandshake()
            return
        }
        if replication.linkState == .connecting {
            let error = Socket.pendingError(fd)
            if error != 0 {
                logger.warning("Error condition on socket for SYNC: \(String(cString: strerror(error)))")
                failMasterHandshake()
                return
            }
            if config.bool("tls-replication") && !masterLinkTLSHandshake(fd) { return }
            logger.notice("Non blocking connect for SYNC fired the event.")
            try? loop.setInterest(fd, .readable)
            replication.linkState = .receivePong
            sendToMaster(["PING"])
            return
        }
        if replication.linkState == .transfer {
            // Decrypted bytes OpenSSL already holds raise no further event.
            repeat { readMasterPayload() } while replication.linkState == .transfer && (replication.linkTLS?.pending ?? 0) > 0
            return
        }
        // Every other state waits for a reply line.
        guard readHandshakeInput() else { return }
        while let line = nextHandshakeLine() {
            if !handleHandshakeReply(line) { return }
            if replication.linkState == .transfer || replication.linkState == .connected { return }
        }
    }

    /// Reads what arrived; false when the link failed (already torn down).
    private func readHandshakeInput() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let result = buffer.withUnsafeMutableBufferPointer { readFromMasterLink(into: $0.baseAddress!, count: $0.count) }
        switch result {
        case .bytes(let n):
            replication.handshakeInput.append(contentsOf: buffer[0..<n])
            replication.transferLastIO = now / 1000
            stats.netReplicationInputBytes += Int64(n)
            if (replication.linkTLS?.pending ?? 0) > 0 { return readHandshakeInput() }
            return true
        case .wouldBlock:
            return true
        case .closed:
            logger.warning("Master closed the connection during the handshake")
            failMasterHandshake()
            return false
        case .failed(let error):
            logger.warning("Error reading from MASTER: \(String(cString: strerror(error)))")
            failMasterHandshake()
            return false
        }
    }

    private func nextHandshakeLine() -> String? {
        guard let newline = replication.handshakeInput.firstIndex(of: 10) else { return nil }
        var end = newline
        if end > 0 && replication.handshakeInput[end - 1] == 13 { end -= 1 }
        let line = String(decoding: replication.handshakeInput[0..<end], as: UTF8.self)
        replication.handshakeInput.removeFirst(newline + 1)
        return line
    }

    /// One reply of the handshake; false when it failed or waits on something else.
    private func handleHandshakeReply(_ line: String) -> Bool {
        switch replication.linkState {
        case .receivePong:
            if !line.hasPrefix("+") && !line.hasPrefix("-NOAUTH") && !line.hasPrefix("-NOPERM")
                && !line.hasPrefix("-ERR operation not permitted") {
                logger.warning("Error reply to PING from master: '\(line)'")
                failMasterHandshake()
                return false
            }
            logger.notice("Master replied to PING, replication can continue...")
            sendHandshake()
        case .receiveAuth:
            if line.hasPrefix("-") {
                logger.warning("Unable to AUTH to MASTER: \(line)")
                failMasterHandshake()
                return false
            }
            replication.linkState = .receivePort
        case .receivePort:
            if line.hasPrefix("-") {
                logger.notice("(Non critical) Master does not understand REPLCONF listening-port: \(line)")
            }
            replication.linkState = config.string("replica-announce-ip").isEmpty ? .receiveCapa : .receiveIP
        case .receiveIP:
            if line.hasPrefix("-") {
                logger.notice("(Non critical) Master does not understand REPLCONF ip-address: \(line)")
            }
            replication.linkState = .receiveCapa
        case .receiveCapa:
            if line.hasPrefix("-") {
                logger.notice("(Non critical) Master does not understand REPLCONF capa: \(line)")
            }
            sendPsync()
        case .receivePsync:
            return handlePsyncReply(line)
        default:
            break
        }
        return true
    }

    /// The rest of the handshake, pipelined as Redis sends it.
    private func sendHandshake() {
        let auth = config.string("masterauth")
        if !auth.isEmpty {
            let user = config.string("masteruser")
            sendToMaster(user.isEmpty ? ["AUTH", auth] : ["AUTH", user, auth])
        }
        let announcedPort = config.int("replica-announce-port")
        // Over TLS the replica is reached on its tls-port.
        let listeningPort = config.bool("tls-replication") ? Int(config.int("tls-port")) : settings.port
        sendToMaster(["REPLCONF", "listening-port", String(announcedPort != 0 ? Int(announcedPort) : listeningPort)])
        let announcedIP = config.string("replica-announce-ip")
        if !announcedIP.isEmpty { sendToMaster(["REPLCONF", "ip-address", announcedIP]) }
        sendToMaster(["REPLCONF", "capa", "eof", "capa", "psync2"])
        replication.linkState = auth.isEmpty ? .receivePort : .receiveAuth
    }

    /// slaveTryPartialResynchronization's write half: the cached master's ID and offset + 1,
    /// or "? -1".
    private func sendPsync() {
        replication.masterInitialOffset = -1
        var psync: [String]
        if let id = replication.cachedMasterID {
            let offset = replication.cachedMasterOffset + 1
            logger.notice("Trying a partial resynchronization (request \(String(decoding: id, as: UTF8.self)):\(offset)).")
            psync = ["PSYNC", String(decoding: id, as: UTF8.self), String(offset)]
        } else {
            logger.notice("Partial resynchronization not possible (no cached master)")
            psync = ["PSYNC", "?", "-1"]
        }
        // A master handing over asks its target to take over first.
        if replication.failover.phase == .inProgress { psync.append("FAILOVER") }
        guard sendToMaster(psync) else {
            logger.warning("Unable to send PSYNC to master: \(String(cString: strerror(errno)))")
            abortFailover("Write error to failover target")
            failMasterHandshake()
            return
        }
        replication.linkState = .receivePsync
    }

    /// slaveTryPartialResynchronization's read half.
    private func handlePsyncReply(_ line: String) -> Bool {
        // A newline is the master's keepalive while it prepares the RDB.
        if line.isEmpty { return true }
        if line.hasPrefix("+FULLRESYNC") {
            let parts = line.split(separator: " ")
            if parts.count >= 3, parts[1].utf8.count == 40, let offset = Int64(parts[2]) {
                replication.masterInitialID = Array(parts[1].utf8)
                replication.masterInitialOffset = offset
                logger.notice("Full resync from master: \(parts[1]):\(offset)")
            } else {
                logger.warning("Master replied with wrong +FULLRESYNC syntax.")
                replication.masterInitialID = []
            }
            _ = failoverPsyncAnswered(accepted: true)
            discardCachedMaster()
            beginPayloadTransfer()
            return false
        }
        if line.hasPrefix("+CONTINUE") {
            logger.notice("Successful partial resynchronization with master.")
            let newID = line.split(separator: " ").dropFirst().first.map { Array($0.utf8) }
            if let newID, newID.count == 40, let cached = replication.cachedMasterID, newID != cached {
                // The master's history continues under a new ID: ours too, keeping the old one
                // for our own replicas' partial resyncs.
                replication.replicationID2 = cached
                replication.secondReplicationOffset = replication.masterOffset + 1
                replication.replicationID = newID
                logger.notice("Master replication ID changed to \(String(decoding: newID, as: UTF8.self))")
                disconnectReplicas()
            }
            resurrectCachedMaster()
            _ = failoverPsyncAnswered(accepted: true)
            logger.notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
            return false
        }
        if line.hasPrefix("-NOMASTERLINK") || line.hasPrefix("-LOADING") {
            logger.notice("Master is currently unable to PSYNC but should be in the future: \(line)")
            guard failoverPsyncAnswered(accepted: false) else { return false }
            failMasterHandshake()
            return false
        }
        if line.hasPrefix("-ERR") {
            logger.notice("Master does not support PSYNC or is in error state (reply: \(line))")
        } else {
            logger.warning("Unexpected reply to PSYNC from master: \(line)")
        }
        guard failoverPsyncAnswered(accepted: false) else { return false }
        discardCachedMaster()
        logger.notice("Retrying with SYNC...")
        sendToMaster(["SYNC"])
        beginPayloadTransfer()
        return false
    }

    /// A command in RESP on the link, during the handshake (the socket's buffer is empty then).
    @discardableResult
    func sendToMaster(_ arguments: [String]) -> Bool {
        var bytes = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            bytes += Array("$\(argument.utf8.count)\r\n".utf8) + Array(argument.utf8) + [13, 10]
        }
        let result = bytes.withUnsafeBytes { writeToMasterLink($0) }
        if case .bytes(let n) = result, n == bytes.count { return true }
        return false
    }

    /// undoConnectWithMaster / replicationAbortSyncTransfer: the attempt ends; the cron retries.
    func failMasterHandshake() {
        cancelMasterHandshake()
        if replication.linkState != .none { replication.linkState = .connect }
    }

    /// cancelReplicationHandshake.
    @discardableResult
    func cancelMasterHandshake() -> Bool {
        let inProgress = replication.linkState != .none && replication.linkState != .connect
            && replication.linkState != .connected
        if replication.loadingMasterPayload { abortMasterPayloadLoad() }
        if replication.linkFD != -1 && replication.master == nil {
            loop.unwatch(replication.linkFD)
            Socket.close(replication.linkFD)
        }
        replication.linkFD = -1
        replication.linkTLS = nil
        replication.handshakeInput.removeAll()
        replication.transfer = PayloadTransfer()
        if inProgress { replication.linkState = .connect }
        return inProgress
    }

    /// disconnectSlaves: our replicas must sync again (our history changed).
    func disconnectReplicas() {
        for replica in replication.replicas { closeClientAsync(replica) }
    }
}
