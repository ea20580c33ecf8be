import CLua
import Lua
import Logging
import Util

// The `redis` table and the sandbox a script runs in (luaRegisterRedisAPI, luaLoadLibraries and
// scriptingInit, Redis 7.0): redis.call/pcall and the helpers, Redis's deterministic
// math.random, no loadfile/dofile, the error handler that turns any error into Redis's error
// table, and globals that scripts can read but not create.

extension ScriptingEngine {
    /// Installs the API into `lua` (the EVAL interpreter or the functions' one: both call back
    /// into this engine, which knows the running script).
    func installRedisAPI(into lua: LuaInterpreter) {
        let L = lua.state
        // What Redis 7.0.15 leaves out of the base library.
        for name in ["loadfile", "dofile", "print", "getfenv", "setfenv", "newproxy"] {
            lua_pushnil(L)
            apus_lua_setglobal(L, name)
        }
        apus_lua_newtable(L)
        let functions: [(String, LuaSwiftFunction)] = [
            ("call", luaRedisCall), ("pcall", luaRedisPcall), ("log", luaRedisLog), ("setresp", luaRedisSetResp),
            ("sha1hex", luaRedisSha1Hex), ("error_reply", luaRedisErrorReply), ("status_reply", luaRedisStatusReply),
            ("set_repl", luaRedisSetRepl), ("replicate_commands", luaRedisReplicateCommands),
            ("breakpoint", luaRedisBreakpoint), ("debug", luaRedisDebug), ("acl_check_cmd", luaRedisAclCheckCmd),
        ]
        for (name, function) in functions {
            lua.pushFunction(function, context: context)
            lua.rawSetField(-2, name)
        }
        let numbers: [(String, Double)] = [
            ("LOG_DEBUG", 0), ("LOG_VERBOSE", 1), ("LOG_NOTICE", 2), ("LOG_WARNING", 3),
            ("REPL_NONE", 0), ("REPL_AOF", 1), ("REPL_SLAVE", 2), ("REPL_REPLICA", 2), ("REPL_ALL", 3),
            ("REDIS_VERSION_NUM", Double((7 << 16) | (0 << 8) | 15)),
        ]
        for (name, value) in numbers {
            lua_pushnumber(L, value)
            lua.rawSetField(-2, name)
        }
        lua.pushString("7.0.15")
        lua.rawSetField(-2, "REDIS_VERSION")
        apus_lua_setglobal(L, "redis")

        // math.random and math.randomseed on Redis's rand48, the same sequence every run.
        apus_lua_install_random(L, rand48)
        apus_lua_install_pcall(L)

        lua.run(ScriptingEngine.errorHandlerSource, name: "@err_handler")
    }

    /// __redis__err__handler: every error becomes a table {err=..., source=..., line=...}, with
    /// the position of the script line (not of the C function it called).
    static let errorHandlerSource = "local dbg = debug\n__redis__err__handler = " + errorHandlerFunction

    /// The handler itself, a Lua function expression (it reads `dbg`); the functions' engine
    /// keeps it in its registry instead of a global.
    static let errorHandlerFunction = """
        function (err)
          local i = dbg.getinfo(2,'nSl')
          if i and i.what == 'C' then
            i = dbg.getinfo(3,'nSl')
          end
          if type(err) ~= 'table' then
            err = {err='ERR ' .. tostring(err)}
          end
          if i then
            err['source'] = i.source
            err['line'] = i.currentline
          end
          return err
        end
        """
}

/// luaPushError: an error table {err="CODE message"}; text starting with '-' carries its own
/// code, other text gets ERR.
func pushErrorTable(_ L: LuaStatePointer, _ text: String) {
    var code = "ERR"
    var message = Substring(text)
    if text.hasPrefix("-") {
        let rest = text.dropFirst()
        if let space = rest.firstIndex(of: " ") {
            code = String(rest[..<space])
            message = rest[rest.index(after: space)...]
        } else {
            message = rest
        }
    }
    while let last = message.last, last == "\r" || last == "\n" { message = message.dropLast() }
    while let first = message.first, first == "\r" || first == "\n" { message = message.dropFirst() }
    apus_lua_newtable(L)
    pushLuaString(L, "err")
    pushLuaString(L, "\(code) \(message)")
    lua_rawset(L, -3)
}

func pushLuaString(_ L: LuaStatePointer, _ text: String) {
    var text = text
    text.withUTF8 { lua_pushlstring(L, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count) }
}

