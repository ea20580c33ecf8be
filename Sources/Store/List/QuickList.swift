// Redis 7.0's list encoding (quicklist.c): a doubly linked list of listpack nodes. A node takes
// elements until it would pass `list-max-listpack-size` — a negative fill caps the node's bytes
// (-1: 4 KiB ... -5: 64 KiB), a positive one its element count (with an 8 KiB safety cap) — so
// pushes and pops at either end touch one small node, and indexing walks nodes, not elements.
//
// `list-compress-depth` N keeps N nodes at each end plain and LZF-compresses the nodes between
// (those of at least 48 bytes that shrink by 8 or more), as quicklist.c does. A compressed node is
// decompressed when touched and compressed again by the next write to the list.
//
// An element of at least `packedThreshold` bytes (1 GiB unless DEBUG QUICKLIST-PACKED-THRESHOLD
// lowers it) gets a PLAIN node of its own, as Redis 7.0 does: no other element ever joins it and
// the RDB saves it as a raw string (container 1). It is kept as a one-entry listpack so positions
// and iteration treat both kinds alike; only the node policy and the encoders look at `isPlain`.

public final class QuickListNode {
    private let storage: Listpack
    /// The LZF form of `storage`'s bytes while the node is compressed.
    public private(set) var compressedBytes: [UInt8]?
    private var plainSize = 0
    /// A plain node (QUICKLIST_NODE_CONTAINER_PLAIN): exactly one large element.
    public internal(set) var isPlain = false
    public internal(set) var next: QuickListNode?
    public internal(set) unowned(unsafe) var previous: QuickListNode?
    /// The list, told when a compressed node is opened so its next write can close it again.
    unowned(unsafe) let owner: QuickList

    init(owner: QuickList, entries: Listpack = Listpack()) {
        self.owner = owner
        storage = entries
    }

    /// The node's listpack, decompressed first if needed.
    public var entries: Listpack {
        if compressedBytes != nil { decompress() }
        return storage
    }

    /// Elements in the node; known without decompressing.
    public var count: Int { storage.count }

    public var isCompressed: Bool { compressedBytes != nil }

    /// The listpack's size in bytes, also while compressed (an RDB LZF blob records it).
    public var plainByteCount: Int { compressedBytes == nil ? storage.byteCount : plainSize }

    /// quicklistNode.sz: the listpack's bytes, or the element's length for a plain node.
    public var payloadSize: Int {
        guard isPlain else { return plainByteCount }
        return entries.withElement(at: entries.firstOffset) { $0.length }
    }

    /// Bytes the node holds (its object and its plain or compressed entries), without opening it.
    public var allocatedBytes: Int {
        48 + (compressedBytes?.capacity ?? storage.bytes.capacity) + 32
    }

    static let minimumCompressBytes = 48
    static let minimumImprovement = 8

    /// __quicklistCompressNode: compress if the node is big enough and LZF gains enough.
    func compress() {
        // Plain nodes stay open: their RDB form is the element itself, not the listpack around it.
        guard !isPlain, compressedBytes == nil, storage.byteCount >= QuickListNode.minimumCompressBytes else { return }
        let plain = storage.releaseBytes()
        guard let packed = LZF.compress(plain), packed.count + QuickListNode.minimumImprovement < plain.count else {
            storage.restoreBytes(plain)
            return
        }
        plainSize = plain.count
        compressedBytes = packed
    }

    private func decompress() {
        guard let packed = compressedBytes, let plain = LZF.decompress(packed, size: plainSize) else {
            preconditionFailure("corrupt compressed quicklist node")
        }
        storage.restoreBytes(plain)
        compressedBytes = nil
        owner.opened.append(self)
    }
}

public final class QuickList {
    public private(set) var head: QuickListNode?
    public private(set) var tail: QuickListNode?
    /// Elements in all nodes.
    public private(set) var count = 0
    public private(set) var nodeCount = 0
    /// list-max-listpack-size when the list was created.
    public let fill: Int
    /// list-compress-depth when the list was created: plain nodes kept at each end.
    public let compressDepth: Int

    /// Byte limits for negative fills (optimization_level) and the cap for positive ones.
    static let sizeLimits = [4096, 8192, 16384, 32768, 65536]
    static let safetyLimit = 8192

    /// Compressed nodes opened since the last write, to close again (see `settleCompression`).
    var opened: [QuickListNode] = []

    /// packed_threshold: elements this large or larger go into plain nodes. Global, as in Redis.
    nonisolated(unsafe) public static var packedThreshold = 1 << 30
    public static let defaultPackedThreshold = 1 << 30

