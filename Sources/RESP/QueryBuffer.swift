import Glibc

// A client's input bytes: one raw allocation with read and write indices, reused for the life
// of the connection so that reading a request allocates nothing.

public final class QueryBuffer {
    public private(set) var storage: UnsafeMutablePointer<UInt8>
    public private(set) var capacity: Int
    /// First byte not yet consumed by the parser's completed commands.
    public var readIndex = 0
    /// One past the last byte received.
    public var writeIndex = 0
    /// Capacity a buffer shrinks back to after a large request has gone through.
    public static let standardCapacity = 16 * 1024

    public init(capacity: Int = QueryBuffer.standardCapacity) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    @inlinable public var readableCount: Int { writeIndex &- readIndex }

    /// Makes room for at least `minimumWritable` bytes after `writeIndex`, first by sliding the
    /// bytes from `keepFrom` (the start of a half-parsed command, whose earlier arguments must
    /// survive) to the front, then by growing. Returns how far bytes moved towards the front so a
    /// parser holding offsets can follow them. `exact` grows to just the room asked for (a big
    /// bulk's known size, as Redis's sdsMakeRoomForNonGreedy) instead of doubling.
    @discardableResult
    public func reserve(minimumWritable: Int, keepingFrom keepFrom: Int? = nil, exact: Bool = false) -> Int {
        if capacity - writeIndex >= minimumWritable { return 0 }
        let shift = min(keepFrom ?? readIndex, readIndex)
        if shift > 0 {
            let live = writeIndex - shift
            if live > 0 { memmove(storage, storage + shift, live) }
            readIndex -= shift
            writeIndex = live
            if capacity - writeIndex >= minimumWritable { return shift }
        }
        var newCapacity = capacity
        if exact {
            newCapacity = writeIndex + minimumWritable
        } else {
            while newCapacity - writeIndex < minimumWritable { newCapacity *= 2 }
        }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: storage, count: writeIndex)
        storage.deallocate()
        storage = bigger
        capacity = newCapacity
        return shift
    }

    /// Called when everything has been consumed: rewinds, and gives back memory a big request took.
    public func resetIfEmpty() {
        guard readIndex == writeIndex else { return }
        readIndex = 0
        writeIndex = 0
        if capacity > 4 * QueryBuffer.standardCapacity {
            storage.deallocate()
            capacity = QueryBuffer.standardCapacity
            storage = .allocate(capacity: capacity)
        }
    }

    /// Appends bytes (tests and replication feeds; sockets read straight into `storage`).
    public func append(_ bytes: UnsafeRawBufferPointer) {
        reserve(minimumWritable: bytes.count)
        if let base = bytes.baseAddress, bytes.count > 0 {
            (storage + writeIndex).update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        }
        writeIndex += bytes.count
    }

    public func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }
}
