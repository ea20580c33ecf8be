import Testing
import Store
@testable import Persistence

@Suite struct RDBEncodingTests {
    private func written(compression: Bool = true, _ body: (RDBWriter) -> Void) -> [UInt8] {
        let w = RDBWriter(compression: compression)
        body(w)
        return w.buffer
    }

    @Test func lengthEncodings() {
        #expect(written { $0.length(0) } == [0x00])
        #expect(written { $0.length(63) } == [0x3F])
        #expect(written { $0.length(64) } == [0x40, 0x40])
        #expect(written { $0.length(16383) } == [0x7F, 0xFF])
        #expect(written { $0.length(16384) } == [0x80, 0x00, 0x00, 0x40, 0x00])
        #expect(written { $0.length(1 << 32) } == [0x81, 0, 0, 0, 1, 0, 0, 0, 0])
        for value in [0, 1, 63, 64, 300, 16383, 16384, 70000, Int(UInt32.max), 1 << 40] {
            let r = RDBReader(written { $0.length(value) })
            #expect((try? r.length("test", max: Int.max)) == value)
        }
    }

    @Test func integerStringEncodings() {
        #expect(written { $0.string(Array("-100".utf8)) } == [0xC0, 0x9C])
        #expect(written { $0.string(Array("30000".utf8)) } == [0xC1, 0x30, 0x75])
        #expect(written { $0.string(Array("-2000000000".utf8)) } == [0xC2, 0x00, 0x6C, 0xCA, 0x88])
        // Not canonical, or too wide for 32 bits: raw.
        #expect(written { $0.string(Array("007".utf8)) } == [0x03] + Array("007".utf8))
        #expect(written { $0.string(Array("9000000000".utf8)) } == [0x0A] + Array("9000000000".utf8))
        #expect(written { $0.integerString(9_000_000_000) } == [0x0A] + Array("9000000000".utf8))
    }

    /// The exact bytes redis-server 7.0.15 DUMPs for "abcdefgh" × 20 (liblzf's output).
    @Test func lzfMatchesRedis() {
        let value = Array(String(repeating: "abcdefgh", count: 20).utf8)
        #expect(written { $0.string(value) } == [195, 16, 64, 160, 8, 97, 98, 99, 100, 101, 102, 103, 104, 97, 224, 140, 7, 1, 103, 104])
        #expect(written(compression: false) { $0.string(value) } == [0x40, 160] + value)
        // 21+ bytes that do not shrink by 4 stay raw.
        let noise = (0..<40).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 13) }
        #expect(written { $0.string(noise) } == [40] + noise)
    }

    @Test func lzfRoundTrips() {
        var seed: UInt64 = 42
        for size in [5, 21, 100, 1000, 70000] {
            let data = (0..<size).map { _ -> UInt8 in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: (seed >> 60) + 97)
            }
            if let packed = LZF.compress(data) {
                #expect(LZF.decompress(packed, size: data.count) == data)
            }
            let r = RDBReader(written { $0.string(data) })
            #expect((try? r.string("test")) == data)
        }
    }

    @Test func corruptLengthsAreErrorsWithOffsets() {
        let r = RDBReader([0x05, 0x61])
        do {
            _ = try r.string("a key")
            Issue.record("expected an error")
        } catch let error as RDBDecodeError {
            #expect(error.offset == 0)
            #expect(error.message.contains("a key"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
