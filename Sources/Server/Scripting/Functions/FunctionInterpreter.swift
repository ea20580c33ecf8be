import CEpoll
import CLua
import Lua

// The functions' Lua interpreter (function_lua.c, Redis 7.0), apart from EVAL's. Code sees an
// empty, read-only globals table whose __index is switched: while FUNCTION LOAD runs a library it
// reaches only a `redis` table with register_function, log and the version (so a library can do
// nothing but register), and while a function runs it reaches the real globals (the Redis API
// and the libraries). Both, and everything reachable from them, are read-only through the C
// proxies of readonly_tables.h, as EVAL's globals are.

final class FunctionInterpreter {
    let lua = LuaInterpreter()
    unowned(unsafe) let engine: ScriptingEngine
    /// The library whose code is running (Redis's load ctx): register_function adds to it.
    var loading: FunctionLibrary?
    private var errorHandler: Int32 = 0
    private var globalsMetatable: Int32 = 0
    private var realGlobals: Int32 = 0
    private var loadGlobals: Int32 = 0
    private var startLoadHook: Int32 = 0
    private var stopLoadHook: Int32 = 0
    /// When the running load's time is up (0: no limit, as for a master's or the AOF's).
    private(set) var loadDeadline: Int64 = 0

    init(engine: ScriptingEngine) {
        self.engine = engine
        engine.installRedisAPI(into: lua)
        let L = lua.state
        let globals = apus_lua_globalsindex()

        // The error handler lives in the registry, not among the globals; debug is not for code.
        luaL_loadbuffer(L, FunctionInterpreter.errorHandlerSource, FunctionInterpreter.errorHandlerSource.utf8.count,
                        "@err_handler_def")
        lua_pcall(L, 0, 1, 0)
        errorHandler = luaL_ref(L, apus_lua_registryindex())
        // luaEngineLoadHook as a Lua hook (it may raise, which a Swift hook may not), holding
        // on to debug.sethook.
        luaL_loadbuffer(L, FunctionInterpreter.loadHookSource, FunctionInterpreter.loadHookSource.utf8.count,
                        "@load_hook_def")
        lua.pushFunction(luaLoadTimedOut, context: Unmanaged.passUnretained(self).toOpaque())
        lua_pcall(L, 1, 2, 0)
        stopLoadHook = luaL_ref(L, apus_lua_registryindex())
        startLoadHook = luaL_ref(L, apus_lua_registryindex())
        for name in ["debug", "__redis__err__handler"] {
            pushLuaString(L, name)
            lua_pushnil(L)
            lua_rawset(L, globals)
        }

        // The debugger's entry points and replicate_commands are EVAL's only (scriptingInit).
        pushLuaString(L, "redis")
        lua_rawget(L, globals)
        for name in ["breakpoint", "debug", "replicate_commands"] {
            pushLuaString(L, name)
            lua_pushnil(L)
            lua_rawset(L, -3)
        }
        lua.pop()

        // What a library's load sees (LIBRARY_API): redis.register_function, redis.log and the
        // version; a missing name raises, in the environment as in its `redis`.
        apus_lua_newtable(L)
        apus_lua_newtable(L)
        lua.pushFunction(luaRegisterFunction, context: Unmanaged.passUnretained(self).toOpaque())
        lua.rawSetField(-2, "register_function")
        pushLuaString(L, "redis")
        lua_rawget(L, globals)
        for name in ["log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM"] {
            pushLuaString(L, name)
            lua_rawget(L, -2)
            lua.rawSetField(-3, name)
        }
        lua.pop()
        apus_lua_set_error_metatable(L, -1)
        lua.rawSetField(-2, "redis")
        apus_lua_set_error_metatable(L, -1)

        // Everything becomes read-only (readonly_tables.h); the globals' metatable is kept to
        // switch what code reaches.
        apus_lua_lock_function_globals(L)
        globalsMetatable = luaL_ref(L, apus_lua_registryindex())
        loadGlobals = luaL_ref(L, apus_lua_registryindex())
        lua_rawgeti(L, apus_lua_registryindex(), globalsMetatable)
        pushLuaString(L, "__index")
        lua_rawget(L, -2)
        realGlobals = luaL_ref(L, apus_lua_registryindex())
        lua.pop()
    }

