import CEpoll
import Glibc
import RESP
import Reactor

// Accepting, reading, writing and closing client connections: the stages of networking.c.
// Reading parses and runs every complete command in the buffer; replies only queue the client,
// and before-sleep writes each queued client once per loop iteration.

extension Server {
    /// Accepts up to a batch of pending connections (MAX_ACCEPTS_PER_CALL in Redis), TCP, TLS
    /// and Unix alike (acceptTcpHandler / acceptTLSHandler / acceptUnixHandler, then
    /// acceptCommonHandler).
    func acceptClients(on listener: Int32, kind: ListenerKind) {
        for _ in 0..<1000 {
            let fd: Int32, peer: String, local: String
            if kind == .unix {
                guard let accepted = Socket.acceptUnix(listener) else { return }
                fd = accepted
                peer = "\(listeners.unixPath ?? ""):0"
                local = peer
                logger.info("Accepted connection to \(listeners.unixPath ?? "")")
            } else {
                guard let accepted = Socket.accept(listener) else { return }
                (fd, peer) = accepted
                local = Socket.localAddress(fd)
                logger.info("Accepted \(peer)")
            }
            if clientCount >= settings.maxClients {
                rejectConnection(fd, ErrorText.maxClientsReached)
                continue
            }
            if kind != .unix && deniedByProtectedMode(peer: peer) {
                // Redis refuses it once the client exists, so it has used up a client id.
                nextClientID += 1
                rejectConnection(fd, ErrorText.protectedModeDenied)
                continue
            }
            if kind != .unix {
                Socket.setNoDelay(fd)
                if settings.tcpKeepAlive > 0 { Socket.setKeepAlive(fd, interval: settings.tcpKeepAlive) }
            }
            refreshClock()
            let client = Client(server: self, fd: fd, peer: peer, local: local, id: nextClientID, now: now)
            if kind == .unix { client.flags.insert(.unixSocket) }
            nextClientID += 1
            if kind == .tls && !attachTLS(client) {
                Socket.close(fd)
                continue
            }
            do {
                try loop.watch(fd, .readable) { [unowned self] fd, readable, writable in
                    self.handleClientEvent(fd: fd, readable: readable, writable: writable)
                }
            } catch {
                Socket.close(fd)
                continue
            }
            stats.connectionsReceived += 1
            register(client)
        }
    }

    /// A best-effort error line, then the connection is dropped (counted in rejected_connections).
    private func rejectConnection(_ fd: Int32, _ line: StaticString) {
        _ = Socket.write(fd, UnsafeRawBufferPointer(start: line.utf8Start, count: line.utf8CodeUnitCount))
        stats.rejectedConnections += 1
        Socket.close(fd)
    }

    func register(_ client: Client) {
        let index = Int(client.fd)
        if index >= clientsByFD.count {
            clientsByFD.append(contentsOf: repeatElement(nil, count: max(index + 1, clientsByFD.count * 2) - clientsByFD.count))
        }
        clientsByFD[index] = client
        clientsByID[client.id] = client
        clientCount += 1
    }

    func client(fd: Int32) -> Client? {
        let index = Int(fd)
        return index >= 0 && index < clientsByFD.count ? clientsByFD[index] : nil
    }

    /// lookupClientByID.
    func clientByID(_ id: Int64) -> Client? { clientsByID[id] }

    /// Every connected client, in connection order (CLIENT LIST).
    var allClients: [Client] {
        clientsByFD.compactMap { $0 }.sorted { $0.id < $1.id }
    }

    func handleClientEvent(fd: Int32, readable: Bool, writable: Bool) {
        guard let client = client(fd: fd) else { return }
        if let connection = client.tls {
            handleTLSClientEvent(client, connection, readable: readable, writable: writable)
            return
        }
        if writable {
            // A replica in a full sync takes its RDB, not its reply buffer.
            if client.replicaLink != nil && replicaIsSyncing(client) {
                replicaSyncWritable(client)
                if self.client(fd: fd) !== client { return }
            } else if !writeReplies(client) { return }
        }
        if readable { readFromClient(client) }
    }

    // MARK: reading

