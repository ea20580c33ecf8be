import Glibc
import Testing
import TestSupport
@testable import Store

@Suite struct SlabAllocatorTests {
    /// The class table the allocator is specified to have, written out.
    static let classTable: [Int] = Array(stride(from: 16, through: 128, by: 8))
        + [160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024]

    /// A live block in a test's model: what was asked for and what was written into it.
    struct Record {
        var block: UnsafeMutableRawPointer
        var size: Int
        var id: Int
    }

    /// Reference buffers: `patterns[v]` is `largestBlock` bytes of value v, to memcmp against.
    static let patterns: [[UInt8]] = (0..<256).map { [UInt8](repeating: UInt8($0), count: SlabAllocator.largestBlock) }

    /// Fills a block: the record's id in the first 8 bytes (when it fits), then a byte derived from it.
    static func fill(_ record: Record) {
        let fillByte = Int32(truncatingIfNeeded: record.id &* 31 &+ 7) & 0xFF
        memset(record.block, fillByte, record.size)
        if record.size >= 8 { record.block.storeBytes(of: record.id, as: Int.self) }
    }

    static func intact(_ record: Record) -> Bool {
        let fillByte = (record.id &* 31 &+ 7) & 0xFF
        var start = 0
        if record.size >= 8 {
            if record.block.load(as: Int.self) != record.id { return false }
            start = 8
        }
        if record.size == start { return true }
        return patterns[fillByte].withUnsafeBytes { memcmp(record.block + start, $0.baseAddress!, record.size - start) } == 0
    }

    /// Mostly key-sized records, some medium, a few near the top, as a keyspace holds.
    static func randomSize(_ generator: inout SeededGenerator) -> Int {
        switch Int.random(in: 0..<20, using: &generator) {
        case 0..<14: return Int.random(in: 1...128, using: &generator)
        case 14..<19: return Int.random(in: 129...512, using: &generator)
        default: return Int.random(in: 513...SlabAllocator.largestBlock, using: &generator)
        }
    }

    /// The allocator's own figures agree with each other and with a walk of its pages.
    static func checkFigures(_ slab: SlabAllocator, liveBlocks: Int, allocatedBytes: Int) {
        #expect(slab.liveBlocks == liveBlocks)
        #expect(slab.allocatedBytes == allocatedBytes)
        #expect(slab.reservedBytes == slab.pageCount * SlabAllocator.pageSize)
        let statistics = slab.classStatistics()
        #expect(statistics.map(\.blockSize) == classTable)
        #expect(statistics.reduce(0) { $0 + $1.pages } == slab.pageCount)
        #expect(statistics.reduce(0) { $0 + $1.liveBlocks } == liveBlocks)
        #expect(statistics.reduce(0) { $0 + $1.liveBlocks * $1.blockSize } == allocatedBytes)
        for entry in statistics {
            let perPage = (SlabAllocator.pageSize - SlabAllocator.headerSize) / entry.blockSize
            // Pages with blocks hold at least one each; at most one more (the cached empty page).
            #expect(entry.pages <= entry.liveBlocks + 1)
            #expect(entry.pages >= (entry.liveBlocks + perPage - 1) / perPage)
        }
    }

    // MARK: size classes

    @Test func sizeClassesAtAndAroundEveryBoundary() {
        #expect(SlabAllocator.largestBlock >= 1024)
        #expect(SlabAllocator.classCount == Self.classTable.count)
        for (index, size) in Self.classTable.enumerated() {
            #expect(SlabAllocator.blockSize(ofClass: index) == size)
        }
        // Every size 0...largestBlock maps to the smallest class that holds it.
        var expectedIndex = 0
        for size in 0...SlabAllocator.largestBlock {
            if size > Self.classTable[expectedIndex] { expectedIndex += 1 }
            #expect(SlabAllocator.blockSize(for: size) == Self.classTable[expectedIndex], "size \(size)")
            #expect(SlabAllocator.classIndex(for: size) == expectedIndex, "size \(size)")
        }
        // Spot checks at the edges of each class.
        for size in Self.classTable {
            #expect(SlabAllocator.blockSize(for: size) == size)
            if size < SlabAllocator.largestBlock {
                #expect(SlabAllocator.blockSize(for: size + 1) > size)
            }
            #expect(SlabAllocator.blockSize(for: size - 1) == size || size == 16 && SlabAllocator.blockSize(for: 15) == 16)
        }
        #expect(SlabAllocator.blockSize(for: 1) == 16)
        #expect(SlabAllocator.blockSize(for: 129) == 160)
        #expect(SlabAllocator.blockSize(for: 257) == 320)
        #expect(SlabAllocator.blockSize(for: 513) == 640)
        #expect(SlabAllocator.blockSize(for: 1023) == 1024)
    }

