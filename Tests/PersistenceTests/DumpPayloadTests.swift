import Testing
import Store
@testable import Persistence

@Suite struct DumpPayloadTests {
    let limits = RDBLoadLimits(hash: HashLimits(), zset: ZSetLimits(maxListpackEntries: 128, maxListpackValue: 64),
                               setMaxIntsetEntries: 512, listFill: -2, listCompressDepth: 0, sharedIntegersAllowed: true)

    /// A payload for `body` (type byte and value) with the version-10 footer and its CRC64.
    func payload(_ body: [UInt8]) -> [UInt8] {
        var bytes = body + [10, 0]
        let crc = bytes.withUnsafeBytes { CRC64.update(0, $0) }
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: crc >> UInt64(8 * i))) }
        return bytes
    }

    func decode(_ bytes: [UInt8]) -> Result<RedisObject, DumpPayload.Failure> {
        bytes.withUnsafeBytes { raw in Result { () throws(DumpPayload.Failure) in try DumpPayload.decode(raw, skipChecksum: false, limits: limits) } }
    }

    @Test func aStringRestores() throws {
        let object = try decode(payload([0, 3] + Array("abc".utf8))).get()
        #expect(object.type == .string)
        object.release()
    }

    @Test func aWrongFooterIsNotBadData() {
        var bytes = payload([0, 3] + Array("abc".utf8))
        bytes[bytes.count - 1] ^= 1
        #expect(throws: DumpPayload.Failure.footer) { try decode(bytes).get() }
        #expect(throws: DumpPayload.Failure.footer) { try decode([1, 2, 3]).get() }
    }

    /// A value followed by stray bytes is refused, and the value it decoded is freed
    /// (RESTORE used to leave its record in the slab).
    @Test func trailingBytesAreBadDataAndLeaveNoRecord() {
        let before = RecordSlab.shared.liveBlocks
        // A set of two members, then one more byte inside the payload.
        #expect(throws: DumpPayload.Failure.badData) { try decode(payload([2, 2, 1, 0x61, 1, 0x62, 0x00])).get() }
        #expect(RecordSlab.shared.liveBlocks == before)
    }

    /// A length field claiming 2^40 bytes fails on the bytes actually there, before any allocation.
    @Test func aHugeClaimedLengthIsBadData() {
        let claim: [UInt8] = [0x81, 0, 0, 1, 0, 0, 0, 0, 0]
        for type: UInt8 in [0, 1, 2, 3, 4, 5, 11, 15, 16, 17, 18, 19] {
            #expect(throws: DumpPayload.Failure.badData) { try decode(payload([type] + claim)).get() }
        }
    }
}
