import Testing
@testable import Persistence

@Suite struct CompactEncodingsTests {
    private func texts(_ elements: [CompactEncodings.Element]) -> [String] {
        elements.map { String(decoding: $0.text, as: UTF8.self) }
    }

    /// ziplist of "a", 12 (4-bit immediate), -2 (int8), 1000 (int16): prevlen, encoding, data.
    @Test func ziplistEntries() throws {
        var body: [UInt8] = [0x00, 0x01, 0x61]        // "a"
        body += [0x03, 0xFD]                          // 12
        body += [0x02, 0xFE, 0xFE]                    // -2
        body += [0x03, 0xC0, 0xE8, 0x03]              // 1000
        let total = 10 + body.count + 1
        let blob: [UInt8] = [UInt8(total), 0, 0, 0, 0, 0, 0, 0, 4, 0] + body + [0xFF]
        #expect(texts(try CompactEncodings.ziplist(blob, base: 0)) == ["a", "12", "-2", "1000"])
        var wrongPrev = blob
        wrongPrev[13] = 0x07
        #expect(throws: RDBDecodeError.self) { try CompactEncodings.ziplist(wrongPrev, base: 100) }
    }

    @Test func listpackEntries() throws {
        // "ab" (6-bit string), 5 (7-bit uint), -1000 (13-bit int), then the terminator.
        let entries: [UInt8] = [0x82, 0x61, 0x62, 0x03, 0x05, 0x01, 0xDC, 0x18, 0x02]
        let blob: [UInt8] = [UInt8(6 + entries.count + 1), 0, 0, 0, 3, 0] + entries + [0xFF]
        #expect(texts(try CompactEncodings.listpack(blob, base: 0)) == ["ab", "5", "-1000"])
        var badBacklen = blob
        badBacklen[9] = 0x09
        #expect(throws: RDBDecodeError.self) { try CompactEncodings.listpack(badBacklen, base: 0) }
        var badCount = blob
        badCount[4] = 2
        #expect(throws: RDBDecodeError.self) { try CompactEncodings.listpack(badCount, base: 0) }
        for cut in 0..<blob.count {
            #expect(throws: RDBDecodeError.self) { try CompactEncodings.listpack(Array(blob[0..<cut]), base: 0) }
        }
    }

    @Test func zipmapAndIntset() throws {
        let zipmap: [UInt8] = [2, 1, 0x6B, 1, 0, 0x76, 2, 0x6B, 0x32, 2, 1, 0x61, 0x62, 0x00, 0xFF]
        #expect(texts(try CompactEncodings.zipmap(zipmap, base: 0)) == ["k", "v", "k2", "ab"])
        let intset: [UInt8] = [2, 0, 0, 0, 3, 0, 0, 0, 0xFD, 0xFF, 0x01, 0x00, 0x10, 0x27]
        #expect(try CompactEncodings.intset(intset, base: 0) == [-3, 1, 10000])
        var unsorted = intset
        unsorted.swapAt(10, 12)
        unsorted.swapAt(11, 13)
        #expect(throws: RDBDecodeError.self) { try CompactEncodings.intset(unsorted, base: 0) }
    }
}
