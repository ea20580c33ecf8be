import Glibc

// Blocks for collection elements (set members, hash fields with their values, sorted-set skiplist
// nodes): carved from the process-wide record slab like keyspace records, or malloc'd when bigger
// than the slab's largest class. The owner always knows a block's size from its contents, so the
// size alone says which allocator a block came from: a block of at most `largestBlock` bytes is
// the slab's, a bigger one malloc's. Code that rewrites a block in place keeps that invariant
// (see `fitsInPlace`).

public enum ElementBlock {
    /// An uninitialized block of at least `size` bytes (size >= 1), 8-byte aligned.
    @inlinable @inline(__always)
    public static func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        if size <= SlabAllocator.largestBlock { return RecordSlab.shared.allocate(size) }
        guard let block = malloc(size) else { fatalError("ElementBlock: out of memory for \(size) bytes") }
        return block
    }

    /// Frees a block whose contents say it needs `size` bytes.
    @inlinable @inline(__always)
    public static func free(_ block: UnsafeMutableRawPointer, size: Int) {
        if size <= SlabAllocator.largestBlock {
            RecordSlab.shared.deallocate(block)
        } else {
            Glibc.free(block)
        }
    }

    /// Bytes usable in a block whose contents need `size` bytes: its slab class, or `size` for a
    /// malloc'd block (which is allocated exactly).
    @inlinable @inline(__always)
    public static func capacity(_ block: UnsafeRawPointer, size: Int) -> Int {
        size <= SlabAllocator.largestBlock ? SlabAllocator.capacity(of: block) : size
    }

    /// Whether contents of `newSize` bytes may replace contents of `oldSize` bytes in the same
    /// block: they fit, and the block stays on the same side of `largestBlock`, so its size still
    /// tells its allocator.
    @inlinable @inline(__always)
    public static func fitsInPlace(_ block: UnsafeRawPointer, oldSize: Int, newSize: Int) -> Bool {
        if oldSize <= SlabAllocator.largestBlock { return newSize <= SlabAllocator.capacity(of: block) }
        return newSize > SlabAllocator.largestBlock && newSize <= oldSize
    }

    /// What a block costs in memory: its slab class, or the request plus malloc's chunk header
    /// rounded to malloc's 16-byte granularity.
    @inlinable
    public static func footprint(_ block: UnsafeRawPointer, size: Int) -> Int {
        size <= SlabAllocator.largestBlock ? SlabAllocator.capacity(of: block) : (size + 8 + 15) & ~15
    }

    /// During a compaction pass: a copy of `block` in a page that is not evacuating, with the
    /// old block freed, when it lives in an evacuating page; nil otherwise (or for malloc'd blocks).
    @inlinable
    public static func relocateIfEvacuating(_ block: UnsafeMutableRawPointer, size: Int) -> UnsafeMutableRawPointer? {
        let slab = RecordSlab.shared
        guard size <= SlabAllocator.largestBlock, slab.shouldMove(block) else { return nil }
        let fresh = slab.allocate(size)
        fresh.copyMemory(from: block, byteCount: size)
        slab.deallocate(block)
        return fresh
    }
}

/// What the set and hash tables share about the element blocks they hold; `size` reads a block's
/// content size from the block.
extension Hashtable {
    /// Active defragmentation of a collection's table: moves the element blocks that live in
    /// evacuating slab pages and repoints their slots; returns how many moved.
    func defragmentElementBlocks(size: (UnsafeRawPointer) -> Int) -> Int {
        guard RecordSlab.shared.isCompacting else { return 0 }
        var moved = 0
        var cursor: UInt64 = 0
        repeat {
            cursor = scan(cursor, replacing: { block in
                guard let fresh = ElementBlock.relocateIfEvacuating(block, size: size(block)) else { return nil }
                moved += 1
                return fresh
            })
        } while cursor != 0
        return moved
    }

    /// The footprint of the first `samples` element blocks and how many were measured (MEMORY USAGE).
    func sampleElementBlocks(_ samples: Int, size: (UnsafeRawPointer) -> Int) -> (bytes: Int, blocks: Int) {
        var bytes = 0, blocks = 0
        var cursor: UInt64 = 0
        repeat {
            cursor = scan(cursor) { (block: UnsafeMutableRawPointer) -> Void in
                if blocks < samples {
                    bytes += ElementBlock.footprint(block, size: size(block))
                    blocks += 1
                }
            }
        } while cursor != 0 && blocks < samples
        return (bytes, blocks)
    }
}
