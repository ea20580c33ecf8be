import Glibc
import Reactor

// The full resynchronization of a replica (replication.c's syncCommand tail,
// startBgsaveForReplication, replicationSetupSlaveForFullResync, updateSlavesWaitingBgsave,
// sendBulkToSlave and putSlaveOnline, Redis 7.0). One BGSAVE serves every replica that arrives
// before it starts, and a disk BGSAVE also serves those arriving while it runs (they copy the
// stream buffered by one already attached). With repl-diskless-sync and replicas that accept an
// EOF-framed payload, the child streams the RDB to their sockets (DisklessSync.swift) after
// repl-diskless-sync-delay seconds, to gather more replicas into one fork.

/// What the running RDB child writes to (rdb_child_type).
enum RDBChildTarget {
    case disk
    case sockets
}

extension Server {
    /// syncCommand's full-resync cases: join a BGSAVE to disk that another replica waits on,
    /// or wait for the next BGSAVE, starting it now when nothing delays it.
    func startOrJoinFullSync(_ c: Client, _ link: ReplicaLink) {
        if persistence.childKind == .rdb && persistence.rdbTarget == .disk {
            if let donor = replication.replicas.first(where: {
                $0 !== c && $0.replicaLink?.state == .waitBackgroundSaveEnd
                    && $0.replicaLink!.capabilities.isSubset(of: link.capabilities)
                    && $0.replicaLink!.rdbOnly == link.rdbOnly && $0.replicaLink!.excludeData == link.excludeData
            }), let donorLink = donor.replicaLink {
                // The same snapshot, and the stream the donor has buffered since it was taken.
                c.reply.appendCopy(of: donor.reply)
                setupForFullResync(c, link, offset: donorLink.initialOffset)
                logger.notice("Waiting for end of BGSAVE for SYNC")
            } else {
                logger.notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC")
            }
        } else if persistence.childKind == .rdb {
            logger.notice("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC")
        } else if config.bool("repl-diskless-sync") && link.capabilities.contains(.eof)
                    && config.int("repl-diskless-sync-delay") > 0 {
            logger.notice("Delay next BGSAVE for diskless SYNC")
        } else if !persistence.hasActiveChild {
            startBackgroundSaveForReplication()
        } else {
            logger.notice("No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed")
        }
    }

    /// replicationSetupSlaveForFullResync: the replica's snapshot ends at `offset`; the stream
    /// from here on is buffered for it, starting with a SELECT.
    func setupForFullResync(_ c: Client, _ link: ReplicaLink, offset: Int64) {
        link.initialOffset = offset
        link.state = .waitBackgroundSaveEnd
        replication.streamDatabase = -1
        if !link.preServerSync {
            let line = "+FULLRESYNC \(String(decoding: replication.replicationID, as: UTF8.self)) \(offset)\r\n"
            if !writeDirectly(c, line) { closeClientAsync(c) }
        }
    }

    /// startBgsaveForReplication: forks for every replica waiting to start that wants the same
    /// RDB as the first (shouldStartChildReplication); to their sockets when diskless sync is on
    /// (or the RDB is filtered) and all of them accept it.
    @discardableResult
    func startBackgroundSaveForReplication() -> Bool {
        let candidates = replication.replicas.filter { $0.replicaLink?.state == .waitBackgroundSaveStart }
        guard let first = candidates.first?.replicaLink else { return false }
        let waiting = candidates.filter { $0.replicaLink!.excludeData == first.excludeData }
        let everyoneTakesEOF = waiting.allSatisfy { $0.replicaLink!.capabilities.contains(.eof) }
        let toSockets = (config.bool("repl-diskless-sync") || first.excludeData) && everyoneTakesEOF
        logger.notice("Starting BGSAVE for SYNC with target: \(toSockets ? "replicas sockets" : "disk")")
        let started = toSockets ? startDisklessSync(waiting, excludeData: first.excludeData) : startBackgroundSave(target: .disk)
        guard started else {
            logger.warning("BGSAVE for replication failed")
            for replica in waiting {
                replica.replicaLink = nil
                replica.flags.remove(.replica)
                replication.replicas.removeAll { $0 === replica }
                replica.error(ErrorText.bgsaveForReplicationFailed)
                replica.flags.insert(.closeAfterReply)
                queueWrite(replica)
            }
            return false
        }
        if !toSockets {
            replication.rdbWrittenForReplicas = true
            for replica in waiting { setupForFullResync(replica, replica.replicaLink!, offset: replication.masterOffset) }
        }
        return true
    }

    /// updateSlavesWaitingBgsave: a disk BGSAVE ended; its replicas get the file (or an error).
    func replicasBackgroundSaveDone(ok: Bool) {
        for replica in replication.replicas {
            guard let link = replica.replicaLink, link.state == .waitBackgroundSaveEnd else { continue }
            guard ok else {
                logger.warning("SYNC failed. BGSAVE child returned an error")
                closeClientAsync(replica)
                continue
            }
            let path = config.string("dbfilename")
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            var info = stat()
            guard fd >= 0, fstat(fd, &info) == 0 else {
                if fd >= 0 { close(fd) }
                logger.warning("SYNC failed. Can't open/stat DB after BGSAVE: \(String(cString: strerror(errno)))")
                closeClientAsync(replica)
                continue
            }
            link.bulkFD = fd
            link.bulkOffset = 0
            link.bulkSize = Int(info.st_size)
            link.bulkPreamble = Array("$\(info.st_size)\r\n".utf8)
            link.state = .sendingBulk
            try? loop.setInterest(replica.fd, [.readable, .writable])
        }
    }

