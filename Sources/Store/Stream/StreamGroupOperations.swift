// What XACK, XCLAIM and XAUTOCLAIM do to a group's pending entries (t_stream.c): an entry lives
// in two PELs at once, the group's and its consumer's, and these keep the two in step.

extension StreamConsumerGroup {
    /// XACK of one ID: removes its pending entry from both PELs; false when it had none.
    @discardableResult
    public func acknowledge(_ id: StreamID) -> Bool {
        guard let entry = pending.remove(id) else { return false }
        entry.consumer.pending.remove(id)
        return true
    }

    /// A new pending entry owned by `consumer` (XCLAIM FORCE, XREADGROUP's first delivery).
    @discardableResult
    public func addPending(_ id: StreamID, consumer: StreamConsumer, deliveryTime: Int64,
                           deliveryCount: UInt64) -> StreamPendingEntry {
        let entry = StreamPendingEntry(deliveryTime: deliveryTime, deliveryCount: deliveryCount, consumer: consumer)
        pending.set(id, entry)
        consumer.pending.set(id, entry)
        return entry
    }

    /// Gives a pending entry to `consumer`, out of its previous owner's PEL.
    public func transfer(_ id: StreamID, _ entry: StreamPendingEntry, to consumer: StreamConsumer) {
        if entry.consumer === consumer { return }
        entry.consumer.pending.remove(id)
        consumer.pending.insert(id, entry)
        entry.consumer = consumer
    }
}

extension Stream {
    /// The number of nodes Redis's rax would have for the node index (XINFO STREAM's
    /// radix-tree-nodes). The index is a sorted map here, so the figure is derived from the
    /// keys: a rax over fixed 16-byte keys is the compressed trie of those keys, one node per
    /// branching point, one compressed node per run of two or more unbranched bytes, one leaf
    /// per key, and a root that is a branching node or a compressed prefix (raxNew's lone
    /// root when empty). That is what raxInsert builds for these keys; a rax that lost keys may
    /// keep a node raxRemove did not merge back, which this does not model.
    public var radixTreeNodeCount: Int {
        let keys = nodes.keys.map { $0.encoded }
        if keys.isEmpty { return 1 }
        return Stream.raxNodes(keys, keys.startIndex, keys.endIndex, depth: 0)
    }

    /// The nodes under an edge that reaches `depth` bytes into keys[range], which share those bytes.
    private static func raxNodes(_ keys: [[UInt8]], _ low: Int, _ high: Int, depth: Int) -> Int {
        let width = keys[low].count
        if high - low == 1 { return depth < width ? 2 : 1 }
        var common = depth
        while keys[low][common] == keys[high - 1][common] { common += 1 }
        var count = (common > depth ? 1 : 0) + 1
        var start = low
        while start < high {
            var end = start + 1
            while end < high && keys[end][common] == keys[start][common] { end += 1 }
            count += raxNodes(keys, start, end, depth: common + 1)
            start = end
        }
        return count
    }
}
