import CStrconv

// Floating-point text in Redis's exact formats. Redis formats with libc (snprintf %.17g for
// doubles, %.17Lf for INCRBYFLOAT's long doubles), so we call the same routines through CStrconv.

/// A C `long double`, as Redis computes INCRBYFLOAT, HINCRBYFLOAT and blocking timeouts: 80-bit
/// x87 on x86_64, binary128 on aarch64. Swift has no portable type for it (its 80-bit type exists
/// only on x86), so the value is opaque bytes and every operation runs in C (CStrconv) on the platform's
/// own `long double`, which keeps Redis's results digit for digit wherever Redis itself runs.
public struct LongDouble {
    var storage: apus_ld

    init(storage: apus_ld) { self.storage = storage }

    public init(_ value: Int64) { storage = apus_ld_from_int64(value) }
    public init(_ value: Double) { storage = apus_ld_from_double(value) }

    public static let infinity = LongDouble(Double.infinity)
    public static let nan = LongDouble(Double.nan)

    public var isNaN: Bool { apus_ld_is_nan(storage) != 0 }
    public var isInfinite: Bool { apus_ld_is_inf(storage) != 0 }
    /// The nearest double (for tests and diagnostics; Redis never narrows these values).
    public var doubleValue: Double { apus_ld_to_double(storage) }

    public static func + (lhs: LongDouble, rhs: LongDouble) -> LongDouble {
        LongDouble(storage: apus_ld_add(lhs.storage, rhs.storage))
    }

    /// getTimeoutFromObjectOrReply's `(long long)(seconds * 1000.0)`, computed in long double;
    /// Int64.min when the product is not a representable long long (as x86_64's conversion gives).
    public var secondsToMillisecondsTruncated: Int64 { Int64(apus_ld_seconds_to_milliseconds(storage)) }
}

extension LongDouble: Equatable {
    public static func == (lhs: LongDouble, rhs: LongDouble) -> Bool { apus_ld_equal(lhs.storage, rhs.storage) != 0 }
}

/// Redis's string2ld: the whole buffer is a long double (INCRBYFLOAT, HINCRBYFLOAT).
public func parseLongDouble(_ bytes: UnsafeRawBufferPointer) -> LongDouble? {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
    var value = LongDouble(Int64(0))
    return apus_ld_parse(base.assumingMemoryBound(to: CChar.self), bytes.count, &value.storage) == 1 ? value : nil
}

/// Redis's string2d: the whole buffer is a double (scores, timeouts given as floats).
public func parseDouble(_ bytes: UnsafeRawBufferPointer) -> Double? {
    var value: Double = 0
    guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
    return apus_string_to_double(base.assumingMemoryBound(to: CChar.self), bytes.count, &value) == 1 ? value : nil
}

/// INCRBYFLOAT's human form: 17 decimals, trailing zeros dropped; nil for inf/nan.
public func longDoubleHumanBytes(_ value: LongDouble) -> [UInt8]? {
    var buffer = [CChar](repeating: 0, count: 5 * 1024 + 1)
    let length = Int(apus_ld_to_human(value.storage, &buffer, buffer.count))
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
