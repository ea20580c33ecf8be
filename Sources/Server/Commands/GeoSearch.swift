import RESP
import Store
import Util

// georadiusGeneric (geo.c, Redis 7.0): GEORADIUS, GEORADIUSBYMEMBER, their _RO forms, GEOSEARCH
// and GEOSEARCHSTORE. The area's covering boxes (the centre and up to eight neighbours) are
// scanned as score ranges in Redis's order, skipping a box equal to the one scanned just
// before; the points inside the shape are then sorted by Redis's own sorts (GeoSort) when
// asked to (or when COUNT without ANY asks for the nearest), and replied or stored.

extension GeoCommands {
    struct SearchFlags: OptionSet {
        let rawValue: UInt8
        /// RADIUS_COORDS: the centre is given as longitude latitude.
        static let coordinates = SearchFlags(rawValue: 1 << 0)
        /// RADIUS_MEMBER: the centre is a member.
        static let member = SearchFlags(rawValue: 1 << 1)
        /// RADIUS_NOSTORE: no STORE / STOREDIST (the _RO forms).
        static let noStore = SearchFlags(rawValue: 1 << 2)
        /// GEOSEARCH's arguments.
        static let search = SearchFlags(rawValue: 1 << 3)
        /// GEOSEARCHSTORE: a destination first, STOREDIST without an argument.
        static let searchStore = SearchFlags(rawValue: 1 << 4)
    }

    static func georadius(_ c: Client) { search(c, sourceIndex: 1, flags: .coordinates) }
    static func georadiusReadOnly(_ c: Client) { search(c, sourceIndex: 1, flags: [.coordinates, .noStore]) }
    static func georadiusByMember(_ c: Client) { search(c, sourceIndex: 1, flags: .member) }
    static func georadiusByMemberReadOnly(_ c: Client) { search(c, sourceIndex: 1, flags: [.member, .noStore]) }
    static func geosearch(_ c: Client) { search(c, sourceIndex: 1, flags: .search) }
    static func geosearchstore(_ c: Client) { search(c, sourceIndex: 2, flags: [.search, .searchStore]) }

    /// geoPoint.
    struct Point {
        var longitude: Double
        var latitude: Double
        var distance: Double
        var score: Double
        var member: [UInt8]
    }

    enum Order {
        case none, ascending, descending
    }

