// Startup configuration: redis-server's command line and the config file grammar.
//
// As in Redis, the command line is turned into config-file text ("--port 6380" becomes the line
// `port "6380"`), appended after the file's content and a newline, and the whole is parsed as one
// file. That is why an error in a command-line option reports a line number past the file's end.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ConfigStore {
    /// Loads redis-server's arguments (without the program name): an optional config file path
    /// first (any first argument not starting with '-'), "-" to read config from stdin (first or
    /// last), then `--name value...` options. Later settings win. Throws Redis's fatal error.
    public func load(arguments: [String]) throws(ConfigError) {
        guard !arguments.isEmpty else { return }
        var first = 0
        if !arguments[0].hasPrefix("-") {
            configFilePath = Self.absolutePath(arguments[0])
            first = 1
        }
        let (options, fromStdin) = Self.commandLineOptions(arguments, from: first)
        var content: [UInt8] = []
        if let path = configFilePath { content = try readConfigSource(path) }
        if fromStdin {
            warningLogger?("Reading config from stdin")
            content += Self.readAll(fd: 0)
        }
        content += Array(("\n" + options).utf8)
        try load(content: content)
    }

    /// Redis's loadServerConfigFromString: one directive per line, then the sanity checks.
    func load(content: [UInt8]) throws(ConfigError) {
        loadContext.readingFile = true
        let lines = content.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (offset, rawLine) in lines.enumerated() {
            let line = ConfigText.trimmed(rawLine)
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            let lineInfo = (number: offset + 1, text: String(decoding: line, as: UTF8.self))
            guard let args = ConfigText.splitArgs(line) else {
                throw ConfigError.block(line: lineInfo, "Unbalanced quotes in configuration line")
            }
            if args.isEmpty { continue }
            if let message = try apply(fileDirective: args) {
                throw ConfigError.block(line: lineInfo, message)
            }
        }
        try checkLoadedConfig()
        // Redis clears its "reading a file" flag at the end of every file, included ones too.
        loadContext.readingFile = false
    }

    /// One line of a config file; returns Redis's error text for the line, if any.
    private func apply(fileDirective args: [String]) throws(ConfigError) -> String? {
        let name = ConfigText.lowercased(args[0])
        if let index = directiveIndex(name) {
            let directive = directives[index]
            if !directive.flags.contains(.multiArg) && args.count != 2 { return "wrong number of arguments" }
            var words = Array(args.dropFirst())
            // A multi-word directive given one non-empty word is split again, so that
            // `--save "3600 1 300 100"` and `bind "127.0.0.1 ::1"` work (Redis 7.0.1+).
            if directive.flags.contains(.multiArg) && words.count == 1 && !words[0].isEmpty {
                words = ConfigText.splitArgs(words[0].utf8) ?? []
            }
            switch parse(index, words, context: &loadContext) {
            case .failure(let error): return error.message
            case .success(let value): values[index] = value
            }
            noteExplicit(directive.name)
            return nil
        }
        if let counts = deprecatedDirectives[name], counts.contains(args.count) { return nil }

        switch name {
        case "include" where args.count == 2:
            try load(content: readConfigSource(args[1]))
        case "rename-command" where args.count == 3:
            if let error = renameCommandHandler?(args[1], args[2]) { return error }
            renamedCommands.append((args[1], args[2]))
            noteExplicit(name)
        case "user" where args.count >= 2:
            let userArgs = Array(args.dropFirst())
            if let error = userDirectiveHandler?(userArgs) { return error }
            userDirectives.append(userArgs)
            noteExplicit(name)
        case "loadmodule" where args.count >= 2:
            moduleLoads.append(Array(args.dropFirst()))
            noteExplicit(name)
        case _ where name.contains("."):
            guard args.count == 2 else { return "Module config specified without value" }
            moduleConfigs.append((name, args[1]))
        case "sentinel":
            // A bare `sentinel` is how redis-server is told to run as Sentinel; its main()
            // handles that. Sentinel settings are refused, as outside Sentinel mode.
            if args.count != 1 { return "sentinel directive while not in sentinel mode" }
        default:
            return "Bad directive or wrong number of arguments"
        }
        return nil
    }

    /// The checks Redis makes after each file: the log file must be writable, and a cluster node
    /// cannot be configured as a replica.
    private func checkLoadedConfig() throws(ConfigError) {
        let logfile = string("logfile")
        if !logfile.isEmpty {
            guard let file = fopen(logfile, "a") else {
                throw ConfigError.block(line: nil, "Can't open the log file: \(SpecialValues.errnoText())")
            }
            fclose(file)
        }
        if bool("cluster-enabled") && !string("replicaof").isEmpty {
            throw ConfigError.block(line: nil, "replicaof directive not allowed in cluster mode")
        }
    }

    // MARK: Reading files

    /// The text of a config file, or of every file a wildcard pattern names (concatenated, as
    /// Redis does; a pattern that matches nothing is not an error, so conf.d may be empty).
    private func readConfigSource(_ path: String) throws(ConfigError) -> [UInt8] {
        guard path.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) else {
            return try Self.readFile(path)
        }
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(path, 0, nil, &matches) == 0 else { return [] }
        var content: [UInt8] = []
        for index in 0..<Int(matches.gl_pathc) {
            guard let cPath = matches.gl_pathv[index] else { continue }
            content += try Self.readFile(String(cString: cPath))
        }
        return content
    }

    private static func readFile(_ path: String) throws(ConfigError) -> [UInt8] {
        guard let file = fopen(path, "r") else { throw ConfigError.cannotOpen(path, SpecialValues.errnoText()) }
        defer { fclose(file) }
        var content: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count <= 0 { break }
            content += buffer[..<count]
        }
        return content
    }

    static func readAll(fd: Int32) -> [UInt8] {
        var content: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                content += buffer[..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return content
            }
        }
    }

    // MARK: Command line

    /// redis-server's main(): each `--name` starts a new line; the words after it are quoted and
    /// appended to that line. A `--name` given alone makes the next argument its value even if
    /// that starts with "--", except that `--save` directly before another option (or last) means
    /// `save ""`. "-" first or last means "also read stdin".
    static func commandLineOptions(_ arguments: [String], from first: Int) -> (options: String, stdin: Bool) {
        var options = ""
        var stdin = false
        var lastOptionHasValue = true
        var index = first
        while index < arguments.count {
            let argument = arguments[index]
            let isLast = index == arguments.count - 1
            if argument == "-" && (index == 0 || isLast) {
                stdin = true
            } else if lastOptionHasValue && argument.hasPrefix("--") {
                if !options.isEmpty { options += "\n" }
                options += argument.dropFirst(2) + " "
                // "--port 6380" as one argument carries its own value.
                if ConfigText.splitArgs(argument.utf8)?.count == 1 {
                    lastOptionHasValue = false
                    let nextIsOption = !isLast && arguments[index + 1].hasPrefix("--")
                    if ConfigText.equalsIgnoringCase(argument, "--save") && (nextIsOption || isLast) {
                        options += "\"\""
                        lastOptionHasValue = nextIsOption
                    } else if ConfigText.equalsIgnoringCase(argument, "--sentinel") && nextIsOption {
                        lastOptionHasValue = true
                    }
                } else {
                    lastOptionHasValue = true
                }
            } else {
                options += ConfigText.quoted(argument) + " "
                lastOptionHasValue = true
            }
            index += 1
        }
        return (options, stdin)
    }

    /// Redis's getAbsolutePath: trims blanks, joins a relative path to the working directory and
    /// folds leading "../" components (no symlink resolution).
    static func absolutePath(_ path: String) -> String {
        var relative = String(decoding: ConfigText.trimmed(ArraySlice(path.utf8)), as: UTF8.self)
        if relative.hasPrefix("/") { return relative }
        var absolute = SpecialValues.currentDirectory()
        if !absolute.hasSuffix("/") { absolute += "/" }
        while relative.hasPrefix("../") {
            relative.removeFirst(3)
            if absolute.count > 1 {
                absolute.removeLast()  // the trailing '/'
                while let last = absolute.last, last != "/" { absolute.removeLast() }
            }
        }
        return absolute + relative
    }
}
