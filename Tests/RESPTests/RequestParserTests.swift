import Testing
import TestSupport
@testable import RESP

/// A pipeline mixing every request shape: multibulk with binary and empty arguments, empty
/// requests of both kinds, and inline commands with quoting.
private let pipeline: [UInt8] =
    multibulk("SET", "key", "value")
    + multibulk([bytes("SET"), bytes("bin"), [0x0D, 0x0A, 0x00, 0x2A, 0x24, 0xFF]])
    + multibulk([bytes("GET"), []])
    + bytes("*0\r\n")
    + bytes("\r\n")
    + bytes("PING\r\n")
    + bytes("SET k \"a\\x41\\n\"\r\n")
    + bytes("   \n")
    + bytes("*-1\r\n")
    + bytes("echo 'it\\'s'\n")
    + multibulk("LPUSH", "list", "a", "bb", "ccc")
    + bytes("*1\r\n$12\r\n0123456789\r\n\r\n")

private let pipelineCommands: [[[UInt8]]] = [
    [bytes("SET"), bytes("key"), bytes("value")],
    [bytes("SET"), bytes("bin"), [0x0D, 0x0A, 0x00, 0x2A, 0x24, 0xFF]],
    [bytes("GET"), []],
    [bytes("PING")],
    [bytes("SET"), bytes("k"), bytes("aA\n")],
    [bytes("echo"), bytes("it's")],
    [bytes("LPUSH"), bytes("list"), bytes("a"), bytes("bb"), bytes("ccc")],
    [bytes("0123456789\r\n")],
]

@Suite struct RequestParserTests {
    // MARK: complete and pipelined input

    @Test func singleMultibulkCommand() {
        let run = parseWhole(multibulk("SET", "mykey", "myvalue"))
        #expect(run.outcome == .needMore)
        #expect(run.commands == [[bytes("SET"), bytes("mykey"), bytes("myvalue")]])
    }

    @Test func wholePipelineInOneBuffer() {
        let buffer = QueryBuffer(capacity: pipeline.count)
        buffer.append(pipeline)
        var parser = RequestParser()
        var run = ParseRun()
        parseAvailable(&parser, buffer, into: &run)
        #expect(run.outcome == .needMore)
        #expect(run.commands == pipelineCommands)
        #expect(buffer.readIndex == buffer.writeIndex)
    }

