import CLua

// The argument checks and error texts of lauxlib (luaL_check*, luaL_argerror, luaL_error), for
// library functions written in Swift. The C versions raise with longjmp, which must never cross
// a Swift frame, so these return nil (or push the message) and the function raises by returning
// -1 through the trampoline; the texts, positions included, are the ones lauxlib would produce.

/// A library error, pushed on the stack: `luaL_error`'s text with `luaL_where(L, 1)` in front
/// (the calling script's "user_script:1: "). Returns -1, what the Swift function returns.
@discardableResult
func luaRaise(_ L: LuaStatePointer, _ message: [UInt8]) -> Int32 {
    luaL_where(L, 1)
    var length = 0
    var text = [UInt8]()
    if let pointer = apus_lua_tostring(L, -1, &length) {
        text.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: length))
    }
    apus_lua_pop(L, 1)
    text.append(contentsOf: message)
    text.append(0)  // a C string when it is empty too; the zero is not part of the message
    text.withUnsafeBytes { lua_pushlstring(L, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count - 1) }
    return -1
}

@discardableResult
func luaRaise(_ L: LuaStatePointer, _ message: String) -> Int32 {
    luaRaise(L, Array(message.utf8))
}

/// luaL_argerror: "bad argument #n to 'name' (message)", the name being how the caller named
/// the function; a method call does not count `self`.
@discardableResult
func luaArgumentError(_ L: LuaStatePointer, _ argument: Int32, _ message: [UInt8]) -> Int32 {
    var argument = argument
    var record = lua_Debug()
    guard lua_getstack(L, 0, &record) != 0 else {
        return luaRaise(L, Array("bad argument #\(argument) (".utf8) + message + [UInt8(ascii: ")")])
    }
    lua_getinfo(L, "n", &record)
    let name = record.name.map { Array(String(cString: $0).utf8) } ?? [UInt8(ascii: "?")]
    if let namewhat = record.namewhat, String(cString: namewhat) == "method" {
        argument -= 1
        if argument == 0 {
            return luaRaise(L, Array("calling '".utf8) + name + Array("' on bad self (".utf8) + message + [UInt8(ascii: ")")])
        }
    }
    return luaRaise(L, Array("bad argument #\(argument) to '".utf8) + name + Array("' (".utf8) + message + [UInt8(ascii: ")")])
}

@discardableResult
func luaArgumentError(_ L: LuaStatePointer, _ argument: Int32, _ message: String) -> Int32 {
    luaArgumentError(L, argument, Array(message.utf8))
}

/// luaL_typerror: "<expected> expected, got <type of the argument>".
@discardableResult
func luaTypeError(_ L: LuaStatePointer, _ argument: Int32, _ expected: String) -> Int32 {
    let actual = String(cString: lua_typename(L, lua_type(L, argument)))
    return luaArgumentError(L, argument, "\(expected) expected, got \(actual)")
}

/// luaL_checklstring: the string at `argument` (a number is converted in place, as Lua does);
/// nil after pushing the type error.
func luaCheckString(_ L: LuaStatePointer, _ argument: Int32) -> UnsafeRawBufferPointer? {
    var length = 0
    guard let pointer = apus_lua_tostring(L, argument, &length) else {
        luaTypeError(L, argument, "string")
        return nil
    }
    return UnsafeRawBufferPointer(start: pointer, count: length)
}

/// luaL_checknumber: nil after pushing the type error.
func luaCheckNumber(_ L: LuaStatePointer, _ argument: Int32) -> Double? {
    let number = lua_tonumber(L, argument)
    if number == 0 && lua_isnumber(L, argument) == 0 {
        luaTypeError(L, argument, "number")
        return nil
    }
    return number
}

/// luaL_checkinteger: lua_tointeger's truncation; nil after pushing the type error.
func luaCheckInteger(_ L: LuaStatePointer, _ argument: Int32) -> Int? {
    let number = lua_tointeger(L, argument)
    if number == 0 && lua_isnumber(L, argument) == 0 {
        luaTypeError(L, argument, "number")
        return nil
    }
    return number
}

/// luaL_optinteger: `fallback` when the argument is absent or nil.
func luaOptionalInteger(_ L: LuaStatePointer, _ argument: Int32, _ fallback: Int) -> Int? {
    lua_type(L, argument) <= LUA_TNIL ? fallback : luaCheckInteger(L, argument)
}

/// luaL_checkstack: false after pushing "stack overflow (<message>)".
func luaCheckStack(_ L: LuaStatePointer, _ slots: Int32, _ message: String) -> Bool {
    if lua_checkstack(L, slots) != 0 { return true }
    luaRaise(L, "stack overflow (\(message))")
    return false
}

/// Registers `functions` in the table on top of the stack, in order (the order fields are
/// created in decides the order `pairs` visits them, which scripts can observe).
func luaSetFunctions(_ L: LuaStatePointer, _ functions: [(String, LuaSwiftFunction)]) {
    for (name, function) in functions {
        apus_lua_push_function(L, function)
        lua_setfield(L, -2, name)
    }
}
