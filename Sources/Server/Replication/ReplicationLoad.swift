import Glibc
import Persistence

// Loading the master's RDB on a replica (readSyncBulkPayload's load half, Redis 7.0). With
// repl-diskless-load disabled (the default) the payload is also written to dbfilename first, as
// Redis renames the transferred file over it, so the replica's own RDB is the master's
// snapshot. The load runs in bounded steps on the loop (Persistence/BackgroundLoad.swift):
// other clients are answered -LOADING meanwhile. Expired keys stay: the master expires them,
// with DELs in the stream.

extension Server {
    func loadReplicationPayload(_ payload: [UInt8], completion: @escaping (Result<Void, Error>) -> Void) {
        if config.string("repl-diskless-load") == "disabled" {
            do {
                try installPayloadAsRDB(payload)
            } catch {
                logger.warning("Failed trying to rename the temp DB into \(config.string("dbfilename")) in MASTER <-> REPLICA synchronization: \(error)")
                completion(.failure(error))
                return
            }
        }
        do {
            try startIncrementalLoad(payload, flush: true, dropExpired: false) { outcome in
                completion(outcome.map { _ in () })
            }
        } catch {
            completion(.failure(error))
        }
    }

    /// The transferred RDB as dbfilename: a temp file, fsynced, renamed over it.
    private func installPayloadAsRDB(_ payload: [UInt8]) throws {
        let temp = "temp-\(Int(time(nil))).\(getpid()).rdb"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RDBError(description: "Opening the temp file needed for MASTER <-> REPLICA synchronization: \(String(cString: strerror(errno)))") }
        var offset = 0
        while offset < payload.count {
            let n = payload.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                close(fd)
                unlink(temp)
                throw RDBError(description: "Write error writing the DB received from the MASTER: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        fsync(fd)
        close(fd)
        guard rename(temp, config.string("dbfilename")) == 0 else {
            let text = String(cString: strerror(errno))
            unlink(temp)
            throw RDBError(description: text)
        }
    }

    func cancelIncrementalLoadIfRunning() {
        if loadingState.incremental != nil { cancelIncrementalLoad() }
    }
}
