import Config
import RESP
import Store
import Util

// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (zunionInterDiffGenericCommand,
// Redis 7.0). Inputs may be sorted sets or plain sets (whose members score 1). Union and
// intersection visit the inputs from the smallest to the largest (a stable order, as glibc's
// qsort gives for these sizes), so sums of weighted scores are added in Redis's order.

extension SortedSetCommands {
    enum SetOperation {
        case union, inter, diff
    }

    enum Aggregate {
        case sum, min, max
    }

    /// One input: a sorted set, a set, or nothing (a missing key is an empty input).
    struct AlgebraSource {
        let object: RedisObject?
        var weight = 1.0

        var length: Int {
            guard let object else { return 0 }
            return object.type == .zset ? ZSetType.length(object) : SetType.size(object)
        }

        /// zuiNext over the whole input: a sorted set in order, a set in its own order (score 1).
        func forEach(_ body: (ElementValue, Double) -> Void) {
            guard let object else { return }
            if object.type == .zset {
                ZSetType.forEach(object, body)
            } else {
                SetType.forEach(object) { body($0, 1.0) }
            }
        }

        /// zuiFind: the element's score in this input, if present.
        func score(of member: UnsafeRawBufferPointer) -> Double? {
            guard let object else { return nil }
            if object.type == .zset { return ZSetType.score(object, member) }
            return SetType.contains(object, member) ? 1.0 : nil
        }
    }

    static func zunion(_ c: Client) { algebra(c, destination: nil, numberOfKeysAt: 1, operation: .union, name: "zunion") }
    static func zinter(_ c: Client) { algebra(c, destination: nil, numberOfKeysAt: 1, operation: .inter, name: "zinter") }
    static func zdiff(_ c: Client) { algebra(c, destination: nil, numberOfKeysAt: 1, operation: .diff, name: "zdiff") }
    static func zunionstore(_ c: Client) { algebra(c, destination: 1, numberOfKeysAt: 2, operation: .union, name: "zunionstore") }
    static func zinterstore(_ c: Client) { algebra(c, destination: 1, numberOfKeysAt: 2, operation: .inter, name: "zinterstore") }
    static func zdiffstore(_ c: Client) { algebra(c, destination: 1, numberOfKeysAt: 2, operation: .diff, name: "zdiffstore") }

    static func zintercard(_ c: Client) {
        algebra(c, destination: nil, numberOfKeysAt: 1, operation: .inter, name: "zintercard", cardinalityOnly: true)
    }

    @inline(__always)
    static func aggregate(_ target: inout Double, _ value: Double, _ how: Aggregate) {
        switch how {
        case .sum:
            target += value
            // inf + -inf: Redis keeps the convention that the sum is 0.
            if target.isNaN { target = 0 }
        // As C's `val < *target ? val : *target`: ties (0 and -0) and NaN keep the target.
        case .min: if value < target { target = value }
        case .max: if value > target { target = value }
        }
    }

