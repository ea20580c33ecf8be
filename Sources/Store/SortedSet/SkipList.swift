import Glibc

// The ordered half of a skiplist-encoded sorted set (t_zset.c's zskiplist): elements sorted by
// score, then by member bytes, with a span on every forward link so that rank lookups and
// rank-addressed ranges cost O(log N). Levels are drawn with p = 1/4 up to 32, as Redis does.
//
// Nodes are single element blocks (ElementBlock: slab blocks, malloc'd past the slab's largest
// class) outside Swift's reference counting: a 24-byte header (score, backward link, member
// length, level), `level` pairs of (forward link, span), then the member's bytes. The member is
// stored only here: ZSet's hashtable holds the node pointers themselves and finds members by
// reading them out of the nodes. A chain of a million class instances would also release
// recursively and overflow the stack; raw nodes freed in a loop cannot.

/// A handle on one node; the skiplist owns the memory.
public struct ZNode: Equatable {
    public let base: UnsafeMutableRawPointer

    @inlinable init(_ base: UnsafeMutableRawPointer) { self.base = base }

    @usableFromInline static let headerSize = 24
    @usableFromInline static let levelSize = 16

    @inlinable public var score: Double {
        get { base.load(as: Double.self) }
        nonmutating set { base.storeBytes(of: newValue, as: Double.self) }
    }

    @inlinable var backward: ZNode? {
        get { base.load(fromByteOffset: 8, as: UnsafeMutableRawPointer?.self).map(ZNode.init) }
        nonmutating set { base.storeBytes(of: newValue?.base, toByteOffset: 8, as: UnsafeMutableRawPointer?.self) }
    }

    @inlinable var memberLength: Int { Int(base.load(fromByteOffset: 16, as: UInt32.self)) }
    @inlinable var level: Int { Int(base.load(fromByteOffset: 20, as: UInt32.self)) }

    @inlinable func forward(_ level: Int) -> ZNode? {
        base.load(fromByteOffset: ZNode.headerSize + level &* ZNode.levelSize, as: UnsafeMutableRawPointer?.self).map(ZNode.init)
    }

    @inlinable func setForward(_ level: Int, _ node: ZNode?) {
        base.storeBytes(of: node?.base, toByteOffset: ZNode.headerSize + level &* ZNode.levelSize, as: UnsafeMutableRawPointer?.self)
    }

    @inlinable func span(_ level: Int) -> Int {
        base.load(fromByteOffset: ZNode.headerSize + level &* ZNode.levelSize + 8, as: Int.self)
    }

    @inlinable func setSpan(_ level: Int, _ span: Int) {
        base.storeBytes(of: span, toByteOffset: ZNode.headerSize + level &* ZNode.levelSize + 8, as: Int.self)
    }

    /// The member's bytes, valid while the node is in the list.
    @inlinable public var member: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + ZNode.headerSize + level &* ZNode.levelSize, count: memberLength)
    }

    static func allocate(level: Int, score: Double, member: UnsafeRawBufferPointer) -> ZNode {
        let size = headerSize + level * levelSize + member.count
        let base = ElementBlock.allocate(size)
        let node = ZNode(base)
        node.score = score
        node.backward = nil
        base.storeBytes(of: UInt32(truncatingIfNeeded: member.count), toByteOffset: 16, as: UInt32.self)
        base.storeBytes(of: UInt32(truncatingIfNeeded: level), toByteOffset: 20, as: UInt32.self)
        for index in 0..<level {
            node.setForward(index, nil)
            node.setSpan(index, 0)
        }
        if member.count > 0 {
            (base + headerSize + level * levelSize).copyMemory(from: member.baseAddress!, byteCount: member.count)
        }
        return node
    }

    /// Bytes the node's contents need (which tells the allocator it came from).
    @inlinable var size: Int { ZNode.headerSize &+ level &* ZNode.levelSize &+ memberLength }

    /// Frees the node's block.
    @inlinable func release() { ElementBlock.free(base, size: size) }

    /// Bytes this node occupies (MEMORY USAGE-style estimates).
    public var allocatedSize: Int { ElementBlock.footprint(base, size: size) }
}

