import Testing
@testable import RESP

/// Everything queued in `reply`, drained the way the server writes: up to `maxPieces` regions at
/// a time, of which the "socket" accepts at most `step` bytes per call.
func drainAll(_ reply: ReplyBuffer, maxPieces: Int = 64, step: Int = .max) -> [UInt8] {
    var out: [UInt8] = []
    var rounds = 0
    while !reply.isEmpty && rounds < 1_000_000 {
        rounds += 1
        let written = reply.drain(maxPieces: maxPieces) { regions in
            var budget = step
            var copied = 0
            for region in regions where budget > 0 {
                let n = min(region.count, budget)
                out.append(contentsOf: region[0..<n])
                budget -= n
                copied += n
            }
            return copied
        }
        if written == 0 { break }
    }
    return out
}

/// The bytes one encoding call produces, in RESP2 or RESP3.
private func encoded(resp3: Bool, _ body: (ReplyBuffer) -> Void) -> String {
    let reply = ReplyBuffer()
    reply.resp3 = resp3
    body(reply)
    let pending = reply.pendingBytes
    let out = drainAll(reply)
    #expect(out.count == pending)
    return String(decoding: out, as: UTF8.self)
}

private func both(_ body: (ReplyBuffer) -> Void) -> (resp2: String, resp3: String) {
    (encoded(resp3: false, body), encoded(resp3: true, body))
}

@Suite struct ReplyEncodingTests {
    @Test func simpleStringsAndErrors() {
        #expect(both { $0.simple("OK" as StaticString) } == ("+OK\r\n", "+OK\r\n"))
        #expect(both { $0.simple("hello world" as String) } == ("+hello world\r\n", "+hello world\r\n"))
        #expect(both { $0.ok() } == ("+OK\r\n", "+OK\r\n"))
        #expect(both { $0.error("WRONGTYPE Operation" as StaticString) } == ("-WRONGTYPE Operation\r\n", "-WRONGTYPE Operation\r\n"))
        // Newlines inside an error would break framing: they become spaces.
        #expect(both { $0.error("ERR bad\r\nthing\n" as String) } == ("-ERR bad  thing \r\n", "-ERR bad  thing \r\n"))
    }

    @Test func integers() {
        #expect(both { $0.integer(Int64(0)) } == (":0\r\n", ":0\r\n"))
        #expect(both { $0.integer(-42) } == (":-42\r\n", ":-42\r\n"))
        #expect(both { $0.integer(Int64.min) } == (":-9223372036854775808\r\n", ":-9223372036854775808\r\n"))
        #expect(both { $0.integer(Int64.max) } == (":9223372036854775807\r\n", ":9223372036854775807\r\n"))
    }

    @Test func bulkStrings() {
        #expect(both { $0.bulk(bytes("foo")) } == ("$3\r\nfoo\r\n", "$3\r\nfoo\r\n"))
        #expect(both { $0.bulk([UInt8]()) } == ("$0\r\n\r\n", "$0\r\n\r\n"))
        #expect(both { $0.bulk("bar" as StaticString) } == ("$3\r\nbar\r\n", "$3\r\nbar\r\n"))
        #expect(both { $0.bulk("h\u{E9}llo" as String) } == ("$6\r\nh\u{E9}llo\r\n", "$6\r\nh\u{E9}llo\r\n"))
        #expect(both { $0.bulk(integer: -123) } == ("$4\r\n-123\r\n", "$4\r\n-123\r\n"))
        #expect(both { $0.bulk(integer: 0) } == ("$1\r\n0\r\n", "$1\r\n0\r\n"))
        #expect(both { $0.bulk(integer: Int64.min) } == ("$20\r\n-9223372036854775808\r\n", "$20\r\n-9223372036854775808\r\n"))
        let binary: [UInt8] = [0x00, 0x0D, 0x0A, 0xFF]
        let reply = ReplyBuffer()
        reply.bulk(binary)
        #expect(drainAll(reply) == bytes("$4\r\n") + binary + bytes("\r\n"))
    }

