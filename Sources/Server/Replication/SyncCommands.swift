import Config
import Glibc
import Reactor
import Util

// SYNC, PSYNC and REPLCONF (replication.c's syncCommand, masterTryPartialResynchronization and
// replconfCommand, Redis 7.0): a client asking for the stream becomes a replica, either at once
// (+CONTINUE and the backlog it missed) or through a full resync (+FULLRESYNC, an RDB, then the
// stream buffered since the snapshot).

enum SyncCommands {
    static let handlers: [String: CommandHandler] = ["sync": sync, "psync": sync, "replconf": replconf]

    static func sync(_ c: Client) {
        c.server.syncCommand(c)
    }

    static func replconf(_ c: Client) { c.server.replconfCommand(c) }
}

extension Server {
    /// "ip:port" of a replica for the log (replicationGetSlaveName).
    func replicaName(_ c: Client) -> String {
        let link = c.replicaLink
        var ip = link?.announcedIP ?? ""
        if ip.isEmpty, let colon = c.peerAddress.lastIndex(of: ":") { ip = String(c.peerAddress[..<colon]) }
        if let port = link?.listeningPort, port != 0, !ip.isEmpty { return "\(ip):\(port)" }
        return "client id #\(c.id)"
    }

    func syncCommand(_ c: Client) {
        // Already a replica, or a monitor (flagged as one in Redis): ignored.
        if c.flags.contains(.replica) || c.controls.isMonitor { return }
        if c.argumentCount > 3 && c.argIs(0, "psync") && c.argIs(3, "failover") && !acceptFailoverRequest(c) { return }
        if replication.failover.phase != .none {
            c.error(ErrorText.syncWhileFailingOver)
            return
        }
        if replication.isReplica && replication.linkState != .connected {
            c.error(ErrorText.syncWithoutMasterLink)
            return
        }
        if !c.reply.isEmpty {
            c.error(ErrorText.syncWithPendingOutput)
            return
        }
        // A filtered RDB goes to the socket only, never over the snapshot file.
        if let link = c.replicaLink, link.excludeData && !link.capabilities.contains(.eof) {
            c.error(ErrorText.filteredReplicaWithoutEOF)
            return
        }
        let link = c.replicaLink ?? ReplicaLink()
        c.replicaLink = link
        logger.notice("Replica \(replicaName(c)) asks for synchronization")
        if c.argIs(0, "psync") {
            guard let offset = parseInt64(c.arg(2)) else {
                logger.warning("Replica \(replicaName(c)) asks for synchronization but with a wrong offset")
                c.error(ErrorText.notInteger)
                return
            }
            if tryPartialResynchronization(c, link, offset: offset) {
                replication.partialSyncsAccepted += 1
                return
            }
            if c.arg(1).first != UInt8(ascii: "?") { replication.partialSyncsRefused += 1 }
        } else {
            // An old replica (redis-cli --replica): no +FULLRESYNC, no ACKs.
            link.preServerSync = true
        }
        replication.fullSyncs += 1
        link.state = .waitBackgroundSaveStart
        link.waitingSince = now / 1000
        if config.bool("repl-disable-tcp-nodelay") { Socket.setNoDelay(c.fd, false) }
        attachReplica(c)
        if replication.replicas.count == 1 && replication.backlog == nil {
            // A backlog from scratch has no past: a new ID, and no second one.
            replication.replicationID = ReplicationState.randomID()
            clearSecondReplicationID()
            createReplicationBacklog()
            logger.notice("Replication backlog created, my new replication IDs are '\(String(decoding: replication.replicationID, as: UTF8.self))' and '\(String(decoding: replication.replicationID2, as: UTF8.self))'")
        }
        startOrJoinFullSync(c, link)
    }

    func attachReplica(_ c: Client) {
        c.flags.insert(.replica)
        replication.replicas.append(c)
    }

    func clearSecondReplicationID() {
        replication.replicationID2 = Array(repeating: UInt8(ascii: "0"), count: 40)
        replication.secondReplicationOffset = -1
    }

