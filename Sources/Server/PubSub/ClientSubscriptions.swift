// What one client is subscribed to. The server's registry (PubSubRegistry) maps names to
// clients for delivery; this is the reverse index, needed to unsubscribe everything at once
// (UNSUBSCRIBE without arguments, RESET, disconnection) and for the counts in confirmations,
// CLIENT LIST (sub= psub= ssub=) and the client's class (pubsub) for output buffer limits.

/// Names of one kind in subscription order. Redis 7.0 keeps a client's patterns in a list, so a
/// bare PUNSUBSCRIBE answers in subscription order; its channels are in a dict (hash order, which
/// differs between runs), for which subscription order is as good an order as any.
struct SubscriptionSet {
    private(set) var names: [[UInt8]] = []
    private var members: Set<[UInt8]> = []

    var count: Int { names.count }

    /// False when already present.
    mutating func insert(_ name: [UInt8]) -> Bool {
        guard members.insert(name).inserted else { return false }
        names.append(name)
        return true
    }

    /// False when absent.
    mutating func remove(_ name: [UInt8]) -> Bool {
        guard members.remove(name) != nil else { return false }
        if let index = names.firstIndex(of: name) { names.remove(at: index) }
        return true
    }

    /// Empties the set; returns what it held, in order.
    mutating func removeAll() -> [[UInt8]] {
        let all = names
        names.removeAll()
        members.removeAll()
        return all
    }
}

struct ClientSubscriptions {
    private(set) var channels = SubscriptionSet()
    private(set) var patterns = SubscriptionSet()
    private(set) var shardChannels = SubscriptionSet()
    /// All three counts together, stored so the per-command subscribed-mode test is one load
    /// (Redis's CLIENT_PUBSUB flag, which is set exactly while this is non-zero).
    private(set) var total = 0

    mutating func insert(_ kind: SubscriptionKind, _ name: [UInt8]) -> Bool {
        let added: Bool
        switch kind {
        case .channel: added = channels.insert(name)
        case .pattern: added = patterns.insert(name)
        case .shardChannel: added = shardChannels.insert(name)
        }
        if added { total += 1 }
        return added
    }

    mutating func remove(_ kind: SubscriptionKind, _ name: [UInt8]) -> Bool {
        let removed: Bool
        switch kind {
        case .channel: removed = channels.remove(name)
        case .pattern: removed = patterns.remove(name)
        case .shardChannel: removed = shardChannels.remove(name)
        }
        if removed { total -= 1 }
        return removed
    }

    /// Drops every name of `kind` at once (one by one would shift the order array each time).
    mutating func removeAll(_ kind: SubscriptionKind) -> [[UInt8]] {
        let removed: [[UInt8]]
        switch kind {
        case .channel: removed = channels.removeAll()
        case .pattern: removed = patterns.removeAll()
        case .shardChannel: removed = shardChannels.removeAll()
        }
        total -= removed.count
        return removed
    }

    /// The count a (un)subscribe confirmation of `kind` reports.
    func confirmationCount(_ kind: SubscriptionKind) -> Int {
        kind == .shardChannel ? shardChannels.count : channels.count + patterns.count
    }
}

extension Client {
    /// RESP2 with at least one subscription: only the subscribe family, PING, QUIT, RESET run.
    @inline(__always)
    var isInRESP2SubscribedMode: Bool { subscriptions.total != 0 && !reply.resp3 }

    /// Redis's CLIENT_PUBSUB: subscribed to anything, in either protocol.
    @inline(__always)
    var isSubscribed: Bool { subscriptions.total != 0 }
}
