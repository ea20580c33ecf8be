import Glibc

// The keyspace hash: 8 bytes per step with a multiply-xorshift mix and a splitmix64 finish.
// Seeded at start-up so that collisions can't be precomputed against a running server.

public enum ByteHash {
    public static var seed: UInt64 = 0x9E37_79B9_7F4A_7C15

    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var h = seed ^ (UInt64(truncatingIfNeeded: count) &* 0xFF51_AFD7_ED55_8CCD)
        guard let base = bytes.baseAddress else { return finish(h) }
        var index = 0
        while index &+ 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            index &+= 8
        }
        if index < count {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while index < count {
                word |= UInt64(base.load(fromByteOffset: index, as: UInt8.self)) << shift
                shift &+= 8
                index &+= 1
            }
            h = (h ^ word) &* 0x94D0_49BB_1331_11EB
        }
        return finish(h)
    }

    @inlinable
    static func finish(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Byte-wise equality of a stored key and a request's bytes.
@inlinable
public func bytesEqual(_ stored: [UInt8], _ other: UnsafeRawBufferPointer) -> Bool {
    if stored.count != other.count { return false }
    return stored.withUnsafeBytes { mine in
        guard let a = mine.baseAddress, let b = other.baseAddress else { return true }
        return memcmp(a, b, other.count) == 0
    }
}
