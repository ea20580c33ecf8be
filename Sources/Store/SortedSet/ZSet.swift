import Glibc
import Util

// The sorted set type's two encodings (t_zset.c, Redis 7.0):
//  - listpack: member and score as consecutive entries, pairs sorted by (score, member); the
//    score is stored as Redis's d2string text (an integer entry when it is integral), so the
//    bytes are those an RDB file holds for RDB_TYPE_ZSET_LISTPACK;
//  - skiplist: a SkipList for order and rank, beside a Hashtable for O(1) ZSCORE whose entries are
//    the skiplist's nodes themselves (their member bytes are the key, the score is read from
//    the node), so each member is stored once.
// A set starts as a listpack and converts once it has more than zset-max-listpack-entries members
// or a member longer than zset-max-listpack-value bytes. Only the *STORE commands build a new
// value that may go back to a listpack.

/// The table's view of a skiplist node: its member bytes.
public enum ZNodeEntry: HashtableEntry {
    @inlinable @inline(__always)
    public static func key(of entry: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer {
        ZNode(entry).member
    }
}

/// The skiplist encoding's payload: the table answers "which node holds m" (and so its score),
/// the list keeps order. The list owns and frees the nodes; a node leaves the table before the
/// list frees it.
public final class ZSet {
    @usableFromInline let table = Hashtable<ZNodeEntry>()
    public let list = SkipList()

    public init() {}

    /// A table sized up front for `capacity` members (an RDB zset's saved length: dictExpand).
    public init(capacity: Int) {
        if capacity > 0 { table.resize(minimumCapacity: capacity) }
    }

    @inlinable public var count: Int { list.length }

    /// The node holding `member`, nil when absent.
    @inlinable
    public func find(_ member: UnsafeRawBufferPointer) -> ZNode? {
        table.find(member, hash: ByteHash.hash(member)).map(ZNode.init)
    }

    /// The score of `member`, nil when absent.
    @inlinable
    public func score(_ member: UnsafeRawBufferPointer) -> Double? {
        find(member)?.score
    }

    /// zsetAdd for a member known to be absent.
    public func insertNew(_ member: UnsafeRawBufferPointer, score: Double) {
        let node = list.insert(score: score, member: member)
        table.insertNew(node.base, hash: ByteHash.hash(member))
    }

    /// Moves `node` (holding `member`) to `newScore`; the table follows if the list moved it to
    /// a new node.
    public func updateScore(_ node: ZNode, _ member: UnsafeRawBufferPointer, to newScore: Double) {
        let moved = list.updateScore(member: member, from: node.score, to: newScore)
        if moved != node { table.replace(node.base, with: moved.base, hash: ByteHash.hash(member)) }
    }

    /// Removes `member`; returns whether it was there.
    @discardableResult
    public func remove(_ member: UnsafeRawBufferPointer) -> Bool {
        guard let base = table.remove(member, hash: ByteHash.hash(member)) else { return false }
        list.delete(score: ZNode(base).score, member: member)
        return true
    }

    /// Takes a member out of the table while the list removes its node (range deletions).
    @inlinable
    func forget(_ member: UnsafeRawBufferPointer) {
        table.remove(member, hash: ByteHash.hash(member))
    }

    /// One SCAN step over the table (reverse-binary cursor); returns the next cursor, 0 when done.
    @inlinable
    public func scan(_ cursor: UInt64, _ visit: (UnsafeRawBufferPointer, Double) -> Void) -> UInt64 {
        table.scan(cursor) { (base: UnsafeMutableRawPointer) -> Void in
            let node = ZNode(base)
            visit(node.member, node.score)
        }
    }

    /// A random node (the set must not be empty).
    @inlinable
    public func randomNode<G: RandomNumberGenerator>(using generator: inout G) -> ZNode {
        ZNode(table.randomEntry(using: &generator)!)
    }

