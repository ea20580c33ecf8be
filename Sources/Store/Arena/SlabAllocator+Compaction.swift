// Compaction, as Redis's activedefrag: the allocator cannot move a block itself (it does not know
// who points at it), so a pass marks the sparsest pages of each class as evacuating; the caller
// walks its references, and for each block that `shouldMove` flags allocates a new block, copies,
// repoints and frees the old one. Nothing is carved from evacuating pages, so new blocks land in
// the denser pages and in fresh ones, and each evacuated page goes back to the kernel when its
// last block leaves.
//
// Which pages to mark: in each class, the pages below `maxUtilization` in order of fewest live
// blocks first. Marking the k sparsest moves their blocks M(k) into the free slots F(k) of the
// pages left unmarked (plus the class's cached empty page) and, for what does not fit, into
// ceil((M(k) - F(k)) / blocksPerPage) new pages. The pass marks the k that frees the most pages net
// of those new ones (the smallest such k, to move least), and nothing in a class where no k frees
// a page: moving blocks from one half-empty page into another gains nothing.

extension SlabAllocator {
    /// Marks the sparsest pages of each class as evacuating, so no new blocks are carved from them,
    /// leaving enough non-evacuating room (existing free slots + fresh pages) for the blocks they
    /// hold. Only pages below `maxUtilization` (e.g. 0.5) qualify. Returns how many pages were
    /// marked. A pass already running is ended first.
    @discardableResult
    public func beginCompaction(maxUtilization: Double) -> Int {
        if compacting { endCompaction() }
        compacting = true
        var marked = 0
        for index in 0..<SlabAllocator.classCount {
            marked += planEvacuation(classes + index, maxUtilization: maxUtilization)
        }
        return marked
    }

    /// Marks the pages of one class that the policy above picks; returns how many.
    private func planEvacuation(_ sizeClass: UnsafeMutablePointer<SlabClass>, maxUtilization: Double) -> Int {
        let perPage = sizeClass.pointee.blocksPerPage
        let threshold = Double(perPage) * maxUtilization
        var freeSlots = sizeClass.pointee.spare == nil ? 0 : perPage
        var candidates: [(page: UnsafeMutableRawPointer, live: Int)] = []
        for position in 0..<sizeClass.pointee.availableCount {
            let page = sizeClass.pointee.available[position]
            let live = Int(SlabAllocator.header(of: page).pointee.live)
            freeSlots += perPage - live
            if Double(live) < threshold { candidates.append((page, live)) }
        }
        if candidates.isEmpty { return 0 }
        candidates.sort { $0.live < $1.live }

        var best = 0, bestSaving = 0, moved = 0
        for (k, candidate) in candidates.enumerated() {
            moved += candidate.live
            freeSlots -= perPage - candidate.live
            let overflow = max(0, moved - freeSlots)
            let saving = (k + 1) - (overflow + perPage - 1) / perPage
            if saving > bestSaving { bestSaving = saving; best = k + 1 }
        }
        if best == 0 { return 0 }

        if evacuatingCapacity < evacuatingCount + best {
            let capacity = max(evacuatingCapacity * 2, evacuatingCount + best)
            let grown = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: capacity)
            grown.moveInitialize(from: evacuatingPages, count: evacuatingCount)
            evacuatingPages.deallocate()
            evacuatingPages = grown
            evacuatingCapacity = capacity
        }
        for candidate in candidates[0..<best] {
            let page = candidate.page
            let header = SlabAllocator.header(of: page)
            // Swap-remove from the class's list of pages with room, then join the evacuating list.
            let position = Int(header.pointee.listIndex)
            sizeClass.pointee.availableCount -= 1
            let last = sizeClass.pointee.available[sizeClass.pointee.availableCount]
            sizeClass.pointee.available[position] = last
            SlabAllocator.header(of: last).pointee.listIndex = Int32(position)
            header.pointee.evacuating = true
            header.pointee.listIndex = Int32(evacuatingCount)
            evacuatingPages[evacuatingCount] = page
            evacuatingCount += 1
        }
        return best
    }

    /// True when `block` lives in an evacuating page (the caller should copy it to a new block and
    /// free it).
    @inlinable
    public func shouldMove(_ block: UnsafeRawPointer) -> Bool {
        SlabAllocator.header(of: SlabAllocator.page(of: block)).pointee.evacuating
    }

    /// Ends a compaction pass: clears the evacuating marks on pages that still hold blocks (they
    /// rejoin their classes' pages with room), and gives the cached empty pages back to the
    /// kernel, since returning memory is what the pass was for.
    public func endCompaction() {
        for position in 0..<evacuatingCount {
            let page = evacuatingPages[position]
            let header = SlabAllocator.header(of: page)
            header.pointee.evacuating = false
            let sizeClass = classes + Int(header.pointee.classIndex)
            let count = sizeClass.pointee.availableCount
            sizeClass.pointee.available[count] = page
            header.pointee.listIndex = Int32(count)
            sizeClass.pointee.availableCount = count + 1
        }
        evacuatingCount = 0
        compacting = false
        releaseCachedPages()
    }

    /// True between `beginCompaction` and `endCompaction`.
    public var isCompacting: Bool { compacting }

    /// Pages still marked evacuating: the caller can end the pass early once this reaches 0.
    public var evacuatingPageCount: Int { evacuatingCount }
}
