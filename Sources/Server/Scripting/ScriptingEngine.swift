import CLua
import Lua
import Reactor
import Util

// The EVAL side of scripting (eval.c and script_lua.c, Redis 7.0): one Lua interpreter for EVAL
// scripts with the `redis` table, the sandbox and the helper functions Redis installs, and the
// cache of scripts by SHA1. FUNCTION libraries get their own interpreter (Functions/).

/// What runs now: the caller, the script's flags and whether it wrote (scriptRunCtx).
final class ScriptRun {
    unowned(unsafe) let caller: Client
    let functionName: String
    let readOnly: Bool
    let flags: ScriptFlags
    let startedMicroseconds: Int64
    var wrote = false
    var killed = false
    /// Past busy-reply-threshold (SCRIPT_TIMEDOUT): events are being processed meanwhile.
    var timedOut = false
    /// EVAL (SCRIPT KILL stops it) rather than FCALL (FUNCTION KILL).
    var isEval = true
    /// The caller's watched events, masked while it is protected.
    var callerInterest: Interest = []
    /// redis.setresp: the protocol of replies handed to the script.
    var resp = 2

    init(caller: Client, functionName: String, readOnly: Bool, flags: ScriptFlags, started: Int64) {
        self.caller = caller
        self.functionName = functionName
        self.readOnly = readOnly
        self.flags = flags
        startedMicroseconds = started
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
struct CachedScript {
    let body: [UInt8]
    let flags: ScriptFlags
}

final class ScriptingEngine {
    var lua = LuaInterpreter()
    /// Runs until the next incremental GC step (LUA_GC_CYCLE_PERIOD).
    var gcCountdown = 50
    /// Scripts by lowercase SHA1 hex (the Lua function is f_<sha> in the registry).
    var scripts: [[UInt8]: CachedScript] = [:]
    var scriptsBodyBytes = 0
    /// The client redis.call runs commands as (server.script_caller's lua_client).
    let client: Client
    var run: ScriptRun?
    /// The interpreter the running script runs in.
    unowned(unsafe) var runningIn: LuaInterpreter?
    /// redis.set_repl's targets for the running script (REPL_ALL by default).
    var replicationTargets: UInt8 = 3
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
