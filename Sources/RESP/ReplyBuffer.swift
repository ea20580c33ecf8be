import Util

// A client's pending output. Small replies are copied into fixed-size chunks; a large bulk value
// is queued by reference (no copy), and the whole queue goes out with one writev per flush, as
// Redis does with its static buffer plus reply list.

/// One piece of pending output: bytes copied into a chunk, or a large value held by reference.
@usableFromInline
enum ReplyPiece {
    case chunk(ReplyChunk)
    case shared([UInt8])
}

@usableFromInline
final class ReplyChunk {
    @usableFromInline let base: UnsafeMutablePointer<UInt8>
    @usableFromInline let capacity: Int
    @usableFromInline var used = 0
    /// Bytes already written to the socket.
    @usableFromInline var sent = 0

    @usableFromInline
    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }
}

public final class ReplyBuffer {
    /// Chunk size, as Redis's PROTO_REPLY_CHUNK_BYTES.
    public static let chunkSize = 16 * 1024
    /// Values at least this long are queued by reference instead of copied.
    public static let sharedValueThreshold = 16 * 1024

    /// The chunk that small appends go to; always the last piece when non-nil.
    @usableFromInline var tail: ReplyChunk
    @usableFromInline var pieces: [ReplyPiece] = []
    /// Bytes of `pieces.first` already written when it is a shared value.
    @usableFromInline var sharedSent = 0
    /// Bytes queued and not yet written, for CLIENT LIST's omem and output limits.
    @usableFromInline var pending = 0
    public var pendingBytes: Int { pending }
    /// RESP3 framing when true (after HELLO 3).
    public var resp3 = false
    /// CLIENT REPLY OFF/SKIP: how many of the pending bytes are kept; what was appended after
    /// them is dropped (`dropSilenced`). -1 when replies flow. Writes lower it (`consume`).
    public var silencedFrom = -1

    public init() {
        tail = ReplyChunk(capacity: ReplyBuffer.chunkSize)
        pieces.append(.chunk(tail))
    }

    @inlinable public var isEmpty: Bool { pending == 0 }

    // MARK: appending

    @inlinable
    public func appendBytes(_ source: UnsafeRawPointer, count: Int) {
        var source = source.assumingMemoryBound(to: UInt8.self)
        var remaining = count
        pending &+= count
        while remaining > 0 {
            let room = tail.capacity &- tail.used
            if room == 0 {
                addChunk(minimum: remaining)
                continue
            }
            let n = min(room, remaining)
            (tail.base + tail.used).update(from: source, count: n)
            tail.used &+= n
            source += n
            remaining &-= n
        }
    }

    @inlinable
    public func append(_ bytes: UnsafeRawBufferPointer) {
        if let base = bytes.baseAddress, bytes.count > 0 { appendBytes(base, count: bytes.count) }
    }

    @inlinable
    public func append(_ text: StaticString) {
        appendBytes(text.utf8Start, count: text.utf8CodeUnitCount)
    }

    @inlinable
    public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    @inlinable
    public func append(byte: UInt8) {
        if tail.used == tail.capacity { addChunk(minimum: 1) }
        tail.base[tail.used] = byte
        tail.used &+= 1
        pending &+= 1
    }

    @inlinable
    public func appendCRLF() {
        if tail.capacity &- tail.used < 2 { addChunk(minimum: 2) }
        tail.base[tail.used] = 0x0D
        tail.base[tail.used &+ 1] = 0x0A
        tail.used &+= 2
        pending &+= 2
    }

    /// Writes `prefix`, the decimal `value` and CRLF: the shape of every RESP length and integer.
    @inlinable
    public func appendPrefixed(_ prefix: UInt8, _ value: Int64) {
        if tail.capacity &- tail.used < 24 { addChunk(minimum: 24) }
        let start = tail.base + tail.used
        start[0] = prefix
        let length = writeDecimal(value, to: start + 1)
        start[length &+ 1] = 0x0D
        start[length &+ 2] = 0x0A
        tail.used &+= length &+ 3
        pending &+= length &+ 3
    }

