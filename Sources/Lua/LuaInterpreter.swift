import CLua

// One Lua 5.1 interpreter (Debian's liblua5.1, as Redis embeds Lua 5.1) with the libraries Redis
// opens for scripts: base, table, string, math, debug, cjson (as a global: Debian's luaopen_cjson
// does not set it, apus_lua_open_standard does), bit, struct and cmsgpack. Everything Redis-specific
// (the `redis` table, the sandbox, the command bridge) is installed by the server's scripting
// layer; this type only owns the state and wraps the stack operations Swift needs.

public typealias LuaStatePointer = OpaquePointer
public typealias LuaSwiftFunction = @convention(c) (LuaStatePointer?) -> Int32

public final class LuaInterpreter {
    public let state: LuaStatePointer
    /// The server's busy-script check is in this interpreter's registry (set once, armed per run).
    public var interruptRegistered = false

    public init() {
        state = luaL_newstate()!
        apus_lua_open_standard(state)
        openStruct(state); openMessagePack(state)
    }

    deinit { lua_close(state) }

    /// Makes the globals and every table reachable from them readonly, and reading a missing
    /// global an error (what Redis 7.0 does to the EVAL interpreter once it is set up).
    public func lockGlobals() { apus_lua_lock(state) }

    /// Pushes the globals table itself (writable by the server even once locked).
    public func pushGlobals() { apus_lua_push_real_globals(state) }

    /// Bytes the interpreter has allocated, in whole KB as Redis reports it (used_memory_lua,
    /// used_memory_vm_eval).
    public var memoryBytes: Int { Int(lua_gc(state, LUA_GCCOUNT, 0)) * 1024 }

    public var top: Int32 { lua_gettop(state) }
    public func setTop(_ index: Int32) { lua_settop(state, index) }
    public func pop(_ count: Int32 = 1) { apus_lua_pop(state, count) }

    public func pushString(_ bytes: UnsafeRawBufferPointer) {
        lua_pushlstring(state, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    public func pushString(_ text: String) {
        var text = text
        text.withUTF8 { pushString(UnsafeRawBufferPointer($0)) }
    }

    public func pushFunction(_ function: LuaSwiftFunction, context: UnsafeMutableRawPointer) {
        apus_lua_push_function_with_context(state, function, context)
    }

    /// Sets `t[name] = value` for the table at `tableIndex` (relative indexes allowed) and the
    /// value on top, without metamethods.
    public func rawSetField(_ tableIndex: Int32, _ name: String) {
        let absolute = tableIndex < 0 ? top + tableIndex + 1 : tableIndex
        pushString(name)
        lua_insert(state, -2)
        lua_rawset(state, absolute)
    }

    /// The string at `index` (numbers converted in place, as Lua does), nil for other types.
    public func bytes(at index: Int32) -> UnsafeRawBufferPointer? {
        var length = 0
        guard let pointer = apus_lua_tostring(state, index, &length) else { return nil }
        return UnsafeRawBufferPointer(start: pointer, count: length)
    }

    public func string(at index: Int32) -> String? {
        bytes(at: index).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Runs Lua source text in the global environment (set-up code); nil or the error text.
    @discardableResult
    public func run(_ source: String, name: String) -> String? {
        var source = source
        let status = source.withUTF8 { bytes in
            luaL_loadbuffer(state, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), bytes.count, name)
        }
        if status != 0 || lua_pcall(state, 0, 0, 0) != 0 {
            let error = string(at: -1) ?? "?"
            pop()
            return error
        }
        return nil
    }
}
