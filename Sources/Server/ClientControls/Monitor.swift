// Placeholder until MONITOR lands.

extension Server {
    /// replicationFeedMonitors: the command just called, to every MONITOR client.
    func feedMonitors(_ client: Client) {}
}
