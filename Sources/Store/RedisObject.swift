import Util

// A value in the keyspace, shaped like Redis's robj: type, encoding, an LRU/LFU clock and a
// refcount in the header, then the payload. Swift's ARC does the real memory management; the
// `refcount` field is Redis's observable count (OBJECT REFCOUNT), which is Int32.max for the
// shared integers, as Redis reports for its OBJ_SHARED_REFCOUNT objects.

public enum ObjectType: UInt8 {
    case string = 0, list = 1, set = 2, zset = 3, hash = 4, module = 5, stream = 6

    /// The TYPE command's word.
    public var name: StaticString {
        switch self {
        case .string: return "string"
        case .list: return "list"
        case .set: return "set"
        case .zset: return "zset"
        case .hash: return "hash"
        case .module: return "module"
        case .stream: return "stream"
        }
    }
}

public enum ObjectEncoding: UInt8 {
    case raw = 0, int = 1, hashtable = 2, zipmap = 3, linkedlist = 4, ziplist = 5, intset = 6
    case skiplist = 7, embstr = 8, quicklist = 9, stream = 10, listpack = 11

    /// OBJECT ENCODING's word.
    public var name: StaticString {
        switch self {
        case .raw: return "raw"
        case .int: return "int"
        case .hashtable: return "hashtable"
        case .zipmap: return "zipmap"
        case .linkedlist: return "linkedlist"
        case .ziplist: return "ziplist"
        case .intset: return "intset"
        case .skiplist: return "skiplist"
        case .embstr: return "embstr"
        case .quicklist: return "quicklist"
        case .stream: return "stream"
        case .listpack: return "listpack"
        }
    }
}

/// The header fields of a RedisObject; string bytes follow it in the same allocation.
public struct RedisObjectHeader {
    public let type: ObjectType
    public var encoding: ObjectEncoding
    /// LRU clock (seconds, 24 bits) or, under an LFU policy, minutes (16 bits) and a log counter (8 bits).
    public var lru: UInt32
    public var refcount: Int32
    /// Bytes of the string stored after the header (embstr/raw).
    public var length: UInt32
    /// The value of an int-encoded string.
    public var integer: Int64
    /// The structure behind a non-string type.
    public var payload: AnyObject?

    @inlinable
    init(type: ObjectType, encoding: ObjectEncoding, lru: UInt32, refcount: Int32, length: UInt32,
         integer: Int64, payload: AnyObject?) {
        self.type = type
        self.encoding = encoding
        self.lru = lru
        self.refcount = refcount
        self.length = length
        self.integer = integer
        self.payload = payload
    }
}

/// A value in the keyspace. Strings live inside the object's own allocation, as Redis's embstr
/// does for short ones: one malloc per value. A raw string keeps spare capacity so APPEND and
/// SETRANGE usually grow it in place; when they can't, the command stores a bigger copy.
public final class RedisObject: ManagedBuffer<RedisObjectHeader, UInt8> {
    /// Strings up to this length are "embstr" (allocated with their header in Redis).
    public static let embstrLimit = 44
    public static let sharedRefcount = Int32.max

    @inlinable
    static func make(_ type: ObjectType, _ encoding: ObjectEncoding, integer: Int64 = 0,
                     bytes: UnsafeRawBufferPointer? = nil, capacity: Int = 0, payload: AnyObject? = nil) -> RedisObject {
        let length = bytes?.count ?? 0
        let buffer = RedisObject.create(minimumCapacity: max(capacity, length)) { _ in
            RedisObjectHeader(type: type, encoding: encoding, lru: LRUClock.current, refcount: 1,
                              length: UInt32(truncatingIfNeeded: length), integer: integer, payload: payload)
        }
        let object = unsafeDowncast(buffer, to: RedisObject.self)
        if let bytes, length > 0 {
            object.withUnsafeMutablePointerToElements { $0.initialize(from: bytes.bindMemory(to: UInt8.self).baseAddress!, count: length) }
        }
        return object
    }

    @inlinable public var type: ObjectType { header.type }

    @inlinable public var encoding: ObjectEncoding {
        get { header.encoding }
        set { header.encoding = newValue }
    }

    @inlinable public var lru: UInt32 {
        get { header.lru }
        set { header.lru = newValue }
    }

    @inlinable public var refcount: Int32 {
        get { header.refcount }
        set { header.refcount = newValue }
    }

    @inlinable public var integer: Int64 {
        get { header.integer }
        set { header.integer = newValue }
    }

    @inlinable public var payload: AnyObject? {
        get { header.payload }
        set { header.payload = newValue }
    }

    /// A list, set, hash, sorted set or stream value backed by `payload`.
    public static func collection(_ type: ObjectType, _ encoding: ObjectEncoding, _ payload: AnyObject) -> RedisObject {
        make(type, encoding, payload: payload)
    }

    // MARK: strings

