import Util

// One node of a stream: a listpack laid out as t_stream.c lays it out, so that RDB files and DUMP
// payloads carry nodes as they are.
//
//   master entry:  count | deleted | num-fields | field-1 ... field-N | 0
//   each entry:    flags | ms-diff | seq-diff | [num-fields | field-1 value-1 ... ] | lp-count
//                  (with the SAMEFIELDS flag only the values follow the ID)
//
// The node's master ID is its key in the stream's index; entry IDs are differences from it.
// `lp-count` is the number of pieces before it in the entry, so a reader can walk backwards.

/// The entry flags (STREAM_ITEM_FLAG_*).
enum StreamEntryFlag {
    static let deleted: Int64 = 1
    static let sameFields: Int64 = 2
}

/// A node's master entry, decoded.
@usableFromInline
struct StreamNodeHeader {
    /// Live and deleted entries.
    var count: Int64
    var deleted: Int64
    var masterFieldCount: Int
    var masterFieldsOffset: Int
    /// The master entry's closing 0 (where a backwards walk stops).
    var masterTerminatorOffset: Int
    var firstEntryOffset: Int

    init(_ base: UnsafePointer<UInt8>) {
        var offset = Listpack.headerSize
        count = Listpack.integer(base, offset)
        offset = Listpack.nextOffset(base, offset)
        deleted = Listpack.integer(base, offset)
        offset = Listpack.nextOffset(base, offset)
        masterFieldCount = Int(Listpack.integer(base, offset))
        offset = Listpack.nextOffset(base, offset)
        masterFieldsOffset = offset
        for _ in 0..<masterFieldCount { offset = Listpack.nextOffset(base, offset) }
        masterTerminatorOffset = offset
        firstEntryOffset = Listpack.nextOffset(base, offset)
    }
}

/// Where an entry's pieces are inside its node.
@usableFromInline
struct StreamEntryLocation {
    var flagsOffset: Int
    var flags: Int64
    var id: StreamID
    var fieldCount: Int
    /// The first field (or, with SAMEFIELDS, the first value).
    var payloadOffset: Int
    var lpCountOffset: Int
    /// The next entry's flags, or the listpack's terminator.
    var nextOffset: Int

    var isDeleted: Bool { flags & StreamEntryFlag.deleted != 0 }
    var hasSameFields: Bool { flags & StreamEntryFlag.sameFields != 0 }

    init(_ base: UnsafePointer<UInt8>, at flagsOffset: Int, _ header: StreamNodeHeader, master: StreamID) {
        self.flagsOffset = flagsOffset
        var offset = flagsOffset
        flags = Listpack.integer(base, offset)
        offset = Listpack.nextOffset(base, offset)
        let msDelta = Listpack.integer(base, offset)
        offset = Listpack.nextOffset(base, offset)
        let seqDelta = Listpack.integer(base, offset)
        offset = Listpack.nextOffset(base, offset)
        id = StreamID(ms: master.ms &+ UInt64(bitPattern: msDelta), seq: master.seq &+ UInt64(bitPattern: seqDelta))
        var skip: Int
        if flags & StreamEntryFlag.sameFields != 0 {
            fieldCount = header.masterFieldCount
            skip = fieldCount
        } else {
            fieldCount = Int(Listpack.integer(base, offset))
            offset = Listpack.nextOffset(base, offset)
            skip = 2 * fieldCount
        }
        payloadOffset = offset
        while skip > 0 {
            offset = Listpack.nextOffset(base, offset)
            skip -= 1
        }
        lpCountOffset = offset
        nextOffset = Listpack.nextOffset(base, offset)
    }

    /// The entry whose lp-count is at `lpCountOffset` (walking backwards).
    static func flagsOffset(_ base: UnsafePointer<UInt8>, lpCountAt lpCountOffset: Int) -> Int {
        var offset = lpCountOffset
        var pieces = Listpack.integer(base, lpCountOffset)
        while pieces > 0 {
            offset = Listpack.previousOffset(base, offset)
            pieces -= 1
        }
        return offset
    }
}

/// An entry as a command sees it; its bytes stay valid only inside the visiting closure.
public struct StreamEntryView {
    public let id: StreamID
    public let fieldCount: Int
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let masterFieldsOffset: Int
    @usableFromInline let payloadOffset: Int
    @usableFromInline let sameFields: Bool

    init(_ base: UnsafePointer<UInt8>, _ location: StreamEntryLocation, _ header: StreamNodeHeader) {
        id = location.id
        fieldCount = location.fieldCount
        self.base = base
        masterFieldsOffset = header.masterFieldsOffset
        payloadOffset = location.payloadOffset
        sameFields = location.hasSameFields
    }

    /// Visits the field/value pairs in order.
    @inlinable
    public func forEachPair(_ body: (ElementValue, ElementValue) throws -> Void) rethrows {
        var master = masterFieldsOffset
        var offset = payloadOffset
        for _ in 0..<fieldCount {
            let field: ElementValue
            if sameFields {
                field = Listpack.element(base, master)
                master = Listpack.nextOffset(base, master)
            } else {
                field = Listpack.element(base, offset)
                offset = Listpack.nextOffset(base, offset)
            }
            let value = Listpack.element(base, offset)
            offset = Listpack.nextOffset(base, offset)
            try body(field, value)
        }
    }
}
