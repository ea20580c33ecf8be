import Util

// A value in the keyspace as commands see it, shaped like Redis's robj: type, encoding, an
// LRU/LFU clock and a refcount, then the payload. It is a handle to a record in the slab
// (KeyRecord), not an object of its own: copying it copies a pointer, and nothing is counted.
//
// A handle stays valid until the next keyspace write to its key (Database.add/set/delete/
// setExpire may move or free the record) or the next defragmentation step, which runs between
// commands. Commands therefore look a key up, work on the handle, and let the Database store.
//
// A handle made by the static constructors below is a detached record (no key, in no table): a
// value being built before Database.add/set adopts it. Adopting moves its contents into the
// key's record and frees the detached block, so the old handle must not be used afterwards.

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

public struct RedisObject: Equatable {
    /// Strings up to this length are "embstr" (allocated with their header in Redis).
    @inlinable public static var embstrLimit: Int { 44 }
    @inlinable public static var sharedRefcount: Int32 { Int32.max }

    public let record: UnsafeMutableRawPointer

    @inlinable @inline(__always)
    public init(record: UnsafeMutableRawPointer) { self.record = record }

    // MARK: header

    @inlinable @inline(__always) var meta: UInt32 {
        get { record.load(as: UInt32.self) }
        nonmutating set { record.storeBytes(of: newValue, as: UInt32.self) }
    }

    @inlinable @inline(__always) var flags: RecordFlags {
        get { KeyRecord.flags(record) }
        nonmutating set { KeyRecord.setFlags(record, newValue) }
    }

    @inlinable @inline(__always) public var kind: ValueKind {
        ValueKind(rawValue: flags.intersection(.kindMask).rawValue)!
    }

    @inlinable @inline(__always) func setKind(_ kind: ValueKind) {
        flags = flags.subtracting(.kindMask).union(RecordFlags(rawValue: kind.rawValue))
    }

    @inlinable public var type: ObjectType { ObjectType(rawValue: UInt8(truncatingIfNeeded: meta >> 28))! }

    @inlinable public var encoding: ObjectEncoding {
        get { ObjectEncoding(rawValue: UInt8(truncatingIfNeeded: (meta >> 24) & 0xF))! }
        nonmutating set { meta = (meta & 0xF0FF_FFFF) | UInt32(newValue.rawValue) << 24 }
    }

    @inlinable @inline(__always) func setTypeAndEncoding(_ type: ObjectType, _ encoding: ObjectEncoding) {
        meta = (meta & 0x00FF_FFFF) | UInt32(type.rawValue) << 28 | UInt32(encoding.rawValue) << 24
    }

    /// LRU clock or LFU minutes+counter (24 bits). A shared integer's clock is the one of the
    /// object Redis would share: the last access to any key holding that value.
    @inlinable public var lru: UInt32 {
        get {
            if flags.contains(.sharedInteger) { return SharedIntegers.clock(Int(integer)) }
            return meta & 0x00FF_FFFF
        }
        nonmutating set {
            if flags.contains(.sharedInteger) {
                SharedIntegers.setClock(Int(integer), newValue)
            } else {
                meta = (meta & 0xFF00_0000) | (newValue & 0x00FF_FFFF)
            }
        }
    }

    /// OBJECT REFCOUNT: values are never referenced twice (replies copy bytes), so 1, except
    /// the integers Redis shares.
    @inlinable public var refcount: Int32 { isShared ? RedisObject.sharedRefcount : 1 }

    @inlinable public var isShared: Bool { flags.contains(.sharedInteger) }

    /// The key this value is stored under (empty for a detached value).
    @inlinable public var key: UnsafeRawBufferPointer { KeyRecord.key(record) }

    /// The key as a new array, for cold paths that keep it (KEYS, SCAN replies).
    public var keyBytes: [UInt8] { [UInt8](key) }

    @inlinable @inline(__always) var valueAddress: UnsafeMutableRawPointer { record + KeyRecord.valueOffset(record) }

