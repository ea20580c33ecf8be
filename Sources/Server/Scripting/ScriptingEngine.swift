import CLua
import Lua
import Reactor
import Util

// The EVAL side of scripting (eval.c and script_lua.c, Redis 7.0): one Lua interpreter for EVAL
// scripts with the `redis` table, the sandbox and the helper functions Redis installs, and the
// cache of scripts by SHA1. FUNCTION libraries get their own interpreter (Functions/).

/// What runs now: the caller, the script's flags and whether it wrote (scriptRunCtx).
/// One object, reused run after run (scripts never nest), so a call allocates no context.
final class ScriptRun {
    unowned(unsafe) private(set) var caller: Client
    private(set) var functionName: String
    private(set) var readOnly: Bool
    private(set) var flags: ScriptFlags
    private(set) var startedMicroseconds: Int64
    var wrote = false
    /// A write command passed the checks (SCRIPT_WRITE_DIRTY, which the OOM check reads).
    var calledWrite = false
    var killed = false
    /// Past busy-reply-threshold (SCRIPT_TIMEDOUT): events are being processed meanwhile.
    var timedOut = false
    /// EVAL (SCRIPT KILL stops it) rather than FCALL (FUNCTION KILL).
    var isEval = true
    /// The caller's watched events, masked while it is protected.
    var callerInterest: Interest = []
    /// redis.setresp: the protocol of replies handed to the script.
    var resp = 2

    init(caller: Client) {
        self.caller = caller
        functionName = ""
        readOnly = false
        flags = []
        startedMicroseconds = 0
    }

    /// scriptPrepareForRun's fresh state.
    func begin(caller: Client, functionName: String, readOnly: Bool, flags: ScriptFlags, started: Int64) {
        self.caller = caller
        self.functionName = functionName
        self.readOnly = readOnly
        self.flags = flags
        startedMicroseconds = started
        wrote = false
        calledWrite = false
        killed = false
        timedOut = false
        isEval = true
        callerInterest = []
        resp = 2
    }
}

/// Script flags (from the shebang or register_function), SCRIPT_FLAG_*.
struct ScriptFlags: OptionSet {
    let rawValue: UInt8
    static let noWrites = ScriptFlags(rawValue: 1 << 0)
    static let allowOOM = ScriptFlags(rawValue: 1 << 1)
    static let allowStale = ScriptFlags(rawValue: 1 << 2)
    static let noCluster = ScriptFlags(rawValue: 1 << 3)
    static let allowCrossSlotKeys = ScriptFlags(rawValue: 1 << 4)
    /// An EVAL script without a shebang: the compatibility mode of Redis 6 scripts.
    static let evalCompatibilityMode = ScriptFlags(rawValue: 1 << 5)

    static let names: [(String, ScriptFlags)] = [
        ("no-writes", .noWrites), ("allow-oom", .allowOOM), ("allow-stale", .allowStale),
        ("no-cluster", .noCluster), ("allow-cross-slot-keys", .allowCrossSlotKeys),
    ]
}

/// A cached EVAL script.
final class CachedScript {
    let body: [UInt8]
    let flags: ScriptFlags
    /// The SHA1 as text (error messages name the script by it).
    let shaText: String
    /// The compiled function in the Lua registry (luaL_ref): reached with one rawgeti per run.
    let functionReference: Int32

    init(body: [UInt8], flags: ScriptFlags, shaText: String, functionReference: Int32) {
        self.body = body
        self.flags = flags
        self.shaText = shaText
        self.functionReference = functionReference
    }
}

/// A script's SHA1 hex digits, lowercased, as five words: a cache key built on the stack from
/// EVALSHA's argument, hashed without allocating.
struct ScriptKey: Hashable {
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)

    /// Nil unless `hex` is 40 bytes long.
    init?(_ hex: UnsafeRawBufferPointer) {
        guard hex.count == 40 else { return nil }
        withUnsafeMutableBytes(of: &words) { out in
            for index in 0..<40 {
                let byte = hex[index]
                out[index] = byte >= 65 && byte <= 90 ? byte | 0x20 : byte
            }
        }
    }

    init?(_ hex: [UInt8]) {
        guard let key = hex.withUnsafeBytes({ ScriptKey($0) }) else { return nil }
        self = key
    }

    static func == (a: ScriptKey, b: ScriptKey) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2
            && a.words.3 == b.words.3 && a.words.4 == b.words.4
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1 ^ words.2 ^ words.3 ^ words.4)
    }
}

final class ScriptingEngine {
    var lua = LuaInterpreter()
    /// Runs until the next incremental GC step (LUA_GC_CYCLE_PERIOD).
    var gcCountdown = 50
    /// Scripts by lowercase SHA1 hex (the Lua function is f_<sha> in the registry).
    var scripts: [ScriptKey: CachedScript] = [:]
    var scriptsBodyBytes = 0
    /// The client redis.call runs commands as (server.script_caller's lua_client).
    let client: Client
    var run: ScriptRun?
    /// The run object every script reuses.
    lazy var reusableRun = ScriptRun(caller: client)
    /// __redis__err__handler in the registry (luaL_ref), taken on first use (with evalGlobals).
    var errorHandlerReference: Int32 = -2
    /// The real globals table and the strings "KEYS" and "ARGV" in the registry (luaL_ref).
    var evalGlobals: (table: Int32, keys: Int32, argv: Int32) = (0, 0, 0)
    /// The interpreter the running script runs in.
    unowned(unsafe) var runningIn: LuaInterpreter?
    /// redis.set_repl's targets for the running script (REPL_ALL by default).
    var replicationTargets: UInt8 = 3
    /// redis.call's argument spans (reused).
    var argumentScratch: [UnsafeRawBufferPointer] = []
    /// A command's reply, gathered for parsing into Lua (reused).
    var replyScratch: [UInt8] = []
    /// rand48's state behind math.random, one for every interpreter (rand.c's), never reset:
    /// scripts draw one sequence from server start, as in Redis.
    let rand48: UnsafeMutablePointer<UInt64> = {
        let state = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        state.initialize(to: 0x1234_ABCD_330E)
        return state
    }()
    unowned(unsafe) let server: Server

    init(server: Server) {
        self.server = server
        // "lua" is what MONITOR shows as the address of a script's commands.
        client = Client(server: server, fd: -1, peer: "lua", local: "", id: server.nextClientID, now: server.now)
        server.nextClientID += 1
        client.flags.insert([.fake, .scriptClient])
        prepareEvalInterpreter()
    }

    deinit { rand48.deallocate() }

    /// evalScriptsMemory: the cached bodies and SHA1s with their table entries (Redis counts its
    /// dict entries and sds headers; the per-script figure here is the same order, not exact).
    var scriptsMemoryBytes: Int { scriptsBodyBytes + scripts.count * 64 }

    /// scriptingInit: the API, then the lock on the globals.
    func prepareEvalInterpreter() {
        installRedisAPI(into: lua)
        // The error handler keeps its own reference; scripts do not see `debug`.
        lua_pushnil(lua.state)
        apus_lua_setglobal(lua.state, "debug")
        lua.lockGlobals()
    }

    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ state: LuaStatePointer?) -> ScriptingEngine {
        Unmanaged<ScriptingEngine>.fromOpaque(apus_lua_context(state)!).takeUnretainedValue()
    }
}
