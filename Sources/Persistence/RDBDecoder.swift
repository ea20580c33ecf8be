import Store

// rdbLoadObject for every type and encoding Redis has written from RDB version 1 to 12. Values
// are rebuilt through the types' own operations, so each lands in the encoding Apus (like Redis
// 7.0) would choose for that content under the current thresholds, and duplicates or
// malformed blobs are errors rather than broken values. Types Apus lacks are named errors.
// Streams are in RDBStream.swift.

public struct RDBLoadLimits {
    public var hash: HashLimits
    public var zset: ZSetLimits
    public var setMaxIntsetEntries: Int
    public var listFill: Int
    public var listCompressDepth: Int
    public var sharedIntegersAllowed: Bool

    public init(hash: HashLimits, zset: ZSetLimits, setMaxIntsetEntries: Int, listFill: Int,
                listCompressDepth: Int, sharedIntegersAllowed: Bool) {
        self.hash = hash
        self.zset = zset
        self.setMaxIntsetEntries = setMaxIntsetEntries
        self.listFill = listFill
        self.listCompressDepth = listCompressDepth
        self.sharedIntegersAllowed = sharedIntegersAllowed
    }
}

public enum RDBDecoder {
    static func typeName(_ type: UInt8) -> String? {
        switch type {
        case RDBFormat.typeModule, RDBFormat.typeModule2: return "module"
        default: return nil
        }
    }

    public static func isObjectType(_ type: UInt8) -> Bool {
        type <= RDBFormat.typeSetListpack + 1 && type != 8
    }