    /// Active defragmentation: moves the nodes that live in evacuating slab pages, repointing
    /// the list and the table; returns how many moved.
    public func defragment() -> Int {
        guard RecordSlab.shared.isCompacting, count > 0 else { return 0 }
        return list.defragment { old, new in
            table.replace(old.base, with: new.base, hash: ByteHash.hash(new.member))
        }
    }

    /// Bytes of the table's buckets.
    public var tableBytes: Int { table.memoryBytes }
}

/// The conversion thresholds (zset-max-listpack-entries / zset-max-listpack-value).
public struct ZSetLimits {
    public var maxListpackEntries: Int
    public var maxListpackValue: Int
    public init(maxListpackEntries: Int, maxListpackValue: Int) {
        self.maxListpackEntries = maxListpackEntries
        self.maxListpackValue = maxListpackValue
    }
}

/// ZADD's options (ZADD_IN_*).
public struct ZAddFlags: OptionSet {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let incr = ZAddFlags(rawValue: 1 << 0)
    public static let nx = ZAddFlags(rawValue: 1 << 1)
    public static let xx = ZAddFlags(rawValue: 1 << 2)
    public static let gt = ZAddFlags(rawValue: 1 << 3)
    public static let lt = ZAddFlags(rawValue: 1 << 4)
}

/// What zsetAdd did (ZADD_OUT_*), with the resulting score where one was computed.
public enum ZAddResult {
    /// The score, or the increment's result, is NaN: nothing changed.
    case nan
    /// NX on an existing member, XX on a missing one, or GT/LT refusing the new score.
    case skipped
    case added(Double)
    case updated(Double)
    /// The member already had this score.
    case unchanged(Double)
}

public enum ZSetType {
    // MARK: creation and access

    public static func createListpack() -> RedisObject {
        RedisObject.collection(.zset, .listpack, Listpack())
    }

    public static func createSkiplist(capacity: Int = 0) -> RedisObject {
        RedisObject.collection(.zset, .skiplist, capacity > 0 ? ZSet(capacity: capacity) : ZSet())
    }

    @inlinable
    public static func listpack(_ object: RedisObject) -> Listpack {
        unsafeDowncast(object.payload!, to: Listpack.self)
    }

    @inlinable
    public static func skiplist(_ object: RedisObject) -> ZSet {
        unsafeDowncast(object.payload!, to: ZSet.self)
    }

    /// ZCARD.
    @inlinable
    public static func length(_ object: RedisObject) -> Int {
        object.encoding == .listpack ? listpack(object).count / 2 : skiplist(object).count
    }

    // MARK: listpack scores

    /// zzlStrtod: a stored score's text back to a double (strtod over at most 127 bytes).
    @inlinable
    static func scoreValue(_ element: ElementValue) -> Double {
        switch element {
        case .integer(let value): return Double(value)
        case .bytes(let text): return parseStoredScore(text)
        }
    }

    @usableFromInline
    static func parseStoredScore(_ text: UnsafeRawBufferPointer) -> Double {
        let length = min(text.count, 127)
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 128) { buffer in
            let start = buffer.baseAddress!
            if length > 0 { UnsafeMutableRawPointer(start).copyMemory(from: text.baseAddress!, byteCount: length) }
            start[length] = 0
            return strtod(start, nil)
        }
    }

