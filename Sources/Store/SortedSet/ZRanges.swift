import Glibc

// The ranges ZRANGEBYSCORE, ZRANGEBYLEX, ZCOUNT, ZLEXCOUNT and ZREMRANGEBY* select
// (zrangespec and zlexrangespec), with Redis's parsing rules.

/// What walking a sorted set needs of a range, whichever the encoding: whether an element is
/// past the minimum or within the maximum. A score range looks at scores, a lex range at members.
public protocol ZRangeSpec {
    /// Ranges that can never match anything (min above max, or equal with an exclusive end).
    var isEmpty: Bool { get }
    /// Whether the elements inside always form one run in the set's order (true for scores;
    /// members are only sorted where every score is equal).
    var isOneRun: Bool { get }
    func aboveMin(_ member: ElementValue, _ score: Double) -> Bool
    func belowMax(_ member: ElementValue, _ score: Double) -> Bool
    func aboveMin(_ node: ZNode) -> Bool
    func belowMax(_ node: ZNode) -> Bool
}

/// A score interval; either end may be exclusive ("(1.5").
public struct ZScoreRange: ZRangeSpec {
    public var min: Double
    public var max: Double
    public var minExclusive = false
    public var maxExclusive = false

    public init(min: Double, max: Double, minExclusive: Bool = false, maxExclusive: Bool = false) {
        self.min = min
        self.max = max
        self.minExclusive = minExclusive
        self.maxExclusive = maxExclusive
    }

    /// zslValueGteMin.
    @inlinable public func aboveMin(_ value: Double) -> Bool { minExclusive ? value > min : value >= min }
    /// zslValueLteMax.
    @inlinable public func belowMax(_ value: Double) -> Bool { maxExclusive ? value < max : value <= max }
    @inlinable public func contains(_ value: Double) -> Bool { aboveMin(value) && belowMax(value) }

    public var isEmpty: Bool { min > max || (min == max && (minExclusive || maxExclusive)) }
    public var isOneRun: Bool { true }

    @inlinable public func aboveMin(_ member: ElementValue, _ score: Double) -> Bool { aboveMin(score) }
    @inlinable public func belowMax(_ member: ElementValue, _ score: Double) -> Bool { belowMax(score) }
    @inlinable public func aboveMin(_ node: ZNode) -> Bool { aboveMin(node.score) }
    @inlinable public func belowMax(_ node: ZNode) -> Bool { belowMax(node.score) }

    /// zslParseRange: each bound is parsed with strtod (which allows leading spaces, hex and
    /// "inf", and reads an empty string as 0) and must be consumed up to the C string's end,
    /// i.e. up to the first NUL byte; NaN is refused. "(" makes the bound exclusive.
    public static func parse(min: UnsafeRawBufferPointer, max: UnsafeRawBufferPointer) -> ZScoreRange? {
        guard let (low, lowExclusive) = parseBound(min), let (high, highExclusive) = parseBound(max) else { return nil }
        return ZScoreRange(min: low, max: high, minExclusive: lowExclusive, maxExclusive: highExclusive)
    }

    static func parseBound(_ bytes: UnsafeRawBufferPointer) -> (Double, Bool)? {
        var text = bytes
        var exclusive = false
        if let first = text.first, first == UInt8(ascii: "(") {
            exclusive = true
            text = UnsafeRawBufferPointer(rebasing: text[1...])
        }
        guard let value = cStringToDouble(text), !value.isNaN else { return nil }
        return (value, exclusive)
    }

    /// strtod over the bytes up to the first NUL; nil unless all of them were consumed.
    static func cStringToDouble(_ bytes: UnsafeRawBufferPointer) -> Double? {
        let length = bytes.firstIndex(of: 0) ?? bytes.count
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> Double? in
            let start = buffer.baseAddress!
            if length > 0 {
                UnsafeMutableRawPointer(start).copyMemory(from: bytes.baseAddress!, byteCount: length)
            }
            start[length] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(start, &end)
            return end == start + length ? value : nil
        }
    }
}

