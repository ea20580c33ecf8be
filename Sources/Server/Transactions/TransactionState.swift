// A client's MULTI state (Redis's multiState): the commands queued since MULTI, each with its
// arguments copied out of the query buffer, and whether a queued command was refused
// (CLIENT_DIRTY_EXEC), which makes EXEC abort.

final class TransactionState {
    struct Queued {
        unowned(unsafe) let command: Command
        /// The arguments back to back, and where each ends.
        let bytes: [UInt8]
        let ends: [Int]
    }

    var commands: [Queued] = []
    /// The queued arguments' bytes plus a pointer each (mstate.argv_len_sums: CLIENT LIST multi-mem).
    var argumentBytes = 0
    /// The union of the queued commands' flags (mstate.cmd_flags): a paused server holds back an
    /// EXEC that would write.
    var queuedFlags: CommandFlags = []
    /// A command was refused while queueing (unknown, wrong arity, not allowed in MULTI...).
    var refused = false
}

extension Client {
    /// queueMultiCommand: the running command, arguments copied, at the end of the queue.
    func queueInTransaction(_ command: Command) {
        guard let transaction else { return }
        // Redis stores nothing for a transaction that is already doomed (CLIENT LIST multi=).
        if transaction.refused || watchedKeyTouched { return }
        var bytes: [UInt8] = []
        var ends: [Int] = []
        ends.reserveCapacity(argumentCount)
        for index in 0..<argumentCount {
            bytes.append(contentsOf: arg(index))
            ends.append(bytes.count)
        }
        transaction.argumentBytes += bytes.count + 8 * argumentCount
        transaction.commands.append(.init(command: command, bytes: bytes, ends: ends))
        // queueMultiCommand(c, cmd_flags): a script's declared flags count, as getCommandFlags.
        transaction.queuedFlags.formUnion(command.flags.contains(.mayReplicate)
            ? withServer { $0.commandFlags(command, self) } : command.flags)
    }

    /// flagTransaction: an error before a command could be queued dooms the transaction.
    func flagTransactionOnError() {
        transaction?.refused = true
    }
}
