import Glibc
import Testing
import TestSupport
@testable import Store

/// Test records: malloc'd [UInt32 length][key bytes].
enum TestRecord: HashtableEntry {
    static func key(of entry: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: entry + 4, count: Int(entry.load(as: UInt32.self)))
    }

    static func make(_ key: [UInt8]) -> UnsafeMutableRawPointer {
        let record = malloc(4 + key.count)!
        record.storeBytes(of: UInt32(key.count), as: UInt32.self)
        key.withUnsafeBytes { if let base = $0.baseAddress { (record + 4).copyMemory(from: base, byteCount: key.count) } }
        return record
    }

    static func keyBytes(_ entry: UnsafeMutableRawPointer) -> [UInt8] { [UInt8](key(of: entry)) }
}

typealias TestTable = Hashtable<TestRecord>

func hashOf(_ key: [UInt8]) -> UInt64 { key.withUnsafeBytes { ByteHash.hash($0) } }

extension Hashtable where Entry == TestRecord {
    func find(_ key: [UInt8]) -> UnsafeMutableRawPointer? { key.withUnsafeBytes { find($0) } }

    @discardableResult
    func insert(_ key: [UInt8]) -> UnsafeMutableRawPointer {
        let record = TestRecord.make(key)
        insertNew(record, hash: hashOf(key))
        return record
    }

    /// Removes and frees; returns whether the key was there.
    @discardableResult
    func delete(_ key: [UInt8]) -> Bool {
        guard let record = key.withUnsafeBytes({ remove($0, hash: ByteHash.hash($0)) }) else { return false }
        free(record)
        return true
    }

    func finishRehashing() { while rehash(buckets: 1000) {} }

    var keys: [[UInt8]] {
        var keys: [[UInt8]] = []
        forEach { keys.append(TestRecord.keyBytes($0)) }
        return keys
    }

    func freeAll() { removeAll { free($0) } }

    /// Every key a full scan returns, with `between` run after each step.
    func scanAll(between: () -> Void = {}) -> [[UInt8]] {
        var seen: [[UInt8]] = []
        var cursor: UInt64 = 0
        repeat {
            cursor = scan(cursor) { seen.append(TestRecord.keyBytes($0)) }
            between()
        } while cursor != 0
        return seen
    }
}

@Suite struct HashtableTests {
    // MARK: basics

    @Test func findInsertRemoveReplace() {
        let table = TestTable()
        #expect(table.count == 0)
        #expect(table.bucketCount == 0)
        #expect(table.find(bytes("a")) == nil)
        let a = table.insert(bytes("a"))
        #expect(table.find(bytes("a")) == a)
        #expect(table.find(bytes("b")) == nil)
        let empty = table.insert([])
        let binary = table.insert([0, 0xFF, 0x0D, 0x0A, 0])
        #expect(table.find([]) == empty)
        #expect(table.find([0, 0xFF, 0x0D, 0x0A, 0]) == binary)
        #expect(table.find([0, 0xFF, 0x0D, 0x0A]) == nil)
        #expect(table.find([0]) == nil)
        #expect(table.count == 3)

        let moved = TestRecord.make(bytes("a"))
        #expect(table.replace(a, with: moved, hash: hashOf(bytes("a"))))
        free(a)
        #expect(table.find(bytes("a")) == moved)
        let stranger = TestRecord.make(bytes("a"))
        #expect(!table.replace(stranger, with: moved, hash: hashOf(bytes("a"))))
        free(stranger)

        #expect(bytes("a").withUnsafeBytes { table.remove($0, hash: ByteHash.hash($0)) } == moved)
        free(moved)
        #expect(!table.delete(bytes("a")))
        #expect(table.find(bytes("a")) == nil)
        #expect(table.count == 2)

        var released = 0
        table.removeAll { free($0); released += 1 }
        #expect(released == 2)
        #expect(table.count == 0)
        #expect(table.bucketCount == 0)
        #expect(table.find([]) == nil)
        let again = table.insert(bytes("again"))
        #expect(table.find(bytes("again")) == again)
        table.freeAll()
    }

