import Glibc

// Redis 7.0's geohash_helper.c: which boxes cover a search area, and distances on the sphere.
// Every formula keeps Redis's operation order, because the boxes searched and the distances
// replied (to four decimals) must be Redis's to the last bit.

/// GeoShape: a search centre and a circle (radius) or an axis-aligned box (width × height), in
/// the unit given (`conversion` is that unit's size in metres).
public struct GeoShape {
    public enum Kind {
        case circle(radius: Double)
        case box(width: Double, height: Double)
    }

    public var longitude: Double
    public var latitude: Double
    public var conversion: Double
    public var kind: Kind

    public init(longitude: Double, latitude: Double, conversion: Double, kind: Kind) {
        self.longitude = longitude
        self.latitude = latitude
        self.conversion = conversion
        self.kind = kind
    }
}

/// GeoHashRadius: the centre box, its area and its neighbours (some zeroed when useless).
public struct GeoHashRadius {
    public var hash: GeoHash.Bits
    public var area: GeoHash.Area
    public var neighbors: GeoHash.Neighbors

    /// membersOfAllNeighbors' order: the centre, N, S, E, W, NE, NW, SE, SW.
    public var searchOrder: [GeoHash.Bits] {
        [hash, neighbors.north, neighbors.south, neighbors.east, neighbors.west,
         neighbors.northEast, neighbors.northWest, neighbors.southEast, neighbors.southWest]
    }
}

public enum GeoHelper {
    static let degreesToRadians = Double.pi / 180.0
    public static let earthRadiusInMeters = 6372797.560856
    static let mercatorMax = 20037726.37

    @inline(__always) static func radians(_ degrees: Double) -> Double { degrees * degreesToRadians }
    @inline(__always) static func degrees(_ radians: Double) -> Double { radians / degreesToRadians }

    /// geohashEstimateStepsByRadius.
    public static func estimateSteps(radiusMeters: Double, latitude: Double) -> UInt8 {
        if radiusMeters == 0 { return 26 }
        var range = radiusMeters
        var step = 1
        while range < mercatorMax {
            range *= 2
            step += 1
        }
        step -= 2
        if latitude > 66 || latitude < -66 {
            step -= 1
            if latitude > 80 || latitude < -80 { step -= 1 }
        }
        if step < 1 { step = 1 }
        if step > 26 { step = 26 }
        return UInt8(step)
    }

    /// geohashBoundingBox: min longitude, min latitude, max longitude, max latitude. The
    /// longitude span is taken at the edge nearer the pole.
    public static func boundingBox(_ shape: GeoShape) -> (minLongitude: Double, minLatitude: Double,
                                                          maxLongitude: Double, maxLatitude: Double) {
        let height: Double
        let width: Double
        switch shape.kind {
        case .circle(let radius):
            height = shape.conversion * radius
            width = shape.conversion * radius
        case .box(let boxWidth, let boxHeight):
            height = shape.conversion * (boxHeight / 2)
            width = shape.conversion * (boxWidth / 2)
        }
        let latitude = shape.latitude
        let longitude = shape.longitude
        let latitudeDelta = degrees(height / earthRadiusInMeters)
        let longitudeDeltaTop = degrees(width / earthRadiusInMeters / cos(radians(latitude + latitudeDelta)))
        let longitudeDeltaBottom = degrees(width / earthRadiusInMeters / cos(radians(latitude - latitudeDelta)))
        let southern = latitude < 0
        return (southern ? longitude - longitudeDeltaBottom : longitude - longitudeDeltaTop,
                latitude - latitudeDelta,
                southern ? longitude + longitudeDeltaBottom : longitude + longitudeDeltaTop,
                latitude + latitudeDelta)
    }

