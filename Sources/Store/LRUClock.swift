// Redis's object clocks. LRU: seconds in 24 bits (wrapping every ~194 days). LFU: minutes in
// 16 bits plus a logarithmic access counter in the low 8 bits. The clock is refreshed by the
// server cron (hz times a second), so reading it costs nothing on the request path.

public enum LRUClock {
    @inlinable public static var maxValue: UInt32 { (1 << 24) - 1 }
    @inlinable public static var resolutionMilliseconds: Int64 { 1000 }
    /// Updated by the cron from the wall clock.
    public static var current: UInt32 = 0

    public static func refresh(nowMilliseconds: Int64) {
        current = UInt32(truncatingIfNeeded: nowMilliseconds / resolutionMilliseconds) & maxValue
    }

    /// Milliseconds since `lru`, as estimateObjectIdleTime.
    public static func idleMilliseconds(_ lru: UInt32) -> Int64 {
        let now = current
        if now >= lru { return Int64(now - lru) * resolutionMilliseconds }
        return Int64(now + (maxValue - lru)) * resolutionMilliseconds
    }
}

/// LFU counters (used when maxmemory-policy is an lfu one).
public enum LFU {
    public static var logFactor = 10
    public static var decayTime = 1
    @inlinable public static var initialValue: UInt32 { 5 }

    public static func minutes(nowMilliseconds: Int64) -> UInt32 {
        UInt32(truncatingIfNeeded: nowMilliseconds / 1000 / 60) & 65535
    }

    /// The counter after time decay, as LFUDecrAndReturn.
    public static func decayedCounter(_ lru: UInt32, nowMilliseconds: Int64) -> UInt32 {
        let lastDecrement = lru >> 8
        let counter = lru & 255
        let now = minutes(nowMilliseconds: nowMilliseconds)
        let elapsed = now >= lastDecrement ? now - lastDecrement : 65535 - lastDecrement + now
        let periods = decayTime > 0 ? elapsed / UInt32(decayTime) : 0
        return periods > counter ? 0 : counter - periods
    }

    @usableFromInline static var randomState = UInt64.random(in: .min ... .max)

    /// SplitMix64: the counter's coin flips (the loop is single-threaded).
    @inlinable static func nextRandom() -> UInt64 {
        randomState &+= 0x9E37_79B9_7F4A_7C15
        var z = randomState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A probabilistic logarithmic increment, as LFULogIncr.
    public static func incremented(_ counter: UInt32) -> UInt32 {
        if counter == 255 { return 255 }
        // rand()/RAND_MAX: a plain PRNG, not a getrandom call per access.
        let r = Double(nextRandom() >> 11) * 0x1p-53
        let base = Double(counter) - Double(initialValue)
        let p = 1.0 / (max(base, 0) * Double(logFactor) + 1)
        return r < p ? counter + 1 : counter
    }
}
