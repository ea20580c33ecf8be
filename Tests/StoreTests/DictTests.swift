import Testing
import TestSupport
@testable import Store

@Suite struct DictTests {
    // MARK: basic operations

    @Test func setFindRemove() {
        let dict = Dict<Int>()
        #expect(dict.count == 0)
        #expect(dict.find(bytes("a")) == nil)
        #expect(dict.set(bytes("a"), 1))
        #expect(!dict.set(bytes("a"), 2))
        #expect(dict.find(bytes("a"))?.value == 2)
        #expect(dict.count == 1)
        #expect(dict.set([], 3))
        #expect(dict.set([0, 0xFF, 0x0D], 4))
        #expect(dict.find([])?.value == 3)
        #expect(dict.find([0, 0xFF, 0x0D])?.value == 4)
        #expect(dict.find([0, 0xFF]) == nil)
        #expect(dict.remove(bytes("a"))?.key == bytes("a"))
        #expect(dict.remove(bytes("a")) == nil)
        #expect(dict.find(bytes("a")) == nil)
        #expect(dict.count == 2)
        dict.removeAll()
        #expect(dict.count == 0)
        #expect(dict.bucketCount == 0)
        #expect(dict.find([]) == nil)
        dict.insertNew(key: bytes("again"), value: 5)
        #expect(dict.find(bytes("again"))?.value == 5)
    }

