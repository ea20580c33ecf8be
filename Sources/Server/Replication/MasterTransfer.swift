import Glibc
import Persistence
import Reactor

// The full sync's payload on the replica (readSyncBulkPayload, Redis 7.0): the `$<len>` or
// `$EOF:<mark>` line (newlines before it are the master's keepalive, an error line aborts), then
// the RDB itself, read as the socket delivers it. Once whole, the old dataset goes and the RDB
// is loaded; the link becomes the master client, its stream starting at the +FULLRESYNC offset.
// The payload is kept in memory (Redis writes it to a temp file unless repl-diskless-load says
// otherwise); loading it goes through the same loader as a file.

extension Server {
    /// The transfer starts with whatever followed the PSYNC reply in the last read.
    func beginPayloadTransfer() {
        replication.transfer = PayloadTransfer()
        replication.transfer.received = replication.handshakeInput
        replication.handshakeInput.removeAll()
        replication.linkState = .transfer
        replication.transferLastIO = now / 1000
        // A new history: our replicas must sync again, and nobody can continue from our backlog.
        disconnectReplicas()
        freeReplicationBacklog()
        processMasterPayload()
    }

    func readMasterPayload() {
        var transfer = replication.transfer
        replication.transfer = PayloadTransfer()
        var wanted = 64 * 1024
        if transfer.size >= 0 {
            // A sized payload: never read past it, the stream follows at once.
            wanted = min(wanted, transfer.size - transfer.received.count)
        }
        if wanted > 0 {
            let start = transfer.received.count
            transfer.received.append(contentsOf: repeatElement(0, count: wanted))
            let result = transfer.received.withUnsafeMutableBufferPointer {
                readFromMasterLink(into: $0.baseAddress! + start, count: wanted)
            }
            switch result {
            case .bytes(let n):
                transfer.received.removeLast(wanted - n)
                replication.transferLastIO = now / 1000
                stats.netReplicationInputBytes += Int64(n)
            case .wouldBlock:
                transfer.received.removeLast(wanted)
                replication.transfer = transfer
                return
            case .closed, .failed:
                logger.warning("I/O error trying to sync with MASTER: connection lost")
                failMasterHandshake()
                return
            }
        }
        replication.transfer = transfer
        processMasterPayload()
    }

    /// Parses the preamble when it is there, and finishes when the payload is whole.
    private func processMasterPayload() {
        var transfer = replication.transfer
        if !transfer.started {
            // Keepalive newlines first, then the one line that says how the payload ends.
            while transfer.received.first == 10 { transfer.received.removeFirst() }
            guard let newline = transfer.received.firstIndex(of: 10) else {
                replication.transfer = transfer
                return
            }
            var end = newline
            if end > 0 && transfer.received[end - 1] == 13 { end -= 1 }
            let line = Array(transfer.received[0..<end])
            transfer.received.removeFirst(newline + 1)
            if line.first == UInt8(ascii: "-") {
                logger.warning("MASTER aborted replication with an error: \(String(decoding: line.dropFirst(), as: UTF8.self))")
                failMasterHandshake()
                return
            }
            guard line.first == UInt8(ascii: "$") else {
                logger.warning("Bad protocol from MASTER, the first byte is not '$' (we received '\(String(decoding: line, as: UTF8.self))'), are you sure the host and port are right?")
                failMasterHandshake()
                return
            }
            transfer.started = true
            let body = line.dropFirst()
            if body.starts(with: "EOF:".utf8) && body.count >= 4 + 40 {
                transfer.eofMark = Array(body.dropFirst(4).prefix(40))
                logger.notice("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to \(payloadTarget)")
            } else if let size = Int(String(decoding: body, as: UTF8.self)), size >= 0 {
                transfer.size = size
                logger.notice("MASTER <-> REPLICA sync: receiving \(size) bytes from master to \(payloadTarget)")
            } else {
                logger.warning("Bad protocol from MASTER, the first byte is not '$' (we received '\(String(decoding: line, as: UTF8.self))'), are you sure the host and port are right?")
                failMasterHandshake()
                return
            }
        }
        var extra: [UInt8] = []
        if let mark = transfer.eofMark {
            guard transfer.received.count >= mark.count,
                  transfer.received.suffix(mark.count).elementsEqual(mark) else {
                replication.transfer = transfer
                return
            }
            transfer.received.removeLast(mark.count)
        } else {
            guard transfer.received.count >= transfer.size else {
                replication.transfer = transfer
                return
            }
            if transfer.received.count > transfer.size {
                extra = Array(transfer.received[transfer.size...])
                transfer.received.removeLast(transfer.received.count - transfer.size)
            }
        }
        replication.transfer = PayloadTransfer()
        loadMasterPayload(transfer.received, streamStart: extra, usedEOFMark: transfer.eofMark != nil)
    }

    /// Where the payload goes before it is loaded, as the log says it.
    private var payloadTarget: String { config.string("repl-diskless-load") == "disabled" ? "disk" : "parser" }

    /// The payload is whole: flush, load, and become the master's replica.
    private func loadMasterPayload(_ payload: [UInt8], streamStart: [UInt8], usedEOFMark: Bool) {
        // An AOF rewrite or a BGSAVE would copy every page the load touches.
        if persistence.childKind == .rdb { killBackgroundSaveChild() }
        let aofWasOn = aof.status != .off
        if aofWasOn { stopAppendOnly() }
        logger.notice("MASTER <-> REPLICA sync: Flushing old data")
        loop.unwatch(replication.linkFD)
        replication.loadingMasterPayload = true
        logger.notice("MASTER <-> REPLICA sync: Loading DB in memory")
        loadReplicationPayload(payload) { [unowned self] outcome in
            self.replication.loadingMasterPayload = false
            switch outcome {
            case .failure(let error):
                logger.warning("Failed trying to load the MASTER synchronization DB from socket, check server logs. \(error)")
                // A half-loaded dataset is worse than none.
                for db in self.databases { _ = db.removeAll() }
                self.failMasterHandshake()
            case .success:
                self.attachToMaster(afterFullSyncWith: streamStart)
                logger.notice("MASTER <-> REPLICA sync: Finished with success")
                // After a diskless transfer the master streams only once it hears from us.
                if usedEOFMark { self.sendAckToMaster() }
                if self.config.bool("rdb-del-sync-files") && self.persistenceDisabled && !aofWasOn
                    && self.config.string("repl-diskless-load") == "disabled" {
                    logger.notice("Removing the RDB file obtained from the master. This replica has persistence disabled")
                    unlink(self.config.string("dbfilename"))
                }
            }
            if aofWasOn { self.restartAppendOnlyAfterSync() }
        }
    }

    /// restartAOFAfterSYNC.
    private func restartAppendOnlyAfterSync() {
        if !startAppendOnly() {
            logger.warning("Failed enabling the AOF after successful master synchronization! Trying it again in one second.")
        }
    }

    /// replicationCreateMasterClient after a full sync: the master's ID and offset are ours.
    private func attachToMaster(afterFullSyncWith streamStart: [UInt8]) {
        replication.replicationID = replication.masterInitialID.count == 40 ? replication.masterInitialID : ReplicationState.randomID()
        replication.masterOffset = replication.masterInitialOffset
        clearSecondReplicationID()
        createMasterClient(offset: replication.masterInitialOffset, streamStart: streamStart)
        // Our replicas will continue from here with the master's history.
        createReplicationBacklog()
    }

    func abortMasterPayloadLoad() {
        cancelIncrementalLoadIfRunning()
        replication.loadingMasterPayload = false
    }
}
