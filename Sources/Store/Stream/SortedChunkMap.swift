// The ordered index streams need where Redis uses a radix tree (the stream's nodes by master ID,
// a group's and a consumer's pending entries by ID, groups and consumers by name): keys in order,
// in chunks of at most `chunkCapacity` sorted entries, themselves kept in order. A lookup is two
// binary searches; an insert or removal moves at most one chunk's entries and, when a chunk
// appears or empties, the chunk list's pointers. Appending in key order — what XADD and
// XREADGROUP do — fills each chunk to capacity before opening the next.
//
// A reference type, like the rax it stands for: a stream owns its maps, `copy()` duplicates one.

/// A place in a `SortedChunkMap`; invalidated by any insertion or removal.
public struct SortedChunkPosition: Equatable {
    @usableFromInline var chunk: Int
    @usableFromInline var index: Int
}

public final class SortedChunkMap<Key: Comparable, Value> {
    @usableFromInline
    struct Chunk {
        @usableFromInline var keys: [Key]
        @usableFromInline var values: [Value]
    }

    public static var chunkCapacity: Int { 128 }

    @usableFromInline var chunks: [Chunk] = []
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    public func copy() -> SortedChunkMap<Key, Value> {
        let other = SortedChunkMap<Key, Value>()
        other.chunks = chunks
        other.count = count
        return other
    }

    // MARK: positions

    public var first: SortedChunkPosition? { chunks.isEmpty ? nil : SortedChunkPosition(chunk: 0, index: 0) }

    public var last: SortedChunkPosition? {
        chunks.isEmpty ? nil : SortedChunkPosition(chunk: chunks.count - 1, index: chunks[chunks.count - 1].keys.count - 1)
    }

    @inlinable public func key(at position: SortedChunkPosition) -> Key {
        chunks[position.chunk].keys[position.index]
    }

    @inlinable public func value(at position: SortedChunkPosition) -> Value {
        chunks[position.chunk].values[position.index]
    }

    public func setValue(_ value: Value, at position: SortedChunkPosition) {
        chunks[position.chunk].values[position.index] = value
    }

    public func next(_ position: SortedChunkPosition) -> SortedChunkPosition? {
        if position.index + 1 < chunks[position.chunk].keys.count {
            return SortedChunkPosition(chunk: position.chunk, index: position.index + 1)
        }
        if position.chunk + 1 < chunks.count { return SortedChunkPosition(chunk: position.chunk + 1, index: 0) }
        return nil
    }

    public func previous(_ position: SortedChunkPosition) -> SortedChunkPosition? {
        if position.index > 0 { return SortedChunkPosition(chunk: position.chunk, index: position.index - 1) }
        if position.chunk > 0 {
            return SortedChunkPosition(chunk: position.chunk - 1, index: chunks[position.chunk - 1].keys.count - 1)
        }
        return nil
    }

