import CLua

// cmsgpack as Redis 7.0 bundles it (lua-cmsgpack 0.4.0): pack(...) concatenates one encoding
// per argument; unpack(s) returns every value in s; unpack_one(s [, offset]) and
// unpack_limit(s, limit [, offset]) return the next offset first (-1 at the end of s).
// Encodings are the library's, not MessagePack's best: a number is an integer when it converts to
// int64 exactly, else a float when the float is exact, else a double; a table is an array only
// when its keys are exactly 1..n; tables nested 16 deep encode as nil; unsupported types are nil.
// The checks (stack space included) come in the C library's order, so scripts get its errors.

private let maxNesting = 16

public func openMessagePack(_ L: LuaStatePointer) {
    apus_lua_newtable(L)
    luaSetFunctions(L, [
        ("pack", messagePackPack), ("unpack", messagePackUnpack),
        ("unpack_one", messagePackUnpackOne), ("unpack_limit", messagePackUnpackLimit),
    ])
    for (field, value) in [
        ("_NAME", "cmsgpack"), ("_VERSION", "lua-cmsgpack 0.4.0"),
        ("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"),
        ("_DESCRIPTION", "MessagePack C implementation for Lua"),
    ] {
        lua_pushstring(L, value)
        lua_setfield(L, -2, field)
    }
    apus_lua_setglobal(L, "cmsgpack")
}

// MARK: - Encoding

private func messagePackPack(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    let count = lua_gettop(L)
    if count == 0 { return luaArgumentError(L, 0, "MessagePack pack needs input.") }
    if lua_checkstack(L, count) == 0 { return luaArgumentError(L, 0, "Too many arguments for MessagePack pack.") }
    var bytes = [UInt8]()
    for argument in 1...count {
        guard luaCheckStack(L, 1, "in function mp_check") else { return -1 }
        lua_pushvalue(L, argument)
        guard encodeTop(L, &bytes, level: 0) else { return -1 }
        // One string per argument, concatenated at the end: the stack grows as the C library's.
        bytes.withUnsafeBytes { lua_pushlstring(L, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        bytes.removeAll(keepingCapacity: true)
    }
    lua_concat(L, count)
    return 1
}

/// Appends the encoding of the value on top of the stack and pops it; false when an error was
/// pushed instead.
private func encodeTop(_ L: LuaStatePointer, _ bytes: inout [UInt8], level: Int) -> Bool {
    var type = lua_type(L, -1)
    if type == LUA_TTABLE && level == maxNesting { type = LUA_TNIL }
    switch type {
    case LUA_TSTRING:
        var length = 0
        let pointer = apus_lua_tostring(L, -1, &length)!
        appendStringHeader(&bytes, length)
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: length))
    case LUA_TBOOLEAN:
        bytes.append(lua_toboolean(L, -1) != 0 ? 0xc3 : 0xc2)
    case LUA_TNUMBER:
        let number = lua_tonumber(L, -1)
        let integer = MachineConversions.int64(number)
        if !number.isInfinite && Double(integer) == number {
            appendInteger(&bytes, integer)
        } else {
            appendDouble(&bytes, number)
        }
    case LUA_TTABLE:
        guard let isArray = tableIsArray(L) else { return false }
        guard isArray ? encodeArray(L, &bytes, level: level) : encodeMap(L, &bytes, level: level) else { return false }
    default:
        bytes.append(0xc0)
    }
    apus_lua_pop(L, 1)
    return true
}

/// Whether the table on top has exactly the keys 1...n (nil when an error was pushed).
private func tableIsArray(_ L: LuaStatePointer) -> Bool? {
    let top = lua_gettop(L)
    guard luaCheckStack(L, 2, "in function table_is_an_array") else { return nil }
    var count: Int32 = 0
    var maximum: Int32 = 0
    lua_pushnil(L)
    while lua_next(L, -2) != 0 {
        apus_lua_pop(L, 1)
        let key = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : 0
        if key <= 0 || key.isInfinite || Double(MachineConversions.int32(key)) != key {
            lua_settop(L, top)
            return false
        }
        maximum = max(maximum, MachineConversions.int32(key))
        count += 1
    }
    lua_settop(L, top)
    return maximum == count
}

