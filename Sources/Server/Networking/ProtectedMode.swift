// Protected mode (clientAcceptHandler): while it is on and the default user needs no password, a
// TCP client that is not on the loopback address is told why and dropped. Unix-socket clients
// are always local. Redis 7.0 no longer looks at `bind` here.

extension Server {
    /// The default user has no password (`nopass`: an empty `requirepass`, or ACL rules).
    var defaultUserHasNoPassword: Bool { acl.defaultUser.rules.noPass }

    func deniedByProtectedMode(peer: String) -> Bool {
        config.bool("protected-mode") && defaultUserHasNoPassword && !Server.isLoopback(peer: peer)
    }

    /// islocalClient's test on an "ip:port" peer: exactly 127.0.0.1 or ::1 (not all of 127/8).
    static func isLoopback(peer: String) -> Bool {
        guard let colon = peer.lastIndex(of: ":") else { return false }
        let ip = peer[..<colon]
        return ip == "127.0.0.1" || ip == "::1"
    }
}

extension Client {
    /// islocalClient: the Unix socket, or a loopback TCP peer.
    var isLocal: Bool { flags.contains(.unixSocket) || Server.isLoopback(peer: peerAddress) }
}
