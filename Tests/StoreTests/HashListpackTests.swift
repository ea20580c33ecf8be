import Testing
import TestSupport
@testable import Store

/// Listpack, checked byte for byte against listpacks taken from redis-server 7.0.15 (DUMP with
/// rdbcompression off), and against a plain array under random edits.
@Suite struct HashListpackTests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(($0 >> 4), radix: 16) + String($0 & 15, radix: 16) }.joined()
    }

    static func make(_ elements: [[UInt8]]) -> Listpack {
        let pack = Listpack()
        for element in elements { element.withUnsafeBytes { pack.append(.bytes($0)) } }
        return pack
    }

    /// Reads every element forwards and backwards; both must agree with `expected`.
    static func contents(_ pack: Listpack) -> [[UInt8]] {
        var forward: [[UInt8]] = []
        pack.forEach { _, element in forward.append(element.array) }
        var backward: [[UInt8]] = []
        var offset = pack.lastOffset
        while let current = offset {
            backward.append(pack.elementBytes(at: current))
            offset = pack.previous(before: current)
        }
        #expect(forward == Array(backward.reversed()))
        #expect(forward.count == pack.count)
        return forward
    }

    /// HSET h1 with every integer width, a 64-byte string, an empty string and a non-canonical
    /// integer, as Redis encodes it.
    @Test func matchesRedisEncoding() {
        let elements = ["a", "1", "b", "hello", "-1", "-4096", "4095", "32767", "-32769", "8388607", "-8388609",
                        "2147483647", "2147483648", "-9223372036854775808", "007", "", String(repeating: "x", count: 64),
                        "127"].map { bytes($0) }
        let pack = HashListpackTests.make(elements)
        let redis = "99000000120081610201018162028568656c6c6f06dfff02d00002cfff02f1ff7f03f2ff7fff04f2ffff7f04f3ffff7fff05"
            + "f3ffffff7f05f4000000800000000009f400000000000000800983303037048001e040"
            + String(repeating: "78", count: 64) + "427f01ff"
        #expect(HashListpackTests.hex(pack.bytes) == redis)
        #expect(HashListpackTests.contents(pack) == elements)
    }

    /// 12-bit and 32-bit string lengths, and two-byte backlens.
    @Test func matchesRedisEncodingOfLongStrings() {
        let elements = [bytes("f"), [UInt8](repeating: UInt8(ascii: "z"), count: 5000), bytes("g"),
                        [UInt8](repeating: UInt8(ascii: "w"), count: 200)]
        let pack = HashListpackTests.make(elements)
        let text = HashListpackTests.hex(pack.bytes)
        #expect(pack.byteCount == 5224)
        #expect(text.hasPrefix("681400000400816602f08813"))
        #expect(text.hasSuffix(String(repeating: "77", count: 18) + "01caff"))
        #expect(HashListpackTests.contents(pack) == elements)
    }

    @Test func integersRoundTripAtEveryWidthBoundary() {
        var values: [Int64] = [0, 127, 128, -1, -4096, -4097, 4095, 4096, -32768, -32769, 32767, 32768,
                               -8_388_608, -8_388_609, 8_388_607, 8_388_608, Int64(Int32.min), Int64(Int32.min) - 1,
                               Int64(Int32.max), Int64(Int32.max) + 1, .min, .max]
        values += values.map { $0 / 3 }
        let pack = Listpack()
        for value in values { pack.append(.integer(value)) }
        var decoded: [Int64] = []
        pack.forEach { _, element in
            if case .integer(let value) = element { decoded.append(value) }
        }
        #expect(decoded == values)
        #expect(HashListpackTests.contents(pack) == values.map { decimalBytesForTest($0) })
    }

    @Test func textThatIsNotACanonicalIntegerStaysText() {
        for text in ["-0", "007", "+1", " 1", "1 ", "9223372036854775808", "-9223372036854775809", "1.0", ""] {
            let pack = HashListpackTests.make([bytes(text)])
            pack.withElement(at: pack.firstOffset) { element in
                guard case .bytes(let stored) = element else {
                    Issue.record("\(text) stored as an integer")
                    return
                }
                #expect([UInt8](stored) == bytes(text))
            }
        }
    }

    @Test func findComparesIntegersAndStringsAndSkips() {
        let pack = HashListpackTests.make(["f", "1", "10", "f", "x", "10", "", "-0"].map { bytes($0) })
        func find(_ key: String, skip: Int) -> Int? {
            bytes(key).withUnsafeBytes { pack.find($0, from: pack.firstOffset, skip: skip) }
        }
        #expect(find("f", skip: 1) == pack.seek(0))
        #expect(find("10", skip: 1) == pack.seek(2))
        #expect(find("1", skip: 1) == nil)  // only fields are compared
        #expect(find("1", skip: 0) == pack.seek(1))
        #expect(find("x", skip: 1) == pack.seek(4))
        #expect(find("", skip: 1) == pack.seek(6))
        #expect(find("-0", skip: 1) == nil)
        #expect(find("-0", skip: 0) == pack.seek(7))
        #expect(find("010", skip: 0) == nil)
        #expect(find("nope", skip: 0) == nil)
    }

    @Test func seekFromEitherEnd() {
        let elements = (0..<50).map { bytes("element:\($0)") }
        let pack = HashListpackTests.make(elements)
        for index in 0..<50 {
            #expect(pack.elementBytes(at: pack.seek(index)!) == elements[index])
            #expect(pack.elementBytes(at: pack.seek(index - 50)!) == elements[index])
        }
        #expect(pack.seek(50) == nil)
        #expect(pack.seek(-51) == nil)
        #expect(Listpack().seek(0) == nil)
        #expect(Listpack().lastOffset == nil)
    }

    @Test func replaceAcrossEncodingSizes() {
        let pack = HashListpackTests.make(["a", "b", "c"].map { bytes($0) })
        let sizes = [0, 1, 63, 64, 126, 127, 128, 4095, 4096, 20000, 2, 0]
        for size in sizes {
            let value = [UInt8](repeating: UInt8(ascii: "v"), count: size)
            value.withUnsafeBytes { _ = pack.replace(at: pack.seek(1)!, with: .bytes($0)) }
            #expect(HashListpackTests.contents(pack) == [bytes("a"), value, bytes("c")])
            pack.replace(at: pack.seek(1)!, with: .integer(-100_000))
            #expect(HashListpackTests.contents(pack) == [bytes("a"), bytes("-100000"), bytes("c")])
        }
        #expect(pack.byteCount == HashListpackTests.make(["a", "-100000", "c"].map { bytes($0) }).byteCount)
    }

    @Test func removeRanges() {
        let pack = HashListpackTests.make((0..<10).map { bytes("\($0)") })
        pack.remove(at: pack.seek(2)!, elements: 2)
        #expect(HashListpackTests.contents(pack) == ["0", "1", "4", "5", "6", "7", "8", "9"].map { bytes($0) })
        pack.remove(at: pack.seek(-1)!, elements: 5)  // stops at the end
        #expect(HashListpackTests.contents(pack).count == 7)
        pack.remove(at: pack.firstOffset, elements: 7)
        #expect(pack.isEmpty)
        #expect(pack.bytes == Listpack().bytes)
    }

    /// Random inserts, replacements and removals agree with an array; the header stays right.
    @Test func randomEditsAgainstAModel() {
        var generator = SeededGenerator(seed: 7)
        let pack = Listpack()
        var model: [[UInt8]] = []
        let pool: [[UInt8]] = ["", "0", "-1", "127", "128", "4096", "-40000", "9000000", "3000000000", "x", "007",
                               String(repeating: "s", count: 70), String(repeating: "t", count: 5000)].map { bytes($0) }
        for _ in 0..<3000 {
            let element = pool[Int.random(in: 0..<pool.count, using: &generator)]
            switch Int.random(in: 0..<4, using: &generator) {
            case 0, 1:
                let index = Int.random(in: 0...model.count, using: &generator)
                let offset = index == model.count ? pack.byteCount - 1 : pack.seek(index)!
                element.withUnsafeBytes { pack.insert(.bytes($0), at: offset) }
                model.insert(element, at: index)
            case 2 where !model.isEmpty:
                let index = Int.random(in: 0..<model.count, using: &generator)
                element.withUnsafeBytes { _ = pack.replace(at: pack.seek(index)!, with: .bytes($0)) }
                model[index] = element
            default:
                guard !model.isEmpty else { continue }
                let index = Int.random(in: 0..<model.count, using: &generator)
                let count = Int.random(in: 1...3, using: &generator)
                pack.remove(at: pack.seek(index)!, elements: count)
                model.removeSubrange(index..<min(model.count, index + count))
            }
            #expect(pack.count == model.count)
        }
        #expect(HashListpackTests.contents(pack) == model)
        let total = pack.bytes.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
        #expect(total == pack.byteCount)
        let count = pack.bytes.withUnsafeBytes { Int(UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt16.self))) }
        #expect(count == min(model.count, 65535))
        #expect(Listpack(copying: pack).bytes == pack.bytes)
    }
}

func decimalBytesForTest(_ value: Int64) -> [UInt8] { Array(String(value).utf8) }