    @inlinable @inline(__always) var inlineLength: Int { Int(record.load(fromByteOffset: 6, as: UInt16.self)) }

    @inlinable @inline(__always) func setInlineLength(_ length: Int) {
        record.storeBytes(of: UInt16(truncatingIfNeeded: length), toByteOffset: 6, as: UInt16.self)
    }

    @inlinable @inline(__always) var pointerValue: UnsafeMutableRawPointer {
        get { UnsafeMutableRawPointer(bitPattern: valueAddress.loadUnaligned(as: UInt.self))! }
        nonmutating set { valueAddress.storeBytes(of: UInt(bitPattern: newValue), as: UInt.self) }
    }

    /// The value of an int-encoded string.
    @inlinable public var integer: Int64 {
        get { valueAddress.loadUnaligned(as: Int64.self) }
        nonmutating set { valueAddress.storeBytes(of: newValue, as: Int64.self) }
    }

    /// The structure behind a non-string type (retained by the record).
    @inlinable public var payload: AnyObject? {
        get {
            guard kind == .collection else { return nil }
            return Unmanaged<AnyObject>.fromOpaque(pointerValue).takeUnretainedValue()
        }
        nonmutating set {
            releaseValue()
            if let newValue {
                pointerValue = Unmanaged.passRetained(newValue).toOpaque()
                setKind(.collection)
            } else {
                setKind(.inline)
                setInlineLength(0)
            }
        }
    }

    /// Frees what the value holds outside its record, leaving an empty inline string.
    @inlinable func releaseValue() {
        KeyRecord.releaseValue(record)
        setKind(.inline)
        setInlineLength(0)
    }

    // MARK: detached values

    @inlinable
    static func detached(valueLength: Int) -> RedisObject {
        let r = KeyRecord.allocate(key: UnsafeRawBufferPointer(start: nil, count: 0), valueLength: valueLength,
                                   expireSlot: false, slab: RecordSlab.shared)
        let object = RedisObject(record: r)
        object.meta = LRUClock.current
        return object
    }

    /// Frees a detached value that will not be stored.
    public func release() {
        KeyRecord.destroy(record, slab: RecordSlab.shared)
    }

    /// A list, set, hash, sorted set or stream value backed by `payload`.
    public static func collection(_ type: ObjectType, _ encoding: ObjectEncoding, _ payload: AnyObject) -> RedisObject {
        let object = detached(valueLength: 8)
        object.setTypeAndEncoding(type, encoding)
        object.pointerValue = Unmanaged.passRetained(payload).toOpaque()
        object.setKind(.collection)
        return object
    }

    /// A string value for `bytes` as Redis's createStringObject: embstr when short, raw otherwise.
    @inlinable
    public static func string(_ bytes: UnsafeRawBufferPointer) -> RedisObject {
        rawString(bytes, encoding: bytes.count <= embstrLimit ? .embstr : .raw)
    }

    public static func string(_ bytes: [UInt8]) -> RedisObject {
        bytes.withUnsafeBytes { string($0) }
    }

    /// A raw-encoded string with room for `capacity` bytes (APPEND and SETRANGE results, which
    /// Redis leaves raw).
    @inlinable
    public static func rawString(_ bytes: UnsafeRawBufferPointer, capacity: Int = 0,
                                 encoding: ObjectEncoding = .raw) -> RedisObject {
        let room = Swift.max(capacity, bytes.count)
        let object = detached(valueLength: room <= KeyRecord.inlineStringLimit ? room : 8)
        object.setTypeAndEncoding(.string, encoding)
        object.storeBytes(bytes, room: room)
        return object
    }

