import Testing
import Store
@testable import Persistence

@Suite struct RDBLoadJobTests {
    let limits = RDBLoadLimits(hash: HashLimits(), zset: ZSetLimits(maxListpackEntries: 128, maxListpackValue: 64),
                               setMaxIntsetEntries: 512, listFill: -2, listCompressDepth: 0, sharedIntegersAllowed: true)
    let now: Int64 = 1_700_000_000_000

    private func options(dropExpired: Bool = true) -> RDBLoadOptions {
        RDBLoadOptions(limits: limits, verifyChecksum: true, nowMilliseconds: now, dropExpired: dropExpired, usesLFU: false)
    }

    private func key(_ text: String, _ body: (UnsafeRawBufferPointer) -> Void) {
        Array(text.utf8).withUnsafeBytes(body)
    }

    /// Every type in its encodings over three databases, with TTLs, one of them already past.
    private func source() -> [Database] {
        let dbs = (0..<4).map { Database(id: $0) }
        for i in 0..<120 {
            key("s:\(i)") { k in
                let value = i % 3 == 0 ? "\(i * 1000)" : (i % 3 == 1 ? "v\(i)" : String(repeating: "long\(i)", count: 80))
                Array(value.utf8).withUnsafeBytes { v in _ = dbs[i % 3].storeString(k, v, allowSharedIntegers: true) }
                if i % 5 == 0 { dbs[i % 3].setExpire(k, at: now + Int64(i) * 1000) }
            }
        }
        key("gone") { k in
            Array("x".utf8).withUnsafeBytes { v in _ = dbs[1].storeString(k, v, allowSharedIntegers: true) }
            dbs[1].setExpire(k, at: now - 1)
        }
        let list = ListType.create(fill: -2, compressDepth: 1)
        for i in 0..<500 { key("item-\(i)") { ListType.quicklist(list).push($0, atHead: false) } }
        dbs[0].add(Array("list".utf8), list)
        let intset = SetType.createIntset()
        for i in 0..<50 { SetType.add(intset, integer: Int64(i * 7 - 100), maxIntsetEntries: 512) }
        dbs[1].add(Array("intset".utf8), intset)
        let table = SetType.createTable()
        for i in 0..<300 { key("m\(i)") { _ = SetType.add(table, $0, maxIntsetEntries: 512) } }
        dbs[2].add(Array("set".utf8), table)
        for (name, count) in [("zsmall", 10), ("zbig", 200)] {
            let zset = ZSetType.createListpack()
            for i in 0..<count {
                key("z\(i)") { _ = ZSetType.add(zset, $0, score: Double(i) / 7, flags: [], limits: limits.zset) }
            }
            dbs[0].add(Array(name.utf8), zset)
        }
        for (name, count) in [("hsmall", 10), ("hbig", 600)] {
            let hash = HashType.create()
            for i in 0..<count {
                key("f\(i)") { f in key("v\(i)") { v in _ = HashType.set(hash, field: f, value: .bytes(v), limits: HashLimits()) } }
            }
            dbs[2].add(Array(name.utf8), hash)
        }
        return dbs
    }

    private func file(_ dbs: [Database]) throws -> [UInt8] {
        let w = RDBWriter(compression: true, checksum: true)
        try RDBFileWriter.write(dbs, options: RDBSaveOptions(compression: true, checksum: true, savesIdle: false,
                                                             savesFrequency: false, usedMemory: 1000, nowMilliseconds: now), to: w)
        return w.buffer
    }

