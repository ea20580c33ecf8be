import Testing
@testable import RESP

@Suite struct RequestPeekTests {
    private func peek(_ text: String, from offset: Int = 0) -> String? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            RequestPeek.firstKey(raw, from: offset).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @Test func findsTheKeyOfACompleteCommand() {
        #expect(peek("*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n") == "hello")
        #expect(peek("*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$3\r\nabc\r\n") == "key:000000000001")
        #expect(peek("*2\r\n$3\r\nGET\r\n$0\r\n\r\n") == "")
        let two = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$2\r\nbb\r\n"
        #expect(peek(two, from: 20) == "bb")
    }

    @Test func scriptCallsHaveTheirKeyAfterNumkeys() {
        #expect(peek("*4\r\n$7\r\nEVALSHA\r\n$3\r\nabc\r\n$1\r\n1\r\n$3\r\nkey\r\n") == "key")
        #expect(peek("*5\r\n$5\r\nfcall\r\n$1\r\nf\r\n$2\r\n12\r\n$2\r\nk1\r\n$2\r\nk2\r\n") == "k1")
        #expect(peek("*4\r\n$4\r\nEval\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nk\r\n") == "k")
        #expect(peek("*4\r\n$10\r\nevalsha_ro\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nk\r\n") == "k")
        #expect(peek("*4\r\n$8\r\nFCALL_RO\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nk\r\n") == "k")
        // No key: numkeys 0, negative or missing.
        #expect(peek("*4\r\n$7\r\nevalsha\r\n$1\r\nx\r\n$1\r\n0\r\n$1\r\na\r\n") == nil)
        #expect(peek("*4\r\n$7\r\nevalsha\r\n$1\r\nx\r\n$2\r\n-1\r\n$1\r\na\r\n") == nil)
        #expect(peek("*3\r\n$4\r\neval\r\n$1\r\nx\r\n$1\r\n1\r\n") == nil)
        // Names shorter than any of them, down to empty (a fuzzer found the read past an empty
        // name at the end of the data): the second argument, or nil.
        #expect(peek("*2\r\n$0\r\n\r\n$1\r\nk\r\n") == "k")
        #expect(peek("*2\r\n$1\r\ne\r\n$1\r\nk\r\n") == "k")
        #expect(peek("*2\r\n$0\r\n") == nil)
        // Names that only start like one: the second argument, as for any command.
        #expect(peek("*4\r\n$6\r\nevalsh\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nk\r\n") == "x")
        #expect(peek("*4\r\n$8\r\nfcall_rw\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nk\r\n") == "x")
    }

    @Test func endIsPastTheWholeRequest() {
        let two = Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".utf8)
        two.withUnsafeBytes { raw in
            #expect(RequestPeek.end(raw, from: 0) == 28)
            #expect(RequestPeek.end(raw, from: 28) == two.count)
            #expect(RequestPeek.firstKey(raw, from: 28).map { Array($0) } == Array("k".utf8))
            // Cut anywhere inside the request: no end.
            for cut in 0..<28 {
                #expect(RequestPeek.end(UnsafeRawBufferPointer(rebasing: raw[0..<cut]), from: 0) == nil)
            }
        }
        let inline = Array("GET k\r\n".utf8)
        inline.withUnsafeBytes { #expect(RequestPeek.end($0, from: 0) == nil) }
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
