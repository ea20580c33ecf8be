import Config
import Logging
@testable import Server

/// A Server that never runs its loop, driven through fake clients: each command is loaded as
/// arguments and run by `processCommand`, as a connection's input would be. Everything the
/// server propagates is collected, one entry per emitted command (MULTI and EXEC included),
/// as RESP text with the database it applies to.
final class ServerHarness {
    let server: Server
    let client: Client
    private(set) var propagated: [(db: Int, command: String)] = []

    init(_ arguments: [String] = []) throws {
        let config = ConfigStore()
        try config.load(arguments: arguments)
        server = try Server(config: config, logger: Logger(label: "ServerTests"))
        client = Client(fakeFor: server)
        // Reachable by id, as a connection is (tracking redirects, invalidations).
        server.clientsByID[client.id] = client
        server.propagation.addConsumer { [unowned self] db, command in
            propagated.append((db, String(decoding: command, as: UTF8.self)))
        }
    }

    /// Runs one command from `client` (default: the harness's own); returns its reply's bytes.
    @discardableResult
    func run(_ arguments: String..., as sender: Client? = nil) -> String {
        run(arguments, as: sender)
    }

    @discardableResult
    func run(_ arguments: [String], as sender: Client? = nil) -> String {
        let client = sender ?? self.client
        let storage = arguments.map { Array($0.utf8) }
        let pointers = storage.map { bytes -> UnsafeMutableRawBufferPointer in
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            copy.copyBytes(from: bytes)
            return copy
        }
        defer { pointers.forEach { $0.deallocate() } }
        client.loadArguments(zip(pointers, storage).map { UnsafeRawBufferPointer(rebasing: $0.0[0..<$0.1.count]) })
        server.processCommand(client)
        return reply(of: client)
    }

    /// What `client` has been sent so far, consumed.
    func reply(of client: Client) -> String {
        var bytes: [UInt8] = []
        while !client.reply.isEmpty {
            let written = client.reply.drain(maxPieces: 64) { regions in
                regions.reduce(0) { total, region in
                    bytes.append(contentsOf: region)
                    return total + region.count
                }
            }
            if written == 0 { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The propagated commands since the last call, as RESP text, and forgets them.
    func takePropagated() -> [String] {
        defer { propagated.removeAll() }
        return propagated.map(\.command)
    }

    /// A second connection.
    func newClient() -> Client {
        let client = Client(fakeFor: server)
        server.clientsByID[client.id] = client
        return client
    }
}

/// `arguments` as one RESP multibulk, as the propagation stream encodes a command.
func resp(_ arguments: String...) -> String {
    var text = "*\(arguments.count)\r\n"
    for argument in arguments { text += "$\(argument.utf8.count)\r\n\(argument)\r\n" }
    return text
}
