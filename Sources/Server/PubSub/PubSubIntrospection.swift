import RESP
import Store
import Util

// PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB / HELP (pubsubCommand).
// Channel lists come in the registry's hash order, as Redis's come in its dict's.

enum PubSubIntrospection {
    static func channels(_ c: Client) { list(c, c.server.pubsub.channels) }

    static func shardChannels(_ c: Client) { list(c, c.server.pubsub.shardChannels) }

    static func numsub(_ c: Client) { counts(c, .channel) }

    static func shardNumsub(_ c: Client) { counts(c, .shardChannel) }

    static func numpat(_ c: Client) { c.reply.integer(c.server.pubsub.patterns.count) }

    static func help(_ c: Client) {
        c.reply.arrayHeader(helpLines.count)
        for line in helpLines { c.reply.simple(line) }
    }

    /// PUBSUB CHANNELS [pattern]: one optional argument only.
    private static func list(_ c: Client, _ table: Dict<SubscriberList>) {
        guard c.argumentCount <= 3 else {
            c.error(ErrorText.subcommandSyntax(c.argString(1), container: c.argString(0)))
            return
        }
        var names: [[UInt8]] = []
        let pattern: [UInt8]? = c.argumentCount == 3 ? c.argBytes(2) : nil
        table.forEach { entry in
            let name = entry.value.name
            if let pattern {
                let matches = pattern.withUnsafeBytes { p in
                    name.withUnsafeBytes { globMatch(pattern: p, string: $0, noCase: false) }
                }
                if !matches { return }
            }
            names.append(name)
        }
        c.reply.arrayHeader(names.count)
        for name in names { c.reply.bulk(name) }
    }

    private static func counts(_ c: Client, _ kind: SubscriptionKind) {
        c.reply.arrayHeader((c.argumentCount - 2) * 2)
        guard c.argumentCount > 2 else { return }
        for index in 2..<c.argumentCount {
            c.reply.bulk(c.arg(index))
            c.reply.integer(c.server.pubsub.subscriberCount(kind, c.arg(index)))
        }
    }

    // Captured from redis-server 7.0.15.
    static let helpLines: [String] = [
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ]
}
