import CEpoll
import Glibc
import Reactor

// The sockets clients connect to, one set per kind (TCP, the Unix socket; a TLS set sits beside
// them), and how they change: opened at start-up, rebound by CONFIG SET port/bind without
// dropping connected clients, closed at shutdown (removing the socket file) and in a forked child.

enum ListenerKind {
    case tcp
    case unix
}

struct ListenerSet {
    let kind: ListenerKind
    var fds: [Int32] = []
}

struct Listeners {
    var tcp = ListenerSet(kind: .tcp)
    var unix = ListenerSet(kind: .unix)
    /// The Unix socket's path as configured (`unixsocket`), while it is bound.
    var unixPath: String?

    var allFDs: [Int32] { tcp.fds + unix.fds }
    var isEmpty: Bool { tcp.fds.isEmpty && unix.fds.isEmpty }
}

extension Server {
    /// Start-up (initServer): the TCP port on every bind address, then the Unix socket. Logs
    /// Redis's lines and returns false when the server must exit.
    func openListeners() -> Bool {
        if settings.port != 0 {
            guard let fds = listenToPort(settings.port) else {
                logger.warning("Failed listening on port \(settings.port) (TCP), aborting.")
                return false
            }
            adopt(fds, as: .tcp)
        }
        let path = config.string("unixsocket")
        if !path.isEmpty {
            unlink(path)  // a stale file from a previous run
            do {
                let fd = try Socket.listenUnix(path: path, permissions: Int(config.int("unixsocketperm")),
                                               backlog: settings.tcpBacklog)
                listeners.unixPath = path
                adopt([fd], as: .unix)
            } catch {
                logger.warning("Failed opening Unix socket: \(error.text)")
                return false
            }
        }
        if listeners.isEmpty {
            logger.warning("Configured to not listen anywhere, exiting.")
            return false
        }
        return true
    }

    /// listenToPort: one socket per bind address ("-" marks an address that may be missing).
    /// Nil (after logging, with whatever was opened closed again) when an address can't be bound.
    func listenToPort(_ port: Int) -> [Int32]? {
        var fds: [Int32] = []
        for var address in settings.bind {
            let optional = address.hasPrefix("-")
            if optional { address.removeFirst() }
            do {
                fds.append(try Socket.listenTCP(address: address, port: port, backlog: settings.tcpBacklog))
            } catch {
                logger.warning("Warning: Could not create server TCP listening socket \(address):\(port): \(error.text)")
                if error.errno == EADDRNOTAVAIL && optional { continue }
                if [ENOPROTOOPT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EPFNOSUPPORT, EAFNOSUPPORT].contains(error.errno) {
                    continue
                }
                for fd in fds { Socket.close(fd) }
                return nil
            }
        }
        return fds
    }

    /// CONFIG SET port (changeListenPort): the new port is bound before the old one is closed,
    /// so a failure leaves the old listeners serving. Port 0 closes the TCP listeners.
    func changeListenPort(_ port: Int) -> Bool {
        var fds: [Int32] = []
        if port != 0 {
            guard let opened = listenToPort(port) else { return false }
            fds = opened
        }
        closeListeners(.tcp)
        adopt(fds, as: .tcp)
        settings.port = port
        return true
    }

    /// CONFIG SET bind (changeBindAddr): the same port on other addresses, which may overlap the
    /// old ones, so the old sockets close first; on failure the old addresses are bound again.
    func changeBindAddresses(_ addresses: [String]) -> Bool {
        let previous = settings.bind
        closeListeners(.tcp)
        settings.bind = addresses
        if settings.port == 0 { return true }
        if let fds = listenToPort(settings.port) {
            adopt(fds, as: .tcp)
            return true
        }
        logger.warning("Failed to bind")
        settings.bind = previous
        if let fds = listenToPort(settings.port) { adopt(fds, as: .tcp) }
        return false
    }

    private func adopt(_ fds: [Int32], as kind: ListenerKind) {
        for fd in fds {
            do {
                try loop.watch(fd, .readable) { [unowned self] fd, _, _ in self.acceptClients(on: fd, kind: kind) }
            } catch {
                // Redis panics here ("Unrecoverable error creating ... accept handler").
                fatalError("Unrecoverable error creating a socket accept handler: \(error)")
            }
        }
        switch kind {
        case .tcp: listeners.tcp.fds += fds
        case .unix: listeners.unix.fds += fds
        }
    }

    func closeListeners(_ kind: ListenerKind) {
        let fds = kind == .tcp ? listeners.tcp.fds : listeners.unix.fds
        for fd in fds {
            loop.unwatch(fd)
            Socket.close(fd)
        }
        switch kind {
        case .tcp: listeners.tcp.fds.removeAll()
        case .unix: listeners.unix.fds.removeAll()
        }
    }

    /// Shutdown (closeListeningSockets(1)): every listener, and the socket file.
    func closeAllListeners() {
        closeListeners(.tcp)
        closeListeners(.unix)
        if let path = listeners.unixPath {
            logger.notice("Removing the unix socket file.")
            if unlink(path) != 0 {
                logger.warning("Error removing the unix socket file: \(String(cString: strerror(errno)))")
            }
            listeners.unixPath = nil
        }
    }

    func installListenerConfigHooks() {
        config.onChange("port") { [unowned self] text in
            self.changeListenPort(Int(text) ?? 0) ? nil : "Unable to listen on this port. Check server logs."
        }
        config.onChange("bind") { [unowned self] text in
            let addresses = text.split(separator: " ").map(String.init)
            return self.changeBindAddresses(addresses) ? nil : "Failed to bind to specified addresses."
        }
    }
}
