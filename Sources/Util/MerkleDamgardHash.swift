// What SHA-1 and SHA-256 share: input gathered into 64-byte blocks, each compressed by the
// hash's own `processBlock`, then the padding (0x80, zeros, the message's big-endian bit length)
// and the state words written out big-endian.

protocol MerkleDamgardHash {
    var buffer: [UInt8] { get set }
    var buffered: Int { get set }
    var totalBytes: UInt64 { get set }
    /// Compresses `buffer` (64 bytes) into the state.
    mutating func processBlock()
}

extension MerkleDamgardHash {
    mutating func absorb(_ bytes: UnsafeRawBufferPointer) {
        totalBytes &+= UInt64(bytes.count)
        for byte in bytes {
            buffer[buffered] = byte
            buffered += 1
            if buffered == 64 {
                processBlock()
                buffered = 0
            }
        }
    }

    /// Pads the message to a whole number of blocks; the digest is then the state.
    mutating func pad() {
        let bitLength = totalBytes &* 8
        var padding: [UInt8] = [0x80]
        let afterPad = (buffered + 1) % 64
        padding += [UInt8](repeating: 0, count: afterPad <= 56 ? 56 - afterPad : 120 - afterPad)
        for shift in stride(from: 56, through: 0, by: -8) { padding.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        let saved = totalBytes
        padding.withUnsafeBytes { absorb($0) }
        totalBytes = saved
    }

    /// The i-th big-endian word of the current block.
    func blockWord(_ i: Int) -> UInt32 {
        UInt32(buffer[i * 4]) << 24 | UInt32(buffer[i * 4 + 1]) << 16 | UInt32(buffer[i * 4 + 2]) << 8 | UInt32(buffer[i * 4 + 3])
    }

    static func bigEndianBytes(_ words: [UInt32]) -> [UInt8] {
        var digest: [UInt8] = []
        digest.reserveCapacity(words.count * 4)
        for word in words {
            digest += [UInt8(word >> 24), UInt8((word >> 16) & 0xFF), UInt8((word >> 8) & 0xFF), UInt8(word & 0xFF)]
        }
        return digest
    }
}
