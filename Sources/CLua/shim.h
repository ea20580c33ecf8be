// Debian's Lua 5.1 (liblua5.1-0-dev), with the cjson and bit modules (lua-cjson-dev,
// lua-bitop-dev): what Redis embeds. Lua's API macros are functions here so Swift can call them,
// and Swift functions are called from Lua through a C trampoline, so that a Lua error raised on
// their behalf (lua_error's longjmp) never crosses a Swift frame.
#ifndef APUS_CLUA_SHIM_H
#define APUS_CLUA_SHIM_H

#include <lua5.1/lua.h>
#include <lua5.1/lauxlib.h>
#include <lua5.1/lualib.h>
#include <lua5.1/lua-cjson.h>
#include <lua5.1/lua-bitop.h>

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
    apus_lua_open(L, luaopen_cjson, "cjson");
    apus_lua_open(L, luaopen_bit, "bit");
}

/// Sets (or clears, with 0) a hook called every `count` instructions, for the busy-script check.
static inline void apus_lua_set_count_hook(lua_State *L, lua_Hook hook, int count) {
    lua_sethook(L, count > 0 ? hook : NULL, count > 0 ? LUA_MASKCOUNT : 0, count);
}

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

/// Installs the busy-script check, called every `count` instructions; `context` is kept in the
/// registry under "apus_engine" for it. A count of 0 removes it.
static inline void apus_lua_set_interrupt(lua_State *L, apus_lua_swift_function check, void *context, int count) {
    if (count <= 0) {
        lua_sethook(L, NULL, 0, 0);
        return;
    }
    lua_pushlightuserdata(L, (void *)check);
    lua_setfield(L, LUA_REGISTRYINDEX, "apus_interrupt");
    lua_pushlightuserdata(L, context);
    lua_setfield(L, LUA_REGISTRYINDEX, "apus_engine");
    lua_sethook(L, apus_lua_interrupt_hook, LUA_MASKCOUNT, count);
}

static inline void *apus_lua_registry_engine(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, "apus_engine");
    void *context = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return context;
}

#endif
