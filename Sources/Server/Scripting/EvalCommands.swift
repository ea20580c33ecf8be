import CLua
import Lua
import RESP
import Util

// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (eval.c's evalGenericCommand, luaCreateFunction,
// evalExtractShebangFlags and scriptCommand, Redis 7.0). A script's body compiles once into the
// registry as f_<sha1>; its shebang (`#!lua flags=...`) sets its flags; KEYS and ARGV are set as
// globals for each run. The script's commands propagate as they run, so EVAL itself does not.

enum EvalCommands {
    static let handlers: [String: CommandHandler] = [
        "eval": { eval($0, sha: false, readOnly: false) },
        "evalsha": { eval($0, sha: true, readOnly: false) },
        "eval_ro": { eval($0, sha: false, readOnly: true) },
        "evalsha_ro": { eval($0, sha: true, readOnly: true) },
        "script|load": scriptLoad, "script|exists": scriptExists, "script|flush": scriptFlush,
        "script|kill": scriptKill, "script|help": scriptHelp, "script|debug": scriptDebug,
    ]

    static func eval(_ c: Client, sha: Bool, readOnly: Bool) {
        let server = c.server
        let engine = server.scripting
        // EVAL is skip_monitor: fed here, before its script's commands (evalCommand).
        if !server.monitors.isEmpty { server.feedMonitors(c) }
        guard let keyCount = parseInt64(c.arg(2)) else {
            c.error(ErrorText.notInteger)
            return
        }
        if keyCount > Int64(c.argumentCount - 3) {
            c.error("ERR Number of keys can't be greater than number of args")
            return
        }
        if keyCount < 0 {
            c.error("ERR Number of keys can't be negative")
            return
        }
        let script: CachedScript
        if sha {
            guard let key = ScriptKey(c.arg(1)), let cached = engine.scripts[key] else {
                c.error(ErrorText.noScript)
                return
            }
            script = cached
        } else {
            guard let created = engine.createFunction(c, body: c.arg(1)) else { return }
            script = created
        }
        engine.runEval(c, script, readOnly: readOnly,
                       keys: 3..<(3 + Int(keyCount)), arguments: (3 + Int(keyCount))..<c.argumentCount)
        c.preventPropagation()
    }

    static func scriptLoad(_ c: Client) {
        guard let script = c.server.scripting.createFunction(c, body: c.arg(2)) else { return }
        c.reply.bulk(script.shaText)
    }

    static func scriptExists(_ c: Client) {
        let engine = c.server.scripting
        c.reply.arrayHeader(c.argumentCount - 2)
        for index in 2..<c.argumentCount {
            let exists = ScriptKey(c.arg(index)).map { engine.scripts[$0] != nil } ?? false
            c.reply.integer(exists ? 1 : 0)
        }
    }

    static func scriptFlush(_ c: Client) {
        if c.argumentCount > 3 || (c.argumentCount == 3 && !c.argIs(2, "sync") && !c.argIs(2, "async")) {
            c.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
            return
        }
        c.server.scripting.reset()
        c.reply.ok()
    }

    static func scriptKill(_ c: Client) {
        c.server.killScript(c, function: false)
    }

    /// The Lua debugger (LDB) is not implemented: NO is what every client already has.
    static func scriptDebug(_ c: Client) {
        if c.argIs(2, "no") {
            c.reply.ok()
        } else if c.argIs(2, "yes") || c.argIs(2, "sync") {
            c.error(ErrorText.scriptDebuggerUnsupported)
        } else {
            c.error("ERR Use SCRIPT DEBUG YES/SYNC/NO")
        }
    }

    static func scriptHelp(_ c: Client) { ObjectCommand.replyHelp(c, HelpText.script) }
}

extension ScriptingEngine {
    /// luaCreateFunction: compiles `body` unless cached; the SHA1 hex, or nil after replying
    /// the error to `c`.
    func createFunction(_ c: Client?, body: UnsafeRawBufferPointer) -> CachedScript? {
        let shaText = hexDigits(SHA1.hash(body))
        let key = ScriptKey(Array(shaText.utf8))!
        if let cached = scripts[key] { return cached }
        var flags: ScriptFlags = [.evalCompatibilityMode]
        var shebangLength = 0
        if body.starts(with: "#!".utf8) {
            switch ScriptingEngine.shebangFlags(body) {
            case .failure(let failure):
                c?.error("ERR \(failure.message)")
                return nil
            case .success(let parsed):
                flags = parsed.flags
                shebangLength = parsed.length
            }
        }
        let L = lua.state
        // The shebang line goes, its newline stays: line numbers are the user's.
        let code = UnsafeRawBufferPointer(rebasing: body[shebangLength...])
        if luaL_loadbuffer(L, code.baseAddress?.assumingMemoryBound(to: CChar.self), code.count, "@user_script") != 0 {
            c?.error("ERR Error compiling script (new function): \(luaString(L, -1) ?? "")")
            lua.pop()
            return nil
        }
        let reference = luaL_ref(L, apus_lua_registryindex())
        let script = CachedScript(body: [UInt8](body), flags: flags, shaText: shaText, functionReference: reference)
        scripts[key] = script
        scriptsBodyBytes += body.count + 40
        return script
    }

