// The three namespaces of pub/sub: channels, patterns, and shard channels (SSUBSCRIBE/SPUBLISH,
// which outside cluster mode are simply a second channel namespace). Each kind has its own
// confirmation words, and its own idea of "how many subscriptions" a confirmation reports:
// channels and patterns count together, shard channels alone (clientSubscriptionsCount versus
// clientShardSubscriptionsCount in pubsub.c).

enum SubscriptionKind {
    case channel
    case pattern
    case shardChannel

    /// The confirmation's first element, as a ready RESP bulk string.
    var subscribeWord: StaticString {
        switch self {
        case .channel: return "$9\r\nsubscribe\r\n"
        case .pattern: return "$10\r\npsubscribe\r\n"
        case .shardChannel: return "$10\r\nssubscribe\r\n"
        }
    }

    var unsubscribeWord: StaticString {
        switch self {
        case .channel: return "$11\r\nunsubscribe\r\n"
        case .pattern: return "$12\r\npunsubscribe\r\n"
        case .shardChannel: return "$12\r\nsunsubscribe\r\n"
        }
    }

    /// The first element of a delivered message for a subscription of this kind.
    var messageWord: StaticString {
        switch self {
        case .channel: return "$7\r\nmessage\r\n"
        case .pattern: return "$8\r\npmessage\r\n"
        case .shardChannel: return "$8\r\nsmessage\r\n"
        }
    }
}
