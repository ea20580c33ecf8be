import Glibc

// A slab page: `SlabAllocator.pageSize` bytes mapped straight from the kernel, aligned to their own
// size so any block finds its page (and so its class and free list) by masking its address, with
// no per-block header and no lookup. The header sits at the page start; blocks follow it, carved
// lazily by a bump offset so the untouched tail of a page is never faulted in.

/// The header at the start of every page. Fields are 32-bit where they can be so it fits in one
/// cache line with the list links; blocks start at `SlabAllocator.headerSize`.
@usableFromInline
struct SlabPageHeader {
    /// The most recently freed block; each free block's first 8 bytes point at the next.
    @usableFromInline var freeHead: UnsafeMutableRawPointer?
    /// Offset of the first block never handed out; blocks at and past it are untouched.
    @usableFromInline var bump: Int32
    /// Offset just past the last whole block: the page is full when `bump == limit` and the free
    /// list is empty.
    @usableFromInline var limit: Int32
    /// Blocks handed out and not yet freed.
    @usableFromInline var live: Int32
    @usableFromInline var blockSize: Int32
    @usableFromInline var classIndex: Int32
    /// Where the page sits in its class's list of pages with free room, or, while evacuating, in
    /// the allocator's list of evacuating pages; -1 when the page is full (in neither list).
    @usableFromInline var listIndex: Int32
    /// Set by a compaction pass: no blocks are carved from the page, and its live blocks should move.
    @usableFromInline var evacuating: Bool
    /// Every page of a class that holds blocks is on a doubly linked list, so the allocator can
    /// find full pages (which are on no other list) to count them and to unmap them at deinit.
    @usableFromInline var previous: UnsafeMutableRawPointer?
    @usableFromInline var next: UnsafeMutableRawPointer?
}

extension SlabAllocator {
    /// Bytes reserved for the header at the start of a page: one cache line, a multiple of 8 so
    /// blocks (whose sizes are multiples of 8) stay 8-byte aligned.
    @inlinable static var headerSize: Int { 64 }

    /// The page holding `block`.
    @inlinable @inline(__always)
    static func page(of block: UnsafeRawPointer) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(bitPattern: UInt(bitPattern: block) & ~UInt(pageSize &- 1)).unsafelyUnwrapped
    }

    @inlinable @inline(__always)
    static func header(of page: UnsafeMutableRawPointer) -> UnsafeMutablePointer<SlabPageHeader> {
        page.assumingMemoryBound(to: SlabPageHeader.self)
    }

    /// The usable size of `block` (its class's size), read from its page header.
    @inlinable
    public static func capacity(of block: UnsafeRawPointer) -> Int {
        Int(header(of: page(of: block)).pointee.blockSize)
    }

    /// Maps one page-aligned page. The kernel places anonymous mappings top-down, each just below
    /// the previous one, so once one page is aligned a plain mapping of the same size usually is
    /// too (jemalloc relies on the same); only when it is not do we map twice the size and trim
    /// the misaligned ends, which costs two extra system calls.
    static func mapPage() -> UnsafeMutableRawPointer {
        let size = pageSize
        let failed = UnsafeMutableRawPointer(bitPattern: -1)
        let protection = PROT_READ | PROT_WRITE
        let flags = MAP_PRIVATE | MAP_ANONYMOUS
        if let exact = mmap(nil, size, protection, flags, -1, 0), exact != failed {
            if UInt(bitPattern: exact) & UInt(size &- 1) == 0 { return exact }
            munmap(exact, size)
        }
        guard let wide = mmap(nil, size &* 2, protection, flags, -1, 0), wide != failed else {
            fatalError("SlabAllocator: mmap of \(size * 2) bytes failed (errno \(errno))")
        }
        let start = UInt(bitPattern: wide)
        let aligned = (start &+ UInt(size &- 1)) & ~UInt(size &- 1)
        let lead = Int(aligned &- start)
        if lead > 0 { munmap(wide, lead) }
        let tail = size &- lead
        let page = wide + lead
        if tail > 0 { munmap(page + size, tail) }
        return page
    }

    static func unmapPage(_ page: UnsafeMutableRawPointer) {
        munmap(page, pageSize)
    }

    /// Readies a fresh or recycled page for `classIndex`: nothing carved, nothing free.
    static func formatPage(_ page: UnsafeMutableRawPointer, classIndex: Int) {
        let blockSize = blockSize(ofClass: classIndex)
        let blocks = (pageSize &- headerSize) / blockSize
        page.bindMemory(to: SlabPageHeader.self, capacity: 1).initialize(to: SlabPageHeader(
            freeHead: nil, bump: Int32(headerSize), limit: Int32(headerSize &+ blocks &* blockSize),
            live: 0, blockSize: Int32(blockSize), classIndex: Int32(classIndex), listIndex: -1,
            evacuating: false, previous: nil, next: nil))
    }
}
