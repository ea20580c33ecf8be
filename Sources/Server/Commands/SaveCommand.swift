import Store

// SAVE: the dataset written synchronously to dir/dbfilename (rdbSave), blocking the loop.

enum SaveCommand {
    static let handlers: [String: CommandHandler] = ["save": save]

    /// saveCommand: refused while a BGSAVE runs; rdbSave's bookkeeping (dirty, lastsave, the
    /// bgsave status) is saveInForeground's.
    static func save(_ c: Client) {
        if c.server.refuseSaveDuringBackgroundSave(c) { return }
        c.server.persistence.saves += 1
        if c.server.saveInForeground() { c.reply.ok() } else { c.error(ErrorText.genericError) }
    }
}
