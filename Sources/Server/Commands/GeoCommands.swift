import RESP
import Store
import Util

// The geo family (geo.c, Redis 7.0) over sorted sets whose scores are 52-bit geohashes
// (Sources/Store/Geo): GEOADD (ZADD under another name: it replicates, counts and notifies as
// ZADD), GEOPOS, GEODIST, GEOHASH here; the searches (GEORADIUS*, GEOSEARCH*) in GeoSearch.swift.

enum GeoCommands {
    static let handlers: [String: CommandHandler] = [
        "geoadd": geoadd, "geopos": geopos, "geodist": geodist, "geohash": geohash,
        "georadius": georadius, "georadius_ro": georadiusReadOnly,
        "georadiusbymember": georadiusByMember, "georadiusbymember_ro": georadiusByMemberReadOnly,
        "geosearch": geosearch, "geosearchstore": geosearchstore,
    ]

    // MARK: argument helpers

    /// extractLongLatOrReply: two floats at `index`, within the WGS84 limits.
    static func longitudeLatitude(_ c: Client, at index: Int) -> (Double, Double)? {
        guard let longitude = parseDouble(c.arg(index)) else {
            c.error(ErrorText.notFloat)
            return nil
        }
        guard let latitude = parseDouble(c.arg(index + 1)) else {
            c.error(ErrorText.notFloat)
            return nil
        }
        if longitude < GeoHash.longitudeMin || longitude > GeoHash.longitudeMax
            || latitude < GeoHash.latitudeMin || latitude > GeoHash.latitudeMax {
            c.error(ErrorText.geoInvalidPair(fixedPointString(longitude, digits: 6), fixedPointString(latitude, digits: 6)))
            return nil
        }
        return (longitude, latitude)
    }

    /// extractUnitOrReply: metres per unit.
    static func unit(_ c: Client, at index: Int) -> Double? {
        if c.argIs(index, "m") { return 1 }
        if c.argIs(index, "km") { return 1000 }
        if c.argIs(index, "ft") { return 0.3048 }
        if c.argIs(index, "mi") { return 1609.34 }
        c.error(ErrorText.geoUnsupportedUnit)
        return nil
    }

    /// A non-negative float argument (extractDistanceOrReply / extractBoxOrReply).
    static func measure(_ c: Client, at index: Int, notNumeric: StaticString) -> Double? {
        guard let value = parseDouble(c.arg(index)) else {
            c.error(notNumeric)
            return nil
        }
        return value
    }

    /// The coordinates a member's score encodes; nil when the member is absent.
    static func position(_ object: RedisObject, _ member: UnsafeRawBufferPointer) -> (Double, Double)? {
        guard let score = ZSetType.score(object, member) else { return nil }
        return GeoHash.decodeScore(score)
    }

    /// addReplyHumanLongDouble: the double widened to long double, "%.17Lf" without trailing
    /// zeros; a bulk string in RESP2, a double in RESP3.
    static func replyCoordinate(_ c: Client, _ value: Double) {
        let text = longDoubleHumanBytes(LongDouble(value)) ?? Array("0".utf8)
        text.withUnsafeBytes { c.reply.doubleText($0) }
    }

    /// addReplyDoubleDistance: fixedpoint_d2string with four decimals, a bulk string in both
    /// protocols. It rounds the value times 10^4 to the nearest integer, ties to even (llrint),
    /// so it differs from "%.4f" where the product rounds onto a half.
    static func replyDistance(_ c: Client, _ value: Double) {
        c.reply.bulk(fixedPointDistance(value))
    }

    static func fixedPointDistance(_ value: Double) -> [UInt8] {
        if value == 0 { return Array("0.0000".utf8) }
        let scaled = (value * 10000).rounded(.toNearestOrEven)
        // llrint of NaN or out of range is x86-64's "integer indefinite", LLONG_MIN.
        let integer = scaled.isNaN || scaled >= 9_223_372_036_854_775_808.0 || scaled < -9_223_372_036_854_775_808.0
            ? Int64.min : Int64(scaled)
        let magnitude = integer.magnitude
        var text = integer < 0 ? "-" : ""
        let fraction = String(magnitude % 10000)
        text += String(magnitude / 10000) + "." + String(repeating: "0", count: 4 - fraction.count) + fraction
        return Array(text.utf8)
    }

    // MARK: GEOADD

