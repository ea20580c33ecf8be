import Testing
@testable import Store

// Values checked against redis-server 7.0.15 (GEOADD / ZSCORE / GEOPOS / GEOHASH / GEODIST and
// GEOSEARCH orders).
@Suite struct GeoHashTests {
    @Test func scoresAreRedisHashes() {
        #expect(GeoHash.score(longitude: 13.361389, latitude: 38.115556) == 3479099956230698)
        #expect(GeoHash.score(longitude: 15.087269, latitude: 37.502669) == 3479447370796909)
        #expect(GeoHash.score(longitude: 2.3522, latitude: 48.8566) == 3663832779122514)
        // Longitude 180 is offset 2^26, one past the 26 bits: Redis stores 13510798882111488.
        #expect(GeoHash.score(longitude: 180, latitude: 85.05112878) == 13510798882111488)
        #expect(GeoHash.score(longitude: 180.0001, latitude: 0) == nil)
        #expect(GeoHash.score(longitude: 0, latitude: 85.05112879) == nil)
    }

    @Test func decodingGivesTheBoxCentre() throws {
        let (longitude, latitude) = try #require(GeoHash.decodeScore(3479099956230698))
        #expect(abs(longitude - 13.36138933897018433) < 1e-13)
        #expect(abs(latitude - 38.11555639549629859) < 1e-13)
    }

    @Test func nonHashScoresDecodeAsX86Conversions() throws {
        #expect(GeoHash.cUInt64(1e20) == 0)
        #expect(GeoHash.cUInt64(.infinity) == 0)
        #expect(GeoHash.cUInt64(-.infinity) == 1 << 63)
        #expect(GeoHash.cUInt64(-1) == UInt64.max)
        #expect(GeoHash.cUInt64(9.3e18) == UInt64(9.3e18))
        // -1 decodes to every bit set: clamped to the limits, as GEOPOS shows.
        let (longitude, latitude) = try #require(GeoHash.decodeScore(-1))
        #expect(longitude == 180)
        #expect(latitude == GeoHash.latitudeMax)
    }

    @Test func interleavingRoundTrips() {
        for (x, y) in [(UInt32(0), UInt32(0)), (0xFFFF_FFFF, 0), (0x1234_5678, 0x9ABC_DEF0), (67_108_863, 1)] {
            let separated = GeoHash.deinterleave(GeoHash.interleave(x, y))
            #expect(UInt32(truncatingIfNeeded: separated) == x)
            #expect(UInt32(truncatingIfNeeded: separated >> 32) == y)
        }
    }

    @Test func neighboursWrapAndReturn() throws {
        let hash = try #require(GeoHash.encodeWGS84(longitude: 13.36, latitude: 38.11, step: 8))
        let east = GeoHash.neighbors(of: hash).east
        #expect(GeoHash.neighbors(of: east).west == hash)
        let north = GeoHash.neighbors(of: hash).north
        #expect(GeoHash.neighbors(of: north).south == hash)
        // At step 1 north and south are the same box, so the search skips the repeat.
        let coarse = try #require(GeoHash.encodeWGS84(longitude: 10, latitude: 10, step: 1))
        #expect(GeoHash.neighbors(of: coarse).north == GeoHash.neighbors(of: coarse).south)
    }

    @Test func standardGeohashStrings() throws {
        let palermo = try #require(GeoHash.decodeScore(3479099956230698))
        #expect(String(decoding: GeoHash.standardString(longitude: palermo.0, latitude: palermo.1), as: UTF8.self) == "sqc8b49rny0")
        let catania = try #require(GeoHash.decodeScore(3479447370796909))
        #expect(String(decoding: GeoHash.standardString(longitude: catania.0, latitude: catania.1), as: UTF8.self) == "sqdtr74hyu0")
    }

    @Test func distancesAreHaversineWithoutTheEqualLongitudeShortcut() throws {
        let palermo = try #require(GeoHash.decodeScore(3479099956230698))
        let catania = try #require(GeoHash.decodeScore(3479447370796909))
        #expect(abs(GeoHelper.distance(palermo.0, palermo.1, catania.0, catania.1) - 166274.1516) < 0.0001)
        // Same longitude: the meridian shortcut, as redis-server 7.0.15 computes it (its STOREDIST
        // gives 7423.1188160500005 km where the full formula gives 7423.1188160499990).
        let a = try #require(GeoHash.score(longitude: -130.0511544777728, latitude: 9.250408943782034).flatMap { GeoHash.decodeScore(Double($0)) })
        let b = try #require(GeoHash.score(longitude: -130.0511544777728, latitude: -57.48847384891022).flatMap { GeoHash.decodeScore(Double($0)) })
        #expect(a.0 == b.0)
        #expect(GeoHelper.distance(a.0, a.1, b.0, b.1) == GeoHelper.latitudeDistance(a.1, b.1))
        #expect(GeoHelper.distance(a.0, a.1, b.0, b.1) / 1000 == 7423.1188160500005)
    }

