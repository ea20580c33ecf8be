// Dropping the tail of the pending output: CLIENT REPLY OFF and SKIP let commands append their
// replies as usual and cut them off afterwards, so the append path carries no extra test.

extension ReplyBuffer {
    /// Keeps the first `keep` pending bytes and drops the rest.
    public func truncate(keeping keep: Int) {
        guard keep < pending else { return }
        if keep <= 0 {
            pending = 0
            sharedSent = 0
            rewind()
            return
        }
        var remaining = keep
        for index in pieces.indices {
            switch pieces[index] {
            case .chunk(let chunk):
                let available = chunk.used - chunk.sent
                if remaining <= available {
                    chunk.used = chunk.sent + remaining
                    pieces.removeSubrange((index + 1)...)
                    tail = chunk
                    pending = keep
                    return
                }
                remaining -= available
            case .shared(let bytes):
                let skip = index == 0 ? sharedSent : 0
                let available = bytes.count - skip
                if remaining <= available {
                    if remaining < available { pieces[index] = .shared(Array(bytes[..<(skip + remaining)])) }
                    pieces.removeSubrange((index + 1)...)
                    tail = ReplyChunk(capacity: ReplyBuffer.chunkSize)
                    pieces.append(.chunk(tail))
                    pending = keep
                    return
                }
                remaining -= available
            }
        }
    }

    /// Drops what was appended while silenced.
    @inline(__always)
    public func dropSilenced() {
        if silencedFrom >= 0 && pending > silencedFrom { truncate(keeping: silencedFrom) }
    }

    public var isSilenced: Bool { silencedFrom >= 0 }

    /// Starts dropping what is appended from now on (already silenced: nothing changes).
    public func silence() {
        if silencedFrom < 0 { silencedFrom = pending }
    }

    /// Replies flow again; what was appended while silenced is dropped first.
    public func unsilence() {
        dropSilenced()
        silencedFrom = -1
    }

    /// Out-of-band data (a push) that must reach a silenced client: `body` appends it and it is kept.
    @inline(__always)
    public func appendKept(_ body: () -> Void) {
        if silencedFrom < 0 { body(); return }
        dropSilenced()
        body()
        silencedFrom = pending
    }
}
