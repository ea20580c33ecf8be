// Integer <-> decimal text exactly as Redis's util.c does it (string2ll / ll2string), over raw
// bytes so callers never build a String on the request path.

/// Parses a signed 64-bit integer with Redis's string2ll rules: no spaces, no '+', no leading
/// zeros, no "-0", at most 20 characters, no overflow.
@inlinable
public func parseInt64(_ bytes: UnsafeRawBufferPointer) -> Int64? {
    let count = bytes.count
    if count == 0 || count > 20 { return nil }
    if count == 1 && bytes[0] == UInt8(ascii: "0") { return 0 }
    var index = 0
    var negative = false
    if bytes[0] == UInt8(ascii: "-") {
        negative = true
        index = 1
        if count == 1 { return nil }
    }
    let first = bytes[index]
    guard first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") else { return nil }
    var magnitude = UInt64(first &- UInt8(ascii: "0"))
    index += 1
    while index < count {
        let digit = bytes[index] &- UInt8(ascii: "0")
        guard digit <= 9 else { return nil }
        let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
        let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
        if o1 || o2 { return nil }
        magnitude = sum
        index += 1
    }
    if negative {
        if magnitude > UInt64(Int64.max) + 1 { return nil }
        return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
    }
    if magnitude > UInt64(Int64.max) { return nil }
    return Int64(magnitude)
}

public func parseInt64(_ bytes: [UInt8]) -> Int64? {
    bytes.withUnsafeBytes { parseInt64($0) }
}

public func parseInt64(_ text: String) -> Int64? {
    var copy = text
    return copy.withUTF8 { parseInt64(UnsafeRawBufferPointer($0)) }
}

/// Number of decimal characters `value` needs, sign included.
@inlinable
public func decimalLength(_ value: Int64) -> Int {
    var magnitude = value.magnitude
    var length = value < 0 ? 2 : 1
    while magnitude >= 10 {
        magnitude /= 10
        length += 1
    }
    return length
}

/// Writes `value` in decimal at `out` (which must have room for 20 bytes) and returns the length.
@inlinable
public func writeDecimal(_ value: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
    let length = decimalLength(value)
    var magnitude = value.magnitude
    var position = length
    repeat {
        position -= 1
        out[position] = UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0")
        magnitude /= 10
    } while magnitude != 0
    if value < 0 { out[0] = UInt8(ascii: "-") }
    return length
}

/// The decimal bytes of `value`, for cold paths that want an array.
public func decimalBytes(_ value: Int64) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: 20) { buffer, count in
        count = writeDecimal(value, to: buffer.baseAddress!)
    }
}
