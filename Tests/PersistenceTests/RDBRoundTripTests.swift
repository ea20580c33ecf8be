import Testing
import Store
@testable import Persistence

@Suite struct RDBRoundTripTests {
    let limits = RDBLoadLimits(hash: HashLimits(), zset: ZSetLimits(maxListpackEntries: 128, maxListpackValue: 64),
                               setMaxIntsetEntries: 512, listFill: -2, listCompressDepth: 0, sharedIntegersAllowed: true)

    private func values() -> [RedisObject] {
        var all: [RedisObject] = []
        all.append(RedisObject.string(Array("hello".utf8)))
        all.append(RedisObject.integer(-123456789))
        all.append(RedisObject.string(Array(String(repeating: "xy", count: 200).utf8)))
        let list = ListType.create(fill: -2, compressDepth: 1)
        for i in 0..<2000 { Array("item-\(i)".utf8).withUnsafeBytes { ListType.quicklist(list).push($0, atHead: false) } }
        all.append(list)
        let intset = SetType.createIntset()
        for i in 0..<100 { SetType.add(intset, integer: Int64(i * 7 - 300), maxIntsetEntries: 512) }
        all.append(intset)
        let table = SetType.createTable()
        for i in 0..<600 { Array("m\(i)".utf8).withUnsafeBytes { _ = SetType.add(table, $0, maxIntsetEntries: 512) } }
        all.append(table)
        for count in [10, 200] {
            let zset = ZSetType.createListpack()
            let zl = ZSetLimits(maxListpackEntries: 128, maxListpackValue: 64)
            for i in 0..<count {
                Array("z\(i)".utf8).withUnsafeBytes { _ = ZSetType.add(zset, $0, score: Double(i) / 7, flags: [], limits: zl) }
            }
            all.append(zset)
        }
        for count in [10, 600] {
            let hash = HashType.create()
            for i in 0..<count {
                Array("f\(i)".utf8).withUnsafeBytes { f in
                    Array("v\(i)".utf8).withUnsafeBytes { v in _ = HashType.set(hash, field: f, value: .bytes(v), limits: HashLimits()) }
                }
            }
            all.append(hash)
        }
        return all
    }

    private func digest(_ object: RedisObject) -> [UInt8] {
        var d = [UInt8](repeating: 0, count: 20)
        DatasetDigest.value(object, into: &d)
        return d
    }

    @Test func everyTypeRoundTripsThroughADumpPayload() throws {
        for object in values() {
            let payload = RDBEncoder.dumpPayload(object, compression: true)
            let r = RDBReader(payload, end: payload.count - 10)
            let decoded = try #require(try RDBDecoder.readValue(type: try r.byte("type"), from: r, limits: limits))
            #expect(r.remaining == 0)
            #expect(decoded.type == object.type)
            #expect(decoded.encoding == object.encoding)
            #expect(digest(decoded) == digest(object))
            #expect(RDBEncoder.dumpPayload(decoded, compression: true).count == payload.count)
            decoded.release()
            object.release()
        }
    }

    /// Every truncation of every payload is an error, never a crash or a value.
    @Test func truncatedPayloadsFail() {
        for object in values().prefix(8) {
            let payload = RDBEncoder.dumpPayload(object, compression: true)
            let body = payload.count - 10
            for cut in stride(from: 0, to: body, by: max(1, body / 60)) {
                let r = RDBReader(payload, end: cut)
                let result = try? RDBDecoder.readValue(type: (try? r.byte("type")) ?? 0, from: r, limits: limits)
                if let result {
                    #expect(cut == 0 || result.type == .string, "cut \(cut) decoded")
                    result.release()
                }
            }
            object.release()
        }
    }
}
