import Testing
@testable import RESP

/// CLIENT REPLY's cut: `truncate(keeping:)` and the silence mark, against a model byte array,
/// across chunk boundaries, shared (by-reference) values and partial writes.
@Suite struct ReplyTruncateTests {
    /// Appends `pieces` (small ones copied, big ones shared), returning the model of what is queued.
    private func fill(_ reply: ReplyBuffer, _ pieces: [[UInt8]]) -> [UInt8] {
        var model: [UInt8] = []
        for piece in pieces {
            if piece.count >= ReplyBuffer.sharedValueThreshold { reply.appendShared(piece) } else { reply.append(piece) }
            model += piece
        }
        return model
    }

    private func piece(_ count: Int, _ seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    @Test(arguments: [0, 1, 5, 16383, 16384, 16385, 20000, 40000, 60000, 70000, 90000])
    func truncateKeepsExactlyThePrefix(keep: Int) {
        let reply = ReplyBuffer()
        let model = fill(reply, [piece(5, 1), piece(16_380, 2), piece(20_000, 3), piece(100, 4), piece(40_000, 5), piece(9, 6)])
        let kept = min(keep, model.count)
        reply.truncate(keeping: keep)
        #expect(reply.pendingBytes == kept)
        reply.append([7, 8, 9])
        #expect(drainAll(reply) == Array(model[0..<kept]) + [7, 8, 9])
        #expect(reply.isEmpty)
    }

    @Test(arguments: [1, 7, 4096, 17_000, 30_000])
    func truncateAfterPartialWrites(written: Int) {
        let reply = ReplyBuffer()
        let model = fill(reply, [piece(10_000, 1), piece(20_000, 2), piece(3_000, 3)])
        let sent = drainPrefix(reply, written)
        #expect(sent == Array(model[0..<written]))
        let keep = 2_000
        reply.truncate(keeping: keep)
        #expect(drainAll(reply) == Array(model[written..<(written + keep)]))
    }

    @Test func silenceDropsOnlyWhatCameAfterTheMark() {
        let reply = ReplyBuffer()
        reply.append(Array("+kept\r\n".utf8))
        reply.silence()
        reply.append(Array("+dropped\r\n".utf8))
        reply.appendKept { reply.append(Array(">push\r\n".utf8)) }
        reply.append(piece(20_000, 9))
        reply.dropSilenced()
        #expect(reply.isSilenced)
        reply.unsilence()
        reply.append(Array("+after\r\n".utf8))
        #expect(String(decoding: drainAll(reply), as: UTF8.self) == "+kept\r\n>push\r\n+after\r\n")
    }

    @Test func writesLowerTheMark() {
        let reply = ReplyBuffer()
        reply.append(Array("+one\r\n+two\r\n".utf8))
        reply.silence()
        _ = drainPrefix(reply, 6)
        reply.append(Array("+dropped\r\n".utf8))
        reply.dropSilenced()
        #expect(String(decoding: drainAll(reply), as: UTF8.self) == "+two\r\n")
        reply.append(Array("+gone\r\n".utf8))
        reply.dropSilenced()
        #expect(reply.isEmpty)
    }

    /// Writes exactly `count` bytes, the way a short write would.
    private func drainPrefix(_ reply: ReplyBuffer, _ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            let written = reply.drain(maxPieces: 64) { regions in
                var copied = 0
                for region in regions where out.count < count {
                    let n = min(region.count, count - out.count)
                    out.append(contentsOf: region[0..<n])
                    copied += n
                }
                return copied
            }
            if written == 0 { break }
        }
        return out
    }
}
