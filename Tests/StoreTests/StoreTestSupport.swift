@testable import Store

/// A deterministic generator (SplitMix64), so randomized tests replay identically.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func key(_ index: Int) -> [UInt8] { bytes("key:\(index)") }

extension Dict {
    /// Finishes any rehash in progress.
    func finishRehashing() {
        while rehash(buckets: 1000) {}
    }

    /// Every key, by iteration.
    var allKeys: Set<[UInt8]> {
        var keys = Set<[UInt8]>()
        forEach { keys.insert($0.key) }
        return keys
    }

    func contains(_ key: [UInt8]) -> Bool { find(key) != nil }
}

extension Database {
    func has(_ key: [UInt8], now: Int64 = 0) -> Bool {
        key.withUnsafeBytes { lookup($0, now: now) } != nil
    }
}