private func encodeArray(_ L: LuaStatePointer, _ bytes: inout [UInt8], level: Int) -> Bool {
    let length = lua_objlen(L, -1)
    appendCollectionHeader(&bytes, UInt64(length), fix: 0x90, sixteen: 0xdc, thirtyTwo: 0xdd)
    guard luaCheckStack(L, 1, "in function mp_encode_lua_table_as_array") else { return false }
    var index = 1
    while index <= length {
        lua_rawgeti(L, -1, Int32(index))
        guard encodeTop(L, &bytes, level: level + 1) else { return false }
        index += 1
    }
    return true
}

private func encodeMap(_ L: LuaStatePointer, _ bytes: inout [UInt8], level: Int) -> Bool {
    guard luaCheckStack(L, 3, "in function mp_encode_lua_table_as_map") else { return false }
    var count: UInt64 = 0
    lua_pushnil(L)
    while lua_next(L, -2) != 0 {
        apus_lua_pop(L, 1)
        count += 1
    }
    appendCollectionHeader(&bytes, count, fix: 0x80, sixteen: 0xde, thirtyTwo: 0xdf)
    lua_pushnil(L)
    while lua_next(L, -2) != 0 {
        lua_pushvalue(L, -2)
        guard encodeTop(L, &bytes, level: level + 1), encodeTop(L, &bytes, level: level + 1) else { return false }
    }
    return true
}

private func appendBigEndian(_ bytes: inout [UInt8], _ value: UInt64, _ width: Int) {
    var shift = (width - 1) * 8
    while shift >= 0 {
        bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        shift -= 8
    }
}

private func appendStringHeader(_ bytes: inout [UInt8], _ length: Int) {
    if length < 32 {
        bytes.append(0xa0 | UInt8(length))
    } else if length <= 0xff {
        bytes.append(0xd9)
        bytes.append(UInt8(length))
    } else if length <= 0xffff {
        bytes.append(0xda)
        appendBigEndian(&bytes, UInt64(length), 2)
    } else {
        bytes.append(0xdb)
        appendBigEndian(&bytes, UInt64(length), 4)
    }
}

private func appendCollectionHeader(_ bytes: inout [UInt8], _ count: UInt64, fix: UInt8, sixteen: UInt8, thirtyTwo: UInt8) {
    if count <= 15 {
        bytes.append(fix | UInt8(count))
    } else if count <= 0xffff {
        bytes.append(sixteen)
        appendBigEndian(&bytes, count, 2)
    } else {
        bytes.append(thirtyTwo)
        appendBigEndian(&bytes, count, 4)
    }
}

private func appendInteger(_ bytes: inout [UInt8], _ n: Int64) {
    let bits = UInt64(bitPattern: n)
    if n >= 0 && n <= 127 || n < 0 && n >= -32 {
        bytes.append(UInt8(truncatingIfNeeded: n))  // positive or negative fixint
        return
    }
    let (type, width): (UInt8, Int)
    if n >= 0 {
        (type, width) = n <= 0xff ? (0xcc, 1) : n <= 0xffff ? (0xcd, 2) : n <= 0xffff_ffff ? (0xce, 4) : (0xcf, 8)
    } else {
        (type, width) = n >= -128 ? (0xd0, 1) : n >= -32768 ? (0xd1, 2) : n >= -2147483648 ? (0xd2, 4) : (0xd3, 8)
    }
    bytes.append(type)
    appendBigEndian(&bytes, bits, width)
}

