import RESP
import Store

// The server's side of pub/sub (server.pubsub_channels, pubsub_patterns, pubsubshard_channels):
// each name maps to its subscribers in subscription order, which is the order PUBLISH delivers
// in (Redis 7.0 keeps a list per channel). A name with no subscriber left is removed, so the
// counts INFO and PUBSUB report are of live names only.

/// The subscribers of one channel, pattern or shard channel.
final class SubscriberList {
    let name: [UInt8]
    /// Unretained: a client is unsubscribed from everything before it is freed (closeClient),
    /// and delivery borrows each one without reference counting.
    var clients: [Unmanaged<Client>] = []

    init(name: [UInt8]) { self.name = name }
}

final class PubSubRegistry {
    let channels = Dict<SubscriberList>()
    let shardChannels = Dict<SubscriberList>()
    let patterns = Dict<SubscriberList>()
    /// The patterns again, as an array: PUBLISH tries every one against the channel, and walking
    /// an array beats walking hash buckets. Subscription order (Redis walks its dict's order).
    private(set) var patternLists: [SubscriberList] = []
    /// Where a message for several subscribers is encoded once (Publish.swift); RESP2 framing.
    let scratch = ReplyBuffer()

    func table(_ kind: SubscriptionKind) -> Dict<SubscriberList> {
        switch kind {
        case .channel: return channels
        case .pattern: return patterns
        case .shardChannel: return shardChannels
        }
    }

    func add(_ client: Client, _ kind: SubscriptionKind, _ name: [UInt8]) {
        let table = table(kind)
        let list: SubscriberList
        if let existing = name.withUnsafeBytes({ table.findValue($0) }) {
            list = existing
        } else {
            list = SubscriberList(name: name)
            table.insertNew(key: name, value: list)
            if kind == .pattern { patternLists.append(list) }
        }
        list.clients.append(Unmanaged.passUnretained(client))
    }

    func remove(_ client: Client, _ kind: SubscriptionKind, _ name: [UInt8]) {
        let table = table(kind)
        guard let list = name.withUnsafeBytes({ table.findValue($0) }) else { return }
        if let index = list.clients.firstIndex(where: { $0.toOpaque() == Unmanaged.passUnretained(client).toOpaque() }) {
            list.clients.remove(at: index)
        }
        guard list.clients.isEmpty else { return }
        // Free the name with its last subscriber, so that creating millions of channels does
        // not leave them behind.
        table.remove(name)
        table.shrinkIfNeeded()
        if kind == .pattern, let index = patternLists.firstIndex(where: { $0 === list }) {
            patternLists.remove(at: index)
        }
    }

    /// The subscriber count of `name` (PUBSUB NUMSUB / SHARDNUMSUB).
    func subscriberCount(_ kind: SubscriptionKind, _ name: UnsafeRawBufferPointer) -> Int {
        table(kind).findValue(name)?.clients.count ?? 0
    }
}
