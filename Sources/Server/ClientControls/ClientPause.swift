// Placeholder until CLIENT PAUSE lands: never paused.

struct ClientPause {
    var isActive: Bool { false }
}

extension Server {
    /// Whether a paused server holds this command back (all commands, or writes only).
    func shouldPostpone(_ command: Command, _ client: Client) -> Bool { false }

    /// blockPostponeClient: the client waits, its command unrun, until the pause ends.
    func postpone(_ client: Client) {}
}
