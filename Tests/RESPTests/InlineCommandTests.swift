import Testing
@testable import RESP

/// Inline commands follow sdssplitargs' quoting rules.
@Suite struct InlineCommandTests {
    private func split(_ line: String) -> ParseRun { parseWhole(bytes(line + "\r\n")) }

    @Test(arguments: [
        (#"SET k "a\x41\n""#, [bytes("SET"), bytes("k"), bytes("aA\n")]),
        (#"echo 'it\'s'"#, [bytes("echo"), bytes("it's")]),
        ("  a   b\tc  ", [bytes("a"), bytes("b"), bytes("c")]),
        ("\"\" ''", [[], []]),
        (#""a\\b""#, [bytes(#"a\b"#)]),
        (#"'a\nb'"#, [bytes(#"a\nb"#)]),
        (#"'a\\b'"#, [bytes(#"a\\b"#)]),
        (#""\xZZ""#, [bytes("xZZ")]),
        (#""\x4""#, [bytes("x4")]),
        (#""\x4a\x4A\x00""#, [[0x4A, 0x4A, 0x00]]),
        (#""\t\r\b\a\"\q""#, [[0x09, 0x0D, 0x08, 0x07, 0x22, 0x71]]),
        (#"ab"cd""#, [bytes("abcd")]),
        (#"a"b c" d"#, [bytes("ab c"), bytes("d")]),
        ("\"abc\"\tdef", [bytes("abc"), bytes("def")]),
        (#""a'b" 'c"d'"#, [bytes("a'b"), bytes("c\"d")]),
        ("caf\u{E9}", [bytes("caf\u{E9}")]),
    ])
    func quoting(line: String, expected: [[UInt8]]) {
        let run = split(line)
        #expect(run.outcome == .needMore)
        #expect(run.commands == [expected])
    }

    @Test func lineEndings() {
        #expect(parseWhole(bytes("PING\n")).commands == [[bytes("PING")]])
        #expect(parseWhole(bytes("PING\r\n")).commands == [[bytes("PING")]])
        #expect(parseWhole(bytes("PING\r\r\n")).commands == [[bytes("PING")]])
        // No newline yet: nothing to run.
        #expect(parseWhole(bytes("PING\r")).commands.isEmpty)
        #expect(parseWhole(bytes("PING")).outcome == .needMore)
    }

    @Test func inlineArgumentsDoNotPointIntoTheQueryBuffer() {
        let buffer = QueryBuffer(capacity: 64)
        buffer.append(bytes("SET k \"v\\x41\"\r\n"))
        var parser = RequestParser()
        #expect(parser.parse(buffer) == .command)
        #expect(parser.isInline)
        #expect(arguments(parser, buffer) == [bytes("SET"), bytes("k"), bytes("vA")])
        // A later shift of the query buffer must not disturb inline arguments.
        parser.bufferDidShift(by: 5)
        #expect(arguments(parser, buffer) == [bytes("SET"), bytes("k"), bytes("vA")])
    }

    /// Redis builds the line as a C string for sdssplitargs, so a NUL byte ends the line:
    /// "GET a<NUL>b" is the command GET a.
}