/// Redis's sdscmp: memcmp over the common prefix, then the shorter sorts first.
@inlinable
public func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let common = min(a.count, b.count)
    if common > 0 {
        let result = memcmp(a.baseAddress!, b.baseAddress!, common)
        if result != 0 { return Int(result) }
    }
    return a.count - b.count
}

public final class SkipList {
    public static let maxLevel = 32

    @usableFromInline let header: ZNode
    @usableFromInline var tail: ZNode?
    public private(set) var length = 0
    @usableFromInline var level = 1

    public init() {
        header = ZNode.allocate(level: SkipList.maxLevel, score: 0, member: UnsafeRawBufferPointer(start: nil, count: 0))
    }

    deinit {
        var node = header.forward(0)
        header.release()
        while let current = node {
            node = current.forward(0)
            current.release()
        }
    }

    @inlinable public var first: ZNode? { header.forward(0) }
    @inlinable public var last: ZNode? { tail }

    /// The next node in ascending order.
    @inlinable public func next(_ node: ZNode) -> ZNode? { node.forward(0) }
    /// The previous node (descending walks).
    @inlinable public func previous(_ node: ZNode) -> ZNode? { node.backward }

    // MARK: levels

    /// xorshift64*: the level draw needs speed, not quality; Redis uses random() the same way.
    private static var randomState: UInt64 = UInt64.random(in: 1...UInt64.max)

    static func randomLevel() -> Int {
        var level = 1
        while true {
            randomState ^= randomState >> 12
            randomState ^= randomState << 25
            randomState ^= randomState >> 27
            let value = (randomState &* 0x2545_F491_4F6C_DD1D) >> 48
            // (random() & 0xFFFF) < ZSKIPLIST_P * 0xFFFF, with P = 0.25.
            if value & 0xFFFF < 0xFFFF / 4 && level < maxLevel { level += 1 } else { break }
        }
        return level
    }

    @inlinable
    static func precedes(_ node: ZNode, _ score: Double, _ member: UnsafeRawBufferPointer) -> Bool {
        let nodeScore = node.score
        return nodeScore < score || (nodeScore == score && compareBytes(node.member, member) < 0)
    }

    // MARK: insert and delete

