import Store

// SAVE: the dataset written synchronously to dir/dbfilename (rdbSave), blocking the loop.

enum SaveCommand {
    static let handlers: [String: CommandHandler] = ["save": save]

    static func save(_ c: Client) {
        do {
            try c.server.writeRDB(to: c.server.config.string("dbfilename"))
            c.server.logger.notice("DB saved on disk")
            c.server.dirty = 0
            c.reply.ok()
        } catch {
            c.server.logger.warning("\(error)")
            c.error(ErrorText.genericError)
        }
    }
}
