import Glibc

// DEBUG HTSTATS's figures in dict.c's dictGetStats layout. A "slot" is a top-level bucket and its
// chain length counts the entries in the bucket and in the child buckets hanging off it, so the
// figures describe Apus's bucketed table (seven entries per cache line) with Redis's words.

/// A chain-length histogram in _dictGetStatsHt's text form.
public struct TableStats {
    static let vectorLength = 50

    public var size = 0
    public var elements = 0
    /// clvector: how many slots hold a chain of each length (the last counts all longer ones).
    var chains = [Int](repeating: 0, count: TableStats.vectorLength)

    public init(size: Int, elements: Int) {
        self.size = size
        self.elements = elements
    }

    /// Counts `slots` slots (one by default) whose chains are `chainLength` long.
    public mutating func addSlot(chainLength: Int, count slots: Int = 1) {
        chains[Swift.min(chainLength, TableStats.vectorLength - 1)] += slots
    }

    /// "Hash table N stats (main hash table|rehashing target): ..." as Redis prints it.
    public func text(index: Int) -> String {
        var out = "Hash table \(index) stats (\(index == 0 ? "main hash table" : "rehashing target")):\n"
        guard elements > 0 else { return out + "No stats available for empty dictionaries\n" }
        var slots = 0, total = 0, longest = 0
        for (length, slotCount) in chains.enumerated() where length > 0 && slotCount > 0 {
            slots += slotCount
            total += length * slotCount
            longest = length
        }
        out += " table size: \(size)\n number of elements: \(elements)\n different slots: \(slots)\n"
        out += " max chain length: \(longest)\n"
        out += " avg chain length (counted): \(Self.fixed2(Double(Float(total) / Float(slots))))\n"
        out += " avg chain length (computed): \(Self.fixed2(Double(Float(elements) / Float(slots))))\n"
        out += " Chain length distribution:\n"
        for length in 0..<(TableStats.vectorLength - 1) where chains[length] > 0 {
            let share = Double(Float(chains[length]) / Float(size) * 100)
            out += "   \(length): \(chains[length]) (\(Self.fixed2(share))%)\n"
        }
        return out
    }

    public static func fixed2(_ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.02f", $0) }
        return String(cString: buffer)
    }
}

extension Hashtable {
    /// dictGetStats: the main table, then the rehash target while one exists.
    public func statsText() -> String {
        var out = Self.stats(main).text(index: 0)
        if isRehashing { out += Self.stats(target).text(index: 1) }
        return out
    }

    static func stats(_ table: HashtableTable) -> TableStats {
        var stats = TableStats(size: table.size, elements: table.used)
        for index in 0..<table.size {
            var bucket: HashtableBucket? = table.bucket(index)
            var length = 0
            while let current = bucket {
                length += (current.presence & current.slotMask).nonzeroBitCount
                bucket = current.child
            }
            stats.addSlot(chainLength: length)
        }
        return stats
    }
}

extension Database {
    /// DEBUG HTSTATS <db>: the keys' table, then the expires index, which is a dense array of
    /// record pointers — one key per slot, so every used slot is a chain of one.
    public func statsText() -> String {
        var out = "[Dictionary HT]\n" + table.statsText()
        var expiresStats = TableStats(size: expires.capacity, elements: expires.count)
        expiresStats.addSlot(chainLength: 0, count: expires.capacity - expires.count)
        expiresStats.addSlot(chainLength: 1, count: expires.count)
        out += "[Expires HT]\n" + expiresStats.text(index: 0)
        return out
    }
}

extension FieldTable {
    public func statsText() -> String { table.statsText() }
}

extension MemberTable {
    public func statsText() -> String { table.statsText() }
}

extension ZSet {
    public func statsText() -> String { table.statsText() }
}