    /// sendBulkToSlave: the preamble, then the file, as the socket takes them.
    func sendBulkToReplica(_ c: Client) {
        guard let link = c.replicaLink, link.state == .sendingBulk else { return }
        if !link.bulkPreamble.isEmpty {
            let result = link.bulkPreamble.withUnsafeBytes { writeToClient(c, $0) }
            switch result {
            case .bytes(let n):
                link.bulkPreamble.removeFirst(n)
                stats.netReplicationOutputBytes += Int64(n)
                if !link.bulkPreamble.isEmpty { return }
            case .wouldBlock: return
            case .closed, .failed:
                closeClient(c)
                return
            }
        }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while link.bulkOffset < link.bulkSize {
            let got = buffer.withUnsafeMutableBytes { pread(link.bulkFD, $0.baseAddress, $0.count, off_t(link.bulkOffset)) }
            guard got > 0 else {
                logger.warning("Read error sending DB to replica: \(got == 0 ? "premature EOF" : String(cString: strerror(errno)))")
                closeClient(c)
                return
            }
            let result = buffer.withUnsafeBytes { writeToClient(c, UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            switch result {
            case .bytes(let n):
                link.bulkOffset += n
                stats.netReplicationOutputBytes += Int64(n)
                if n < got { return }
            case .wouldBlock: return
            case .closed, .failed:
                logger.warning("Write error sending DB to replica: \(String(cString: strerror(errno)))")
                closeClient(c)
                return
            }
        }
        close(link.bulkFD)
        link.bulkFD = -1
        try? loop.setInterest(c.fd, .readable)
        putReplicaOnline(c, link)
        logger.notice("Synchronization with replica \(replicaName(c)) succeeded")
    }

    /// replicationPutOnline / putSlaveOnline.
    func putReplicaOnline(_ c: Client, _ link: ReplicaLink) {
        link.state = .online
        link.ackTime = now / 1000
        if link.rdbOnly {
            // It asked for the RDB only: nothing follows it.
            c.reply.discardAll()
            c.flags.insert(.closeAfterReply)
            queueWrite(c)
            return
        }
        if !link.startStreamOnAck { startCommandStream(c) }
        refreshGoodReplicasCount()
    }

    /// replicaStartCommandStream: the stream buffered since the snapshot goes out.
    func startCommandStream(_ c: Client) {
        c.replicaLink?.startStreamOnAck = false
        queueWrite(c)
    }

    /// A replica left (freeClient's replica part): out of the list, its file closed.
    func detachReplica(_ c: Client) {
        guard let link = c.replicaLink else { return }
        if c.flags.contains(.replica) {
            replication.replicas.removeAll { $0 === c }
            if link.state == .online {
                logger.notice("Connection with replica \(replicaName(c)) lost.")
            }
            if replication.replicas.isEmpty { replication.noReplicasSince = now / 1000 }
            refreshGoodReplicasCount()
            disklessReplicaGone(c)
        }
        if link.bulkFD != -1 {
            close(link.bulkFD)
            link.bulkFD = -1
        }
        c.replicaLink = nil
    }

    /// replicationStartPendingFork: a BGSAVE for the replicas waiting to start, once nothing
    /// else runs and, for a diskless sync, once the delay has passed or enough replicas wait.
    func startPendingReplicationSave() {
        guard !persistence.hasActiveChild else { return }
        let waiting = replication.replicas.compactMap { c -> ReplicaLink? in
            c.replicaLink?.state == .waitBackgroundSaveStart ? c.replicaLink : nil
        }
        guard let oldest = waiting.map(\.waitingSince).min() else { return }
        if config.bool("repl-diskless-sync") {
            let maxReplicas = Int(config.int("repl-diskless-sync-max-replicas"))
            let idle = now / 1000 - oldest
            guard idle >= config.int("repl-diskless-sync-delay") || (maxReplicas > 0 && waiting.count >= maxReplicas) else { return }
        }
        startBackgroundSaveForReplication()
    }
}

extension Server {
    /// A replica whose RDB is on its way (a file being sent, or a diskless relay).
    func replicaIsSyncing(_ c: Client) -> Bool {
        guard let link = c.replicaLink else { return false }
        return link.state == .sendingBulk || (link.state == .waitBackgroundSaveEnd && isDisklessTarget(c))
    }

    func replicaSyncWritable(_ c: Client) {
        if c.replicaLink?.state == .sendingBulk { sendBulkToReplica(c) } else { disklessReplicaWritable(c) }
    }

    /// The stream goes out once the replica is online (after a diskless sync, once it ACKed).
    func mayStreamToReplica(_ c: Client) -> Bool {
        guard let link = c.replicaLink else { return true }
        return link.state == .online && !link.startStreamOnAck
    }
}
