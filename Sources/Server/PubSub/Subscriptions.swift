// Subscribing and unsubscribing one client (pubsubSubscribeChannel, pubsubUnsubscribeChannel,
// pubsubSubscribePattern, ... in pubsub.c): the client's own sets and the server's registry
// change together, and each call confirms to the client unless it is a silent cleanup
// (disconnection, RESET).

extension Server {
    /// Subscribes `client` to `name` (a no-op if it already is) and confirms.
    func subscribe(_ client: Client, _ kind: SubscriptionKind, _ name: UnsafeRawBufferPointer) {
        let bytes = [UInt8](name)
        if client.subscriptions.insert(kind, bytes) { pubsub.add(client, kind, bytes) }
        client.reply.pubsubConfirmation(kind.subscribeWord, name, count: client.subscriptions.confirmationCount(kind))
    }

    /// Unsubscribes `client` from `name`; confirms when `notify` even if it was not subscribed.
    /// Returns whether it was.
    @discardableResult
    func unsubscribe(_ client: Client, _ kind: SubscriptionKind, _ name: [UInt8], notify: Bool) -> Bool {
        let removed = client.subscriptions.remove(kind, name)
        if removed { pubsub.remove(client, kind, name) }
        if notify {
            name.withUnsafeBytes {
                client.reply.pubsubConfirmation(kind.unsubscribeWord, $0, count: client.subscriptions.confirmationCount(kind))
            }
        }
        return removed
    }

    /// Unsubscribes `client` from every name of `kind`, in the client's order. With `notify` and
    /// nothing to unsubscribe from, the client still gets one confirmation with a null name.
    @discardableResult
    func unsubscribeAll(_ client: Client, _ kind: SubscriptionKind, notify: Bool) -> Int {
        let names = client.subscriptions.removeAll(kind)
        // Each confirmation reports the count as it is after that name is dropped.
        let countAfterAll = client.subscriptions.confirmationCount(kind)
        for (index, name) in names.enumerated() {
            pubsub.remove(client, kind, name)
            if notify {
                name.withUnsafeBytes {
                    client.reply.pubsubConfirmation(kind.unsubscribeWord, $0, count: countAfterAll + names.count - index - 1)
                }
            }
        }
        if notify && names.isEmpty {
            client.reply.pubsubConfirmation(kind.unsubscribeWord, nil, count: countAfterAll)
        }
        return names.count
    }

    /// Drops every subscription silently: the client is being closed or RESET.
    func unsubscribeEverything(_ client: Client) {
        if client.subscriptions.total == 0 { return }
        unsubscribeAll(client, .channel, notify: false)
        unsubscribeAll(client, .shardChannel, notify: false)
        unsubscribeAll(client, .pattern, notify: false)
    }
}
