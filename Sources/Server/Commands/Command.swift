import Histogram
import RESP

// A command's metadata and handler. The metadata (arity, flags, key positions, docs) comes from
// the generated table, so dispatch, COMMAND INFO/DOCS and (later) ACL read one source.

public typealias CommandHandler = (Client) -> Void

public struct CommandFlags: OptionSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let write = CommandFlags(rawValue: 1 << 0)
    public static let readonly = CommandFlags(rawValue: 1 << 1)
    public static let denyOOM = CommandFlags(rawValue: 1 << 2)
    public static let admin = CommandFlags(rawValue: 1 << 3)
    public static let noScript = CommandFlags(rawValue: 1 << 4)
    public static let loading = CommandFlags(rawValue: 1 << 5)
    public static let stale = CommandFlags(rawValue: 1 << 6)
    public static let fast = CommandFlags(rawValue: 1 << 7)
    public static let noAuth = CommandFlags(rawValue: 1 << 8)
    public static let blocking = CommandFlags(rawValue: 1 << 9)
    public static let noMulti = CommandFlags(rawValue: 1 << 10)
    public static let movableKeys = CommandFlags(rawValue: 1 << 11)
    public static let allowBusy = CommandFlags(rawValue: 1 << 12)
    public static let noAsyncLoading = CommandFlags(rawValue: 1 << 13)
    public static let noMandatoryKeys = CommandFlags(rawValue: 1 << 14)
    public static let pubsub = CommandFlags(rawValue: 1 << 15)
    public static let skipMonitor = CommandFlags(rawValue: 1 << 16)
    public static let skipSlowlog = CommandFlags(rawValue: 1 << 17)
    public static let asking = CommandFlags(rawValue: 1 << 18)
    /// CMD_MAY_REPLICATE: not a write, but may propagate (scripts, PUBLISH, PFCOUNT). Internal
    /// to Redis, so not in the COMMAND INFO flags: set from a list (`mayReplicateNames`).
    public static let mayReplicate = CommandFlags(rawValue: 1 << 19)
    static let mayReplicateNames: Set<String> = ["eval", "evalsha", "fcall", "publish", "spublish", "pfcount"]

    init(words: String) {
        var flags: CommandFlags = []
        for word in words.split(separator: " ") {
            switch word {
            case "write": flags.insert(.write)
            case "readonly": flags.insert(.readonly)
            case "denyoom": flags.insert(.denyOOM)
            case "admin": flags.insert(.admin)
            case "noscript": flags.insert(.noScript)
            case "loading": flags.insert(.loading)
            case "stale": flags.insert(.stale)
            case "fast": flags.insert(.fast)
            case "no_auth": flags.insert(.noAuth)
            case "blocking": flags.insert(.blocking)
            case "no_multi": flags.insert(.noMulti)
            case "movablekeys": flags.insert(.movableKeys)
            case "allow_busy": flags.insert(.allowBusy)
            case "no_async_loading": flags.insert(.noAsyncLoading)
            case "no_mandatory_keys": flags.insert(.noMandatoryKeys)
            case "pubsub": flags.insert(.pubsub)
            case "skip_monitor": flags.insert(.skipMonitor)
            case "skip_slowlog": flags.insert(.skipSlowlog)
            case "asking": flags.insert(.asking)
            default: break
            }
        }
        self = flags
    }
}

/// Per-command counters for INFO commandstats, and the latency histogram behind INFO
/// latencystats (created on first call, as Redis does, with its precision and range).
public struct CommandStats {
    public var calls: Int64 = 0
    public var microseconds: Int64 = 0
    public var rejectedCalls: Int64 = 0
    public var failedCalls: Int64 = 0
    public var latency: LatencyHistogram?

    mutating func record(nanoseconds: UInt64) {
        if latency == nil { latency = LatencyHistogram() }
        latency!.record(nanoseconds)
    }
}

/// A command's latencies. A class, so recording mutates the histogram in place instead of
/// copying the struct out of the command's stats on every call.
public final class LatencyHistogram {
    public private(set) var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 1_000_000_000,
                                                          numberOfSignificantValueDigits: .two)

    func record(_ nanoseconds: UInt64) {
        histogram.record(min(max(nanoseconds, 1), 1_000_000_000))
    }
}

public final class Command {
    /// Full lowercase name: "get", or "config|get" for a subcommand.
    public let fullName: String
    public let arity: Int
    public let flags: CommandFlags
    public let firstKey: Int
    public let lastKey: Int
    public let keyStep: Int
    public let aclCategories: [String]
    public let handler: CommandHandler?
    /// Subcommands by lowercase name, for containers such as CONFIG and CLIENT.
    public internal(set) var subcommands: [String: Command] = [:]
    /// COMMAND INFO and COMMAND DOCS entries, parsed once from the generated RESP3 bytes.
    public let info: ReplyTree
    public let docs: ReplyTree
    /// Redis's key specs for this command, from its COMMAND INFO entry.
    let keySpecs: [KeySpec]
    public var stats = CommandStats()
    /// Index in ACLCommandRegistry, for the selectors' command bitmaps.
    let aclID: Int
    /// DEBUG is gated by enable-debug-command; checked per call, so precomputed.
    let isDebug: Bool
    /// MODULE LOAD/LOADEX/UNLOAD, gated by enable-module-command.
    let isProtectedModule: Bool
    /// Either of the two: the one test the command path pays for them.
    let isProtected: Bool
    /// EXEC, DISCARD, MULTI, WATCH, QUIT, RESET run at once inside MULTI instead of being queued
    /// (processCommand compares their procs by name).
    let runsInsideMulti: Bool
    /// What RESP2 subscribed mode allows: the (un)subscribe family, PING, QUIT, RESET.
    let allowedWhenSubscribed: Bool
    /// EXEC is never propagated itself; the commands it ran were.
    let isExec: Bool

    init(fullName: String, arity: Int, flags: CommandFlags, firstKey: Int, lastKey: Int, keyStep: Int,
         aclCategories: [String], handler: CommandHandler?, info: ReplyTree, docs: ReplyTree) {
        self.fullName = fullName
        self.arity = arity
        self.flags = CommandFlags.mayReplicateNames.contains(fullName) ? flags.union(.mayReplicate) : flags
        self.firstKey = firstKey
        self.lastKey = lastKey
        self.keyStep = keyStep
        self.aclCategories = aclCategories
        self.handler = handler
        self.info = info
        self.docs = docs
        keySpecs = KeySpec.parse(info)
        aclID = ACLCommandRegistry.shared.id(fullName: fullName) ?? ACLCommandRegistry.futureBit
        isDebug = fullName == "debug"
        isProtectedModule = ["module|load", "module|loadex", "module|unload"].contains(fullName)
        isProtected = isDebug || isProtectedModule
        isExec = fullName == "exec"
        runsInsideMulti = ["exec", "discard", "multi", "watch", "quit", "reset"].contains(fullName)
        allowedWhenSubscribed = ["subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe",
                                 "punsubscribe", "ping", "quit", "reset"].contains(fullName)
    }

    public var isContainer: Bool { !subcommands.isEmpty }

    /// True when `count` arguments (name included) satisfy the arity.
    public func acceptsArgumentCount(_ count: Int) -> Bool {
        arity > 0 ? count == arity : count >= -arity
    }

    /// The name INFO commandstats uses: "config|get" for subcommands.
    public var statsName: String { fullName }
}