    /// Every 100000 instructions of a library's load, the time is checked; once it is up, every
    /// line raises (LOAD_TIMEOUT_MS, 500 ms).
    private static let loadHookSource = """
        local dbg = debug
        local timed_out = ...
        local function hook()
          if timed_out() then
            dbg.sethook(hook, 'l')
            error({err='ERR FUNCTION LOAD timeout'})
          end
        end
        return function () dbg.sethook(hook, '', 100000) end, function () dbg.sethook() end
        """

    /// Redis's error handler for functions (luaEngineInitEngine's errh_func).
    private static let errorHandlerSource = "local dbg = debug\nreturn " + ScriptingEngine.errorHandlerFunction

    /// Which globals code reaches: the load API while a library loads, the real ones otherwise.
    private func reach(_ globals: Int32) {
        let L = lua.state
        lua_rawgeti(L, apus_lua_registryindex(), globalsMetatable)
        pushLuaString(L, "__index")
        lua_rawgeti(L, apus_lua_registryindex(), globals)
        lua_rawset(L, -3)
        lua.pop()
    }

    /// luaEngineCreate: compiles the library's code and runs it so it registers its functions
    /// into `library`.
    func load(_ library: FunctionLibrary, body: ArraySlice<UInt8>, timeLimited: Bool) throws {
        let L = lua.state
        let status = body.withUnsafeBytes { bytes in
            luaL_loadbuffer(L, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, "@user_function")
        }
        if status != 0 {
            let message = luaString(L, -1) ?? ""
            lua.pop()
            throw FunctionLoadError("Error compiling function: \(message)")
        }
        reach(loadGlobals)
        loading = library
        loadDeadline = timeLimited ? apus_monotonic_us() + 500_000 : 0
        callHookSwitch(startLoadHook)
        let failed = lua_pcall(L, 0, 0, 0) != 0
        callHookSwitch(stopLoadHook)
        loading = nil
        reach(realGlobals)
        if failed {
            let message: String
            if apus_lua_istable(L, -1) != 0 {
                pushLuaString(L, "err")
                lua_rawget(L, -2)
                message = luaString(L, -1) ?? "(null)"
                lua.pop()
            } else {
                message = "ERR " + (luaString(L, -1) ?? "")
            }
            lua.pop()
            throw FunctionLoadError("Error registering functions: \(message)")
        }
    }

    private func callHookSwitch(_ reference: Int32) {
        lua_rawgeti(lua.state, apus_lua_registryindex(), reference)
        lua_pcall(lua.state, 0, 0, 0)
    }

    /// Frees the library's functions in the interpreter.
    func release(_ library: FunctionLibrary) {
        for function in library.functions { luaL_unref(lua.state, apus_lua_registryindex(), function.reference) }
        library.functions.removeAll()
    }

    /// luaEngineCall's stack: the error handler, the function, and its KEYS and ARGV tables.
    func pushCall(_ function: LibraryFunction, _ c: Client, keys: Range<Int>, arguments: Range<Int>) {
        let L = lua.state
        lua_rawgeti(L, apus_lua_registryindex(), errorHandler)
        lua_rawgeti(L, apus_lua_registryindex(), function.reference)
        pushArgumentArray(L, c, keys)
        pushArgumentArray(L, c, arguments)
    }

    static func from(_ L: LuaStatePointer) -> FunctionInterpreter {
        Unmanaged<FunctionInterpreter>.fromOpaque(apus_lua_context(L)!).takeUnretainedValue()
    }
}

/// For the load hook: whether the running load is past its deadline.
private func luaLoadTimedOut(_ L: LuaStatePointer?) -> Int32 {
    let deadline = FunctionInterpreter.from(L!).loadDeadline
    lua_pushboolean(L, deadline > 0 && apus_monotonic_us() > deadline ? 1 : 0)
    return 1
}