    /// Keys sharing a bucket overflow into child buckets; lookups, removal and chain compaction
    /// keep every one reachable and free the children again.
    @Test func overflowingBucketsChainAndCompact() {
        let table = TestTable()
        // Keys of one bucket of a 64-bucket table.
        var crowd: [[UInt8]] = []
        var probe = 0
        while crowd.count < 40 {
            let k = key(probe)
            if hashOf(k) & 63 == 5 { crowd.append(k) }
            probe += 1
        }
        for index in 0..<300 { table.insert(bytes("filler:\(index)")) }
        table.finishRehashing()
        #expect(table.main.size == 64)
        let before = table.bucketCount
        for k in crowd { table.insert(k) }
        table.finishRehashing()
        #expect(table.bucketCount > before)
        for k in crowd { #expect(table.find(k).map(TestRecord.keyBytes) == k) }
        for k in crowd.prefix(35) { #expect(table.delete(k)) }
        for k in crowd.suffix(5) { #expect(table.find(k) != nil) }
        for k in crowd.prefix(35) { #expect(table.find(k) == nil) }
        #expect(table.count == 305)
        for k in crowd.suffix(5) { #expect(table.delete(k)) }
        #expect(table.bucketCount == before, "child buckets are freed as their chains empty")
        table.freeAll()
    }

    // MARK: against a model

    /// Random inserts, removals, lookups and replacements agree with a Dictionary while the table
    /// grows and shrinks.
    @Test func randomOperationsAgainstAModel() {
        var generator = SeededGenerator(seed: 7)
        let keySpace = (0..<60_000).map(key)
        let table = TestTable()
        var model: [[UInt8]: UnsafeMutableRawPointer] = [:]
        var mismatches = 0
        var sizes = Set<Int>()
        // Tenths of the operations that insert: growth, shrink, growth, shrink, mixed.
        for (phase, insertShare) in [8, 2, 7, 1, 5].enumerated() {
            for step in 0..<40_000 {
                let k = keySpace[Int.random(in: 0..<keySpace.count, using: &generator)]
                let roll = Int.random(in: 0..<10, using: &generator)
                if roll < insertShare {
                    if let old = model[k] {
                        let moved = TestRecord.make(k)
                        if !table.replace(old, with: moved, hash: hashOf(k)) { mismatches += 1 }
                        free(old)
                        model[k] = moved
                    } else {
                        model[k] = table.insert(k)
                    }
                } else if roll < 9 {
                    let removed = k.withUnsafeBytes { table.remove($0, hash: ByteHash.hash($0)) }
                    if removed != model.removeValue(forKey: k) { mismatches += 1 }
                    if let removed { free(removed) }
                } else {
                    if table.find(k) != model[k] { mismatches += 1 }
                }
                if step % 1000 == 0 {
                    if table.count != model.count { mismatches += 1 }
                    sizes.insert(table.bucketCount)
                }
                if step % 7000 == 0 { table.shrinkIfNeeded() }
            }
            var seen: [[UInt8]: UnsafeMutableRawPointer] = [:]
            table.forEach { seen[TestRecord.keyBytes($0)] = $0 }
            #expect(seen == model, "phase \(phase)")
        }
        #expect(mismatches == 0)
        #expect(table.count == model.count)
        #expect(sizes.count > 4, "the table resized along the way")
        for k in keySpace.prefix(10_000) where table.find(k) != model[k] { mismatches += 1 }
        #expect(mismatches == 0)
        table.freeAll()
    }

    // MARK: scan

    @Test func fullScanOfAStableTableReturnsEachEntryOnce() {
        let table = TestTable()
        for index in 0..<5000 { table.insert(key(index)) }
        table.finishRehashing()
        let seen = table.scanAll()
        #expect(seen.count == 5000)
        #expect(Set(seen) == Set((0..<5000).map(key)))
        table.freeAll()
    }

    @Test func scanReturnsSurvivorsWhileTheTableGrows() {
        let table = TestTable()
        let survivors = (0..<500).map(key)
        for k in survivors { table.insert(k) }
        var next = 500
        let seen = table.scanAll {
            // Bursts between steps grow the table through several sizes; they stop at 20k keys so
            // the cursor can catch up with the table and the scan ends.
            guard table.count < 20_000 else { return }
            for _ in 0..<100 {
                table.insert(key(next))
                next += 1
            }
        }
        #expect(table.count >= 20_000)
        #expect(Set(survivors).isSubset(of: Set(seen)))
        table.freeAll()
    }

    @Test func scanReturnsSurvivorsWhileTheTableShrinks() {
        let table = TestTable()
        let survivors = (0..<300).map(key)
        for k in survivors { table.insert(k) }
        let doomed = (300..<40_000).map(key)
        for k in doomed { table.insert(k) }
        table.finishRehashing()
        let largest = table.bucketCount
        var remaining = doomed[...]
        var smallest = largest
        let seen = table.scanAll {
            for k in remaining.prefix(400) { table.delete(k) }
            remaining = remaining.dropFirst(400)
            table.shrinkIfNeeded()
            table.rehash(buckets: 50)
            smallest = min(smallest, table.bucketCount)
        }
        #expect(smallest * 8 < largest, "the table shrank during the scan")
        #expect(Set(survivors).isSubset(of: Set(seen)))
        table.freeAll()
    }

    @Test func scanWhileRehashingCoversBothTables() {
        let table = TestTable()
        for index in 0..<2000 { table.insert(key(index)) }
        table.finishRehashing()
        while !table.isRehashing { table.insert(key(table.count)) }
        let expected = Set((0..<table.count).map(key))
        #expect(Set(table.scanAll()) == expected)
        table.freeAll()
    }

    @Test func scanReplacingSwapsRecords() {
        let table = TestTable()
        for index in 0..<3000 { table.insert(key(index)) }
        var moved: [[UInt8]: UnsafeMutableRawPointer] = [:]
        var cursor: UInt64 = 0
        repeat {
            cursor = table.scan(cursor, replacing: { old -> UnsafeMutableRawPointer? in
                let k = TestRecord.keyBytes(old)
                // Move every other record; nil keeps the rest where they are.
                if k.last! % 2 == 0 { return nil }
                let copy = TestRecord.make(k)
                free(old)
                moved[k] = copy
                return copy
            })
        } while cursor != 0
        #expect(!moved.isEmpty)
        for (k, record) in moved { #expect(table.find(k) == record) }
        #expect(table.count == 3000)
        #expect(Set(table.keys) == Set((0..<3000).map(key)))
        table.freeAll()
    }

    // MARK: rehashing

    @Test func growthRehashesIncrementally() {
        let table = TestTable()
        for index in 0..<7 { table.insert(key(index)) }
        #expect(table.bucketCount == 1)
        #expect(!table.isRehashing)
        table.insert(key(7))
        #expect(table.isRehashing)
        #expect(table.bucketCount == 1 + 2)
        table.finishRehashing()
        for index in 8..<4000 { table.insert(key(index)) }
        table.finishRehashing()
        let before = table.bucketCount
        while !table.isRehashing { table.insert(key(table.count)) }
        #expect(table.bucketCount >= before * 3)
        // One bucket per operation: many lookups pass before the rehash completes.
        var operations = 0
        var missing = 0
        while table.isRehashing {
            let probe = operations % table.count
            if table.find(key(probe)) == nil { missing += 1 }
            operations += 1
        }
        #expect(missing == 0)
        #expect(operations > 100)
        #expect(table.rehash(buckets: 10) == false)
        table.freeAll()
    }

    @Test func rehashByBucketsReportsRemainingWork() {
        let table = TestTable()
        #expect(!table.rehash(buckets: 10))
        for index in 0..<1000 { table.insert(key(index)) }
        table.finishRehashing()
        while !table.isRehashing { table.insert(key(table.count)) }
        var calls = 0
        while table.rehash(buckets: 10) { calls += 1 }
        #expect(calls > 5)
        #expect(!table.isRehashing)
        #expect(Set(table.keys) == Set((0..<table.count).map(key)))
        table.freeAll()
    }

    @Test func timeBoxedRehash() {
        let table = TestTable()
        for index in 0..<20_000 { table.insert(key(index)) }
        table.finishRehashing()
        while !table.isRehashing { table.insert(key(table.count)) }
        var time: Int64 = 0
        let moved = table.rehash(milliseconds: 2, clock: { time += 1; return time })
        // Starts at 1; batches end at 2, 3 and 4, and 4 - 1 > 2 stops it.
        #expect(moved == 300)
        #expect(table.isRehashing)
        let rest = table.rehash(milliseconds: 1, clock: { 0 })
        #expect(rest > 0)
        #expect(!table.isRehashing)
        #expect(table.rehash(milliseconds: 1, clock: { 0 }) == 0)
        table.freeAll()
    }

    @Test func shrinksWhenSparse() {
        let table = TestTable()
        for index in 0..<10_000 { table.insert(key(index)) }
        table.finishRehashing()
        let full = table.bucketCount
        for index in 0..<9_900 { table.delete(key(index)) }
        // Removals shrink on their own, but not again while that rehash runs: the cron's call
        // after the rehash finishes does the rest.
        table.finishRehashing()
        table.shrinkIfNeeded()
        table.finishRehashing()
        #expect(table.bucketCount * 16 <= full)
        for index in 9_900..<10_000 { #expect(table.find(key(index)) != nil) }
        for index in 9_900..<10_000 { table.delete(key(index)) }
        table.finishRehashing()
        table.shrinkIfNeeded()
        #expect(table.count == 0)
        #expect(table.bucketCount <= 1)
        table.freeAll()
    }

    // MARK: memory and sampling

    @Test func memoryFigures() {
        let table = TestTable()
        for index in 0..<100_000 { table.insert(key(index)) }
        table.finishRehashing()
        #expect(table.memoryBytes == table.bucketCount * 64)
        let topLevel = table.bucketCount - table.main.children
        #expect(topLevel.nonzeroBitCount == 1)
        // 100k keys fill 16384 buckets to 87%, where a quarter of the buckets overflow.
        #expect(table.main.children < topLevel / 2)
        let perKey = Double(table.memoryBytes) / Double(table.count)
        #expect(perKey > 9 && perKey < 20)
        table.freeAll()
    }

    /// The product goal: bucket bytes per key at a million keys.
    @Test func bytesPerKeyAtAMillion() {
        let table = TestTable()
        for index in 0..<1_000_000 { table.insert(key(index)) }
        table.finishRehashing()
        let perKey = Double(table.memoryBytes) / Double(table.count)
        print("Hashtable: \(table.count) keys, \(table.main.size) buckets + \(table.main.children) children = \(table.memoryBytes) bytes, \(perKey) bytes/key")
        #expect(perKey < 18)
        table.freeAll()
    }

    @Test func randomEntryReturnsMembersAndCoversASmallTable() {
        var generator = SeededGenerator(seed: 3)
        let table = TestTable()
        #expect(table.randomEntry(using: &generator) == nil)
        let keys = Set((0..<40).map(key))
        for k in keys { table.insert(k) }
        var seen = Set<[UInt8]>()
        for _ in 0..<4000 {
            guard let entry = table.randomEntry(using: &generator) else { Issue.record("nil from a full table"); break }
            seen.insert(TestRecord.keyBytes(entry))
        }
        #expect(seen == keys)
        // Also while rehashing, from both tables.
        for index in 40..<2000 { table.insert(key(index)) }
        while !table.isRehashing { table.insert(key(table.count)) }
        for _ in 0..<200 {
            let entry = table.randomEntry(using: &generator)
            #expect(entry.map { table.find(TestRecord.keyBytes($0)) == $0 } == true)
        }
        table.freeAll()
    }

    @Test func prefetchIsHarmless() {
        let table = TestTable()
        table.prefetch(hash: 12345)
        for index in 0..<100 { table.insert(key(index)) }
        table.prefetch(hash: hashOf(key(5)))
        #expect(table.find(key(5)) != nil)
        table.freeAll()
    }
}
