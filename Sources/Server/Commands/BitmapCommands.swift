import Config
import RESP
import Store
import Util

// Bitmaps over string values (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP. BITFIELD has
// its own file. Bits are numbered from the most significant bit of the first byte.

enum BitmapCommands {
    static let handlers: [String: CommandHandler] = [
        "setbit": setbit, "getbit": getbit, "bitcount": bitcount, "bitpos": bitpos, "bitop": bitop,
        "bitfield": BitfieldCommand.bitfield, "bitfield_ro": BitfieldCommand.bitfieldReadOnly,
    ]

    static let empty = UnsafeRawBufferPointer(start: nil, count: 0)

    /// getBitOffsetFromArgument: a bit offset, `#n` meaning n × `bits` when `hashAllowed`; capped
    /// by proto-max-bulk-len unless the client must be obeyed. Nil after replying.
    static func bitOffsetArgument(_ c: Client, _ index: Int, hashAllowed: Bool = false, bits: Int = 0) -> UInt64? {
        let text = c.arg(index)
        let useHash = hashAllowed && bits > 0 && text.first == UInt8(ascii: "#")
        guard var offset = parseInt64(useHash ? UnsafeRawBufferPointer(rebasing: text[1...]) : text) else {
            c.error(ErrorText.bitOffsetInvalid)
            return nil
        }
        if useHash { offset = offset &* Int64(bits) }
        if offset < 0 || (!c.mustObey && (offset >> 3) >= c.server.settings.protoMaxBulkLen) {
            c.error(ErrorText.bitOffsetInvalid)
            return nil
        }
        return UInt64(offset)
    }

    /// lookupStringForBitCommand: the string at argument 1 made raw and at least long enough for
    /// bit `maxBit` (zero-filled), created when missing; `grew` when it was created or lengthened.
    /// Nil after a WRONGTYPE reply.
    static func stringForBitWrite(_ c: Client, maxBit: UInt64) -> (object: RedisObject, grew: Bool)? {
        let key = c.arg(1)
        let needed = Int(maxBit >> 3) + 1
        guard let object = c.lookupWrite(key) else {
            let created = RedisObject.rawString(empty, capacity: needed)
            created.write(empty, at: needed)
            return (c.db.add(key, c.stored(created)), true)
        }
        if c.wrongType(object, .string) { return nil }
        let length = object.stringLength
        let target = max(length, needed)
        if object.write(empty, at: target) != nil { return (object, target != length) }
        let copy = object.withStringBytes { RedisObject.rawString($0, capacity: target) }
        copy.write(empty, at: target)
        return (c.db.set(key, c.stored(copy), keepTTL: true), target != length)
    }

    static func setbit(_ c: Client) {
        guard let offset = bitOffsetArgument(c, 2) else { return }
        guard let on = parseInt64(c.arg(3)), on & ~1 == 0 else {
            c.error(ErrorText.bitValueInvalid)
            return
        }
        guard let (object, grew) = stringForBitWrite(c, maxBit: offset) else { return }
        let byteIndex = Int(offset >> 3)
        let shift = 7 - UInt8(offset & 7)
        let wasSet = object.withMutableStringBytes { bytes -> Bool in
            let byte = bytes[byteIndex]
            let wasSet = byte & (1 << shift) != 0
            if grew || wasSet != (on == 1) { bytes[byteIndex] = (byte & ~(1 << shift)) | (UInt8(on) << shift) }
            return wasSet
        }
        if grew || wasSet != (on == 1) {
            let key = c.arg(1)
            c.signalModified(key)
            c.notify(KeyspaceEventFlags.string, "setbit", key)
            c.markDirty()
        }
        c.reply.integer(wasSet ? 1 : 0)
    }

    static func getbit(_ c: Client) {
        guard let offset = bitOffsetArgument(c, 2) else { return }
        guard let object = c.lookupReadOrReply(c.arg(1), type: .string, missing: { $0.reply.integer(0) }) else { return }
        let set = object.withStringBytes { bytes -> Bool in
            let byteIndex = Int(offset >> 3)
            return byteIndex < bytes.count && bytes[byteIndex] & (1 << (7 - UInt8(offset & 7))) != 0
        }
        c.reply.integer(set ? 1 : 0)
    }

    /// BITCOUNT's and BITPOS's range: start and end (negative from the end) in bytes, or in bits
    /// with BIT, clamped to the string; nil when empty.
    private static func bitRange(start: Int64, end: Int64, length: Int, inBits: Bool) -> ClosedRange<Int>? {
        let total = Int64(length) * (inBits ? 8 : 1)
        var start = start < 0 ? total + start : start
        var end = end < 0 ? total + end : end
        if start < 0 { start = 0 }
        if end < 0 { end = 0 }
        if end >= total { end = total - 1 }
        if start > end { return nil }
        return inBits ? Int(start)...Int(end) : Int(start * 8)...Int(end * 8 + 7)
    }

    /// The BYTE|BIT word at `index`; nil after a syntax error.
    private static func unitArgument(_ c: Client, _ index: Int) -> Bool? {
        if c.argIs(index, "bit") { return true }
        if c.argIs(index, "byte") { return false }
        c.error(ErrorText.syntax)
        return nil
    }