    func readFromClient(_ client: Client) {
        if client.flags.contains(.closeAfterReply) || client.flags.contains(.closeASAP) {
            // Input after QUIT or a protocol error is ignored, as Redis does.
            drainSocket(client)
            return
        }
        let query = client.query
        var wanted = 16 * 1024
        // A big bulk (PROTO_MBULK_BIG_ARG) is read to its end and no further, as Redis does; from
        // 128 KiB (malloc's mmap threshold) into a buffer sized for it exactly, so tot-mem and
        // maxmemory-clients see its real size. Smaller ones keep the doubling: exact heap blocks
        // of 64 KiB or so per command leave glibc's heap fragmented (RSS grows).
        let bulkRemaining = client.parser.bytesWanted - query.readableCount
        let bigArgument = client.parser.bytesWanted >= 32 * 1024 + 2 && bulkRemaining > 0
        if bigArgument { wanted = bulkRemaining }
        let shift = query.reserve(minimumWritable: wanted, keepingFrom: client.parser.commandStart,
                                  exact: bigArgument && wanted >= 128 * 1024)
        client.parser.bufferDidShift(by: shift)
        let room = query.capacity - query.writeIndex
        let count = bigArgument ? wanted : min(room, max(wanted, 16 * 1024))
        let result: IOResult
        if let connection = client.tls {
            result = readTLS(client, connection, count: count)
        } else {
            result = Socket.read(client.fd, into: query.storage + query.writeIndex, count: count)
        }
        switch result {
        case .bytes(let count):
            query.writeIndex += count
            stats.netInputBytes += Int64(count)
        case .wouldBlock:
            return
        case .closed:
            logger.info("Client closed connection \(describe(client))")
            closeClient(client)
            return
        case .failed(let error):
            logger.debug("Reading from client: \(String(cString: strerror(error)))")
            closeClient(client)
            return
        }
        if Int64(query.readableCount) > settings.clientQueryBufferLimit {
            // Redis trims its buffer to the start of a big (>= 32 KiB) bulk, else to the command.
            let start = client.parser.bytesWanted >= 32 * 1024 + 2 ? query.readIndex : (client.parser.commandStart ?? query.readIndex)
            var initial: [UInt8] = []
            Server.appendQuoted(UnsafeRawBufferPointer(start: query.storage + start, count: min(64, query.writeIndex - start)),
                                to: &initial)
            logger.warning("Closing client that reached max query buffer length: \(describe(client)) (qbuf initial bytes: \(String(decoding: initial, as: UTF8.self)))")
            closeClient(client)
            return
        }
        refreshClock()
        client.lastInteraction = now
        processInput(client)
        if clientMemory.limit != 0 && self.client(fd: client.fd) === client {
            updateClientMemory(client)
            evictClients()
        }
    }

    /// The two prefetch stages for the commands after the one about to run.
    @inline(__always)
    private func prefetchAhead(_ client: Client, _ query: QueryBuffer) {
        let bytes = UnsafeRawBufferPointer(start: query.storage, count: query.writeIndex)
        guard let next = RequestPeek.firstKey(bytes, from: query.readIndex) else { return }
        client.withDatabase { db in
            db.prefetchEntries(next)
            if let after = RequestPeek.end(bytes, from: query.readIndex), after < query.writeIndex,
               let later = RequestPeek.firstKey(bytes, from: after) {
                db.prefetch(later)
            }
        }
    }

    /// Parses and runs every complete command in the client's buffer.
    func processInput(_ client: Client) {
        // A blocked client's input waits until it is unblocked (processUnblockedClients).
        if client.blocked != nil || client.controls.postponed { return }
        let query = client.query
        // The master's commands see the keys it has not expired yet; the mode is set once per
        // batch of its commands (checked again after each: a command may reset it).
        let isMaster = client.flags.contains(.master)
        defer { if isMaster { updateExpiryMode() } }
        while !client.flags.contains(.closeAfterReply) && !client.flags.contains(.closeASAP) {
            let commandStart = client.parser.commandStart ?? query.readIndex
            switch client.parser.parse(query) {
            case .command:
                client.loadArguments()
                // Pipelined: while this command runs, the next command's entries and the bucket
                // of the one after it load (Hashtable+Prefetch.swift).
                if query.readIndex < query.writeIndex { prefetchAhead(client, query) }
                if isMaster && databases[0].expiryMode != .keep {
                    for db in databases { db.expiryMode = .keep }
                }
                processCommand(client)
                if client.controls.postponed {
                    // CLIENT PAUSE: the command is parsed again when the client is let go.
                    query.readIndex = commandStart
                    client.parser.reset()
                    queueWrite(client)
                    return
                }
                // CLIENT REPLY OFF/SKIP cut first: dropped bytes never count against a limit.
                if client.controls.reply.rawValue != 0 && client.blocked == nil { replyCommandCompleted(client) }
                enforceOutputBufferLimits(client)
                // CLIENT CACHING applies to the next command only (but across a MULTI).
                if client.tracking.caching && client.transaction == nil && !client.argIs(0, "client") {
                    client.tracking.caching = false
                }
                client.parser.reset()
                if isMaster { masterCommandProcessed(client, from: commandStart, to: query.readIndex) }
                if client.blocked != nil {
                    queueWrite(client)
                    return
                }
            case .needMore:
                // A half-received command keeps its parsed arguments in the buffer.
                if client.parser.commandStart == nil { query.resetIfEmpty() }
                queueWrite(client)
                return
            case .protocolError(let reason):
                logger.info("Protocol error (\(reason)) from client: id=\(client.id) addr=\(client.peerAddress)")
                client.error("ERR Protocol error: \(reason)")
                client.flags.insert(.closeAfterReply)
                query.readIndex = query.writeIndex
                client.parser.reset()
            }
        }
        query.readIndex = query.writeIndex
        query.resetIfEmpty()
        queueWrite(client)
    }

