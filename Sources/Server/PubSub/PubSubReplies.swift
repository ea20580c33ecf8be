import RESP

// The replies of pub/sub (addReplyPubsub* in pubsub.c): a push frame in RESP3, a plain array in
// RESP2, both built with the reply buffer's own appenders so that a delivery allocates nothing.

extension ReplyBuffer {
    /// A (un)subscribe confirmation: [word, name or null, count].
    func pubsubConfirmation(_ word: StaticString, _ name: UnsafeRawBufferPointer?, count: Int) {
        pushHeader(3)
        append(word)
        if let name { bulk(name) } else { nullBulk() }
        integer(count)
    }

    /// A delivered message: [message|smessage, channel, payload].
    @inline(__always)
    func pubsubMessage(_ word: StaticString, channel: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) {
        pushHeader(3)
        append(word)
        bulk(channel)
        bulk(message)
    }

    /// A message delivered through a pattern: [pmessage, pattern, channel, payload].
    @inline(__always)
    func pubsubPatternMessage(pattern: UnsafeRawBufferPointer, channel: UnsafeRawBufferPointer,
                              message: UnsafeRawBufferPointer) {
        pushHeader(4)
        append(SubscriptionKind.pattern.messageWord)
        bulk(pattern)
        bulk(channel)
        bulk(message)
    }
}

extension Client {
    /// PING from a RESP2 client in subscribed mode: ["pong", message or ""] (pingCommand).
    func replySubscribedPong() {
        reply.arrayHeader(2)
        reply.bulk("pong" as StaticString)
        if argumentCount == 1 { reply.bulk("" as StaticString) } else { reply.bulk(arg(1)) }
    }
}
