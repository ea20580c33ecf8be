import RESP

// SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH, SPUBLISH
// (pubsub.c). Every name gets its own confirmation, in argument order; a bare unsubscribe
// confirms each name dropped, or once with a null name when there was none.

enum PubSubCommands {
    static let handlers: [String: CommandHandler] = [
        "subscribe": subscribe, "unsubscribe": unsubscribe, "psubscribe": psubscribe,
        "punsubscribe": punsubscribe, "ssubscribe": ssubscribe, "sunsubscribe": sunsubscribe,
        "publish": publish, "spublish": spublish,
        "pubsub|channels": PubSubIntrospection.channels, "pubsub|numsub": PubSubIntrospection.numsub,
        "pubsub|numpat": PubSubIntrospection.numpat, "pubsub|shardchannels": PubSubIntrospection.shardChannels,
        "pubsub|shardnumsub": PubSubIntrospection.shardNumsub, "pubsub|help": PubSubIntrospection.help,
    ]

    // Redis refuses SUBSCRIBE and PSUBSCRIBE to a DENY_BLOCKING client unless it is in MULTI.
    // Apus denies blocking only while EXEC runs, where they are allowed, and these commands are
    // `noscript`, so that check can never fire here. SSUBSCRIBE has no MULTI exception.

    static func subscribe(_ c: Client) { subscribeEach(c, .channel) }

    static func psubscribe(_ c: Client) { subscribeEach(c, .pattern) }

    static func ssubscribe(_ c: Client) {
        if c.denyBlocking {
            c.error(ErrorText.ssubscribeDenyBlocking)
            return
        }
        subscribeEach(c, .shardChannel)
    }

    static func unsubscribe(_ c: Client) { unsubscribeEach(c, .channel) }

    static func punsubscribe(_ c: Client) { unsubscribeEach(c, .pattern) }

    static func sunsubscribe(_ c: Client) { unsubscribeEach(c, .shardChannel) }

    static func publish(_ c: Client) {
        // Redis also forces the command into the replication stream (PROPAGATE_REPL only, not
        // the AOF); there is no replica link yet to carry it.
        c.reply.integer(c.server.publish(channel: c.arg(1), message: c.arg(2)))
    }

    static func spublish(_ c: Client) {
        c.reply.integer(c.server.publishToShard(channel: c.arg(1), message: c.arg(2)))
    }

    private static func subscribeEach(_ c: Client, _ kind: SubscriptionKind) {
        let server = c.server
        for index in 1..<c.argumentCount { server.subscribe(c, kind, c.arg(index)) }
    }

    private static func unsubscribeEach(_ c: Client, _ kind: SubscriptionKind) {
        let server = c.server
        if c.argumentCount == 1 {
            server.unsubscribeAll(c, kind, notify: true)
            return
        }
        for index in 1..<c.argumentCount { server.unsubscribe(c, kind, c.argBytes(index), notify: true) }
    }
}