    /// masterTryPartialResynchronization: true when the replica continues from the backlog.
    private func tryPartialResynchronization(_ c: Client, _ link: ReplicaLink, offset: Int64) -> Bool {
        let asked = [UInt8](c.arg(1))
        let askedText = String(decoding: asked, as: UTF8.self)
        let matchesCurrent = sameReplicationID(asked, replication.replicationID)
        let matchesSecond = sameReplicationID(asked, replication.replicationID2)
        if !matchesCurrent && (!matchesSecond || offset > replication.secondReplicationOffset) {
            if asked.first != UInt8(ascii: "?") {
                if !matchesCurrent && !matchesSecond {
                    logger.notice("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '\(askedText)', my replication IDs are '\(String(decoding: replication.replicationID, as: UTF8.self))' and '\(String(decoding: replication.replicationID2, as: UTF8.self))')")
                } else {
                    logger.notice("Partial resynchronization not accepted: Requested offset for second ID was \(offset), but I can reply up to \(replication.secondReplicationOffset)")
                }
            } else {
                logger.notice("Full resync requested by replica \(replicaName(c))")
            }
            return false
        }
        guard let backlog = replication.backlog, backlog.holds(from: offset) else {
            logger.notice("Unable to partial resync with replica \(replicaName(c)) for lack of backlog (Replica request was: \(offset)).")
            if offset > replication.masterOffset {
                logger.warning("Warning: replica \(replicaName(c)) tried to PSYNC with an offset that is greater than the master replication offset.")
            }
            return false
        }
        attachReplica(c)
        link.state = .online
        link.ackTime = now / 1000
        link.startStreamOnAck = false
        // The reply buffer is empty (checked above): the line goes straight to the socket.
        let line = link.capabilities.contains(.psync2)
            ? "+CONTINUE \(String(decoding: replication.replicationID, as: UTF8.self))\r\n" : "+CONTINUE\r\n"
        guard writeDirectly(c, line) else {
            closeClientAsync(c)
            return true
        }
        var sent = 0
        backlog.forEachRegion(from: offset) { region in
            c.reply.append(region)
            sent += region.count
        }
        queueWrite(c)
        logger.notice("Partial resynchronization request from \(replicaName(c)) accepted. Sending \(sent) bytes of backlog starting from offset \(offset).")
        refreshGoodReplicasCount()
        return true
    }

    /// A line written to the socket now, bypassing the reply buffer that holds the stream.
    func writeDirectly(_ c: Client, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            if case .bytes(let n) = writeToClient(c, UnsafeRawBufferPointer(bytes)), n == bytes.count { return true }
            return false
        }
    }

    func replconfCommand(_ c: Client) {
        if c.argumentCount % 2 == 0 {
            c.error(ErrorText.syntax)
            return
        }
        var index = 1
        while index < c.argumentCount {
            let value = c.arg(index + 1)
            if c.argIs(index, "listening-port") {
                guard let port = parseInt64(value) else { c.error(ErrorText.notInteger); return }
                replicaLinkCreatingIfNeeded(c).listeningPort = Int(port)
            } else if c.argIs(index, "ip-address") {
                guard value.count < 256 else { c.error(ErrorText.replconfAddressTooLong(value.count)); return }
                replicaLinkCreatingIfNeeded(c).announcedIP = String(decoding: value, as: UTF8.self)
            } else if c.argIs(index, "capa") {
                if c.argIs(index + 1, "eof") { replicaLinkCreatingIfNeeded(c).capabilities.insert(.eof) }
                else if c.argIs(index + 1, "psync2") { replicaLinkCreatingIfNeeded(c).capabilities.insert(.psync2) }
            } else if c.argIs(index, "ack") {
                // From a replica only, and never answered.
                guard c.flags.contains(.replica), let link = c.replicaLink, let offset = parseInt64(value) else { return }
                if offset > link.ackOffset { link.ackOffset = offset }
                link.ackTime = now / 1000
                if persistence.childKind == .rdb && link.state == .waitBackgroundSaveEnd { checkChildDone() }
                if link.state == .waitBackgroundSaveEnd { link.ackedBeforeOnline = true }
                if link.startStreamOnAck && link.state == .online { startCommandStream(c) }
                replicaAcknowledged()
                return
            } else if c.argIs(index, "getack") {
                if replication.isReplica && replication.master != nil { sendAckToMaster() }
                return
            } else if c.argIs(index, "rdb-only") {
                guard let flag = parseInt64(value), flag == 0 || flag == 1 else {
                    if parseInt64(value) == nil { c.error(ErrorText.notInteger) } else { c.error(ErrorText.rdbOnlyRange) }
                    return
                }
                replicaLinkCreatingIfNeeded(c).rdbOnly = flag == 1
            } else if c.argIs(index, "rdb-filter-only") {
                guard let filters = ConfigText.splitArgs(value) else { c.error(ErrorText.rdbFilterMissing); return }
                if let unknown = filters.first(where: { $0.lowercased() != "functions" }) {
                    c.error(ErrorText.rdbFilterUnsupported(unknown))
                    return
                }
                replicaLinkCreatingIfNeeded(c).excludeData = true
            } else {
                c.error(ErrorText.unrecognizedReplconfOption(c.argString(index)))
                return
            }
            index += 2
        }
        c.reply.ok()
    }

    private func replicaLinkCreatingIfNeeded(_ c: Client) -> ReplicaLink {
        if let link = c.replicaLink { return link }
        let link = ReplicaLink()
        c.replicaLink = link
        return link
    }
}

/// Replication IDs compare case-insensitively (strcasecmp).
func sameReplicationID(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    for index in a.indices where a[index] | 0x20 != b[index] | 0x20 { return false }
    return true
}