    /// quicklistisSetPackedThreshold: 0 restores the default; at most 4 GiB less 1 MiB.
    public static func setPackedThreshold(_ size: UInt64) -> Bool {
        if size > (UInt64(1) << 32) - (1 << 20) { return false }
        packedThreshold = size == 0 ? defaultPackedThreshold : Int(size)
        return true
    }

    @inline(__always) static func isLarge(_ size: Int) -> Bool { size >= packedThreshold }

    public init(fill: Int = -2, compressDepth: Int = 0) {
        self.fill = fill
        self.compressDepth = compressDepth
    }

    /// Keeps `compressDepth` nodes at each end plain and compresses the node just inside them and
    /// every interior node opened since the last write — O(depth) per write, as __quicklistCompress.
    func settleCompression() {
        guard compressDepth > 0 else { return }
        defer { opened.removeAll(keepingCapacity: true) }
        guard nodeCount >= compressDepth * 2 else { return }
        var plain: [ObjectIdentifier] = []
        var boundary: [QuickListNode] = []
        var forward = head
        var backward = tail
        for _ in 0..<compressDepth {
            if let node = forward { plain.append(ObjectIdentifier(node)); _ = node.entries; forward = node.next }
            if let node = backward { plain.append(ObjectIdentifier(node)); _ = node.entries; backward = node.previous }
        }
        if let node = forward { boundary.append(node) }
        if let node = backward { boundary.append(node) }
        for node in boundary + opened where !plain.contains(ObjectIdentifier(node)) {
            node.compress()
        }
    }

    deinit {
        // Release node by node: letting the chain go at once would recurse once per node.
        var node = head
        head = nil
        tail = nil
        while let current = node {
            node = current.next
            current.next = nil
        }
    }

    // MARK: node policy

    /// _quicklistNodeAllowInsert (7.0.15): the element's size plus an 8-byte overestimate of
    /// its listpack overhead must stay within the fill's byte limit, or for a positive fill
    /// within the 8 KiB safety limit and the element count (quicklistNodeExceedsLimit).
    func allows(_ node: QuickListNode, adding size: Int) -> Bool {
        !QuickList.isLarge(size) && fits(node, adding: size)
    }

    /// The size test alone: a packed node with room for `size` more bytes.
    func fits(_ node: QuickListNode, adding size: Int) -> Bool {
        if node.isPlain { return false }
        return !exceedsLimit(bytes: node.entries.byteCount + size + 8, count: node.count + 1)
    }

    /// quicklistNodeExceedsLimit: a negative fill limits bytes only; a positive one the element
    /// count, within the 8 KiB safety limit.
    private func exceedsLimit(bytes: Int, count: Int) -> Bool {
        if fill < 0 { return bytes > QuickList.sizeLimits[min(-fill - 1, QuickList.sizeLimits.count - 1)] }
        if bytes > QuickList.safetyLimit { return true }
        return count > (fill == 0 ? 1 : fill)
    }

    /// _quicklistNodeAllowMerge: two packed neighbours whose merged listpack (one header and
    /// terminator fewer, 7 bytes) stays within the fill.
    private func allowsMerge(_ a: QuickListNode?, _ b: QuickListNode?) -> Bool {
        guard let a, let b, !a.isPlain, !b.isPlain else { return false }
        return !exceedsLimit(bytes: a.entries.byteCount + b.entries.byteCount - 7, count: a.count + b.count)
    }

    /// _quicklistListpackMerge: `b`'s elements join `a`, which stays; `b` goes.
    @discardableResult
    private func merge(_ a: QuickListNode, _ b: QuickListNode) -> QuickListNode {
        var offset = b.entries.firstOffset
        while !b.entries.isEnd(offset) {
            b.entries.withElement(at: offset) { a.entries.append($0) }
            offset = b.entries.next(after: offset)
        }
        unlink(b)
        return a
    }

    /// _quicklistMergeNodes after a split: the two nodes before `center`, the two after it, then
    /// `center` with its previous and the result with its next, each pair when it fits.
    private func mergeNodes(around center: QuickListNode) {
        let previous = center.previous
        if allowsMerge(previous, previous?.previous), let previous, let before = previous.previous {
            merge(before, previous)
        }
        let next = center.next
        if allowsMerge(next, next?.next), let next, let after = next.next {
            merge(next, after)
        }
        var target = center
        if allowsMerge(center, center.previous), let before = center.previous {
            target = merge(before, center)
        }
        if allowsMerge(target, target.next), let after = target.next {
            merge(target, after)
        }
    }

