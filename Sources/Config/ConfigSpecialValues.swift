// Directives with a grammar of their own (Redis's SPECIAL_CONFIG): save, client-output-buffer-limit,
// oom-score-adj-values, notify-keyspace-events, bind, replicaof, latency-tracking-info-percentiles
// and dir. Each value is kept as its canonical CONFIG GET text; the structured views below parse
// that text back when the rewrite or the server needs the parts.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// State that only matters while a config file is being read (Redis's `reading_config_file` and
/// the static `save_loaded`): the first `save` line of a file replaces the built-in default
/// schedule, later ones add to it.
struct LoadContext {
    var readingFile = false
    var saveSeen = false
}

enum SpecialValues {
    static let defaultSave = "3600 1 300 100 60 10000"
    static let defaultBind = "* -::*"
    static let defaultOOMScoreAdjValues = "0 200 800"
    static let defaultPercentiles = "50 99 99.9"
    static let maxBindAddresses = 16

    static func defaultValue(_ kind: SpecialKind) -> ConfigValue {
        switch kind {
        case .dir: return ConfigValue(text: currentDirectory(), number: 0)
        case .save: return ConfigValue(text: defaultSave, number: 0)
        case .clientOutputBufferLimit: return ConfigValue(text: ClientBufferLimits.defaults.text, number: 0)
        case .oomScoreAdjValues: return ConfigValue(text: defaultOOMScoreAdjValues, number: 0)
        case .notifyKeyspaceEvents: return ConfigValue(text: "", number: 0)
        case .bind: return ConfigValue(text: defaultBind, number: 0)
        case .replicaOf: return ConfigValue(text: "", number: 0)
        case .latencyTrackingInfoPercentiles: return ConfigValue(text: defaultPercentiles, number: 0)
        }
    }

