// What Redis 7.0 keeps consumer-group read counters with (t_stream.c): whether a range may hold
// deleted entries, and how far an ID is from the first entry ever added. XREADGROUP, XGROUP
// CREATE/SETID and XINFO GROUPS's `lag` use them.

extension Stream {
    /// streamRangeHasTombstones: whether an XDELed entry may lie in start...end (nil: unbounded).
    public func rangeHasTombstones(from start: StreamID?, to end: StreamID?) -> Bool {
        if length == 0 || maxDeletedEntryID == .zero { return false }
        if firstID > maxDeletedEntryID { return false }
        let low = start ?? .zero
        let high = end ?? .max
        return low <= maxDeletedEntryID && maxDeletedEntryID <= high
    }

    /// streamEstimateDistanceFromFirstEverEntry: the read counter of a group whose last
    /// delivered ID is `id`, or `streamInvalidEntriesRead` when it can't be known.
    public func estimatedDistanceFromFirstEverEntry(_ id: StreamID) -> Int64 {
        if entriesAdded == 0 { return 0 }
        if length == 0 && id <= lastID { return Int64(bitPattern: entriesAdded) }
        if id == lastID { return Int64(bitPattern: entriesAdded) }
        if id > lastID { return streamInvalidEntriesRead }
        if maxDeletedEntryID == .zero || maxDeletedEntryID < firstID {
            if id < firstID { return Int64(bitPattern: entriesAdded &- length) }
            if id == firstID { return Int64(bitPattern: entriesAdded &- length &+ 1) }
        }
        return streamInvalidEntriesRead
    }
}