    /// zslInsert: adds an element known to be absent (the dict is the membership test).
    @discardableResult
    public func insert(score: Double, member: UnsafeRawBufferPointer) -> ZNode {
        withUnsafeTemporaryAllocation(of: ZNode.self, capacity: SkipList.maxLevel) { update in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: SkipList.maxLevel) { rank in
                insert(score: score, member: member, update.baseAddress!, rank.baseAddress!)
            }
        }
    }

    private func insert(score: Double, member: UnsafeRawBufferPointer, _ update: UnsafeMutablePointer<ZNode>,
                        _ rank: UnsafeMutablePointer<Int>) -> ZNode {
        var x = header
        for i in stride(from: level - 1, through: 0, by: -1) {
            rank[i] = i == level - 1 ? 0 : rank[i + 1]
            while let next = x.forward(i), SkipList.precedes(next, score, member) {
                rank[i] += x.span(i)
                x = next
            }
            update[i] = x
        }
        let newLevel = SkipList.randomLevel()
        if newLevel > level {
            for i in level..<newLevel {
                rank[i] = 0
                update[i] = header
                header.setSpan(i, length)
            }
            level = newLevel
        }
        let node = ZNode.allocate(level: newLevel, score: score, member: member)
        for i in 0..<newLevel {
            let previous = update[i]
            node.setForward(i, previous.forward(i))
            previous.setForward(i, node)
            node.setSpan(i, previous.span(i) - (rank[0] - rank[i]))
            previous.setSpan(i, rank[0] - rank[i] + 1)
        }
        if newLevel < level {
            for i in newLevel..<level { update[i].setSpan(i, update[i].span(i) + 1) }
        }
        node.backward = update[0] == header ? nil : update[0]
        if let next = node.forward(0) { next.backward = node } else { tail = node }
        length += 1
        return node
    }

    /// zslDeleteNode: unlinks `node` given its predecessors on every level.
    private func unlink(_ node: ZNode, _ update: UnsafeMutablePointer<ZNode>) {
        for i in 0..<level {
            let previous = update[i]
            if previous.forward(i) == node {
                previous.setSpan(i, previous.span(i) + node.span(i) - 1)
                previous.setForward(i, node.forward(i))
            } else {
                previous.setSpan(i, previous.span(i) - 1)
            }
        }
        if let next = node.forward(0) { next.backward = node.backward } else { tail = node.backward }
        while level > 1 && header.forward(level - 1) == nil { level -= 1 }
        length -= 1
    }

    /// Calls `body` with the predecessors of (score, member)'s position on every level.
    private func withPredecessors<R>(_ score: Double, _ member: UnsafeRawBufferPointer,
                                     _ body: (UnsafeMutablePointer<ZNode>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: ZNode.self, capacity: SkipList.maxLevel) { buffer in
            let update = buffer.baseAddress!
            var x = header
            for i in stride(from: level - 1, through: 0, by: -1) {
                while let next = x.forward(i), SkipList.precedes(next, score, member) { x = next }
                update[i] = x
            }
            return body(update)
        }
    }

    /// zslDelete: removes the element with this score and member; false if absent.
    @discardableResult
    public func delete(score: Double, member: UnsafeRawBufferPointer) -> Bool {
        withPredecessors(score, member) { update in
            guard let node = update[0].forward(0), node.score == score, compareBytes(node.member, member) == 0 else {
                return false
            }
            unlink(node, update)
            node.release()
            return true
        }
    }

    /// zslUpdateScore: moves an element to its new score, in place when its position holds.
    @discardableResult
    public func updateScore(member: UnsafeRawBufferPointer, from current: Double, to newScore: Double) -> ZNode {
        let (node, unlinked) = withPredecessors(current, member) { update -> (ZNode, Bool) in
            let node = update[0].forward(0)!
            if (node.backward == nil || node.backward!.score < newScore)
                && (node.forward(0) == nil || node.forward(0)!.score > newScore) {
                node.score = newScore
                return (node, false)
            }
            unlink(node, update)
            return (node, true)
        }
        if !unlinked { return node }
        let moved = insert(score: newScore, member: member)
        node.release()
        return moved
    }

    // MARK: ranks

    /// zslGetRank: the 1-based rank of (score, member), 0 when absent.
    public func rank(score: Double, member: UnsafeRawBufferPointer) -> Int {
        var rank = 0
        var x = header
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let next = x.forward(i),
                  next.score < score || (next.score == score && compareBytes(next.member, member) <= 0) {
                rank += x.span(i)
                x = next
            }
            if x != header && compareBytes(x.member, member) == 0 { return rank }
        }
        return 0
    }

    /// zslGetElementByRank: the node at 1-based `rank`.
    public func node(atRank rank: Int) -> ZNode? {
        var traversed = 0
        var x = header
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let next = x.forward(i), traversed + x.span(i) <= rank {
                traversed += x.span(i)
                x = next
            }
            if traversed == rank { return x == header ? nil : x }
        }
        return nil
    }

    // MARK: ranges

    /// zslIsInRange / zslIsInLexRange: whether any element can fall in `range`.
    public func intersects<R: ZRangeSpec>(_ range: R) -> Bool {
        if range.isEmpty { return false }
        guard let last = tail, range.aboveMin(last), let first = header.forward(0), range.belowMax(first) else {
            return false
        }
        return true
    }

    /// zslFirstInRange / zslFirstInLexRange.
    public func firstInRange<R: ZRangeSpec>(_ range: R) -> ZNode? {
        guard intersects(range) else { return nil }
        var x = header
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let next = x.forward(i), !range.aboveMin(next) { x = next }
        }
        guard let node = x.forward(0), range.belowMax(node) else { return nil }
        return node
    }

    /// zslLastInRange / zslLastInLexRange.
    public func lastInRange<R: ZRangeSpec>(_ range: R) -> ZNode? {
        guard intersects(range) else { return nil }
        var x = header
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let next = x.forward(i), range.belowMax(next) { x = next }
        }
        guard x != header, range.aboveMin(x) else { return nil }
        return x
    }

    // MARK: range deletion

    /// zslDeleteRangeByScore / ByLex / ByRank: removes a run of consecutive elements starting
    /// after the predecessors found by `isBefore`, while `inRange` holds (and at most `limit`);
    /// `removed` sees each member before its node is freed.
    private func deleteRun(isBefore: (ZNode) -> Bool, inRange: (ZNode) -> Bool, limit: Int,
                           removed: (UnsafeRawBufferPointer) -> Void) -> Int {
        withUnsafeTemporaryAllocation(of: ZNode.self, capacity: SkipList.maxLevel) { buffer in
            let update = buffer.baseAddress!
            var x = header
            for i in stride(from: level - 1, through: 0, by: -1) {
                while let next = x.forward(i), isBefore(next) { x = next }
                update[i] = x
            }
            var count = 0
            var node = x.forward(0)
            while let current = node, count < limit, inRange(current) {
                node = current.forward(0)
                unlink(current, update)
                removed(current.member)
                current.release()
                count += 1
            }
            return count
        }
    }

    /// zslDeleteRangeByScore / zslDeleteRangeByLex.
    public func deleteRange<R: ZRangeSpec>(_ range: R, removed: (UnsafeRawBufferPointer) -> Void) -> Int {
        deleteRun(isBefore: { !range.aboveMin($0) }, inRange: { range.belowMax($0) }, limit: Int.max, removed: removed)
    }

    /// Removes 1-based ranks start...end.
    public func deleteRange(ranks start: Int, _ end: Int, removed: (UnsafeRawBufferPointer) -> Void) -> Int {
        withUnsafeTemporaryAllocation(of: ZNode.self, capacity: SkipList.maxLevel) { buffer in
            let update = buffer.baseAddress!
            var traversed = 0
            var x = header
            for i in stride(from: level - 1, through: 0, by: -1) {
                while let next = x.forward(i), traversed + x.span(i) < start {
                    traversed += x.span(i)
                    x = next
                }
                update[i] = x
            }
            var count = 0
            var rank = traversed + 1
            var node = x.forward(0)
            while let current = node, rank <= end {
                node = current.forward(0)
                unlink(current, update)
                removed(current.member)
                current.release()
                count += 1
                rank += 1
            }
            return count
        }
    }

    // MARK: defragmentation

    /// Moves every node (but the header) that lives in an evacuating slab page to a new block,
    /// walking level 0 with the last node seen on each level, which are the moved node's
    /// predecessors. `relocated` sees each (old, new) pair before the old block is freed.
    /// Returns how many nodes moved.
    func defragment(_ relocated: (ZNode, ZNode) -> Void) -> Int {
        withUnsafeTemporaryAllocation(of: ZNode.self, capacity: SkipList.maxLevel) { buffer in
            let update = buffer.baseAddress!
            for i in 0..<SkipList.maxLevel { (update + i).initialize(to: header) }
            var moved = 0
            var node = header.forward(0)
            while let current = node {
                var x = current
                let size = current.size
                if size <= SlabAllocator.largestBlock && RecordSlab.shared.shouldMove(current.base) {
                    let fresh = ZNode(RecordSlab.shared.allocate(size))
                    fresh.base.copyMemory(from: current.base, byteCount: size)
                    for i in 0..<current.level { update[i].setForward(i, fresh) }
                    if let next = current.forward(0) { next.backward = fresh } else { tail = fresh }
                    relocated(current, fresh)
                    RecordSlab.shared.deallocate(current.base)
                    x = fresh
                    moved += 1
                }
                for i in 0..<x.level { update[i] = x }
                node = x.forward(0)
            }
            return moved
        }
    }

    /// The header node's footprint (MEMORY USAGE counts it whole, then samples the others).
    public var headerBytes: Int { header.allocatedSize }

    /// Bytes held by nodes (walks every node).
    public var allocatedBytes: Int {
        var total = header.allocatedSize
        var node = header.forward(0)
        while let current = node {
            total += current.allocatedSize
            node = current.forward(0)
        }
        return total
    }
}
