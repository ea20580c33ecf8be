import CLua
import Lua

// What makes a table read-only in the functions' interpreter (Redis 7.0 patches Lua for it;
// stock Lua 5.1 has no such tables): the metamethods of the proxies, as C functions whose errors
// carry the caller's position, and the base functions that would reach past a proxy (rawset,
// setmetatable) or see only its empty front (pairs, next, rawget), with luaB_*'s own errors.

/// Whether the table at `index` is one of the read-only ones (its metatable's __newindex is
/// luaReadonlyTableError).
func isReadonlyTable(_ L: LuaStatePointer, _ index: Int32) -> Bool {
    guard lua_getmetatable(L, index) != 0 else { return false }
    defer { apus_lua_pop(L, 1) }
    pushLuaString(L, "__newindex")
    lua_rawget(L, -2)
    defer { apus_lua_pop(L, 1) }
    guard lua_type(L, -1) == LUA_TFUNCTION, lua_getupvalue(L, -1, 1) != nil else { return false }
    defer { apus_lua_pop(L, 1) }
    return lua_touserdata(L, -1) == unsafeBitCast(luaReadonlyTableError as LuaSwiftFunction, to: UnsafeMutableRawPointer.self)
}

/// luaL_where(L, 1): "<source>:<line>: " of the code that called the running C function.
func luaCallerPosition(_ L: LuaStatePointer) -> String {
    luaL_where(L, 1)
    defer { apus_lua_pop(L, 1) }
    return luaString(L, -1) ?? ""
}

/// rawset, refusing the read-only tables as Redis's patched lua_rawset does (its error has no
/// position: it is raised from C).
func luaGuardedRawset(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    let argc = lua_gettop(L)
    if lua_type(L, 1) != LUA_TTABLE {
        let got = argc >= 1 ? String(cString: lua_typename(L, lua_type(L, 1))) : "no value"
        return raiseLuaText(L, luaCallerPosition(L) + "bad argument #1 to 'rawset' (table expected, got \(got))")
    }
    if argc < 3 {
        return raiseLuaText(L, luaCallerPosition(L) + "bad argument #\(argc + 1) to 'rawset' (value expected)")
    }
    if isReadonlyTable(L, 1) { return raiseLuaText(L, "Attempt to modify a readonly table") }
    lua_settop(L, 3)
    if lua_type(L, 2) == LUA_TNIL { return raiseLuaText(L, "table index is nil") }
    if lua_type(L, 2) == LUA_TNUMBER && lua_tonumber(L, 2).isNaN { return raiseLuaText(L, "table index is NaN") }
    lua_rawset(L, 1)
    return 1
}

/// pairs (luaB_pairs) that walks a read-only proxy's table, so `pairs(string)` lists the string
/// library as in Redis. The iteration state stays the proxy: the table behind it is never handed
/// to code.
func luaPairsThroughProxies(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    if lua_type(L, 1) != LUA_TTABLE {
        let got = lua_gettop(L) >= 1 ? String(cString: lua_typename(L, lua_type(L, 1))) : "no value"
        return raiseLuaText(L, luaCallerPosition(L) + "bad argument #1 to 'pairs' (table expected, got \(got))")
    }
    apus_lua_push_function(L, luaNextThroughProxies)
    lua_pushvalue(L, 1)
    lua_pushnil(L)
    return 3
}

/// The stack index of the table behind the read-only proxy at `index` (pushed), or `index`.
func tableBehindProxy(_ L: LuaStatePointer, _ index: Int32) -> Int32 {
    guard isReadonlyTable(L, index), lua_getmetatable(L, index) != 0 else { return index }
    pushLuaString(L, "__index")
    lua_rawget(L, -2)
    lua_remove(L, -2)
    if lua_type(L, -1) == LUA_TTABLE { return lua_gettop(L) }
    apus_lua_pop(L, 1)
    return index
}

