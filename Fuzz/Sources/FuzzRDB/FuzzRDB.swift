import FuzzSupport
import Persistence
import Store

// A whole RDB file image loaded as at startup or DEBUG RELOAD (RDBFileLoader.load: header,
// opcodes, AUX, expiries, LRU/LFU hints, every value decoded and deep-validated, the CRC64
// trailer). Whatever loads must also save and load again to the same dataset digest, and
// each loaded value must survive DUMP and RESTORE.
//
// Input: [options] [file...]. options bit 0: tiny encoding limits; bit 1: verify the checksum;
// bit 2: keep expired keys (a replica's load); bit 3: LFU; bit 4: replace duplicates (MERGE).

let now: Int64 = 1_764_000_000_000
let databases = (0..<16).map { Database(id: $0) }
let reloaded = (0..<16).map { Database(id: $0) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let flags = input.byte()
    let limits = LoadLimits.chosen(flags)
    var options = RDBLoadOptions(limits: limits, verifyChecksum: flags & 2 != 0, nowMilliseconds: now,
                                 dropExpired: flags & 4 == 0, usesLFU: flags & 8 != 0)
    options.replaceExisting = flags & 16 != 0
    options.functionLoaded = { code in code.first == UInt8(ascii: "x") ? "refused" : nil }
    let file = Array(input.rest)
    let records = RecordSlab.shared.liveBlocks
    defer {
        for db in databases + reloaded { _ = db.removeAll() }
        checkNoRecordsLeft(since: records)
    }
    guard (try? RDBFileLoader.load(file, into: databases, options: options)) != nil else { return 0 }
    databases.forEach { db in db.forEach { RoundTrip.check($0, limits: limits) } }
    let writer = RDBWriter(compression: flags & 32 != 0)
    let save = RDBSaveOptions(compression: flags & 32 != 0, checksum: true, savesIdle: false, savesFrequency: false,
                              usedMemory: 0, nowMilliseconds: now)
    do {
        try RDBFileWriter.write(databases, options: save, to: writer)
    } catch {
        check(false, "saving what loaded failed: \(error)")
    }
    options.verifyChecksum = true
    options.dropExpired = false
    options.replaceExisting = false
    do {
        _ = try RDBFileLoader.load(writer.buffer, into: reloaded, options: options)
    } catch {
        check(false, "a saved file does not load: \(error)")
    }
    check(DatasetDigest.dataset(reloaded) == DatasetDigest.dataset(databases), "the reloaded dataset differs")
    return 0
}
