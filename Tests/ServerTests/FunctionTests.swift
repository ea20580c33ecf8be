import Testing
@testable import Server

/// FUNCTION's libraries as the server keeps, propagates and restores them: what the AOF and the
/// replicas receive, and that a failed restore or replace leaves everything as it was.
@Suite struct FunctionTests {
    static let counter = "#!lua name=lib\nredis.register_function('bump', function(keys) return redis.call('incr', keys[1]) end)"

    @Test func loadPropagatesAsCalledAndFcallAsItsEffects() throws {
        let h = try ServerHarness()
        #expect(h.run("FUNCTION", "LOAD", Self.counter) == "$3\r\nlib\r\n")
        #expect(h.takePropagated() == [resp("FUNCTION", "LOAD", Self.counter)])
        #expect(h.run("FCALL", "bump", "1", "n") == ":1\r\n")
        #expect(h.takePropagated() == [resp("incr", "n")])  // as the script wrote it
        #expect(h.run("FCALL_RO", "bump", "1", "n").hasPrefix("-ERR Can not execute a script with write flag"))
        #expect(h.takePropagated().isEmpty)
        #expect(h.run("FUNCTION", "DELETE", "lib") == "+OK\r\n")
        #expect(h.takePropagated() == [resp("FUNCTION", "DELETE", "lib")])
        #expect(h.run("FUNCTION", "DELETE", "lib") == "-ERR Library not found\r\n")
        #expect(h.takePropagated().isEmpty)
    }

    @Test func failedReplaceKeepsTheOldLibrary() throws {
        let h = try ServerHarness()
        h.run("FUNCTION", "LOAD", Self.counter)
        let broken = "#!lua name=lib\nredis.register_function('other', function() return 1 end)\nerror('late')"
        #expect(h.run("FUNCTION", "LOAD", "REPLACE", broken).hasPrefix("-ERR Error registering functions: ERR user_function:3: "))
        #expect(h.run("FCALL", "bump", "1", "n") == ":1\r\n")
        #expect(h.run("FCALL", "other", "0") == "-ERR Function not found\r\n")
        #expect(h.server.functions.current.functionCount == 1)
    }

    @Test func restoreCollisionChangesNothing() throws {
        let h = try ServerHarness()
        h.run("FUNCTION", "LOAD", Self.counter)
        let payload = FunctionPayload.dump(h.server.functions.libraryCodes, compression: true)
        h.run("FUNCTION", "LOAD", "#!lua name=second\nredis.register_function('second', function() return 2 end)")
        let codes = try payload.withUnsafeBytes { try FunctionPayload.libraryCodes(inPayload: $0) }
        #expect(codes == [Array(Self.counter.utf8)])
        let context = LibraryContext()
        try h.server.functions.create(codes[0], replace: false, into: context)
        #expect(throws: FunctionLoadError.self) { try h.server.functions.join(context, replace: false) }
        #expect(h.server.functions.current.libraries.keys.sorted() == ["lib", "second"])
        try h.server.functions.join(context, replace: true)
        #expect(h.run("FCALL", "bump", "1", "n") == ":1\r\n")
        #expect(h.run("FCALL", "second", "0") == ":2\r\n")
    }

    @Test func theInterpreterStackStaysBalanced() throws {
        let h = try ServerHarness()
        h.run("FUNCTION", "LOAD", Self.counter)
        h.run("FUNCTION", "LOAD", "#!lua name=bad\nredis.register_function('x', 1)")
        h.run("FUNCTION", "LOAD", "#!lua name=bad\nsyntax error here")
        h.run("FUNCTION", "LOAD", "#!lua name=errs\nredis.register_function('boom', function() error('x') end)\n"
              + "redis.register_function('tbl', function() return {1, {2}} end)")
        for _ in 0..<3 {
            h.run("FCALL", "bump", "1", "n")
            #expect(h.run("FCALL", "boom", "0").hasPrefix("-ERR user_function:2: x script: boom"))
            #expect(h.run("FCALL", "tbl", "0") == "*2\r\n:1\r\n*1\r\n:2\r\n")
            h.run("FCALL", "bump", "2", "n")
        }
        #expect(h.server.functions.lua.top == 0)
    }

    @Test func libraryMetadata() throws {
        let metadata = try LibraryMetadata.parse(Array("#!lua name=abc\nreturn 1".utf8))
        #expect(metadata.engine == "lua" && metadata.name == "abc" && metadata.bodyStart == 14)
        #expect(throws: FunctionLoadError.self) { try LibraryMetadata.parse(Array("#!lua name=a name=b\n".utf8)) }
        #expect(FunctionLibraries.isValidName("a_Z9") && !FunctionLibraries.isValidName("a-b") && !FunctionLibraries.isValidName(""))
    }
}