    @Test func nulls() {
        #expect(both { $0.nullBulk() } == ("$-1\r\n", "_\r\n"))
        #expect(both { $0.nullArray() } == ("*-1\r\n", "_\r\n"))
    }

    @Test func aggregateHeaders() {
        #expect(both { $0.arrayHeader(3) } == ("*3\r\n", "*3\r\n"))
        #expect(both { $0.emptyArray() } == ("*0\r\n", "*0\r\n"))
        #expect(both { $0.mapHeader(2) } == ("*4\r\n", "%2\r\n"))
        #expect(both { $0.mapHeader(0) } == ("*0\r\n", "%0\r\n"))
        #expect(both { $0.setHeader(2) } == ("*2\r\n", "~2\r\n"))
        #expect(both { $0.pushHeader(3) } == ("*3\r\n", ">3\r\n"))
        #expect(encoded(resp3: true) { $0.attributeHeader(1) } == "|1\r\n")
    }

    @Test func booleans() {
        #expect(both { $0.boolean(true) } == (":1\r\n", "#t\r\n"))
        #expect(both { $0.boolean(false) } == (":0\r\n", "#f\r\n"))
    }

    @Test func doubles() {
        #expect(both { $0.double(1.5) } == ("$3\r\n1.5\r\n", ",1.5\r\n"))
        #expect(both { $0.double(3) } == ("$1\r\n3\r\n", ",3\r\n"))
        #expect(both { $0.double(0.1) } == ("$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n"))
        #expect(both { $0.double(-2.5e-8) } == ("$23\r\n-2.4999999999999999e-08\r\n", ",-2.4999999999999999e-08\r\n"))
        #expect(both { $0.double(1e300) } == ("$23\r\n1.0000000000000001e+300\r\n", ",1.0000000000000001e+300\r\n"))
        #expect(both { $0.double(.infinity) } == ("$3\r\ninf\r\n", ",inf\r\n"))
        #expect(both { $0.double(-.infinity) } == ("$4\r\n-inf\r\n", ",-inf\r\n"))
        #expect(both { $0.doubleText(UnsafeRawBufferPointer(start: nil, count: 0)) } == ("$0\r\n\r\n", ",\r\n"))
        let text = bytes("2.5")
        #expect(both { reply in text.withUnsafeBytes { reply.doubleText($0) } } == ("$3\r\n2.5\r\n", ",2.5\r\n"))
    }

    @Test func bigNumbersAndVerbatim() {
        let digits = "1234567890123456789012345"
        #expect(both { $0.bigNumber(digits) } == ("$25\r\n\(digits)\r\n", "(\(digits)\r\n"))
        #expect(both { $0.verbatim("hello") } == ("$5\r\nhello\r\n", "=9\r\ntxt:hello\r\n"))
        #expect(both { $0.verbatim("# x\r\ny", format: "mkd") } == ("$6\r\n# x\r\ny\r\n", "=10\r\nmkd:# x\r\ny\r\n"))
        #expect(both { $0.verbatim("") } == ("$0\r\n\r\n", "=4\r\ntxt:\r\n"))
    }

    @Test func mapReplyInBothProtocols() {
        let body: (ReplyBuffer) -> Void = { reply in
            reply.mapHeader(2)
            reply.bulk("server" as StaticString)
            reply.bulk("redis" as StaticString)
            reply.bulk("proto" as StaticString)
            reply.integer(3)
        }
        #expect(both(body) == (
            "*4\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n",
            "%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n"))
    }

    /// The buffer's encoders and ReplyTree's encoder agree on every type, in both protocols.
    @Test(arguments: [false, true])
    func agreesWithReplyTree(resp3: Bool) {
        let reply = ReplyBuffer()
        reply.resp3 = resp3
        reply.arrayHeader(10)
        reply.simple("OK" as StaticString)
        reply.integer(-7)
        reply.nullBulk()
        reply.nullArray()
        reply.double(0.1)
        reply.boolean(true)
        reply.verbatim("abc")
        reply.bigNumber("99999999999999999999")
        reply.setHeader(1)
        reply.bulk(bytes("x"))
        reply.mapHeader(1)
        reply.bulk(bytes("k"))
        reply.pushHeader(0)
        let tree = ReplyTree.array([
            .simpleString("OK"), .integer(-7), .null, .nullArray, .double("0.10000000000000001"),
            .boolean(true), .verbatim(format: "txt", text: bytes("abc")), .bigNumber("99999999999999999999"),
            .set([.bulk(bytes("x"))]), .map([(key: .bulk(bytes("k")), value: .push([]))]),
        ])
        #expect(drainAll(reply) == tree.encoded(resp3: resp3))
    }
}

