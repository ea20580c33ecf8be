// The configuration of one server: every directive of Redis 7.0.15 with its current value, and
// CONFIG GET / CONFIG SET over them with Redis's matching rules, error texts and all-or-nothing
// semantics. Loading (ConfigLoading.swift) and CONFIG REWRITE (ConfigRewrite.swift) extend it.
//
// Values are kept as their canonical CONFIG GET text plus, for numeric/bool/enum directives, the
// number behind it. The store is used from the reactor thread only; it is not thread-safe.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Util

public final class ConfigStore {
    /// The Redis version this configuration mimics; it appears in fatal config errors.
    public static let redisVersion = "7.0.15"

    let directives: [Directive]
    var values: [ConfigValue]
    /// Names and aliases in table order (each alias right after its directive's name).
    let entries: [DirectiveEntry]
    /// Lower-cased registered name → index in `entries`. Names are case-insensitive in Redis.
    private let entryByName: [String: Int]
    /// CONFIG SET hooks per directive index; `id` is shared by the directives of one group hook.
    private var hooks: [Int: [(id: Int, apply: (String) -> String?)]] = [:]
    private var hookCount = 0
    var loadContext = LoadContext()
    var explicitNames: [String] = []

    /// Absolute path of the config file given at startup; CONFIG REWRITE writes there.
    public internal(set) var configFilePath: String?

    /// Directives the server accepts but does not act on; the server fills this in so that it can
    /// warn about them (see `explicitlySetDirectivesNotInEffect()`).
    public var directivesNotInEffect: Set<String> = []

    /// While true, CONFIG SET of appendonly, repl-diskless-load and dir fails with -LOADING.
    public var isLoadingDataset = false

    /// Receives the warnings Redis's config code logs (e.g. "Reading config from stdin").
    public var warningLogger: ((String) -> Void)?

    /// Called for each `rename-command <from> <to>` while loading; returns nil or Redis's error
    /// text (e.g. "No such command in rename-command"). Without it renames are only recorded.
    public var renameCommandHandler: ((_ from: String, _ to: String) -> String?)?

    /// Called for each `user <args...>` while loading; returns nil or the full error text
    /// ("Error in user declaration '<arg>': <reason>"). Without it users are only recorded.
    public var userDirectiveHandler: (([String]) -> String?)?

    /// The ACL users for CONFIG REWRITE, each as the words after "user" (Redis's ACLDescribeUser,
    /// e.g. "default on nopass ~* &* +@all"). Without it the `user` lines read at startup are
    /// written back as they were.
    public var aclUserLinesForRewrite: (() -> [String])?

    /// Directives that are not settings but were given in the file or on the command line.
    public internal(set) var renamedCommands: [(from: String, to: String)] = []
    public internal(set) var userDirectives: [[String]] = []
    /// `loadmodule <path> [args...]`, path first.
    public internal(set) var moduleLoads: [[String]] = []
    /// `<module>.<name> <value>` lines, queued by Redis for modules to claim.
    public internal(set) var moduleConfigs: [(name: String, value: String)] = []

    /// All directives at Redis 7.0.15's defaults (`dir` is the current working directory).
    public init() {
        directives = ConfigDirectives.all
        values = Self.table.defaults
        entries = Self.table.entries
        entryByName = Self.table.byName
    }

    /// What every store starts from, built once: the directive table is fixed, and building the
    /// name index per store made each new ConfigStore (a fuzz input, a test) cost a dictionary.
    private static let table: (defaults: [ConfigValue], entries: [DirectiveEntry], byName: [String: Int]) = {
        var entries: [DirectiveEntry] = []
        for (index, directive) in ConfigDirectives.all.enumerated() {
            entries.append(DirectiveEntry(name: directive.name, index: index, isAlias: false))
            if let alias = directive.alias { entries.append(DirectiveEntry(name: alias, index: index, isAlias: true)) }
        }
        var byName: [String: Int] = [:]
        for (position, entry) in entries.enumerated() { byName[entry.name] = position }
        return (ConfigDirectives.all.map(\.defaultValue), entries, byName)
    }()

