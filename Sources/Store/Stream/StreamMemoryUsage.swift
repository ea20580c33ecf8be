import CMemory
import Glibc

// MEMORY USAGE of a stream, shaped as objectComputeSize's stream part: the stream and its node
// index, the node listpacks (the first `samples` measured, their average standing for all but
// the last node, which is measured: the tail node is usually the one not yet full), then every
// group with its PEL and one pending entry's size per entry, and every consumer with its name
// and its PEL index (whose entries are the group's, not counted twice). The figures are Apus's
// own allocations: malloc's usable size of each object, array buffers by capacity.

extension Stream {
    /// Bytes the stream holds beyond the 32-byte object header MEMORY USAGE adds for every
    /// collection.
    func memoryUsage(samples: Int) -> Int {
        var bytes = StreamMemory.objectBytes(self) - MemoryUsage.objectOverhead + nodes.memoryBytes
        var sampled = 0, measured = 0
        nodes.forEach { _, node in
            if sampled >= samples { return false }
            measured += StreamMemory.listpackBytes(node)
            sampled += 1
            return true
        }
        if nodes.count <= sampled {
            bytes += measured
        } else {
            if sampled > 0 { measured /= sampled }
            bytes += measured * (nodes.count - 1)
            if let last = nodes.last { bytes += StreamMemory.listpackBytes(nodes.value(at: last)) }
        }

        bytes += groups.memoryBytes
        groups.forEach { name, group in
            bytes += StreamMemory.arrayBytes(name.bytes.capacity, 1)
            bytes += StreamMemory.objectBytes(group) + group.pending.memoryBytes + group.consumers.memoryBytes
            if let first = group.pending.first {
                bytes += StreamMemory.objectBytes(group.pending.value(at: first)) * group.pending.count
            }
            group.consumers.forEach { _, consumer in
                bytes += StreamMemory.objectBytes(consumer) + StreamMemory.arrayBytes(consumer.name.capacity, 1)
                bytes += consumer.pending.memoryBytes
                return true
            }
            return true
        }
        return bytes
    }
}

enum StreamMemory {
    /// A Swift array's buffer: its 32-byte header and its capacity.
    static func arrayBytes(_ capacity: Int, _ stride: Int) -> Int {
        capacity == 0 ? 0 : 32 + capacity * stride
    }

    /// What malloc holds for a class instance (usable size plus its chunk header).
    static func objectBytes(_ object: AnyObject) -> Int {
        malloc_usable_size(Unmanaged.passUnretained(object).toOpaque()) + 8
    }

    /// A node: its Listpack object and the allocated bytes (preallocation included, as Redis
    /// counts zmalloc_size).
    static func listpackBytes(_ node: Listpack) -> Int {
        objectBytes(node) + arrayBytes(node.bytes.capacity, 1)
    }
}

extension SortedChunkMap {
    /// The index's own arrays: the chunk list and each chunk's keys and values (not what the
    /// values reference).
    var memoryBytes: Int {
        var bytes = StreamMemory.arrayBytes(chunks.capacity, MemoryLayout<Chunk>.stride)
        for chunk in chunks {
            bytes += StreamMemory.arrayBytes(chunk.keys.capacity, MemoryLayout<Key>.stride)
            bytes += StreamMemory.arrayBytes(chunk.values.capacity, MemoryLayout<Value>.stride)
        }
        return bytes
    }
}
