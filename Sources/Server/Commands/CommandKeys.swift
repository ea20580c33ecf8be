// Which arguments of a command are keys (Redis's getKeysFromCommand), from the command's key
// specs and, where those are incomplete or their flags vary, its own procedure (KeySpecs.swift).
// Client tracking and COMMAND GETKEYS read it.

enum CommandKeys {
    /// Argument indexes of the keys of `command` as `client` called it.
    static func positions(of command: Command, in client: Client) -> [Int] {
        positions(of: command, count: client.argumentCount) { client.arg($0) }
    }

    static func positions(of command: Command, count: Int, argument: (Int) -> UnsafeRawBufferPointer) -> [Int] {
        KeyExtraction.keys(of: command, count: count, argument: argument).map(\.position)
    }
}
