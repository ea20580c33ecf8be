// Redis 7.0's geohash.c: coordinates as interleaved fixed-point bits. A geo set is a sorted set
// whose scores are 52-bit hashes (step 26) over longitude -180..180 and latitude
// -85.05112878..85.05112878 (the EPSG:900913 limits); GEOHASH re-encodes over -90..90.

public enum GeoHash {
    public static let longitudeMin = -180.0
    public static let longitudeMax = 180.0
    public static let latitudeMin = -85.05112878
    public static let latitudeMax = 85.05112878
    /// GEO_STEP_MAX: 26 steps per axis, 52 bits in all.
    public static let maxStep: UInt8 = 26

    /// GeoHashBits.
    public struct Bits: Equatable {
        public var bits: UInt64
        public var step: UInt8
        public init(bits: UInt64, step: UInt8) {
            self.bits = bits
            self.step = step
        }
        /// HASHISZERO: a neighbour GZERO'd away (a real hash always has a step).
        public var isZero: Bool { bits == 0 && step == 0 }
        public static let zero = Bits(bits: 0, step: 0)
    }

    public struct Range {
        public var min: Double
        public var max: Double
        public init(min: Double, max: Double) {
            self.min = min
            self.max = max
        }
        var isZero: Bool { min == 0 && max == 0 }
    }

    public struct Area {
        public var hash: Bits
        public var longitude: Range
        public var latitude: Range
    }

    /// The eight neighbours of a box, as geohashNeighbors names them.
    public struct Neighbors {
        public var north, east, west, south, northEast, southEast, northWest, southWest: Bits
    }

    public static let longitudeRange = Range(min: longitudeMin, max: longitudeMax)
    public static let latitudeRange = Range(min: latitudeMin, max: latitudeMax)
    /// The standard geohash ranges GEOHASH answers in.
    public static let standardLatitudeRange = Range(min: -90, max: 90)

    /// interleave64: x's bits at the even positions, y's at the odd ones.
    @inlinable
    public static func interleave(_ xlo: UInt32, _ ylo: UInt32) -> UInt64 {
        var x = UInt64(xlo)
        var y = UInt64(ylo)
        x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF
        y = (y | (y << 16)) & 0x0000_FFFF_0000_FFFF
        x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF
        y = (y | (y << 8)) & 0x00FF_00FF_00FF_00FF
        x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F
        y = (y | (y << 4)) & 0x0F0F_0F0F_0F0F_0F0F
        x = (x | (x << 2)) & 0x3333_3333_3333_3333
        y = (y | (y << 2)) & 0x3333_3333_3333_3333
        x = (x | (x << 1)) & 0x5555_5555_5555_5555
        y = (y | (y << 1)) & 0x5555_5555_5555_5555
        return x | (y << 1)
    }

    /// deinterleave64: the even bits in the low word, the odd bits in the high word.
    @inlinable
    public static func deinterleave(_ interleaved: UInt64) -> UInt64 {
        var x = interleaved
        var y = interleaved >> 1
        x = x & 0x5555_5555_5555_5555
        y = y & 0x5555_5555_5555_5555
        x = (x | (x >> 1)) & 0x3333_3333_3333_3333
        y = (y | (y >> 1)) & 0x3333_3333_3333_3333
        x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F
        y = (y | (y >> 2)) & 0x0F0F_0F0F_0F0F_0F0F
        x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF
        y = (y | (y >> 4)) & 0x00FF_00FF_00FF_00FF
        x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF
        y = (y | (y >> 8)) & 0x0000_FFFF_0000_FFFF
        x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF
        y = (y | (y >> 16)) & 0x0000_0000_FFFF_FFFF
        return x | (y << 32)
    }

    /// C's `(uint32_t)` of a non-negative offset, as x86-64 truncates (through a 64-bit
    /// conversion, keeping the low 32 bits).
    @inlinable
    static func truncatingUInt32(_ value: Double) -> UInt32 {
        UInt32(truncatingIfNeeded: cUInt64(value))
    }

