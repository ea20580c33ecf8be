import Config
import RESP

// client-output-buffer-limit (networking.c: checkClientOutputBufferLimits and
// closeClientOnOutputBufferLimitReached). Each client class has a hard limit (reached: close)
// and a soft limit with a duration (exceeded continuously for more than that many seconds:
// close). A client that stops reading would otherwise make the server buffer without bound,
// which is what a slow pub/sub subscriber does. The check runs after output is appended (each
// command's reply, each delivered message or invalidation) and from the clients cron; below the
// smallest configured limit it is a single comparison, so with the default limits a normal
// client never gets past it.

/// The classes of getClientType, for limits and CLIENT LIST/KILL TYPE.
enum ClientClass {
    case normal
    case replica
    case pubsub

    var name: String {
        switch self {
        case .normal: return "normal"
        case .replica: return "slave"
        case .pubsub: return "pubsub"
        }
    }
}

struct OutputBufferLimit {
    var hard = 0
    var soft = 0
    var softSeconds: Int64 = 0
}

struct OutputBufferLimits {
    var normal = OutputBufferLimit()
    var replica = OutputBufferLimit()
    var pubsub = OutputBufferLimit()
    /// The smallest non-zero limit of any class; Int.max when every limit is 0.
    private(set) var gate = Int.max
    /// Where the cron's walk over the clients stopped (an index into clientsByFD).
    var cronCursor = 0

    init() {}

    init(config: ConfigStore) {
        for row in config.clientOutputBufferLimits() {
            let limit = OutputBufferLimit(hard: Int(clamping: row.hard), soft: Int(clamping: row.soft),
                                          softSeconds: row.softSeconds)
            switch row.clientClass {
            case "normal": normal = limit
            case "slave": replica = limit
            case "pubsub": pubsub = limit
            default: continue
            }
        }
        for limit in [normal, replica, pubsub] {
            for bytes in [limit.hard, limit.soft] where bytes > 0 { gate = min(gate, bytes) }
        }
    }

    func limit(for clientClass: ClientClass) -> OutputBufferLimit {
        switch clientClass {
        case .normal: return normal
        case .replica: return replica
        case .pubsub: return pubsub
        }
    }
}

extension Client {
    /// getClientType. MONITOR clients and the master count as normal for limits, as in Redis.
    var clientClass: ClientClass { flags.contains(.replica) ? .replica : isSubscribed ? .pubsub : .normal }
}

extension Server {
    /// Re-reads client-output-buffer-limit (start-up and CONFIG SET).
    func reloadOutputBufferLimits() {
        outputBufferLimits = OutputBufferLimits(config: config)
    }

    /// After output was appended to `client` from outside its own command (a tracking
    /// invalidation; PUBLISH has its own variant): check its limit and queue it for writing.
    @inline(__always)
    func afterRepliesAppended(_ client: Client) {
        enforceOutputBufferLimits(client)
        queueWrite(client)
    }

    /// The cheap test in front of the limit check. A client whose soft limit was seen reached
    /// stays checked until a check finds it below again, so "continuously" means what it says.
    @inline(__always)
    func enforceOutputBufferLimits(_ client: Client) {
        if client.reply.pendingBytes >= outputBufferLimits.gate || client.outputLimitSoftSince != 0 {
            closeIfOverOutputBufferLimit(client)
        }
    }

    /// closeClientOnOutputBufferLimitReached: asynchronously after output was appended (the
    /// client may be the one running a command), at once from the cron. Returns true if closed.
    @inline(never)
    @discardableResult
    func closeIfOverOutputBufferLimit(_ client: Client, async: Bool = true) -> Bool {
        if client.isFake || client.flags.contains(.closeASAP) { return false }
        let used = client.reply.pendingBytes
        // Redis checks only output that overflowed the client's 16 KiB static buffer onto its
        // reply list (reply_bytes != 0); smaller output neither closes nor resets the soft clock.
        if used <= ReplyBuffer.chunkSize { return false }
        guard outputBufferLimitReached(client, used: used) else { return false }
        if async {
            logger.warning("Client \(describe(client)) scheduled to be closed ASAP for overcoming of output buffer limits.")
            closeClientAsync(client)
        } else {
            let description = describe(client)
            closeClient(client)
            logger.warning("Client \(description) closed for overcoming of output buffer limits.")
        }
        return true
    }

    /// clientsCron's share: a soft limit must close a client that gets no further output, so
    /// each cron tick checks the next clientCount/hz clients (at least 5), reaching every client
    /// about once a second.
    func checkOutputBufferLimitsFromCron() {
        if clientCount == 0 || outputBufferLimits.gate == .max { return }
        var budget = max(5, clientCount / max(1, settings.hz))
        var index = outputBufferLimits.cronCursor
        var visited = 0
        while budget > 0 && visited < clientsByFD.count {
            if index >= clientsByFD.count { index = 0 }
            if let client = clientsByFD[index] {
                budget -= 1
                if client.reply.pendingBytes > ReplyBuffer.chunkSize { closeIfOverOutputBufferLimit(client, async: false) }
            }
            index += 1
            visited += 1
        }
        outputBufferLimits.cronCursor = index
    }

    /// checkClientOutputBufferLimits: the hard limit at once, the soft one only after it has
    /// held for more than its seconds (server.unixtime granularity, as Redis).
    private func outputBufferLimitReached(_ client: Client, used: Int) -> Bool {
        let limit = outputBufferLimits.limit(for: client.clientClass)
        let hard = limit.hard > 0 && used >= limit.hard
        var soft = limit.soft > 0 && used >= limit.soft
        if soft {
            let seconds = now / 1000
            if client.outputLimitSoftSince == 0 {
                client.outputLimitSoftSince = seconds
                soft = false
            } else if seconds - client.outputLimitSoftSince <= limit.softSeconds {
                soft = false
            }
        } else {
            client.outputLimitSoftSince = 0
        }
        return hard || soft
    }
}
