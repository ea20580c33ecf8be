import CLua
import Lua
import RESP

// luaReplyToRedisReply (script_lua.c, Redis 7.0): the value a script returns, as the caller's
// reply in the caller's protocol. string → bulk, number → integer (truncated), true → 1 (or
// RESP3 true after redis.setresp(3)), false/nil → null, {err=...} → error, {ok=...} → status,
// {double=...}, {big_number=...}, {map=...}, {set=...}, {verbatim_string=...} in RESP3 terms,
// any other table → array of its 1..n elements up to the first nil.

enum LuaToReply {
    static func write(_ L: LuaStatePointer, _ reply: ReplyBuffer, scriptResp: Int, caller: Client) {
        // A map needs four slots; past Lua's C stack limit (deep nesting) the value becomes an
        // error in place, and the rest of the reply goes on.
        if lua_checkstack(L, 4) == 0 {
            caller.error("ERR reached lua stack limit")
            lua_settop(L, -2)
            return
        }
        switch lua_type(L, -1) {
        case LUA_TSTRING:
            var length = 0
            let pointer = apus_lua_tostring(L, -1, &length)
            reply.bulk(UnsafeRawBufferPointer(start: pointer, count: length))
        case LUA_TBOOLEAN:
            let value = lua_toboolean(L, -1) != 0
            if scriptResp == 2 {
                if value { reply.integer(1) } else { reply.nullBulk() }
            } else {
                reply.boolean(value)
            }
        case LUA_TNUMBER:
            reply.integer(Int64(clampingDouble: lua_tonumber(L, -1)))
        case LUA_TTABLE:
            writeTable(L, reply, scriptResp: scriptResp, caller: caller)
        default:
            reply.nullBulk()
        }
        lua_settop(L, -2)
    }

    private static func field(_ L: LuaStatePointer, _ name: String) -> Int32 {
        pushLuaString(L, name)
        lua_rawget(L, -2)
        return lua_type(L, -1)
    }

    private static func writeTable(_ L: LuaStatePointer, _ reply: ReplyBuffer, scriptResp: Int, caller: Client) {
        if field(L, "err") == LUA_TSTRING {
            let text = luaBytes(L, -1) ?? []
            lua_settop(L, -2)
            pushLuaString(L, "ignore_error_stats_update")
            lua_rawget(L, -2)
            let counted = lua_toboolean(L, -1) != 0
            lua_settop(L, -2)
            caller.scriptError(text, alreadyCounted: counted)
            return
        }
        lua_settop(L, -2)
        if field(L, "ok") == LUA_TSTRING {
            let text = lineBytes(L)
            lua_settop(L, -2)
            text.withUnsafeBytes { reply.simple($0) }
            return
        }
        lua_settop(L, -2)
        if field(L, "double") == LUA_TNUMBER {
            let value = lua_tonumber(L, -1)
            lua_settop(L, -2)
            reply.double(value)
            return
        }
        lua_settop(L, -2)
        if field(L, "big_number") == LUA_TSTRING {
            let text = lineBytes(L)
            lua_settop(L, -2)
            reply.bigNumber(String(decoding: text, as: UTF8.self))
            return
        }
        lua_settop(L, -2)
        if field(L, "map") == LUA_TTABLE {
            reply.mapHeader(pairCount(L))
            lua_pushnil(L)
            while lua_next(L, -2) != 0 {
                // The key stays for lua_next; a copy of it goes out, then the value.
                lua_pushvalue(L, -2)
                write(L, reply, scriptResp: scriptResp, caller: caller)
                write(L, reply, scriptResp: scriptResp, caller: caller)
            }
            lua_settop(L, -2)
            return
        }
        lua_settop(L, -2)
        if field(L, "set") == LUA_TTABLE {
            reply.setHeader(pairCount(L))
            lua_pushnil(L)
            while lua_next(L, -2) != 0 {
                lua_settop(L, -2)
                lua_pushvalue(L, -1)
                write(L, reply, scriptResp: scriptResp, caller: caller)
            }
            lua_settop(L, -2)
            return
        }
        lua_settop(L, -2)
        if field(L, "verbatim_string") == LUA_TTABLE {
            if field(L, "format") == LUA_TSTRING {
                // addReplyVerbatim takes the format's first three bytes, whatever its length.
                var format = [UInt8](repeating: 0, count: 3)
                var length = 0
                if let pointer = apus_lua_tostring(L, -1, &length) {
                    for index in 0..<min(3, length) { format[index] = UInt8(bitPattern: pointer[index]) }
                }
                lua_settop(L, -2)
                if field(L, "string") == LUA_TSTRING {
                    let text = luaString(L, -1) ?? ""
                    lua_settop(L, -3)
                    reply.verbatim(text, formatText: String(decoding: format, as: UTF8.self))
                    return
                }
            }
            lua_settop(L, -2)
        }
        lua_settop(L, -2)
        var count: Int32 = 0
        while true {
            lua_rawgeti(L, -1, count + 1)
            let isNil = lua_type(L, -1) == LUA_TNIL
            lua_settop(L, -2)
            if isNil { break }
            count += 1
        }
        reply.arrayHeader(Int(count))
        for index in 0..<count {
            lua_rawgeti(L, -1, index + 1)
            write(L, reply, scriptResp: scriptResp, caller: caller)
        }
    }

    /// The string on top with CR and LF as spaces, for a one-line reply (as Redis does).
    private static func lineBytes(_ L: LuaStatePointer) -> [UInt8] {
        var length = 0
        guard let pointer = apus_lua_tostring(L, -1, &length) else { return [] }
        return UnsafeRawBufferPointer(start: pointer, count: length).map { $0 == 13 || $0 == 10 ? 32 : $0 }
    }

    /// The number of key/value pairs of the table on top.
    private static func pairCount(_ L: LuaStatePointer) -> Int {
        var count = 0
        lua_pushnil(L)
        while lua_next(L, -2) != 0 {
            lua_settop(L, -2)
            count += 1
        }
        return count
    }
}

extension Int64 {
    /// (long long) of a double, saturating instead of trapping.
    init(clampingDouble value: Double) {
        if value.isNaN { self = Int64.min }
        else if value >= 9.2233720368547758e18 { self = Int64.min }
        else if value <= -9.2233720368547758e18 { self = Int64.min }
        else { self = Int64(value) }
    }
}

extension Client {
    /// A script's error reply, as raw bytes (CR/LF as spaces, as addReplyErrorFormat). An error a
    /// script's command already counted is not counted again, but the call still fails
    /// (afterErrorReply's ERR_REPLY_FLAG_NO_STATS_UPDATE).
    func scriptError(_ text: [UInt8], alreadyCounted: Bool) {
        commandFailed = true
        if !alreadyCounted { server.stats.recordError(String(decoding: text.prefix(while: { $0 != 32 }), as: UTF8.self)) }
        reply.append(byte: UInt8(ascii: "-"))
        for byte in text { reply.append(byte: byte == 13 || byte == 10 ? 32 : byte) }
        reply.appendCRLF()
    }
}