    @Test func capacityAndAlignment() {
        let slab = SlabAllocator()
        var blocks: [UnsafeMutableRawPointer] = []
        var bytes = 0
        for size in 1...SlabAllocator.largestBlock {
            let block = slab.allocate(size)
            #expect(UInt(bitPattern: block) % 8 == 0)
            #expect(SlabAllocator.capacity(of: block) == SlabAllocator.blockSize(for: size))
            // The whole capacity is usable and inside the page, after its header.
            let offset = Int(bitPattern: block) & (SlabAllocator.pageSize - 1)
            #expect(offset >= SlabAllocator.headerSize)
            #expect(offset + SlabAllocator.capacity(of: block) <= SlabAllocator.pageSize)
            memset(block, 0xA5, SlabAllocator.capacity(of: block))
            blocks.append(block)
            bytes += SlabAllocator.blockSize(for: size)
        }
        Self.checkFigures(slab, liveBlocks: blocks.count, allocatedBytes: bytes)
        #expect(slab.pageCount == Self.classTable.count)
        for block in blocks { slab.deallocate(block) }
        Self.checkFigures(slab, liveBlocks: 0, allocatedBytes: 0)
    }

    // MARK: reuse and pages

    @Test func freedBlocksAreReusedByTheirClassOnly() {
        let slab = SlabAllocator()
        let keep40 = slab.allocate(40)
        let a = slab.allocate(40)
        let keep100 = slab.allocate(100)
        slab.deallocate(a)
        // Another class does not get the freed block...
        let other = slab.allocate(100)
        #expect(other != a)
        #expect(SlabAllocator.capacity(of: other) == 104)
        // ...the same class does, whatever size within the class is asked for.
        let again = slab.allocate(33)
        #expect(again == a)
        // LIFO: the most recently freed block comes back first.
        let b = slab.allocate(40)
        slab.deallocate(again)
        slab.deallocate(b)
        #expect(slab.allocate(40) == b)
        #expect(slab.allocate(40) == again)
        #expect(slab.pageCount == 2)
        for block in [keep40, keep100, other, b, again] { slab.deallocate(block) }
        #expect(slab.liveBlocks == 0)
    }

    @Test func emptyPagesGoBackToTheKernel() {
        var generator = SeededGenerator(seed: 7)
        let slab = SlabAllocator()
        var blocks: [UnsafeMutableRawPointer] = []
        var bytes = 0
        for _ in 0..<100_000 {
            let size = Self.randomSize(&generator)
            blocks.append(slab.allocate(size))
            bytes += SlabAllocator.blockSize(for: size)
        }
        Self.checkFigures(slab, liveBlocks: blocks.count, allocatedBytes: bytes)
        let peakPages = slab.pageCount
        #expect(slab.reservedBytes >= bytes)

        blocks.shuffle(using: &generator)
        // Free half and check the books mid-way.
        for block in blocks[0..<50_000] {
            bytes -= SlabAllocator.capacity(of: block)
            slab.deallocate(block)
        }
        Self.checkFigures(slab, liveBlocks: 50_000, allocatedBytes: bytes)
        for block in blocks[50_000...] { slab.deallocate(block) }
        Self.checkFigures(slab, liveBlocks: 0, allocatedBytes: 0)
        // All that is left is at most one cached empty page per class.
        #expect(slab.pageCount <= Self.classTable.count)
        #expect(slab.reservedBytes <= Self.classTable.count * SlabAllocator.pageSize)
        #expect(peakPages > 2 * Self.classTable.count)
        slab.releaseCachedPages()
        #expect(slab.pageCount == 0)
        #expect(slab.reservedBytes == 0)

        // A class's cached page absorbs allocate/free cycles without mapping anew.
        for _ in 0..<10_000 {
            let block = slab.allocate(64)
            slab.deallocate(block)
            #expect(slab.pageCount == 1)
        }
        // Filling one page exactly, then one more block, takes a second page; freeing it returns
        // to one page plus the cached one.
        let perPage = (SlabAllocator.pageSize - SlabAllocator.headerSize) / 64
        var page = (0..<perPage).map { _ in slab.allocate(64) }
        #expect(slab.pageCount == 1)
        let extra = slab.allocate(64)
        #expect(slab.pageCount == 2)
        #expect(SlabAllocator.page(of: extra) != SlabAllocator.page(of: page[0]))
        slab.deallocate(extra)
        #expect(slab.pageCount == 2)
        // The full page got room back by the free below and is used again, not the cached page.
        slab.deallocate(page.removeLast())
        let reused = slab.allocate(64)
        #expect(SlabAllocator.page(of: reused) == SlabAllocator.page(of: page[0]))
        page.append(reused)
        for block in page { slab.deallocate(block) }
        #expect(slab.pageCount == 1)
    }

