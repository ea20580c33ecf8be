import CEpoll
import Glibc
import Reactor

// Diskless sync (rdbSaveToSlavesSockets, rdbPipeReadHandler and rdbPipeWriteHandler, Redis 7.0):
// the forked child writes the EOF-framed RDB into a pipe, and the parent relays it to every
// replica of this sync. The relay reads the next chunk only once every replica has taken the
// current one, so a slow replica holds the others back instead of filling memory, as in Redis.
// The child never touches the sockets: the parent's connection state (TLS later) stays its own.

/// The relay of one diskless sync.
final class DisklessTransfer {
    let pipeFD: Int32
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    var chunkLength = 0
    /// Each replica of this sync and how much of the current chunk it has taken.
    var targets: [(client: Client, written: Int)] = []
    var pipeAtEOF = false
    var childDone = false
    var childOK = false

    init(pipeFD: Int32) { self.pipeFD = pipeFD }
}

extension Server {
    /// rdbSaveToSlavesSockets: forks the child that writes into the pipe.
    func startDisklessSync(_ replicas: [Client], excludeData: Bool) -> Bool {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return false }
        let mark = ReplicationState.randomID()
        let pid = forkChild(.rdb)
        if pid == 0 {
            close(fds[0])
            let ok: Bool
            do {
                try writeRDBPayload(to: fds[1], eofMark: mark, excludeData: excludeData)
                ok = true
            } catch {
                persistenceLog(.warning, "\(error)")
                ok = false
            }
            close(fds[1])
            if ok { sendChildInfo(.rdbCOWSize, keys: 0, processName: "RDB") }
            apus_exit_now(ok ? 0 : 1)
        }
        close(fds[1])
        if pid == -1 {
            close(fds[0])
            logger.warning("Can't save in background: fork: \(String(cString: strerror(errno)))")
            return false
        }
        _ = apus_set_nonblocking(fds[0])
        // Not a save (rdbSaveToSlavesSockets): rdb_saves, the dirty count and the save points'
        // retry clock stay as they are.
        persistence.saveStartedAt = Int64(time(nil))
        persistence.rdbTarget = .sockets
        logger.notice("Background RDB transfer started by pid \(pid)")
        let transfer = DisklessTransfer(pipeFD: fds[0])
        for replica in replicas {
            setupForFullResync(replica, replica.replicaLink!, offset: replication.masterOffset)
            transfer.targets.append((replica, 0))
        }
        disklessTransfer = transfer
        do {
            try loop.watch(fds[0], .readable) { [unowned self] _, _, _ in self.relayDisklessPayload() }
        } catch {
            logger.warning("Can't watch the diskless sync pipe: \(error)")
        }
        return true
    }

    /// rdbPipeReadHandler: the next chunk from the child, to every replica.
    func relayDisklessPayload() {
        guard let transfer = disklessTransfer else { return }
        while !transfer.pipeAtEOF {
            // Every replica has the current chunk: read the next.
            let got = transfer.chunk.withUnsafeMutableBytes { read(transfer.pipeFD, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EAGAIN || errno == EINTR { return }
                logger.warning("Diskless rdb transfer, read error sending DB to replicas: \(String(cString: strerror(errno)))")
                killBackgroundSaveChild()
                endDisklessRelay()
                return
            }
            if got == 0 {
                logger.notice("Diskless rdb transfer, done reading from pipe, \(transfer.targets.count) replicas still up.")
                transfer.pipeAtEOF = true
                loop.unwatch(transfer.pipeFD)
                finishDisklessSyncIfComplete()
                return
            }
            transfer.chunkLength = got
            for index in transfer.targets.indices { transfer.targets[index].written = 0 }
            if !writeDisklessChunk(transfer) {
                // Someone could not take it all: wait for its socket before reading more.
                try? loop.setInterest(transfer.pipeFD, [])
                return
            }
            if transfer.targets.isEmpty {
                logger.warning("Diskless rdb transfer, last replica dropped, killing fork child.")
                killBackgroundSaveChild()
                endDisklessRelay()
                return
            }
        }
    }

    /// Writes the current chunk to each replica that lacks it; true when all have it.
    private func writeDisklessChunk(_ transfer: DisklessTransfer) -> Bool {
        var everyone = true
        var index = 0
        while index < transfer.targets.count {
            let (replica, written) = transfer.targets[index]
            if written < transfer.chunkLength {
                let result = transfer.chunk.withUnsafeBytes {
                    self.writeToClient(replica, UnsafeRawBufferPointer(rebasing: $0[written..<transfer.chunkLength]))
                }
                switch result {
                case .bytes(let n):
                    transfer.targets[index].written += n
                    stats.netReplicationOutputBytes += Int64(n)
                case .wouldBlock:
                    break
                case .closed, .failed:
                    logger.warning("Diskless rdb transfer, write error sending DB to replica: \(String(cString: strerror(errno)))")
                    transfer.targets.remove(at: index)
                    closeClientAsync(replica)
                    continue
                }
                if transfer.targets[index].written < transfer.chunkLength {
                    everyone = false
                    try? loop.setInterest(replica.fd, [.readable, .writable])
                } else if loop.interest(of: replica.fd).contains(.writable) {
                    try? loop.setInterest(replica.fd, .readable)
                }
            }
            index += 1
        }
        return everyone
    }

    /// rdbPipeWriteHandler: a replica's socket took more; once all have the chunk, read on.
    func disklessReplicaWritable(_ c: Client) {
        guard let transfer = disklessTransfer else { return }
        if writeDisklessChunk(transfer) && !transfer.pipeAtEOF {
            try? loop.setInterest(transfer.pipeFD, .readable)
            relayDisklessPayload()
        }
    }

    /// Whether `c` is fed by the running diskless relay.
    func isDisklessTarget(_ c: Client) -> Bool {
        disklessTransfer?.targets.contains { $0.client === c } ?? false
    }

    /// A replica of the relay went away.
    func disklessReplicaGone(_ c: Client) {
        guard let transfer = disklessTransfer else { return }
        transfer.targets.removeAll { $0.client === c }
        if transfer.targets.isEmpty && !transfer.pipeAtEOF {
            logger.warning("Diskless rdb transfer, last replica dropped, killing fork child.")
            killBackgroundSaveChild()
            endDisklessRelay()
        } else if !transfer.pipeAtEOF && transfer.targets.allSatisfy({ $0.written >= transfer.chunkLength }) {
            try? loop.setInterest(transfer.pipeFD, .readable)
        }
    }

    /// backgroundSaveDoneHandlerSocket: the child is reaped.
    func disklessSaveDone(exitCode: Int32, bySignal: Int32) {
        let ok = exitCode == 0 && bySignal == 0
        if ok {
            logger.notice("Background RDB transfer terminated with success")
        } else if bySignal == 0 {
            logger.warning("Background transfer error")
        } else {
            logger.warning("Background transfer terminated by signal \(bySignal)")
        }
        persistence.lastSaveDuration = Int64(time(nil)) - persistence.saveStartedAt
        persistence.saveStartedAt = -1
        guard let transfer = disklessTransfer else { return }
        transfer.childDone = true
        transfer.childOK = ok
        finishDisklessSyncIfComplete()
    }

    /// updateSlavesWaitingBgsave for a socket target: once the child is gone and every byte it
    /// wrote reached the replicas, they are online, streaming from their first ACK.
    private func finishDisklessSyncIfComplete() {
        guard let transfer = disklessTransfer, transfer.childDone else { return }
        if !transfer.childOK {
            for (replica, _) in transfer.targets {
                logger.warning("SYNC failed. BGSAVE child returned an error")
                closeClientAsync(replica)
            }
            endDisklessRelay()
            return
        }
        guard transfer.pipeAtEOF else { return }
        for (replica, _) in transfer.targets {
            guard let link = replica.replicaLink else { continue }
            logger.notice("Streamed RDB transfer with replica \(replicaName(replica)) succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming")
            link.startStreamOnAck = !link.ackedBeforeOnline
            putReplicaOnline(replica, link)
        }
        endDisklessRelay()
    }

    private func endDisklessRelay() {
        guard let transfer = disklessTransfer else { return }
        loop.unwatch(transfer.pipeFD)
        close(transfer.pipeFD)
        disklessTransfer = nil
    }
}
