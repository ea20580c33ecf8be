import Persistence

// Placeholder until the RDB encoder lands: the file-level entry points that SAVE, BGSAVE, the
// AOF's RDB base and start-up use.

struct RDBError: Error, CustomStringConvertible {
    let description: String
}

extension Server {
    /// rdbSave: the whole dataset as an RDB file at `path`, written to a temp file, fsynced,
    /// renamed over `path`, and the directory fsynced.
    func writeRDB(to path: String) throws {
        throw RDBError(description: "RDB writing is not implemented yet")
    }

    /// rdbLoad: replaces the dataset with the RDB file at `path`.
    func loadRDB(from path: String) throws {
        throw RDBError(description: "RDB loading is not implemented yet")
    }
}
