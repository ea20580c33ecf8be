import Testing
@testable import RESP

@Suite struct RequestPeekTests {
    private func peek(_ text: String, from offset: Int = 0) -> String? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            RequestPeek.secondArgument(raw, from: offset).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @Test func findsTheKeyOfACompleteCommand() {
        #expect(peek("*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n") == "hello")
        #expect(peek("*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$3\r\nabc\r\n") == "key:000000000001")
        #expect(peek("*2\r\n$3\r\nGET\r\n$0\r\n\r\n") == "")
        let two = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$2\r\nbb\r\n"
        #expect(peek(two, from: 20) == "bb")
    }

    @Test func theKeyMustBeThereWhole() {
        #expect(peek("*2\r\n$3\r\nGET\r\n$5\r\nhel") == nil)
        #expect(peek("*2\r\n$3\r\nGET\r\n$5") == nil)
        #expect(peek("*2\r\n$3\r\nGE") == nil)
        #expect(peek("*2\r") == nil)
    }

    @Test func anythingElseIsNil() {
        #expect(peek("*1\r\n$4\r\nPING\r\n") == nil)
        #expect(peek("GET hello\r\n") == nil)
        #expect(peek("*x\r\n") == nil)
        #expect(peek("*2\r\n+3\r\nGET\r\n$1\r\na\r\n") == nil)
        #expect(peek("*2\r\n$-1\r\n") == nil)
        #expect(peek("*2\n$3\r\nGET\r\n$1\r\na\r\n") == nil)
        #expect(peek("*99999999999\r\n") == nil)
        #expect(peek("") == nil)
    }
}
