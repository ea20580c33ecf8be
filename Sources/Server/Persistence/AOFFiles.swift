import Glibc

// The AOF directory's files: the manifest written atomically (persistAofManifest), incr files
// opened for appending, and history files deleted once a rewrite has replaced them.

extension Server {
    /// Creates appenddirname if missing (dirCreateIfMissing).
    func ensureAOFDirectory() throws {
        if mkdir(aofDirectory, 0o755) == -1 && errno != EEXIST {
            throw AOFError("Can't open or create append-only dir \(aofDirectory): \(String(cString: strerror(errno)))")
        }
    }

    var aofManifestName: String { aofPrefix + AOFManifest.suffix }

    /// persistAofManifest: temp file, fsync, rename, fsync of the directory.
    func persistAOFManifest(_ manifest: AOFManifest) throws {
        let finalPath = aofPath(aofManifestName)
        let tempPath = aofPath(AOFManifest.tempPrefix + aofManifestName)
        let bytes = Array(manifest.text.utf8)
        let fd = open(tempPath, O_WRONLY | O_TRUNC | O_CREAT, 0o644)
        guard fd >= 0 else {
            throw AOFError("Can't open the AOF manifest file \(tempPath): \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { Server.writeFully(fd, $0) }
        if written != bytes.count {
            let code = written < 0 ? errno : ENOSPC
            close(fd)
            throw AOFError("Can't persist the AOF manifest file \(tempPath): \(String(cString: strerror(code)))")
        }
        if fsync(fd) == -1 {
            let code = errno
            close(fd)
            throw AOFError("Fail to fsync the temp AOF file \(tempPath): \(String(cString: strerror(code))).")
        }
        close(fd)
        if rename(tempPath, finalPath) == -1 {
            throw AOFError("Error trying to rename the temporary AOF manifest file \(tempPath) into \(finalPath): \(String(cString: strerror(errno)))")
        }
        fsyncDirectory(aofDirectory)
    }

    func fsyncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Opens an incr file for appending, creating it; a rewrite's new file starts empty.
    func openAOFIncr(_ name: String, truncating: Bool = false) throws -> Int32 {
        let fd = open(aofPath(name), O_WRONLY | O_APPEND | O_CREAT | (truncating ? O_TRUNC : 0), 0o644)
        guard fd >= 0 else {
            throw AOFError("Can't open the append-only file \(name): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// aofDelHistoryFiles: unlinks the history files and drops them from the manifest.
    func deleteAOFHistoryFiles() {
        guard !aof.manifest.history.isEmpty else { return }
        for info in aof.manifest.history {
            logger.notice("Removing the history file \(info.name) in the background")
            unlink(aofPath(info.name))
        }
        var manifest = aof.manifest
        manifest.history.removeAll()
        do {
            try persistAOFManifest(manifest)
            aof.manifest = manifest
        } catch {
            logger.warning("\(error)")
        }
    }

    /// The sum of the base's and the incr files' sizes (getAppendOnlyFileSize per file).
    func aofFilesSize(_ manifest: AOFManifest) -> (base: Int64, total: Int64, lastIncr: Int64) {
        let base = manifest.base.map { Server.fileSize(aofPath($0.name)) } ?? 0
        var total = base
        var last: Int64 = 0
        for info in manifest.incrs {
            last = Server.fileSize(aofPath(info.name))
            total += last
        }
        return (base, total, last)
    }
}

extension Server {
    /// The manifest written and in effect, the AOF's sizes measured from its files: where a
    /// rewrite ends and where start-up begins (the growth of auto-aof-rewrite counts from here).
    @discardableResult
    func adoptAOFManifest(_ manifest: AOFManifest) throws -> (total: Int64, lastIncr: Int64) {
        try persistAOFManifest(manifest)
        aof.manifest = manifest
        let sizes = aofFilesSize(manifest)
        aof.currentSize = sizes.total
        aof.rewriteBaseSize = sizes.total
        aof.fsyncOffset = sizes.total
        return (sizes.total, sizes.lastIncr)
    }
}