private func appendDouble(_ bytes: inout [UInt8], _ d: Double) {
    let single = Float(d)
    if d == Double(single) {
        bytes.append(0xca)
        appendBigEndian(&bytes, UInt64(single.bitPattern), 4)
    } else {
        bytes.append(0xcb)
        appendBigEndian(&bytes, d.bitPattern, 8)
    }
}

// MARK: - Decoding

private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    var left: Int { bytes.count - position }

    subscript(offset: Int) -> UInt8 { bytes[position + offset] }

    func bigEndian(_ offset: Int, _ width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<width { value = value << 8 | UInt64(self[offset + index]) }
        return value
    }
}

private enum Decoded {
    case value
    case missingBytes
    case badFormat
    /// An error message is on top of the stack.
    case raised
}

/// Pushes the value at the cursor and moves past it.
private func decode(_ L: LuaStatePointer, _ cursor: inout Cursor) -> Decoded {
    guard cursor.left >= 1 else { return .missingBytes }
    guard luaCheckStack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.") else { return .raised }
    let type = cursor[0]
    // Fixed-width values: the bytes they need, then the push.
    let width: Int
    switch type {
    case 0xcc, 0xd0: width = 2
    case 0xcd, 0xd1: width = 3
    case 0xce, 0xd2, 0xca: width = 5
    case 0xcf, 0xd3, 0xcb: width = 9
    default: width = 0
    }
    if width > 0 {
        guard cursor.left >= width else { return .missingBytes }
        let raw = cursor.bigEndian(1, width - 1)
        switch type {
        // lua_pushunsigned is lua_pushinteger on 64 bits: a uint64 past INT64_MAX wraps negative.
        case 0xcc, 0xcd, 0xce, 0xcf: lua_pushinteger(L, Int(Int64(bitPattern: raw)))
        case 0xd0: lua_pushinteger(L, Int(Int8(truncatingIfNeeded: raw)))
        case 0xd1: lua_pushinteger(L, Int(Int16(truncatingIfNeeded: raw)))
        case 0xd2: lua_pushinteger(L, Int(Int32(truncatingIfNeeded: raw)))
        case 0xd3: lua_pushnumber(L, Double(Int64(bitPattern: raw)))
        case 0xca: lua_pushnumber(L, Double(Float(bitPattern: UInt32(raw))))
        default: lua_pushnumber(L, Double(bitPattern: raw))
        }
        cursor.position += width
        return .value
    }
    switch type {
    case 0xc0: lua_pushnil(L)
    case 0xc3: lua_pushboolean(L, 1)
    case 0xc2: lua_pushboolean(L, 0)
    case 0xd9, 0xda, 0xdb:
        let header = type == 0xd9 ? 2 : (type == 0xda ? 3 : 5)
        guard cursor.left >= header else { return .missingBytes }
        let length = Int(cursor.bigEndian(1, header - 1))
        guard cursor.left - header >= length else { return .missingBytes }
        pushBytes(L, cursor, header, length)
        cursor.position += header + length
        return .value
    case 0xdc, 0xdd, 0xde, 0xdf:
        let header = (type == 0xdc || type == 0xde) ? 3 : 5
        guard cursor.left >= header else { return .missingBytes }
        let count = Int(cursor.bigEndian(1, header - 1))
        cursor.position += header
        return type <= 0xdd ? decodeArray(L, &cursor, count) : decodeMap(L, &cursor, count)
    default:
        if type & 0x80 == 0 {
            lua_pushinteger(L, Int(type))
        } else if type & 0xe0 == 0xe0 {
            lua_pushinteger(L, Int(Int8(bitPattern: type)))
        } else if type & 0xe0 == 0xa0 {
            let length = Int(type & 0x1f)
            guard cursor.left >= 1 + length else { return .missingBytes }
            pushBytes(L, cursor, 1, length)
            cursor.position += length
        } else if type & 0xf0 == 0x90 {
            cursor.position += 1
            return decodeArray(L, &cursor, Int(type & 0xf))
        } else if type & 0xf0 == 0x80 {
            cursor.position += 1
            return decodeMap(L, &cursor, Int(type & 0xf))
        } else {
            return .badFormat
        }
    }
    cursor.position += 1
    return .value
}

