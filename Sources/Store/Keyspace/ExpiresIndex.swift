import Glibc

// The keys with a TTL, as Redis's db->expires, but holding record pointers instead of a second
// copy of each key: a dense array in which each record knows its position, so adding, removing
// (swap with the last) and following a moved record are O(1) and cost 8 bytes per key plus the
// array's growth slack. Active expiry walks it with a cursor; `count` is INFO's exact expires=.

public struct ExpiresIndex {
    @usableFromInline var slots: UnsafeMutablePointer<UnsafeMutableRawPointer>?
    @usableFromInline var capacity = 0
    public private(set) var count = 0

    public init() {}

    /// Bytes the array occupies.
    public var memoryBytes: Int { capacity * MemoryLayout<UnsafeMutableRawPointer>.stride }

    @inlinable public subscript(position: Int) -> UnsafeMutableRawPointer { slots![position] }

    mutating func add(_ record: UnsafeMutableRawPointer) {
        if count == capacity { resize(to: Swift.max(16, capacity * 2)) }
        slots![count] = record
        KeyRecord.setExpiresPosition(record, count)
        count += 1
    }

    mutating func remove(_ record: UnsafeMutableRawPointer) {
        let position = KeyRecord.expiresPosition(record)
        let last = slots![count - 1]
        slots![position] = last
        KeyRecord.setExpiresPosition(last, position)
        count -= 1
        if capacity > 16 && count < capacity / 4 { resize(to: capacity / 2) }
    }

    /// The record moved: its slot follows it.
    func replace(_ old: UnsafeMutableRawPointer, with new: UnsafeMutableRawPointer) {
        slots![KeyRecord.expiresPosition(old)] = new
    }

    mutating func removeAll() {
        slots?.deallocate()
        slots = nil
        capacity = 0
        count = 0
    }

    private mutating func resize(to newCapacity: Int) {
        let grown = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: newCapacity)
        if let slots {
            grown.moveInitialize(from: slots, count: count)
            slots.deallocate()
        }
        slots = grown
        capacity = newCapacity
    }
}
