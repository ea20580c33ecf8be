import CEpoll
import Glibc
import Reactor

// The sockets clients connect to, one set per kind (TCP, TLS, the Unix socket), and how they change: opened at start-up, rebound by CONFIG SET port/bind without
// dropping connected clients, closed at shutdown (removing the socket file) and in a forked child.

enum ListenerKind {
    case tcp
    case tls
    case unix
}

struct ListenerSet {
    let kind: ListenerKind
    var fds: [Int32] = []
}

struct Listeners {
    var tcp = ListenerSet(kind: .tcp)
    var tls = ListenerSet(kind: .tls)
    var unix = ListenerSet(kind: .unix)
    /// The Unix socket's path as configured (`unixsocket`), while it is bound.
    var unixPath: String?

    var allFDs: [Int32] { tcp.fds + tls.fds + unix.fds }
    var isEmpty: Bool { tcp.fds.isEmpty && tls.fds.isEmpty && unix.fds.isEmpty }

    subscript(kind: ListenerKind) -> ListenerSet {
        get {
            switch kind {
            case .tcp: tcp
            case .tls: tls
            case .unix: unix
            }
        }
        set {
            switch kind {
            case .tcp: tcp = newValue
            case .tls: tls = newValue
            case .unix: unix = newValue
            }
        }
    }
}

extension Server {
    /// Start-up (initServer): the TCP port and the TLS port on every bind address, then the Unix
    /// socket. Logs
    /// Redis's lines and returns false when the server must exit.
    func openListeners() -> Bool {
        if settings.port != 0 {
            guard let fds = listenToPort(settings.port) else {
                logger.warning("Failed listening on port \(settings.port) (TCP), aborting.")
                return false
            }
            adopt(fds, as: .tcp)
        }
        let tlsPort = Int(config.int("tls-port"))
        if tlsPort != 0 {
            guard let fds = listenToPort(tlsPort) else {
                logger.warning("Failed listening on port \(tlsPort) (tls), aborting.")
                return false
            }
            adopt(fds, as: .tls)
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
    /// CONFIG SET tls-port uses it for the TLS listeners.
    func changeListenPort(_ port: Int, kind: ListenerKind = .tcp) -> Bool {
        var fds: [Int32] = []
        if port != 0 {
            guard let opened = listenToPort(port) else { return false }
            fds = opened
        }
        closeListeners(kind)
        adopt(fds, as: kind)
        if kind == .tcp { settings.port = port }
        return true
    }

    /// CONFIG SET bind (changeBindAddr): the same port on other addresses, which may overlap the
    /// old ones, so the old sockets close first; on failure the old addresses are bound again.
    func changeBindAddresses(_ addresses: [String]) -> Bool {
        let previous = settings.bind
        let ports: [(ListenerKind, Int)] = [(.tcp, settings.port), (.tls, Int(config.int("tls-port")))]
        for (kind, _) in ports { closeListeners(kind) }
        settings.bind = addresses
        var opened: [(ListenerKind, [Int32])] = []
        for (kind, port) in ports where port != 0 {
            guard let fds = listenToPort(port) else {
                logger.warning("Failed to bind")
                for (_, fds) in opened { for fd in fds { Socket.close(fd) } }
                settings.bind = previous
                for (kind, port) in ports where port != 0 {
                    if let fds = listenToPort(port) { adopt(fds, as: kind) }
                }
                return false
            }
            opened.append((kind, fds))
        }
        for (kind, fds) in opened { adopt(fds, as: kind) }
        return true
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
        listeners[kind].fds += fds
    }

    func closeListeners(_ kind: ListenerKind) {
        for fd in listeners[kind].fds {
            loop.unwatch(fd)
            Socket.close(fd)
        }
        listeners[kind].fds.removeAll()
    }

    /// Shutdown (closeListeningSockets(1)): every listener, and the socket file.
    func closeAllListeners() {
        closeListeners(.tcp)
        closeListeners(.tls)
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