    static func algebra(_ c: Client, destination: Int?, numberOfKeysAt numberIndex: Int, operation: SetOperation,
                        name: String, cardinalityOnly: Bool = false) {
        guard let setCount = c.integerArgument(numberIndex) else { return }
        if setCount < 1 {
            c.error("ERR at least 1 input key is needed for '\(name)' command")
            return
        }
        if setCount > Int64(c.argumentCount - numberIndex - 1) {
            c.error(ErrorText.syntax)
            return
        }
        let count = Int(setCount)
        var sources: [AlgebraSource] = []
        sources.reserveCapacity(count)
        for index in (numberIndex + 1)...(numberIndex + count) {
            let object = c.lookupRead(c.arg(index))
            if let object, object.type != .zset && object.type != .set {
                c.error(ErrorText.wrongType)
                return
            }
            sources.append(AlgebraSource(object: object))
        }
        var how = Aggregate.sum
        var withScores = false
        var limit = 0
        var index = numberIndex + count + 1
        while index < c.argumentCount {
            let remaining = c.argumentCount - index
            if operation != .diff && !cardinalityOnly && remaining >= count + 1 && c.argIs(index, "weights") {
                for source in 0..<count {
                    guard let weight = parseDouble(c.arg(index + 1 + source)) else {
                        c.error("ERR weight value is not a float")
                        return
                    }
                    sources[source].weight = weight
                }
                index += count + 1
            } else if operation != .diff && !cardinalityOnly && remaining >= 2 && c.argIs(index, "aggregate") {
                if c.argIs(index + 1, "sum") { how = .sum }
                else if c.argIs(index + 1, "min") { how = .min }
                else if c.argIs(index + 1, "max") { how = .max }
                else {
                    c.error(ErrorText.syntax)
                    return
                }
                index += 2
            } else if destination == nil && !cardinalityOnly && c.argIs(index, "withscores") {
                withScores = true
                index += 1
            } else if cardinalityOnly && remaining >= 2 && c.argIs(index, "limit") {
                guard let value = c.rangedIntegerArgument(index + 1, min: 0, max: Int64.max,
                                                          message: "LIMIT can't be negative") else { return }
                limit = Int(value)
                index += 2
            } else {
                c.error(ErrorText.syntax)
                return
            }
        }
        if operation != .diff {
            sources = sources.enumerated().sorted { ($0.element.length, $0.offset) < ($1.element.length, $1.offset) }
                .map(\.element)
        }
        if cardinalityOnly {
            c.reply.integer(intersectionCardinality(sources, limit: limit))
            return
        }
        let result = ZSet()
        var longest = 0
        switch operation {
        case .inter: intersect(sources, how, into: result, longest: &longest)
        case .union: unite(sources, how, into: result, longest: &longest)
        case .diff: subtract(sources, into: result, longest: &longest)
        }
        if let destination {
            let key = c.arg(destination)
            if result.count > 0 {
                let object = RedisObject.collection(.zset, .skiplist, result)
                ZSetType.convertToListpackIfNeeded(object, maxElementLength: longest, limits: c.zsetLimits)
                c.reply.integer(result.count)
                storeSortedSet(c, key, object, event: operation == .union ? "zunionstore"
                               : operation == .inter ? "zinterstore" : "zdiffstore")
            } else {
                c.reply.integer(0)
                deleteDestination(c, key)
            }
            return
        }
        let nested = withScores && c.reply.resp3
        c.reply.arrayHeader(withScores && !nested ? result.count * 2 : result.count)
        var node = result.list.first
        while let current = node {
            replyElement(c, .bytes(current.member), current.score, withScores: withScores, nested: nested)
            node = result.list.next(current)
        }
    }

    private static func intersect(_ sources: [AlgebraSource], _ how: Aggregate, into result: ZSet, longest: inout Int) {
        guard sources[0].length > 0 else { return }
        let first = sources[0]
        first.forEach { element, elementScore in
            element.withBytes { member in
                var score = first.weight * elementScore
                if score.isNaN { score = 0 }
                for other in sources.dropFirst() {
                    let value: Double
                    if other.object == first.object {
                        value = elementScore * other.weight
                    } else if let found = other.score(of: member) {
                        value = found * other.weight
                    } else {
                        return
                    }
                    aggregate(&score, value, how)
                }
                result.insertNew(member, score: score)
                longest = Swift.max(longest, member.count)
            }
        }
    }

    private static func unite(_ sources: [AlgebraSource], _ how: Aggregate, into result: ZSet, longest: inout Int) {
        let accumulator = Dict<Double>()
        for source in sources where source.length > 0 {
            source.forEach { element, elementScore in
                element.withBytes { member in
                    var score = source.weight * elementScore
                    if score.isNaN { score = 0 }
                    if let entry = accumulator.find(member) {
                        aggregate(&entry.value, score, how)
                    } else {
                        accumulator.insertNew(key: member, value: score)
                        longest = Swift.max(longest, member.count)
                    }
                }
            }
        }
        accumulator.forEach { entry in
            let score = entry.value
            entry.withKey { result.insertNew($0, score: score) }
        }
    }

    /// zdiff: the first input's elements found in no other input, with their own scores. (Redis
    /// picks one of two algorithms by cost; both give this result and its longest member.)
    private static func subtract(_ sources: [AlgebraSource], into result: ZSet, longest: inout Int) {
        let first = sources[0]
        guard first.length > 0 else { return }
        for other in sources.dropFirst() where other.object != nil && other.object == first.object { return }
        first.forEach { element, score in
            element.withBytes { member in
                for other in sources.dropFirst() where other.score(of: member) != nil { return }
                result.insertNew(member, score: score)
                longest = Swift.max(longest, member.count)
            }
        }
    }

    /// ZINTERCARD: counts the smallest input's elements present everywhere, stopping at `limit`.
    private static func intersectionCardinality(_ sources: [AlgebraSource], limit: Int) -> Int {
        guard sources[0].length > 0 else { return 0 }
        let first = sources[0]
        var cardinality = 0
        var done = false
        first.forEach { element, _ in
            if done { return }
            let everywhere = element.withBytes { member -> Bool in
                for other in sources.dropFirst() where other.object != first.object && other.score(of: member) == nil {
                    return false
                }
                return true
            }
            if everywhere {
                cardinality += 1
                if limit > 0 && cardinality >= limit { done = true }
            }
        }
        return cardinality
    }
}