    /// An integer value: flagged shared when in 0..<10000 and sharing is allowed, else int-encoded.
    @inlinable
    public static func integer(_ value: Int64, allowShared: Bool = true) -> RedisObject {
        let object = detached(valueLength: 8)
        object.setTypeAndEncoding(.string, .int)
        object.setInteger(value, shared: allowShared && SharedIntegers.contains(value))
        return object
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

    // MARK: strings

    /// Bytes the record can hold inline for its value.
    @inlinable var inlineCapacity: Int { Swift.min(KeyRecord.valueCapacity(record), KeyRecord.inlineStringLimit) }

    /// Stores `bytes` as the string value (kind inline or external), with room for `room` bytes;
    /// the previous value must already be released.
    @inlinable
    func storeBytes(_ bytes: UnsafeRawBufferPointer, room: Int) {
        flags = flags.subtracting(.sharedInteger)
        if room <= inlineCapacity {
            if let source = bytes.baseAddress, bytes.count > 0 {
                valueAddress.copyMemory(from: source, byteCount: bytes.count)
            }
            setInlineLength(bytes.count)
            setKind(.inline)
        } else {
            pointerValue = ExternalString.make(bytes, capacity: room)
            setInlineLength(0)
            setKind(.external)
        }
    }

    /// Calls `body` with the string's bytes (decimal text for int encoding).
    @inlinable
    public func withStringBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch kind {
        case .inline:
            return try body(UnsafeRawBufferPointer(start: valueAddress, count: inlineLength))
        case .external:
            return try body(ExternalString.bytes(pointerValue))
        case .integer:
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
            let value = integer
            return try withUnsafeMutableBytes(of: &digits) { raw in
                let length = writeDecimal(value, to: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
                return try body(UnsafeRawBufferPointer(rebasing: raw[0..<length]))
            }
        case .collection:
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    /// Calls `body` with the string's bytes to change in place (SETBIT, BITFIELD). Only for a
    /// string stored as bytes (after `write`, which unshares an int-encoded value).
    @inlinable
    public func withMutableStringBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        switch kind {
        case .inline:
            return try body(UnsafeMutableRawBufferPointer(start: valueAddress, count: inlineLength))
        case .external:
            return try body(UnsafeMutableRawBufferPointer(start: pointerValue + ExternalString.headerSize,
                                                          count: ExternalString.length(pointerValue)))
        case .integer, .collection:
            return try body(UnsafeMutableRawBufferPointer(start: nil, count: 0))
        }
    }

    /// The bytes of a string stored as bytes (inline or external; not int-encoded), without a
    /// closure: the GET path replies them directly.
    @inlinable public var storedBytes: UnsafeRawBufferPointer {
        kind == .external ? ExternalString.bytes(pointerValue)
            : UnsafeRawBufferPointer(start: valueAddress, count: inlineLength)
    }

    /// The string as a fresh array (cold paths).
    public var stringBytes: [UInt8] { withStringBytes { [UInt8]($0) } }

    /// STRLEN: the length of the string form.
    @inlinable public var stringLength: Int {
        switch kind {
        case .inline: return inlineLength
        case .external: return ExternalString.length(pointerValue)
        case .integer: return decimalLength(integer)
        case .collection: return 0
        }
    }

    /// Makes this string hold `bytes`, encoded as a new value would be (embstr up to 44 bytes,
    /// raw beyond), if its record or buffer has room; returns false otherwise.
    @inlinable
    public func overwrite(with bytes: UnsafeRawBufferPointer) -> Bool {
        guard type == .string else { return false }
        let encoding: ObjectEncoding = bytes.count <= RedisObject.embstrLimit ? .embstr : .raw
        if bytes.count <= inlineCapacity {
            if kind == .external { ExternalString.free(pointerValue) }
            storeBytes(bytes, room: bytes.count)
        } else if kind == .external && bytes.count <= ExternalString.capacity(pointerValue) {
            let buffer = pointerValue
            if let source = bytes.baseAddress { (buffer + ExternalString.headerSize).copyMemory(from: source, byteCount: bytes.count) }
            ExternalString.setLength(buffer, bytes.count)
        } else {
            return false
        }
        self.encoding = encoding
        return true
    }

    /// Makes this string hold `bytes` with raw encoding (a HyperLogLog rewritten in place) if its
    /// record or buffer has room; returns false otherwise.
    @inlinable
    public func replaceRawBytes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard overwrite(with: bytes) else { return false }
        encoding = .raw
        return true
    }

    /// Whether the value area can hold an integer or a pointer, so the value can become one in place.
    @inlinable public var hasWordRoom: Bool { KeyRecord.valueCapacity(record) >= KeyRecord.wordSize }

    /// Makes this string an int-encoded `value`; `shared` when Redis would share it. The record
    /// must have a word of room (hasWordRoom).
    @inlinable
    public func setInteger(_ value: Int64, shared: Bool = false) {
        if kind == .external { ExternalString.free(pointerValue) }
        integer = value
        setKind(.integer)
        setInlineLength(0)
        encoding = .int
        flags = shared ? flags.union(.sharedInteger) : flags.subtracting(.sharedInteger)
    }

    /// Writes `bytes` at `offset`, zero-filling any gap (APPEND, SETRANGE): in the record while
    /// it fits, else in an external buffer with sdsMakeRoomFor's spare room. The result is raw,
    /// as Redis's dbUnshareStringValue leaves it. Returns the new length, or nil (changing
    /// nothing) when the record has no room for the buffer's pointer and must be replaced.
    @inlinable
    @discardableResult
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        let length = stringLength
        let end = Swift.max(length, offset + bytes.count)
        if kind == .inline && end > inlineCapacity && !hasWordRoom { return nil }
        if kind == .integer {
            // Turn the number into its text first; it is at most 20 bytes and always fits inline.
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
            let value = integer
            withUnsafeMutableBytes(of: &digits) { raw in
                let count = writeDecimal(value, to: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
                let text = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                if count <= inlineCapacity {
                    storeBytes(text, room: count)
                } else {
                    storeBytes(text, room: Swift.max(end * 2, count))
                }
            }
        }
        let base: UnsafeMutableRawPointer
        if kind == .inline && end <= inlineCapacity {
            base = valueAddress
            setInlineLength(end)
        } else {
            if kind == .inline {
                let capacity = end < 1024 * 1024 ? end * 2 : end + 1024 * 1024
                let buffer = ExternalString.make(UnsafeRawBufferPointer(start: valueAddress, count: inlineLength),
                                                 capacity: capacity)
                pointerValue = buffer
                setKind(.external)
                setInlineLength(0)
            } else {
                pointerValue = ExternalString.reserve(pointerValue, end)
            }
            ExternalString.setLength(pointerValue, end)
            base = pointerValue + ExternalString.headerSize
        }
        if offset > length { (base + length).initializeMemory(as: UInt8.self, repeating: 0, count: offset - length) }
        if let source = bytes.baseAddress, bytes.count > 0 {
            (base + offset).copyMemory(from: source, byteCount: bytes.count)
        }
        encoding = .raw
        return end
    }
}

/// The integers Redis shares (OBJ_SHARED_INTEGERS). Here a value in range is stored in its
/// record like any integer and only flagged, so sharing costs nothing; what stays shared is
/// the access clock, because in Redis every key holding that value holds one object.
public enum SharedIntegers {
    @inlinable public static var count: Int { 10000 }

    @inlinable public static func contains(_ value: Int64) -> Bool { value >= 0 && value < Int64(count) }

    @usableFromInline static var clocks: UnsafeMutablePointer<UInt32> = {
        let clocks = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
        clocks.initialize(repeating: LRUClock.current, count: count)
        return clocks
    }()

    @inlinable static func clock(_ value: Int) -> UInt32 { clocks[value] }
    @inlinable static func setClock(_ value: Int, _ clock: UInt32) { clocks[value] = clock }
}

extension RedisObject {
    /// The key's absolute expire time in ms, if it has a TTL.
    @inlinable public var expireTime: Int64? { KeyRecord.expireTime(record) }
}
