import Util
// INFO replication (genRedisInfoString's "Replication" section, Redis 7.0).

extension Server {
    func replicationInfoFields(_ add: (String, String) -> Void) {
        let r = replication
        let nowSeconds = now / 1000
        add("role", r.isReplica ? "slave" : "master")
        if let host = r.masterHost {
            let master = r.master
            let applied = master?.appliedReplicationOffset ?? (r.cachedMasterID != nil ? r.cachedMasterOffset : 1)
            // Read: what waits in the query buffer and a transaction not yet applied.
            let unprocessed = master.map { Int64($0.query.writeIndex - $0.query.readIndex + r.masterTransactionBytes.count) } ?? 0
            add("master_host", host)
            add("master_port", String(r.masterPort))
            add("master_link_status", r.linkState == .connected ? "up" : "down")
            add("master_last_io_seconds_ago", String(master.map { nowSeconds - $0.lastInteraction / 1000 } ?? -1))
            add("master_sync_in_progress", r.linkState == .transfer ? "1" : "0")
            add("slave_read_repl_offset", String(applied + unprocessed))
            add("slave_repl_offset", String(applied))
            if r.linkState == .transfer {
                let total = Int64(max(r.transfer.size, 0))
                let read = Int64(r.transfer.received.count)
                add("master_sync_total_bytes", String(r.transfer.size))
                add("master_sync_read_bytes", String(read))
                add("master_sync_left_bytes", String(total - read))
                add("master_sync_perc", fixedPointString(total > 0 ? Double(read) / Double(total) * 100 : 0, digits: 2))
                add("master_sync_last_io_seconds_ago", String(nowSeconds - r.transferLastIO))
            }
            if r.linkState != .connected {
                add("master_link_down_since_seconds", String(r.downSince != 0 ? nowSeconds - r.downSince : -1))
            }
            add("slave_priority", String(config.int("replica-priority")))
            add("slave_read_only", config.bool("replica-read-only") ? "1" : "0")
            add("replica_announced", config.bool("replica-announced") ? "1" : "0")
        }
        add("connected_slaves", String(r.replicas.count))
        if r.minReplicasToWrite > 0 && r.minReplicasMaxLag > 0 {
            add("min_slaves_good_slaves", String(r.goodReplicas))
        }
        for (index, replica) in r.replicas.enumerated() {
            guard let link = replica.replicaLink else { continue }
            let state: String
            switch link.state {
            case .waitBackgroundSaveStart, .waitBackgroundSaveEnd: state = "wait_bgsave"
            case .sendingBulk: state = "send_bulk"
            case .online: state = "online"
            }
            let lag = link.state == .online ? nowSeconds - link.ackTime : 0
            add("slave\(index)", "ip=\(replicaIP(replica)),port=\(link.listeningPort),state=\(state),offset=\(link.ackOffset),lag=\(lag)")
        }
        add("master_failover_state", r.failover.phase.name)
        add("master_replid", String(decoding: r.replicationID, as: UTF8.self))
        add("master_replid2", String(decoding: r.replicationID2, as: UTF8.self))
        add("master_repl_offset", String(r.masterOffset))
        add("second_repl_offset", String(r.secondReplicationOffset))
        add("repl_backlog_active", r.backlog != nil ? "1" : "0")
        add("repl_backlog_size", String(config.int("repl-backlog-size")))
        add("repl_backlog_first_byte_offset", String(r.backlog?.firstByteOffset ?? 0))
        add("repl_backlog_histlen", String(r.backlog?.historyLength ?? 0))
    }
}
