@testable import Persistence
import Store

// What the RDB and RESTORE targets check of a value that decoded: it saves again (DUMP's
// encoder), the saved payload passes RESTORE's checks and decodes to the same content (the
// DEBUG DIGEST of both agrees).

public enum RoundTrip {
    /// DEBUG DIGEST-VALUE without the key's TTL, which a payload does not carry.
    public static func digest(_ object: RedisObject) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 20)
        DatasetDigest.value(object, into: &digest)
        if object.expireTime != nil { Array("!!expire!!".utf8).withUnsafeBytes { DatasetDigest.xor(&digest, $0) } }
        return digest
    }

    public static func check(_ object: RedisObject, limits: RDBLoadLimits) {
        let expected = digest(object)
        for compression in [false, true] {
            let payload = RDBEncoder.dumpPayload(object, compression: compression)
            let decoded: RedisObject
            do {
                decoded = try payload.withUnsafeBytes { try DumpPayload.decode($0, skipChecksum: false, limits: limits) }
            } catch {
                FuzzSupport.check(false, "a saved value does not restore: \(error)")
                return
            }
            FuzzSupport.check(decoded.type == object.type, "a restored value changed type")
            FuzzSupport.check(digest(decoded) == expected, "a restored value has other contents")
            decoded.release()
        }
    }
}

/// Records in the slab: every value a failed or finished decode made must have been freed
/// again (a record is not malloc'd, so LeakSanitizer cannot see one that is lost).
public func checkNoRecordsLeft(since baseline: Int) {
    check(RecordSlab.shared.liveBlocks == baseline,
          "\(RecordSlab.shared.liveBlocks - baseline) records left behind")
}
