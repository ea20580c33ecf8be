import Glibc
import Logging

// swift-log handler writing Redis's line format, "pid:M 25 Nov 2026 12:00:00.123 * message",
// to stdout or the `logfile`. Levels map to Redis's: debug '.', verbose '-', notice '*',
// warning '#'.

public struct RedisLogHandler: LogHandler {
    /// The sink shared by every logger, so `logfile` and `loglevel` changes apply everywhere.
    public final class Sink {
        var file: UnsafeMutablePointer<FILE> = stdout
        var path = ""
        /// 'C' before the server is initialised, 'M' after (a master).
        public var role: Character = "C"

        public init() {}

        /// Opens `path` for appending ("" means stdout). Returns false if it cannot be opened.
        public func open(path: String) -> Bool {
            if path.isEmpty {
                file = stdout
                self.path = ""
                return true
            }
            guard let handle = fopen(path, "a") else { return false }
            if file != stdout { fclose(file) }
            file = handle
            self.path = path
            return true
        }

        /// Redis's signal handler logs without the date, as "pid:signal-handler (unixtime) message".
        public func writeFromSignal(_ message: String) {
            var now = timeval()
            gettimeofday(&now, nil)
            fputs("\(getpid()):signal-handler (\(now.tv_sec)) \(message)\n", file)
            fflush(file)
        }

        func write(_ symbol: Character, _ message: String) {
            var now = timeval()
            gettimeofday(&now, nil)
            var seconds = now.tv_sec
            var parts = tm()
            localtime_r(&seconds, &parts)
            var stamp = [CChar](repeating: 0, count: 64)
            _ = strftime(&stamp, stamp.count, "%d %b %Y %H:%M:%S.", &parts)
            let millis = Int(now.tv_usec) / 1000
            let padded = millis < 10 ? "00\(millis)" : (millis < 100 ? "0\(millis)" : "\(millis)")
            let line = "\(getpid()):\(role) \(String(cString: stamp))\(padded) \(symbol) \(message)\n"
            fputs(line, file)
            fflush(file)
        }
    }

    public static let sink = Sink()

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .notice

    public init(label: String) {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let symbol: Character
        switch event.level {
        case .trace, .debug: symbol = "."
        case .info: symbol = "-"
        case .notice: symbol = "*"
        case .warning, .error, .critical: symbol = "#"
        }
        RedisLogHandler.sink.write(symbol, event.message.description)
    }

    /// Redis's `loglevel` word as a swift-log level.
    public static func level(for redisLevel: String) -> Logger.Level {
        switch redisLevel {
        case "debug": return .debug
        case "verbose": return .info
        case "warning": return .warning
        default: return .notice
        }
    }
}