    /// Reads and discards input from a client that is on its way out.
    private func drainSocket(_ client: Client) {
        let query = client.query
        query.readIndex = 0
        query.writeIndex = 0
        let result = client.tls.map { $0.read(into: query.storage, count: query.capacity) }
            ?? Socket.read(client.fd, into: query.storage, count: query.capacity)
        if case .closed = result {
            closeClient(client)
        }
    }

    // MARK: writing

    @inline(__always)
    func queueWrite(_ client: Client) {
        // A fake client (no socket) keeps its replies for whoever runs it.
        if client.reply.isEmpty || !client.flags.isDisjoint(with: [.pendingWrite, .fake]) { return }
        client.flags.insert(.pendingWrite)
        pendingWrites.append(client)
    }

    /// Writes what the client has queued. Returns false if the client was closed.
    @discardableResult
    func writeReplies(_ client: Client) -> Bool {
        // A replica's buffer holds the stream, which waits for its sync to finish.
        if client.flags.contains(.replica) && !mayStreamToReplica(client) { return true }
        let reply = client.reply
        reply.dropSilenced()
        while !reply.isEmpty {
            let result: IOResult
            if let connection = client.tls {
                result = writeTLS(client, connection)
            } else if let region = reply.singleRegion {
                result = Socket.write(client.fd, region)
                if case .bytes(let count) = result { reply.consume(count) }
            } else {
                var outcome = IOResult.wouldBlock
                _ = reply.drain(maxPieces: Int(APUS_IOV_MAX)) { regions in
                    outcome = Socket.writev(client.fd, regions)
                    if case .bytes(let count) = outcome { return count }
                    return 0
                }
                result = outcome
            }
            switch result {
            case .bytes(let count):
                stats.netOutputBytes += Int64(count)
                if count == 0 { return true }
            case .wouldBlock:
                // A TLS write that wants the socket readable waits for the read event instead.
                try? loop.setInterest(client.fd, client.tls?.writeWantsRead == true ? .readable : [.readable, .writable])
                return true
            case .closed, .failed:
                logger.debug("Error writing to client id=\(client.id)")
                closeClient(client)
                return false
            }
        }
        if client.flags.contains(.closeAfterReply) {
            closeClient(client)
            return false
        }
        if clientMemory.limit != 0 { updateClientMemory(client) }
        if loop.interest(of: client.fd).contains(.writable) && client.tls?.readWantsWrite != true {
            try? loop.setInterest(client.fd, .readable)
        }
        return true
    }

    /// Before-sleep: flush every client with pending replies and close the ones marked for it.
    func beforeSleep() {
        // Keys made ready outside a command (active expiry deleting a stream someone reads).
        if blocking.isActive && !blocking.readyKeys.isEmpty { serveReadyKeys() }
        if !blocking.unblocked.isEmpty { processUnblockedClients() }
        if loadingState.incremental != nil { armIncrementalLoadStep() }
        if tracking.broadcastPending { broadcastInvalidations() }
        if replication.getAckRequested || replication.acksArrived || replication.failover.phase == .waitingForSync {
            replicationBeforeSleep()
        }
        // The AOF is written (and with `always` fsynced) before any reply goes out.
        if aof.status != .off { flushAppendOnlyFile(force: false) }
        if !pendingWrites.isEmpty {
            let batch = pendingWrites
            pendingWrites.removeAll(keepingCapacity: true)
            for client in batch {
                client.flags.remove(.pendingWrite)
                if client.flags.contains(.closeASAP) { continue }
                writeReplies(client)
            }
        }
        if !clientsToClose.isEmpty {
            let batch = clientsToClose
            clientsToClose.removeAll()
            for client in batch { closeClient(client) }
        }
    }

    // MARK: closing

    func closeClient(_ client: Client) {
        guard self.client(fd: client.fd) === client else { return }
        if client.replicaLink != nil { detachReplica(client) }
        if client.flags.contains(.master) { masterLinkClosed(client) }
        if client.blocked != nil { forgetBlockedClient(client) }
        forgetPostponedClient(client)
        stopMonitoring(client)
        discardTransaction(client)
        unsubscribeEverything(client)
        if client.tracking.enabled { disableTracking(client) }
        loop.unwatch(client.fd)
        Socket.close(client.fd)
        clientsByFD[Int(client.fd)] = nil
        clientsByID[client.id] = nil
        clientCount -= 1
        if client.countedMemory != 0 { forgetClientMemory(client) }
        client.reply.discardAll()
    }

    /// Closes `client` at the next safe point (it may be the one running a command).
    func closeClientAsync(_ client: Client) {
        if client.flags.contains(.closeASAP) { return }
        client.flags.insert(.closeASAP)
        clientsToClose.append(client)
    }
}