    /// The value of `type` at the reader's position; nil for an empty collection, which Redis
    /// skips (RDB_LOAD_ERR_EMPTY_KEY).
    public static func readValue(type: UInt8, from r: RDBReader, limits: RDBLoadLimits) throws -> RedisObject? {
        let start = r.offset
        switch type {
        case RDBFormat.typeString:
            let (text, integer) = try r.stringValue("string value")
            if let integer { return RedisObject.integer(integer, allowShared: limits.sharedIntegersAllowed) }
            return text.withUnsafeBytes { RedisObject.encodedString($0, allowShared: limits.sharedIntegersAllowed) }
        case RDBFormat.typeList:
            let count = try r.length("list length")
            var items: [[UInt8]] = []
            for _ in 0..<count { items.append(try r.string("list element")) }
            return list(items.map { CompactEncodings.Element.bytes($0[...]) }, limits)
        case RDBFormat.typeListZiplist:
            let blob = try r.string("list ziplist")
            return list(try CompactEncodings.ziplist(blob, base: start), limits)
        case RDBFormat.typeListQuicklist, RDBFormat.typeListQuicklist2:
            let nodes = try r.length("quicklist node count")
            var elements: [CompactEncodings.Element] = []
            // Indexes in `elements` of the plain containers' elements.
            var plain: Set<Int> = []
            for _ in 0..<nodes {
                var container = RDBFormat.containerPacked
                if type == RDBFormat.typeListQuicklist2 {
                    let at = r.offset
                    container = try r.length("quicklist container", max: 2)
                    guard container == RDBFormat.containerPacked || container == RDBFormat.containerPlain else {
                        throw r.fail("Unknown quicklist container \(container)", at: at)
                    }
                }
                let at = r.offset
                let blob = try r.string("quicklist node")
                if container == RDBFormat.containerPlain {
                    plain.insert(elements.count)
                    elements.append(.bytes(blob[...]))
                } else if type == RDBFormat.typeListQuicklist {
                    elements += try CompactEncodings.ziplist(blob, base: at)
                } else {
                    elements += try CompactEncodings.listpack(blob, base: at)
                }
            }
            return list(elements, limits, plain: plain)
        case RDBFormat.typeSet:
            let count = try r.length("set size")
            guard count > 0 else { return nil }
            // Sized for the saved length, as dictTryExpand; a corrupt length can't ask for more
            // members than bytes are left.
            let object = count > limits.setMaxIntsetEntries ? SetType.createTable(capacity: min(count, r.remaining)) : SetType.createIntset()
            return try building(object) {
                for _ in 0..<count {
                    let added = try r.withString("set member") { SetType.add(object, $0, maxIntsetEntries: limits.setMaxIntsetEntries) }
                    if !added { throw RDBDecodeError(offset: start, "Corrupt set: duplicate member") }
                }
            }
        case RDBFormat.typeSetIntset:
            let blob = try r.string("intset")
            return try set(try CompactEncodings.intset(blob, base: start).map { .integer($0) }, limits, at: start, forceTable: false)
        case RDBFormat.typeSetListpack:
            let blob = try r.string("set listpack")
            return try set(try CompactEncodings.listpack(blob, base: start), limits, at: start, forceTable: false)
        case RDBFormat.typeZSet, RDBFormat.typeZSet2:
            let count = try r.length("zset size")
            guard count > 0 else { return nil }
            let object = count > limits.zset.maxListpackEntries
                ? ZSetType.createSkiplist(capacity: min(count, r.remaining)) : ZSetType.createListpack()
            return try building(object) {
                for _ in 0..<count {
                    try r.withString("zset member") { member in
                        let score = type == RDBFormat.typeZSet2 ? try r.binaryDouble("zset score") : try r.textDouble("zset score")
                        if score.isNaN { throw RDBDecodeError(offset: start, "Corrupt zset: NaN score") }
                        guard case .added = ZSetType.add(object, member, score: score, flags: .nx, limits: limits.zset) else {
                            throw RDBDecodeError(offset: start, "Corrupt zset: duplicate member")
                        }
                    }
                }
            }
        case RDBFormat.typeZSetZiplist, RDBFormat.typeZSetListpack:
            let blob = try r.string("zset listpack")
            let elements = type == RDBFormat.typeZSetZiplist
                ? try CompactEncodings.ziplist(blob, base: start) : try CompactEncodings.listpack(blob, base: start)
            guard elements.count % 2 == 0 else { throw r.fail("Corrupt zset: odd number of listpack elements", at: start) }
            var pairs: [([UInt8], Double)] = []
            for i in stride(from: 0, to: elements.count, by: 2) {
                let scoreText = String(decoding: elements[i + 1].text, as: UTF8.self)
                guard let score = Double(scoreText), !score.isNaN else {
                    throw r.fail("Corrupt zset: invalid score '\(scoreText)'", at: start)
                }
                pairs.append((elements[i].text, score))
            }
            return try zset(pairs, limits, at: start, keepPacked: pairs.count <= limits.zset.maxListpackEntries)
        case RDBFormat.typeHash:
            let count = try r.length("hash size")
            guard count > 0 else { return nil }
            let object = count > limits.hash.maxListpackEntries
                ? HashType.createTable(capacity: min(count, r.remaining / 2)) : HashType.create()
            return try building(object) {
                for _ in 0..<count {
                    let updated = try r.withString("hash field") { field in
                        try r.withString("hash value") { value in
                            HashType.set(object, field: field, value: .bytes(value), limits: limits.hash)
                        }
                    }
                    if updated { throw RDBDecodeError(offset: start, "Corrupt hash: duplicate field") }
                }
            }
        case RDBFormat.typeHashZipmap:
            let blob = try r.string("hash zipmap")
            return try hash(try CompactEncodings.zipmap(blob, base: start), limits, at: start)
        case RDBFormat.typeHashZiplist, RDBFormat.typeHashListpack:
            let blob = try r.string("hash listpack")
            let elements = type == RDBFormat.typeHashZiplist
                ? try CompactEncodings.ziplist(blob, base: start) : try CompactEncodings.listpack(blob, base: start)
            guard elements.count % 2 == 0 else { throw r.fail("Corrupt hash: odd number of listpack elements", at: start) }
            if elements.count / 2 <= limits.hash.maxListpackEntries { return try packedHash(elements, at: start) }
            return try hash(elements, limits, at: start)
        case RDBFormat.typeStreamListpacks, RDBFormat.typeStreamListpacks2, RDBFormat.typeStreamListpacks3:
            return try stream(type: type, from: r)
        default:
            if let name = typeName(type) {
                throw r.fail("Apus does not support \(name) values yet (RDB object type \(type))", at: start - 1)
            }
            throw r.fail("Unknown RDB object type \(type)", at: start - 1)
        }
    }

    /// Runs `fill` on a new value, freeing the value if it throws.
    static func building(_ object: RedisObject, _ fill: () throws -> Void) throws -> RedisObject {
        do {
            try fill()
        } catch {
            object.release()
            throw error
        }
        return object
    }