    /// A string object for `bytes` as Redis's createStringObject: embstr when short, raw otherwise.
    @inlinable
    public static func string(_ bytes: UnsafeRawBufferPointer) -> RedisObject {
        make(.string, bytes.count <= embstrLimit ? .embstr : .raw, bytes: bytes)
    }

    public static func string(_ bytes: [UInt8]) -> RedisObject {
        bytes.withUnsafeBytes { string($0) }
    }

    /// A raw-encoded string with room for `capacity` bytes (APPEND and SETRANGE results, which
    /// Redis leaves raw).
    public static func rawString(_ bytes: UnsafeRawBufferPointer, capacity: Int = 0) -> RedisObject {
        make(.string, .raw, bytes: bytes, capacity: capacity)
    }

    /// An integer value: shared when in 0..<10000 and sharing is allowed, else int-encoded.
    @inlinable
    public static func integer(_ value: Int64, allowShared: Bool = true) -> RedisObject {
        if allowShared && value >= 0 && value < Int64(SharedIntegers.count) {
            return SharedIntegers.objects[Int(value)]
        }
        return make(.string, .int, integer: value)
    }

    /// Redis's tryObjectEncoding for values stored by SET & co.: canonical integers become int
    /// encoded (shared when small), other short strings embstr.
    @inlinable
    public static func encodedString(_ bytes: UnsafeRawBufferPointer, allowShared: Bool) -> RedisObject {
        if bytes.count <= 20, let value = parseInt64(bytes) {
            return integer(value, allowShared: allowShared)
        }
        return string(bytes)
    }

    @inlinable public var isShared: Bool { refcount == RedisObject.sharedRefcount }

    /// Calls `body` with the string's bytes (decimal text for int encoding).
    @inlinable
    public func withStringBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if encoding == .int {
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
            let value = integer
            return try withUnsafeMutableBytes(of: &digits) { raw in
                let length = writeDecimal(value, to: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
                return try body(UnsafeRawBufferPointer(rebasing: raw[0..<length]))
            }
        }
        let length = Int(header.length)
        return try withUnsafeMutablePointerToElements { try body(UnsafeRawBufferPointer(start: $0, count: length)) }
    }

    /// The string as a fresh array (cold paths).
    public var stringBytes: [UInt8] { withStringBytes { [UInt8]($0) } }

    /// STRLEN: the length of the string form.
    @inlinable public var stringLength: Int {
        encoding == .int ? decimalLength(integer) : Int(header.length)
    }

    /// Makes this private string object hold `bytes`, encoded as a new object would be (embstr up
    /// to 44 bytes, raw beyond), if its allocation is big enough; returns false otherwise.
    public func overwrite(with bytes: UnsafeRawBufferPointer) -> Bool {
        guard type == .string, !isShared, bytes.count <= capacity else { return false }
        if let source = bytes.baseAddress, bytes.count > 0 {
            withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0).copyMemory(from: source, byteCount: bytes.count) }
        }
        header.length = UInt32(bytes.count)
        encoding = bytes.count <= RedisObject.embstrLimit ? .embstr : .raw
        return true
    }

    /// Makes this private string object an int-encoded `value`.
    public func setInteger(_ value: Int64) {
        precondition(type == .string && !isShared)
        header.length = 0
        integer = value
        encoding = .int
    }

    /// Writes `bytes` at `offset` of a raw string, zero-filling any gap, if its capacity allows;
    /// returns false (changing nothing) when the caller must store a bigger copy instead.
    public func writeInPlace(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        let end = offset + bytes.count
        guard encoding == .raw, !isShared, end <= capacity else { return false }
        let length = Int(header.length)
        withUnsafeMutablePointerToElements { base in
            if offset > length { (base + length).initialize(repeating: 0, count: offset - length) }
            if let source = bytes.baseAddress, bytes.count > 0 {
                UnsafeMutableRawPointer(base + offset).copyMemory(from: source, byteCount: bytes.count)
            }
        }
        header.length = UInt32(max(length, end))
        return true
    }

    /// A raw copy of this string grown to hold `bytes` at `offset` (zero-filled gap), with spare
    /// room as Redis's sdsMakeRoomFor leaves: double while under 1 MB, then 1 MB more.
    public func grownCopy(writing bytes: UnsafeRawBufferPointer, at offset: Int) -> RedisObject {
        withStringBytes { current in
            let end = max(current.count, offset + bytes.count)
            let capacity = end < 1024 * 1024 ? end * 2 : end + 1024 * 1024
            let copy = RedisObject.rawString(current, capacity: capacity)
            _ = copy.writeInPlace(bytes, at: offset)
            return copy
        }
    }
}

/// The integers 0..9999 as preallocated immutable objects, shared by every key holding them.
public enum SharedIntegers {
    public static let count = 10000
    public static let objects: [RedisObject] = (0..<count).map { value in
        let object = RedisObject.make(.string, .int, integer: Int64(value))
        object.refcount = RedisObject.sharedRefcount
        return object
    }
}
