import Glibc
import RESP
import Reactor

// The master, seen from its replica (replicationCreateMasterClient, replicationCacheMaster,
// replicationResurrectCachedMaster and commandProcessed's master part, Redis 7.0): a client on
// the link whose commands are applied like any other but never answered (except REPLCONF
// GETACK), whose processed bytes advance our offset and are relayed to our own replicas as they
// came. When the link drops, its ID and offset are kept, so the next connect can continue with
// PSYNC.

extension Server {
    /// The link becomes a client; `streamStart` is what already arrived after the payload.
    func createMasterClient(offset: Int64, streamStart: [UInt8], database: Int = 0) {
        let fd = replication.linkFD
        refreshClock()
        let master = Client(server: self, fd: fd, peer: Socket.peerAddress(fd), local: Socket.localAddress(fd),
                            id: nextClientID, now: now)
        nextClientID += 1
        master.flags.insert(.master)
        master.tls = replication.linkTLS
        replication.linkTLS = nil
        master.authenticated = true
        master.user = acl.superuser
        master.appliedReplicationOffset = offset
        if database < databases.count { master.select(database) }
        do {
            try loop.watch(fd, .readable) { [unowned self] fd, readable, writable in
                self.handleClientEvent(fd: fd, readable: readable, writable: writable)
            }
        } catch {
            logger.warning("Can't watch the master link: \(error)")
        }
        register(master)
        replication.master = master
        replication.masterTransactionBytes.removeAll()
        replication.linkState = .connected
        replication.downSince = 0
        replication.handshakeInput.removeAll()
        if !streamStart.isEmpty {
            let query = master.query
            _ = query.reserve(minimumWritable: streamStart.count)
            streamStart.withUnsafeBufferPointer { (query.storage + query.writeIndex).update(from: $0.baseAddress!, count: $0.count) }
            query.writeIndex += streamStart.count
            processInput(master)
        }
        // The stream's first bytes may already be decrypted, waiting in OpenSSL.
        if let connection = master.tls, connection.pending > 0, self.client(fd: fd) === master { readFromClient(master) }
    }

    /// After a command of the master was applied: the bytes it took advance our offset and go to
    /// our replicas unchanged. Inside the master's MULTI they wait for its EXEC.
    func masterCommandProcessed(_ master: Client, from start: Int, to end: Int) {
        master.reply.discardAll()
        let length = end - start
        guard length > 0 else { return }
        let bytes = UnsafeRawBufferPointer(start: master.query.storage + start, count: length)
        if master.transaction != nil || !replication.masterTransactionBytes.isEmpty {
            replication.masterTransactionBytes.append(contentsOf: bytes)
            if master.transaction != nil { return }
            let transaction = replication.masterTransactionBytes
            replication.masterTransactionBytes.removeAll(keepingCapacity: true)
            master.appliedReplicationOffset += Int64(transaction.count)
            transaction.withUnsafeBytes { feedReplicationFromMaster($0) }
            return
        }
        master.appliedReplicationOffset += Int64(length)
        feedReplicationFromMaster(bytes)
    }

    /// replicationSendAck: REPLCONF ACK <offset>, straight to the socket.
    func sendAckToMaster() {
        guard let master = replication.master else { return }
        let offset = String(master.appliedReplicationOffset)
        let text = "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$\(offset.utf8.count)\r\n\(offset)\r\n"
        _ = writeDirectly(master, text)
    }

    /// freeClient of the master: cache it for a partial resync (replicationCacheMaster), then
    /// replicationHandleMasterDisconnection.
    func masterLinkClosed(_ master: Client) {
        guard replication.master === master else { return }
        logger.notice("Connection with master lost.")
        logger.notice("* Caching the disconnected master state.")
        replication.cachedMasterID = replication.replicationID
        replication.cachedMasterOffset = master.appliedReplicationOffset
        replication.cachedMasterDB = master.databaseIndex
        replication.master = nil
        replication.linkFD = -1
        if replication.linkState != .none { replication.linkState = .connect }
        replication.downSince = now / 1000
        // A transaction of the master cut in the middle never happened.
        discardTransaction(master)
        replication.masterTransactionBytes.removeAll()
    }

    /// replicationDiscardCachedMaster.
    func discardCachedMaster() {
        guard replication.cachedMasterID != nil else { return }
        logger.notice("Discarding previously cached master state.")
        replication.cachedMasterID = nil
        replication.cachedMasterOffset = 0
    }

    /// replicationResurrectCachedMaster: the stream continues on the new socket.
    func resurrectCachedMaster() {
        let offset = replication.cachedMasterOffset
        let leftover = replication.handshakeInput
        replication.cachedMasterID = nil
        loop.unwatch(replication.linkFD)
        if replication.backlog == nil { createReplicationBacklog() }
        createMasterClient(offset: offset, streamStart: leftover, database: replication.cachedMasterDB)
    }

    /// replicationCacheMasterUsingMyself: a master turned replica continues from its own
    /// history, so its new master may accept a partial resync.
    func cacheMasterUsingMyself() {
        replication.cachedMasterID = replication.replicationID
        replication.cachedMasterOffset = replication.masterOffset
        // The new master starts its stream with a SELECT.
        replication.cachedMasterDB = 0
        logger.notice("Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.")
    }
}
