import FuzzSupport
import Persistence
import Store

// RESTORE's payload handling (DumpPayload: the version and CRC64 footer, then the one value,
// decoded and deep-validated as sanitize-dump-payload yes would, with nothing after it). A
// value that restores must DUMP and RESTORE again to the same contents.
//
// Input: [options] [payload...]. options bit 0: tiny encoding limits; bit 1: check the CRC64
// (otherwise DEBUG SET-SKIP-CHECKSUM-VALIDATION 1, so mutated payloads reach the decoder).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let flags = input.byte()
    let limits = LoadLimits.chosen(flags)
    let records = RecordSlab.shared.liveBlocks
    defer { checkNoRecordsLeft(since: records) }
    guard let object = try? DumpPayload.decode(input.rest, skipChecksum: flags & 2 == 0, limits: limits) else { return 0 }
    RoundTrip.check(object, limits: limits)
    object.release()
    return 0
}
