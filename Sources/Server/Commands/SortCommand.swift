import Config
import CStrconv
import RESP
import Store
import Util

// SORT and SORT_RO (sort.c): elements of a list, set or sorted set ordered numerically or
// lexicographically, by themselves or by weights found through a BY pattern, optionally mapped
// through GET patterns, cut by LIMIT, and replied or STOREd as a list. The quirks below
// (constant BY skips sorting, sets are then alpha-sorted when stored, ties broken by comparing
// the elements) are Redis's, kept so that replies match it.

enum SortCommand {
    static let handlers: [String: CommandHandler] = [
        "sort": { sort($0, readOnly: false) }, "sort_ro": { sort($0, readOnly: true) },
    ]

    private struct Item {
        var element: [UInt8]
        var score: Double = 0
        /// The BY pattern's value for ALPHA sorting; nil when the weight key is missing.
        var weight: [UInt8]? = nil
    }

    static func sort(_ c: Client, readOnly: Bool) {
        var descending = false
        var alpha = false
        var limitStart = 0
        var limitCount = -1
        var storeKey: [UInt8]? = nil
        var byPattern: [UInt8]? = nil
        var dontSort = false
        var getPatterns: [[UInt8]] = []
        var index = 2
        // BY and GET patterns reach keys no key spec names: only for users who may read every key.
        let fullKeyAccess = c.user.allowsEverything || c.lastCommand.map { c.server.aclHasUnrestrictedReadAccess($0, c) } ?? true
        while index < c.argumentCount {
            let remaining = c.argumentCount - index - 1
            if c.argIs(index, "asc") {
                descending = false
            } else if c.argIs(index, "desc") {
                descending = true
            } else if c.argIs(index, "alpha") {
                alpha = true
            } else if c.argIs(index, "limit") && remaining >= 2 {
                guard let start = c.integerArgument(index + 1), let count = c.integerArgument(index + 2) else { return }
                limitStart = Int(start)
                limitCount = Int(count)
                index += 2
            } else if !readOnly && c.argIs(index, "store") && remaining >= 1 {
                storeKey = c.argBytes(index + 1)
                index += 1
            } else if c.argIs(index, "by") && remaining >= 1 {
                byPattern = c.argBytes(index + 1)
                dontSort = !byPattern!.contains(UInt8(ascii: "*"))
                if !dontSort && !fullKeyAccess {
                    c.error(ErrorText.sortByDenied)
                    return
                }
                index += 1
            } else if c.argIs(index, "get") && remaining >= 1 {
                if !fullKeyAccess {
                    c.error(ErrorText.sortGetDenied)
                    return
                }
                getPatterns.append(c.argBytes(index + 1))
                index += 1
            } else {
                c.error(ErrorText.syntax)
                return
            }
            index += 1
        }
        let source = c.lookupRead(c.arg(1))
        if let source, source.type != .set && source.type != .list && source.type != .zset {
            c.error(ErrorText.wrongType)
            return
        }
        // A set has no order of its own: sorted anyway when stored, so the stored list is stable.
        if dontSort, let source, source.type == .set, storeKey != nil {
            dontSort = false
            alpha = true
            byPattern = nil
        }
        if let source, source.type == .zset { ZSetType.convertToSkiplist(source) }
        let total = source.map(length) ?? 0
        var start = min(max(limitStart, 0), total)
        let count = min(max(limitCount, -1), total)
        var end = count < 0 ? total - 1 : start + count - 1
        if start >= total {
            start = total - 1
            end = total - 2
        }
        if end >= total { end = total - 1 }

        var items: [Item] = []
        if let source {
            if dontSort && source.type != .set {
                // Lists and sorted sets keep their own order; LIMIT picks the range directly.
                if end >= start {
                    let picked = end - start + 1
                    collect(source, from: start, count: picked, reverse: descending) { items.append(Item(element: $0)) }
                    end -= start
                    start = 0
                }
            } else {
                collect(source, from: 0, count: total, reverse: false) { items.append(Item(element: $0)) }
            }
        }

        if !dontSort {
            var conversionError = false
            for position in items.indices {
                let weight: [UInt8]?
                if let byPattern {
                    guard let found = lookupByPattern(c, byPattern, items[position].element) else { continue }
                    weight = found
                } else {
                    weight = items[position].element
                }
                if alpha {
                    if byPattern != nil { items[position].weight = weight }
                } else if let score = strtodWhole(weight!) {
                    items[position].score = score
                } else {
                    conversionError = true
                }
            }
            if conversionError {
                c.error("ERR One or more scores can't be converted into double")
                return
            }
            let byWeights = byPattern != nil
            items.sort { a, b in
                let order = compare(a, b, alpha: alpha, byWeights: byWeights)
                return descending ? order > 0 : order < 0
            }
        }

        let outputCount = end >= start ? (getPatterns.isEmpty ? 1 : getPatterns.count) * (end - start + 1) : 0
        if let storeKey {
            store(c, storeKey, items, start: start, end: end, getPatterns: getPatterns, outputCount: outputCount)
            return
        }
        c.reply.arrayHeader(outputCount)
        guard end >= start else { return }
        for item in items[start...end] {
            if getPatterns.isEmpty { c.reply.bulk(item.element) }
            for pattern in getPatterns {
                if let value = lookupByPattern(c, pattern, item.element) { c.reply.bulk(value) } else { c.reply.nullBulk() }
            }
        }
    }