    // MARK: Lookup

    func entry(named name: String) -> DirectiveEntry? {
        entryByName[ConfigText.lowercased(name)].map { entries[$0] }
    }

    func directiveIndex(_ name: String) -> Int? { entry(named: name)?.index }

    /// The canonical name of a directive given by name or alias ("slaveof" → "replicaof").
    public func canonicalName(_ name: String) -> String? {
        directiveIndex(name).map { directives[$0].name }
    }

    /// Whether CONFIG SET values of this directive must be redacted (passwords).
    public func isSensitive(_ name: String) -> Bool {
        directiveIndex(name).map { directives[$0].flags.contains(.sensitive) } ?? false
    }

    // MARK: CONFIG GET

    /// The CONFIG GET text of a directive (by name or alias, any case), or nil if unknown.
    public func get(_ name: String) -> String? {
        directiveIndex(name).map(text(at:))
    }

    func text(at index: Int) -> String {
        if case .special(.dir) = directives[index].kind { return SpecialValues.currentDirectory() }
        return values[index].text
    }

    /// CONFIG GET with several patterns, as Redis 7.0 answers it: a pattern without `*?[` is an
    /// exact, case-insensitive name (reported as spelled, and it may name a hidden directive);
    /// a glob is matched without case against every visible name and alias. Each name appears once.
    public func getMatching(_ patterns: [String]) -> [(String, String)] {
        var result: [(String, String)] = []
        // By position in `entries` (names are unique and lower-case): a set of hashed names made
        // CONFIG GET * spend most of its time hashing.
        var seen = [Bool](repeating: false, count: entries.count)
        for pattern in patterns {
            if !pattern.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) {
                guard let position = entryByName[ConfigText.lowercased(pattern)], !seen[position] else { continue }
                seen[position] = true
                result.append((pattern, text(at: entries[position].index)))
                continue
            }
            for (position, entry) in entries.enumerated()
            where !seen[position] && !directives[entry.index].flags.contains(.hidden) {
                if globMatchName(pattern, entry.name) {
                    seen[position] = true
                    result.append((entry.name, text(at: entry.index)))
                }
            }
        }
        return result
    }

    // MARK: Typed reads

    /// The number behind a numeric, bool (0/1) or enum directive, or notify-keyspace-events'
    /// flags (see `KeyspaceEventFlags`). Percentages (maxmemory-clients "10%") read as -10, as
    /// Redis stores them; unsigned values beyond Int64 (maxmemory 18446744073709551615) read as
    /// Int64.max.
    public func int(_ name: String) -> Int64 {
        guard let index = directiveIndex(name) else {
            assertionFailure("unknown config directive '\(name)'")
            return 0
        }
        if case .numeric(let spec) = directives[index].kind, spec.unsigned, values[index].number < 0 {
            return Int64.max
        }
        return values[index].number
    }

    public func bool(_ name: String) -> Bool {
        guard let index = directiveIndex(name) else {
            assertionFailure("unknown config directive '\(name)'")
            return false
        }
        return values[index].number != 0
    }

    /// The CONFIG GET text ("" for an unknown name, which is a programming error).
    public func string(_ name: String) -> String {
        guard let value = get(name) else {
            assertionFailure("unknown config directive '\(name)'")
            return ""
        }
        return value
    }

    /// The snapshot schedule as (seconds, changes) pairs; empty when saving is disabled.
    public func saveSchedule() -> [(seconds: Int64, changes: Int64)] {
        SaveSchedule.parse(string("save"))
    }

    /// Output buffer limits per client class ("normal", "slave", "pubsub").
    public func clientOutputBufferLimits() -> [(clientClass: String, hard: UInt64, soft: UInt64, softSeconds: Int64)] {
        let limits = ClientBufferLimits(text: string("client-output-buffer-limit")).limits
        return zip(ClientBufferLimits.classNames, limits).map { ($0, $1.hard, $1.soft, $1.softSeconds) }
    }

    public func bindAddresses() -> [String] {
        string("bind").split(separator: " ").map(String.init)
    }

    /// The master this server replicates, or nil.
    public func replicaOf() -> (host: String, port: Int)? {
        let text = string("replicaof")
        guard let space = text.lastIndex(of: " "), let port = Int(text[text.index(after: space)...]) else { return nil }
        return (String(text[..<space]), port)
    }

    public func oomScoreAdjValues() -> [Int] {
        string("oom-score-adj-values").split(separator: " ").compactMap { Int($0) }
    }

    public func latencyTrackingPercentiles() -> [Double] {
        string("latency-tracking-info-percentiles").split(separator: " ").compactMap { Double($0) }
    }

    // MARK: Explicit directives

    /// Canonical names of the directives given in the config file(s) or on the command line, in
    /// first-seen order; also "rename-command", "user" and "loadmodule" when present.
    public func explicitlySetDirectives() -> [String] { explicitNames }

    /// `explicitlySetDirectives()` restricted to `directivesNotInEffect`, for a one-time warning.
    public func explicitlySetDirectivesNotInEffect() -> [String] {
        explicitNames.filter { directivesNotInEffect.contains($0) }
    }

    func noteExplicit(_ name: String) {
        if !explicitNames.contains(name) { explicitNames.append(name) }
    }

    // MARK: CONFIG SET

    /// Registers a hook run by CONFIG SET after every value of the call has been validated and
    /// stored, once per directive whose value changed, with its new CONFIG GET text. Returning an
    /// error text (e.g. "Unable to listen on this port. Check server logs.") fails the whole call:
    /// all values are restored and the hooks that already ran are called again with the old
    /// values. `name` may be an alias. Hooks do not run while loading the config file.
    public func onChange(_ name: String, _ apply: @escaping (String) -> String?) {
        guard let index = directiveIndex(name) else {
            assertionFailure("unknown config directive '\(name)'")
            return
        }
        hooks[index, default: []].append((hookCount, apply))
        hookCount += 1
    }

    /// A hook for several directives that one change or many apply alike (Redis's shared apply
    /// functions, e.g. applyTlsCfg): one CONFIG SET runs it once, after all its values are stored.
    public func onChange(_ names: [String], _ apply: @escaping () -> String?) {
        let id = hookCount
        hookCount += 1
        for name in names {
            guard let index = directiveIndex(name) else {
                assertionFailure("unknown config directive '\(name)'")
                continue
            }
            hooks[index, default: []].append((id, { _ in apply() }))
        }
    }

    /// CONFIG SET with one or more (name, value) pairs, all or nothing. Returns nil on success, or
    /// Redis's error reply without the leading '-'. `clientIsLocal` matters only when
    /// enable-protected-configs is "local".
    public func set(_ pairs: [(String, String)], clientIsLocal: Bool = false) -> String? {
        var targets: [(entry: DirectiveEntry, value: String)] = []
        for (name, value) in pairs {
            guard let entry = entry(named: name) else {
                return "ERR Unknown option or number of arguments for CONFIG SET - '\(name)'"
            }
            let flags = directives[entry.index].flags
            if flags.contains(.immutable) {
                return setFailure(name, "can't set immutable config")
            }
            if flags.contains(.protected) && !protectedConfigsAllowed(clientIsLocal) {
                return setFailure(name, "can't set protected config")
            }
            if isLoadingDataset && flags.contains(.denyLoading) {
                return "LOADING Redis is loading the dataset in memory"
            }
            // Redis compares registered entries, so a name and its alias are not duplicates.
            if targets.contains(where: { $0.entry.name == entry.name }) {
                return setFailure(name, "duplicate parameter")
            }
            targets.append((entry, value))
        }

        let savedValues = values
        let savedDirectory = SpecialValues.currentDirectory()
        var changed: [(index: Int, name: String)] = []
        var context = LoadContext()  // runtime: `save` replaces the whole schedule
        for target in targets {
            let index = target.entry.index
            let args = directives[index].flags.contains(.multiArg)
                ? ConfigText.splitOnSpaces(target.value) : [target.value]
            let before = text(at: index)
            switch parse(index, args, context: &context) {
            case .failure(let error):
                restore(savedValues, directory: savedDirectory)
                return setFailure(target.entry.name, error.message)
            case .success(var value):
                if value != values[index], case .numeric(let spec) = directives[index].kind,
                   let minimum = spec.runtimeMinimum, value.number < minimum {
                    value = ConfigValue(text: NumericText.format(minimum, spec), number: minimum)
                }
                values[index] = value
                // Bytes, not String equality: canonically equivalent texts are still a change.
                let isChange = !text(at: index).utf8.elementsEqual(before.utf8)
                if isChange && !changed.contains(where: { $0.index == index }) {
                    changed.append((index, target.entry.name))
                }
            }
        }

        var accepted: [(index: Int, hook: (String) -> String?)] = []
        var ran = Set<Int>()
        for (index, name) in changed {
            for (id, hook) in hooks[index] ?? [] where ran.insert(id).inserted {
                if let error = hook(text(at: index)) {
                    warningLogger?("Failed applying new configuration. Possibly related to new \(name) setting. "
                                   + "Restoring previous settings.")
                    restore(savedValues, directory: savedDirectory)
                    reapply(accepted)
                    return error.isEmpty ? "ERR CONFIG SET failed (possibly related to argument '\(name)')"
                                         : setFailure(name, error)
                }
                accepted.append((index, hook))
            }
        }
        return nil
    }

    /// Sets a directive from inside the server, bypassing the immutable/protected checks and the
    /// hooks: for values the server itself changes (REPLICAOF updates `replicaof`, daemonizing
    /// sets a default `pidfile`). Returns nil or the bare error text.
    public func setInternal(_ name: String, _ args: [String]) -> String? {
        guard let index = directiveIndex(name) else { return "Unknown option '\(name)'" }
        var context = LoadContext()
        switch parse(index, args, context: &context) {
        case .failure(let error): return error.message
        case .success(let value):
            values[index] = value
            return nil
        }
    }

    /// Parses arguments for a directive; for `dir` this also changes the working directory.
    func parse(_ index: Int, _ args: [String], context: inout LoadContext) -> Result<ConfigValue, ConfigParseError> {
        let directive = directives[index]
        if case .special(let kind) = directive.kind {
            return SpecialValues.parse(kind, args, current: values[index], context: &context) { [warningLogger] in
                warningLogger?($0)
            }
        }
        return directive.parseGeneric(args)
    }

    private func setFailure(_ name: String, _ message: String) -> String {
        "ERR CONFIG SET failed (possibly related to argument '\(name)') - \(message)"
    }

    private func protectedConfigsAllowed(_ clientIsLocal: Bool) -> Bool {
        switch string("enable-protected-configs") {
        case "yes": return true
        case "local": return clientIsLocal
        default: return false
        }
    }

    private func restore(_ saved: [ConfigValue], directory: String) {
        values = saved
        if SpecialValues.currentDirectory() != directory { _ = directory.withCString { chdir($0) } }
    }

    /// After a veto, gives the hooks that accepted the new values the old ones back.
    private func reapply(_ accepted: [(index: Int, hook: (String) -> String?)]) {
        for (index, hook) in accepted {
            if let error = hook(text(at: index)) {
                warningLogger?("Failed applying restored failed CONFIG SET command: \(error)")
            }
        }
    }
}

/// Config names are ASCII; CONFIG GET globs are matched without case, as Redis does.
private func globMatchName(_ pattern: String, _ name: String) -> Bool {
    globMatch(pattern: pattern, string: name, noCase: true)
}