    @Test func manyPipelinedCommandsInOneBuffer() {
        var input: [UInt8] = []
        var expected: [[[UInt8]]] = []
        for index in 0..<5000 {
            let key = bytes("key:\(index)")
            let value = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: index % 37)
            if index % 3 == 0 {
                input += bytes("GET key:\(index)\r\n")
                expected.append([bytes("GET"), key])
            } else {
                input += multibulk([bytes("SET"), key, value])
                expected.append([bytes("SET"), key, value])
            }
        }
        let run = parseWhole(input)
        #expect(run.outcome == .needMore)
        #expect(run.commands.count == 5000)
        #expect(run.commands == expected)
    }

    /// Multibulk arguments are spans of the query buffer itself, not copies.
    @Test func multibulkArgumentsPointIntoTheQueryBuffer() {
        let buffer = QueryBuffer(capacity: 64)
        buffer.append(multibulk("GET", "abc"))
        var parser = RequestParser()
        #expect(parser.parse(buffer) == .command)
        #expect(!parser.isInline)
        #expect(parser.argumentCount == 2)
        let argument = parser.argument(1, in: buffer)
        #expect(argument.baseAddress == UnsafeRawPointer(buffer.storage + 17))
        #expect(Array(argument) == bytes("abc"))
        #expect(buffer.readIndex == buffer.writeIndex)
    }

    // MARK: partial input

    /// Cutting the pipeline at any byte and feeding it in two reads yields the same commands.
    @Test func everySplitPointYieldsTheSameCommands() {
        for split in 0...pipeline.count {
            let buffer = QueryBuffer(capacity: pipeline.count + 16)
            var parser = RequestParser()
            var run = ParseRun()
            buffer.append(Array(pipeline[..<split]))
            let first = parseAvailable(&parser, buffer, into: &run)
            #expect(first == .needMore, "split at \(split)")
            buffer.append(Array(pipeline[split...]))
            let second = parseAvailable(&parser, buffer, into: &run)
            #expect(second == .needMore, "split at \(split)")
            #expect(run.commands == pipelineCommands, "split at \(split)")
            #expect(buffer.readIndex == buffer.writeIndex, "split at \(split)")
        }
    }

    @Test func byteByByteYieldsTheSameCommands() {
        let buffer = QueryBuffer(capacity: pipeline.count + 16)
        var parser = RequestParser()
        var run = ParseRun()
        for byte in pipeline {
            buffer.append([byte])
            let outcome = parseAvailable(&parser, buffer, into: &run)
            #expect(outcome == .needMore)
        }
        #expect(run.commands == pipelineCommands)
    }

    /// Random cut points, several per run, over a long pipeline.
    @Test func randomChunkingYieldsTheSameCommands() {
        var generator = SeededGenerator(seed: 7)
        var input: [UInt8] = []
        var expected: [[[UInt8]]] = []
        for index in 0..<300 {
            let value = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            input += multibulk([bytes("SET"), bytes("k\(index)"), value])
            expected.append([bytes("SET"), bytes("k\(index)"), value])
            if index % 5 == 0 {
                input += bytes("INCR 'k \(index)'\r\n")
                expected.append([bytes("INCR"), bytes("k \(index)")])
            }
        }
        for _ in 0..<20 {
            let buffer = QueryBuffer(capacity: input.count + 16)
            var parser = RequestParser()
            var run = ParseRun()
            var position = 0
            while position < input.count {
                let end = min(input.count, position + Int.random(in: 1...600, using: &generator))
                buffer.append(Array(input[position..<end]))
                #expect(parseAvailable(&parser, buffer, into: &run) == .needMore)
                position = end
            }
            #expect(run.commands == expected)
        }
    }

    @Test func bytesWantedReportsThePendingBulk() {
        let buffer = QueryBuffer(capacity: 256)
        var parser = RequestParser()
        #expect(parser.bytesWanted == 0)
        buffer.append(bytes("*2\r\n$3\r\nSET\r\n$100\r\nabc"))
        #expect(parser.parse(buffer) == .needMore)
        #expect(parser.bytesWanted == 102)
        buffer.append([UInt8](repeating: 0x61, count: 97) + bytes("\r\n"))
        #expect(parser.parse(buffer) == .command)
        #expect(parser.argument(1, in: buffer).count == 100)
        parser.reset()
        #expect(parser.bytesWanted == 0)
    }

    // MARK: compaction of the query buffer

    /// The server slides unread bytes to the front (QueryBuffer.reserve, keeping the half-parsed
    /// command from `commandStart`) between reads and tells the parser by how much. Arguments of
    /// a command that is still arriving must survive it.
    @Test func bufferDidShiftKeepsPartialArgumentsRight() throws {
        let buffer = QueryBuffer(capacity: 64)
        var parser = RequestParser()
        var run = ParseRun()
        buffer.append(multibulk("PING"))
        buffer.append(bytes("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva"))
        #expect(parseAvailable(&parser, buffer, into: &run) == .needMore)
        #expect(run.commands == [[bytes("PING")]])
        #expect(parser.commandStart == 14)

        let shift = buffer.reserve(minimumWritable: 40, keepingFrom: parser.commandStart)
        parser.bufferDidShift(by: shift)
        #expect(shift == 14)
        #expect(parser.commandStart == 0)
        // Guard against reading outside the buffer if the spans went wrong.
        try #require(parser.spans.allSatisfy { $0.offset >= 0 && $0.offset + $0.length <= buffer.writeIndex })

        buffer.append(bytes("lue\r\n"))
        #expect(parser.parse(buffer) == .command)
        #expect(arguments(parser, buffer) == [bytes("SET"), bytes("key"), bytes("value")])
        #expect(parser.commandStart == nil)
    }

    /// The same, when the compaction also has to grow the buffer.
    @Test func bufferDidShiftKeepsPartialArgumentsRightWhenGrowing() throws {
        let buffer = QueryBuffer(capacity: 64)
        var parser = RequestParser()
        var run = ParseRun()
        buffer.append(multibulk("PING"))
        buffer.append(bytes("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$200\r\nxy"))
        #expect(parseAvailable(&parser, buffer, into: &run) == .needMore)

        let shift = buffer.reserve(minimumWritable: 300, keepingFrom: parser.commandStart)
        parser.bufferDidShift(by: shift)
        #expect(buffer.capacity >= 300)
        try #require(parser.spans.allSatisfy { $0.offset >= 0 && $0.offset + $0.length <= buffer.writeIndex })

        buffer.append([UInt8](repeating: 0x7A, count: 198) + bytes("\r\n"))
        #expect(parser.parse(buffer) == .command)
        #expect(arguments(parser, buffer) == [bytes("SET"), bytes("key"), bytes("xy") + [UInt8](repeating: 0x7A, count: 198)])
    }

    /// When a command's bytes so far end exactly after an argument, everything up to `readIndex`
    /// looks consumed; `commandStart` tells the server not to rewind the buffer under it.
    @Test func halfParsedCommandKeepsItsStart() {
        let buffer = QueryBuffer(capacity: 64)
        var parser = RequestParser()
        #expect(parser.commandStart == nil)
        buffer.append(bytes("*2\r\n$3\r\nGET\r\n"))
        #expect(parser.parse(buffer) == .needMore)
        #expect(buffer.readIndex == buffer.writeIndex)
        #expect(parser.commandStart == 0)
        // What the server does on needMore.
        if parser.commandStart == nil { buffer.resetIfEmpty() }
        buffer.append(bytes("$10\r\nabcdefghij\r\n"))
        #expect(parser.parse(buffer) == .command)
        #expect(arguments(parser, buffer) == [bytes("GET"), bytes("abcdefghij")])
        parser.reset()
        #expect(parser.commandStart == nil)
        // Between commands there is nothing to keep.
        buffer.append(bytes("*1\r\n"))
        #expect(parser.parse(buffer) == .needMore)
        #expect(parser.commandStart != nil)
        buffer.append(bytes("$4\r\nPING\r\n*0\r\n"))
        #expect(parser.parse(buffer) == .command)
        parser.reset()
        #expect(parser.parse(buffer) == .needMore)
        #expect(parser.commandStart == nil)
    }

    /// The server's read loop with a small buffer: reserve (keeping the half-parsed command),
    /// read straight into storage, parse, rewind only when nothing is half-parsed. Random read
    /// sizes over a pipeline of large and small arguments must yield the same commands.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func serverReadLoopWithCompaction(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var input: [UInt8] = []
        var expected: [[[UInt8]]] = []
        for index in 0..<200 {
            let size = [0, 1, 10, 100, 1000, 5000][Int.random(in: 0..<6, using: &generator)]
            let value = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            input += multibulk([bytes("SET"), bytes("key:\(index)"), value])
            expected.append([bytes("SET"), bytes("key:\(index)"), value])
            if index % 7 == 0 {
                input += bytes("PING\r\n")
                expected.append([bytes("PING")])
            }
        }
        let buffer = QueryBuffer(capacity: 64)
        var parser = RequestParser()
        var run = ParseRun()
        var position = 0
        var shifts = 0
        while position < input.count {
            let wanted = Int.random(in: 1...256, using: &generator)
            let shift = buffer.reserve(minimumWritable: wanted, keepingFrom: parser.commandStart)
            parser.bufferDidShift(by: shift)
            if shift > 0 { shifts += 1 }
            let count = min(wanted, input.count - position, buffer.capacity - buffer.writeIndex)
            input.withUnsafeBufferPointer { source in
                (buffer.storage + buffer.writeIndex).update(from: source.baseAddress! + position, count: count)
            }
            buffer.writeIndex += count
            position += count
            let outcome = parseAvailable(&parser, buffer, into: &run)
            #expect(outcome == .needMore)
            if parser.commandStart == nil { buffer.resetIfEmpty() }
        }
        #expect(shifts > 10)
        #expect(run.commands.count == expected.count)
        #expect(run.commands == expected)
    }

    /// Compaction between whole commands (nothing half-parsed) keeps working.
    @Test func compactionBetweenCommands() {
        let buffer = QueryBuffer(capacity: 32)
        var parser = RequestParser()
        var run = ParseRun()
        buffer.append(multibulk("PING"))
        buffer.append(bytes("*2\r\n"))
        #expect(parseAvailable(&parser, buffer, into: &run) == .needMore)
        let shift = buffer.reserve(minimumWritable: 28)
        parser.bufferDidShift(by: shift)
        #expect(shift == 18)
        buffer.append(bytes("$4\r\nECHO\r\n$2\r\nhi\r\n"))
        #expect(parseAvailable(&parser, buffer, into: &run) == .needMore)
        #expect(run.commands == [[bytes("PING")], [bytes("ECHO"), bytes("hi")]])
    }

    // MARK: empty requests

    @Test func emptyRequestsAreSkipped() {
        let run = parseWhole(bytes("*0\r\n\r\n\n   \r\n*-1\r\n*-5\r\n") + multibulk("PING") + bytes("*0\r\n"))
        #expect(run.outcome == .needMore)
        #expect(run.commands == [[bytes("PING")]])
    }

    @Test func onlyEmptyRequestsConsumeEverything() {
        let buffer = QueryBuffer(capacity: 64)
        buffer.append(bytes("*0\r\n\r\n*0\r\n\n"))
        var parser = RequestParser()
        #expect(parser.parse(buffer) == .needMore)
        #expect(buffer.readIndex == buffer.writeIndex)
        #expect(parser.argumentCount == 0)
    }

    // MARK: malformed input, with Redis's reasons

    @Test(arguments: [
        ("*abc\r\n", "invalid multibulk length"),
        ("*2147483648\r\n", "invalid multibulk length"),
        ("*99999999999999999999\r\n", "invalid multibulk length"),
        ("*\r\n", "invalid multibulk length"),
        ("*+1\r\n", "invalid multibulk length"),
        ("*01\r\n", "invalid multibulk length"),
        ("*1 \r\n", "invalid multibulk length"),
        ("*1\r\nx3\r\nabc\r\n", "expected '$', got 'x'"),
        ("*2\r\n$3\r\nGET\r\n:1\r\n", "expected '$', got ':'"),
        ("*1\r\n$-1\r\n", "invalid bulk length"),
        ("*1\r\n$abc\r\n", "invalid bulk length"),
        ("*1\r\n$\r\n", "invalid bulk length"),
        ("*1\r\n$+3\r\nabc\r\n", "invalid bulk length"),
        ("*1\r\n$536870913\r\n", "invalid bulk length"),
        ("SET k \"abc\r\n", "unbalanced quotes in request"),
        ("SET k 'abc\r\n", "unbalanced quotes in request"),
        ("SET k \"abc\"def\r\n", "unbalanced quotes in request"),
        ("SET k 'abc'def\r\n", "unbalanced quotes in request"),
        ("SET k \"abc\\\"\r\n", "unbalanced quotes in request"),
    ])
    func malformedRequests(input: String, reason: String) {
        let run = parseWhole(bytes(input))
        #expect(run.commands.isEmpty)
        #expect(run.outcome == .protocolError(reason))
    }

    @Test func errorComesAfterTheValidCommandsBeforeIt() {
        let run = parseWhole(multibulk("PING") + bytes("ECHO x\r\n") + bytes("*1\r\n$-3\r\n") + multibulk("PING"))
        #expect(run.commands == [[bytes("PING")], [bytes("ECHO"), bytes("x")]])
        #expect(run.outcome == .protocolError("invalid bulk length"))
    }

    @Test func largestMultibulkCountIsAccepted() {
        let run = parseWhole(bytes("*2147483647\r\n$1\r\na\r\n"))
        #expect(run.outcome == .needMore)
        #expect(run.commands.isEmpty)
    }

    @Test func bulkLengthLimit() {
        var limits = ParserLimits()
        limits.maxBulkLength = 100
        #expect(parseWhole(bytes("*1\r\n$101\r\n"), limits: limits).outcome == .protocolError("invalid bulk length"))
        #expect(parseWhole(bytes("*1\r\n$100\r\n"), limits: limits).outcome == .needMore)
        let exact = parseWhole(bytes("*1\r\n$100\r\n") + [UInt8](repeating: 0x41, count: 100) + bytes("\r\n"), limits: limits)
        #expect(exact.commands == [[[UInt8](repeating: 0x41, count: 100)]])
        // The default is proto-max-bulk-len's 512 MB.
        #expect(ParserLimits().maxBulkLength == 536_870_912)
        #expect(parseWhole(bytes("*1\r\n$536870912\r\n")).outcome == .needMore)
    }

    @Test func tooBigInlineRequest() {
        let limit = 64 * 1024
        #expect(ParserLimits().maxInlineLength == limit)
        #expect(parseWhole([UInt8](repeating: 0x61, count: limit)).outcome == .needMore)
        #expect(parseWhole([UInt8](repeating: 0x61, count: limit + 1)).outcome == .protocolError("too big inline request"))
    }

    @Test func tooBigMultibulkCountString() {
        let limit = 64 * 1024
        #expect(parseWhole(bytes("*") + [UInt8](repeating: 0x31, count: limit - 1)).outcome == .needMore)
        #expect(parseWhole(bytes("*") + [UInt8](repeating: 0x31, count: limit)).outcome == .protocolError("too big mbulk count string"))
    }

    @Test func tooBigBulkCountString() {
        let limit = 64 * 1024
        let header = bytes("*1\r\n$")
        #expect(parseWhole(header + [UInt8](repeating: 0x31, count: limit - 1)).outcome == .needMore)
        #expect(parseWhole(header + [UInt8](repeating: 0x31, count: limit)).outcome == .protocolError("too big bulk count string"))
    }

    @Test func inlineLengthLimitIsConfigurable() {
        var limits = ParserLimits()
        limits.maxInlineLength = 16
        #expect(parseWhole(bytes("GET 0123456789ab"), limits: limits).outcome == .needMore)
        #expect(parseWhole(bytes("GET 0123456789abc"), limits: limits).outcome == .protocolError("too big inline request"))
        // A complete line longer than the limit is still a request, as in Redis.
        #expect(parseWhole(bytes("GET 0123456789abcdef\r\n"), limits: limits).commands == [[bytes("GET"), bytes("0123456789abcdef")]])
    }

    /// Before AUTH, Redis refuses more than 10 arguments and bulks over 16 KB.
    @Test func unauthenticatedLimits() {
        var limits = ParserLimits()
        limits.unauthenticated = true
        let ten = multibulk((0..<10).map { bytes("a\($0)") })
        #expect(parseWhole(ten, limits: limits).commands.count == 1)
        let eleven = multibulk((0..<11).map { bytes("a\($0)") })
        #expect(parseWhole(eleven, limits: limits).outcome == .protocolError("unauthenticated multibulk length"))
        #expect(parseWhole(eleven).commands.count == 1)
        let at = multibulk([bytes("AUTH"), [UInt8](repeating: 0x70, count: 16384)])
        #expect(parseWhole(at, limits: limits).commands.count == 1)
        #expect(parseWhole(bytes("*2\r\n$4\r\nAUTH\r\n$16385\r\n"), limits: limits).outcome == .protocolError("unauthenticated bulk length"))
        #expect(parseWhole(bytes("*2\r\n$4\r\nAUTH\r\n$16385\r\n")).outcome == .needMore)
    }

    @Test func resetForgetsAHalfParsedCommand() {
        let buffer = QueryBuffer(capacity: 128)
        var parser = RequestParser()
        buffer.append(bytes("*3\r\n$3\r\nSET\r\n$1\r\n"))
        #expect(parser.parse(buffer) == .needMore)
        parser.reset()
        buffer.readIndex = buffer.writeIndex
        buffer.append(multibulk("PING"))
        #expect(parser.parse(buffer) == .command)
        #expect(arguments(parser, buffer) == [bytes("PING")])
    }
}
