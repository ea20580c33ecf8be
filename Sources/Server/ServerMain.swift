import CEpoll
import Config
import Glibc
import Logging

// Start-up: configuration from the command line and file, logging, pid file, then the server.

public enum ServerMain {
    /// Runs the server with redis-server's arguments; returns the process exit code.
    public static func run(arguments: [String]) -> Int32 {
        setvbuf(stdout, nil, _IOLBF, 0)
        let config = ConfigStore()
        let sink = RedisLogHandler.sink
        LoggingSystem.bootstrap(RedisLogHandler.init)
        var logger = Logger(label: "apus")
        config.warningLogger = { logger.warning("\($0)") }
        config.userDirectiveHandler = { [unowned config] in ACLConfigDirective.check($0, earlier: config.userDirectives) }
        do {
            try config.load(arguments: arguments)
        } catch {
            switch error.kind {
            case .fatalBlock:
                fputs(error.description, stderr)
            case .logWarning:
                logger.warning("\(error.description)")
            }
            return 1
        }
        logger.logLevel = RedisLogHandler.level(for: config.string("loglevel"))
        let background = config.bool("daemonize") && ["no", ""].contains(config.string("supervised"))
        if background { apus_daemonize() }
        guard sink.open(path: config.string("logfile")) else {
            fputs("Can't open the log file: \(String(cString: strerror(errno)))\n", stderr)
            return 1
        }
        logger.warning("oO0OoO0OoO0Oo Apus is starting oO0OoO0OoO0Oo")
        logger.warning("Apus (Redis 7.0.15 compatible), bits=64, pid=\(getpid()), just started")
        if arguments.isEmpty {
            logger.warning("Warning: no config file specified, using the default config. In order to specify a config file use apus-server /path/to/redis.conf")
        }
        logger.warning("Configuration loaded")
        let ignored = config.explicitlySetDirectives().filter { !Server.directivesInEffect.contains($0) }
        config.directivesNotInEffect = Set(ignored)
        for name in ignored.sorted() {
            logger.warning("Directive '\(name)' is accepted but not in effect in this version of Apus")
        }
        // createPidFile: a daemon always writes one, by default where Redis does.
        var pidfile = config.string("pidfile")
        if pidfile.isEmpty && background {
            pidfile = "/var/run/redis.pid"
            _ = config.setInternal("pidfile", [pidfile])
        }
        if !pidfile.isEmpty, let file = fopen(pidfile, "w") {
            fputs("\(getpid())\n", file)
            fclose(file)
        }
        sink.role = "M"
        let server: Server
        do {
            server = try Server(config: config, logger: logger)
        } catch {
            logger.warning("Failed to start: \(error)")
            return 1
        }
        logger.notice("Running mode=standalone, port=\(server.settings.port).")
        return server.run()
    }
}
