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

public final class RedisObject {
    public let type: ObjectType
    public var encoding: ObjectEncoding
    /// LRU clock (seconds, 24 bits) or, under an LFU policy, minutes (16 bits) and a log counter (8 bits).
    public var lru: UInt32
    public var refcount: Int32
    /// The value of an int-encoded string.
    public var integer: Int64
    /// The bytes of an embstr/raw string.
    public var bytes: [UInt8]
    /// The structure behind a non-string type.
    public var payload: AnyObject?

    /// Strings up to this length are "embstr" (allocated with their header in Redis).
    public static let embstrLimit = 44
    public static let sharedRefcount = Int32.max

    @inlinable
    init(type: ObjectType, encoding: ObjectEncoding, integer: Int64 = 0, bytes: [UInt8] = [], payload: AnyObject? = nil) {
        self.type = type
        self.encoding = encoding
        self.lru = LRUClock.current
        self.refcount = 1
        self.integer = integer
        self.bytes = bytes
        self.payload = payload
    }

    /// A list, set, hash, sorted set or stream value backed by `payload`.
    public static func collection(_ type: ObjectType, _ encoding: ObjectEncoding, _ payload: AnyObject) -> RedisObject {
        RedisObject(type: type, encoding: encoding, payload: payload)
    }

    // MARK: strings

    /// A string object for `bytes` as Redis's createStringObject: embstr when short, raw otherwise.
    @inlinable
    public static func string(_ bytes: [UInt8]) -> RedisObject {
        RedisObject(type: .string, encoding: bytes.count <= embstrLimit ? .embstr : .raw, bytes: bytes)
    }

    @inlinable
    public static func string(_ bytes: UnsafeRawBufferPointer) -> RedisObject {
        string([UInt8](bytes))
    }

    /// A raw-encoded string (APPEND and SETRANGE results, as Redis leaves them).
    public static func rawString(_ bytes: [UInt8]) -> RedisObject {
        RedisObject(type: .string, encoding: .raw, bytes: bytes)
    }

    /// An integer value: shared when in 0..<10000 and sharing is allowed, else int-encoded.
    @inlinable
    public static func integer(_ value: Int64, allowShared: Bool = true) -> RedisObject {
        if allowShared && value >= 0 && value < Int64(SharedIntegers.count) {
            return SharedIntegers.objects[Int(value)]
        }
        return RedisObject(type: .string, encoding: .int, integer: value)
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
            return try withUnsafeMutableBytes(of: &digits) { raw in
                let length = writeDecimal(integer, to: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
                return try body(UnsafeRawBufferPointer(rebasing: raw[0..<length]))
            }
        }
        return try bytes.withUnsafeBytes(body)
    }

    /// The string as a fresh array (cold paths and mutations).
    public var stringBytes: [UInt8] {
        encoding == .int ? decimalBytes(integer) : bytes
    }

    /// STRLEN: the length of the string form.
    @inlinable public var stringLength: Int {
        encoding == .int ? decimalLength(integer) : bytes.count
    }
}

/// The integers 0..9999 as preallocated immutable objects, shared by every key holding them.
public enum SharedIntegers {
    public static let count = 10000
    public static let objects: [RedisObject] = (0..<count).map { value in
        let object = RedisObject(type: .string, encoding: .int, integer: Int64(value))
        object.refcount = RedisObject.sharedRefcount
        return object
    }
}