    // The branches follow georadiusGeneric's parsing one for one, which decides which error
    // a bad command gets.
    static func search(_ c: Client, sourceIndex: Int, flags: SearchFlags) {
        let object = c.lookupRead(c.arg(sourceIndex))
        if c.wrongType(object, .zset) { return }

        var longitude = 0.0
        var latitude = 0.0
        var conversion = 0.0
        var kind = GeoShape.Kind.circle(radius: 0)
        var storeIndex: Int?
        var storeDistance = false
        let baseArguments: Int
        if flags.contains(.coordinates) {
            baseArguments = 6
            guard let (x, y) = longitudeLatitude(c, at: 2) else { return }
            (longitude, latitude) = (x, y)
            guard let (radius, factor) = distanceArguments(c, at: 4) else { return }
            kind = .circle(radius: radius)
            conversion = factor
        } else if flags.contains(.member) && object == nil {
            // Parsing goes on, so the reply can follow STORE.
            baseArguments = 5
        } else if flags.contains(.member) {
            baseArguments = 5
            guard let (x, y) = position(object!, c.arg(2)) else {
                c.error(ErrorText.geoUndecodableMember)
                return
            }
            (longitude, latitude) = (x, y)
            guard let (radius, factor) = distanceArguments(c, at: 3) else { return }
            kind = .circle(radius: radius)
            conversion = factor
        } else {
            baseArguments = flags.contains(.searchStore) ? 3 : 2
            if flags.contains(.searchStore) { storeIndex = 1 }
        }

        var withDistance = false
        var withHash = false
        var withCoordinates = false
        var fromMember = false
        var fromLocation = false
        var byRadius = false
        var byBox = false
        var order = Order.none
        var any = false
        var count: Int64 = 0
        let remaining = c.argumentCount - baseArguments
        var i = 0
        while i < remaining {
            let index = baseArguments + i
            if c.argIs(index, "withdist") {
                withDistance = true
            } else if c.argIs(index, "withhash") {
                withHash = true
            } else if c.argIs(index, "withcoord") {
                withCoordinates = true
            } else if c.argIs(index, "any") {
                any = true
            } else if c.argIs(index, "asc") {
                order = .ascending
            } else if c.argIs(index, "desc") {
                order = .descending
            } else if c.argIs(index, "count") && i + 1 < remaining {
                guard let value = c.integerArgument(index + 1) else { return }
                if value <= 0 {
                    c.error(ErrorText.geoCountNotPositive)
                    return
                }
                count = value
                i += 1
            } else if c.argIs(index, "store") && i + 1 < remaining && !flags.contains(.noStore) && !flags.contains(.search) {
                storeIndex = index + 1
                storeDistance = false
                i += 1
            } else if c.argIs(index, "storedist") && i + 1 < remaining && !flags.contains(.noStore) && !flags.contains(.search) {
                storeIndex = index + 1
                storeDistance = true
                i += 1
            } else if c.argIs(index, "storedist") && flags.contains(.search) && flags.contains(.searchStore) {
                storeDistance = true
            } else if c.argIs(index, "frommember") && i + 1 < remaining && flags.contains(.search) && !fromLocation {
                if let object {
                    guard let (x, y) = position(object, c.arg(index + 1)) else {
                        c.error(ErrorText.geoUndecodableMember)
                        return
                    }
                    (longitude, latitude) = (x, y)
                }
                fromMember = true
                i += 1
            } else if c.argIs(index, "fromlonlat") && i + 2 < remaining && flags.contains(.search) && !fromMember {
                guard let (x, y) = longitudeLatitude(c, at: index + 1) else { return }
                (longitude, latitude) = (x, y)
                fromLocation = true
                i += 2
            } else if c.argIs(index, "byradius") && i + 2 < remaining && flags.contains(.search) && !byBox {
                guard let (radius, factor) = distanceArguments(c, at: index + 1) else { return }
                kind = .circle(radius: radius)
                conversion = factor
                byRadius = true
                i += 2
            } else if c.argIs(index, "bybox") && i + 3 < remaining && flags.contains(.search) && !byRadius {
                guard let width = measure(c, at: index + 1, notNumeric: ErrorText.geoNeedNumericWidth),
                      let height = measure(c, at: index + 2, notNumeric: ErrorText.geoNeedNumericHeight) else { return }
                if height < 0 || width < 0 {
                    c.error(ErrorText.geoBoxNegative)
                    return
                }
                guard let factor = unit(c, at: index + 3) else { return }
                kind = .box(width: width, height: height)
                conversion = factor
                byBox = true
                i += 3
            } else {
                c.error(ErrorText.syntax)
                return
            }
            i += 1
        }

        if storeIndex != nil && (withDistance || withHash || withCoordinates) {
            c.error(flags.contains(.searchStore) ? ErrorText.geoSearchStoreWithOptions : ErrorText.geoRadiusStoreWithOptions)
            return
        }
        if flags.contains(.search) && !(fromMember || fromLocation) {
            c.error(ErrorText.geoNeedsOneFrom(c.argString(0)))
            return
        }
        if flags.contains(.search) && !(byRadius || byBox) {
            c.error(ErrorText.geoNeedsOneBy(c.argString(0)))
            return
        }
        if any && count == 0 {
            c.error(ErrorText.geoAnyWithoutCount)
            return
        }
        guard let object else {
            if let storeIndex {
                SortedSetCommands.deleteDestination(c, c.arg(storeIndex))
                c.reply.integer(0)
            } else {
                c.reply.emptyArray()
            }
            return
        }
        // COUNT means the nearest ones, unless ANY.
        if count != 0 && order == .none && !any { order = .ascending }

        let shape = GeoShape(longitude: longitude, latitude: latitude, conversion: conversion, kind: kind)
        var points = collect(object, shape, limit: any ? Int(count) : 0)
        if points.isEmpty && storeIndex == nil {
            c.reply.emptyArray()
            return
        }
        let returned = count == 0 || Int64(points.count) < count ? points.count : Int(count)
        if order != .none {
            let descending = order == .descending
            let compare = { (a: Point, b: Point) -> Int in
                let ascending = a.distance > b.distance ? 1 : (a.distance == b.distance ? 0 : -1)
                return descending ? -ascending : ascending
            }
            if returned == points.count {
                GeoSort.mergeSort(&points, compare)
            } else {
                GeoSort.partialSort(&points, from: 0, through: returned - 1, compare)
            }
        }
        if let storeIndex {
            store(c, points.prefix(returned), to: c.arg(storeIndex), distances: storeDistance,
                  conversion: conversion, event: flags.contains(.search) ? "geosearchstore" : "georadiusstore")
            return
        }
        let options = (withDistance ? 1 : 0) + (withCoordinates ? 1 : 0) + (withHash ? 1 : 0)
        c.reply.arrayHeader(returned)
        for point in points.prefix(returned) {
            if options > 0 { c.reply.arrayHeader(options + 1) }
            c.reply.bulk(point.member)
            if withDistance { replyDistance(c, point.distance / conversion) }
            if withHash { c.reply.integer(Int64(GeoHash.cUInt64(point.score))) }
            if withCoordinates {
                c.reply.arrayHeader(2)
                replyCoordinate(c, point.longitude)
                replyCoordinate(c, point.latitude)
            }
        }
    }