    /// A loaded list. Without `plain` (RDB_TYPE_LIST) elements are pushed as LPUSH would; with
    /// it (quicklists) they keep their saved container: plain ones stay plain, packed ones packed.
    static func list(_ elements: [CompactEncodings.Element], _ limits: RDBLoadLimits, plain: Set<Int>? = nil) -> RedisObject? {
        guard !elements.isEmpty else { return nil }
        let object = ListType.create(fill: limits.listFill, compressDepth: limits.listCompressDepth)
        let list = ListType.quicklist(object)
        for (index, element) in elements.enumerated() {
            let add = { (bytes: UnsafeRawBufferPointer) in
                if let plain {
                    list.appendLoaded(bytes, plain: plain.contains(index))
                } else {
                    list.push(bytes, atHead: false)
                }
            }
            switch element {
            case .bytes(let raw): raw.withUnsafeBytes(add)
            case .integer(let value): decimalBytes(value).withUnsafeBytes(add)
            }
        }
        return object
    }

    static func set(_ members: [CompactEncodings.Element], _ limits: RDBLoadLimits, at start: Int,
                    forceTable: Bool) throws -> RedisObject? {
        guard !members.isEmpty else { return nil }
        let object = forceTable ? SetType.createTable() : SetType.createIntset()
        for member in members {
            let added = member.text.withUnsafeBytes { SetType.add(object, $0, maxIntsetEntries: limits.setMaxIntsetEntries) }
            if !added {
                object.release()
                throw RDBDecodeError(offset: start, "Corrupt set: duplicate member")
            }
        }
        return object
    }

    static func zset(_ pairs: [([UInt8], Double)], _ limits: RDBLoadLimits, at start: Int,
                     keepPacked: Bool = false) throws -> RedisObject? {
        guard !pairs.isEmpty else { return nil }
        if keepPacked {
            // A listpack or ziplist zset stays packed whatever its members' lengths, as in 7.0.
            let object = ZSetType.createSkiplist()
            let zset = ZSetType.skiplist(object)
            for (member, score) in pairs {
                let duplicate = member.withUnsafeBytes { zset.find($0) != nil }
                if duplicate || score.isNaN {
                    object.release()
                    throw RDBDecodeError(offset: start, duplicate ? "Corrupt zset: duplicate member" : "Corrupt zset: NaN score")
                }
                member.withUnsafeBytes { zset.insertNew($0, score: score) }
            }
            ZSetType.convertToListpack(object)
            return object
        }
        let object = pairs.count > limits.zset.maxListpackEntries ? ZSetType.createSkiplist() : ZSetType.createListpack()
        for (member, score) in pairs {
            guard !score.isNaN else {
                object.release()
                throw RDBDecodeError(offset: start, "Corrupt zset: NaN score")
            }
            let result = member.withUnsafeBytes { ZSetType.add(object, $0, score: score, flags: .nx, limits: limits.zset) }
            guard case .added = result else {
                object.release()
                throw RDBDecodeError(offset: start, "Corrupt zset: duplicate member")
            }
        }
        return object
    }

    /// A listpack, ziplist or zipmap hash within the entry limit stays packed whatever its
    /// values' lengths: Redis 7.0 converts these only on the number of entries.
    static func packedHash(_ elements: [CompactEncodings.Element], at start: Int) throws -> RedisObject? {
        guard !elements.isEmpty else { return nil }
        let object = HashType.create()
        let pack = HashType.listpack(object)
        for i in stride(from: 0, to: elements.count, by: 2) {
            let field = elements[i].text
            let duplicate = field.withUnsafeBytes { pack.find($0, from: pack.firstOffset, skip: 1) != nil }
            if duplicate {
                object.release()
                throw RDBDecodeError(offset: start, "Corrupt hash: duplicate field")
            }
            field.withUnsafeBytes { pack.append(.bytes($0)) }
            elements[i + 1].text.withUnsafeBytes { pack.append(.bytes($0)) }
        }
        return object
    }

    static func hash(_ elements: [CompactEncodings.Element], _ limits: RDBLoadLimits, at start: Int) throws -> RedisObject? {
        guard !elements.isEmpty else { return nil }
        let object = HashType.create()
        if elements.count / 2 > limits.hash.maxListpackEntries { HashType.convertToTable(object) }
        for i in stride(from: 0, to: elements.count, by: 2) {
            let field = elements[i].text
            let value = elements[i + 1].text
            let updated = field.withUnsafeBytes { f in
                value.withUnsafeBytes { v in HashType.set(object, field: f, value: .bytes(v), limits: limits.hash) }
            }
            if updated {
                object.release()
                throw RDBDecodeError(offset: start, "Corrupt hash: duplicate field")
            }
        }
        return object
    }
}
