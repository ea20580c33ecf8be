import Testing
@testable import Store

@Suite struct ByteHashTests {
    private func hash(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { ByteHash.hash($0) } }

    @Test func sameBytesSameHashAtAnyAlignment() {
        let text = bytes("the quick brown fox jumps over the lazy dog")
        for offset in 0..<8 {
            let padded = [UInt8](repeating: 9, count: offset) + text
            let unaligned = padded.withUnsafeBytes { ByteHash.hash(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            #expect(unaligned == hash(text), "offset \(offset)")
        }
        #expect(hash(text) == hash(text))
    }

    @Test func lengthIsPartOfTheHash() {
        var hashes = Set<UInt64>()
        for length in 0...24 { hashes.insert(hash([UInt8](repeating: 0, count: length))) }
        #expect(hashes.count == 25)
        #expect(ByteHash.hash(UnsafeRawBufferPointer(start: nil, count: 0)) == hash([]))
    }

    @Test func distinctKeysSpreadOverLowBits() {
        var full = Set<UInt64>()
        var buckets = Set<UInt64>()
        for index in 0..<4096 {
            let h = hash(key(index))
            full.insert(h)
            buckets.insert(h & 1023)
        }
        #expect(full.count == 4096)
        // 4096 keys into 1024 buckets fill about 1005 of them when the hash is uniform.
        #expect(buckets.count > 950)
        // Single-bit differences change the hash.
        var flips = Set<UInt64>()
        for bit in 0..<(8 * 16) {
            var value = [UInt8](repeating: 0x55, count: 16)
            value[bit / 8] ^= 1 << UInt8(bit % 8)
            flips.insert(hash(value))
        }
        #expect(flips.count == 128)
    }

    @Test func bytesEqualComparesContentAndLength() {
        let stored = bytes("abc")
        #expect(bytes("abc").withUnsafeBytes { bytesEqual(stored, $0) })
        #expect(!bytes("abd").withUnsafeBytes { bytesEqual(stored, $0) })
        #expect(!bytes("ab").withUnsafeBytes { bytesEqual(stored, $0) })
        #expect(!bytes("abcd").withUnsafeBytes { bytesEqual(stored, $0) })
        #expect([UInt8]().withUnsafeBytes { bytesEqual([], $0) })
        #expect(bytesEqual([], UnsafeRawBufferPointer(start: nil, count: 0)))
    }
}
