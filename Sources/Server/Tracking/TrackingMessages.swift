import RESP

// sendTrackingMessage (tracking.c): an invalidation goes to the tracking client itself as a
// RESP3 push `invalidate`, or to its REDIRECT target — as a push when the target speaks RESP3,
// as a `message` on `__redis__:invalidate` when it is a RESP2 client in subscribed mode, and
// not at all otherwise. A target that disappeared marks the redirect broken (and a RESP3
// client is told with `tracking-redir-broken`).

enum InvalidatedKeys {
    case key(UnsafeRawBufferPointer)
    case many([[UInt8]])
    /// A flush: the null of the *tracking* client's protocol, as Redis sends it.
    case flush(resp3: Bool)
}

extension Server {
    func sendInvalidation(to client: Client, keys: InvalidatedKeys) {
        var target = client
        var redirected = false
        if client.tracking.redirect != 0 {
            guard let redirect = clientByID(client.tracking.redirect) else {
                client.tracking.brokenRedirect = true
                if client.reply.resp3 {
                    client.reply.pushHeader(2)
                    client.reply.bulk("tracking-redir-broken" as StaticString)
                    client.reply.integer(client.tracking.redirect)
                    queueWrite(client)
                }
                return
            }
            target = redirect
            redirected = true
        }
        let reply = target.reply
        if reply.resp3 {
            reply.pushHeader(2)
            reply.bulk("invalidate" as StaticString)
        } else if redirected && target.isSubscribed {
            reply.arrayHeader(3)
            reply.bulk("message" as StaticString)
            reply.bulk("__redis__:invalidate" as StaticString)
        } else {
            return
        }
        switch keys {
        case .key(let key):
            reply.arrayHeader(1)
            reply.bulk(key)
        case .many(let names):
            reply.arrayHeader(names.count)
            for name in names { reply.bulk(name) }
        case .flush(let resp3):
            if resp3 { reply.append("_\r\n" as StaticString) } else { reply.append("$-1\r\n" as StaticString) }
        }
        afterRepliesAppended(target)
    }
}