    /// Runs a job over `data` in steps of `maxBytes`; returns the databases, the report and the
    /// number of steps, or throws the job's error.
    private func stepped(_ data: [UInt8], start: Int = 0, end: Int? = nil, maxBytes: Int,
                         dropExpired: Bool = true) throws -> (dbs: [Database], report: RDBLoadReport, steps: Int) {
        let dbs = (0..<4).map { Database(id: $0) }
        let job = try RDBLoadJob(data, start: start, end: end, into: dbs, options: options(dropExpired: dropExpired))
        var steps = 0
        var consumed = job.bytesConsumed
        while true {
            steps += 1
            let done = try job.step(maxBytes: maxBytes)
            #expect(job.bytesConsumed > consumed)
            if !done { #expect(job.bytesConsumed - consumed >= maxBytes) }
            consumed = job.bytesConsumed
            if done { break }
        }
        #expect(job.isFinished)
        #expect(try job.step(maxBytes: maxBytes))
        return (dbs, job.report, steps)
    }

    private func failure(_ body: () throws -> Void) -> RDBDecodeError? {
        do {
            try body()
            return nil
        } catch {
            return error as? RDBDecodeError
        }
    }

    @Test func steppingYieldsTheDatasetOfAOneShotLoad() throws {
        let original = source()
        let bytes = try file(original)
        let oneShot = (0..<4).map { Database(id: $0) }
        let whole = try RDBFileLoader.load(bytes, into: oneShot, options: options())
        #expect(whole.keysLoaded == 127)
        #expect(whole.keysExpired == 1)
        #expect(whole.length == bytes.count)
        for maxBytes in [1, 7, 64, 1000, 1 << 20] {
            let run = try stepped(bytes, maxBytes: maxBytes)
            #expect(DatasetDigest.dataset(run.dbs) == DatasetDigest.dataset(oneShot))
            #expect(run.dbs.map(\.count) == oneShot.map(\.count))
            #expect(run.dbs.map(\.expiresCount) == oneShot.map(\.expiresCount))
            #expect(run.report.keysLoaded == whole.keysLoaded)
            #expect(run.report.keysExpired == whole.keysExpired)
            #expect(run.report.length == whole.length)
            #expect(run.report.version == 10)
            #expect(run.report.aux.map(\.0) == whole.aux.map(\.0))
            // One byte a step: each step is one entry (an opcode and what it carries).
            if maxBytes == 1 { #expect(run.steps > whole.keysLoaded + whole.keysExpired) }
            if maxBytes == 1 << 20 { #expect(run.steps == 1) }
        }
    }

    @Test func aReplicaKeepsKeysAlreadyExpired() throws {
        let bytes = try file(source())
        let run = try stepped(bytes, maxBytes: 100, dropExpired: false)
        #expect(run.report.keysLoaded == 128)
        #expect(run.report.keysExpired == 0)
        #expect(Array("gone".utf8).withUnsafeBytes { run.dbs[1].find($0) } != nil)
    }

    @Test func anErrorNamesTheSameOffsetAtAnyStepSize() throws {
        let bytes = try file(source())
        var corrupt: [[UInt8]] = []
        for cut in [12, bytes.count / 3, bytes.count / 2, bytes.count - 3] { corrupt.append(Array(bytes.prefix(cut))) }
        for position in [40, bytes.count / 4, bytes.count / 2, bytes.count - 12, bytes.count - 1] {
            var flipped = bytes
            flipped[position] ^= 0x5A
            corrupt.append(flipped)
        }
        for data in corrupt {
            let expected = try #require(failure { _ = try RDBFileLoader.load(data, into: (0..<4).map { Database(id: $0) }, options: options()) })
            for maxBytes in [1, 13, 500, 1 << 20] {
                let got = try #require(failure { _ = try stepped(data, maxBytes: maxBytes) })
                #expect(got.offset == expected.offset)
                #expect(got.message == expected.message)
            }
        }
        // A value changed into another valid value: only the checksum, kept step by step, sees it.
        let needle = Array("v100".utf8)
        let at = try #require((0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
        var altered = bytes
        altered[at + 1] = UInt8(ascii: "2")
        for maxBytes in [3, 1 << 20] {
            let late = try #require(failure { _ = try stepped(altered, maxBytes: maxBytes) })
            #expect(late.offset == bytes.count - 8)
            #expect(late.message.hasPrefix("Wrong RDB checksum"))
        }
    }

    @Test func aFailedJobThrowsAgain() throws {
        let bytes = try file(source())
        let job = try RDBLoadJob(Array(bytes.prefix(bytes.count / 2)), into: (0..<4).map { Database(id: $0) }, options: options())
        let first = try #require(failure { while try !job.step(maxBytes: 4096) {} })
        let again = try #require(failure { _ = try job.step(maxBytes: 4096) })
        #expect(first.offset == again.offset)
        #expect(first.message == again.message)
        #expect(!job.isFinished)
    }

    @Test func aPayloadInsideALargerBufferLoadsInPlace() throws {
        let original = source()
        let bytes = try file(original)
        let prefix = Array("$\(bytes.count)\r\n".utf8)
        let buffer = prefix + bytes + Array("*1\r\n$4\r\nPING\r\n".utf8)
        let run = try stepped(buffer, start: prefix.count, end: prefix.count + bytes.count, maxBytes: 256)
        let oneShot = (0..<4).map { Database(id: $0) }
        _ = try RDBFileLoader.load(bytes, into: oneShot, options: options())
        #expect(DatasetDigest.dataset(run.dbs) == DatasetDigest.dataset(oneShot))
        #expect(run.report.length == bytes.count)
        // Offsets count from the payload's start, and the window's end is the data's end.
        let cut = bytes.count / 2
        let expected = try #require(failure { _ = try RDBFileLoader.load(Array(bytes.prefix(cut)), into: (0..<4).map { Database(id: $0) }, options: options()) })
        let got = try #require(failure { _ = try stepped(buffer, start: prefix.count, end: prefix.count + cut, maxBytes: 64) })
        #expect(got.offset == expected.offset)
        #expect(got.message == expected.message)
        // A header error names offset 0 of the payload, not of the buffer.
        let header = try #require(failure { _ = try RDBLoadJob(prefix + Array("RODIS0010".utf8), start: prefix.count,
                                                                into: [Database(id: 0)], options: options()) })
        #expect(header.offset == 0)
        #expect(header.message == "Wrong signature trying to load DB from file")
        let short = try #require(failure { _ = try RDBLoadJob(prefix + Array("REDIS".utf8), start: prefix.count,
                                                               into: [Database(id: 0)], options: options()) })
        #expect(short.offset == 0)
    }
}
