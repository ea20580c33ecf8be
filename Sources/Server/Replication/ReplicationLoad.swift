import Persistence

// Loading the master's RDB on a replica. Expired keys stay: the master expires them, with DELs
// in the stream.

extension Server {
    func loadReplicationPayload(_ payload: [UInt8], completion: @escaping (Result<Void, Error>) -> Void) {
        databaseWillFlush(nil)
        for db in databases { _ = db.removeAll() }
        let options = RDBLoadOptions(limits: rdbLoadLimits, verifyChecksum: config.bool("rdbchecksum"),
                                     nowMilliseconds: now, dropExpired: false, usesLFU: settings.usesLFU)
        do {
            let report = try RDBFileLoader.load(payload, into: databases, options: options)
            logger.notice("Done loading RDB, keys loaded: \(report.keysLoaded), keys expired: \(report.keysExpired).")
            completion(.success(()))
        } catch {
            completion(.failure(error))
        }
    }

    func cancelIncrementalLoadIfRunning() {}
}
