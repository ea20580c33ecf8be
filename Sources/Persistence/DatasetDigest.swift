import Store
import Util

// DEBUG DIGEST and DEBUG DIGEST-VALUE as debug.c computes them: SHA1s combined with xorDigest
// (order-independent: set members, hash fields, keys) and mixDigest (order-dependent: list
// elements, stream entries, a key followed by its value). Zset scores are hashed as "%.17g"
// text, as in 7.0.

public enum DatasetDigest {
    static func xor(_ digest: inout [UInt8], _ bytes: UnsafeRawBufferPointer) {
        let hash = SHA1.hash(bytes)
        for j in 0..<20 { digest[j] ^= hash[j] }
    }

    static func mix(_ digest: inout [UInt8], _ bytes: UnsafeRawBufferPointer) {
        xor(&digest, bytes)
        digest = SHA1.hash(digest)
    }

    static func mix(_ digest: inout [UInt8], _ element: ElementValue) {
        element.withBytes { mix(&digest, $0) }
    }

    static func mix(_ digest: inout [UInt8], _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { mix(&digest, $0) }
    }

    /// xorObjectDigest: the digest of one value (and whether it has an expire).
    public static func value(_ object: RedisObject, into digest: inout [UInt8]) {
        var type = UInt32(object.type.rawValue).bigEndian
        withUnsafeBytes(of: &type) { mix(&digest, $0) }
        switch object.type {
        case .string:
            if object.encoding == .int {
                mix(&digest, decimalBytes(object.integer))
            } else {
                object.withStringBytes { mix(&digest, $0) }
            }
        case .list:
            ListType.quicklist(object).forEach(from: 0, count: ListType.length(object), reverse: false) { mix(&digest, $0) }
        case .set:
            SetType.forEach(object) { member in member.withBytes { xor(&digest, $0) } }
        case .zset:
            ZSetType.forEach(object) { member, score in
                var element = [UInt8](repeating: 0, count: 20)
                mix(&element, member)
                mix(&element, doubleG17Bytes(score))
                element.withUnsafeBytes { xor(&digest, $0) }
            }
        case .hash:
            HashType.forEach(object) { field, value in
                var element = [UInt8](repeating: 0, count: 20)
                mix(&element, field)
                mix(&element, value)
                element.withUnsafeBytes { xor(&digest, $0) }
            }
        case .stream:
            // Live entries in order: the ID as "ms.seq" (a dot, as debug.c formats it), then
            // each field and value. Groups are not part of the digest.
            StreamType.stream(object).forEachEntry(from: .zero, to: .max) { entry in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: StreamID.maxTextLength) { buffer in
                    let out = buffer.baseAddress!
                    let msLength = writeUnsignedDecimal(entry.id.ms, to: out)
                    out[msLength] = UInt8(ascii: ".")
                    let length = msLength + 1 + writeUnsignedDecimal(entry.id.seq, to: out + msLength + 1)
                    mix(&digest, UnsafeRawBufferPointer(start: out, count: length))
                }
                entry.forEachPair { field, value in
                    mix(&digest, field)
                    mix(&digest, value)
                }
                return true
            }
        default:
            break
        }
        if object.expireTime != nil { Array("!!expire!!".utf8).withUnsafeBytes { xor(&digest, $0) } }
    }

    /// computeDatasetDigest.
    public static func dataset(_ databases: [Database]) -> [UInt8] {
        var final = [UInt8](repeating: 0, count: 20)
        for db in databases where db.count > 0 {
            var id = UInt32(db.id).bigEndian
            withUnsafeBytes(of: &id) { mix(&final, $0) }
            db.forEach { object in
                var digest = [UInt8](repeating: 0, count: 20)
                mix(&digest, object.key)
                value(object, into: &digest)
                digest.withUnsafeBytes { xor(&final, $0) }
            }
        }
        return final
    }

    public static func hex(_ digest: [UInt8]) -> String {
        digest.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
