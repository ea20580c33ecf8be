import Glibc

// A size-classed slab allocator for the keyspace's records (key, metadata and a small value, 16 B
// to 1 KiB), so a key costs one carve from a page instead of a malloc'd Swift object, and memory
// can be compacted (Redis's activedefrag) by moving records out of sparse pages.
//
// Each class keeps an array of its pages that have free room; allocation takes the last of them
// (the page most recently given room, whose lines are likely still cached) and pops its free list
// or bumps its carve offset. A page that fills leaves the array; a full page that gets a block
// back rejoins it. A page whose last block is freed goes back to the kernel at once, except that
// each class keeps one empty page cached so a key set and deleted in a loop does not map and unmap.
//
// Single-threaded, as the server is: the hot paths take no lock and touch no Swift reference.

/// Per-class state. Lives in a raw array owned by the allocator, so the hot paths reach it by
/// pointer arithmetic without exclusivity checks or ARC.
@usableFromInline
struct SlabClass {
    @usableFromInline let blockSize: Int
    @usableFromInline let blocksPerPage: Int
    /// Pages of this class with free room that are not evacuating. Its capacity is kept at least
    /// the class's page count, so a full page rejoining it never reallocates on the free path.
    @usableFromInline var available: UnsafeMutablePointer<UnsafeMutableRawPointer>
    @usableFromInline var availableCount = 0
    var availableCapacity: Int
    /// Pages held, including the cached empty one.
    var pages = 0
    /// Head of the list of pages holding blocks (the cached empty page is not on it).
    var firstPage: UnsafeMutableRawPointer?
    /// An empty page kept mapped for the next page this class needs.
    var spare: UnsafeMutableRawPointer?

    init(classIndex: Int) {
        blockSize = SlabAllocator.blockSize(ofClass: classIndex)
        blocksPerPage = (SlabAllocator.pageSize - SlabAllocator.headerSize) / blockSize
        availableCapacity = 4
        available = .allocate(capacity: availableCapacity)
    }
}

public final class SlabAllocator {
    @usableFromInline let classes: UnsafeMutablePointer<SlabClass>
    @usableFromInline var liveBlockCount = 0
    @usableFromInline var allocatedByteCount = 0
    @usableFromInline var mappedPages = 0

    /// Pages marked by `beginCompaction`, each page's `listIndex` being its place here.
    var evacuatingPages: UnsafeMutablePointer<UnsafeMutableRawPointer>
    var evacuatingCount = 0
    var evacuatingCapacity = 1
    var compacting = false

    public init() {
        classes = .allocate(capacity: SlabAllocator.classCount)
        for index in 0..<SlabAllocator.classCount {
            (classes + index).initialize(to: SlabClass(classIndex: index))
        }
        evacuatingPages = .allocate(capacity: 1)
    }

    /// Returns every page to the kernel. Blocks still handed out become dangling: the owner of the
    /// allocator frees its records' references before dropping it.
    deinit {
        for index in 0..<SlabAllocator.classCount {
            let sizeClass = classes + index
            var page = sizeClass.pointee.firstPage
            while let current = page {
                page = SlabAllocator.header(of: current).pointee.next
                SlabAllocator.unmapPage(current)
            }
            if let spare = sizeClass.pointee.spare { SlabAllocator.unmapPage(spare) }
            sizeClass.pointee.available.deallocate()
        }
        classes.deinitialize(count: SlabAllocator.classCount)
        classes.deallocate()
        evacuatingPages.deallocate()
    }

    // MARK: figures

    /// Bytes of every page the allocator holds from the OS (pages whole, headers and the cached
    /// empty pages included): INFO's used_memory counts these.
    public var reservedBytes: Int { mappedPages &* SlabAllocator.pageSize }
    /// Bytes of live blocks (sum of their class sizes).
    public var allocatedBytes: Int { allocatedByteCount }
    /// Pages held from the OS, cached empty pages included (`reservedBytes / pageSize`).
    public var pageCount: Int { mappedPages }
    public var liveBlocks: Int { liveBlockCount }

    /// Per size class, for MEMORY STATS / MEMORY DOCTOR: (blockSize, pages, liveBlocks). Pages
    /// include the class's cached empty page. Walks every page, so it is for cold paths.
    public func classStatistics() -> [(blockSize: Int, pages: Int, liveBlocks: Int)] {
        (0..<SlabAllocator.classCount).map { index in
            let sizeClass = classes + index
            var live = 0
            var page = sizeClass.pointee.firstPage
            while let current = page {
                let header = SlabAllocator.header(of: current)
                live += Int(header.pointee.live)
                page = header.pointee.next
            }
            return (sizeClass.pointee.blockSize, sizeClass.pointee.pages, live)
        }
    }

    // MARK: allocation