    /// geoaddCommand: NX/XX/CH, then longitude latitude member triples turned into ZADD's score
    /// member pairs; the command then behaves, and propagates, as that ZADD.
    static func geoadd(_ c: Client) {
        var nx = false
        var xx = false
        var changed = false
        var firstIndex = 2
        while firstIndex < c.argumentCount {
            if c.argIs(firstIndex, "nx") { nx = true }
            else if c.argIs(firstIndex, "xx") { xx = true }
            else if c.argIs(firstIndex, "ch") { changed = true }
            else { break }
            firstIndex += 1
        }
        if (c.argumentCount - firstIndex) % 3 != 0 || (xx && nx) {
            c.error(ErrorText.syntax)
            return
        }
        let elements = (c.argumentCount - firstIndex) / 3
        var scores: [UInt64] = []
        scores.reserveCapacity(elements)
        for element in 0..<elements {
            guard let (longitude, latitude) = longitudeLatitude(c, at: firstIndex + element * 3) else { return }
            scores.append(GeoHash.score(longitude: longitude, latitude: latitude) ?? 0)
        }
        // What zaddGenericCommand checks of the rewritten vector.
        if elements == 0 {
            c.error(ErrorText.syntax)
            return
        }
        let key = c.arg(1)
        let existing = c.lookupWrite(key)
        if c.wrongType(existing, .zset) { return }
        let object: RedisObject
        if let existing {
            object = existing
        } else if xx {
            c.reply.integer(0)
            return
        } else {
            object = c.db.add(key, c.stored(SortedSetCommands.newSortedSet(c, firstMemberLength: c.arg(firstIndex + 2).count)))
            c.signalKeyAsReady(key)
        }
        var flags: ZAddFlags = []
        if nx { flags.insert(.nx) }
        if xx { flags.insert(.xx) }
        let limits = c.zsetLimits
        var added = 0
        var updated = 0
        for element in 0..<elements {
            switch ZSetType.add(object, c.arg(firstIndex + element * 3 + 2), score: Double(scores[element]), flags: flags, limits: limits) {
            case .added: added += 1
            case .updated: updated += 1
            case .nan, .skipped, .unchanged: break
            }
        }
        if added + updated > 0 { SortedSetCommands.membersChanged(c, key, "zadd") }
        c.markDirty(Int64(added + updated))
        c.propagateAs(count: firstIndex + elements * 2) { arguments in
            arguments.append("zadd")
            for index in 1..<firstIndex { arguments.append(c.arg(index)) }
            for element in 0..<elements {
                arguments.append(Int64(scores[element]))
                arguments.append(c.arg(firstIndex + element * 3 + 2))
            }
        }
        c.reply.integer(changed ? added + updated : added)
    }

    // MARK: GEOPOS / GEODIST / GEOHASH

    static func geopos(_ c: Client) {
        let object = c.lookupRead(c.arg(1))
        if c.wrongType(object, .zset) { return }
        c.reply.arrayHeader(c.argumentCount - 2)
        for index in 2..<c.argumentCount {
            guard let object, let (longitude, latitude) = position(object, c.arg(index)) else {
                c.reply.nullArray()
                continue
            }
            c.reply.arrayHeader(2)
            replyCoordinate(c, longitude)
            replyCoordinate(c, latitude)
        }
    }

    static func geodist(_ c: Client) {
        var toMeters = 1.0
        if c.argumentCount == 5 {
            guard let factor = unit(c, at: 4) else { return }
            toMeters = factor
        } else if c.argumentCount > 5 {
            c.error(ErrorText.syntax)
            return
        }
        guard let object = c.lookupReadOrReply(c.arg(1), type: .zset, missing: { $0.reply.nullBulk() }) else { return }
        guard let (x1, y1) = position(object, c.arg(2)), let (x2, y2) = position(object, c.arg(3)) else {
            c.reply.nullBulk()
            return
        }
        replyDistance(c, GeoHelper.distance(x1, y1, x2, y2) / toMeters)
    }

    static func geohash(_ c: Client) {
        let object = c.lookupRead(c.arg(1))
        if c.wrongType(object, .zset) { return }
        c.reply.arrayHeader(c.argumentCount - 2)
        for index in 2..<c.argumentCount {
            guard let object, let (longitude, latitude) = position(object, c.arg(index)) else {
                c.reply.nullBulk()
                continue
            }
            c.reply.bulk(GeoHash.standardString(longitude: longitude, latitude: latitude))
        }
    }
}
