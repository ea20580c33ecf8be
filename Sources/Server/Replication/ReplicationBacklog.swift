// The replication backlog (Redis's repl_backlog): the last `size` bytes of the replication
// stream in a ring, with the stream offset of its first byte, so a replica that lost its link
// can ask for what it missed (PSYNC) instead of a whole new RDB.

final class ReplicationBacklog {
    private var ring: UnsafeMutablePointer<UInt8>
    private(set) var size: Int
    /// Where the next byte goes.
    private var writeIndex = 0
    /// Bytes held, at most `size` (repl_backlog_histlen).
    private(set) var historyLength = 0
    /// Stream offset of the first byte held (repl_backlog->offset).
    private(set) var firstByteOffset: Int64

    /// A backlog whose next byte is stream offset `nextOffset` (master_repl_offset + 1).
    init(size: Int, nextOffset: Int64) {
        self.size = max(size, 1)
        ring = .allocate(capacity: self.size)
        firstByteOffset = nextOffset
    }

    deinit { ring.deallocate() }

    /// Bytes the backlog's memory takes (mem_replication_backlog).
    var memoryBytes: Int { size }

    /// The offset after the last byte held.
    var endOffset: Int64 { firstByteOffset + Int64(historyLength) }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard var source = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var remaining = bytes.count
        // Only the newest `size` bytes can stay.
        if remaining > size {
            firstByteOffset += Int64(historyLength + remaining - size)
            source += remaining - size
            remaining = size
            historyLength = 0
            writeIndex = 0
        }
        let dropped = max(0, historyLength + remaining - size)
        while remaining > 0 {
            let chunk = min(remaining, size - writeIndex)
            (ring + writeIndex).update(from: source, count: chunk)
            writeIndex = (writeIndex + chunk) % size
            source += chunk
            remaining -= chunk
            historyLength += chunk
        }
        if dropped > 0 {
            historyLength -= dropped
            firstByteOffset += Int64(dropped)
        }
    }

    /// Whether the bytes from stream offset `offset` on are all held (addReplyReplicationBacklog's
    /// precondition): `offset` may be `endOffset`, meaning nothing is missing.
    func holds(from offset: Int64) -> Bool {
        offset >= firstByteOffset && offset <= endOffset
    }

    /// Calls `body` with the bytes from stream offset `offset` to the end, in at most two pieces.
    func forEachRegion(from offset: Int64, _ body: (UnsafeRawBufferPointer) -> Void) {
        guard holds(from: offset) else { return }
        let skip = Int(offset - firstByteOffset)
        var count = historyLength - skip
        guard count > 0 else { return }
        var start = (writeIndex - historyLength + skip + 2 * size) % size
        while count > 0 {
            let chunk = min(count, size - start)
            body(UnsafeRawBufferPointer(start: ring + start, count: chunk))
            start = (start + chunk) % size
            count -= chunk
        }
    }

    /// resizeReplicationBacklog: keeps the newest bytes that fit in the new size.
    func resize(to newSize: Int) {
        let newSize = max(newSize, 1)
        guard newSize != size else { return }
        var kept: [UInt8] = []
        kept.reserveCapacity(historyLength)
        forEachRegion(from: firstByteOffset) { kept.append(contentsOf: $0) }
        let end = endOffset
        ring.deallocate()
        size = newSize
        ring = .allocate(capacity: size)
        writeIndex = 0
        historyLength = 0
        firstByteOffset = end - Int64(kept.count)
        kept.withUnsafeBytes { append($0) }
    }
}
