import Testing
@testable import RESP

@Suite struct ReplyTreeTests {
    private func parse(_ text: String) -> (ReplyTree, consumed: Int)? { ReplyTree.parse(bytes(text)) }

    private static let sample = ReplyTree.array([
        .simpleString("OK"), .error("ERR no"), .integer(-12), .bulk([0, 13, 10, 255]), .bulk([]),
        .null, .double("3.5"), .double("-inf"), .boolean(false), .verbatim(format: "txt", text: bytes("a:b")),
        .bigNumber("-123456789012345678901234567890"),
        .set([.integer(1), .integer(2)]),
        .map([(key: .bulk(bytes("a")), value: .array([])), (key: .simpleString("b"), value: .null)]),
        .push([.bulk(bytes("message")), .bulk(bytes("ch"))]),
        .array([.array([.integer(Int64.min), .integer(Int64.max)])]),
    ])

    @Test func resp3RoundTrip() throws {
        let wire = Self.sample.encoded(resp3: true)
        let (value, consumed) = try #require(ReplyTree.parse(wire))
        #expect(value == Self.sample)
        #expect(consumed == wire.count)
        #expect(value.encoded(resp3: true) == wire)
    }

    @Test func resp2Downgrades() {
        #expect(ReplyTree.null.encoded(resp3: false) == bytes("$-1\r\n"))
        #expect(ReplyTree.nullArray.encoded(resp3: false) == bytes("*-1\r\n"))
        #expect(ReplyTree.null.encoded(resp3: true) == bytes("_\r\n"))
        #expect(ReplyTree.nullArray.encoded(resp3: true) == bytes("_\r\n"))
        #expect(ReplyTree.double("1.5").encoded(resp3: false) == bytes("$3\r\n1.5\r\n"))
        #expect(ReplyTree.boolean(true).encoded(resp3: false) == bytes(":1\r\n"))
        #expect(ReplyTree.verbatim(format: "txt", text: bytes("hi")).encoded(resp3: false) == bytes("$2\r\nhi\r\n"))
        #expect(ReplyTree.verbatim(format: "txt", text: bytes("hi")).encoded(resp3: true) == bytes("=6\r\ntxt:hi\r\n"))
        #expect(ReplyTree.bigNumber("12").encoded(resp3: false) == bytes("$2\r\n12\r\n"))
        #expect(ReplyTree.set([.integer(1)]).encoded(resp3: false) == bytes("*1\r\n:1\r\n"))
        #expect(ReplyTree.push([.integer(1)]).encoded(resp3: false) == bytes("*1\r\n:1\r\n"))
        #expect(ReplyTree.map([(key: .integer(1), value: .integer(2))]).encoded(resp3: false) == bytes("*2\r\n:1\r\n:2\r\n"))
        #expect(ReplyTree.map([(key: .integer(1), value: .integer(2))]).encoded(resp3: true) == bytes("%1\r\n:1\r\n:2\r\n"))
    }

    @Test func resp2NullsParseApart() {
        #expect(parse("$-1\r\n")?.0 == .null)
        #expect(parse("*-1\r\n")?.0 == .nullArray)
        #expect(parse("_\r\n")?.0 == .null)
    }

    @Test func blobErrorsAndAttributes() {
        #expect(parse("!7\r\nERR x y\r\n")?.0 == .error("ERR x y"))
        let attributed = "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.5\r\n:5\r\n"
        let parsed = parse(attributed)
        #expect(parsed?.0 == .integer(5))
        #expect(parsed?.consumed == attributed.utf8.count)
    }

    /// Only a complete value parses; every strict prefix is incomplete.
    @Test func everyPrefixIsIncomplete() {
        let wire = Self.sample.encoded(resp3: true)
        for end in 0..<wire.count {
            #expect(ReplyTree.parse(Array(wire[..<end])) == nil, "prefix of \(end) bytes")
        }
    }

    @Test func consumedStopsAtTheFirstValue() {
        let parsed = parse(":1\r\n+second\r\n")
        #expect(parsed?.0 == .integer(1))
        #expect(parsed?.consumed == 4)
        #expect(ReplyTree.parse(exactly: "+OK\r\n") == .simpleString("OK"))
        #expect(ReplyTree.parse(exactly: "+OK\r\n:1\r\n") == nil)
    }

    @Test(arguments: [
        "$3\r\nabcd\r\n", "#x\r\n", "#tt\r\n", ":abc\r\n", ":\r\n", "?\r\n", "*?\r\n", "$?\r\n",
        "=3\r\nabc\r\n", "=5\r\nabcde\r\n", "_x\r\n", ",\r\n", "+OK\n", "*2\r\n:1\r\n",
        "%1\r\n:1\r\n", ":99999999999999999999\r\n",
    ])
    func malformed(text: String) {
        #expect(parse(text) == nil)
    }

    @Test func nestingDepthIsBounded() {
        let deepest = String(repeating: "*1\r\n", count: ReplyTree.maxParseDepth) + ":1\r\n"
        #expect(parse(deepest) != nil)
        let tooDeep = String(repeating: "*1\r\n", count: ReplyTree.maxParseDepth + 1) + ":1\r\n"
        #expect(parse(tooDeep) == nil)
    }

    @Test func accessors() {
        let map = ReplyTree.map([(key: .bulk(bytes("proto")), value: .integer(3)), (key: .simpleString("id"), value: .double("2.5"))])
        #expect(map[key: "proto"] == .integer(3))
        #expect(map[key: "id"]?.doubleValue == 2.5)
        #expect(map[key: "missing"] == nil)
        #expect(map.mapPairs?.count == 2)
        #expect(ReplyTree.set([.null]).arrayElements == [.null])
        #expect(ReplyTree.bulk(bytes("x")).string == "x")
        #expect(ReplyTree.verbatim(format: "txt", text: bytes("v")).string == "v")
        #expect(ReplyTree.verbatim(format: "txt", text: bytes("v")).bytes == bytes("v"))
        #expect(ReplyTree.error("ERR e").string == nil)
        #expect(ReplyTree.error("ERR e").errorMessage == "ERR e")
        #expect(ReplyTree.integer(4).int == 4)
        #expect(ReplyTree.nullArray.isNull)
        #expect(!ReplyTree.bulk([]).isNull)
    }

    @Test func equalityDistinguishesKinds() {
        #expect(ReplyTree.null != ReplyTree.nullArray)
        #expect(ReplyTree.array([]) != ReplyTree.set([]))
        #expect(ReplyTree.bulk(bytes("1")) != ReplyTree.integer(1))
        #expect(ReplyTree.map([(key: .integer(1), value: .integer(2))]) != ReplyTree.map([(key: .integer(1), value: .integer(3))]))
    }
}
