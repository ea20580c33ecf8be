import Testing
@testable import Store

@Suite struct RedisObjectTests {
    private func encoded(_ text: String, allowShared: Bool = true) -> RedisObject {
        bytes(text).withUnsafeBytes { RedisObject.encodedString($0, allowShared: allowShared) }
    }

    private func name(_ encoding: ObjectEncoding) -> String { encoding.name.description }

    @Test func sharedIntegersAreSharedWithRedisRefcount() {
        #expect(SharedIntegers.count == 10_000)
        #expect(RedisObject.integer(0).isShared)
        #expect(RedisObject.integer(9999).isShared)
        #expect(!RedisObject.integer(10_000).isShared)
        #expect(encoded("42").isShared)
        // The access clock is shared, as one object's would be in Redis.
        let a = RedisObject.integer(77), b = RedisObject.integer(77)
        a.lru = 12345
        #expect(b.lru == 12345)
        let shared = RedisObject.integer(123)
        #expect(shared.refcount == 2_147_483_647)
        #expect(shared.refcount == RedisObject.sharedRefcount)
        #expect(shared.isShared)
        #expect(shared.encoding == .int)
        #expect(shared.type == .string)
        #expect(shared.integer == 123)

    }

    @Test func integersOutsideTheSharedRangeAreFresh() {
        for value: Int64 in [-1, 10_000, Int64.min, Int64.max] {
            let a = RedisObject.integer(value)
            let b = RedisObject.integer(value)
            #expect(a != b)
            #expect(!a.isShared)
            #expect(a.refcount == 1)
            #expect(a.encoding == .int)
            #expect(a.integer == value)
        }
        // Sharing can be refused (maxmemory with an LRU/LFU policy).
        let own = RedisObject.integer(5, allowShared: false)
        #expect(!own.isShared)
        #expect(own.encoding == .int)
        #expect(!encoded("7", allowShared: false).isShared)
    }

    @Test(arguments: [
        ("12345", ObjectEncoding.int),
        ("0", .int),
        ("-1", .int),
        ("9223372036854775807", .int),
        ("-9223372036854775808", .int),
        ("0123", .embstr),
        ("-0", .embstr),
        ("+1", .embstr),
        (" 1", .embstr),
        ("1 ", .embstr),
        ("1.5", .embstr),
        ("", .embstr),
        ("9223372036854775808", .embstr),
        ("99999999999999999999", .embstr),
        ("-9223372036854775809", .embstr),
        ("000000000000000000001", .embstr),
        ("hello", .embstr),
    ])
    func encodedStringChoosesRedisEncoding(text: String, encoding: ObjectEncoding) {
        let object = encoded(text)
        #expect(object.encoding == encoding, "\(text)")
        #expect(object.type == .string)
        #expect(object.stringBytes == bytes(text))
        #expect(object.stringLength == text.utf8.count)
        #expect(object.withStringBytes { Array($0) } == bytes(text))
    }

    @Test func embstrLimitIs44Bytes() {
        #expect(RedisObject.embstrLimit == 44)
        let at = String(repeating: "a", count: 44)
        let over = String(repeating: "a", count: 45)
        #expect(encoded(at).encoding == .embstr)
        #expect(encoded(over).encoding == .raw)
        #expect(RedisObject.string(bytes(at)).encoding == .embstr)
        #expect(RedisObject.string(bytes(over)).encoding == .raw)
        #expect(encoded(over).stringBytes == bytes(over))
        // 45 digits are too long to be an integer.
        #expect(encoded(String(repeating: "1", count: 45)).encoding == .raw)
        #expect(bytes("x").withUnsafeBytes { RedisObject.rawString($0) }.encoding == .raw)
    }

    @Test func intEncodedStringsReadAsText() {
        let object = RedisObject.integer(-9_223_372_036_854_775_808)
        #expect(object.stringBytes == bytes("-9223372036854775808"))
        #expect(object.stringLength == 20)
        #expect(object.withStringBytes { Array($0) } == bytes("-9223372036854775808"))
        #expect(RedisObject.integer(0).stringLength == 1)
    }

    @Test func namesMatchRedis() {
        #expect(ObjectType.string.name.description == "string")
        #expect(ObjectType.zset.name.description == "zset")
        #expect(ObjectType.hash.name.description == "hash")
        #expect(name(.embstr) == "embstr")
        #expect(name(.int) == "int")
        #expect(name(.raw) == "raw")
        #expect(name(.listpack) == "listpack")
        #expect(name(.quicklist) == "quicklist")
        #expect(name(.hashtable) == "hashtable")
        #expect(name(.skiplist) == "skiplist")
        #expect(name(.intset) == "intset")
    }
}
