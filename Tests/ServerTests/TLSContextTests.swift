import Config
import Testing
@testable import Server

// tlsConfigure's checks before any file is read, with Redis's log lines, and CONFIG SET of a
// tls-* directive when TLS is off (Redis rebuilds nothing then, so anything is accepted).
@Suite struct TLSContextTests {
    private func build(_ arguments: [String]) throws -> (TLSContexts?, [String]) {
        let config = ConfigStore()
        try config.load(arguments: arguments)
        var warnings: [String] = []
        let contexts = TLSContexts.build(config) { warnings.append($0) }
        return (contexts, warnings)
    }

    @Test func missingCertificateOrKey() throws {
        let (none, noCert) = try build([])
        #expect(none == nil && noCert == ["No tls-cert-file configured!"])
        let (_, noKey) = try build(["--tls-cert-file", "/tmp/c.pem"])
        #expect(noKey == ["No tls-key-file configured!"])
    }

    @Test func caRequiredUnlessClientAuthIsOff() throws {
        let (_, warnings) = try build(["--tls-cert-file", "/tmp/c.pem", "--tls-key-file", "/tmp/k.pem"])
        #expect(warnings == ["Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!"])
        let (_, relaxed) = try build(["--tls-cert-file", "/nonexistent/c.pem", "--tls-key-file", "/tmp/k.pem",
                                      "--tls-auth-clients", "no"])
        #expect(relaxed.count == 1 && relaxed[0].hasPrefix("Failed to load certificate: /nonexistent/c.pem: "))
    }

    @Test func invalidProtocols() throws {
        let (_, warnings) = try build(["--tls-cert-file", "/tmp/c.pem", "--tls-key-file", "/tmp/k.pem",
                                       "--tls-ca-cert-dir", "/tmp", "--tls-protocols", "TLSv1.2 SSLv3"])
        #expect(warnings == ["Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'."])
    }

    @Test func configSetWithTLSOffRebuildsNothing() throws {
        let h = try ServerHarness()
        #expect(h.run("CONFIG", "SET", "tls-cert-file", "/nonexistent/c.pem") == "+OK\r\n")
        #expect(h.server.tls.contexts == nil)
    }
}