    /// C's `(uint64_t)` of a double as gcc compiles it for x86-64: below 2^63 a signed
    /// conversion (negative values wrap, out of range gives 0x8000000000000000), otherwise the
    /// conversion of value - 2^63 with the top bit flipped. Geo scores that are not hashes (any
    /// ZADD score) decode through this.
    @inlinable
    public static func cUInt64(_ value: Double) -> UInt64 {
        let twoTo63 = 9_223_372_036_854_775_808.0
        if !(value >= twoTo63) {
            return UInt64(bitPattern: cvttsd2si(value))
        }
        return UInt64(bitPattern: cvttsd2si(value - twoTo63)) ^ (1 << 63)
    }

    /// cvttsd2si: truncation, or the "integer indefinite" value for NaN and out of range.
    @inlinable
    static func cvttsd2si(_ value: Double) -> Int64 {
        if value.isNaN || value >= 9_223_372_036_854_775_808.0 || value < -9_223_372_036_854_775_808.0 {
            return Int64.min
        }
        return Int64(value)
    }

    /// geohashEncode: nil outside the ranges (or the WGS84 limits) or for a step outside 1...32.
    public static func encode(longitudeRange: Range, latitudeRange: Range, longitude: Double, latitude: Double,
                              step: UInt8) -> Bits? {
        if step > 32 || step == 0 || latitudeRange.isZero || longitudeRange.isZero { return nil }
        if longitude > longitudeMax || longitude < longitudeMin || latitude > latitudeMax || latitude < latitudeMin {
            return nil
        }
        if latitude < latitudeRange.min || latitude > latitudeRange.max
            || longitude < longitudeRange.min || longitude > longitudeRange.max {
            return nil
        }
        var latitudeOffset = (latitude - latitudeRange.min) / (latitudeRange.max - latitudeRange.min)
        var longitudeOffset = (longitude - longitudeRange.min) / (longitudeRange.max - longitudeRange.min)
        let scale = Double(UInt64(1) << UInt64(step))
        latitudeOffset *= scale
        longitudeOffset *= scale
        return Bits(bits: interleave(truncatingUInt32(latitudeOffset), truncatingUInt32(longitudeOffset)), step: step)
    }

    /// geohashEncodeWGS84.
    public static func encodeWGS84(longitude: Double, latitude: Double, step: UInt8) -> Bits? {
        encode(longitudeRange: longitudeRange, latitudeRange: latitudeRange, longitude: longitude, latitude: latitude, step: step)
    }

    /// geohashDecode: the box a hash stands for.
    public static func decode(longitudeRange: Range, latitudeRange: Range, _ hash: Bits) -> Area? {
        if hash.isZero || latitudeRange.isZero || longitudeRange.isZero { return nil }
        let separated = deinterleave(hash.bits)
        let latitudeScale = latitudeRange.max - latitudeRange.min
        let longitudeScale = longitudeRange.max - longitudeRange.min
        let latitudeCell = UInt32(truncatingIfNeeded: separated)
        let longitudeCell = UInt32(truncatingIfNeeded: separated >> 32)
        let cells = Double(UInt64(1) << UInt64(hash.step))
        // (ilato + 1) is computed in 32 bits in C, so it wraps.
        let latitudeNext = latitudeCell &+ 1
        let longitudeNext = longitudeCell &+ 1
        return Area(
            hash: hash,
            longitude: Range(min: longitudeRange.min + (Double(longitudeCell) * 1.0 / cells) * longitudeScale,
                             max: longitudeRange.min + (Double(longitudeNext) * 1.0 / cells) * longitudeScale),
            latitude: Range(min: latitudeRange.min + (Double(latitudeCell) * 1.0 / cells) * latitudeScale,
                            max: latitudeRange.min + (Double(latitudeNext) * 1.0 / cells) * latitudeScale))
    }

    /// geohashDecodeWGS84.
    public static func decodeWGS84(_ hash: Bits) -> Area? {
        decode(longitudeRange: longitudeRange, latitudeRange: latitudeRange, hash)
    }

