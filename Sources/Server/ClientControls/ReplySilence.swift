import RESP

// CLIENT REPLY ON|OFF|SKIP (networking.c, Redis 7.0). Redis refuses the bytes at append time
// (prepareClientToWrite); Apus lets commands append as usual and cuts the silenced bytes off
// the reply buffer when the command is done (resetClient's point) and before any write, so
// the append path pays nothing. Pushes (pub/sub, tracking invalidations) still get through, as
// with Redis's CLIENT_PUSHING, by appending through `pushKept`.

extension ClientCommand {
    static func reply(_ c: Client) {
        if c.argIs(2, "on") {
            c.controls.reply.remove([.off, .skip])
            c.reply.unsilence()
            c.reply.ok()
        } else if c.argIs(2, "off") {
            c.controls.reply.insert(.off)
            c.reply.silence()
        } else if c.argIs(2, "skip") {
            if !c.controls.reply.contains(.off) { c.controls.reply.insert(.skipNext) }
        } else {
            c.error(ErrorText.syntax)
        }
    }
}

extension Server {
    /// resetClient's part for CLIENT REPLY: the finished command's silenced reply is dropped,
    /// SKIP ends, and a SKIP that just ran silences the next command. Called after a top-level
    /// command (not one that blocked or was postponed) and when a blocked client is served.
    func replyCommandCompleted(_ client: Client) {
        let reply = client.reply
        reply.dropSilenced()
        client.controls.reply.remove(.skip)
        if client.controls.reply.contains(.skipNext) {
            client.controls.reply.remove(.skipNext)
            client.controls.reply.insert(.skip)
        }
        if client.controls.reply.isDisjoint(with: [.off, .skip]) {
            reply.silencedFrom = -1
        } else {
            reply.silencedFrom = reply.pendingBytes
        }
    }
}

extension Client {
    /// Appends out-of-band data that reaches the client even under CLIENT REPLY OFF/SKIP
    /// (Redis's CLIENT_PUSHING): pub/sub messages and confirmations, tracking invalidations.
    @inline(__always)
    func pushKept(_ body: () -> Void) {
        reply.appendKept(body)
    }
}

extension Server {
    /// clearClientConnectionState's part for the controls: out of MONITOR mode, CLIENT REPLY OFF
    /// and a pending SKIP cleared. A SKIP already in force still silences RESET's own reply, and
    /// NO-EVICT and a server pause stay, as in Redis 7.0.
    func resetClientControls(_ client: Client) {
        stopMonitoring(client)
        client.controls.reply.remove([.off, .skipNext])
        if !client.controls.reply.contains(.skip) { client.reply.unsilence() }
    }
}

extension Server {
    /// Tracking invalidations are pushes: they reach the tracking client, or its redirect
    /// target, under CLIENT REPLY OFF too.
    func sendInvalidation(to client: Client, keys: InvalidatedKeys) {
        let target = client.tracking.redirect != 0 ? clientByID(client.tracking.redirect) : nil
        client.pushKept {
            if let target {
                target.pushKept { appendInvalidation(to: client, keys: keys) }
            } else {
                appendInvalidation(to: client, keys: keys)
            }
        }
    }
}