private func pushBytes(_ L: LuaStatePointer, _ cursor: Cursor, _ offset: Int, _ length: Int) {
    let start = cursor.bytes.baseAddress!.advanced(by: cursor.position + offset)
    lua_pushlstring(L, start.assumingMemoryBound(to: CChar.self), length)
}

private func decodeArray(_ L: LuaStatePointer, _ cursor: inout Cursor, _ count: Int) -> Decoded {
    apus_lua_newtable(L)
    guard luaCheckStack(L, 1, "in function mp_decode_to_lua_array") else { return .raised }
    for index in 0..<count {
        lua_pushnumber(L, Double(index + 1))
        let decoded = decode(L, &cursor)
        guard case .value = decoded else { return decoded }
        lua_rawset(L, -3)
    }
    return .value
}

private func decodeMap(_ L: LuaStatePointer, _ cursor: inout Cursor, _ count: Int) -> Decoded {
    apus_lua_newtable(L)
    for _ in 0..<count {
        for _ in 0..<2 {
            let decoded = decode(L, &cursor)
            guard case .value = decoded else { return decoded }
        }
        // lua_settable's own errors, raised here where Lua would raise them (no position: the
        // running function is C).
        if lua_type(L, -2) == LUA_TNIL {
            lua_pushstring(L, "table index is nil")
            return .raised
        }
        if lua_type(L, -2) == LUA_TNUMBER && lua_tonumber(L, -2).isNaN {
            lua_pushstring(L, "table index is NaN")
            return .raised
        }
        lua_rawset(L, -3)
    }
    return .value
}

/// mp_unpack_full: `limit` values from `offset` (both 0: every value, and no offset returned).
private func unpack(_ L: LuaStatePointer, limit: Int, offset: Int) -> Int32 {
    guard let input = luaCheckString(L, 1) else { return -1 }
    let length = input.count
    if offset < 0 || limit < 0 {
        return luaRaise(L, "Invalid request to unpack with offset of \(Int32(truncatingIfNeeded: offset)) and limit of \(Int32(truncatingIfNeeded: length)).")
    }
    if offset > length {
        return luaRaise(L, "Start offset \(Int32(truncatingIfNeeded: offset)) greater than input length \(Int32(truncatingIfNeeded: length)).")
    }
    let decodeAll = limit == 0 && offset == 0
    let limit = decodeAll ? Int(Int32.max) : limit
    var cursor = Cursor(bytes: input, position: offset)
    var count: Int32 = 0
    while cursor.left > 0 && Int(count) < limit {
        switch decode(L, &cursor) {
        case .value: break
        case .missingBytes: return luaRaise(L, "Missing bytes in input.")
        case .badFormat: return luaRaise(L, "Bad data format in input.")
        case .raised: return -1
        }
        count += 1
    }
    if !decodeAll {
        guard luaCheckStack(L, 1, "in function mp_unpack_full") else { return -1 }
        lua_pushinteger(L, cursor.left == 0 ? -1 : cursor.position)
        lua_insert(L, 2)
        count += 1
    }
    return count
}

private func messagePackUnpack(_ L: LuaStatePointer?) -> Int32 {
    unpack(L!, limit: 0, offset: 0)
}

private func messagePackUnpackOne(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    guard let offset = luaOptionalInteger(L, 2, 0) else { return -1 }
    if lua_gettop(L) > 1 { lua_settop(L, 1) }
    return unpack(L, limit: 1, offset: offset)
}

private func messagePackUnpackLimit(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    guard let limit = luaCheckInteger(L, 2), let offset = luaOptionalInteger(L, 3, 0) else { return -1 }
    if lua_gettop(L) > 1 { lua_settop(L, 1) }
    return unpack(L, limit: limit, offset: offset)
}