@Suite struct ReplyBufferTests {
    private static let big = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    private static let threshold = (0..<ReplyBuffer.sharedValueThreshold).map { UInt8(truncatingIfNeeded: $0 &* 13) }

    /// Small replies around two large values, and the bytes they must produce.
    private func mixedReplies() -> (ReplyBuffer, [UInt8]) {
        let reply = ReplyBuffer()
        var expected: [UInt8] = []
        reply.simple("A" as StaticString); expected += bytes("+A\r\n")
        reply.bulk(Self.big); expected += bytes("$20000\r\n") + Self.big + bytes("\r\n")
        reply.integer(7); expected += bytes(":7\r\n")
        reply.bulk(Self.threshold); expected += bytes("$16384\r\n") + Self.threshold + bytes("\r\n")
        reply.bulk(bytes("small")); expected += bytes("$5\r\nsmall\r\n")
        reply.bulk(Self.big); expected += bytes("$20000\r\n") + Self.big + bytes("\r\n")
        reply.nullBulk(); expected += bytes("$-1\r\n")
        return (reply, expected)
    }

    @Test func largeValuesAreQueuedByReference() {
        let reply = ReplyBuffer()
        reply.bulk(bytes("small"))
        #expect(reply.singleRegion != nil)
        reply.bulk(Self.big)
        let shared = reply.pieces.filter { if case .shared = $0 { return true } else { return false } }
        #expect(shared.count == 1)
        #expect(reply.singleRegion == nil)
        // Just below the threshold the value is copied.
        let copied = ReplyBuffer()
        let below = [UInt8](Self.threshold.dropLast())
        copied.bulk(below)
        #expect(!copied.pieces.contains { if case .shared = $0 { return true } else { return false } })
        #expect(drainAll(copied) == bytes("$16383\r\n") + below + bytes("\r\n"))
    }

    @Test func largeAndSmallRepliesComeOutInOrder() {
        let (reply, expected) = mixedReplies()
        #expect(reply.pendingBytes == expected.count)
        #expect(drainAll(reply) == expected)
        #expect(reply.isEmpty)
        #expect(reply.pendingBytes == 0)
    }

    @Test(arguments: [1, 2, 3, 64])
    func partialWritesKeepOrder(maxPieces: Int) {
        for step in [1, 7, 1000, 16383, 16384, 16385, 20003, 40_000] {
            let (reply, expected) = mixedReplies()
            let out = drainAll(reply, maxPieces: maxPieces, step: step)
            #expect(out == expected, "maxPieces \(maxPieces) step \(step)")
            #expect(reply.isEmpty)
        }
    }

    @Test func drainOffersAtMostMaxPieces() {
        let (reply, _) = mixedReplies()
        var offered: [Int] = []
        _ = reply.drain(maxPieces: 2) { regions in offered.append(regions.count); return 0 }
        _ = reply.drain(maxPieces: 100) { regions in offered.append(regions.count); return 0 }
        #expect(offered[0] == 2)
        #expect(offered[1] > 2)
        // Writing nothing consumes nothing.
        #expect(!reply.isEmpty)
    }

