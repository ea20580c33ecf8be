// The bit-level algorithms of Redis's bitops.c over byte strings, most significant bit first:
// bit 0 is the top bit of byte 0.

/// redisPopcount: the number of set bits.
public func popcount(_ bytes: UnsafeRawBufferPointer) -> Int {
    var count = 0
    var index = 0
    let total = bytes.count
    while index + 8 <= total {
        count += bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self).nonzeroBitCount
        index += 8
    }
    while index < total {
        count += bytes[index].nonzeroBitCount
        index += 1
    }
    return count
}

/// The first bit equal to `bit` in bits firstBit...lastBit, or nil.
public func firstBit(_ bit: Bool, in bytes: UnsafeRawBufferPointer, from firstBit: Int, through lastBit: Int) -> Int? {
    if firstBit > lastBit { return nil }
    var position = firstBit
    // Bits up to the next byte boundary, then whole bytes (skipped while they can't match),
    // then the bits of the last byte.
    while position <= lastBit {
        let byte = bytes[position >> 3]
        if position & 7 == 0 && position + 7 <= lastBit {
            if byte == (bit ? 0x00 : 0xFF) {
                position += 8
                continue
            }
        }
        let value = (byte >> (7 - UInt8(position & 7))) & 1 == 1
        if value == bit { return position }
        position += 1
    }
    return nil
}

/// getUnsignedBitfield: `bits` bits (1...64) from bit `offset`, most significant first.
public func unsignedBitfield(_ bytes: UnsafeRawBufferPointer, offset: UInt64, bits: Int) -> UInt64 {
    var value: UInt64 = 0
    var position = offset
    for _ in 0..<bits {
        let byte = bytes[Int(position >> 3)]
        value = value << 1 | UInt64((byte >> (7 - UInt8(position & 7))) & 1)
        position += 1
    }
    return value
}

/// getSignedBitfield: the same bits as a two's-complement number.
public func signedBitfield(_ bytes: UnsafeRawBufferPointer, offset: UInt64, bits: Int) -> Int64 {
    var value = unsignedBitfield(bytes, offset: offset, bits: bits)
    if bits < 64 && value & (1 << UInt64(bits - 1)) != 0 { value |= UInt64.max << UInt64(bits) }
    return Int64(bitPattern: value)
}

/// setUnsignedBitfield: writes the low `bits` bits of `value` at bit `offset`.
public func setBitfield(_ bytes: UnsafeMutableRawBufferPointer, offset: UInt64, bits: Int, value: UInt64) {
    var position = offset
    for index in 0..<bits {
        let bit = UInt8((value >> UInt64(bits - 1 - index)) & 1)
        let byteIndex = Int(position >> 3)
        let shift = 7 - UInt8(position & 7)
        bytes[byteIndex] = (bytes[byteIndex] & ~(1 << shift)) | (bit << shift)
        position += 1
    }
}

/// BITFIELD's overflow behaviours.
public enum BitfieldOverflow {
    case wrap, saturate, fail
}

/// checkUnsignedBitfieldOverflow: the result of `value + increment` in `bits` unsigned bits, and
/// whether it overflowed (the result then follows `overflow`).
public func unsignedBitfieldAdd(_ value: UInt64, _ increment: Int64, bits: Int,
                                _ overflow: BitfieldOverflow) -> (result: UInt64, overflowed: Bool) {
    let max: UInt64 = bits == 64 ? .max : (1 << UInt64(bits)) - 1
    let maxIncrement = Int64(bitPattern: max &- value)
    let minIncrement = Int64(bitPattern: 0 &- value)
    func wrapped() -> UInt64 {
        (value &+ UInt64(bitPattern: increment)) & ~(bits == 64 ? 0 : UInt64.max << UInt64(bits))
    }
    if value > max || (increment > 0 && increment > maxIncrement) {
        return (overflow == .wrap ? wrapped() : max, true)
    }
    if increment < 0 && increment < minIncrement {
        return (overflow == .wrap ? wrapped() : 0, true)
    }
    return (value &+ UInt64(bitPattern: increment), false)
}

/// checkSignedBitfieldOverflow: the same for `bits` signed bits.
public func signedBitfieldAdd(_ value: Int64, _ increment: Int64, bits: Int,
                              _ overflow: BitfieldOverflow) -> (result: Int64, overflowed: Bool) {
    let max: Int64 = bits == 64 ? .max : (1 << Int64(bits - 1)) - 1
    let min = -max - 1
    let maxIncrement = Int64(bitPattern: UInt64(bitPattern: max) &- UInt64(bitPattern: value))
    let minIncrement = min &- value
    func wrapped() -> Int64 {
        var sum = UInt64(bitPattern: value) &+ UInt64(bitPattern: increment)
        if bits < 64 {
            let mask = UInt64.max << UInt64(bits)
            if sum & (1 << UInt64(bits - 1)) != 0 { sum |= mask } else { sum &= ~mask }
        }
        return Int64(bitPattern: sum)
    }
    if value > max || (bits != 64 && increment > maxIncrement) || (value >= 0 && increment > 0 && increment > maxIncrement) {
        return (overflow == .wrap ? wrapped() : max, true)
    }
    if value < min || (bits != 64 && increment < minIncrement) || (value < 0 && increment < 0 && increment < minIncrement) {
        return (overflow == .wrap ? wrapped() : min, true)
    }
    return (value &+ increment, false)
}