    @Test func stepsWidenTowardsThePoles() {
        #expect(GeoHelper.estimateSteps(radiusMeters: 0, latitude: 0) == 26)
        let equator = GeoHelper.estimateSteps(radiusMeters: 1000, latitude: 0)
        #expect(GeoHelper.estimateSteps(radiusMeters: 1000, latitude: 70) == equator - 1)
        #expect(GeoHelper.estimateSteps(radiusMeters: 1000, latitude: -81) == equator - 2)
        #expect(GeoHelper.estimateSteps(radiusMeters: 1e9, latitude: 0) == 1)
    }

    private func ascending(_ a: (String, Double), _ b: (String, Double)) -> Int {
        a.1 > b.1 ? 1 : (a.1 == b.1 ? 0 : -1)
    }

    @Test func fullSortKeepsTiesInScanOrder() {
        var items = [("a", 1.0), ("b", 0), ("c", 1), ("d", 0), ("e", 0.5)]
        GeoSort.mergeSort(&items, ascending)
        #expect(items.map(\.0) == ["b", "d", "e", "a", "c"])
    }

    @Test func partialSortLeavesTiesWhereRedisDoes() {
        // 30 equal distances then a farther one, DESC COUNT 5 (GEOSEARCH ... DESC COUNT 5).
        var items = (10..<40).map { ("m\($0)", 0.0) } + [("far", 109.5)]
        GeoSort.partialSort(&items, from: 0, through: 4) { -ascending($0, $1) }
        #expect(items.prefix(5).map(\.0) == ["far", "m11", "m12", "m13", "m14"])
        // A search's 56 results in scan order, COUNT 50: Redis answers m106 m32 m166 m152 m139
        // (the ties reversed, as the partitioning leaves them).
        var found: [(String, Double)] = [
        ("m151", 4826164.820006107), ("m187", 4825626.5899337018), ("m186", 4825147.1612974517), ("m135", 3582695.4094919707),
        ("m153", 3234898.1709271083), ("m167", 4702443.3976648822), ("m70", 32705.761507106028), ("m78", 18678.11349556586),
        ("m74", 5254.0621741416189), ("m106", 0), ("m139", 0), ("m152", 0),
        ("m166", 0), ("m32", 0), ("m1", 12659.395479070823), ("m109", 14988.240935094002),
        ("m173", 24723.475031020767), ("m156", 24386.829003921066), ("m96", 31866.319469687682), ("m90", 29042.660435894559),
        ("m116", 35234.525705030283), ("m16", 35277.123299591949), ("m57", 25785.337707308008), ("m86", 23357.68864594735),
        ("m104", 3445846.4769797674), ("m172", 3590262.2160441549), ("m150", 4833918.9511869438), ("m183", 13647868.093542099),
        ("m105", 10764191.026068227), ("m146", 13651324.821838507), ("m119", 14264493.462815745), ("m141", 13971748.307821438),
        ("m61", 14239400.344234174), ("m168", 9348993.5536630619), ("m51", 4827066.5009278059), ("m85", 4826856.1778963255),
        ("m10", 4827153.4915554989), ("m188", 14533042.206468455), ("m46", 14998623.669434778), ("m62", 5801007.5429407442),
        ("m54", 5776062.362117867), ("m88", 4826547.9694085931), ("m80", 4826448.5694469148), ("m177", 4826330.9324946487),
        ("m24", 4825288.4597683735), ("m140", 2668940.3525204328), ("m179", 5145531.4387839269), ("m126", 5073760.2828454459),
        ("m110", 3506354.1006877897), ("m63", 15137381.023990327), ("m66", 14603745.361651054), ("m76", 14207252.753406174),
        ("m164", 13896381.619131872), ("m95", 7603601.4731920129), ("m122", 4827193.3303680085), ("m128", 4827139.821543186)
        ]
        GeoSort.partialSort(&found, from: 0, through: 49, ascending)
        #expect(found.prefix(7).map(\.0) == ["m106", "m32", "m166", "m152", "m139", "m74", "m1"])
    }
}
