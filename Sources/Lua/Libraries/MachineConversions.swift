// The C conversions Redis's bundled libraries apply to Lua numbers, with the results x86-64
// gives where C leaves them undefined (NaN, infinities, out-of-range values), because scripts
// observe those bytes: struct.pack('>L', 2^64) is eight zero bytes on redis-server. Swift's own
// conversions would trap instead.

enum MachineConversions {
    private static let twoTo63 = 9223372036854775808.0

    /// `(int64_t)d`: cvttsd2si, the "integer indefinite" INT64_MIN when it does not fit.
    static func int64(_ d: Double) -> Int64 {
        guard d >= -twoTo63, d < twoTo63 else { return .min }
        return Int64(d.rounded(.towardZero))
    }

    /// `(uint64_t)d` as gcc compiles it: below 2^63 (or unordered) a signed conversion, else a
    /// signed conversion of d - 2^63 with the top bit flipped.
    static func uint64(_ d: Double) -> UInt64 {
        if !(d >= twoTo63) { return UInt64(bitPattern: int64(d)) }
        return UInt64(bitPattern: int64(d - twoTo63)) ^ (1 << 63)
    }

    /// `(int)d`: cvttsd2si on 32 bits, INT_MIN when it does not fit.
    static func int32(_ d: Double) -> Int32 {
        guard d > -2147483649.0, d < 2147483648.0 else { return .min }
        return Int32(d.rounded(.towardZero))
    }

    /// `x << n` for a 64-bit x with a shift count C leaves undefined past 63: the CPU uses n mod 64.
    static func shiftLeft(_ x: UInt64, _ n: Int) -> UInt64 {
        x << UInt64(n & 63)
    }
}
