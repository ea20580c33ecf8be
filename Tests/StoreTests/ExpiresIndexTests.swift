import Testing
@testable import Store
import TestSupport

/// The expires index: a dense array of records, each knowing its position.
@Suite(.serialized) struct ExpiresIndexTests {
    private func positionsProblem(_ index: ExpiresIndex, expected: Set<UnsafeMutableRawPointer>) -> String? {
        if index.count != expected.count { return "count \(index.count), expected \(expected.count)" }
        var seen = Set<UnsafeMutableRawPointer>()
        for position in 0..<index.count {
            let record = index[position]
            if KeyRecord.expiresPosition(record) != position { return "position \(position) says \(KeyRecord.expiresPosition(record))" }
            if !expected.contains(record) { return "position \(position) holds a record not in the index" }
            if !seen.insert(record).inserted { return "position \(position) repeats a record" }
        }
        return nil
    }

    @Test func addRemoveReplaceKeepPositions() {
        let slab = RecordSlab.shared
        let liveBefore = slab.liveBlocks
        var generator = SeededGenerator(seed: 11)
        var index = ExpiresIndex()
        var members = Set<UnsafeMutableRawPointer>()
        var outside: [UnsafeMutableRawPointer] = []
        func newRecord(_ n: Int) -> UnsafeMutableRawPointer {
            key(n).withUnsafeBytes { KeyRecord.allocate(key: $0, valueLength: 8, expireSlot: true, slab: slab) }
        }
        for n in 0..<2000 { outside.append(newRecord(n)) }
        var peak = 0
        for step in 0..<40_000 {
            let roll = Int.random(in: 0..<10, using: &generator)
            if roll < 4, let record = outside.popLast() {
                index.add(record)
                members.insert(record)
                #expect(KeyRecord.expiresPosition(record) == index.count - 1)
                #expect(index[index.count - 1] == record)
            } else if roll < 8, let record = members.randomElement(using: &generator) {
                index.remove(record)
                members.remove(record)
                outside.append(record)
            } else if let record = members.randomElement(using: &generator) {
                // The record moves (relocate keeps the expire slot contents): the slot follows it.
                let position = KeyRecord.expiresPosition(record)
                let moved = KeyRecord.relocate(record, key: KeyRecord.key(record), expireSlot: true, slab: slab)
                KeyRecord.setExpiresPosition(moved, position)
                index.replace(record, with: moved)
                KeyRecord.freeBlock(record, slab: slab)
                members.remove(record)
                members.insert(moved)
                #expect(index[position] == moved)
            }
            peak = max(peak, index.count)
            if step % 2000 == 0 {
                let problem = positionsProblem(index, expected: members)
                #expect(problem == nil, "step \(step)")
            }
        }
        #expect(positionsProblem(index, expected: members) == nil)
        // Drain it: the array shrinks as it empties.
        let grownBytes = index.memoryBytes
        for record in members {
            index.remove(record)
            outside.append(record)
        }
        #expect(index.count == 0)
        #expect(index.memoryBytes < grownBytes || grownBytes <= 16 * 8)
        #expect(index.memoryBytes <= 32 * 8)
        index.removeAll()
        #expect(index.memoryBytes == 0)
        for record in outside { KeyRecord.freeBlock(record, slab: slab) }
        #expect(slab.liveBlocks == liveBefore)
        #expect(peak > 100)
    }

    @Test func removingTheLastAndOnlyEntries() {
        let slab = RecordSlab.shared
        var index = ExpiresIndex()
        let records = (0..<3).map { n in
            key(n).withUnsafeBytes { KeyRecord.allocate(key: $0, valueLength: 0, expireSlot: true, slab: slab) }
        }
        for record in records { index.add(record) }
        index.remove(records[2])                 // the last one
        #expect(index.count == 2)
        #expect(KeyRecord.expiresPosition(records[0]) == 0 && KeyRecord.expiresPosition(records[1]) == 1)
        index.remove(records[0])                 // the first: the last moves into its place
        #expect(index.count == 1)
        #expect(index[0] == records[1])
        #expect(KeyRecord.expiresPosition(records[1]) == 0)
        index.remove(records[1])
        #expect(index.count == 0)
        index.add(records[2])
        #expect(index[0] == records[2] && KeyRecord.expiresPosition(records[2]) == 0)
        index.removeAll()
        for record in records { KeyRecord.freeBlock(record, slab: slab) }
    }

