// Startup configuration errors, worded and laid out as redis-server prints them, since scripts
// and people grep for these texts.

/// A configuration that cannot be loaded. The server prints it and exits with status 1.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// `description` is Redis's "*** FATAL CONFIG FILE ERROR" block: write it to stderr as is.
        case fatalBlock
        /// `description` is a single message Redis logs at warning level (through its logger,
        /// with the usual "pid:C date #" prefix), e.g. an unreadable config file.
        case logWarning
    }

    public let kind: Kind
    public let description: String

    /// Redis's block: blank line, banner, the offending line when there is one, the reason.
    static func block(line: (number: Int, text: String)?, _ message: String) -> ConfigError {
        var text = "\n*** FATAL CONFIG FILE ERROR (Redis \(ConfigStore.redisVersion)) ***\n"
        if let line {
            text += "Reading the configuration file, at line \(line.number)\n>>> '\(line.text)'\n"
        }
        text += message + "\n"
        return ConfigError(kind: .fatalBlock, description: text)
    }

    static func cannotOpen(_ path: String, _ reason: String) -> ConfigError {
        ConfigError(kind: .logWarning, description: "Fatal error, can't open config file '\(path)': \(reason)")
    }
}
