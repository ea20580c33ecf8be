// What a change of users does to connected clients: a deleted (or reloaded) user's clients are
// closed, and subscribers whose channels were revoked are closed (acl.c's ACLFreeUserAndKillClients,
// ACLKillPubsubClientsIfNeeded).

extension Server {
    /// ACLFreeUserAndKillClients: the user's clients fall back to an unauthenticated default
    /// user and are closed (the one running this command after its reply).
    func disconnectClients(of user: ACLUser) {
        for client in clientsByFD.compactMap({ $0 }) where client.user === user {
            client.user = acl.defaultUser
            client.authenticated = false
            if client === currentClient {
                client.flags.insert(.closeAfterReply)
            } else {
                closeClientAsync(client)
            }
        }
    }

    /// ACLKillPubsubClientsIfNeeded: when the new rules no longer cover a subscribed client's
    /// channels or patterns, that client is closed.
    func disconnectSubscribers(of user: ACLUser, newRules: ACLUserRules) {
        if newRules.selectors.contains(where: { $0.allChannels }) { return }
        let upcoming = newRules.selectors.flatMap(\.channels)
        let old = user.rules.selectors.flatMap(\.channels)
        // Losing allchannels is never a superset.
        if !user.rules.selectors.contains(where: { $0.allChannels }) && old.allSatisfy({ upcoming.contains($0) }) { return }
        for client in clientsByFD.compactMap({ $0 }) where client.user === user && client.isSubscribed {
            var kill = false
            for pattern in client.subscriptions.patterns.names where !kill {
                kill = !pattern.withUnsafeBytes { ACLPermissions.allowsChannel(upcoming, $0, literal: true) }
            }
            for channel in client.subscriptions.channels.names + client.subscriptions.shardChannels.names where !kill {
                kill = !channel.withUnsafeBytes { ACLPermissions.allowsChannel(upcoming, $0, literal: false) }
            }
            if kill {
                if client === currentClient { client.flags.insert(.closeAfterReply) } else { closeClientAsync(client) }
            }
        }
    }
}