    /// 100k keys under random inserts, overwrites, removals and lookups agree with a Dictionary.
    @Test func randomOperationsAgainstAModel() {
        var generator = SeededGenerator(seed: 42)
        let keySpace = (0..<150_000).map(key)
        let dict = Dict<Int>()
        var model: [[UInt8]: Int] = [:]
        for index in 0..<100_000 {
            #expect(dict.set(keySpace[index], index))
            model[keySpace[index]] = index
        }
        #expect(dict.count == 100_000)
        var mismatches = 0
        for step in 0..<300_000 {
            let k = keySpace[Int.random(in: 0..<keySpace.count, using: &generator)]
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<4:
                let added = dict.set(k, step)
                if added != (model[k] == nil) { mismatches += 1 }
                model[k] = step
            case 4..<7:
                let removed = dict.remove(k)
                if (removed?.value) != model.removeValue(forKey: k) { mismatches += 1 }
            default:
                if dict.find(k)?.value != model[k] { mismatches += 1 }
            }
            if step % 1000 == 0 && dict.count != model.count { mismatches += 1 }
            if step % 50_000 == 0 { dict.shrinkIfNeeded() }
        }
        #expect(mismatches == 0)
        #expect(dict.count == model.count)
        var seen: [[UInt8]: Int] = [:]
        dict.forEach { seen[$0.key] = $0.value }
        #expect(seen == model)
        for k in keySpace.prefix(20_000) where dict.find(k)?.value != model[k] { mismatches += 1 }
        #expect(mismatches == 0)
    }

    // MARK: incremental rehashing

    @Test func growthStartsAnIncrementalRehash() {
        let dict = Dict<Int>()
        for index in 0..<4 { dict.insertNew(key: key(index), value: index) }
        #expect(dict.bucketCount == 4)
        #expect(!dict.isRehashing)
        dict.insertNew(key: key(4), value: 4)
        #expect(dict.isRehashing)
        #expect(dict.bucketCount == 4 + 8)
        for index in 0..<5 { #expect(dict.find(key(index))?.value == index) }
        dict.finishRehashing()
        #expect(!dict.isRehashing)
        #expect(dict.bucketCount == 8)
        #expect(dict.count == 5)
        for index in 0..<5 { #expect(dict.find(key(index))?.value == index) }
    }

    /// Each operation moves about one bucket: the rehash spreads over many operations, every key
    /// stays reachable meanwhile, and it converges.
    @Test func rehashIsSpreadOverOperations() {
        let dict = Dict<Int>()
        for index in 0..<1024 { dict.insertNew(key: key(index), value: index) }
        dict.finishRehashing()
        #expect(dict.bucketCount == 1024)
        dict.insertNew(key: key(1024), value: 1024)
        #expect(dict.isRehashing)
        #expect(dict.bucketCount == 1024 + 2048)
        var operations = 0
        var missing = 0
        while dict.isRehashing && operations < 10_000 {
            let probe = operations % 1025
            if dict.find(key(probe))?.value != probe { missing += 1 }
            operations += 1
        }
        #expect(missing == 0)
        #expect(!dict.isRehashing)
        #expect(operations > 100)
        #expect(operations <= 1024)
        #expect(dict.bucketCount == 2048)
        #expect(dict.count == 1025)
    }

    @Test func rehashByBucketsReportsRemainingWork() {
        let dict = Dict<Int>()
        #expect(!dict.rehash(buckets: 10))
        for index in 0..<513 { dict.insertNew(key: key(index), value: index) }
        #expect(dict.isRehashing)
        var calls = 0
        while dict.rehash(buckets: 10) { calls += 1 }
        #expect(calls > 5)
        #expect(!dict.isRehashing)
        #expect(dict.allKeys == Set((0..<513).map(key)))
    }

    @Test func timeBoxedRehashCompletesWithAStoppedClock() {
        let dict = Dict<Int>()
        for index in 0..<5000 { dict.insertNew(key: key(index), value: index) }
        dict.finishRehashing()
        #expect(dict.bucketCount == 8192)
        for index in 5000..<8193 { dict.insertNew(key: key(index), value: index) }
        #expect(dict.isRehashing)
        let rounds = dict.rehash(milliseconds: 1, clock: { 0 })
        #expect(rounds >= 100)
        #expect(!dict.isRehashing)
        #expect(dict.count == 8193)
    }

    @Test func timeBoxedRehashStopsWhenTimeIsUp() {
        let dict = Dict<Int>()
        for index in 0..<4096 { dict.insertNew(key: key(index), value: index) }
        dict.finishRehashing()
        dict.insertNew(key: key(4096), value: 4096)
        #expect(dict.isRehashing)
        var time: Int64 = 0
        let rounds = dict.rehash(milliseconds: 2, clock: { time += 1; return time })
        // start=1; after batch 1 the clock reads 2 (1 ms), after batch 2 it reads 3 (2 ms), after batch 3, 4 > 2.
        #expect(rounds == 300)
        #expect(dict.isRehashing)
    }

    @Test func shrinkIfNeeded() {
        let dict = Dict<Int>()
        for index in 0..<1000 { dict.insertNew(key: key(index), value: index) }
        dict.finishRehashing()
        #expect(dict.bucketCount == 1024)
        for index in 103..<1000 { dict.remove(key(index)) }
        dict.finishRehashing()
        // 103 of 1024 is 10%: not below the minimum fill.
        dict.shrinkIfNeeded()
        #expect(!dict.isRehashing)
        #expect(dict.bucketCount == 1024)
        dict.remove(key(102))
        dict.shrinkIfNeeded()
        #expect(dict.isRehashing)
        // A shrink in progress is not restarted.
        dict.shrinkIfNeeded()
        for index in 0..<102 { #expect(dict.find(key(index))?.value == index) }
        dict.finishRehashing()
        #expect(dict.bucketCount == 128)
        #expect(dict.allKeys == Set((0..<102).map(key)))
        // An empty table drops to the initial size at once.
        for index in 0..<102 { dict.remove(key(index)) }
        dict.shrinkIfNeeded()
        #expect(!dict.isRehashing)
        #expect(dict.bucketCount == 4)
        // The initial size never shrinks further.
        dict.shrinkIfNeeded()
        #expect(dict.bucketCount == 4)
    }

    // MARK: SCAN

    /// A full scan from cursor 0 back to 0, with `between` run after every call.
    private func fullScan(_ dict: Dict<Int>, maxCalls: Int = 1_000_000, between: (Int) -> Void = { _ in }) -> (seen: [[UInt8]: Int], calls: Int, finished: Bool) {
        var seen: [[UInt8]: Int] = [:]
        var cursor: UInt64 = 0
        var calls = 0
        repeat {
            cursor = dict.scan(cursor) { seen[$0.key, default: 0] += 1 }
            calls += 1
            between(calls)
        } while cursor != 0 && calls < maxCalls
        return (seen, calls, cursor == 0)
    }

    @Test func scanOfAnEmptyDict() {
        let dict = Dict<Int>()
        var visits = 0
        #expect(dict.scan(0) { _ in visits += 1 } == 0)
        #expect(visits == 0)
    }

    @Test func scanOfAStableTableReturnsEachKeyOnce() {
        let dict = Dict<Int>()
        for index in 0..<1000 { dict.insertNew(key: key(index), value: index) }
        dict.finishRehashing()
        let scan = fullScan(dict)
        #expect(scan.finished)
        #expect(Set(scan.seen.keys) == Set((0..<1000).map(key)))
        #expect(scan.seen.values.allSatisfy { $0 == 1 })
        #expect(scan.calls == dict.bucketCount)
    }

    @Test func scanDuringARehashReturnsEveryKey() {
        let dict = Dict<Int>()
        for index in 0..<1025 { dict.insertNew(key: key(index), value: index) }
        #expect(dict.isRehashing)
        let scan = fullScan(dict)
        #expect(scan.finished)
        #expect(Set(scan.seen.keys) == Set((0..<1025).map(key)))
    }

    /// Keys present for the whole scan are returned while the table grows several times.
    @Test(arguments: [1, 2, 3, 4, 5])
    func scanWhileGrowing(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let dict = Dict<Int>()
        let initial = Int.random(in: 10..<600, using: &generator)
        for index in 0..<initial { dict.insertNew(key: key(index), value: index) }
        if seed % 2 == 0 { dict.finishRehashing() }
        let startBuckets = dict.bucketCount
        var next = initial
        let scan = fullScan(dict) { _ in
            guard next < 40_000 else { return }
            for _ in 0..<Int.random(in: 0..<120, using: &generator) {
                dict.insertNew(key: key(next), value: next)
                next += 1
            }
        }
        #expect(scan.finished)
        #expect(dict.bucketCount >= 8 * max(startBuckets, 4))
        let missing = (0..<initial).filter { scan.seen[key($0)] == nil }
        #expect(missing.isEmpty, "seed \(seed): \(missing.count) keys missed")
    }

    /// Keys present for the whole scan are returned while the table shrinks (deletes, shrink
    /// decisions and rehash steps between calls).
    @Test(arguments: [1, 2, 3, 4, 5])
    func scanWhileShrinking(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let dict = Dict<Int>()
        let total = 20_000
        for index in 0..<total { dict.insertNew(key: key(index), value: index) }
        dict.finishRehashing()
        let startBuckets = dict.bucketCount
        // Every 50th key stays; the rest are deleted as the scan goes.
        var doomed = (0..<total).filter { $0 % 50 != 0 }
        doomed.shuffle(using: &generator)
        var minimumBuckets = startBuckets
        let scan = fullScan(dict) { _ in
            for _ in 0..<Int.random(in: 0..<400, using: &generator) {
                guard let victim = doomed.popLast() else { break }
                dict.remove(key(victim))
            }
            dict.shrinkIfNeeded()
            _ = dict.rehash(buckets: Int.random(in: 0..<4, using: &generator))
            minimumBuckets = min(minimumBuckets, dict.isRehashing ? Int.max : dict.bucketCount)
        }
        #expect(scan.finished)
        #expect(minimumBuckets < startBuckets / 8)
        let missing = stride(from: 0, to: total, by: 50).filter { scan.seen[key($0)] == nil }
        #expect(missing.isEmpty, "seed \(seed): \(missing.count) keys missed")
    }

    /// Growth and shrinking mixed at random, with rehash steps between calls.
    @Test(arguments: Array(UInt64(10)..<UInt64(30)))
    func scanUnderRandomResizing(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let dict = Dict<Int>()
        let stable = (0..<Int.random(in: 1..<300, using: &generator)).map { key(-1 - $0) }
        for k in stable { dict.insertNew(key: k, value: 0) }
        var volatile: [[UInt8]] = []
        var next = 0
        for _ in 0..<Int.random(in: 0..<3000, using: &generator) {
            volatile.append(key(next)); dict.insertNew(key: key(next), value: next); next += 1
        }
        let scan = fullScan(dict, maxCalls: 2_000_000) { call in
            let growing = (call / 64) % 2 == 0 && call < 4000
            for _ in 0..<Int.random(in: 0..<60, using: &generator) {
                if growing || volatile.isEmpty {
                    if call >= 4000 { break }
                    volatile.append(key(next)); dict.insertNew(key: key(next), value: next); next += 1
                } else {
                    let victim = volatile.remove(at: Int.random(in: 0..<volatile.count, using: &generator))
                    dict.remove(victim)
                }
            }
            if Bool.random(using: &generator) { dict.shrinkIfNeeded() }
            _ = dict.rehash(buckets: Int.random(in: 0..<3, using: &generator))
        }
        #expect(scan.finished)
        let missing = stable.filter { scan.seen[$0] == nil }
        #expect(missing.isEmpty, "seed \(seed): \(missing.count) of \(stable.count) stable keys missed")
    }

    // MARK: random entries

    @Test func randomEntryReturnsExistingKeys() {
        var generator = SeededGenerator(seed: 9)
        let dict = Dict<Int>()
        #expect(dict.randomEntry(using: &generator) == nil)
        for index in 0..<10 { dict.insertNew(key: key(index), value: index) }
        var seen = Set<[UInt8]>()
        for _ in 0..<2000 {
            guard let entry = dict.randomEntry(using: &generator) else { Issue.record("nil from a non-empty dict"); return }
            #expect(dict.find(entry.key)?.value == entry.value)
            seen.insert(entry.key)
        }
        #expect(seen == dict.allKeys)
    }

    @Test func randomEntryDuringRehashAndAfterDeletes() {
        var generator = SeededGenerator(seed: 11)
        let dict = Dict<Int>()
        for index in 0..<2000 { dict.insertNew(key: key(index), value: index) }
        for index in 0..<2000 where index % 10 != 0 { dict.remove(key(index)) }
        dict.finishRehashing()
        dict.shrinkIfNeeded()
        for index in 2000..<2050 { dict.insertNew(key: key(index), value: index) }
        let live = dict.allKeys
        var wrong = 0
        var sawRehashing = false
        for _ in 0..<3000 {
            sawRehashing = sawRehashing || dict.isRehashing
            guard let entry = dict.randomEntry(using: &generator), live.contains(entry.key) else { wrong += 1; continue }
        }
        #expect(wrong == 0)
        #expect(sawRehashing)
        for index in 0..<2050 where live.contains(key(index)) { dict.remove(key(index)) }
        #expect(dict.count == 0)
        #expect(dict.randomEntry(using: &generator) == nil)
    }
}

/// Entries are reference counted by hand (chains hold them unretained): removal, overwrite,
/// removeAll and the dict's own deinit must each release exactly what they should.
@Suite struct DictMemoryTests {
    private final class Tracked {
        let id: Int
        init(_ id: Int) { self.id = id }
    }

    private struct WeakBox<T: AnyObject> {
        weak var object: T?
    }

    @Test func valuesAndEntriesAreReleasedOnRemoval() {
        var values: [WeakBox<Tracked>] = []
        var entries: [WeakBox<DictEntry<Tracked>>] = []
        let dict = Dict<Tracked>()
        for index in 0..<1000 {
            let value = Tracked(index)
            values.append(WeakBox(object: value))
            entries.append(WeakBox(object: dict.insertNew(key: key(index), value: value)))
        }
        // Growth and rehashing happened on the way; nothing was freed.
        #expect(values.allSatisfy { $0.object != nil })
        #expect(entries.allSatisfy { $0.object != nil })
        for index in 0..<500 { dict.remove(key(index)) }
        #expect(values[..<500].allSatisfy { $0.object == nil })
        #expect(entries[..<500].allSatisfy { $0.object == nil })
        #expect(values[500...].allSatisfy { $0.object != nil })
        #expect(entries[500...].allSatisfy { $0.object != nil })
        // Overwriting releases the old value, keeps the entry.
        dict.set(key(600), Tracked(-600))
        #expect(values[600].object == nil)
        #expect(entries[600].object != nil)
        #expect(dict.find(key(600))?.value.id == -600)
        dict.shrinkIfNeeded()
        dict.finishRehashing()
        #expect(values[500...].enumerated().allSatisfy { $0.element.object != nil || $0.offset == 100 })
        dict.removeAll()
        #expect(values.allSatisfy { $0.object == nil })
        #expect(entries.allSatisfy { $0.object == nil })
    }

    @Test func dictDeinitReleasesEverythingEvenMidRehash() {
        var values: [WeakBox<Tracked>] = []
        do {
            let dict = Dict<Tracked>()
            for index in 0..<1025 {
                let value = Tracked(index)
                values.append(WeakBox(object: value))
                dict.insertNew(key: key(index), value: value)
            }
            #expect(dict.isRehashing)
            #expect(values.allSatisfy { $0.object != nil })
        }
        #expect(values.allSatisfy { $0.object == nil })
    }

    /// A caller may keep an entry it found or removed; it stays valid after the dict lets go.
    @Test func entriesOutliveTheirRemoval() throws {
        let dict = Dict<Tracked>()
        for index in 0..<100 { dict.insertNew(key: key(index), value: Tracked(index)) }
        let found = try #require(dict.find(key(7)))
        let removed = try #require(dict.remove(key(8)))
        dict.removeAll()
        #expect(found.key == key(7))
        #expect(found.value.id == 7)
        #expect(removed.key == key(8))
        #expect(removed.value.id == 8)
        #expect(found.withKey { Array($0) } == key(7))
    }

    @Test func keysOfEveryLengthRoundTrip() {
        let dict = Dict<Int>()
        let keys: [[UInt8]] = (0..<300).map { length in (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ length) } }
        for (index, k) in keys.enumerated() { dict.insertNew(key: k, value: index) }
        for (index, k) in keys.enumerated() {
            #expect(dict.find(k)?.value == index)
            #expect(dict.find(k)?.key == k)
        }
        #expect(dict.allKeys == Set(keys))
    }
}
