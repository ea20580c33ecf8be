// processCommand's replication checks (server.c, Redis 7.0), in its order: min-replicas-to-write
// (-NOREPLICAS), a read-only replica (-READONLY, except for what the master sends), a replica
// whose link is down with replica-serve-stale-data no (-MASTERDOWN), and a replica of ours
// touching the keyspace. One test on the hot path when none of this applies.

extension Server {
    /// Whether any of the checks can refuse something.
    @inline(__always)
    var replicationGatesCommands: Bool {
        replication.isReplica || minReplicasToWrite > 0 || !replication.replicas.isEmpty
    }

    var minReplicasToWrite: Int { replication.minReplicasToWrite }

    func replicationDenial(_ command: Command, _ client: Client) -> String? {
        let obeyed = client.flags.contains(.master) || client.isFake
        let declared = command.flags.contains(.mayReplicate) ? evalDeclaredFlags(command, client) : nil
        let isWrite = command.flags.contains(.write) || declared.map { !$0.contains(.noWrites) } == true
            || (command.isExec && client.transaction?.queuedFlags.contains(.write) == true)
        if isWrite && !hasEnoughGoodReplicas { return ErrorText.noReplicas }
        if replication.isReplica && !obeyed && isWrite && config.bool("replica-read-only") {
            return ErrorText.readOnlyReplica
        }
        if replication.isReplica && replication.linkState != .connected && !config.bool("replica-serve-stale-data") {
            let staleDenied = !(declared.map { $0.contains(.allowStale) } ?? command.flags.contains(.stale))
                || (command.isExec && client.transaction?.commands.contains { !$0.command.flags.contains(.stale) } == true)
            if staleDenied { return ErrorText.masterDown }
        }
        if client.flags.contains(.replica) && (mayReplicate(command, client) || isWrite || readsKeyspace(command, client)) {
            return ErrorText.replicaKeyspace
        }
        return nil
    }

    /// checkGoodReplicasStatus.
    var hasEnoughGoodReplicas: Bool {
        replication.isReplica || replication.minReplicasMaxLag == 0 || replication.minReplicasToWrite == 0
            || replication.goodReplicas >= replication.minReplicasToWrite
    }

    /// refreshGoodSlavesCount: online replicas whose last ACK is within min-replicas-max-lag.
    func refreshGoodReplicasCount() {
        guard replication.minReplicasToWrite > 0, replication.minReplicasMaxLag > 0 else { return }
        let nowSeconds = now / 1000
        replication.goodReplicas = replication.replicas.filter {
            guard let link = $0.replicaLink, link.state == .online else { return false }
            return nowSeconds - link.ackTime <= Int64(replication.minReplicasMaxLag)
        }.count
    }
}

extension Server {
    /// checkAlreadyExpired: a time already past deletes the key at once, except on a replica,
    /// which stores it expired and waits for its master's DEL (so both hold the same keys until
    /// then), and while the AOF is replayed.
    @inline(__always)
    func expiresAtOnce(_ when: Int64) -> Bool { when <= now && !replication.isReplica && !aof.loading }
}