    /// extractDistanceOrReply: a non-negative radius and its unit.
    static func distanceArguments(_ c: Client, at index: Int) -> (Double, Double)? {
        guard let radius = measure(c, at: index, notNumeric: ErrorText.geoNeedNumericRadius) else { return nil }
        if radius < 0 {
            c.error(ErrorText.geoRadiusNegative)
            return nil
        }
        guard let factor = unit(c, at: index + 1) else { return nil }
        return (radius, factor)
    }

    /// membersOfAllNeighbors: the boxes in order, a zeroed one skipped, one equal to the box
    /// scanned last skipped (the centre excepted: `last_processed` starts at 0, which reads as
    /// "none"); with a `limit` (ANY), the scan stops once that many points were found.
    static func collect(_ object: RedisObject, _ shape: GeoShape, limit: Int) -> [Point] {
        let boxes = GeoHelper.areas(for: shape).searchOrder
        var points: [Point] = []
        var lastProcessed = 0
        for (index, box) in boxes.enumerated() {
            if box.isZero { continue }
            if lastProcessed != 0 && box == boxes[lastProcessed] { continue }
            if !points.isEmpty && limit != 0 && points.count >= limit { break }
            collect(object, box: box, shape, limit: limit, into: &points)
            lastProcessed = index
        }
        return points
    }

    /// geoGetPointsInRange over the box's scores, min inclusive, max exclusive.
    static func collect(_ object: RedisObject, box: GeoHash.Bits, _ shape: GeoShape, limit: Int, into points: inout [Point]) {
        let minimum = GeoHash.align52(box)
        var next = box
        next.bits &+= 1
        let maximum = GeoHash.align52(next)
        let range = ZScoreRange(min: Double(minimum), max: Double(maximum), minExclusive: false, maxExclusive: true)
        let start = ZSetType.edge(object, of: range, reverse: false)
        var full = false
        _ = ZSetType.forEach(object, from: start, offset: 0, limit: -1, reverse: false, inside: { _, score in
            !full && range.belowMax(score)
        }) { member, score in
            if let point = within(shape, score: score, member: member) { points.append(point) }
            if !points.isEmpty && limit != 0 && points.count >= limit { full = true }
        }
    }

    /// geoWithinShape: the decoded point and its distance to the centre when inside the shape.
    static func within(_ shape: GeoShape, score: Double, member: ElementValue) -> Point? {
        guard let (x, y) = GeoHash.decodeScore(score) else { return nil }
        let distance: Double?
        switch shape.kind {
        case .circle(let radius):
            distance = GeoHelper.distanceIfInRadius(shape.longitude, shape.latitude, x, y, radius: radius * shape.conversion)
        case .box(let width, let height):
            distance = GeoHelper.distanceIfInRectangle(width: width * shape.conversion, height: height * shape.conversion,
                                                      shape.longitude, shape.latitude, x, y)
        }
        guard let distance else { return nil }
        return Point(longitude: x, latitude: y, distance: distance, score: score, member: member.withBytes { [UInt8]($0) })
    }

    /// The STORE / STOREDIST / GEOSEARCHSTORE result: a sorted set of the points (scores: their
    /// hashes, or their distances in the unit asked), built as a skiplist and made a listpack
    /// when it fits; an empty result deletes the destination.
    static func store(_ c: Client, _ points: ArraySlice<Point>, to key: UnsafeRawBufferPointer, distances: Bool,
                      conversion: Double, event: StaticString) {
        if points.isEmpty {
            SortedSetCommands.deleteDestination(c, key)
            c.reply.integer(0)
            return
        }
        let object = ZSetType.createSkiplist()
        let limits = c.zsetLimits
        var longest = 0
        for point in points {
            let score = distances ? point.distance / conversion : point.score
            longest = Swift.max(longest, point.member.count)
            point.member.withUnsafeBytes { _ = ZSetType.add(object, $0, score: score, flags: [], limits: limits) }
        }
        ZSetType.convertToListpackIfNeeded(object, maxElementLength: longest, limits: limits)
        SortedSetCommands.storeSortedSet(c, key, object, event: event)
        c.markDirty(Int64(points.count - 1))
        c.reply.integer(points.count)
    }
}
