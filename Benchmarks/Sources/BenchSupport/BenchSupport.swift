import Store

// Fixtures shared by the benchmark targets. Everything here is built before measurement starts,
// so a benchmark's loop can pass keys around as raw byte spans without allocating.

/// `count` keys shaped like redis-benchmark's `-r` keys (`key:000000000042`, 16 bytes), laid out
/// back to back in one allocation.
public final class KeyTable {
    public static let keyLength = 16
    public let count: Int
    @usableFromInline let base: UnsafeMutableRawPointer

    /// Keys `first ..< first + count`.
    public init(count: Int, first: Int = 0) {
        self.count = count
        base = .allocate(byteCount: max(1, count * KeyTable.keyLength), alignment: 8)
        for index in 0..<count { KeyTable.write(first + index, to: base + index * KeyTable.keyLength) }
    }

    deinit { base.deallocate() }

    @inlinable @inline(__always)
    public subscript(index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + index * KeyTable.keyLength, count: KeyTable.keyLength)
    }

    /// The key as an array (for building request bytes).
    public func bytes(_ index: Int) -> [UInt8] { [UInt8](self[index]) }

    private static func write(_ number: Int, to destination: UnsafeMutableRawPointer) {
        let prefix: [UInt8] = Array("key:".utf8)
        for (offset, byte) in prefix.enumerated() { destination.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self) }
        var value = number
        for offset in stride(from: keyLength - 1, through: prefix.count, by: -1) {
            destination.storeBytes(of: UInt8(ascii: "0") + UInt8(value % 10), toByteOffset: offset, as: UInt8.self)
            value /= 10
        }
    }
}

/// Visits 0..<count in a scattered but repeatable order (a full-period stride), so consecutive
/// lookups touch unrelated buckets as a random keyspace would, without a random generator. A class,
/// kept in a global, so that successive samples carry on through the keyspace instead of
/// revisiting the same (by then cached) keys.
public final class ScatteredIndices {
    public let count: Int
    @usableFromInline let step: Int
    @usableFromInline var current = 0

    public init(count: Int) {
        self.count = count
        // A golden-ratio stride coprime with `count` visits every index once per period, and
        // consecutive indices land far apart (so do their entries, which were allocated in order).
        var step = max(1, Int(Double(count) * 0.618_033_988_7))
        while gcd(step, count) != 1 { step += 1 }
        self.step = count <= 1 ? 0 : step
    }

    @inlinable @inline(__always)
    public func next() -> Int {
        let index = current
        current &+= step
        if current >= count { current &-= count }
        return index
    }
}

private func gcd(_ a: Int, _ b: Int) -> Int {
    var (a, b) = (a, b)
    while b != 0 { (a, b) = (b, a % b) }
    return a
}

/// redis-benchmark's default value (`-d 3`).
public let benchmarkValue: [UInt8] = Array("xxx".utf8)

/// A database holding `keys`, every value `value` as SET stores it (`Database.storeString`), with
/// any incremental rehash finished, as a long-running server's keyspace would be.
public func makeKeyspace(_ keys: KeyTable, value: [UInt8], id: Int = 0, expireAt: Int64? = nil) -> Database {
    let db = Database(id: id)
    value.withUnsafeBytes { value in
        for index in 0..<keys.count {
            db.storeString(keys[index], value, allowSharedIntegers: true, expireAt: expireAt)
        }
    }
    finishRehash(db)
    return db
}

/// Runs the cron's incremental rehashing until the keyspace table is a single table again.
public func finishRehash(_ db: Database) {
    while db.isRehashing { db.cronMaintenance(rehashBudgetMilliseconds: 1_000, clock: { 0 }) }
}
