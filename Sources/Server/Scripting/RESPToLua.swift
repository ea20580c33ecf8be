import CLua
import Lua

// redisProtocolToLuaType (script_lua.c, Redis 7.0): a command's reply, as RESP bytes, into the
// Lua value a script sees. RESP2: integer → number, bulk → string, null → false, status →
// {ok=...}, error → {err=...}, array → table. RESP3 (after redis.setresp(3)): map → {map={...}},
// set → {set={member=true}}, null → nil, double → {double=n}, boolean → boolean, big number →
// {big_number="..."}, verbatim → {verbatim_string={format=..., string=...}}; attributes skipped.

enum RESPToLua {
    static func push(_ L: LuaStatePointer, _ bytes: UnsafeRawBufferPointer, _ position: inout Int) {
        guard position < bytes.count else {
            lua_pushnil(L)
            return
        }
        lua_checkstack(L, 5)
        let type = bytes[position]
        position += 1
        let line = readLine(bytes, &position)
        switch type {
        case UInt8(ascii: ":"):
            lua_pushnumber(L, Double(integer(line)))
        case UInt8(ascii: "$"):
            let length = Int(integer(line))
            if length < 0 {
                lua_pushboolean(L, 0)
                return
            }
            pushBytes(L, UnsafeRawBufferPointer(rebasing: bytes[position..<position + length]))
            position += length + 2
        case UInt8(ascii: "+"):
            table(L, "ok") { pushBytes(L, line) }
        case UInt8(ascii: "-"):
            table(L, "err") { pushBytes(L, line) }
        case UInt8(ascii: "*"), UInt8(ascii: ">"):
            let count = Int(integer(line))
            if count < 0 {
                lua_pushboolean(L, 0)
                return
            }
            apus_lua_newtable(L)
            for index in 0..<count {
                push(L, bytes, &position)
                lua_rawseti(L, -2, Int32(index + 1))
            }
        case UInt8(ascii: "%"):
            let count = Int(integer(line))
            table(L, "map") {
                apus_lua_newtable(L)
                for _ in 0..<count {
                    push(L, bytes, &position)
                    push(L, bytes, &position)
                    lua_rawset(L, -3)
                }
            }
        case UInt8(ascii: "~"):
            let count = Int(integer(line))
            table(L, "set") {
                apus_lua_newtable(L)
                for _ in 0..<count {
                    push(L, bytes, &position)
                    lua_pushboolean(L, 1)
                    lua_rawset(L, -3)
                }
            }
        case UInt8(ascii: "_"):
            lua_pushnil(L)
        case UInt8(ascii: "#"):
            lua_pushboolean(L, line.first == UInt8(ascii: "t") ? 1 : 0)
        case UInt8(ascii: ","):
            let text = String(decoding: line, as: UTF8.self)
            let value: Double = text == "inf" ? .infinity : (text == "-inf" ? -.infinity : (Double(text) ?? .nan))
            table(L, "double") { lua_pushnumber(L, value) }
        case UInt8(ascii: "("):
            table(L, "big_number") { pushBytes(L, line) }
        case UInt8(ascii: "="):
            let length = Int(integer(line))
            let body = UnsafeRawBufferPointer(rebasing: bytes[position..<position + length])
            position += length + 2
            table(L, "verbatim_string") {
                apus_lua_newtable(L)
                pushLuaString(L, "format")
                pushBytes(L, UnsafeRawBufferPointer(rebasing: body.prefix(3)))
                lua_rawset(L, -3)
                pushLuaString(L, "string")
                pushBytes(L, UnsafeRawBufferPointer(rebasing: body.dropFirst(min(4, body.count))))
                lua_rawset(L, -3)
            }
        case UInt8(ascii: "|"):
            // An attribute map before the value: skipped.
            let count = Int(integer(line))
            for _ in 0..<(2 * count) {
                push(L, bytes, &position)
                lua_settop(L, -2)
            }
            push(L, bytes, &position)
        default:
            lua_pushnil(L)
        }
    }

    /// A one-field table {name = value}, with the value pushed by `body`.
    private static func table(_ L: LuaStatePointer, _ name: String, _ body: () -> Void) {
        apus_lua_newtable(L)
        pushLuaString(L, name)
        body()
        lua_rawset(L, -3)
    }

    private static func pushBytes(_ L: LuaStatePointer, _ bytes: UnsafeRawBufferPointer) {
        lua_pushlstring(L, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    private static func readLine(_ bytes: UnsafeRawBufferPointer, _ position: inout Int) -> UnsafeRawBufferPointer {
        let start = position
        while position + 1 < bytes.count && !(bytes[position] == 13 && bytes[position + 1] == 10) { position += 1 }
        let line = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        position += 2
        return line
    }

    private static func integer(_ line: UnsafeRawBufferPointer) -> Int64 {
        var value: Int64 = 0
        var negative = false
        for (index, byte) in line.enumerated() {
            if index == 0 && byte == UInt8(ascii: "-") { negative = true; continue }
            value = value &* 10 &+ Int64(byte &- 48)
        }
        return negative ? -value : value
    }
}
