import Testing
import Store
@testable import Persistence

@Suite struct RDBFileTests {
    let limits = RDBLoadLimits(hash: HashLimits(), zset: ZSetLimits(maxListpackEntries: 128, maxListpackValue: 64),
                               setMaxIntsetEntries: 512, listFill: -2, listCompressDepth: 0, sharedIntegersAllowed: true)
    let now: Int64 = 1_700_000_000_000

    private func databases() -> [Database] {
        let dbs = (0..<4).map { Database(id: $0) }
        for i in 0..<300 {
            let key = Array("key:\(i)".utf8)
            key.withUnsafeBytes { k in
                Array("value-\(i)".utf8).withUnsafeBytes { v in _ = dbs[i % 3].storeString(k, v, allowSharedIntegers: true) }
                if i % 7 == 0 { dbs[i % 3].setExpire(k, at: now + Int64(i) * 1000) }
            }
        }
        let hash = HashType.create()
        Array("f".utf8).withUnsafeBytes { f in
            Array("v".utf8).withUnsafeBytes { v in _ = HashType.set(hash, field: f, value: .bytes(v), limits: HashLimits()) }
        }
        dbs[2].add(Array("hash".utf8), hash)
        return dbs
    }

    private func file(_ dbs: [Database], checksum: Bool = true) throws -> [UInt8] {
        let w = RDBWriter(compression: true, checksum: checksum)
        try RDBFileWriter.write(dbs, options: RDBSaveOptions(compression: true, checksum: checksum, savesIdle: false,
                                                             savesFrequency: false, usedMemory: 1000, nowMilliseconds: now), to: w)
        return w.buffer
    }

    @Test func wholeFileRoundTripsWithTheSameDigest() throws {
        let source = databases()
        let bytes = try file(source)
        #expect(bytes.starts(with: Array("REDIS0010".utf8)))
        let loaded = (0..<4).map { Database(id: $0) }
        let report = try RDBFileLoader.load(bytes + Array("*1\r\n$4\r\nPING\r\n".utf8), into: loaded,
                                            options: RDBLoadOptions(limits: limits, verifyChecksum: true, nowMilliseconds: now, usesLFU: false))
        #expect(report.length == bytes.count)
        #expect(report.keysLoaded == 301)
        #expect(report.version == 10)
        #expect(DatasetDigest.dataset(loaded) == DatasetDigest.dataset(source))
        #expect(loaded.map(\.expiresCount) == source.map(\.expiresCount))
    }

    @Test func checksumMismatchIsAnErrorAtTheTrailer() throws {
        var bytes = try file(databases())
        bytes[bytes.count - 1] ^= 1
        do {
            _ = try RDBFileLoader.load(bytes, into: (0..<4).map { Database(id: $0) },
                                       options: RDBLoadOptions(limits: limits, verifyChecksum: true, nowMilliseconds: now, usesLFU: false))
            Issue.record("expected a checksum error")
        } catch let error as RDBDecodeError {
            #expect(error.offset == bytes.count - 8)
            #expect(error.message.hasPrefix("Wrong RDB checksum"))
        }
        let unchecked = try file(databases(), checksum: false)
        #expect(Array(unchecked.suffix(8)) == [UInt8](repeating: 0, count: 8))
    }

    @Test func tooManyDatabasesIsAnError() throws {
        let bytes = try file(databases())
        #expect(throws: RDBDecodeError.self) {
            _ = try RDBFileLoader.load(bytes, into: [Database(id: 0), Database(id: 1)],
                                       options: RDBLoadOptions(limits: limits, verifyChecksum: true, nowMilliseconds: now, usesLFU: false))
        }
    }
}
