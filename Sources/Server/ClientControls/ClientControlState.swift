// What MONITOR, CLIENT REPLY and CLIENT PAUSE keep per client (Redis's CLIENT_MONITOR,
// CLIENT_REPLY_OFF / _SKIP / _SKIP_NEXT flags and the BLOCKED_POSTPONE state), in one value so
// the networking code tests a single byte after each command.

struct ClientControlState {
    struct ReplyFlags: OptionSet {
        let rawValue: UInt8
        /// CLIENT REPLY OFF.
        static let off = ReplyFlags(rawValue: 1 << 0)
        /// The reply of the command running now is dropped (CLIENT REPLY SKIP was the last one).
        static let skip = ReplyFlags(rawValue: 1 << 1)
        /// CLIENT REPLY SKIP ran in this command: the next command's reply is dropped.
        static let skipNext = ReplyFlags(rawValue: 1 << 2)
    }

    var reply: ReplyFlags = []
    /// In MONITOR mode: on `server.monitors`, and treated as a replica (never paused, no keyspace).
    var isMonitor = false
    /// Postponed by CLIENT PAUSE: its command waits, unrun, in the query buffer.
    var postponed = false
}
