import RESP

// Enabling and disabling tracking, remembering the keys a client reads, and sending
// invalidations (tracking.c, Redis 7.0).

extension Server {
    /// enableTracking. BCAST prefixes add to those already registered, as in Redis.
    func enableTracking(_ client: Client, redirect: Int64, broadcast: Bool, optIn: Bool, optOut: Bool, noLoop: Bool,
                        prefixes: [[UInt8]]) {
        if !client.tracking.enabled { tracking.clientCount += 1 }
        client.tracking.enabled = true
        client.tracking.redirect = redirect
        client.tracking.brokenRedirect = false
        client.tracking.broadcast = broadcast
        client.tracking.optIn = optIn
        client.tracking.optOut = optOut
        client.tracking.noLoop = noLoop
        if broadcast {
            for prefix in prefixes.isEmpty ? [[]] : prefixes { enableBroadcast(client, prefix) }
        }
        updateKeyObservation()
    }

    private func enableBroadcast(_ client: Client, _ prefix: [UInt8]) {
        if client.tracking.prefixes.contains(prefix) { return }
        let state = tracking.prefixes[prefix] ?? BroadcastPrefix()
        tracking.prefixes[prefix] = state
        state.clients.append(client)
        client.tracking.prefixes.append(prefix)
        client.tracking.prefixes.sort { $0.lexicographicallyPrecedes($1) }
    }

    /// disableTracking.
    func disableTracking(_ client: Client) {
        for prefix in client.tracking.prefixes {
            guard let state = tracking.prefixes[prefix] else { continue }
            state.clients.removeAll { $0 === client }
            if state.clients.isEmpty { tracking.prefixes[prefix] = nil }
        }
        if client.tracking.enabled { tracking.clientCount -= 1 }
        client.tracking = ClientTracking()
        updateKeyObservation()
    }

    /// trackingRememberKeys: after a read-only command of a tracking client (not BCAST), its
    /// keys are remembered for it, unless OPTIN without CACHING yes or OPTOUT with CACHING no.
    func rememberTrackedKeys(_ command: Command, _ client: Client) {
        let settings = client.tracking
        if (settings.optIn && !settings.caching) || (settings.optOut && settings.caching) { return }
        if command.flags.contains(.pubsub) { return }
        for index in CommandKeys.positions(of: command, in: client) {
            let key = client.argBytes(index)
            if tracking.keys[key, default: []].insert(client.id).inserted { tracking.items += 1 }
        }
        updateKeyObservation()
    }

    /// trackingInvalidateKey: `key` changed (in any database).
    func invalidateTrackedKey(_ key: UnsafeRawBufferPointer, broadcast: Bool, changedBy changer: Client? = nil) {
        if broadcast && !tracking.prefixes.isEmpty { rememberKeyToBroadcast(key, changedBy: changer) }
        let name = [UInt8](key)
        guard let ids = tracking.keys.removeValue(forKey: name) else { return }
        tracking.items -= ids.count
        if tracking.keys.isEmpty { updateKeyObservation() }
        let current = currentClient
        for id in ids.sorted() {
            guard let target = clientByID(id), target.tracking.enabled, !target.tracking.broadcast else { continue }
            if target.tracking.noLoop && target === current { continue }
            // Sent after the running command's reply, not interleaved with it.
            if target === current && executionDepth > 0 {
                tracking.pendingForCurrentClient.append(name)
            } else {
                name.withUnsafeBytes { sendInvalidation(to: target, keys: .key($0)) }
            }
        }
    }

    /// trackingRememberKeyToBroadcast: the last change of a key in the iteration decides whose
    /// it was (an expiry belongs to nobody, so NOLOOP does not hide it).
    private func rememberKeyToBroadcast(_ key: UnsafeRawBufferPointer, changedBy changer: Client?) {
        for (prefix, state) in tracking.prefixes where key.starts(with: prefix) {
            state.changedKeys[[UInt8](key)] = changer?.id ?? 0
            tracking.broadcastPending = true
        }
    }

    /// trackingInvalidateKeysOnFlush: every tracking client is told its whole cache is stale
    /// (a null invalidation) and the table is dropped.
    func invalidateTrackingOnFlush() {
        if tracking.isActive {
            let current = currentClient
            for client in clientsByID.values.sorted(by: { $0.id < $1.id }) where client.tracking.enabled {
                if client === current && executionDepth > 0 {
                    tracking.pendingForCurrentClient.append(nil)
                } else {
                    sendInvalidation(to: client, keys: .flush(resp3: client.reply.resp3))
                }
            }
        }
        tracking.keys.removeAll()
        tracking.items = 0
        updateKeyObservation()
    }

    /// trackingHandlePendingKeyInvalidations: after the outermost call of `client`'s command.
    func sendPendingInvalidations(to client: Client) {
        let pending = tracking.pendingForCurrentClient
        tracking.pendingForCurrentClient.removeAll()
        for key in pending {
            if let key {
                key.withUnsafeBytes { sendInvalidation(to: client, keys: .key($0)) }
            } else {
                sendInvalidation(to: client, keys: .flush(resp3: client.reply.resp3))
            }
        }
    }

    /// trackingBroadcastInvalidationMessages: before sleeping, each BCAST prefix's changed keys
    /// go to its clients as one message (without a NOLOOP client's own changes).
    func broadcastInvalidations() {
        tracking.broadcastPending = false
        // Prefixes in key order, as Redis walks its PrefixTable rax.
        for (_, state) in tracking.prefixes.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) })
        where !state.changedKeys.isEmpty {
            let keys = state.changedKeys.sorted { $0.key.lexicographicallyPrecedes($1.key) }
            for client in state.clients {
                let sent = client.tracking.noLoop ? keys.filter { $0.value != client.id } : keys
                if sent.isEmpty { continue }
                sendInvalidation(to: client, keys: .many(sent.map(\.key)))
            }
            state.changedKeys.removeAll()
        }
    }

    /// trackingLimitUsedSlots: over tracking-table-max-keys, keys are invalidated (an arbitrary
    /// one after another, Redis walks its rax randomly) with growing effort per run.
    func limitTrackingTable() {
        let limit = config.int("tracking-table-max-keys")
        guard limit > 0, tracking.keys.count > limit else {
            tracking.overLimitRuns = 0
            return
        }
        var effort = 100 * (tracking.overLimitRuns + 1)
        while effort > 0, let key = tracking.keys.keys.first {
            effort -= 1
            key.withUnsafeBytes { invalidateTrackedKey($0, broadcast: false) }
            if tracking.keys.count <= limit {
                tracking.overLimitRuns = 0
                return
            }
        }
        tracking.overLimitRuns += 1
    }

}