    /// How zzlInsertAt writes a score: an integer entry when double2ll says the value is an
    /// integer within ±LLONG_MAX/2 (so -0 is stored as 0), else d2string's text.
    static func withScoreElement<R>(_ score: Double, _ body: (ElementValue) -> R) -> R {
        if score >= -4_611_686_018_427_387_904 && score <= 4_611_686_018_427_387_904 {
            let integer = Int64(score)
            if Double(integer) == score { return body(.integer(integer)) }
        }
        if score.isInfinite {
            let text: StaticString = score > 0 ? "inf" : "-inf"
            return body(.bytes(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)))
        }
        let text = doubleG17Bytes(score)
        return text.withUnsafeBytes { body(.bytes($0)) }
    }

    /// The score stored after the member entry at `offset`.
    @inlinable
    static func scoreAfter(_ lp: Listpack, _ memberOffset: Int) -> (scoreOffset: Int, score: Double) {
        let scoreOffset = lp.next(after: memberOffset)
        return (scoreOffset, lp.withElement(at: scoreOffset) { scoreValue($0) })
    }

    /// zzlFind: the member's entry offset and score.
    static func find(_ lp: Listpack, _ member: UnsafeRawBufferPointer) -> (offset: Int, score: Double)? {
        guard let offset = lp.find(member, from: lp.firstOffset, skip: 1) else { return nil }
        return (offset, scoreAfter(lp, offset).score)
    }

    /// zzlInsert: keeps pairs ordered by score, then member bytes.
    static func insert(_ lp: Listpack, _ member: UnsafeRawBufferPointer, score: Double) {
        var offset = lp.firstOffset
        while !lp.isEnd(offset) {
            let (scoreOffset, current) = scoreAfter(lp, offset)
            if current > score { break }
            if current == score {
                let order = lp.withElement(at: offset) { element in element.withBytes { compareBytes($0, member) } }
                if order > 0 { break }
            }
            offset = lp.next(after: scoreOffset)
        }
        withScoreElement(score) { lp.insert($0, at: offset) }
        lp.insert(.bytes(member), at: offset)
    }

    // MARK: conversion

    /// zsetConvert to a skiplist.
    public static func convertToSkiplist(_ object: RedisObject) {
        guard object.encoding == .listpack else { return }
        let lp = listpack(object)
        let zset = ZSet()
        var offset = lp.firstOffset
        while !lp.isEnd(offset) {
            let (scoreOffset, score) = scoreAfter(lp, offset)
            lp.withElement(at: offset) { element in element.withBytes { zset.insertNew($0, score: score) } }
            offset = lp.next(after: scoreOffset)
        }
        object.payload = zset
        object.encoding = .skiplist
    }

    /// zsetConvert to a listpack.
    public static func convertToListpack(_ object: RedisObject) {
        guard object.encoding == .skiplist else { return }
        let zset = skiplist(object)
        let lp = Listpack()
        var node = zset.list.first
        while let current = node {
            lp.append(.bytes(current.member))
            withScoreElement(current.score) { lp.append($0) }
            node = zset.list.next(current)
        }
        object.payload = lp
        object.encoding = .listpack
    }

    /// zsetConvertToListpackIfNeeded: a freshly built skiplist that fits goes back to a listpack.
    public static func convertToListpackIfNeeded(_ object: RedisObject, maxElementLength: Int, limits: ZSetLimits) {
        guard object.encoding == .skiplist else { return }
        if skiplist(object).count <= limits.maxListpackEntries && maxElementLength <= limits.maxListpackValue {
            convertToListpack(object)
        }
    }

    // MARK: single elements

    /// ZSCORE.
    public static func score(_ object: RedisObject, _ member: UnsafeRawBufferPointer) -> Double? {
        if object.encoding == .listpack { return find(listpack(object), member)?.score }
        return skiplist(object).score(member)
    }

    /// zsetAdd's rules for a member already present at `current`: NX leaves it, INCR adds to
    /// it, GT/LT may refuse the new score. Returns the outcome, and the score to store when it
    /// changes.
    static func update(current: Double, requested: Double, flags: ZAddFlags) -> (ZAddResult, Double?) {
        if flags.contains(.nx) { return (.skipped, nil) }
        var score = requested
        if flags.contains(.incr) {
            score += current
            if score.isNaN { return (.nan, nil) }
        }
        if (flags.contains(.lt) && score >= current) || (flags.contains(.gt) && score <= current) {
            return (.skipped, nil)
        }
        if score == current { return (.unchanged(score), nil) }
        return (.updated(score), score)
    }

    /// zsetAdd: adds or updates `member` under ZADD's flags, converting to a skiplist when the
    /// listpack would grow past the limits.
    public static func add(_ object: RedisObject, _ member: UnsafeRawBufferPointer, score: Double,
                           flags: ZAddFlags, limits: ZSetLimits) -> ZAddResult {
        if score.isNaN { return .nan }
        if object.encoding == .listpack {
            let lp = listpack(object)
            if let (offset, current) = find(lp, member) {
                let (result, newScore) = update(current: current, requested: score, flags: flags)
                if let newScore {
                    lp.remove(at: offset, elements: 2)
                    insert(lp, member, score: newScore)
                }
                return result
            }
            if flags.contains(.xx) { return .skipped }
            if lp.count / 2 + 1 > limits.maxListpackEntries || member.count > limits.maxListpackValue
                || !lp.safeToAdd(member.count) {
                convertToSkiplist(object)
            } else {
                insert(lp, member, score: score)
                return .added(score)
            }
        }
        let zset = skiplist(object)
        if let node = zset.find(member) {
            let (result, newScore) = update(current: node.score, requested: score, flags: flags)
            if let newScore { zset.updateScore(node, member, to: newScore) }
            return result
        }
        if flags.contains(.xx) { return .skipped }
        zset.insertNew(member, score: score)
        return .added(score)
    }

    /// zsetDel.
    @discardableResult
    public static func remove(_ object: RedisObject, _ member: UnsafeRawBufferPointer) -> Bool {
        if object.encoding == .listpack {
            let lp = listpack(object)
            guard let offset = lp.find(member, from: lp.firstOffset, skip: 1) else { return false }
            lp.remove(at: offset, elements: 2)
            return true
        }
        return skiplist(object).remove(member)
    }

    /// zsetRank: 0-based, counted from the highest score when `reverse`.
    public static func rank(_ object: RedisObject, _ member: UnsafeRawBufferPointer, reverse: Bool) -> Int? {
        let length = self.length(object)
        if object.encoding == .listpack {
            let lp = listpack(object)
            var offset = lp.firstOffset
            var rank = 0
            while !lp.isEnd(offset) {
                let equal = lp.withElement(at: offset) { element in element.withBytes { compareBytes($0, member) == 0 } }
                if equal { return reverse ? length - 1 - rank : rank }
                offset = lp.next(after: lp.next(after: offset))
                rank += 1
            }
            return nil
        }
        let zset = skiplist(object)
        guard let score = zset.score(member) else { return nil }
        let rank = zset.list.rank(score: score, member: member)
        return reverse ? length - rank : rank - 1
    }

    // MARK: walking

    /// A position in either encoding: a listpack member entry's offset or a skiplist node.
    public enum Position {
        case offset(Int)
        case node(ZNode)
    }

    /// Calls `body` with the member and score at `position`.
    @inlinable
    public static func withElement<R>(_ object: RedisObject, _ position: Position, _ body: (ElementValue, Double) -> R) -> R {
        switch position {
        case .offset(let offset):
            let lp = listpack(object)
            let score = scoreAfter(lp, offset).score
            return lp.withElement(at: offset) { body($0, score) }
        case .node(let node):
            return body(.bytes(node.member), node.score)
        }
    }

    /// The next position in ascending (or, with `reverse`, descending) order.
    @inlinable
    public static func step(_ object: RedisObject, _ position: Position, reverse: Bool) -> Position? {
        switch position {
        case .offset(let offset):
            let lp = listpack(object)
            if reverse {
                guard let scoreOffset = lp.previous(before: offset), let memberOffset = lp.previous(before: scoreOffset) else {
                    return nil
                }
                return .offset(memberOffset)
            }
            let next = lp.next(after: lp.next(after: offset))
            return lp.isEnd(next) ? nil : .offset(next)
        case .node(let node):
            let list = skiplist(object).list
            return (reverse ? list.previous(node) : list.next(node)).map(Position.node)
        }
    }

    /// The element at 0-based `rank` in ascending order.
    public static func position(_ object: RedisObject, rank: Int) -> Position? {
        guard rank >= 0 && rank < length(object) else { return nil }
        if object.encoding == .listpack {
            return listpack(object).seek(rank * 2).map(Position.offset)
        }
        return skiplist(object).list.node(atRank: rank + 1).map(Position.node)
    }

    /// Visits `count` elements from 0-based `start` (counted from the top when `reverse`).
    public static func forEach(_ object: RedisObject, from start: Int, count: Int, reverse: Bool,
                               _ body: (ElementValue, Double) -> Void) {
        guard count > 0 else { return }
        let rank = reverse ? length(object) - 1 - start : start
        var position = self.position(object, rank: rank)
        var remaining = count
        while let current = position, remaining > 0 {
            withElement(object, current, body)
            remaining -= 1
            if remaining > 0 { position = step(object, current, reverse: reverse) }
        }
    }

    /// Visits every element in ascending order.
    public static func forEach(_ object: RedisObject, _ body: (ElementValue, Double) -> Void) {
        if object.encoding == .listpack {
            let lp = listpack(object)
            var offset = lp.firstOffset
            while !lp.isEnd(offset) {
                let (scoreOffset, score) = scoreAfter(lp, offset)
                lp.withElement(at: offset) { body($0, score) }
                offset = lp.next(after: scoreOffset)
            }
            return
        }
        let list = skiplist(object).list
        var node = list.first
        while let current = node {
            body(.bytes(current.member), current.score)
            node = list.next(current)
        }
    }

    // MARK: ranges

    /// zzlFirstInRange / zslFirstInRange and their lex forms (or the last, for `reverse`).
    public static func edge<R: ZRangeSpec>(_ object: RedisObject, of range: R, reverse: Bool) -> Position? {
        if object.encoding == .skiplist {
            let list = skiplist(object).list
            return (reverse ? list.lastInRange(range) : list.firstInRange(range)).map(Position.node)
        }
        if range.isEmpty { return nil }
        return listpackEdge(object, reverse: reverse, aboveMin: range.aboveMin, belowMax: range.belowMax)
    }

    /// zzlIsInRange's quick test (the last element reaches the minimum, the first is under the
    /// maximum), then a walk from one end to the first element past the near bound, which must
    /// also be inside the far one. (With lex ranges over mixed scores the members are not
    /// sorted, and these exact steps are what decide Redis's answer.)
    private static func listpackEdge(_ object: RedisObject, reverse: Bool,
                                     aboveMin: (ElementValue, Double) -> Bool,
                                     belowMax: (ElementValue, Double) -> Bool) -> Position? {
        let lp = listpack(object)
        guard let last = lp.lastOffset.map({ Position.offset(lp.previous(before: $0)!) }) else { return nil }
        let first = Position.offset(lp.firstOffset)
        guard withElement(object, last, aboveMin), withElement(object, first, belowMax) else { return nil }
        var position: Position? = reverse ? last : first
        while let current = position {
            if reverse {
                if withElement(object, current, belowMax) { return withElement(object, current, aboveMin) ? current : nil }
            } else {
                if withElement(object, current, aboveMin) { return withElement(object, current, belowMax) ? current : nil }
            }
            position = step(object, current, reverse: reverse)
        }
        return nil
    }

    /// The elements in a range, as ZRANGEBYSCORE/ZRANGEBYLEX emit them: from the range's first
    /// (or last) element, skip `offset` (a negative offset skips everything, as Redis's
    /// `while (offset--)` does), then up to `limit` (negative: no limit) while still inside.
    public static func forEach(_ object: RedisObject, from start: Position?, offset: Int, limit: Int, reverse: Bool,
                               inside: (ElementValue, Double) -> Bool, _ body: (ElementValue, Double) -> Void) -> Int {
        var position = start
        var skip = offset
        while position != nil && skip != 0 {
            position = step(object, position!, reverse: reverse)
            skip -= 1
        }
        var emitted = 0
        var remaining = limit
        while let current = position, remaining != 0 {
            let keep = withElement(object, current) { member, score -> Bool in
                guard inside(member, score) else { return false }
                body(member, score)
                return true
            }
            if !keep { break }
            emitted += 1
            remaining -= 1
            position = step(object, current, reverse: reverse)
        }
        return emitted
    }

    /// ZCOUNT / ZLEXCOUNT: a skiplist subtracts ranks, a listpack counts from the first element
    /// in range while it stays under the maximum.
    public static func count<R: ZRangeSpec>(_ object: RedisObject, in range: R) -> Int {
        if object.encoding == .skiplist {
            let zset = skiplist(object)
            guard let first = zset.list.firstInRange(range) else { return 0 }
            let length = zset.count
            var count = length - (zset.list.rank(score: first.score, member: first.member) - 1)
            if let last = zset.list.lastInRange(range) {
                count -= length - zset.list.rank(score: last.score, member: last.member)
            }
            return count
        }
        return forEach(object, from: edge(object, of: range, reverse: false), offset: 0, limit: -1, reverse: false,
                       inside: range.belowMax, { _, _ in })
    }

    // MARK: removal of ranges

    /// ZREMRANGEBYRANK over 0-based ranks start...end (already clamped).
    public static func removeRange(_ object: RedisObject, ranks start: Int, _ end: Int) -> Int {
        if object.encoding == .listpack {
            let lp = listpack(object)
            guard let offset = lp.seek(start * 2) else { return 0 }
            let count = end - start + 1
            lp.remove(at: offset, elements: count * 2)
            return count
        }
        let zset = skiplist(object)
        return zset.list.deleteRange(ranks: start + 1, end + 1) { zset.forget($0) }
    }

    /// ZREMRANGEBYSCORE / ZREMRANGEBYLEX.
    public static func removeRange<R: ZRangeSpec>(_ object: RedisObject, _ range: R) -> Int {
        if object.encoding == .listpack {
            return removeListpackRun(object, from: edge(object, of: range, reverse: false), while: range.belowMax)
        }
        let zset = skiplist(object)
        return zset.list.deleteRange(range) { zset.forget($0) }
    }

    private static func removeListpackRun(_ object: RedisObject, from start: Position?,
                                          while inside: (ElementValue, Double) -> Bool) -> Int {
        guard case .offset(let offset)? = start else { return 0 }
        let count = forEach(object, from: start, offset: 0, limit: -1, reverse: false, inside: inside) { _, _ in }
        listpack(object).remove(at: offset, elements: count * 2)
        return count
    }

    // MARK: copies and random picks

    /// A private deep copy (COPY).
    public static func duplicate(_ object: RedisObject) -> RedisObject {
        if object.encoding == .listpack {
            return RedisObject.collection(.zset, .listpack, Listpack(copying: listpack(object)))
        }
        let copy = ZSet()
        let list = skiplist(object).list
        var node = list.last
        // Inserting from the highest score down keeps every insertion at the list's head.
        while let current = node {
            copy.insertNew(current.member, score: current.score)
            node = list.previous(current)
        }
        return RedisObject.collection(.zset, .skiplist, copy)
    }

    /// Calls `body` with a uniformly chosen element of a non-empty set.
    public static func withRandomElement<R, G: RandomNumberGenerator>(_ object: RedisObject, using generator: inout G,
                                                                      _ body: (ElementValue, Double) -> R) -> R {
        if object.encoding == .listpack {
            let rank = Int.random(in: 0..<length(object), using: &generator)
            return withElement(object, position(object, rank: rank)!, body)
        }
        let node = skiplist(object).randomNode(using: &generator)
        return body(.bytes(node.member), node.score)
    }
}