    // MARK: integrity

    /// Random-size blocks under random frees and allocations never overlap and keep their bytes.
    @Test func blocksNeverOverlap() {
        var generator = SeededGenerator(seed: 99)
        let slab = SlabAllocator()
        var live: [Record] = []
        var nextID = 0
        var bytes = 0
        func allocate() {
            let size = Self.randomSize(&generator)
            let record = Record(block: slab.allocate(size), size: size, id: nextID)
            nextID += 1
            bytes += SlabAllocator.capacity(of: record.block)
            Self.fill(record)
            live.append(record)
        }
        for _ in 0..<30_000 { allocate() }
        for round in 0..<4 {
            // Free about a third at random, then allocate about as many back.
            var index = 0
            while index < live.count {
                if Int.random(in: 0..<3, using: &generator) == 0 {
                    let record = live[index]
                    #expect(Self.intact(record))
                    bytes -= SlabAllocator.capacity(of: record.block)
                    slab.deallocate(record.block)
                    live.swapAt(index, live.count - 1)
                    live.removeLast()
                } else {
                    index += 1
                }
            }
            for _ in 0..<(10_000 + round * 2_000) { allocate() }

            var corrupt = 0
            for record in live where !Self.intact(record) { corrupt += 1 }
            #expect(corrupt == 0)
            // Sorted by address, each block ends before the next begins.
            let sorted = live.map { (UInt(bitPattern: $0.block), SlabAllocator.capacity(of: $0.block)) }.sorted { $0.0 < $1.0 }
            var overlaps = 0
            for (a, b) in zip(sorted, sorted.dropFirst()) where a.0 + UInt(a.1) > b.0 { overlaps += 1 }
            #expect(overlaps == 0)
            Self.checkFigures(slab, liveBlocks: live.count, allocatedBytes: bytes)
        }
        for record in live { slab.deallocate(record.block) }
        Self.checkFigures(slab, liveBlocks: 0, allocatedBytes: 0)
    }

    // MARK: compaction

    /// 200k mixed blocks, 90% freed at random, then one compaction pass moving what shouldMove
    /// says: contents survive, nothing lands in an evacuating page, and the pages shrink to the
    /// live bytes plus at most one partly filled page per class.
    @Test func compactionEmptiesSparsePages() {
        var generator = SeededGenerator(seed: 2024)
        let slab = SlabAllocator()
        var live: [Record] = []
        for id in 0..<200_000 {
            let size = Self.randomSize(&generator)
            let record = Record(block: slab.allocate(size), size: size, id: id)
            Self.fill(record)
            live.append(record)
        }
        live.shuffle(using: &generator)
        for record in live[20_000...] { slab.deallocate(record.block) }
        live.removeSubrange(20_000...)
        #expect(slab.liveBlocks == 20_000)
        let before = slab.reservedBytes
        // Random frees leave nearly every page with a few blocks: little comes back by itself.
        #expect(before > 3 * slab.allocatedBytes)

        let marked = slab.beginCompaction(maxUtilization: 0.5)
        #expect(marked > 0)
        #expect(slab.isCompacting)
        #expect(slab.evacuatingPageCount == marked)
        var moved = 0, landedInEvacuatingPage = 0
        for index in live.indices where slab.shouldMove(live[index].block) {
            let old = live[index].block
            let new = slab.allocate(live[index].size)
            if slab.shouldMove(new) { landedInEvacuatingPage += 1 }
            memcpy(new, old, live[index].size)
            slab.deallocate(old)
            live[index].block = new
            moved += 1
        }
        #expect(landedInEvacuatingPage == 0)
        #expect(moved > 0)
        // Every evacuated page emptied and left (the last few may sit as cached empty pages).
        #expect(slab.evacuatingPageCount == 0)
        slab.endCompaction()
        #expect(!slab.isCompacting)

        var corrupt = 0
        for record in live where !Self.intact(record) || slab.shouldMove(record.block) { corrupt += 1 }
        #expect(corrupt == 0)
        Self.checkFigures(slab, liveBlocks: 20_000, allocatedBytes: live.reduce(0) { $0 + SlabAllocator.capacity(of: $1.block) })

        // Each class is down to the pages its live blocks need; the only slack is the class's last,
        // partly filled page (256 KiB pages are large next to a class holding a few KiB), so the
        // bound is 1.5x the live bytes plus one page per class in use.
        let statistics = slab.classStatistics()
        var classesInUse = 0
        for entry in statistics where entry.liveBlocks > 0 {
            classesInUse += 1
            let perPage = (SlabAllocator.pageSize - SlabAllocator.headerSize) / entry.blockSize
            #expect(entry.pages == (entry.liveBlocks + perPage - 1) / perPage, "class \(entry.blockSize)")
        }
        let after = slab.reservedBytes
        print("compaction: \(marked) pages marked, \(moved) blocks moved, reserved \(before) -> \(after) bytes for \(slab.allocatedBytes) allocated")
        #expect(Double(after) <= 1.5 * Double(slab.allocatedBytes) + Double(classesInUse * SlabAllocator.pageSize))
        #expect(after < before / 4)

        // A second pass finds nothing worth moving: every class is dense already.
        #expect(slab.beginCompaction(maxUtilization: 0.5) == 0)
        slab.endCompaction()
        for record in live { slab.deallocate(record.block) }
        Self.checkFigures(slab, liveBlocks: 0, allocatedBytes: 0)
    }