    private func link(_ node: QuickListNode, after previous: QuickListNode?) {
        if let previous {
            node.next = previous.next
            node.previous = previous
            if let next = previous.next { next.previous = node } else { tail = node }
            previous.next = node
        } else {
            node.next = head
            node.previous = nil
            if let first = head { first.previous = node } else { tail = node }
            head = node
        }
        nodeCount += 1
    }

    private func unlink(_ node: QuickListNode) {
        if let previous = node.previous { previous.next = node.next } else { head = node.next }
        if let next = node.next { next.previous = node.previous } else { tail = node.previous }
        node.next = nil
        node.previous = nil
        nodeCount -= 1
    }


    /// Moves the node's first `count` elements into a new, unlinked packed node.
    private func detachHead(of node: QuickListNode, count: Int) -> QuickListNode {
        let moved = QuickListNode(owner: self)
        var offset = node.entries.firstOffset
        for _ in 0..<count {
            node.entries.withElement(at: offset) { moved.entries.append($0) }
            offset = node.entries.next(after: offset)
        }
        if count > 0 { node.entries.remove(at: node.entries.firstOffset, elements: count) }
        return moved
    }

    /// Moves the node's elements from index `keep` on into a new, unlinked packed node.
    private func detachTail(of node: QuickListNode, keeping keep: Int) -> QuickListNode {
        let moved = QuickListNode(owner: self)
        guard keep < node.count else { return moved }
        var offset = node.entries.seek(keep)!
        while !node.entries.isEnd(offset) {
            node.entries.withElement(at: offset) { moved.entries.append($0) }
            offset = node.entries.next(after: offset)
        }
        node.entries.remove(at: node.entries.seek(keep)!, elements: node.count - keep)
        return moved
    }

    private func plainNode(_ value: UnsafeRawBufferPointer) -> QuickListNode {
        let node = QuickListNode(owner: self)
        node.entries.append(.bytes(value))
        node.isPlain = true
        return node
    }

    /// The index within its node of the entry at `position`.
    private func indexInNode(_ position: Position) -> Int {
        let entries = position.node.entries
        var offset = entries.firstOffset
        var index = 0
        while offset != position.offset {
            offset = entries.next(after: offset)
            index += 1
        }
        return index
    }

    // MARK: ends

    /// LPUSH / RPUSH of one element.
    public func push(_ value: UnsafeRawBufferPointer, atHead: Bool) {
        if QuickList.isLarge(value.count) {
            link(plainNode(value), after: atHead ? nil : tail)
        } else if atHead {
            if let first = head, fits(first, adding: value.count) {
                first.entries.insert(.bytes(value), at: first.entries.firstOffset)
            } else {
                let node = QuickListNode(owner: self)
                node.entries.append(.bytes(value))
                link(node, after: nil)
            }
        } else {
            if let last = tail, fits(last, adding: value.count) {
                last.entries.append(.bytes(value))
            } else {
                let node = QuickListNode(owner: self)
                node.entries.append(.bytes(value))
                link(node, after: tail)
            }
        }
        count += 1
        settleCompression()
    }

    /// A node's element as the RDB stored it: a plain container becomes a plain node whatever
    /// its size (quicklistAppendPlainNode); packed elements are appended without the size test,
    /// as Redis keeps a saved listpack as it is.
    public func appendLoaded(_ value: UnsafeRawBufferPointer, plain: Bool) {
        if plain {
            link(plainNode(value), after: tail)
        } else if let last = tail, fits(last, adding: value.count) {
            last.entries.append(.bytes(value))
        } else {
            let node = QuickListNode(owner: self)
            node.entries.append(.bytes(value))
            link(node, after: tail)
        }
        count += 1
        settleCompression()
    }

    /// LPOP / RPOP of one element.
    public func pop(fromHead: Bool) -> [UInt8]? {
        guard let node = fromHead ? head : tail else { return nil }
        let offset = fromHead ? node.entries.firstOffset : node.entries.lastOffset!
        let value = node.entries.elementBytes(at: offset)
        node.entries.remove(at: offset, elements: 1)
        if node.count == 0 { unlink(node) }
        count -= 1
        settleCompression()
        return value
    }

    // MARK: positions

    /// A position: a node and the offset of one of its entries.
    public struct Position {
        public let node: QuickListNode
        public let offset: Int

        @inlinable init(node: QuickListNode, offset: Int) {
            self.node = node
            self.offset = offset
        }
    }

