// Placeholder until pub/sub lands: nothing is subscribed, so a publish reaches nobody.

extension Server {
    /// PUBLISH's delivery: the message to every subscriber of `channel` and of a matching
    /// pattern; returns how many received it.
    func publish(channel: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> Int { 0 }
}

extension Client {
    /// Subscribed to any channel, pattern or shard channel (Redis's CLIENT_PUBSUB).
    var isSubscribed: Bool { false }

    /// RESP2 with at least one subscription: only the subscribe family, PING, QUIT, RESET run.
    var isInRESP2SubscribedMode: Bool { false }
}