    /// Only pages below the threshold are marked, only when moving frees pages, and ending a pass
    /// early returns the pages still marked to service.
    @Test func compactionPolicy() {
        let slab = SlabAllocator()
        let perPage = (SlabAllocator.pageSize - SlabAllocator.headerSize) / 256
        // Four full pages of 256-byte blocks.
        var pages = (0..<4).map { _ in (0..<perPage).map { _ in slab.allocate(256) } }
        #expect(slab.pageCount == 4)
        #expect(slab.beginCompaction(maxUtilization: 0.5) == 0)   // full pages: nothing to do
        slab.endCompaction()

        func thin(_ page: Int, keeping fraction: Double) {
            let keep = Int(Double(perPage) * fraction)
            for block in pages[page][keep...] { slab.deallocate(block) }
            pages[page].removeSubrange(keep...)
        }
        // Page 0 at 55%, pages 1 and 2 at 20%, page 3 at 10%. Page 0 is above the threshold. The
        // other three hold 50%, more than page 0's free 45%: evacuating all three needs a new page
        // and frees no more pages than evacuating the two sparsest, so only those two are marked.
        thin(0, keeping: 0.55); thin(1, keeping: 0.2); thin(2, keeping: 0.2); thin(3, keeping: 0.1)
        #expect(slab.beginCompaction(maxUtilization: 0.5) == 2)
        #expect(pages[0].allSatisfy { !slab.shouldMove($0) })
        #expect(pages[3].allSatisfy { slab.shouldMove($0) })
        #expect(pages[1...2].filter { $0.allSatisfy { slab.shouldMove($0) } }.count == 1)
        slab.endCompaction()
        #expect(pages.allSatisfy { $0.allSatisfy { !slab.shouldMove($0) } })

        // With page 2 at 15% the three fit into page 0's free slots: all three are marked.
        thin(2, keeping: 0.15)
        let marked = slab.beginCompaction(maxUtilization: 0.5)
        #expect(marked == 3)
        #expect(pages[0].allSatisfy { !slab.shouldMove($0) })
        #expect(pages[1...].allSatisfy { $0.allSatisfy { slab.shouldMove($0) } })
        // New blocks go to page 0's free slots, never to an evacuating page.
        let fresh = slab.allocate(250)
        #expect(!slab.shouldMove(fresh))
        #expect(SlabAllocator.page(of: fresh) == SlabAllocator.page(of: pages[0][0]))
        slab.deallocate(fresh)

        // Move only page 3's blocks, then end the pass early: pages 1 and 2 are back in service.
        for index in pages[3].indices {
            let new = slab.allocate(256)
            slab.deallocate(pages[3][index])
            pages[3][index] = new
        }
        #expect(slab.evacuatingPageCount == 2)
        slab.endCompaction()
        #expect(!slab.isCompacting)
        #expect(pages.allSatisfy { $0.allSatisfy { !slab.shouldMove($0) } })
        // Page 3 emptied: pages 0, 1, 2 hold blocks (the cached empty page was released at the end).
        #expect(slab.pageCount == 3)
        for page in pages { for block in page { slab.deallocate(block) } }
        #expect(slab.liveBlocks == 0)
        #expect(slab.pageCount <= 1)
    }
}
