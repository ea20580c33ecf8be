import Testing
@testable import Server

// The AOF's pieces that need no disk: the manifest's text both ways, the command reader's
// verdicts on whole, cut and malformed input, and what the propagation consumer appends.

@Suite struct AOFManifestTests {
    @Test func writesRedisLines() {
        var manifest = AOFManifest()
        _ = manifest.newBaseName(prefix: "appendonly.aof", rdb: true)
        _ = manifest.newIncrName(prefix: "appendonly.aof")
        #expect(manifest.text == "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
        _ = manifest.newIncrName(prefix: "appendonly.aof")
        manifest.markRewrittenIncrsAsHistory(keepingNewest: true)
        _ = manifest.newBaseName(prefix: "appendonly.aof", rdb: false)
        #expect(manifest.text == """
            file appendonly.aof.2.base.aof seq 2 type b
            file appendonly.aof.1.incr.aof seq 1 type h
            file appendonly.aof.1.base.rdb seq 1 type h
            file appendonly.aof.2.incr.aof seq 2 type i

            """)
    }

    @Test func parsesWhatItWritesAndQuotedNames() throws {
        var manifest = AOFManifest()
        _ = manifest.newBaseName(prefix: "my file.aof", rdb: true)
        _ = manifest.newIncrName(prefix: "my file.aof")
        #expect(manifest.text.hasPrefix("file \"my file.aof.1.base.rdb\" seq 1 type b\n"))
        let parsed = try AOFManifest.parse(manifest.text)
        #expect(parsed == manifest)
    }

    @Test func rejectsMalformedManifests() {
        #expect(throws: AOFError.self) { try AOFManifest.parse("file a seq 1\n") }
        #expect(throws: AOFError.self) { try AOFManifest.parse("file a seq 1 type b\nfile b seq 2 type b\n") }
        #expect(throws: AOFError.self) { try AOFManifest.parse("file a seq 2 type i\nfile b seq 1 type i\n") }
        #expect(throws: AOFError.self) { try AOFManifest.parse("file a seq 1 type b\n\nfile b seq 1 type i\n") }
        #expect(throws: AOFError.self) { try AOFManifest.parse("# only a comment\n") }
        #expect(throws: Never.self) { try AOFManifest.parse("# comment\nfile a seq 1 type b\n") }
    }
}

@Suite struct AOFCommandReaderTests {
    private func items(_ text: String) -> [String] {
        var reader = AOFCommandReader(Array(text.utf8))
        var out: [String] = []
        while true {
            switch reader.next() {
            case .end: return out
            case .annotation: out.append("#")
            case .truncated: return out + ["truncated"]
            case .badFormat(let at): return out + ["bad@\(at)"]
            case .command(let ranges): out.append("\(ranges.count)")
            }
        }
    }

    @Test func readsCommandsAndAnnotations() {
        #expect(items("#TS:1\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n") == ["#", "2", "1"])
    }

    @Test func cutInputIsTruncated() {
        #expect(items("*2\r\n$3\r\nGET\r\n$1\r\n") == ["truncated"])
        #expect(items("*1\r\n$4\r\nPI") == ["truncated"])
        #expect(items("*1\r\n$4\r\nPING\r\n*2") == ["1", "truncated"])
    }

    @Test func malformedInputNamesTheOffset() {
        #expect(items("*1\r\n$4\r\nPING\r\nxyz\r\n") == ["1", "bad@14"])
        #expect(items("*1\r\n$4\r\nPINGxx") == ["bad@12"])
        #expect(items("*0\r\n") == ["bad@0"])
    }
}

@Suite struct AOFFeedTests {
    private func fed(_ arguments: [String] = [], _ body: (ServerHarness) -> Void) throws -> String {
        let h = try ServerHarness(arguments)
        h.server.reloadAOFSettings()
        h.server.aof.status = .on
        h.server.installAOFConsumer()
        body(h)
        return String(decoding: h.server.aof.buffer, as: UTF8.self)
    }

    @Test func selectsTheDatabaseWhenItChanges() throws {
        let text = try fed { h in
            h.run("SET", "a", "1")
            h.run("SET", "b", "2")
            h.run("SELECT", "2")
            h.run("DEL", "x")
            h.run("SET", "c", "3")
        }
        #expect(text == resp("SELECT", "0") + resp("SET", "a", "1") + resp("SET", "b", "2")
                + resp("SELECT", "2") + resp("SET", "c", "3"))
    }

    @Test func transactionsAreWrappedAndTTLsAbsolute() throws {
        let text = try fed { h in
            h.run("MULTI")
            h.run("SET", "a", "1")
            h.run("INCR", "a")
            h.run("EXEC")
            h.run("SET", "t", "v", "EX", "100")
        }
        #expect(text.hasPrefix(resp("SELECT", "0") + resp("MULTI") + resp("SET", "a", "1") + resp("INCR", "a") + resp("EXEC")))
        #expect(text.contains("$4\r\nPXAT\r\n"))
    }

    @Test func timestampAnnotationsOncePerSecond() throws {
        let text = try fed(["--aof-timestamp-enabled", "yes"]) { h in
            h.run("SET", "a", "1")
            h.run("SET", "b", "2")
        }
        #expect(text.hasPrefix("#TS:"))
        #expect(text.split(separator: "#", omittingEmptySubsequences: false).count == 2)
    }

    @Test func nothingIsFedWhileLoadingOrOff() throws {
        let text = try fed { h in
            h.server.aof.loading = true
            h.run("SET", "a", "1")
            h.server.aof.loading = false
            h.server.aof.status = .off
            h.run("SET", "b", "1")
        }
        #expect(text.isEmpty)
    }
}
