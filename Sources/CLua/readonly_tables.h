// Readonly tables on stock Lua 5.1. Redis 7.0 patches its Lua so a table can be marked readonly
// (lua_enablereadonlytable) and locks the globals and every table reachable from them; Debian's
// liblua5.1 has no such flag, so here a locked table is an empty proxy whose metatable reads
// from the real table (__index, a table: no C call on reads) and refuses writes (__newindex).
// The base functions that would see through a proxy or write past __newindex (next, pairs,
// ipairs, rawget, rawset, getmetatable, setmetatable, table.insert) are replaced by versions that
// resolve proxies, with the same argument checks as the originals, so errors read the same.
// Everything here is C: these functions raise Lua errors, which must not cross Swift frames.
#ifndef APUS_CLUA_READONLY_TABLES_H
#define APUS_CLUA_READONLY_TABLES_H

#include <lua5.1/lua.h>
#include <lua5.1/lauxlib.h>

/// Registry keys (strings, not addresses: each Swift module gets its own copy of a header's
/// statics): proxy -> real table, real table -> proxy, and the real globals.
#define APUS_LUA_PROXIES "apus.readonly.proxies"
#define APUS_LUA_LOCKED "apus.readonly.locked"
#define APUS_LUA_REAL_GLOBALS "apus.readonly.globals"

/// The real table behind the proxy at `index`, pushed; or nothing pushed and 0.
static int apus_lua_push_real(lua_State *L, int index) {
    if (lua_type(L, index) != LUA_TTABLE) return 0;
    lua_pushliteral(L, APUS_LUA_PROXIES);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (!lua_istable(L, -1)) { lua_pop(L, 1); return 0; }
    lua_pushvalue(L, index);
    lua_rawget(L, -2);
    lua_remove(L, -2);
    if (lua_isnil(L, -1)) { lua_pop(L, 1); return 0; }
    return 1;
}

static int apus_lua_is_readonly(lua_State *L, int index) {
    if (!apus_lua_push_real(L, index)) return 0;
    lua_pop(L, 1);
    return 1;
}

/// Replaces the proxy at `index` (absolute) by its real table, for reading.
static void apus_lua_resolve(lua_State *L, int index) {
    if (apus_lua_push_real(L, index)) lua_replace(L, index);
}

/// A write from the script's code: the error carries the script's position (luaG_runerror in a
/// Lua frame, as Redis's VM raises it).
static int apus_lua_readonly_newindex(lua_State *L) {
    return luaL_error(L, "Attempt to modify a readonly table");
}

/// A write through a C function (rawset, setmetatable, table.insert): no position, as Redis's
/// lapi.c raises it from inside the C function.
static int apus_lua_readonly_error(lua_State *L) {
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
}

static int apus_lua_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    apus_lua_resolve(L, 1);
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

static int apus_lua_pairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    apus_lua_resolve(L, lua_gettop(L));
    lua_pushnil(L);
    return 3;
}

static int apus_lua_ipairs_step(lua_State *L) {
    int i = luaL_checkint(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    i++;
    lua_pushinteger(L, i);
    lua_rawgeti(L, 1, i);
    return lua_isnil(L, -1) ? 0 : 2;
}

static int apus_lua_ipairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    apus_lua_resolve(L, lua_gettop(L));
    lua_pushinteger(L, 0);
    return 3;
}

static int apus_lua_rawget(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    apus_lua_resolve(L, 1);
    lua_settop(L, 2);
    lua_rawget(L, 1);
    return 1;
}

static int apus_lua_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (apus_lua_is_readonly(L, 1)) return apus_lua_readonly_error(L);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

