// MEMORY USAGE, after Redis's objectComputeSize: what a key really holds — its record, its slot
// in the table, and whatever its value owns outside the record. Big collections are sampled:
// `samples` elements (0 or less: all) are measured and the average is scaled to the whole, as
// Redis does, so the answer costs O(samples) and not O(N).

public enum MemoryUsage {
    public static let defaultSamples = 5
    /// A Swift object's header and malloc's chunk overhead, for payload objects.
    static let objectOverhead = 32
    /// One slot of a 64-byte, 7-slot bucket.
    static let slotBytes = 64 / 7

    public static func ofKey(_ object: RedisObject, samples: Int) -> Int {
        let samples = samples <= 0 ? Int.max : samples
        var bytes = KeyRecord.capacity(object.record) + slotBytes
        switch object.kind {
        case .inline, .integer: break
        case .external: bytes += ExternalString.allocatedSize(object.pointerValue)
        case .collection: bytes += objectOverhead + collectionBytes(object, samples: samples)
        }
        return bytes
    }

    static func collectionBytes(_ object: RedisObject, samples: Int) -> Int {
        switch (object.type, object.encoding) {
        case (.list, _):
            let list = ListType.quicklist(object)
            var measured = 0, nodes = 0
            var node = list.head
            while let current = node, nodes < samples {
                measured += current.allocatedBytes
                nodes += 1
                node = current.next
            }
            return nodes == 0 ? 0 : measured / nodes * list.nodeCount
        case (.hash, .listpack), (.zset, .listpack):
            return HashType.listpack(object).bytes.capacity
        case (.set, .intset):
            return SetType.intset(object).bytes.capacity
        case (.set, _):
            let table = SetType.table(object)
            return scaled(table.sampleBlocks(samples), count: table.count) + table.memoryBytes
        case (.hash, _):
            let table = HashType.table(object)
            return scaled(table.sampleBlocks(samples), count: table.count) + table.memoryBytes
        case (.zset, _):
            // As Redis: the header node whole, then nodes sampled from the lowest score up.
            let zset = ZSetType.skiplist(object)
            var measured = 0, nodes = 0
            var node = zset.list.first
            while let current = node, nodes < samples {
                measured += current.allocatedSize
                nodes += 1
                node = zset.list.next(current)
            }
            return scaled((measured, nodes), count: zset.count) + zset.tableBytes + zset.list.headerBytes
        case (.stream, _):
            return StreamType.stream(object).memoryUsage(samples: samples)
        default:
            return 0
        }
    }

    /// The average of the sampled blocks times the element count.
    static func scaled(_ sample: (bytes: Int, blocks: Int), count: Int) -> Int {
        sample.blocks == 0 ? 0 : sample.bytes / sample.blocks * count
    }
}
