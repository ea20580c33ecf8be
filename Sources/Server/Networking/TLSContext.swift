import CTLS
import Config
import Glibc

// The SSL_CTXs every TLS connection is made from (tls.c's tlsConfigure): one for the server side
// and, when tls-client-cert-file/-key-file are set, one for outgoing connections (replication).
// Built at start-up and again on CONFIG SET of a tls-* directive; a failed build keeps the old
// contexts, so connections in flight and later ones go on as before.

final class TLSContexts {
    let server: OpaquePointer
    let client: OpaquePointer?
    /// The key passwords OpenSSL's callback reads (it keeps the pointers, not copies).
    private let passwords: [UnsafeMutablePointer<CChar>]

    private init(server: OpaquePointer, client: OpaquePointer?, passwords: [UnsafeMutablePointer<CChar>]) {
        self.server = server
        self.client = client
        self.passwords = passwords
    }

    deinit {
        SSL_CTX_free(server)
        if let client { SSL_CTX_free(client) }
        for password in passwords { free(password) }
    }

    /// The context outgoing connections use.
    var forOutgoing: OpaquePointer { client ?? server }

    static let protocolBits: [String: Int32] = ["tlsv1": 1, "tlsv1.1": 2, "tlsv1.2": 4, "tlsv1.3": 8]
    static let defaultProtocols: Int32 = 4 | 8

    /// tlsConfigure: nil (after logging why, as Redis words it) when the configuration is unusable.
    static func build(_ config: ConfigStore, warn: (String) -> Void) -> TLSContexts? {
        apus_tls_init()
        let certFile = config.string("tls-cert-file"), keyFile = config.string("tls-key-file")
        let caFile = config.string("tls-ca-cert-file"), caDir = config.string("tls-ca-cert-dir")
        if certFile.isEmpty {
            warn("No tls-cert-file configured!")
            return nil
        }
        if keyFile.isEmpty {
            warn("No tls-key-file configured!")
            return nil
        }
        if (config.string("tls-auth-clients") != "no" || config.bool("tls-cluster") || config.bool("tls-replication"))
            && caFile.isEmpty && caDir.isEmpty {
            warn("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!")
            return nil
        }
        var protocols = defaultProtocols
        let protocolText = config.string("tls-protocols")
        if !protocolText.isEmpty {
            protocols = 0
            for token in protocolText.split(separator: " ") {
                guard let bit = protocolBits[token.lowercased()] else {
                    warn("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")
                    return nil
                }
                protocols |= bit
            }
        }
        var passwords: [UnsafeMutablePointer<CChar>] = []
        func release(_ contexts: OpaquePointer?...) {
            for case let context? in contexts { SSL_CTX_free(context) }
            for password in passwords { free(password) }
        }
        let pass = config.string("tls-key-file-pass")
        guard let server = makeContext(config, protocols: protocols, cert: certFile, key: keyFile,
                                       pass: pass.isEmpty ? nil : strdup(pass), passwords: &passwords, warn: warn) else {
            release()
            return nil
        }
        apus_tls_ctx_server_options(server, config.bool("tls-session-caching") ? 1 : 0,
                                    Int(config.int("tls-session-cache-size")), Int(config.int("tls-session-cache-timeout")),
                                    config.bool("tls-prefer-server-ciphers") ? 1 : 0)
        let dhFile = config.string("tls-dh-params-file")
        if dhFile.isEmpty {
            apus_tls_ctx_dh_auto(server)
        } else {
            switch apus_tls_ctx_load_dh(server, dhFile) {
            case 0: break
            case -1:
                warn("Failed to load \(dhFile): \(String(cString: strerror(errno)))")
                release(server)
                return nil
            case -2:
                warn("\(dhFile): failed to read DH params.")
                release(server)
                return nil
            default:
                warn("Failed to load DH params file: \(dhFile): \(errorText())")
                release(server)
                return nil
            }
        }
        var client: OpaquePointer?
        let clientCert = config.string("tls-client-cert-file"), clientKey = config.string("tls-client-key-file")
        if !clientCert.isEmpty && !clientKey.isEmpty {
            let clientPass = config.string("tls-client-key-file-pass")
            client = makeContext(config, protocols: protocols, cert: clientCert, key: clientKey,
                                 pass: clientPass.isEmpty ? nil : strdup(clientPass), passwords: &passwords, warn: warn)
            if client == nil {
                release(server)
                return nil
            }
        }
        return TLSContexts(server: server, client: client, passwords: passwords)
    }

    /// createSSLContext: what the server and client contexts share.
    private static func makeContext(_ config: ConfigStore, protocols: Int32, cert: String, key: String,
                                    pass: UnsafeMutablePointer<CChar>?, passwords: inout [UnsafeMutablePointer<CChar>],
                                    warn: (String) -> Void) -> OpaquePointer? {
        guard let context = apus_tls_ctx_new(protocols) else {
            warn("Failed to create an SSL context: \(errorText())")
            return nil
        }
        if let pass { passwords.append(pass) }
        apus_tls_ctx_set_password(context, pass)
        func fail(_ message: String) -> OpaquePointer? {
            warn(message)
            SSL_CTX_free(context)
            return nil
        }
        if SSL_CTX_use_certificate_chain_file(context, cert) <= 0 {
            return fail("Failed to load certificate: \(cert): \(errorText())")
        }
        if SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) <= 0 {
            return fail("Failed to load private key: \(key): \(errorText())")
        }
        let caFile = config.string("tls-ca-cert-file"), caDir = config.string("tls-ca-cert-dir")
        if !caFile.isEmpty || !caDir.isEmpty {
            if SSL_CTX_load_verify_locations(context, caFile.isEmpty ? nil : caFile, caDir.isEmpty ? nil : caDir) <= 0 {
                return fail("Failed to configure CA certificate(s) file/directory: \(errorText())")
            }
        }
        let ciphers = config.string("tls-ciphers")
        if !ciphers.isEmpty && SSL_CTX_set_cipher_list(context, ciphers) == 0 {
            return fail("Failed to configure ciphers: \(ciphers)")
        }
        let suites = config.string("tls-ciphersuites")
        if !suites.isEmpty && SSL_CTX_set_ciphersuites(context, suites) == 0 {
            return fail("Failed to configure ciphersuites: \(suites)")
        }
        apus_tls_clear_errors()
        return context
    }

    /// The oldest error OpenSSL queued, as its text.
    static func errorText() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        apus_tls_error_text(&buffer, buffer.count)
        return String(cString: buffer)
    }
}
