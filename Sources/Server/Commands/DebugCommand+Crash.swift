import Glibc

// DEBUG's deliberate failures — SEGFAULT, PANIC, ASSERT, OOM — which log what Redis's crash
// paths log and then abort, and RESTART / CRASH-AND-RECOVER, which re-execute the binary with
// its original arguments as Redis's restartServer does (RESTART after a proper shutdown: config
// rewrite, final save, replicas flushed).

extension DebugCommand {
    /// A write to a read-only page: a real SIGSEGV, as Redis provokes it.
    static func segfault(_ c: Client) {
        guard let page = mmap(nil, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), page != MAP_FAILED else {
            abort()
        }
        page.storeBytes(of: UInt8(ascii: "x"), as: UInt8.self)
    }

    static func panic(_ c: Client) {
        crash(c.server, ["------------------------------------------------",
                         "!!! Software Failure. Press left mouse button to continue",
                         "Guru Meditation: DEBUG PANIC called at Unix time \(time(nil)) #\(#fileID):\(#line)"])
    }

    /// zmalloc(ULONG_MAX) fails and Redis's out-of-memory handler panics.
    static func outOfMemory(_ c: Client) {
        crash(c.server, ["------------------------------------------------",
                         "!!! Software Failure. Press left mouse button to continue",
                         "Guru Meditation: Redis aborting for OUT OF MEMORY. Allocating \(UInt.max) bytes! #\(#fileID):\(#line)"])
    }

    /// serverAssertWithInfo(c, c->argv[0], 1 == 2): the client, the object, then the assertion.
    static func assertionFailed(_ c: Client) {
        var lines = ["=== ASSERTION FAILED CLIENT CONTEXT ===", "client->argc = \(c.argumentCount)"]
        for index in 0..<c.argumentCount {
            lines.append("client->argv[\(index)] = \"\(c.argString(index))\" (refcount: 1)")
        }
        lines += ["=== ASSERTION FAILED OBJECT CONTEXT ===", "Object type: 0", "Object encoding: 0", "Object refcount: 1",
                  "=== ASSERTION FAILED ===", "==> \(#fileID):\(#line) '1 == 2' is not true"]
        crash(c.server, lines)
    }

    /// bugReportStart ... bugReportEnd: the report in the log, then SIGABRT.
    private static func crash(_ server: Server, _ lines: [String]) -> Never {
        server.logger.warning("=== REDIS BUG REPORT START: Cut & paste starting from here ===")
        for line in lines { server.logger.warning("\(line)") }
        server.logger.warning("=== REDIS BUG REPORT END. Make sure to include from START to END. ===")
        abort()
    }

    /// DEBUG RESTART / CRASH-AND-RECOVER [<milliseconds>]: on success the process is replaced
    /// and never replies; the error is for a restart that could not start.
    static func restart(_ c: Client, graceful: Bool) {
        var delay: Int64 = 0
        if c.argumentCount >= 3 {
            guard let value = c.integerArgument(2) else { return }
            delay = max(0, value)
        }
        c.server.restartServer(graceful: graceful, delayMilliseconds: delay)
        c.error(ErrorText.debugRestartFailed)
    }
}

extension Server {
    /// restartServer: returns only when the restart could not begin (the log says why).
    func restartServer(graceful: Bool, delayMilliseconds: Int64) {
        var path = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &path, path.count - 1)
        let executable = length > 0 ? String(cString: path) : (CommandLine.arguments.first ?? "")
        if access(executable, X_OK) == -1 {
            logger.warning("Can't restart: this process has no permissions to execute \(executable)")
            return
        }
        if graceful, config.configFilePath != nil, let failure = config.rewrite() {
            logger.warning("Can't restart: configuration rewrite process failed: \(failure)")
            return
        }
        if graceful && prepareForShutdown(save: nil, force: false, now: true, waiter: nil) != true {
            logger.warning("Can't restart: error preparing for shutdown")
            return
        }
        // Everything but stdin, stdout and stderr, so the new process can bind the same ports.
        for fd in Int32(3)..<Int32(settings.maxClients + 1024) where fcntl(fd, F_GETFD) != -1 { close(fd) }
        if delayMilliseconds > 0 { usleep(useconds_t(clamping: delayMilliseconds * 1000)) }
        var arguments = CommandLine.arguments
        if arguments.isEmpty { arguments = [executable] } else { arguments[0] = executable }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execve(executable, argv, environ)
        _exit(1)
    }
}