static int apus_lua_getmetatable(lua_State *L) {
    luaL_checkany(L, 1);
    apus_lua_resolve(L, 1);
    if (!lua_getmetatable(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    if (!luaL_getmetafield(L, 1, "__metatable")) {
        /* A locked metatable is handed out as its proxy, so code can read it, not change it. */
        lua_pushliteral(L, APUS_LUA_LOCKED);
        lua_rawget(L, LUA_REGISTRYINDEX);
        if (lua_istable(L, -1)) {
            lua_pushvalue(L, -2);
            lua_rawget(L, -2);
            if (!lua_isnil(L, -1)) return 1;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    return 1;
}

static int apus_lua_setmetatable(lua_State *L) {
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
    if (apus_lua_is_readonly(L, 1)) return apus_lua_readonly_error(L);
    if (luaL_getmetafield(L, 1, "__metatable")) luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/// Lua 5.1's table.insert, refusing a readonly table where it first writes.
static int apus_lua_table_insert(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    int e = (int)lua_objlen(L, 1) + 1;
    int pos;
    int readonly = apus_lua_is_readonly(L, 1);
    switch (lua_gettop(L)) {
    case 2:
        pos = e;
        break;
    case 3: {
        pos = luaL_checkint(L, 2);
        if (pos > e) e = pos;
        for (int i = e; i > pos; i--) {
            if (readonly) return apus_lua_readonly_error(L);
            lua_rawgeti(L, 1, i - 1);
            lua_rawseti(L, 1, i);
        }
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments to " LUA_QL("insert"));
    }
    if (readonly) return apus_lua_readonly_error(L);
    lua_rawseti(L, 1, pos);
    return 0;
}

/// The proxy for the real table on top (replacing it), made once per table; the tables it
/// holds, and its metatable (luaSetTableProtectionRecursively protects metatables too), are
/// locked first and its fields then point at their proxies, so every path from the proxy leads
/// to locked tables. A metatable stays real (Lua reads metamethods raw), and getmetatable hands
/// out its proxy. `visited` (absolute index) maps real tables to their proxies. A proxy on top
/// stays as it is.
static void apus_lua_lock_top(lua_State *L, int visited) {
    lua_checkstack(L, 8);
    int real = lua_gettop(L);
    if (apus_lua_is_readonly(L, real)) return;
    lua_pushvalue(L, real);
    lua_rawget(L, visited);
    if (!lua_isnil(L, -1)) {
        lua_replace(L, real);
        return;
    }
    lua_pop(L, 1);
    lua_newtable(L); /* the proxy */
    int proxy = real + 1;
    lua_pushvalue(L, real);
    lua_pushvalue(L, proxy);
    lua_rawset(L, visited);
    /* Lock the tables it holds; fields change only after lua_next is done with the table. */
    lua_newtable(L); /* key -> proxy, applied after the walk */
    int updates = proxy + 1;
    lua_pushnil(L);
    while (lua_next(L, real)) {
        if (lua_istable(L, -1)) {
            apus_lua_lock_top(L, visited);
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, updates);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_pushnil(L);
    while (lua_next(L, updates)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, real);
    }
    lua_pop(L, 1); /* updates */
    if (lua_getmetatable(L, real)) {
        apus_lua_lock_top(L, visited);
        lua_pop(L, 1);
    }
    lua_newtable(L); /* the proxy's metatable */
    lua_pushvalue(L, real);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, apus_lua_readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, proxy);
    lua_pushliteral(L, APUS_LUA_PROXIES);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, proxy);
    lua_pushvalue(L, real);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_replace(L, real);
}

static int apus_lua_protected_table_error(lua_State *L) {
    if (lua_gettop(L) != 2) return luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
    if (!lua_isstring(L, -1) && !lua_isnumber(L, -1))
        return luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", lua_tostring(L, -1));
}

static void apus_lua_set_base(lua_State *L, const char *name, lua_CFunction function, lua_CFunction upvalue) {
    if (upvalue) {
        lua_pushcfunction(L, upvalue);
        lua_pushcclosure(L, function, 1);
    } else {
        lua_pushcfunction(L, function);
    }
    lua_setfield(L, LUA_GLOBALSINDEX, name);
}

/// The registry's table under `key`, made on first use, pushed.
static void apus_lua_push_registry_table(lua_State *L, const char *key) {
    lua_getfield(L, LUA_REGISTRYINDEX, key);
    if (lua_istable(L, -1)) return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, key);
}

/// luaSetErrorMetatable: reading a missing field of the (real) table at `index` raises.
static void apus_lua_set_error_metatable(lua_State *L, int index) {
    if (index < 0 && index > LUA_REGISTRYINDEX) index = lua_gettop(L) + index + 1;
    lua_newtable(L);
    lua_pushcfunction(L, apus_lua_protected_table_error);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, index);
}

/// luaSetTableProtectionRecursively: the real table on top becomes its proxy, and every table
/// reachable from it is locked.
static void apus_lua_lock_table(lua_State *L) {
    apus_lua_push_registry_table(L, APUS_LUA_PROXIES);
    lua_pop(L, 1);
    apus_lua_push_registry_table(L, APUS_LUA_LOCKED);
    lua_insert(L, -2);
    apus_lua_lock_top(L, lua_gettop(L) - 1);
    lua_remove(L, -2);
}

/// The real globals get the error metatable and are locked with everything reachable from them
/// (strings' metatable too, so strings index the locked string table); their proxy is pushed.
/// The base functions that would see through a proxy become the ones above; the real globals
/// stay in the registry (apus_lua_push_globals) for the server's own writes (KEYS, ARGV).
static void apus_lua_lock_real_globals(lua_State *L) {
    apus_lua_set_base(L, "next", apus_lua_next, NULL);
    apus_lua_set_base(L, "pairs", apus_lua_pairs, apus_lua_next);
    apus_lua_set_base(L, "ipairs", apus_lua_ipairs, apus_lua_ipairs_step);
    apus_lua_set_base(L, "rawget", apus_lua_rawget, NULL);
    apus_lua_set_base(L, "rawset", apus_lua_rawset, NULL);
    apus_lua_set_base(L, "getmetatable", apus_lua_getmetatable, NULL);
    apus_lua_set_base(L, "setmetatable", apus_lua_setmetatable, NULL);
    lua_getfield(L, LUA_GLOBALSINDEX, "table");
    lua_pushcfunction(L, apus_lua_table_insert);
    lua_setfield(L, -2, "insert");
    lua_pop(L, 1);

    lua_pushliteral(L, APUS_LUA_REAL_GLOBALS);
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_rawset(L, LUA_REGISTRYINDEX);
    apus_lua_set_error_metatable(L, LUA_GLOBALSINDEX);
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    apus_lua_lock_table(L);
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        apus_lua_lock_table(L);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/// scriptingInit's lock (luaSetErrorMetatable + luaSetTableProtectionRecursively): reading a
/// missing global raises, and the globals and every table reachable from them become readonly.
/// The globals table of the state becomes the proxy.
static void apus_lua_lock_globals(lua_State *L) {
    apus_lua_lock_real_globals(L);
    lua_replace(L, LUA_GLOBALSINDEX);
}

/// luaEngineInitEngine's lock (function_lua.c). The load-time environment on top (the real
/// table a library's code reaches while it loads, error metatables already set) is locked and
/// replaced by its proxy; the real globals are locked as for EVAL; and the globals code sees
/// become an empty locked table whose locked metatable's __index is the globals' proxy. That
/// metatable, real, is pushed: the server switches its __index to the load-time environment
/// while a library loads (luaEngineCreate), with a raw set.
static void apus_lua_lock_function_globals(lua_State *L) {
    apus_lua_lock_table(L);
    apus_lua_lock_real_globals(L);
    lua_newtable(L); /* the metatable of the globals code sees */
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_newtable(L); /* the globals code sees */
    lua_pushvalue(L, -2);
    lua_setmetatable(L, -2);
    apus_lua_lock_table(L);
    lua_replace(L, LUA_GLOBALSINDEX);
}

/// The real globals table (the one scripts cannot write), pushed.
static inline void apus_lua_push_globals(lua_State *L) {
    lua_pushliteral(L, APUS_LUA_REAL_GLOBALS);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushvalue(L, LUA_GLOBALSINDEX);
    }
}

#endif
