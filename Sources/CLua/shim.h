// Debian's Lua 5.1 (liblua5.1-0-dev), with the cjson and bit modules (lua-cjson-dev,
// lua-bitop-dev): what Redis embeds. Lua's API macros are functions here so Swift can call them,
// and Swift functions are called from Lua through a C trampoline, so that a Lua error raised on
// their behalf (lua_error's longjmp) never crosses a Swift frame.
#ifndef APUS_CLUA_SHIM_H
#define APUS_CLUA_SHIM_H

#include <math.h>
#include <stdint.h>
#include <lua5.1/lua.h>
#include <lua5.1/lauxlib.h>
#include <lua5.1/lualib.h>
#include <lua5.1/lua-cjson.h>
#include <lua5.1/lua-bitop.h>
#include "readonly_tables.h"

/// A function written in Swift, called from Lua. It returns how many results it pushed, or -1
/// to raise the value on top of the stack as an error (done by the trampoline, in C).
typedef int (*apus_lua_swift_function)(lua_State *L);

static int apus_lua_trampoline(lua_State *L) {
    apus_lua_swift_function function = (apus_lua_swift_function)lua_touserdata(L, lua_upvalueindex(1));
    int results = function(L);
    if (results < 0) return lua_error(L);
    return results;
}

static inline void apus_lua_push_function(lua_State *L, apus_lua_swift_function function) {
    lua_pushlightuserdata(L, (void *)function);
    lua_pushcclosure(L, apus_lua_trampoline, 1);
}

/// The same, with a context pointer the function reads back with apus_lua_context (the
/// scripting engine, so callbacks need no global).
static inline void apus_lua_push_function_with_context(lua_State *L, apus_lua_swift_function function, void *context) {
    lua_pushlightuserdata(L, (void *)function);
    lua_pushlightuserdata(L, context);
    lua_pushcclosure(L, apus_lua_trampoline, 2);
}

static inline void *apus_lua_context(lua_State *L) { return lua_touserdata(L, lua_upvalueindex(2)); }

static inline void apus_lua_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void apus_lua_newtable(lua_State *L) { lua_newtable(L); }
static inline int apus_lua_isnil(lua_State *L, int i) { return lua_isnil(L, i); }
static inline int apus_lua_istable(lua_State *L, int i) { return lua_istable(L, i); }
static inline int apus_lua_isfunction(lua_State *L, int i) { return lua_isfunction(L, i); }
static inline int apus_lua_isboolean(lua_State *L, int i) { return lua_isboolean(L, i); }
static inline const char *apus_lua_tostring(lua_State *L, int i, size_t *len) { return lua_tolstring(L, i, len); }
static inline void apus_lua_getglobal(lua_State *L, const char *name) { lua_getfield(L, LUA_GLOBALSINDEX, name); }
static inline void apus_lua_setglobal(lua_State *L, const char *name) { lua_setfield(L, LUA_GLOBALSINDEX, name); }
static inline int apus_lua_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int apus_lua_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int apus_lua_globalsindex(void) { return LUA_GLOBALSINDEX; }

/// Opens a library the way luaL_openlibs does for each: call its luaopen_ function.
static inline void apus_lua_open(lua_State *L, lua_CFunction open, const char *name) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

static inline void apus_lua_open_standard(lua_State *L) {
    apus_lua_open(L, luaopen_base, "");
    apus_lua_open(L, luaopen_table, LUA_TABLIBNAME);
    apus_lua_open(L, luaopen_string, LUA_STRLIBNAME);
    apus_lua_open(L, luaopen_math, LUA_MATHLIBNAME);
    apus_lua_open(L, luaopen_debug, LUA_DBLIBNAME);
    /* Debian's luaopen_cjson returns the module without setting the global Redis scripts use. */
    lua_pushcfunction(L, luaopen_cjson);
    lua_pushstring(L, "cjson");
    lua_call(L, 1, 1);
    lua_setfield(L, LUA_GLOBALSINDEX, "cjson");
    apus_lua_open(L, luaopen_bit, "bit");
}

/// Sets (or clears, with 0) a hook called every `count` instructions, for the busy-script check.
static inline void apus_lua_set_count_hook(lua_State *L, lua_Hook hook, int count) {
    lua_sethook(L, count > 0 ? hook : NULL, count > 0 ? LUA_MASKCOUNT : 0, count);
}

