@testable import Store
import TestSupport

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
