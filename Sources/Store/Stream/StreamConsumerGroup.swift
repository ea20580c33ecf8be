// Consumer groups (t_stream.c's streamCG, streamConsumer, streamNACK). A delivered but not yet
// acknowledged entry has one pending entry, referenced from the group's PEL and from its
// consumer's; both PELs are ordered by entry ID.

/// A delivered, unacknowledged entry (streamNACK).
public final class StreamPendingEntry {
    /// When it was last delivered, Unix ms.
    public var deliveryTime: Int64
    public var deliveryCount: UInt64
    /// The consumer that owns it. Unowned: a consumer is removed only together with its
    /// pending entries, so the reference never outlives it (and a strong one would be a cycle).
    public unowned(unsafe) var consumer: StreamConsumer

    public init(deliveryTime: Int64, deliveryCount: UInt64, consumer: StreamConsumer) {
        self.deliveryTime = deliveryTime
        self.deliveryCount = deliveryCount
        self.consumer = consumer
    }
}

public final class StreamConsumer {
    public let name: [UInt8]
    /// The last time it interacted with the group, Unix ms (seen-time).
    public var seenTime: Int64
    public let pending = SortedChunkMap<StreamID, StreamPendingEntry>()

    public init(name: [UInt8], seenTime: Int64) {
        self.name = name
        self.seenTime = seenTime
    }
}

/// Redis's SCG_INVALID_ENTRIES_READ: the group's read counter is unknown.
public let streamInvalidEntriesRead: Int64 = -1

public final class StreamConsumerGroup {
    /// The last entry delivered to any consumer.
    public var lastID: StreamID
    /// Entries the group has read (its logical offset), or `streamInvalidEntriesRead`.
    public var entriesRead: Int64
    public let pending = SortedChunkMap<StreamID, StreamPendingEntry>()
    public let consumers = SortedChunkMap<ByteKey, StreamConsumer>()

    public init(lastID: StreamID, entriesRead: Int64) {
        self.lastID = lastID
        self.entriesRead = entriesRead
    }

    public func consumer(named name: UnsafeRawBufferPointer) -> StreamConsumer? {
        consumers[ByteKey(name)]
    }

    /// streamCreateConsumer: a new consumer, or nil when one has the name.
    public func createConsumer(named name: UnsafeRawBufferPointer, now: Int64) -> StreamConsumer? {
        let consumer = StreamConsumer(name: [UInt8](name), seenTime: now)
        return consumers.insert(ByteKey(consumer.name), consumer) ? consumer : nil
    }

    /// streamDelConsumer: removes a consumer and its pending entries from the group's PEL too;
    /// returns how many entries it had pending.
    @discardableResult
    public func deleteConsumer(_ consumer: StreamConsumer) -> Int {
        let count = consumer.pending.count
        consumer.pending.forEach { id, _ in
            pending.remove(id)
            return true
        }
        consumer.pending.removeAll()
        consumers.remove(ByteKey(consumer.name))
        return count
    }

    /// A deep copy whose pending entries point to the copied consumers.
    public func copy() -> StreamConsumerGroup {
        let other = StreamConsumerGroup(lastID: lastID, entriesRead: entriesRead)
        var copies: [ObjectIdentifier: StreamConsumer] = [:]
        consumers.forEach { name, consumer in
            let copied = StreamConsumer(name: consumer.name, seenTime: consumer.seenTime)
            copies[ObjectIdentifier(consumer)] = copied
            other.consumers.insert(name, copied)
            return true
        }
        pending.forEach { id, entry in
            let owner = copies[ObjectIdentifier(entry.consumer)]!
            let copied = StreamPendingEntry(deliveryTime: entry.deliveryTime, deliveryCount: entry.deliveryCount,
                                            consumer: owner)
            other.pending.insert(id, copied)
            owner.pending.insert(id, copied)
            return true
        }
        return other
    }
}

extension Stream {
    public func group(named name: UnsafeRawBufferPointer) -> StreamConsumerGroup? {
        groups[ByteKey(name)]
    }

    /// streamCreateCG: a new group, or nil when one has the name.
    public func createGroup(named name: UnsafeRawBufferPointer, lastID: StreamID,
                            entriesRead: Int64) -> StreamConsumerGroup? {
        let group = StreamConsumerGroup(lastID: lastID, entriesRead: entriesRead)
        return groups.insert(ByteKey(name), group) ? group : nil
    }
}

/// The stream type's object helpers, as HashType's for hashes.
public enum StreamType {
    /// A new, empty stream (createStreamObject).
    public static func create() -> RedisObject {
        RedisObject.collection(.stream, .stream, Stream())
    }

    @inlinable
    public static func stream(_ object: RedisObject) -> Stream {
        unsafeDowncast(object.payload!, to: Stream.self)
    }

    public static func duplicate(_ object: RedisObject) -> RedisObject {
        RedisObject.collection(.stream, .stream, stream(object).copy())
    }
}