    /// evalExtractShebangFlags.
    static func shebangFlags(_ body: UnsafeRawBufferPointer) -> Result<(flags: ScriptFlags, length: Int), ScriptError> {
        guard let newline = body.firstIndex(of: 10) else { return .failure(ScriptError("Invalid script shebang")) }
        let line = String(decoding: body[0..<newline], as: UTF8.self)
        // sdssplitargs' separators (quoting aside).
        let parts = line.split(whereSeparator: { " \t\r\n\u{0B}\u{0C}".contains($0) }).map(String.init)
        guard let engineName = parts.first else { return .failure(ScriptError("Invalid engine in script shebang")) }
        guard engineName == "#!lua" else { return .failure(ScriptError("Unexpected engine in script shebang: \(engineName)")) }
        var flags: ScriptFlags = []
        for part in parts.dropFirst() {
            guard part.hasPrefix("flags=") else { return .failure(ScriptError("Unknown lua shebang option: \(part)")) }
            // An empty list is no flags; otherwise every comma counts ("a," names an empty flag).
            let list = part.dropFirst(6)
            for name in list.isEmpty ? [] : list.split(separator: ",", omittingEmptySubsequences: false) {
                guard let flag = ScriptFlags.names.first(where: { $0.0 == name })?.1 else {
                    return .failure(ScriptError("Unexpected flag in script shebang: \(name)"))
                }
                flags.insert(flag)
            }
        }
        return .success((flags, newline))
    }

    /// evalGenericCommand's run: the checks of scriptPrepareForRun, KEYS and ARGV, the call,
    /// and the reply (or the error, as Redis formats it).
    func runEval(_ c: Client, _ script: CachedScript, readOnly: Bool, keys: Range<Int>, arguments: Range<Int>) {
        guard let run = server.prepareScriptRun(c, name: script.shaText, flags: script.flags, readOnly: readOnly) else { return }
        let L = lua.state
        let registry = apus_lua_registryindex()
        if errorHandlerReference == -2 { takeRunReferences(L) }
        lua_rawgeti(L, registry, errorHandlerReference)
        lua_rawgeti(L, registry, script.functionReference)
        // KEYS and ARGV into the real globals, reached by reference: no string is hashed per run.
        lua_rawgeti(L, registry, evalGlobals.table)
        lua_rawgeti(L, registry, evalGlobals.keys)
        pushArgumentArray(L, c, keys)
        lua_rawset(L, -3)
        lua_rawgeti(L, registry, evalGlobals.argv)
        pushArgumentArray(L, c, arguments)
        lua_rawset(L, -3)
        lua.pop()
        callFunction(run, in: lua, arguments: 0)
        lua.pop()  // the error handler
    }

    /// The error handler, the real globals table and the names "KEYS" and "ARGV", as registry
    /// references (luaL_ref) of the EVAL interpreter, taken on its first run.
    private func takeRunReferences(_ L: LuaStatePointer) {
        let registry = apus_lua_registryindex()
        apus_lua_getglobal(L, "__redis__err__handler")
        errorHandlerReference = luaL_ref(L, registry)
        lua.pushGlobals()
        evalGlobals.table = luaL_ref(L, registry)
        pushLuaString(L, "KEYS")
        evalGlobals.keys = luaL_ref(L, registry)
        pushLuaString(L, "ARGV")
        evalGlobals.argv = luaL_ref(L, registry)
    }

