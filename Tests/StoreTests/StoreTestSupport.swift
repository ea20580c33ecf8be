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

extension Database {
    /// The stored value at `key` (expired or not), without lazy expiry.
    func object(_ key: [UInt8]) -> RedisObject? { key.withUnsafeBytes { find($0) } }

    /// The string form of the value at `key` (expired or not).
    func value(_ key: [UInt8]) -> [UInt8]? { object(key)?.stringBytes }

    /// The key's TTL as stored in its record.
    func ttl(_ key: [UInt8]) -> Int64? { key.withUnsafeBytes { expireTime($0) } }

    /// Every key, by forEach (asserting no key is seen twice).
    func keysByForEach() -> (keys: Set<[UInt8]>, visits: Int) {
        var keys = Set<[UInt8]>()
        var visits = 0
        forEach { keys.insert($0.keyBytes); visits += 1 }
        return (keys, visits)
    }

    /// Every key, by a full SCAN loop from cursor 0 until it returns 0.
    func keysByScan() -> Set<[UInt8]> {
        var keys = Set<[UInt8]>()
        var cursor: UInt64 = 0
        var steps = 0
        repeat {
            cursor = scan(cursor) { keys.insert($0.keyBytes) }
            steps += 1
        } while cursor != 0 && steps < 10_000_000
        return keys
    }

    /// A description of the first inconsistency of the expires index, nil when it is consistent:
    /// every position 0..<count holds a record with a TTL that knows its position and is the
    /// table's record for its key, no record appears twice, and the table holds exactly `count`
    /// records with a TTL.
    func expiresIndexProblem() -> String? {
        var seen = Set<UnsafeMutableRawPointer>()
        for position in 0..<expires.count {
            let record = expires[position]
            if KeyRecord.expiresPosition(record) != position {
                return "position \(position) holds a record that says \(KeyRecord.expiresPosition(record))"
            }
            if !KeyRecord.flags(record).contains(.hasExpire) { return "position \(position): record without TTL" }
            if !seen.insert(record).inserted { return "position \(position): record listed twice" }
            let key = KeyRecord.key(record)
            if table.find(key, hash: ByteHash.hash(key)) != record {
                return "position \(position): not the table's record for \(String(decoding: key, as: UTF8.self))"
            }
        }
        var withTTL = 0
        table.forEach { if KeyRecord.flags($0).contains(.hasExpire) { withTTL += 1 } }
        if withTTL != expires.count { return "\(withTTL) records have a TTL but the index holds \(expires.count)" }
        return nil
    }
}

extension RedisObject {
    /// `write(_:at:)` with an array.
    func write(_ bytes: [UInt8], at offset: Int) -> Int? {
        bytes.withUnsafeBytes { write($0, at: offset) }
    }
}