/// A lexicographic interval over member bytes: "[a", "(a", or the infinities "-" and "+".
public struct ZLexRange: ZRangeSpec {
    public enum Bound {
        case negativeInfinity
        case positiveInfinity
        case value([UInt8])
    }

    public var min: Bound
    public var max: Bound
    public var minExclusive: Bool
    public var maxExclusive: Bool

    /// zslParseLexRangeItem: "+"/"-" alone (a NUL may follow, as C sees it), or "[" / "(" and
    /// the bytes.
    static func parseBound(_ bytes: UnsafeRawBufferPointer) -> (Bound, Bool)? {
        guard let first = bytes.first else { return nil }
        switch first {
        case UInt8(ascii: "+"):
            return bytes.count == 1 || bytes[1] == 0 ? (.positiveInfinity, true) : nil
        case UInt8(ascii: "-"):
            return bytes.count == 1 || bytes[1] == 0 ? (.negativeInfinity, true) : nil
        case UInt8(ascii: "("):
            return (.value([UInt8](bytes[1...])), true)
        case UInt8(ascii: "["):
            return (.value([UInt8](bytes[1...])), false)
        default:
            return nil
        }
    }

    public static func parse(min: UnsafeRawBufferPointer, max: UnsafeRawBufferPointer) -> ZLexRange? {
        guard let (low, lowExclusive) = parseBound(min), let (high, highExclusive) = parseBound(max) else { return nil }
        return ZLexRange(min: low, max: high, minExclusive: lowExclusive, maxExclusive: highExclusive)
    }

    /// sdscmplex for a member against a bound.
    @inlinable
    static func compare(_ member: UnsafeRawBufferPointer, _ bound: Bound) -> Int {
        switch bound {
        case .negativeInfinity: return 1
        case .positiveInfinity: return -1
        case .value(let bytes): return bytes.withUnsafeBytes { compareBytes(member, $0) }
        }
    }

    /// sdscmplex between the two bounds (for the always-empty test).
    static func compareBounds(_ a: Bound, _ b: Bound) -> Int {
        switch (a, b) {
        case (.negativeInfinity, .negativeInfinity), (.positiveInfinity, .positiveInfinity): return 0
        case (.negativeInfinity, _), (_, .positiveInfinity): return -1
        case (.positiveInfinity, _), (_, .negativeInfinity): return 1
        case (.value(let x), .value(let y)):
            return x.withUnsafeBytes { xb in y.withUnsafeBytes { compareBytes(xb, $0) } }
        }
    }

    public var isEmpty: Bool {
        let order = ZLexRange.compareBounds(min, max)
        return order > 0 || (order == 0 && (minExclusive || maxExclusive))
    }

    public var isOneRun: Bool { false }

    /// zslLexValueGteMin.
    @inlinable public func aboveMin(_ member: UnsafeRawBufferPointer) -> Bool {
        let order = ZLexRange.compare(member, min)
        return minExclusive ? order > 0 : order >= 0
    }

    /// zslLexValueLteMax.
    @inlinable public func belowMax(_ member: UnsafeRawBufferPointer) -> Bool {
        let order = ZLexRange.compare(member, max)
        return maxExclusive ? order < 0 : order <= 0
    }

    @inlinable public func contains(_ member: UnsafeRawBufferPointer) -> Bool { aboveMin(member) && belowMax(member) }

    @inlinable public func aboveMin(_ member: ElementValue, _ score: Double) -> Bool { member.withBytes { aboveMin($0) } }
    @inlinable public func belowMax(_ member: ElementValue, _ score: Double) -> Bool { member.withBytes { belowMax($0) } }
    @inlinable public func aboveMin(_ node: ZNode) -> Bool { aboveMin(node.member) }
    @inlinable public func belowMax(_ node: ZNode) -> Bool { belowMax(node.member) }
}