    static func bitcount(_ c: Client) {
        var start: Int64 = 0
        var end: Int64 = -1
        var inBits = false
        if c.argumentCount == 4 || c.argumentCount == 5 {
            guard let first = c.integerArgument(2), let last = c.integerArgument(3) else { return }
            start = first
            end = last
            if c.argumentCount == 5 {
                guard let unit = unitArgument(c, 4) else { return }
                inBits = unit
            }
        } else if c.argumentCount != 2 {
            c.error(ErrorText.syntax)
            return
        }
        guard let object = c.lookupReadOrReply(c.arg(1), type: .string, missing: { $0.reply.integer(0) }) else { return }
        if start < 0 && end < 0 && start > end {
            c.reply.integer(0)
            return
        }
        let count = object.withStringBytes { bytes -> Int in
            guard let range = bitRange(start: start, end: end, length: bytes.count, inBits: inBits) else { return 0 }
            return countBits(bytes, range)
        }
        c.reply.integer(count)
    }

    /// Set bits in a bit range: whole bytes by popcount, the partial edge bytes masked.
    private static func countBits(_ bytes: UnsafeRawBufferPointer, _ range: ClosedRange<Int>) -> Int {
        let firstByte = range.lowerBound >> 3
        let lastByte = range.upperBound >> 3
        var count = popcount(UnsafeRawBufferPointer(rebasing: bytes[firstByte...lastByte]))
        let headMask = UInt8(truncatingIfNeeded: ~((1 << (8 - (range.lowerBound & 7))) - 1))
        let tailMask = UInt8(truncatingIfNeeded: (1 << (7 - (range.upperBound & 7))) - 1)
        count -= (bytes[firstByte] & headMask).nonzeroBitCount
        count -= (bytes[lastByte] & tailMask).nonzeroBitCount
        return count
    }

    static func bitpos(_ c: Client) {
        guard let bitValue = c.integerArgument(2) else { return }
        if bitValue != 0 && bitValue != 1 {
            c.error(ErrorText.bitposBitInvalid)
            return
        }
        guard let object = c.lookupRead(c.arg(1)) else {
            c.reply.integer(bitValue == 1 ? -1 : 0)
            return
        }
        if c.wrongType(object, .string) { return }
        var start: Int64 = 0
        var end: Int64 = -1
        var inBits = false
        var endGiven = false
        if (4...6).contains(c.argumentCount) {
            guard let first = c.integerArgument(3) else { return }
            start = first
            if c.argumentCount == 6 {
                guard let unit = unitArgument(c, 5) else { return }
                inBits = unit
            }
            if c.argumentCount >= 5 {
                guard let last = c.integerArgument(4) else { return }
                end = last
                endGiven = true
            }
        } else if c.argumentCount != 3 {
            c.error(ErrorText.syntax)
            return
        }
        let position = object.withStringBytes { bytes -> Int in
            guard let range = bitRange(start: start, end: end, length: bytes.count, inBits: inBits) else { return -1 }
            if let found = firstBit(bitValue == 1, in: bytes, from: range.lowerBound, through: range.upperBound) {
                return found
            }
            // Past an open end the string counts as zero-padded, so a clear bit is just after it.
            if bitValue == 0 && !endGiven { return range.upperBound + 1 }
            return -1
        }
        c.reply.integer(position)
    }

    static func bitop(_ c: Client) {
        enum Operation { case and, or, xor, not }
        let operation: Operation
        if c.argIs(1, "and") { operation = .and }
        else if c.argIs(1, "or") { operation = .or }
        else if c.argIs(1, "xor") { operation = .xor }
        else if c.argIs(1, "not") { operation = .not }
        else {
            c.error(ErrorText.syntax)
            return
        }
        if operation == .not && c.argumentCount != 4 {
            c.error(ErrorText.bitopNotSingleKey)
            return
        }
        var sources: [[UInt8]?] = []
        var maxLength = 0
        for index in 3..<c.argumentCount {
            guard let object = c.lookupRead(c.arg(index)) else {
                sources.append(nil)
                continue
            }
            if c.wrongType(object, .string) { return }
            let bytes = object.stringBytes
            maxLength = max(maxLength, bytes.count)
            sources.append(bytes)
        }
        let destination = c.arg(2)
        if maxLength == 0 {
            if c.db.delete(destination) {
                c.notify(KeyspaceEventFlags.generic, "del", destination)
                c.markDirty()
            }
            c.reply.integer(0)
            return
        }
        var result = [UInt8](repeating: 0, count: maxLength)
        for index in 0..<maxLength {
            func byte(_ source: [UInt8]?) -> UInt8 {
                guard let source, index < source.count else { return 0 }
                return source[index]
            }
            var value = byte(sources[0])
            switch operation {
            case .not: value = ~value
            case .and: for source in sources.dropFirst() { value &= byte(source) }
            case .or: for source in sources.dropFirst() { value |= byte(source) }
            case .xor: for source in sources.dropFirst() { value ^= byte(source) }
            }
            result[index] = value
        }
        let stored = result.withUnsafeBytes { RedisObject.rawString($0) }
        c.expireIfNeeded(destination)
        c.db.set(destination, c.stored(stored))
        c.notify(KeyspaceEventFlags.string, "set", destination)
        c.markDirty()
        c.reply.integer(maxLength)
    }
}