    /// Replies added while earlier output is half written go after it.
    @Test func appendingBetweenPartialWritesKeepsOrder() {
        let (reply, expectedFirst) = mixedReplies()
        var out: [UInt8] = []
        // Stop in the middle of the first large value.
        let cut = 4 + 8 + 5000
        var done = 0
        while done < cut {
            let written = reply.drain(maxPieces: 64) { regions in
                var copied = 0
                for region in regions where done + copied < cut {
                    let n = min(region.count, cut - done - copied)
                    out.append(contentsOf: region[0..<n])
                    copied += n
                }
                return copied
            }
            done += written
        }
        var expected = expectedFirst
        reply.integer(99); expected += bytes(":99\r\n")
        reply.bulk(Self.big); expected += bytes("$20000\r\n") + Self.big + bytes("\r\n")
        reply.simple("END" as StaticString); expected += bytes("+END\r\n")
        out += drainAll(reply, maxPieces: 3, step: 4097)
        #expect(out == expected)
    }

    @Test func appendLargerThanAChunk() {
        let reply = ReplyBuffer()
        let payload = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        reply.append(bytes("x"))
        payload.withUnsafeBytes { reply.append($0) }
        reply.append(bytes("y"))
        #expect(reply.pendingBytes == 40_002)
        #expect(drainAll(reply, step: 9999) == bytes("x") + payload + bytes("y"))
    }

    @Test func lengthPrefixAtTheEndOfAChunk() {
        let reply = ReplyBuffer()
        let filler = [UInt8](repeating: 0x2E, count: ReplyBuffer.chunkSize - 10)
        reply.append(filler)
        reply.integer(Int64.min)
        reply.append(filler)
        reply.appendCRLF()
        reply.append(byte: 0x21)
        let expected = filler + bytes(":-9223372036854775808\r\n") + filler + bytes("\r\n!")
        #expect(reply.pendingBytes == expected.count)
        #expect(drainAll(reply, maxPieces: 1, step: 5000) == expected)
    }

    @Test func singleBytesAndCRLFFillChunksExactly() {
        let reply = ReplyBuffer()
        var expected: [UInt8] = []
        for index in 0..<(ReplyBuffer.chunkSize * 2 + 3) {
            if index % 3 == 0 {
                reply.appendCRLF(); expected += [0x0D, 0x0A]
            } else {
                reply.append(byte: UInt8(truncatingIfNeeded: index)); expected.append(UInt8(truncatingIfNeeded: index))
            }
        }
        #expect(drainAll(reply) == expected)
    }

    @Test func singleRegionFollowsPartialWrites() {
        let reply = ReplyBuffer()
        reply.simple("HELLO" as StaticString)
        #expect(reply.singleRegion.map { Array($0) } == bytes("+HELLO\r\n"))
        reply.consume(3)
        #expect(reply.singleRegion.map { Array($0) } == bytes("LLO\r\n"))
        #expect(reply.pendingBytes == 5)
        reply.consume(5)
        #expect(reply.isEmpty)
        #expect(reply.singleRegion?.count == 0)
        reply.ok()
        #expect(reply.singleRegion.map { Array($0) } == bytes("+OK\r\n"))
    }

    @Test func reuseAfterEverythingWentOut() {
        let (reply, expected) = mixedReplies()
        #expect(drainAll(reply, step: 3000) == expected)
        #expect(reply.pieces.count == 1)
        #expect(reply.tail.capacity == ReplyBuffer.chunkSize)
        reply.ok()
        #expect(drainAll(reply) == bytes("+OK\r\n"))
        // An oversized chunk is dropped once drained.
        let huge = [UInt8](repeating: 1, count: 3 * ReplyBuffer.chunkSize)
        reply.append(bytes("ab"))
        reply.append(huge)
        #expect(drainAll(reply) == bytes("ab") + huge)
        #expect(reply.tail.capacity == ReplyBuffer.chunkSize)
    }

    @Test func discardAllDropsEverything() {
        let (reply, _) = mixedReplies()
        _ = reply.drain(maxPieces: 64) { regions in regions[0].count + 100 }
        reply.discardAll()
        #expect(reply.isEmpty)
        #expect(reply.pendingBytes == 0)
        reply.ok()
        #expect(drainAll(reply) == bytes("+OK\r\n"))
    }
}