/// Redis's math.random and math.randomseed (its patched lmathlib.c on rand.c's rand48), with
/// the 48-bit state behind the upvalue: the same sequence as Redis from the same state.
static int32_t apus_rand48_next(uint64_t *x) {
    *x = (*x * 0x5DEECE66DULL + 0xB) & 0xFFFFFFFFFFFFULL;
    return (int32_t)(*x >> 17);
}

static int apus_lua_math_random(lua_State *L) {
    uint64_t *state = (uint64_t *)lua_touserdata(L, lua_upvalueindex(1));
    lua_Number r = (lua_Number)(apus_rand48_next(state) % 2147483647) / (lua_Number)2147483647;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        break;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
    }
    case 2: {
        int l = luaL_checkint(L, 1);
        int u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int apus_lua_math_randomseed(lua_State *L) {
    uint64_t *state = (uint64_t *)lua_touserdata(L, lua_upvalueindex(1));
    int32_t seed = (int32_t)luaL_checkint(L, 1);
    *state = (((uint64_t)(uint32_t)seed) << 16 | 0x330E) & 0xFFFFFFFFFFFFULL;
    return 0;
}

/// Sets math.random and math.randomseed on the rand48 state at `state`.
static inline void apus_lua_install_random(lua_State *L, uint64_t *state) {
    lua_getfield(L, LUA_GLOBALSINDEX, "math");
    lua_pushlightuserdata(L, state);
    lua_pushcclosure(L, apus_lua_math_random, 1);
    lua_setfield(L, -2, "random");
    lua_pushlightuserdata(L, state);
    lua_pushcclosure(L, apus_lua_math_randomseed, 1);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
}

/// Redis 7.0's pcall (luaRedisPcall): an error table, as redis.call raises, comes back as its
/// `err` string, the message scripts written for Redis 6 expect; other errors as Lua's pcall.
static int apus_lua_redis_pcall(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc == 0) {
        /* Redis's wrapper then calls the placeholder it pushed. */
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "attempt to call a boolean value");
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
        lua_remove(L, 1);
        if (lua_istable(L, -1)) {
            lua_pushliteral(L, "err");
            lua_rawget(L, -2);
            if (lua_isstring(L, -1)) lua_replace(L, -2);
            else lua_pop(L, 1);
        }
        lua_pushboolean(L, 0);
        lua_insert(L, 1);
    }
    return lua_gettop(L);
}

static inline void apus_lua_install_pcall(lua_State *L) {
    lua_pushcfunction(L, apus_lua_redis_pcall);
    lua_setfield(L, LUA_GLOBALSINDEX, "pcall");
}

static inline void apus_lua_push_real_globals(lua_State *L) { apus_lua_push_globals(L); }
static inline void apus_lua_lock(lua_State *L) { apus_lua_lock_globals(L); }

/// The busy-script hook (luaMaskCountHook): asks the Swift check stored in the registry under
/// "apus_interrupt"; when it returns -1 (the script was killed) it raises the error the check
/// pushed, here in C, and keeps firing on every line so a pcall cannot swallow the kill.
static void apus_lua_interrupt_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    lua_getfield(L, LUA_REGISTRYINDEX, "apus_interrupt");
    apus_lua_swift_function check = (apus_lua_swift_function)lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (check == NULL) return;
    if (check(L) < 0) {
        lua_sethook(L, apus_lua_interrupt_hook, LUA_MASKLINE, 0);
        lua_error(L);
    }
}

/// Stores the busy-script check and its `context` in the registry ("apus_interrupt",
/// "apus_engine"), once per interpreter: both stay the same for its life.
static inline void apus_lua_register_interrupt(lua_State *L, apus_lua_swift_function check, void *context) {
    lua_pushlightuserdata(L, (void *)check);
    lua_setfield(L, LUA_REGISTRYINDEX, "apus_interrupt");
    lua_pushlightuserdata(L, context);
    lua_setfield(L, LUA_REGISTRYINDEX, "apus_engine");
}

/// Arms the registered check every `count` instructions (a run's start); 0 disarms it.
static inline void apus_lua_arm_interrupt(lua_State *L, int count) {
    if (count <= 0) lua_sethook(L, NULL, 0, 0);
    else lua_sethook(L, apus_lua_interrupt_hook, LUA_MASKCOUNT, count);
}

static inline void *apus_lua_registry_engine(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, "apus_engine");
    void *context = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return context;
}

#endif