    /// Queues a large value without copying it. The chunk after it takes later small replies.
    public func appendShared(_ bytes: [UInt8]) {
        pieces.append(.shared(bytes))
        pending &+= bytes.count
        tail = ReplyChunk(capacity: ReplyBuffer.chunkSize)
        pieces.append(.chunk(tail))
    }

    @usableFromInline
    func addChunk(minimum: Int) {
        tail = ReplyChunk(capacity: max(ReplyBuffer.chunkSize, minimum))
        pieces.append(.chunk(tail))
    }

    // MARK: draining

    /// Hands up to `maxPieces` iovec-ready regions to `body`, which returns how many bytes it wrote;
    /// those bytes are then released. Returns what `body` returned.
    public func drain(maxPieces: Int, _ body: (UnsafeBufferPointer<UnsafeRawBufferPointer>) -> Int) -> Int {
        var regions: [UnsafeRawBufferPointer] = []
        regions.reserveCapacity(min(pieces.count, maxPieces))
        for (index, piece) in pieces.enumerated() {
            if regions.count == maxPieces { break }
            switch piece {
            case .chunk(let chunk):
                if chunk.used > chunk.sent {
                    regions.append(UnsafeRawBufferPointer(start: chunk.base + chunk.sent, count: chunk.used - chunk.sent))
                }
            case .shared(let bytes):
                let skip = index == 0 ? sharedSent : 0
                bytes.withUnsafeBytes { raw in
                    // Array storage stays put while `pieces` holds the array, for the whole call.
                    regions.append(UnsafeRawBufferPointer(rebasing: raw[skip...]))
                }
            }
        }
        let written = regions.withUnsafeBufferPointer { body($0) }
        if written > 0 { consume(written) }
        return written
    }

    /// The single-region fast path: the common case of one chunk with small replies.
    @inlinable public var singleRegion: UnsafeRawBufferPointer? {
        guard pieces.count == 1 else { return nil }
        return UnsafeRawBufferPointer(start: tail.base + tail.sent, count: tail.used &- tail.sent)
    }

    public func consume(_ count: Int) {
        var remaining = count
        pending -= count
        if silencedFrom > 0 { silencedFrom = max(0, silencedFrom - count) }
        while remaining > 0 {
            switch pieces[0] {
            case .chunk(let chunk):
                let available = chunk.used - chunk.sent
                let n = min(available, remaining)
                chunk.sent += n
                remaining -= n
                if chunk.sent == chunk.used && chunk !== tail { pieces.removeFirst() }
            case .shared(let bytes):
                let available = bytes.count - sharedSent
                let n = min(available, remaining)
                sharedSent += n
                remaining -= n
                if sharedSent == bytes.count {
                    sharedSent = 0
                    pieces.removeFirst()
                }
            }
        }
        if pending == 0 { rewind() }
    }

    /// Everything went out: reuse the tail chunk from its start and drop oversized ones.
    /// `tail` is always the last piece, so a single piece is the tail itself.
    @usableFromInline
    func rewind() {
        let oversized = tail.capacity > ReplyBuffer.chunkSize
        if oversized { tail = ReplyChunk(capacity: ReplyBuffer.chunkSize) }
        tail.used = 0
        tail.sent = 0
        if oversized || pieces.count != 1 {
            pieces.removeAll(keepingCapacity: true)
            pieces.append(.chunk(tail))
        }
    }

    /// Appends a copy of what `other` has pending (a replica joining a BGSAVE takes the stream
    /// another one buffered since the snapshot, copyReplicaOutputBuffer).
    public func appendCopy(of other: ReplyBuffer) {
        for (index, piece) in other.pieces.enumerated() {
            switch piece {
            case .chunk(let chunk):
                if chunk.used > chunk.sent { appendBytes(chunk.base + chunk.sent, count: chunk.used - chunk.sent) }
            case .shared(let bytes):
                let skip = index == 0 ? other.sharedSent : 0
                bytes.withUnsafeBytes { append(UnsafeRawBufferPointer(rebasing: $0[skip...])) }
            }
        }
    }

    /// Drops everything queued (a client being closed, or CLIENT REPLY OFF semantics).
    public func discardAll() {
        pending = 0
        if silencedFrom > 0 { silencedFrom = 0 }
        sharedSent = 0
        rewind()
    }
}