    /// The first chunk whose last key is ≥ `key`.
    @usableFromInline func chunkIndex(atOrAfter key: Key) -> Int {
        var low = 0
        var high = chunks.count
        while low < high {
            let middle = (low + high) / 2
            if chunks[middle].keys[chunks[middle].keys.count - 1] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }

    @usableFromInline static func lowerBound(_ keys: [Key], _ key: Key) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The first entry with a key ≥ `key` (raxSeek ">=").
    public func lowerBound(_ key: Key) -> SortedChunkPosition? {
        let chunk = chunkIndex(atOrAfter: key)
        if chunk == chunks.count { return nil }
        return SortedChunkPosition(chunk: chunk, index: Self.lowerBound(chunks[chunk].keys, key))
    }

    /// The first entry with a key > `key` (raxSeek ">").
    public func upperBound(_ key: Key) -> SortedChunkPosition? {
        guard let position = lowerBound(key) else { return nil }
        return self.key(at: position) == key ? next(position) : position
    }

    /// The last entry with a key ≤ `key` (raxSeek "<=").
    public func floor(_ key: Key) -> SortedChunkPosition? {
        guard let position = lowerBound(key) else { return last }
        if self.key(at: position) == key { return position }
        return previous(position)
    }

    /// The last entry with a key < `key` (raxSeek "<").
    public func below(_ key: Key) -> SortedChunkPosition? {
        guard let position = lowerBound(key) else { return last }
        return previous(position)
    }

    public func position(of key: Key) -> SortedChunkPosition? {
        guard let position = lowerBound(key), self.key(at: position) == key else { return nil }
        return position
    }

    // MARK: lookup and change

    public subscript(key: Key) -> Value? {
        guard let position = position(of: key) else { return nil }
        return value(at: position)
    }

    public var firstKey: Key? { first.map { key(at: $0) } }
    public var lastKey: Key? { last.map { key(at: $0) } }

    /// raxTryInsert: adds `key` unless present; false when it was.
    @discardableResult
    public func insert(_ key: Key, _ value: Value) -> Bool {
        if let lastChunk = chunks.indices.last, let lastKey = chunks[lastChunk].keys.last, lastKey < key {
            if chunks[lastChunk].keys.count < Self.chunkCapacity {
                chunks[lastChunk].keys.append(key)
                chunks[lastChunk].values.append(value)
            } else {
                chunks.append(Chunk(keys: [key], values: [value]))
            }
            count += 1
            return true
        }
        if chunks.isEmpty {
            chunks.append(Chunk(keys: [key], values: [value]))
            count = 1
            return true
        }
        var chunk = chunkIndex(atOrAfter: key)
        if chunk == chunks.count { chunk -= 1 }
        let index = Self.lowerBound(chunks[chunk].keys, key)
        if index < chunks[chunk].keys.count && chunks[chunk].keys[index] == key { return false }
        chunks[chunk].keys.insert(key, at: index)
        chunks[chunk].values.insert(value, at: index)
        count += 1
        if chunks[chunk].keys.count > Self.chunkCapacity { split(chunk) }
        return true
    }

    /// raxInsert: adds or replaces.
    public func set(_ key: Key, _ value: Value) {
        if let position = position(of: key) { setValue(value, at: position) } else { insert(key, value) }
    }

    private func split(_ chunk: Int) {
        let half = chunks[chunk].keys.count / 2
        let upper = Chunk(keys: Array(chunks[chunk].keys[half...]), values: Array(chunks[chunk].values[half...]))
        chunks[chunk].keys.removeSubrange(half...)
        chunks[chunk].values.removeSubrange(half...)
        chunks.insert(upper, at: chunk + 1)
    }

    @discardableResult
    public func remove(_ key: Key) -> Value? {
        guard let position = position(of: key) else { return nil }
        return remove(at: position)
    }

    @discardableResult
    public func remove(at position: SortedChunkPosition) -> Value {
        chunks[position.chunk].keys.remove(at: position.index)
        let value = chunks[position.chunk].values.remove(at: position.index)
        if chunks[position.chunk].keys.isEmpty { chunks.remove(at: position.chunk) }
        count -= 1
        return value
    }

    public func removeAll() {
        chunks.removeAll()
        count = 0
    }

    /// Visits entries in key order until `body` returns false.
    public func forEach(_ body: (Key, Value) throws -> Bool) rethrows {
        for chunk in chunks {
            for index in chunk.keys.indices {
                if try !body(chunk.keys[index], chunk.values[index]) { return }
            }
        }
    }

    public var keys: [Key] { chunks.flatMap(\.keys) }
    public var values: [Value] { chunks.flatMap(\.values) }
}

/// A byte string ordered as a radix tree orders keys: bytewise, a prefix before its extensions.
public struct ByteKey: Comparable, Hashable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = [UInt8](bytes) }

    public static func < (a: ByteKey, b: ByteKey) -> Bool {
        a.bytes.lexicographicallyPrecedes(b.bytes)
    }
}