    /// geohashDecodeAreaToLongLat: the box's centre, clamped to the WGS84 limits.
    public static func center(of area: Area) -> (longitude: Double, latitude: Double) {
        var longitude = (area.longitude.min + area.longitude.max) / 2
        if longitude > longitudeMax { longitude = longitudeMax }
        if longitude < longitudeMin { longitude = longitudeMin }
        var latitude = (area.latitude.min + area.latitude.max) / 2
        if latitude > latitudeMax { latitude = latitudeMax }
        if latitude < latitudeMin { latitude = latitudeMin }
        return (longitude, latitude)
    }

    /// decodeGeohash (geo.c): a sorted set score back to the coordinates it encodes.
    public static func decodeScore(_ score: Double) -> (longitude: Double, latitude: Double)? {
        guard let area = decodeWGS84(Bits(bits: cUInt64(score), step: maxStep)) else { return nil }
        return center(of: area)
    }

    /// GEOADD's score for a point: the 52-bit hash (nil outside the limits).
    public static func score(longitude: Double, latitude: Double) -> UInt64? {
        encodeWGS84(longitude: longitude, latitude: latitude, step: maxStep).map(align52)
    }

    /// geohashAlign52Bits.
    @inlinable
    public static func align52(_ hash: Bits) -> UInt64 {
        hash.bits << UInt64(52 - Int(hash.step) * 2)
    }

    private static func moveX(_ hash: inout Bits, _ direction: Int) {
        move(&hash, direction, moving: 0xAAAA_AAAA_AAAA_AAAA, fixed: 0x5555_5555_5555_5555)
    }

    private static func moveY(_ hash: inout Bits, _ direction: Int) {
        move(&hash, direction, moving: 0x5555_5555_5555_5555, fixed: 0xAAAA_AAAA_AAAA_AAAA)
    }

    /// geohash_move_x / geohash_move_y: steps the interleaved bits selected by `moving` by one
    /// cell; filling the `fixed` bits with ones first makes the carry cross them.
    private static func move(_ hash: inout Bits, _ direction: Int, moving: UInt64, fixed: UInt64) {
        if direction == 0 { return }
        var value = hash.bits & moving
        let other = hash.bits & fixed
        let shift = UInt64(64 - Int(hash.step) * 2)
        let zz = fixed >> shift
        if direction > 0 {
            value = value &+ (zz &+ 1)
        } else {
            value = value | zz
            value = value &- (zz &+ 1)
        }
        value &= moving >> shift
        hash.bits = value | other
    }

    private static func moved(_ hash: Bits, _ dx: Int, _ dy: Int) -> Bits {
        var result = hash
        moveX(&result, dx)
        moveY(&result, dy)
        return result
    }

    /// geohashNeighbors.
    public static func neighbors(of hash: Bits) -> Neighbors {
        Neighbors(north: moved(hash, 0, 1), east: moved(hash, 1, 0), west: moved(hash, -1, 0), south: moved(hash, 0, -1),
                  northEast: moved(hash, 1, 1), southEast: moved(hash, 1, -1), northWest: moved(hash, -1, 1),
                  southWest: moved(hash, -1, -1))
    }

    /// GEOHASH's 11 characters: the point re-encoded over the standard -90..90 latitude range,
    /// the eleventh character always '0' (52 bits fill only ten).
    public static func standardString(longitude: Double, latitude: Double) -> [UInt8] {
        let alphabet = Array("0123456789bcdefghjkmnpqrstuvwxyz".utf8)
        let hash = encode(longitudeRange: longitudeRange, latitudeRange: standardLatitudeRange,
                          longitude: longitude, latitude: latitude, step: maxStep) ?? Bits(bits: 0, step: maxStep)
        var text = [UInt8](repeating: 0, count: 11)
        for index in 0..<11 {
            let digit = index == 10 ? 0 : Int((hash.bits >> UInt64(52 - (index + 1) * 5)) & 0x1F)
            text[index] = alphabet[digit]
        }
        return text
    }
}