    /// ≥50k random TTL operations on a Database, checked against a dictionary model.
    @Test func randomTTLOperationsAgainstAModel() {
        let liveBefore = RecordSlab.shared.liveBlocks
        var generator = SeededGenerator(seed: 0xE1)
        let db = Database(id: 0)
        var model: [[UInt8]: (value: [UInt8], ttl: Int64?)] = [:]
        let pool: [[UInt8]] = (0..<400).map { n in
            n % 50 == 0 ? bytes("long:\(n):") + [UInt8](repeating: UInt8(ascii: "z"), count: 250 + n) : key(n)
        }
        func randomValue() -> [UInt8] {
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: return bytes(String(Int.random(in: 0..<20_000, using: &generator)))
            case 1: return bytes("v")
            case 2: return [UInt8](repeating: 97, count: Int.random(in: 0...60, using: &generator))
            case 3: return [UInt8](repeating: 98, count: Int.random(in: 200...300, using: &generator))
            case 4: return bytes(String(Int64.random(in: Int64.min...Int64.max, using: &generator)))
            default: return bytes("value-\(Int.random(in: 0..<1000, using: &generator))")
            }
        }
        for name in pool where Bool.random(using: &generator) {
            let value = randomValue()
            name.withUnsafeBytes { k in value.withUnsafeBytes { v in _ = db.storeString(k, v, allowSharedIntegers: true) } }
            model[name] = (value, nil)
        }
        var failures = 0
        let operations = 60_000
        for step in 0..<operations {
            let name = pool.randomElement(using: &generator)!
            let present = model[name] != nil
            switch Int.random(in: 0..<10, using: &generator) {
            case 0, 1, 2:
                let when = Int64.random(in: 1...1_000_000, using: &generator)
                name.withUnsafeBytes { db.setExpire($0, at: when) }
                if present { model[name]!.ttl = when }
            case 3, 4:
                let removed = name.withUnsafeBytes { db.removeExpire($0) }
                let had = model[name]?.ttl != nil
                if removed != had { failures += 1 }
                if present { model[name]!.ttl = nil }
            case 5:
                let deleted = name.withUnsafeBytes { db.delete($0) }
                if deleted != present { failures += 1 }
                model[name] = nil
            case 6:
                guard present else { continue }
                let target = pool.randomElement(using: &generator)!
                guard model[target] == nil else { continue }
                name.withUnsafeBytes { a in target.withUnsafeBytes { b in db.rename(a, to: b, in: db) } }
                model[target] = model[name]
                model[name] = nil
            case 7:
                let value = randomValue()
                let keepTTL = Bool.random(using: &generator)
                name.withUnsafeBytes { k in _ = db.set(k, RedisObject.string(value), keepTTL: keepTTL) }
                model[name] = (value, keepTTL ? model[name]?.ttl : nil)
            default:
                let value = randomValue()
                let keepTTL = Bool.random(using: &generator)
                name.withUnsafeBytes { k in
                    value.withUnsafeBytes { v in _ = db.storeString(k, v, allowSharedIntegers: true, keepTTL: keepTTL) }
                }
                model[name] = (value, keepTTL ? model[name]?.ttl : nil)
            }
            if let entry = model[name] {
                if db.ttl(name) != entry.ttl || db.value(name) != entry.value { failures += 1 }
            } else if db.object(name) != nil {
                failures += 1
            }
            if step % 100 == 0 && db.expiresCount != model.values.lazy.filter({ $0.ttl != nil }).count { failures += 1 }
            if step % 5000 == 0 || step == operations - 1 {
                let problem = db.expiresIndexProblem()
                #expect(problem == nil, "step \(step)")
                if problem != nil { break }
            }
            if failures > 0 {
                Issue.record("model mismatch at step \(step) on \(String(decoding: name, as: UTF8.self))")
                break
            }
        }
        #expect(failures == 0)
        #expect(db.count == model.count)
        for (name, entry) in model {
            #expect(db.ttl(name) == entry.ttl)
            #expect(db.value(name) == entry.value)
        }
        #expect(db.expiresIndexProblem() == nil)
        db.removeAll()
        #expect(db.expiresCount == 0)
        #expect(RecordSlab.shared.liveBlocks == liveBefore)
    }
}