    private static func store(_ c: Client, _ key: [UInt8], _ items: [Item], start: Int, end: Int,
                              getPatterns: [[UInt8]], outputCount: Int) {
        key.withUnsafeBytes { keyBytes in
            if outputCount == 0 {
                // dbDelete: a destination past its TTL goes with a `del` too.
                if c.db.delete(keyBytes) {
                    c.notify(KeyspaceEventFlags.generic, "del", keyBytes)
                    c.markDirty()
                }
                return
            }
            let list = ListType.create(fill: c.server.settings.listMaxListpackSize,
                                       compressDepth: c.server.settings.listCompressDepth)
            let quicklist = ListType.quicklist(list)
            for item in items[start...end] {
                if getPatterns.isEmpty {
                    item.element.withUnsafeBytes { quicklist.push($0, atHead: false) }
                }
                for pattern in getPatterns {
                    let value = lookupByPattern(c, pattern, item.element) ?? []
                    value.withUnsafeBytes { quicklist.push($0, atHead: false) }
                }
            }
            c.expireIfNeeded(keyBytes)
            c.db.set(keyBytes, list)
            c.notify(KeyspaceEventFlags.list, "sortstore", keyBytes)
            c.markDirty(Int64(outputCount))
        }
        c.reply.integer(outputCount)
    }

    private static func length(_ object: RedisObject) -> Int {
        switch object.type {
        case .list: return ListType.length(object)
        case .set: return SetType.size(object)
        default: return ZSetType.length(object)
        }
    }

    /// Elements of `object` from rank `start` (list and zset order, reversed for DESC).
    private static func collect(_ object: RedisObject, from start: Int, count: Int, reverse: Bool,
                                _ body: ([UInt8]) -> Void) {
        switch object.type {
        case .list:
            ListType.quicklist(object).forEach(from: start, count: count, reverse: reverse) { body($0.array) }
        case .set:
            SetType.forEach(object) { body($0.array) }
        default:
            ZSetType.forEach(object, from: start, count: count, reverse: reverse) { element, _ in body(element.array) }
        }
    }

    /// sortCompare: numeric by score with ties broken by the elements' bytes, or alphabetic by the
    /// BY weights (a missing weight sorts first) or by the elements themselves.
    private static func compare(_ a: Item, _ b: Item, alpha: Bool, byWeights: Bool) -> Int {
        if !alpha {
            if a.score > b.score { return 1 }
            if a.score < b.score { return -1 }
            return compareBytes(a.element, b.element)
        }
        if byWeights {
            switch (a.weight, b.weight) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (x?, y?): return compareBytes(x, y)
            }
        }
        return compareBytes(a.element, b.element)
    }

    private static func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in Store.compareBytes(x, y) } }
    }

    /// strtod over the whole value, as SORT scores elements (leading spaces allowed, no trailing
    /// garbage, no NaN); the empty string scores 0.
    private static func strtodWhole(_ bytes: [UInt8]) -> Double? {
        var text = bytes.map { CChar(bitPattern: $0) }
        if text.contains(0) { text = Array(text.prefix { $0 != 0 }) }
        text.append(0)
        return text.withUnsafeBufferPointer { buffer -> Double? in
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            let value = strtod(buffer.baseAddress!, &end)
            if end!.pointee != 0 || errno == ERANGE || value.isNaN { return nil }
            return value
        }
    }

    /// lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is replaced by the
    /// element and the key read as a string, or, with "->field" after the '*', as a hash field.
    static func lookupByPattern(_ c: Client, _ pattern: [UInt8], _ element: [UInt8]) -> [UInt8]? {
        if pattern == [UInt8(ascii: "#")] { return element }
        guard let star = pattern.firstIndex(of: UInt8(ascii: "*")) else { return nil }
        var field: [UInt8]? = nil
        var keyEnd = pattern.count
        if let arrow = findArrow(pattern, after: star), arrow + 2 < pattern.count {
            field = Array(pattern[(arrow + 2)...])
            keyEnd = arrow
        }
        let key = Array(pattern[..<star]) + element + Array(pattern[(star + 1)..<keyEnd])
        return key.withUnsafeBytes { keyBytes -> [UInt8]? in
            guard let object = c.lookupRead(keyBytes) else { return nil }
            if let field {
                guard object.type == .hash else { return nil }
                return field.withUnsafeBytes { HashType.withValue(object, $0) { $0?.array } }
            }
            return object.type == .string ? object.stringBytes : nil
        }
    }

    private static func findArrow(_ pattern: [UInt8], after star: Int) -> Int? {
        var index = star + 1
        while index + 1 < pattern.count {
            if pattern[index] == UInt8(ascii: "-") && pattern[index + 1] == UInt8(ascii: ">") { return index }
            index += 1
        }
        return nil
    }
}

import Glibc