/// rawget (luaB_rawget) reading through a read-only proxy.
func luaRawgetThroughProxies(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    if lua_type(L, 1) != LUA_TTABLE {
        let got = lua_gettop(L) >= 1 ? String(cString: lua_typename(L, lua_type(L, 1))) : "no value"
        return raiseLuaText(L, luaCallerPosition(L) + "bad argument #1 to 'rawget' (table expected, got \(got))")
    }
    if lua_gettop(L) < 2 { return raiseLuaText(L, luaCallerPosition(L) + "bad argument #2 to 'rawget' (value expected)") }
    lua_settop(L, 2)
    let table = tableBehindProxy(L, 1)
    lua_pushvalue(L, 2)
    lua_rawget(L, table)
    return 1
}

/// next (luaB_next) over the proxy's table (or the table itself); an unknown key is an error,
/// as in next.
func luaNextThroughProxies(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    if lua_type(L, 1) != LUA_TTABLE {
        let got = lua_gettop(L) >= 1 ? String(cString: lua_typename(L, lua_type(L, 1))) : "no value"
        return raiseLuaText(L, luaCallerPosition(L) + "bad argument #1 to 'next' (table expected, got \(got))")
    }
    lua_settop(L, 2)
    let table = tableBehindProxy(L, 1)
    if lua_type(L, 2) != LUA_TNIL {
        lua_pushvalue(L, 2)
        lua_rawget(L, table)
        let known = lua_type(L, -1) != LUA_TNIL
        apus_lua_pop(L, 1)
        if !known { return raiseLuaText(L, "invalid key to 'next'") }
    }
    lua_pushvalue(L, 2)
    if lua_next(L, table) == 0 {
        lua_pushnil(L)
        return 1
    }
    return 2
}

/// setmetatable (luaB_setmetatable), refusing the read-only tables as Redis does.
func luaGuardedSetmetatable(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    if lua_type(L, 1) != LUA_TTABLE {
        let got = lua_gettop(L) >= 1 ? String(cString: lua_typename(L, lua_type(L, 1))) : "no value"
        return raiseLuaText(L, luaCallerPosition(L) + "bad argument #1 to 'setmetatable' (table expected, got \(got))")
    }
    let type = lua_type(L, 2)
    if type != LUA_TNIL && type != LUA_TTABLE {
        return raiseLuaText(L, luaCallerPosition(L) + "bad argument #2 to 'setmetatable' (nil or table expected)")
    }
    if isReadonlyTable(L, 1) { return raiseLuaText(L, "Attempt to modify a readonly table") }
    if lua_getmetatable(L, 1) != 0 {
        pushLuaString(L, "__metatable")
        lua_rawget(L, -2)
        let protected = lua_type(L, -1) != LUA_TNIL
        apus_lua_pop(L, 2)
        if protected { return raiseLuaText(L, luaCallerPosition(L) + "cannot change a protected metatable") }
    }
    lua_settop(L, 2)
    lua_setmetatable(L, 1)
    return 1
}

/// __newindex of a read-only table (Redis's patched Lua raises this in the VM).
func luaReadonlyTableError(_ L: LuaStatePointer?) -> Int32 {
    raiseLuaText(L!, luaCallerPosition(L!) + "Attempt to modify a readonly table")
}

/// luaProtectedTableError.
func luaNonexistentGlobalError(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    if lua_gettop(L) != 2 {
        return raiseLuaText(L, luaCallerPosition(L) + "Wrong number of arguments to luaProtectedTableError")
    }
    let type = lua_type(L, 2)
    if type != LUA_TSTRING && type != LUA_TNUMBER {
        return raiseLuaText(L, luaCallerPosition(L) + "Second argument to luaProtectedTableError must be a string or number")
    }
    lua_pushvalue(L, 2)
    let name = luaString(L, -1) ?? ""
    apus_lua_pop(L, 1)
    return raiseLuaText(L, luaCallerPosition(L) + "Script attempted to access nonexistent global variable '\(name)'")
}
