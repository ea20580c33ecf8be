// The vocabulary of the directive table: what kind of value each directive holds, its bounds and
// its flags. It follows Redis 7.0's `standardConfig` closely, because CONFIG SET's error texts,
// CONFIG GET's formatting and CONFIG REWRITE's output all depend on these distinctions.

/// Per-directive flags, named after Redis's `*_CONFIG` flags.
struct DirectiveFlags: OptionSet {
    let rawValue: UInt8
    /// CONFIG SET refuses it: "can't set immutable config".
    static let immutable = DirectiveFlags(rawValue: 1 << 0)
    /// Its value must be redacted from SLOWLOG/MONITOR/logs (passwords).
    static let sensitive = DirectiveFlags(rawValue: 1 << 1)
    /// CONFIG SET refuses it unless `enable-protected-configs` allows: "can't set protected config".
    static let protected = DirectiveFlags(rawValue: 1 << 2)
    /// Only an exact CONFIG GET name finds it; glob patterns skip it (test/debug knobs).
    static let hidden = DirectiveFlags(rawValue: 1 << 3)
    /// Takes several words: in a file they are the rest of the line, in CONFIG SET the value is
    /// split on single spaces.
    static let multiArg = DirectiveFlags(rawValue: 1 << 4)
    /// CONFIG SET refuses it while a dataset is being loaded (the server replies -LOADING).
    static let denyLoading = DirectiveFlags(rawValue: 1 << 5)
}

/// How a numeric directive's text is read and printed.
enum NumericFormat {
    /// Plain `string2ll` integer.
    case integer
    /// Bytes with optional unit suffix (memtoull); printed as plain bytes.
    case memory
    /// A memory value, or `N%` stored as -N (maxmemory-clients).
    case memoryOrPercent
    /// Octal digits (unixsocketperm); printed in octal.
    case octal
}

struct NumericSpec {
    let lower: Int64
    let upper: Int64
    let defaultValue: Int64
    let format: NumericFormat
    /// Redis compares unsigned C types (unsigned int, size_t, unsigned long long) as unsigned,
    /// which matters for values such as maxmemory 18446744073709551615 and for the error text.
    let unsigned: Bool
    /// Accepted but then pulled into this range (Redis does so for `hz`, a hint, not a contract).
    let clamp: ClosedRange<Int64>?
    /// A floor that only CONFIG SET applies, when the value changes (Redis's apply function for
    /// repl-backlog-size raises it to 16kb; a config file may set less).
    let runtimeMinimum: Int64?
}

/// One spelling of an enum directive's value. Several names may share a value (oom-score-adj's
/// "yes" and "relative"); the first one is what CONFIG GET prints.
struct EnumOption {
    let name: String
    let value: Int
}

/// Directives whose grammar is their own (Redis's SPECIAL_CONFIG).
enum SpecialKind {
    case dir
    case save
    case clientOutputBufferLimit
    case oomScoreAdjValues
    case notifyKeyspaceEvents
    case bind
    case replicaOf
    case latencyTrackingInfoPercentiles
}

enum DirectiveKind {
    case bool(defaultValue: Bool)
    /// `defaultValue` nil is Redis's NULL default. With `emptyIsNull`, setting "" stores NULL,
    /// which CONFIG GET shows as "" and CONFIG REWRITE omits.
    case string(defaultValue: String?, emptyIsNull: Bool)
    /// With the multiArg flag the options are bit flags that may be combined (shutdown-on-sig*).
    case enumeration(options: [EnumOption], defaultValue: Int)
    case numeric(NumericSpec)
    case special(SpecialKind)
}

/// A directive's current value: its canonical CONFIG GET text, plus the number behind it for
/// numeric, bool (0/1), enum and notify-keyspace-events directives, so typed reads do not parse.
struct ConfigValue: Equatable {
    var text: String
    var number: Int64
}

/// Extra validation run after the generic parse; returns Redis's error text.
typealias DirectiveValidator = (ConfigValue) -> String?

struct Directive {
    let name: String
    let alias: String?
    let flags: DirectiveFlags
    let kind: DirectiveKind
    let validate: DirectiveValidator?

    init(_ name: String, alias: String? = nil, _ flags: DirectiveFlags = [], _ kind: DirectiveKind,
         validate: DirectiveValidator? = nil) {
        self.name = name
        self.alias = alias
        self.flags = flags
        self.kind = kind
        self.validate = validate
    }
}

/// A name under which a directive is registered: its own name or its alias. Redis registers the
/// two separately, which is observable: CONFIG GET reports both, and CONFIG SET does not treat
/// `slave-priority` and `replica-priority` in one call as a duplicate.
struct DirectiveEntry {
    let name: String
    let index: Int
    let isAlias: Bool
}
