import CEpoll
import Glibc
import Store

// loadAppendOnlyFiles / loadSingleAppendOnlyFile (aof.c, 7.0): the manifest's base (an RDB
// through loadRDB, or commands) and then its incr files, replayed through a fake client that
// is never refused, paused or blocked. A MULTI without its EXEC at the end is dropped (Redis's
// valid_before_multi); a file cut short is truncated to its last whole command when
// aof-load-truncated is yes, and stops the start-up otherwise.

enum AOFLoadResult { case ok, notExist, empty, truncated }

struct AOFLoadFailure: Error, CustomStringConvertible {
    let description: String
}

extension Server {
    /// The files named by the manifest, in order; `.notExist` without a manifest.
    func loadAppendOnlyFiles() throws -> AOFLoadResult {
        let manifest = aof.manifest
        guard manifest.base != nil || !manifest.incrs.isEmpty else { return .notExist }
        let started = apus_monotonic_us()
        // Redis runs loaded commands through their proc, uncounted: no commandstats, no
        // total_commands_processed (but their dirty counts, rdb_changes_since_last_save).
        let processedBefore = stats.commandsProcessed
        let statsBefore = commandTable.allCommands.map { ($0, $0.stats) }
        aof.loading = true
        defer {
            aof.loading = false
            stats.commandsProcessed = processedBefore
            for (command, saved) in statsBefore { command.stats = saved }
        }
        var files: [(AOFFileInfo, Bool)] = []
        if let base = manifest.base { files.append((base, true)) }
        for incr in manifest.incrs { files.append((incr, false)) }
        var result = AOFLoadResult.empty
        for (index, (info, isBase)) in files.enumerated() {
            let last = index == files.count - 1
            let fileStart = apus_monotonic_us()
            let one = try loadSingleAppendOnlyFile(info.name, isLast: last)
            if one == .notExist || one == .empty { continue }
            if one == .truncated { result = .truncated } else if result == .empty { result = .ok }
            let seconds = Double(apus_monotonic_us() - fileStart) / 1_000_000
            logger.notice("DB loaded from \(isBase ? "base" : "incr") file \(info.name): \(String(format3: seconds)) seconds")
        }
        do {
            let seconds = Double(apus_monotonic_us() - started) / 1_000_000
            logger.notice("DB loaded from append only file: \(String(format3: seconds)) seconds")
        }
        return result
    }

    /// One file: an RDB base, or commands.
    private func loadSingleAppendOnlyFile(_ name: String, isLast: Bool) throws -> AOFLoadResult {
        let path = aofPath(name)
        guard let contents = Server.readWholeFile(path) else {
            if errno == ENOENT {
                logger.warning("The AOF file \(name) doesn't exist")
                return .notExist
            }
            throw AOFLoadFailure(description: "Fatal error: can't open the append log file \(name) for reading: \(String(cString: strerror(errno)))")
        }
        if contents.isEmpty { return .empty }
        var commandsStart = 0
        if contents.count >= 5 && contents[0..<5].elementsEqual("REDIS".utf8) {
            // A pre-7.0 single-file AOF (adopted as the base under its old name) may continue
            // with commands after its RDB preamble.
            let oldAOF = name == aofPrefix
            logger.notice("Reading RDB base file on AOF loading...")
            do {
                commandsStart = try loadRDBPreamble(from: path)
            } catch {
                let what = oldAOF ? "the RDB preamble of the AOF file" : "the RDB base file"
                throw AOFLoadFailure(description: "Error reading \(what) \(name), AOF loading aborted: \(error)")
            }
            if commandsStart >= contents.count { return .ok }
            if oldAOF { logger.notice("Reading the remaining AOF tail...") }
        }
        return try replayCommands(contents, from: commandsStart, name: name, path: path, isLast: isLast)
    }

    private func replayCommands(_ contents: [UInt8], from start: Int, name: String, path: String,
                                isLast: Bool) throws -> AOFLoadResult {
        let client = Client(fakeFor: self)
        client.authenticated = true
        client.user = acl.superuser
        client.denyBlocking = true
        var reader = AOFCommandReader(contents, from: start)
        var validUpTo = start
        var validBeforeMulti = start
        var truncated = false
        try contents.withUnsafeBytes { all in
            while true {
                let commandStart = reader.offset
                switch reader.next() {
                case .end:
                    break
                case .annotation:
                    validUpTo = reader.offset
                    continue
                case .truncated:
                    truncated = true
                case .badFormat(let at):
                    discardTransaction(client)
                    logger.warning("Unexpected bytes at offset \(at) of the append only file \(name)")
                    throw AOFLoadFailure(description: "Bad file format reading the append only file \(name): make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>")
                case .command(let ranges):
                    let spans = ranges.map { UnsafeRawBufferPointer(rebasing: all[$0]) }
                    if client.transaction == nil && spans[0].count == 5 && Server.equalsIgnoringCase(spans[0], "multi") {
                        validBeforeMulti = commandStart
                    }
                    client.loadArguments(spans)
                    try runLoadedCommand(client, name: name)
                    client.reply.discardAll()
                    validUpTo = reader.offset
                    continue
                }
                break
            }
        }
        if client.transaction != nil {
            logger.warning("Revert incomplete MULTI/EXEC transaction in AOF file \(name)")
            discardTransaction(client)
            validUpTo = validBeforeMulti
            truncated = true
        }
        guard truncated else { return .ok }
        guard config.bool("aof-load-truncated") else {
            throw AOFLoadFailure(description: "Unexpected end of file reading the append only file \(name). You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.")
        }
        guard isLast else {
            throw AOFLoadFailure(description: "Fatal error: the truncated file is not the last file")
        }
        logger.warning("!!! Warning: short read while loading the AOF file \(name)!!!")
        logger.warning("!!! Truncating the AOF \(name) at offset \(validUpTo) !!!")
        if truncate(path, off_t(validUpTo)) == -1 {
            throw AOFLoadFailure(description: "Error truncating the AOF file \(name): \(String(cString: strerror(errno)))")
        }
        logger.warning("AOF \(name) loaded anyway because aof-load-truncated is enabled")
        return .truncated
    }

    /// As the loader's `cmd->proc(fakeClient)`: no checks, queued inside MULTI, EXEC applies.
    private func runLoadedCommand(_ client: Client, name: String) throws {
        guard let found = commandTable.lookupForDispatch(client.arg(0)) else {
            throw AOFLoadFailure(description: "Unknown command '\(client.argString(0))' reading the append only file \(name)")
        }
        var command = found.takeUnretainedValue()
        if command.isContainer && client.argumentCount >= 2,
           let sub = command.subcommands[client.argString(1).lowercased()] {
            command = sub
        }
        guard command.acceptsArgumentCount(client.argumentCount) else {
            throw AOFLoadFailure(description: "Bad file format reading the append only file \(name): wrong number of arguments for '\(command.fullName)'")
        }
        if client.transaction != nil && !command.runsInsideMulti {
            client.queueInTransaction(command)
            return
        }
        call(command, client)
    }

    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        for index in 0..<bytes.count where bytes[index] | 0x20 != word.utf8Start[index] | 0x20 { return false }
        return true
    }

    static func readWholeFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var total = 0
        while total < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            total += n
        }
        if total < bytes.count { bytes.removeLast(bytes.count - total) }
        return bytes
    }
}
