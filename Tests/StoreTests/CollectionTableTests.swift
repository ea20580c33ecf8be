import Testing
import TestSupport
@testable import Store

/// The hashtable encodings' tables (MemberTable, FieldTable, ZSet's node table) against Swift
/// Set/Dictionary models: random operations, member and value lengths across the header and
/// slab/malloc boundaries, in-place versus moved HSET values, SCAN completeness, and every block
/// going back to the slab when a table dies.
@Suite struct CollectionTableTests {
    /// Lengths that cross the one-byte length header (255) and the slab's largest block (1024).
    static let lengths = [0, 1, 3, 7, 16, 100, 254, 255, 256, 1000, 1019, 1020, 1023, 1024, 1025, 3000]

    static func randomBytes<G: RandomNumberGenerator>(_ length: Int, using generator: inout G) -> [UInt8] {
        (0..<length).map { _ in UInt8.random(in: 97...100, using: &generator) }
    }

    static func member<G: RandomNumberGenerator>(using generator: inout G) -> [UInt8] {
        if Int.random(in: 0..<10, using: &generator) == 0 {
            return randomBytes(lengths.randomElement(using: &generator)!, using: &generator)
        }
        return bytes("m:\(Int.random(in: 0..<600, using: &generator))")
    }

    // MARK: sets