    /// The position of element `index` (negative counts from the tail), walking nodes from the
    /// nearer end.
    public func position(at index: Int) -> Position? {
        let target = index < 0 ? count + index : index
        guard target >= 0 && target < count else { return nil }
        if target < count / 2 {
            var node = head
            var skipped = 0
            while let current = node {
                if target < skipped + current.count {
                    return Position(node: current, offset: current.entries.seek(target - skipped)!)
                }
                skipped += current.count
                node = current.next
            }
        } else {
            var node = tail
            var skipped = 0
            let fromTail = count - 1 - target
            while let current = node {
                if fromTail < skipped + current.count {
                    return Position(node: current, offset: current.entries.seek(-(fromTail - skipped) - 1)!)
                }
                skipped += current.count
                node = current.previous
            }
        }
        return nil
    }

    /// The position after (or, with `reverse`, before) `position`.
    @inlinable
    public func step(_ position: Position, reverse: Bool) -> Position? {
        let entries = position.node.entries
        if reverse {
            if let previous = entries.previous(before: position.offset) { return Position(node: position.node, offset: previous) }
            guard let node = position.node.previous else { return nil }
            return Position(node: node, offset: node.entries.lastOffset!)
        }
        let next = entries.next(after: position.offset)
        if !entries.isEnd(next) { return Position(node: position.node, offset: next) }
        guard let node = position.node.next else { return nil }
        return Position(node: node, offset: node.entries.firstOffset)
    }

    @inlinable
    public func withElement<R>(at position: Position, _ body: (ElementValue) -> R) -> R {
        position.node.entries.withElement(at: position.offset, body)
    }

    /// Visits `count` elements from index `start` (from the tail backwards when `reverse`,
    /// `start` then counting from the tail).
    public func forEach(from start: Int, count: Int, reverse: Bool, _ body: (ElementValue) -> Void) {
        guard count > 0 else { return }
        var position = self.position(at: reverse ? -start - 1 : start)
        var remaining = count
        while let current = position, remaining > 0 {
            withElement(at: current, body)
            remaining -= 1
            if remaining > 0 { position = step(current, reverse: reverse) }
        }
    }

    /// Visits elements from the head (or the tail) while `body` returns true.
    public func forEachWhile(reverse: Bool, _ body: (ElementValue) -> Bool) {
        var position = self.position(at: reverse ? -1 : 0)
        while let current = position {
            if !withElement(at: current, body) { return }
            position = step(current, reverse: reverse)
        }
    }

    // MARK: changes in the middle

    /// LSET: replaces element `index`; false when out of range.
    public func replace(at index: Int, with value: UnsafeRawBufferPointer) -> Bool {
        guard let position = position(at: index) else { return false }
        let node = position.node
        let large = QuickList.isLarge(value.count)
        if !node.isPlain && !large {
            // 7.0.15 replaces in place even when the node then passes its fill.
            node.entries.replace(at: position.offset, with: .bytes(value))
        } else if node.isPlain && large {
            node.entries.replace(at: position.offset, with: .bytes(value))
        } else if node.isPlain {
            // quicklistReplaceEntry: inserted after the plain node (into the next node's head
            // when it has room), then the plain node goes.
            if let next = node.next, allows(next, adding: value.count) {
                next.entries.insert(.bytes(value), at: next.entries.firstOffset)
                unlink(node)
            } else {
                node.entries.replace(at: position.offset, with: .bytes(value))
                node.isPlain = false
            }
        } else {
            // A large value in a packed node: the node splits around it.
            let split = indexInNode(position)
            node.entries.remove(at: position.offset, elements: 1)
            let rest = detachTail(of: node, keeping: split)
            let plain = plainNode(value)
            link(plain, after: node)
            if rest.count > 0 { link(rest, after: plain) }
            if node.count == 0 { unlink(node) }
        }
        settleCompression()
        return true
    }

    /// Inserts `value` before or after `position`.
    public func insert(_ value: UnsafeRawBufferPointer, at position: Position, after: Bool) {
        let node = position.node
        if QuickList.isLarge(value.count) || node.isPlain {
            insertAroundPlain(value, at: position, after: after)
            count += 1
            settleCompression()
            return
        }
        insertPacked(value, at: position, after: after)
        count += 1
        settleCompression()
    }

