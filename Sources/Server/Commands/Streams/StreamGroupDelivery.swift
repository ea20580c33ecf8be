import Config
import RESP
import Store

// Reading a stream through a consumer group, as XREADGROUP does at once or when a blocked
// reader is served (t_stream.c, Redis 7.0.15): streamReplyWithRange with a group delivers new
// entries — advancing the group's last ID and read counter, creating or reassigning their
// pending entries, and propagating each as an XCLAIM (a NOACK read, which has none, as the
// group's position in an XGROUP SETID) — and streamReplyWithRangeFromConsumerPEL replays a
// consumer's pending history, which propagates nothing.

extension ReplyBuffer {
    /// streamReplyWithRange without a group: the live entries from `start` on, at most `count`
    /// (0: all).
    func streamEntries(_ stream: Stream, from start: StreamID, count: Int) {
        var left = stream.countEntries(from: start, to: .max, reverse: false, limit: count)
        arrayHeader(left)
        if left == 0 { return }
        stream.forEachEntry(from: start, to: .max) { entry in
            streamEntry(entry)
            left -= 1
            return left > 0
        }
    }
}

extension Client {
    /// The group's consumer named `name`, its seen-time refreshed (streamLookupConsumer), or a
    /// new one (streamCreateConsumer: a change, with its event). A NOACK read propagates the
    /// creation, since no XCLAIM will create the consumer on replicas.
    func streamConsumer(_ group: StreamConsumerGroup, named name: UnsafeRawBufferPointer,
                        key: UnsafeRawBufferPointer, groupName: UnsafeRawBufferPointer,
                        noAck: Bool) -> StreamConsumer {
        let now = server.now
        if let consumer = group.consumer(named: name) {
            consumer.seenTime = now
            return consumer
        }
        let consumer = group.createConsumer(named: name, now: now)!
        markDirty()
        notify(KeyspaceEventFlags.stream, "xgroup-createconsumer", key)
        if noAck { propagateStreamCreateConsumer(key: key, groupName: groupName, consumerName: name) }
        return consumer
    }

    /// streamReplyWithRange with a group (no history): replies the entries from `start` on, at
    /// most `count` (0: all), delivering them to `consumer`; returns how many.
    @discardableResult
    func deliverStreamEntries(_ stream: Stream, key: UnsafeRawBufferPointer, from start: StreamID, count: Int,
                              group: StreamConsumerGroup, groupName: UnsafeRawBufferPointer,
                              consumer: StreamConsumer, noAck: Bool, into out: ReplyBuffer) -> Int {
        let total = stream.countEntries(from: start, to: .max, reverse: false, limit: count)
        out.arrayHeader(total)
        if total == 0 { return 0 }
        var delivered = 0
        var propagatePosition = false
        let now = server.now
        stream.forEachEntry(from: start, to: .max) { entry in
            let id = entry.id
            if id > group.lastID {
                if group.entriesRead != streamInvalidEntriesRead && !stream.rangeHasTombstones(from: id, to: nil) {
                    // A valid counter and no tombstone ahead: the group read one more entry.
                    group.entriesRead += 1
                } else if stream.entriesAdded != 0 {
                    group.entriesRead = stream.estimatedDistanceFromFirstEverEntry(id)
                }
                group.lastID = id
                // Only a NOACK read sends the group's position: otherwise each XCLAIM's LASTID does.
                propagatePosition = noAck
            }
            out.streamEntry(entry)
            if !noAck {
                let pending: StreamPendingEntry
                if let owned = group.pending[id] {
                    // Already pending (the group's ID was set back): it moves to this consumer.
                    owned.consumer.pending.remove(id)
                    owned.consumer = consumer
                    owned.deliveryTime = now
                    owned.deliveryCount = 1
                    consumer.pending.set(id, owned)
                    pending = owned
                } else {
                    pending = StreamPendingEntry(deliveryTime: now, deliveryCount: 1, consumer: consumer)
                    group.pending.insert(id, pending)
                    consumer.pending.insert(id, pending)
                }
                propagateStreamClaim(key: key, group: group, groupName: groupName, id: id, pending: pending)
            }
            delivered += 1
            return delivered < total
        }
        if propagatePosition { propagateStreamGroupID(key: key, group: group, groupName: groupName) }
        return delivered
    }

    /// streamReplyWithRangeFromConsumerPEL: the consumer's pending entries from `start` on, at
    /// most `count` (0: all), each delivered again; an entry deleted since is [id, nil].
    @discardableResult
    func replyConsumerHistory(_ stream: Stream, from start: StreamID, count: Int,
                              consumer: StreamConsumer, into out: ReplyBuffer) -> Int {
        var total = 0
        var position = consumer.pending.lowerBound(start)
        while let current = position, count == 0 || total < count {
            total += 1
            position = consumer.pending.next(current)
        }
        out.arrayHeader(total)
        let now = server.now
        position = consumer.pending.lowerBound(start)
        for _ in 0..<total {
            guard let current = position else { break }
            let id = consumer.pending.key(at: current)
            var found = false
            stream.forEachEntry(from: id, to: id) { entry in
                out.streamEntry(entry)
                found = true
                return false
            }
            if found {
                let pending = consumer.pending.value(at: current)
                pending.deliveryTime = now
                pending.deliveryCount += 1
            } else {
                out.arrayHeader(2)
                out.bulk(id)
                out.nullArray()
            }
            position = consumer.pending.next(current)
        }
        return total
    }
}