    /// A block of at least `size` bytes (1...largestBlock), 8-byte aligned, uninitialized.
    /// Never fails (traps on mmap failure).
    @inlinable
    public func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        precondition(UInt(bitPattern: size) <= UInt(SlabAllocator.largestBlock), "SlabAllocator: size out of range")
        let index = SlabAllocator.classIndex(for: size)
        let sizeClass = classes + index
        let count = sizeClass.pointee.availableCount
        if count == 0 { return allocateFromNewPage(index) }
        return carve(from: sizeClass.pointee.available[count &- 1], sizeClass, count)
    }

    /// Takes a block from `page`, the last of its class's pages with free room (at `count - 1`).
    @inlinable @inline(__always)
    func carve(from page: UnsafeMutableRawPointer, _ sizeClass: UnsafeMutablePointer<SlabClass>,
               _ count: Int) -> UnsafeMutableRawPointer {
        let header = SlabAllocator.header(of: page)
        let blockSize = sizeClass.pointee.blockSize
        let block: UnsafeMutableRawPointer
        if let free = header.pointee.freeHead {
            header.pointee.freeHead = free.load(as: UnsafeMutableRawPointer?.self)
            block = free
        } else {
            let offset = header.pointee.bump
            block = page + Int(offset)
            header.pointee.bump = offset &+ Int32(truncatingIfNeeded: blockSize)
        }
        header.pointee.live &+= 1
        if header.pointee.freeHead == nil && header.pointee.bump == header.pointee.limit {
            // Full: leave the list of pages with room (it is the last entry, so just shorten it).
            sizeClass.pointee.availableCount = count &- 1
            header.pointee.listIndex = -1
        }
        liveBlockCount &+= 1
        allocatedByteCount &+= blockSize
        return block
    }

    /// No page of the class has room (or all that do are evacuating): take the cached empty page
    /// or map a new one.
    @usableFromInline @inline(never)
    func allocateFromNewPage(_ index: Int) -> UnsafeMutableRawPointer {
        let sizeClass = classes + index
        let page: UnsafeMutableRawPointer
        if let spare = sizeClass.pointee.spare {
            sizeClass.pointee.spare = nil
            page = spare
        } else {
            page = SlabAllocator.mapPage()
            SlabAllocator.formatPage(page, classIndex: index)
            mappedPages += 1
            sizeClass.pointee.pages += 1
            if sizeClass.pointee.availableCapacity < sizeClass.pointee.pages {
                let capacity = sizeClass.pointee.availableCapacity * 2
                let grown = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: capacity)
                grown.moveInitialize(from: sizeClass.pointee.available, count: sizeClass.pointee.availableCount)
                sizeClass.pointee.available.deallocate()
                sizeClass.pointee.available = grown
                sizeClass.pointee.availableCapacity = capacity
            }
        }
        let header = SlabAllocator.header(of: page)
        header.pointee.previous = nil
        header.pointee.next = sizeClass.pointee.firstPage
        if let first = sizeClass.pointee.firstPage { SlabAllocator.header(of: first).pointee.previous = page }
        sizeClass.pointee.firstPage = page
        let count = sizeClass.pointee.availableCount
        sizeClass.pointee.available[count] = page
        header.pointee.listIndex = Int32(count)
        sizeClass.pointee.availableCount = count + 1
        return carve(from: page, sizeClass, count + 1)
    }

    // MARK: deallocation

    @inlinable
    public func deallocate(_ block: UnsafeMutableRawPointer) {
        let page = SlabAllocator.page(of: block)
        let header = SlabAllocator.header(of: page)
        assert(header.pointee.live > 0, "SlabAllocator: block freed twice or not from this allocator")
        block.storeBytes(of: header.pointee.freeHead, as: UnsafeMutableRawPointer?.self)
        header.pointee.freeHead = block
        let live = header.pointee.live &- 1
        header.pointee.live = live
        liveBlockCount &-= 1
        allocatedByteCount &-= Int(header.pointee.blockSize)
        if live == 0 {
            releasePage(page)
        } else if header.pointee.listIndex < 0 {
            // It was full: it has room again. Evacuating pages are never full (nothing is carved
            // from them), so this page is not one, and the list has room for it (see `available`).
            let sizeClass = classes + Int(header.pointee.classIndex)
            let count = sizeClass.pointee.availableCount
            sizeClass.pointee.available[count] = page
            header.pointee.listIndex = Int32(truncatingIfNeeded: count)
            sizeClass.pointee.availableCount = count &+ 1
        }
    }

    /// The last block of `page` was freed: take it off its lists, then cache it as its class's
    /// empty page or give it back to the kernel.
    @usableFromInline @inline(never)
    func releasePage(_ page: UnsafeMutableRawPointer) {
        let header = SlabAllocator.header(of: page)
        let index = Int(header.pointee.classIndex)
        let sizeClass = classes + index
        let position = Int(header.pointee.listIndex)
        if position >= 0 {
            if header.pointee.evacuating {
                evacuatingCount -= 1
                let moved = evacuatingPages[evacuatingCount]
                evacuatingPages[position] = moved
                SlabAllocator.header(of: moved).pointee.listIndex = Int32(position)
            } else {
                sizeClass.pointee.availableCount -= 1
                let moved = sizeClass.pointee.available[sizeClass.pointee.availableCount]
                sizeClass.pointee.available[position] = moved
                SlabAllocator.header(of: moved).pointee.listIndex = Int32(position)
            }
        }
        if let previous = header.pointee.previous {
            SlabAllocator.header(of: previous).pointee.next = header.pointee.next
        } else {
            sizeClass.pointee.firstPage = header.pointee.next
        }
        if let next = header.pointee.next { SlabAllocator.header(of: next).pointee.previous = header.pointee.previous }

        if sizeClass.pointee.spare == nil {
            SlabAllocator.formatPage(page, classIndex: index)
            sizeClass.pointee.spare = page
        } else {
            SlabAllocator.unmapPage(page)
            mappedPages -= 1
            sizeClass.pointee.pages -= 1
        }
    }

    /// Gives every cached empty page back to the kernel (after a compaction pass, or when memory
    /// is tight); the next page a class needs is mapped afresh.
    public func releaseCachedPages() {
        for index in 0..<SlabAllocator.classCount {
            let sizeClass = classes + index
            guard let spare = sizeClass.pointee.spare else { continue }
            sizeClass.pointee.spare = nil
            SlabAllocator.unmapPage(spare)
            mappedPages -= 1
            sizeClass.pointee.pages -= 1
        }
    }
}