    /// _quicklistInsert for a small value next to an element of a packed node: into the node
    /// while it has room; else, at the node's edge, into the neighbour there when it has room
    /// or into a new node; else the node splits at the position, the value starts the part on
    /// its side, and the neighbourhood merges what fits (_quicklistMergeNodes).
    private func insertPacked(_ value: UnsafeRawBufferPointer, at position: Position, after: Bool) {
        let node = position.node
        let entries = node.entries
        if allows(node, adding: value.count) {
            entries.insert(.bytes(value), at: after ? entries.next(after: position.offset) : position.offset)
            return
        }
        let atTail = after && entries.isEnd(entries.next(after: position.offset))
        let atHead = !after && position.offset == entries.firstOffset
        if atTail || atHead {
            if atTail, let next = node.next, allows(next, adding: value.count) {
                next.entries.insert(.bytes(value), at: next.entries.firstOffset)
            } else if atHead, let previous = node.previous, allows(previous, adding: value.count) {
                previous.entries.append(.bytes(value))
            } else {
                let fresh = QuickListNode(owner: self)
                fresh.entries.append(.bytes(value))
                link(fresh, after: after ? node : node.previous)
            }
            return
        }
        let index = indexInNode(position)
        if after {
            let rest = detachTail(of: node, keeping: index + 1)
            rest.entries.insert(.bytes(value), at: rest.entries.firstOffset)
            link(rest, after: node)
        } else {
            let front = detachHead(of: node, count: index)
            front.entries.append(.bytes(value))
            link(front, after: node.previous)
        }
        mergeNodes(around: node)
    }

    /// _quicklistInsert's plain cases: a large value gets its own node next to the position's
    /// (splitting a packed node when the position is inside it); a small value next to a plain
    /// node joins the neighbour on that side if it has room, or starts a new packed node.
    private func insertAroundPlain(_ value: UnsafeRawBufferPointer, at position: Position, after: Bool) {
        let node = position.node
        if QuickList.isLarge(value.count) {
            let entries = node.entries
            let atHead = position.offset == entries.firstOffset
            let atTail = entries.isEnd(entries.next(after: position.offset))
            if node.isPlain || (after && atTail) || (!after && atHead) {
                link(plainNode(value), after: after ? node : node.previous)
            } else {
                let rest = detachTail(of: node, keeping: indexInNode(position) + (after ? 1 : 0))
                let plain = plainNode(value)
                link(plain, after: node)
                link(rest, after: plain)
            }
            return
        }
        if after {
            if let next = node.next, allows(next, adding: value.count) {
                next.entries.insert(.bytes(value), at: next.entries.firstOffset)
                return
            }
        } else if let previous = node.previous, allows(previous, adding: value.count) {
            previous.entries.append(.bytes(value))
            return
        }
        let fresh = QuickListNode(owner: self)
        fresh.entries.append(.bytes(value))
        link(fresh, after: after ? node : node.previous)
    }

    /// Removes the element at `position`; returns the position that followed it in the walk's
    /// direction, if any.
    public func remove(at position: Position, reverse: Bool) -> Position? {
        let node = position.node
        let entries = node.entries
        var following: Position?
        if reverse {
            if let previous = entries.previous(before: position.offset) {
                following = Position(node: node, offset: previous)
            } else if let other = node.previous {
                following = Position(node: other, offset: other.entries.lastOffset!)
            }
        }
        entries.remove(at: position.offset, elements: 1)
        count -= 1
        if !reverse {
            if !entries.isEnd(position.offset) {
                following = Position(node: node, offset: position.offset)
            } else if let other = node.next {
                following = Position(node: other, offset: other.entries.firstOffset)
            }
        }
        if node.count == 0 { unlink(node) }
        settleCompression()
        return following
    }

    /// quicklistDelRange: removes `length` elements from index `start` (negative from the tail).
    public func removeRange(from start: Int, length: Int) {
        var first = start < 0 ? count + start : start
        guard first >= 0 && first < count && length > 0 else { return }
        var remaining = min(length, count - first)
        var node = head
        while let current = node, first >= current.count {
            first -= current.count
            node = current.next
        }
        while let current = node, remaining > 0 {
            let next = current.next
            let taken = min(remaining, current.count - first)
            if taken == current.count {
                unlink(current)
            } else {
                current.entries.remove(at: current.entries.seek(first)!, elements: taken)
            }
            count -= taken
            remaining -= taken
            first = 0
            node = next
        }
        settleCompression()
    }

    /// A private deep copy (COPY).
    public func duplicate() -> QuickList {
        let copy = QuickList(fill: fill, compressDepth: compressDepth)
        var node = head
        while let current = node {
            let twin = QuickListNode(owner: copy, entries: Listpack(copying: current.entries))
            twin.isPlain = current.isPlain
            copy.link(twin, after: copy.tail)
            node = current.next
        }
        copy.count = count
        copy.settleCompression()
        settleCompression()
        return copy
    }
}
