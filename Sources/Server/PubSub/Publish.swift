import RESP
import Util

// Delivery (pubsubPublishMessage): the message goes to every subscriber of the channel in
// subscription order, then, for non-shard channels, to the subscribers of every pattern that
// matches it (Redis's stringmatchlen, case-sensitive). Each subscriber's copy goes straight into
// its reply buffer, its output buffer limit is checked, and it is queued for writing.
//
// With several subscribers, a small message is encoded once per publish into a scratch buffer
// and copied into each subscriber's buffer as one block: RESP2 and RESP3 frames differ only in
// their first byte ('*' or '>'). A lone subscriber, or a message too large for the scratch
// chunk, is encoded straight into the subscriber's buffer.

extension Server {
    /// PUBLISH's delivery, also used by keyspace notifications; returns how many received it.
    func publish(channel: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> Int {
        var receivers = 0
        if let list = pubsub.channels.findValue(channel) {
            receivers += deliver(to: list, .channel, channel: channel, message: message)
        }
        for list in pubsub.patternLists {
            receivers += list.name.withUnsafeBytes { pattern in
                guard globMatch(pattern: pattern, string: channel, noCase: false) else { return 0 }
                return deliver(to: list, pattern: pattern, channel: channel, message: message)
            }
        }
        return receivers
    }

    /// SPUBLISH's delivery: shard channels ignore patterns.
    func publishToShard(channel: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> Int {
        guard let list = pubsub.shardChannels.findValue(channel) else { return 0 }
        return deliver(to: list, .shardChannel, channel: channel, message: message)
    }

    private func deliver(to list: SubscriberList, _ kind: SubscriptionKind, channel: UnsafeRawBufferPointer,
                         message: UnsafeRawBufferPointer) -> Int {
        if list.clients.count > 1 && fitsScratch(channel.count &+ message.count) {
            let frame = pubsub.scratch
            frame.discardAll()
            frame.pubsubMessage(kind.messageWord, channel: channel, message: message)
            return deliver(to: list, frame: frame.singleRegion.unsafelyUnwrapped)
        }
        // Delivery never changes subscriptions (an over-limit client is closed later), so the
        // list stays as it is while it is walked.
        for subscriber in list.clients {
            subscriber._withUnsafeGuaranteedRef { client in
                guard client.acceptsReplies else { return }
                let wasEmpty = client.reply.isEmpty
                client.reply.pubsubMessage(kind.messageWord, channel: channel, message: message)
                afterDelivery(client, wasEmpty: wasEmpty)
            }
        }
        return list.clients.count
    }

    private func deliver(to list: SubscriberList, pattern: UnsafeRawBufferPointer, channel: UnsafeRawBufferPointer,
                         message: UnsafeRawBufferPointer) -> Int {
        if list.clients.count > 1 && fitsScratch(pattern.count &+ channel.count &+ message.count) {
            let frame = pubsub.scratch
            frame.discardAll()
            frame.pubsubPatternMessage(pattern: pattern, channel: channel, message: message)
            return deliver(to: list, frame: frame.singleRegion.unsafelyUnwrapped)
        }
        for subscriber in list.clients {
            subscriber._withUnsafeGuaranteedRef { client in
                guard client.acceptsReplies else { return }
                let wasEmpty = client.reply.isEmpty
                client.reply.pubsubPatternMessage(pattern: pattern, channel: channel, message: message)
                afterDelivery(client, wasEmpty: wasEmpty)
            }
        }
        return list.clients.count
    }

    /// Copies one encoded RESP2 frame to every subscriber, as a push for RESP3 ones.
    private func deliver(to list: SubscriberList, frame: UnsafeRawBufferPointer) -> Int {
        let afterType = UnsafeRawBufferPointer(rebasing: frame[1...])
        for subscriber in list.clients {
            subscriber._withUnsafeGuaranteedRef { client in
                guard client.acceptsReplies else { return }
                let reply = client.reply
                let wasEmpty = reply.isEmpty
                if reply.resp3 {
                    reply.append(byte: UInt8(ascii: ">"))
                    reply.append(afterType)
                } else {
                    reply.append(frame)
                }
                afterDelivery(client, wasEmpty: wasEmpty)
            }
        }
        return list.clients.count
    }

    /// A client that already had output pending is either queued for this loop's writes or
    /// waiting for its socket to drain (EPOLLOUT armed), so only one that had none is queued —
    /// as Redis's prepareClientToWrite. A stalled subscriber then costs no futile write per
    /// message.
    @inline(__always)
    private func afterDelivery(_ client: Client, wasEmpty: Bool) {
        enforceOutputBufferLimits(client)
        if wasEmpty { queueWrite(client) }
    }

    /// Whether a frame with `payload` bytes of names and message stays within the scratch
    /// buffer's one chunk (the framing adds well under 128 bytes).
    @inline(__always)
    private func fitsScratch(_ payload: Int) -> Bool { payload <= ReplyBuffer.chunkSize - 128 }
}

extension Client {
    /// prepareClientToWrite: a client on its way out gets no more output (it still counts as a
    /// receiver, as in Redis).
    @inline(__always)
    var acceptsReplies: Bool { !flags.contains(.closeASAP) && !flags.contains(.closeAfterReply) }
}
