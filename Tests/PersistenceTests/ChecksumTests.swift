import Testing
import Util
@testable import Persistence

@Suite struct ChecksumTests {
    @Test func crc64MatchesRedisVector() {
        #expect(CRC64.checksum(Array("123456789".utf8)) == 0xe9c6_d914_c4b8_d9ca)
        #expect(CRC64.checksum([]) == 0)
    }

    /// The slicing-by-8 path and the byte-at-a-time tail agree at every split.
    @Test func crc64IsIncremental() {
        let data = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let whole = CRC64.checksum(data)
        for split in 0...data.count {
            let first = data[0..<split].withUnsafeBytes { CRC64.update(0, $0) }
            let both = data[split...].withUnsafeBytes { CRC64.update(first, $0) }
            #expect(both == whole)
        }
    }

    @Test func sha1KnownAnswers() {
        #expect(DatasetDigest.hex(SHA1.hash(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(DatasetDigest.hex(SHA1.hash([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(DatasetDigest.hex(SHA1.hash(million)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        // 55, 56 and 64 bytes straddle the padding boundary.
        #expect(DatasetDigest.hex(SHA1.hash([UInt8](repeating: 0x61, count: 56)))
            == DatasetDigest.hex(SHA1.hash(Array(String(repeating: "a", count: 56).utf8))))
    }
}