func luaString(_ L: LuaStatePointer, _ index: Int32) -> String? {
    var length = 0
    guard let pointer = apus_lua_tostring(L, index, &length) else { return nil }
    return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
}

/// `(int)` of a double as x86 converts it (Redis assigns lua_tonumber to an int): out of range
/// or NaN is INT_MIN.
func cInt(_ value: Double) -> Int {
    value.isNaN || value >= 2147483648 || value <= -2147483649 ? Int(Int32.min) : Int(Int32(value))
}

func luaBytes(_ L: LuaStatePointer, _ index: Int32) -> [UInt8]? {
    var length = 0
    guard let pointer = apus_lua_tostring(L, index, &length) else { return nil }
    return [UInt8](UnsafeRawBufferPointer(start: pointer, count: length))
}

/// Raises an error table with `text` (the trampoline raises it once this returns).
func raiseError(_ L: LuaStatePointer, _ text: String) -> Int32 {
    pushErrorTable(L, text)
    return -1
}

private func luaRedisLog(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    let argc = lua_gettop(L)
    if argc < 2 { return raiseError(L, "redis.log() requires two arguments or more.") }
    if lua_isnumber(L, -argc) == 0 { return raiseError(L, "First argument must be a number (log level).") }
    let level = cInt(lua_tonumber(L, -argc))
    if level < 0 || level > 3 { return raiseError(L, "Invalid debug level.") }
    var parts: [String] = []
    for index in 1..<argc {
        guard let text = luaString(L, index + 1) else { continue }
        parts.append(text)
    }
    let engine = ScriptingEngine.from(L)
    let message = parts.joined(separator: " ")
    switch level {
    case 0: engine.server.logger.debug("\(message)")
    case 1: engine.server.logger.info("\(message)")
    case 2: engine.server.logger.notice("\(message)")
    default: engine.server.logger.warning("\(message)")
    }
    return 0
}

private func luaRedisSetResp(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    if lua_gettop(L) != 1 { return raiseError(L, "redis.setresp() requires one argument.") }
    let version = cInt(lua_tonumber(L, -1))
    if version != 2 && version != 3 { return raiseError(L, "RESP version must be 2 or 3.") }
    ScriptingEngine.from(L).run?.resp = version
    return 0
}

private func luaRedisSha1Hex(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    if lua_gettop(L) != 1 { return raiseError(L, "wrong number of arguments") }
    var length = 0
    let pointer = apus_lua_tostring(L, 1, &length)
    let digest = SHA1.hash(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : length))
    pushLuaString(L, hexDigits(digest))
    return 1
}

func hexDigits(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

private func luaRedisErrorReply(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    guard lua_gettop(L) == 1, lua_type(L, -1) == LUA_TSTRING, let text = luaString(L, -1) else {
        pushErrorTable(L, "wrong number or type of arguments")
        return 1
    }
    pushErrorTable(L, text.hasPrefix("-") ? text : "-" + text)
    return 1
}

private func luaRedisStatusReply(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    guard lua_gettop(L) == 1, lua_type(L, -1) == LUA_TSTRING else {
        pushErrorTable(L, "wrong number or type of arguments")
        return 1
    }
    apus_lua_newtable(L)
    pushLuaString(L, "ok")
    lua_pushvalue(L, -3)
    lua_rawset(L, -3)
    return 1
}

private func luaRedisSetRepl(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    let engine = ScriptingEngine.from(L)
    guard engine.run != nil else { return raiseError(L, "redis.set_repl() can only be called inside a script invocation") }
    // Redis's text says two, for one argument.
    if lua_gettop(L) != 1 { return raiseError(L, "redis.set_repl() requires two arguments.") }
    let flags = cInt(lua_tonumber(L, -1))
    if flags & ~3 != 0 { return raiseError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.") }
    engine.replicationTargets = UInt8(flags)
    return 0
}

private func luaRedisReplicateCommands(_ L: LuaStatePointer?) -> Int32 {
    lua_pushboolean(L, 1)
    return 1
}

private func luaRedisBreakpoint(_ L: LuaStatePointer?) -> Int32 {
    lua_pushboolean(L, 0)
    return 1
}

private func luaRedisDebug(_ L: LuaStatePointer?) -> Int32 { 0 }

/// Raises a plain string error, as a Lua library function would.
func raiseLuaText(_ L: LuaStatePointer, _ text: String) -> Int32 {
    pushLuaString(L, text)
    return -1
}