    @Test func memberTableAgreesWithASet() {
        let baseline = RecordSlab.shared.liveBlocks
        var generator = SeededGenerator(seed: 11)
        do {
            let table = MemberTable()
            var model = Set<[UInt8]>()
            for _ in 0..<20_000 {
                let member = Self.member(using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0, 1:
                    let added = member.withUnsafeBytes { table.insert($0) }
                    #expect(added == model.insert(member).inserted)
                default:
                    let removed = member.withUnsafeBytes { table.remove($0) }
                    #expect(removed == (model.remove(member) != nil))
                }
                #expect(table.count == model.count)
            }
            for member in model { #expect(member.withUnsafeBytes { table.contains($0) }) }
            #expect(!bytes("absent").withUnsafeBytes { table.contains($0) })
            var seen = Set<[UInt8]>()
            table.forEach { seen.insert([UInt8]($0)) }
            #expect(seen == model)
            var random = SeededGenerator(seed: 5)
            for _ in 0..<100 {
                #expect(model.contains(table.withRandomMember(using: &random) { [UInt8]($0) }))
            }
            // Every length, including the long-header and malloc'd ones, round-trips exactly.
            for length in Self.lengths {
                let member = [UInt8](repeating: 0x7A, count: length) + [UInt8(length & 0xFF)]
                #expect(member.withUnsafeBytes { table.insert($0) })
                #expect(member.withUnsafeBytes { table.contains($0) })
                #expect(!member.withUnsafeBytes { table.insert($0) })
            }
            #expect(RecordSlab.shared.liveBlocks > baseline)
        }
        #expect(RecordSlab.shared.liveBlocks == baseline)
    }

    @Test func memberScanReturnsEveryMemberOfAStableTable() {
        let table = MemberTable()
        var model = Set<[UInt8]>()
        for index in 0..<5_000 {
            let member = key(index)
            model.insert(member)
            member.withUnsafeBytes { _ = table.insert($0) }
        }
        var seen: [[UInt8]: Int] = [:]
        var cursor: UInt64 = 0
        var calls = 0
        repeat {
            cursor = table.scan(cursor) { seen[[UInt8]($0), default: 0] += 1 }
            calls += 1
        } while cursor != 0 && calls < 1_000_000
        #expect(cursor == 0)
        #expect(Set(seen.keys) == model)
        #expect(seen.values.allSatisfy { $0 == 1 })
    }

    @Test func memberScanSurvivesGrowthAndShrinkBetweenCalls() {
        let table = MemberTable()
        let stable = (0..<300).map { bytes("stable:\($0)") }
        for member in stable { member.withUnsafeBytes { _ = table.insert($0) } }
        var seen = Set<[UInt8]>()
        var cursor: UInt64 = 0
        var step = 0
        repeat {
            cursor = table.scan(cursor) { seen.insert([UInt8]($0)) }
            step += 1
            // Grow hard, then shrink back: the table resizes (and rehashes) under the cursor.
            if step < 20 {
                for index in 0..<200 { bytes("extra:\(step):\(index)").withUnsafeBytes { _ = table.insert($0) } }
            } else if step < 40 {
                for index in 0..<200 { bytes("extra:\(step - 20):\(index)").withUnsafeBytes { _ = table.remove($0) } }
            }
        } while cursor != 0
        for member in stable { #expect(seen.contains(member)) }
    }

    @Test func setTypeConversionKeepsMembers() {
        let object = SetType.createIntset()
        for value in 0..<100 { _ = SetType.add(object, integer: Int64(value), maxIntsetEntries: 512) }
        SetType.convertToTable(object)
        #expect(object.encoding == .hashtable)
        #expect(SetType.size(object) == 100)
        for value in 0..<100 { #expect(bytes("\(value)").withUnsafeBytes { SetType.contains(object, $0) }) }
        let copy = SetType.duplicate(object)
        #expect(SetType.size(copy) == 100)
        #expect(Set(SetType.members(copy)) == Set(SetType.members(object)))
    }

    // MARK: hashes

    @Test func fieldTableAgreesWithADictionary() {
        let baseline = RecordSlab.shared.liveBlocks
        var generator = SeededGenerator(seed: 23)
        do {
            let table = FieldTable()
            var model: [[UInt8]: [UInt8]] = [:]
            for _ in 0..<20_000 {
                let field = Self.member(using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0, 1, 2:
                    let length = Int.random(in: 0..<4, using: &generator) == 0
                        ? Self.lengths.randomElement(using: &generator)! : Int.random(in: 0..<20, using: &generator)
                    let value = Self.randomBytes(length, using: &generator)
                    let updated = field.withUnsafeBytes { f in value.withUnsafeBytes { table.set(f, $0) } }
                    #expect(updated == (model.updateValue(value, forKey: field) != nil))
                default:
                    let removed = field.withUnsafeBytes { table.remove($0) }
                    #expect(removed == (model.removeValue(forKey: field) != nil))
                }
                #expect(table.count == model.count)
            }
            for (field, value) in model {
                #expect(field.withUnsafeBytes { table.value($0).map { [UInt8]($0) } } == value)
                #expect(field.withUnsafeBytes { table.contains($0) })
            }
            var seen: [[UInt8]: [UInt8]] = [:]
            table.forEach { field, value in seen[[UInt8](field)] = [UInt8](value) }
            #expect(seen == model)
            var scanned: [[UInt8]: [UInt8]] = [:]
            var cursor: UInt64 = 0
            repeat {
                cursor = table.scan(cursor) { field, value in scanned[[UInt8](field)] = [UInt8](value) }
            } while cursor != 0
            #expect(scanned == model)
            var random = SeededGenerator(seed: 9)
            for _ in 0..<100 {
                let (field, value) = table.withRandomPair(using: &random) { ([UInt8]($0), [UInt8]($1)) }
                #expect(model[field] == value)
            }
        }
        #expect(RecordSlab.shared.liveBlocks == baseline)
    }

    func block(_ table: FieldTable, _ field: [UInt8]) -> UnsafeMutableRawPointer? {
        field.withUnsafeBytes { table.table.find($0) }
    }

    func set(_ table: FieldTable, _ field: [UInt8], _ value: [UInt8]) {
        field.withUnsafeBytes { f in value.withUnsafeBytes { _ = table.set(f, $0) } }
    }

    func value(_ table: FieldTable, _ field: [UInt8]) -> [UInt8]? {
        field.withUnsafeBytes { table.value($0).map { [UInt8]($0) } }
    }

    @Test func hsetRewritesInPlaceWhenTheValueFits() {
        let table = FieldTable()
        let field = bytes("key:000000000001")          // 16 bytes: with "abc", 21 bytes in a 24-byte block
        set(table, field, bytes("abc"))
        let first = block(table, field)!
        #expect(SlabAllocator.capacity(of: first) == 24)
        set(table, field, bytes("xyzuv"))              // 23 bytes: still fits
        #expect(block(table, field) == first)
        #expect(value(table, field) == bytes("xyzuv"))
        set(table, field, bytes(""))                   // shrinking stays in place too
        #expect(block(table, field) == first)
        #expect(value(table, field) == [])
        set(table, field, bytes("0123456789"))         // 28 bytes: a new, bigger block
        let moved = block(table, field)!
        #expect(moved != first)
        #expect(SlabAllocator.capacity(of: moved) >= 28)
        #expect(value(table, field) == bytes("0123456789"))
        #expect(table.count == 1)
    }

    @Test func hsetAcrossTheLongHeaderAndMallocBoundaries() {
        let baseline = RecordSlab.shared.liveBlocks
        do {
            let table = FieldTable()
            for fieldLength in [5, 254, 255, 300, 1030] {
                let field = [UInt8](repeating: 0x66, count: fieldLength)
                var previous: UnsafeMutableRawPointer?
                for valueLength in [0, 10, 254, 255, 256, 250, 700, 1100, 2000, 1500, 20, 255, 3] {
                    let value = (0..<valueLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ fieldLength) }
                    set(table, field, value)
                    #expect(self.value(table, field) == value, "field \(fieldLength) value \(valueLength)")
                    #expect(field.withUnsafeBytes { table.contains($0) })
                    let current = block(table, field)!
                    let size = FieldBlock.size(of: current)
                    #expect(size == FieldBlock.size(fieldLength: fieldLength, valueLength: valueLength))
                    if let previous, previous == current, size <= SlabAllocator.largestBlock {
                        #expect(size <= SlabAllocator.capacity(of: current))
                    }
                    previous = current
                }
            }
            #expect(table.count == 5)
        }
        #expect(RecordSlab.shared.liveBlocks == baseline)
    }

    @Test func hashTypeConversionKeepsPairs() {
        let object = HashType.create()
        let limits = HashLimits(maxListpackEntries: 8, maxListpackValue: 64)
        for index in 0..<20 {
            _ = key(index).withUnsafeBytes { HashType.set(object, field: $0, value: .integer(Int64(index)), limits: limits) }
        }
        #expect(object.encoding == .hashtable)
        #expect(HashType.length(object) == 20)
        for index in 0..<20 {
            let text = key(index).withUnsafeBytes { HashType.withValue(object, $0) { $0?.array } }
            #expect(text == bytes("\(index)"))
        }
        let copy = HashType.duplicate(object)
        var pairs: [[UInt8]: [UInt8]] = [:]
        HashType.forEach(copy) { field, value in pairs[field.array] = value.array }
        #expect(pairs.count == 20)
        #expect(pairs[key(7)] == bytes("7"))
    }

    // MARK: sorted sets

    @Test func zsetTableAndListAgreeWithADictionary() {
        let baseline = RecordSlab.shared.liveBlocks
        var generator = SeededGenerator(seed: 31)
        do {
            let limits = ZSetLimits(maxListpackEntries: 0, maxListpackValue: 0)
            let object = ZSetType.createSkiplist()
            var model: [[UInt8]: Double] = [:]
            for _ in 0..<20_000 {
                let member = Self.member(using: &generator)
                let score = Double(Int.random(in: -50...50, using: &generator))
                switch Int.random(in: 0..<5, using: &generator) {
                case 0, 1:
                    _ = member.withUnsafeBytes { ZSetType.add(object, $0, score: score, flags: [], limits: limits) }
                    model[member] = score
                case 2:
                    _ = member.withUnsafeBytes { ZSetType.add(object, $0, score: score, flags: .incr, limits: limits) }
                    model[member, default: 0] += score
                case 3:
                    let removed = member.withUnsafeBytes { ZSetType.remove(object, $0) }
                    #expect(removed == (model.removeValue(forKey: member) != nil))
                default:
                    #expect(member.withUnsafeBytes { ZSetType.score(object, $0) } == model[member])
                }
                let zset = ZSetType.skiplist(object)
                #expect(zset.count == model.count)
                #expect(zset.table.count == model.count)
            }
            // Order and ranks follow (score, member); every member's node is the table's entry.
            let sorted = model.sorted { $0.value < $1.value || ($0.value == $1.value && $0.key.lexicographicallyPrecedes($1.key)) }
            var walked: [([UInt8], Double)] = []
            ZSetType.forEach(object) { member, score in walked.append((member.array, score)) }
            #expect(walked.map { $0.0 } == sorted.map { $0.key })
            #expect(walked.map { $0.1 } == sorted.map { $0.value })
            for (rank, element) in sorted.enumerated() where rank % 37 == 0 {
                #expect(element.key.withUnsafeBytes { ZSetType.rank(object, $0, reverse: false) } == rank)
            }
            let zset = ZSetType.skiplist(object)
            var node = zset.list.first
            while let current = node {
                #expect(zset.find(current.member) == current)
                node = zset.list.next(current)
            }
            var scanned: [[UInt8]: Double] = [:]
            var cursor: UInt64 = 0
            repeat {
                cursor = zset.scan(cursor) { member, score in scanned[[UInt8](member)] = score }
            } while cursor != 0
            #expect(scanned == model)
            // Range removals take members out of the table as well.
            let before = zset.count
            let byRank = ZSetType.removeRange(object, ranks: 0, 9)
            #expect(byRank == Swift.min(10, before))
            for element in sorted.prefix(10) { #expect(element.key.withUnsafeBytes { zset.find($0) } == nil) }
            #expect(zset.table.count == zset.count)
            let byScore = ZSetType.removeRange(object, ZScoreRange(min: -10, max: 10, minExclusive: false, maxExclusive: false))
            #expect(byScore > 0)
            #expect(zset.table.count == zset.count)
            #expect(zset.count == before - byRank - byScore)
            ZSetType.forEach(object) { member, score in
                #expect(!(score >= -10 && score <= 10))
                #expect(member.withBytes { zset.score($0) } == score)
            }
            object.release()
        }
        #expect(RecordSlab.shared.liveBlocks == baseline)
    }

    // MARK: defragmentation

    @Test func defragmentMovesElementBlocksOutOfEvacuatingPages() {
        let slab = RecordSlab.shared
        var generator = SeededGenerator(seed: 47)
        let set = MemberTable()
        let hash = FieldTable()
        let zset = ZSet()
        var members = Set<[UInt8]>()
        var scores: [[UInt8]: Double] = [:]
        for index in 0..<30_000 {
            let member = bytes("defrag:\(index)")
            member.withUnsafeBytes { m in
                _ = set.insert(m)
                _ = hash.set(m, m)
                zset.insertNew(m, score: Double(index % 100))
            }
            members.insert(member)
            scores[member] = Double(index % 100)
        }
        // Leave the pages sparse: remove three members in four.
        for member in Array(members) where Int.random(in: 0..<4, using: &generator) != 0 {
            member.withUnsafeBytes { m in
                _ = set.remove(m)
                _ = hash.remove(m)
                _ = zset.remove(m)
            }
            members.remove(member)
            scores[member] = nil
        }
        #expect(slab.beginCompaction(maxUtilization: 0.5) > 0)
        let moved = set.defragment() + hash.defragment() + zset.defragment()
        #expect(moved > 0)
        set.forEach { #expect(!slab.shouldMove($0.baseAddress!)) }
        hash.table.forEach { #expect(!slab.shouldMove($0)) }
        var node = zset.list.first
        var previous: ZNode?
        var walked: [[UInt8]] = []
        while let current = node {
            #expect(!slab.shouldMove(current.base))
            #expect(zset.list.previous(current) == previous)
            #expect(zset.find(current.member) == current)
            walked.append([UInt8](current.member))
            previous = current
            node = zset.list.next(current)
        }
        #expect(zset.list.last == previous)
        slab.endCompaction()
        let sorted = scores.sorted { $0.value < $1.value || ($0.value == $1.value && $0.key.lexicographicallyPrecedes($1.key)) }
        #expect(walked == sorted.map { $0.key })
        for (rank, element) in sorted.enumerated() where rank % 101 == 0 {
            #expect(element.key.withUnsafeBytes { zset.list.rank(score: element.value, member: $0) } == rank + 1)
            #expect(zset.list.node(atRank: rank + 1)?.member.elementsEqual(element.key) == true)
        }
        var seen = Set<[UInt8]>()
        set.forEach { seen.insert([UInt8]($0)) }
        #expect(seen == members)
        for member in members {
            #expect(member.withUnsafeBytes { hash.value($0).map { [UInt8]($0) } } == member)
        }
    }
}