    static func parse(_ kind: SpecialKind, _ args: [String], current: ConfigValue, context: inout LoadContext,
                      warn: (String) -> Void) -> Result<ConfigValue, ConfigParseError> {
        switch kind {
        case .dir: return parseDir(args)
        case .save: return parseSave(args, current: current, context: &context)
        case .clientOutputBufferLimit: return ClientBufferLimits.parse(args, current: current)
        case .oomScoreAdjValues: return parseOOMScoreAdjValues(args, warn: warn)
        case .notifyKeyspaceEvents:
            guard args.count == 1 else { return .failure(ConfigParseError("wrong number of arguments")) }
            guard let flags = KeyspaceEventFlags.parse(args[0]) else {
                return .failure(ConfigParseError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'."))
            }
            return .success(ConfigValue(text: KeyspaceEventFlags.format(flags), number: Int64(flags)))
        case .bind:
            if args.count > maxBindAddresses { return .failure(ConfigParseError("Too many bind addresses specified.")) }
            let addresses = args.count == 1 && args[0].isEmpty ? [] : args
            return .success(ConfigValue(text: addresses.joined(separator: " "), number: 0))
        case .replicaOf: return parseReplicaOf(args)
        case .latencyTrackingInfoPercentiles: return parsePercentiles(args)
        }
    }

    // MARK: dir

    /// `dir` changes the process's working directory at once, as Redis does, so that files read
    /// or written later (includes, the RDB, the AOF directory) resolve against it.
    private static func parseDir(_ args: [String]) -> Result<ConfigValue, ConfigParseError> {
        guard args.count == 1 else { return .failure(ConfigParseError("wrong number of arguments")) }
        if chdir(args[0]) == -1 { return .failure(ConfigParseError(errnoText())) }
        return .success(ConfigValue(text: currentDirectory(), number: 0))
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        guard getcwd(&buffer, buffer.count) != nil else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    // MARK: save

    private static func parseSave(_ args: [String], current: ConfigValue,
                                  context: inout LoadContext) -> Result<ConfigValue, ConfigParseError> {
        let invalid = ConfigParseError("Invalid save parameters")
        // A single "" means "no snapshots" and always clears, even in the middle of a file.
        let clears = args.count == 1 && args[0].isEmpty
        let words = clears ? [] : args
        if words.count % 2 != 0 { return .failure(invalid) }
        var pairs: [(seconds: Int64, changes: Int64)] = []
        for index in stride(from: 0, to: words.count, by: 2) {
            let seconds = ConfigText.strtoll(words[index]), changes = ConfigText.strtoll(words[index + 1])
            guard seconds.complete, changes.complete, seconds.value >= 1, changes.value >= 0 else { return .failure(invalid) }
            // Redis keeps the change count in a C int.
            pairs.append((seconds.value, Int64(Int32(truncatingIfNeeded: changes.value))))
        }
        var kept = clears ? [] : SaveSchedule.parse(current.text)
        if !context.readingFile {
            kept = []
        } else if !context.saveSeen {
            context.saveSeen = true
            kept = []
        }
        let all = kept + pairs
        return .success(ConfigValue(text: all.map { "\($0.seconds) \($0.changes)" }.joined(separator: " "), number: 0))
    }

    // MARK: oom-score-adj-values

    private static func parseOOMScoreAdjValues(_ args: [String], warn: (String) -> Void) -> Result<ConfigValue, ConfigParseError> {
        guard args.count == 3 else { return .failure(ConfigParseError("wrong number of arguments")) }
        var values: [Int64] = []
        for arg in args {
            let parsed = ConfigText.strtoll(arg)
            guard parsed.complete, (-2000...2000).contains(parsed.value) else {
                return .failure(ConfigParseError("Invalid oom-score-adj-values, elements must be between -2000 and 2000."))
            }
            values.append(parsed.value)
        }
        if values[1] < values[0] || values[2] < values[1] {
            warn("The oom-score-adj-values configuration may not work for non-privileged processes! "
                 + "Please consult the documentation.")
        }
        return .success(ConfigValue(text: values.map(String.init).joined(separator: " "), number: 0))
    }

    // MARK: replicaof

    private static func parseReplicaOf(_ args: [String]) -> Result<ConfigValue, ConfigParseError> {
        guard args.count == 2 else { return .failure(ConfigParseError("wrong number of arguments")) }
        if ConfigText.equalsIgnoringCase(args[0], "no") && ConfigText.equalsIgnoringCase(args[1], "one") {
            return .success(ConfigValue(text: "", number: 0))
        }
        let port = ConfigText.strtoll(args[1])
        guard port.complete, (0...65535).contains(port.value) else {
            return .failure(ConfigParseError("Invalid master port"))
        }
        return .success(ConfigValue(text: "\(args[0]) \(port.value)", number: port.value))
    }

    // MARK: latency-tracking-info-percentiles

    private static func parsePercentiles(_ args: [String]) -> Result<ConfigValue, ConfigParseError> {
        let words = args.count == 1 && args[0].isEmpty ? [] : args
        var values: [Double] = []
        for word in words {
            guard let value = ConfigText.string2d(word) else {
                return .failure(ConfigParseError("Invalid latency-tracking-info-percentiles parameters"))
            }
            guard value >= 0 && value <= 100 else {
                return .failure(ConfigParseError("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"))
            }
            values.append(value)
        }
        return .success(ConfigValue(text: values.map(ConfigText.trimmedFixed).joined(separator: " "), number: 0))
    }
}

/// The `save` schedule as (seconds, changes) pairs, read back from its canonical text.
enum SaveSchedule {
    static func parse(_ text: String) -> [(seconds: Int64, changes: Int64)] {
        let numbers = text.split(separator: " ").compactMap { Int64($0) }
        return stride(from: 0, to: numbers.count - 1, by: 2).map { (numbers[$0], numbers[$0 + 1]) }
    }
}

/// client-output-buffer-limit: hard and soft byte limits and soft seconds per client class.
struct ClientBufferLimits: Equatable {
    struct Limit: Equatable {
        var hard: UInt64
        var soft: UInt64
        var softSeconds: Int64
    }

    /// Classes in Redis's order; "slave" is how CONFIG GET names replicas.
    static let classNames = ["normal", "slave", "pubsub"]
    static let defaults = ClientBufferLimits(limits: [
        Limit(hard: 0, soft: 0, softSeconds: 0),
        Limit(hard: 256 << 20, soft: 64 << 20, softSeconds: 60),
        Limit(hard: 32 << 20, soft: 8 << 20, softSeconds: 60),
    ])

    var limits: [Limit]

    var text: String {
        zip(Self.classNames, limits).map { "\($0) \($1.hard) \($1.soft) \($1.softSeconds)" }.joined(separator: " ")
    }

    init(limits: [Limit]) { self.limits = limits }

    /// Reads back the canonical CONFIG GET text.
    init(text: String) {
        let words = text.split(separator: " ")
        var limits = Self.defaults.limits
        for index in stride(from: 0, to: words.count - 3, by: 4) {
            guard let slot = Self.classNames.firstIndex(of: String(words[index])) else { continue }
            limits[slot] = Limit(hard: UInt64(words[index + 1]) ?? 0, soft: UInt64(words[index + 2]) ?? 0,
                                 softSeconds: Int64(words[index + 3]) ?? 0)
        }
        self.limits = limits
    }

    /// Redis's updateClientOutputBufferLimit: groups of four words; the whole value is checked
    /// before any class changes; classes not named keep their limits.
    static func parse(_ args: [String], current: ConfigValue) -> Result<ConfigValue, ConfigParseError> {
        if args.count % 4 != 0 {
            return .failure(ConfigParseError("Wrong number of arguments in buffer limit configuration."))
        }
        var result = ClientBufferLimits(text: current.text)
        for index in stride(from: 0, to: args.count, by: 4) {
            guard let slot = classIndex(args[index]) else {
                return .failure(ConfigParseError("Invalid client class specified in buffer limit configuration."))
            }
            let hard = ConfigText.memtoull(args[index + 1]), soft = ConfigText.memtoull(args[index + 2])
            let parsedSeconds = ConfigText.strtoll(args[index + 3])
            let seconds = Int64(Int32(truncatingIfNeeded: parsedSeconds.value))  // a C int in Redis
            guard let hard, let soft, parsedSeconds.complete, seconds >= 0 else {
                return .failure(ConfigParseError("Error in hard, soft or soft_seconds setting in buffer limit configuration."))
            }
            result.limits[slot] = Limit(hard: hard, soft: soft, softSeconds: seconds)
        }
        return .success(ConfigValue(text: result.text, number: 0))
    }

    /// Redis's getClientTypeByName, minus "master", which has no output limits.
    private static func classIndex(_ name: String) -> Int? {
        switch ConfigText.lowercased(name) {
        case "normal": return 0
        case "slave", "replica": return 1
        case "pubsub": return 2
        default: return nil
        }
    }
}

/// notify-keyspace-events classes, with Redis's NOTIFY_* bit values.
public enum KeyspaceEventFlags {
    public static let keyspace = 1 << 0       // K
    public static let keyevent = 1 << 1       // E
    public static let generic = 1 << 2        // g
    public static let string = 1 << 3         // $
    public static let list = 1 << 4           // l
    public static let set = 1 << 5            // s
    public static let hash = 1 << 6           // h
    public static let zset = 1 << 7           // z
    public static let expired = 1 << 8        // x
    public static let evicted = 1 << 9        // e
    public static let stream = 1 << 10        // t
    public static let keyMiss = 1 << 11       // m (not part of A)
    public static let module = 1 << 12        // d
    public static let new = 1 << 13           // n (not part of A)
    /// What 'A' stands for: g$lshzxetd.
    public static let all = generic | string | list | set | hash | zset | expired | evicted | stream | module

    private static let classLetters: [(Character, Int)] = [
        ("g", generic), ("$", string), ("l", list), ("s", set), ("h", hash), ("z", zset),
        ("x", expired), ("e", evicted), ("t", stream), ("d", module), ("n", new),
    ]

    /// Redis's keyspaceEventsStringToFlags; nil for an unknown character.
    public static func parse(_ text: String) -> Int? {
        var flags = 0
        for character in text {
            switch character {
            case "A": flags |= all
            case "K": flags |= keyspace
            case "E": flags |= keyevent
            case "m": flags |= keyMiss
            default:
                guard let bit = classLetters.first(where: { $0.0 == character })?.1 else { return nil }
                flags |= bit
            }
        }
        return flags
    }

    /// Redis's keyspaceEventsFlagsToString: "A" when every class is on, then K, E, m.
    public static func format(_ flags: Int) -> String {
        var text = ""
        if flags & all == all {
            text = "A"  // Redis prints no 'n' after 'A' even when it is set
        } else {
            for (letter, bit) in classLetters where flags & bit != 0 { text.append(letter) }
        }
        if flags & keyspace != 0 { text += "K" }
        if flags & keyevent != 0 { text += "E" }
        if flags & keyMiss != 0 { text += "m" }
        return text
    }
}
