import CStrconv

// Floating-point text in Redis's exact formats. Redis formats with libc (snprintf %.17g for
// doubles, %.17Lf for INCRBYFLOAT's long doubles), so we call the same routines through CStrconv.

/// Redis's string2ld: the whole buffer is a long double (INCRBYFLOAT, HINCRBYFLOAT).
public func parseLongDouble(_ bytes: UnsafeRawBufferPointer) -> Float80? {
    var value: Float80 = 0
    guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
    return apus_string_to_long_double(base.assumingMemoryBound(to: CChar.self), bytes.count, &value) == 1 ? value : nil
}

/// Redis's string2d: the whole buffer is a double (scores, timeouts given as floats).
public func parseDouble(_ bytes: UnsafeRawBufferPointer) -> Double? {
    var value: Double = 0
    guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
    return apus_string_to_double(base.assumingMemoryBound(to: CChar.self), bytes.count, &value) == 1 ? value : nil
}

/// INCRBYFLOAT's human form: 17 decimals, trailing zeros dropped; nil for inf/nan.
public func longDoubleHumanBytes(_ value: Float80) -> [UInt8]? {
    var buffer = [CChar](repeating: 0, count: 5 * 1024 + 1)
    let length = Int(apus_long_double_to_human(value, &buffer, buffer.count))
    if length == 0 { return nil }
    return buffer[0..<length].map { UInt8(bitPattern: $0) }
}

/// "%.17g", as Redis 7.0 replies with doubles ("inf"/"-inf" for infinities).
public func doubleG17Bytes(_ value: Double) -> [UInt8] {
    var buffer = [CChar](repeating: 0, count: 64)
    let length = Int(apus_double_to_g17(value, &buffer, buffer.count))
    return buffer[0..<length].map { UInt8(bitPattern: $0) }
}

/// Fixed-point text with `digits` decimals, for INFO figures such as used_cpu_sys.
public func fixedPointString(_ value: Double, digits: Int) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let length = Int(apus_format_fixed(value, Int32(digits), &buffer, buffer.count))
    return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
