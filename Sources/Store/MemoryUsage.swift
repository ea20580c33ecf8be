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
            return tableBytes(SetType.table(object), samples: samples) { _ in 0 }
        case (.hash, _):
            return tableBytes(HashType.table(object), samples: samples) { $0.value.capacity + objectOverhead }
        case (.zset, _):
            let zset = ZSetType.skiplist(object)
            return tableBytes(zset.dict, samples: samples) { _ in 0 } + zset.list.allocatedBytes
        default:
            return 0
        }
    }

    /// A chained dict: its buckets and, sampled, its entries (with whatever `extra` each holds).
    static func tableBytes<Value>(_ dict: Dict<Value>, samples: Int, extra: (DictEntry<Value>) -> Int) -> Int {
        var measured = 0, entries = 0
        dict.forEachUntil { entry in
            measured += objectOverhead + 24 + entry.withKey { $0.count } + extra(entry)
            entries += 1
            return entries < samples
        }
        let perEntry = entries == 0 ? 0 : measured / entries
        return dict.bucketCount * 8 + perEntry * dict.count
    }
}