    /// luaCallFunction: the function (under its error handler) with `arguments` values above it,
    /// in `lua` (EVAL's interpreter or the functions' one).
    func callFunction(_ run: ScriptRun, in lua: LuaInterpreter, arguments: Int32) {
        let L = lua.state
        self.run = run
        runningIn = lua
        replicationTargets = 3
        let hooked = server.installBusyHook(self)
        let failed = lua_pcall(L, arguments, 1, -2 - arguments) != 0
        if hooked { apus_lua_set_count_hook(L, nil, 0) }
        gcCountdown -= 1
        if gcCountdown == 0 {
            lua_gc(L, LUA_GCSTEP, 50)
            gcCountdown = 50
        }
        let caller = run.caller
        if failed {
            let (text, counted) = errorReplyText(lua, run)
            caller.scriptError(text, alreadyCounted: counted)
            lua.pop()
        } else {
            LuaToReply.write(L, caller.reply, scriptResp: run.resp, caller: caller)
        }
        server.scriptRunEnded(self, run)
        self.run = nil
        runningIn = nil
    }

    /// The error reply of a failed run: "<code> <message> script: <name>, on <source>:<line>."
    /// With it, whether the error was already counted in the error stats (a command's error).
    private func errorReplyText(_ lua: LuaInterpreter, _ run: ScriptRun) -> ([UInt8], Bool) {
        let L = lua.state
        guard apus_lua_istable(L, -1) != 0 else {
            let message = luaBytes(L, -1) ?? Array("execution failure".utf8)
            return (Array("ERR Error running script \(run.functionName), ".utf8) + message.prefix(100), false)
        }
        // Bytes throughout: an error's text may hold any byte (a library's message quoting input).
        func field(_ name: String) -> [UInt8]? {
            pushLuaString(L, name)
            lua_rawget(L, -2)
            defer { lua.pop() }
            return luaBytes(L, -1)
        }
        var text = field("err") ?? []
        if let line = field("line"), let source = field("source") {
            text += Array(" script: \(run.functionName), on ".utf8) + source + [UInt8(ascii: ":")] + line + [UInt8(ascii: ".")]
        }
        pushLuaString(L, "ignore_error_stats_update")
        lua_rawget(L, -2)
        let counted = lua_toboolean(L, -1) != 0
        lua.pop()
        return (text, counted)
    }

    /// scriptingReset (SCRIPT FLUSH): a new interpreter, no scripts.
    func reset() {
        lua = LuaInterpreter()
        errorHandlerReference = -2
        scripts.removeAll()
        scriptsBodyBytes = 0
        prepareEvalInterpreter()
    }
}

struct ScriptError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Server {
    /// evalGetCommandFlags: the flags a script declares (a shebang) when `c` runs EVAL/EVALSHA
    /// of one; nil for a script without (Redis 6 rules: the command's own flags stand). They
    /// replace EVAL's write/deny-oom/stale flags in processCommand's checks.
    func evalDeclaredFlags(_ command: Command, _ c: Client) -> ScriptFlags? {
        // fcallGetCommandFlags: a function's flags always stand (functions have no Redis 6 mode).
        if command.fullName == "fcall" || command.fullName == "fcall_ro" {
            guard c.argumentCount >= 2 else { return nil }
            return functions.function(named: c.arg(1))?.flags
        }
        let evalsha = command.fullName == "evalsha"
        guard evalsha || command.fullName == "eval", c.argumentCount >= 2 else { return nil }
        let body = c.arg(1)
        let flags: ScriptFlags
        if evalsha {
            guard let key = ScriptKey(body), let script = scripting.scripts[key] else { return nil }
            flags = script.flags
        } else if let script = scripting.scripts[ScriptKey(Array(hexDigits(SHA1.hash(body)).utf8))!] {
            flags = script.flags
        } else {
            guard body.starts(with: "#!".utf8), case .success(let parsed) = ScriptingEngine.shebangFlags(body) else { return nil }
            flags = parsed.flags
        }
        return flags.contains(.evalCompatibilityMode) ? nil : flags
    }

    /// For CLIENT PAUSE WRITE: whether a script that declares its flags may write (nil: the
    /// command's flags decide). A no-writes script runs during a write pause, as in Redis.
    func evalDeclaresWrites(_ command: Command, _ c: Client) -> Bool? {
        evalDeclaredFlags(command, c).map { !$0.contains(.noWrites) }
    }
}

/// luaCreateArray: the client's arguments in `range` as a new Lua array (KEYS, ARGV).
func pushArgumentArray(_ L: LuaStatePointer, _ c: Client, _ range: Range<Int>) {
    lua_createtable(L, Int32(range.count), 0)
    var slot: Int32 = 1
    for index in range {
        let argument = c.arg(index)
        lua_pushlstring(L, argument.baseAddress?.assumingMemoryBound(to: CChar.self), argument.count)
        lua_rawseti(L, -2, slot)
        slot += 1
    }
}