    /// geohashCalculateAreasByShapeWGS84: the centre box at the estimated step (one step coarser
    /// when a neighbour does not reach the bounding box's edge), with the neighbours that lie
    /// wholly outside the bounding box zeroed.
    public static func areas(for shape: GeoShape) -> GeoHashRadius {
        let bounds = boundingBox(shape)
        let longitude = shape.longitude
        let latitude = shape.latitude
        var radiusMeters: Double
        switch shape.kind {
        case .circle(let radius): radiusMeters = radius
        case .box(let width, let height): radiusMeters = sqrt((width / 2) * (width / 2) + (height / 2) * (height / 2))
        }
        radiusMeters *= shape.conversion

        var steps = estimateSteps(radiusMeters: radiusMeters, latitude: latitude)
        let longitudeRange = GeoHash.longitudeRange
        let latitudeRange = GeoHash.latitudeRange
        let zeroArea = GeoHash.Area(hash: .zero, longitude: GeoHash.Range(min: 0, max: 0), latitude: GeoHash.Range(min: 0, max: 0))
        func box(_ step: UInt8) -> (GeoHash.Bits, GeoHash.Neighbors, GeoHash.Area) {
            let hash = GeoHash.encode(longitudeRange: longitudeRange, latitudeRange: latitudeRange,
                                      longitude: longitude, latitude: latitude, step: step) ?? GeoHash.Bits(bits: 0, step: step)
            let neighbors = GeoHash.neighbors(of: hash)
            let area = GeoHash.decode(longitudeRange: longitudeRange, latitudeRange: latitudeRange, hash) ?? zeroArea
            return (hash, neighbors, area)
        }
        var (hash, neighbors, area) = box(steps)

        var decreaseStep = false
        do {
            let decode = { (bits: GeoHash.Bits) in
                GeoHash.decode(longitudeRange: longitudeRange, latitudeRange: latitudeRange, bits) ?? zeroArea
            }
            let north = decode(neighbors.north)
            let south = decode(neighbors.south)
            let east = decode(neighbors.east)
            let west = decode(neighbors.west)
            if north.latitude.max < bounds.maxLatitude { decreaseStep = true }
            if south.latitude.min > bounds.minLatitude { decreaseStep = true }
            if east.longitude.max < bounds.maxLongitude { decreaseStep = true }
            if west.longitude.min > bounds.minLongitude { decreaseStep = true }
        }
        if steps > 1 && decreaseStep {
            steps -= 1
            (hash, neighbors, area) = box(steps)
        }

        if steps >= 2 {
            if area.latitude.min < bounds.minLatitude {
                neighbors.south = .zero
                neighbors.southWest = .zero
                neighbors.southEast = .zero
            }
            if area.latitude.max > bounds.maxLatitude {
                neighbors.north = .zero
                neighbors.northEast = .zero
                neighbors.northWest = .zero
            }
            if area.longitude.min < bounds.minLongitude {
                neighbors.west = .zero
                neighbors.southWest = .zero
                neighbors.northWest = .zero
            }
            if area.longitude.max > bounds.maxLongitude {
                neighbors.east = .zero
                neighbors.southEast = .zero
                neighbors.northEast = .zero
            }
        }
        return GeoHashRadius(hash: hash, area: area, neighbors: neighbors)
    }

    /// geohashGetLatDistance: the distance along a meridian (the haversine with equal
    /// longitudes, asin(sin(x)) simplified to x).
    public static func latitudeDistance(_ latitude1: Double, _ latitude2: Double) -> Double {
        earthRadiusInMeters * abs(radians(latitude2) - radians(latitude1))
    }

    /// geohashGetDistance: the haversine great-circle distance in metres, taking the meridian
    /// shortcut when the longitudes' half-difference has a zero sine (as 7.0.15 does).
    public static func distance(_ longitude1: Double, _ latitude1: Double, _ longitude2: Double, _ latitude2: Double) -> Double {
        let longitude1r = radians(longitude1)
        let longitude2r = radians(longitude2)
        let v = sin((longitude2r - longitude1r) / 2)
        if v == 0.0 { return latitudeDistance(latitude1, latitude2) }
        let latitude1r = radians(latitude1)
        let latitude2r = radians(latitude2)
        let u = sin((latitude2r - latitude1r) / 2)
        let a = u * u + cos(latitude1r) * cos(latitude2r) * v * v
        return 2.0 * earthRadiusInMeters * asin(sqrt(a))
    }

    /// geohashGetDistanceIfInRadiusWGS84: the distance, nil when beyond the radius (a NaN
    /// distance, as antipodal points can give, counts as inside).
    public static func distanceIfInRadius(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, radius: Double) -> Double? {
        let d = distance(x1, y1, x2, y2)
        if d > radius { return nil }
        return d
    }

    /// geohashGetDistanceIfInRectangle: inside when the point's north-south distance from the
    /// centre (checked first, it is cheaper) and its east-west distance along its own latitude are
    /// within half the box; then the distance to the centre.
    public static func distanceIfInRectangle(width: Double, height: Double, _ x1: Double, _ y1: Double,
                                             _ x2: Double, _ y2: Double) -> Double? {
        if latitudeDistance(y2, y1) > height / 2 { return nil }
        if distance(x2, y2, x1, y2) > width / 2 { return nil }
        return distance(x1, y1, x2, y2)
    }
}
