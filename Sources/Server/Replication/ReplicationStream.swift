import Glibc

// replicationFeedSlaves and replicationFeedStreamFromMasterStream (replication.c, 7.0): the
// replication stream is the propagation stream's commands with a SELECT before a command whose
// database is not the stream's; every byte goes into the backlog, advancing master_repl_offset,
// and to each replica past the start of its BGSAVE. A replica does not produce a stream of its
// own: it relays its master's bytes unchanged to its replicas (chained replication), so that
// every server of a chain has the same stream at the same offsets.

extension Server {
    /// createReplicationBacklog, and the propagation consumer that feeds it.
    func createReplicationBacklog() {
        guard replication.backlog == nil else { return }
        replication.backlog = ReplicationBacklog(size: Int(config.int("repl-backlog-size")),
                                                 nextOffset: replication.masterOffset + 1)
        // A new stream: whatever database it used before must be selected again.
        replication.streamDatabase = -1
        if replicationConsumerToken == nil {
            // unowned(unsafe): the stream belongs to the server, and a checked reference would
            // cost an atomic increment and decrement per propagated command.
            replicationConsumerToken = propagation.addConsumer(kind: 2) { [unowned(unsafe) self] db, command in
                self.feedReplicationStream(db: db, command)
            }
            pauseReplicationConsumerOnReplica()
        }
    }

    /// A replica's writes are its master's, relayed as they came (feedReplicationFromMaster): its
    /// own backlog consumer is paused, so they are not encoded a second time for nothing.
    func pauseReplicationConsumerOnReplica() {
        if let token = replicationConsumerToken { propagation.setPaused(token, replication.isReplica) }
    }

    /// freeReplicationBacklog.
    func freeReplicationBacklog() {
        replication.backlog = nil
        if let token = replicationConsumerToken {
            propagation.removeConsumer(token)
            replicationConsumerToken = nil
        }
    }

    /// rdbPopulateSaveInfo: the replication part of an RDB, when we are in a replication chain.
    func replicationSaveInfo() -> (streamDB: Int, id: String, offset: Int64)? {
        let db: Int
        if !replication.isReplica && replication.backlog != nil {
            db = replication.streamDatabase == -1 ? 0 : replication.streamDatabase
        } else if let master = replication.master {
            db = master.databaseIndex
        } else if replication.cachedMasterID != nil {
            db = replication.cachedMasterDB
        } else {
            return nil
        }
        return (db, String(decoding: replication.replicationID, as: UTF8.self), replication.masterOffset)
    }

    /// The propagation consumer: a master's own writes.
    func feedReplicationStream(db: Int, _ command: UnsafeRawBufferPointer) {
        // A replica relays its master's stream instead (feedReplicationFromMaster).
        guard !replication.isReplica, replication.backlog != nil else { return }
        if replication.streamDatabase != db {
            let select = PropagatedArguments.command(count: 2) {
                $0.append("SELECT")
                $0.append(Int64(db))
            }
            select.withBytes { appendToReplicationStream($0) }
            replication.streamDatabase = db
        }
        appendToReplicationStream(command)
    }

    /// A command of the server's own (PING to replicas, REPLCONF GETACK) into the stream, in
    /// whatever database the stream is in.
    func feedReplicationCommand(_ build: (inout PropagatedArguments) -> Void, count: Int) {
        guard replication.backlog != nil else { return }
        let command = PropagatedArguments.command(count: count, build)
        command.withBytes { appendToReplicationStream($0) }
    }

    /// feedReplicationBuffer: the backlog and every replica whose snapshot is taken.
    func appendToReplicationStream(_ bytes: UnsafeRawBufferPointer) {
        guard let backlog = replication.backlog else { return }
        backlog.append(bytes)
        replication.masterOffset += Int64(bytes.count)
        replication.replicas.withUnsafeBufferPointer { replicas in
            for replica in replicas {
                guard let link = replica.replicaLink, link.state != .waitBackgroundSaveStart, !link.rdbOnly else { continue }
                replica.reply.append(bytes)
                // The limit holds during a full sync too (a replica too slow to keep up is dropped).
                if link.state == .online && !link.startStreamOnAck {
                    afterRepliesAppended(replica)
                } else {
                    enforceOutputBufferLimits(replica)
                }
            }
        }
    }

    /// replicationFeedStreamFromMasterStream: what the master client applied, relayed verbatim.
    func feedReplicationFromMaster(_ bytes: UnsafeRawBufferPointer) {
        guard replication.backlog != nil else {
            replication.masterOffset += Int64(bytes.count)
            return
        }
        appendToReplicationStream(bytes)
    }
}
