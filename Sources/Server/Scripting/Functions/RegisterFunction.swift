import CLua
import Lua

// redis.register_function (function_lua.c's luaRegisterFunction, Redis 7.0), callable only while
// FUNCTION LOAD runs a library: `register_function(name, callback)` or
// `register_function{function_name=..., callback=..., flags={...}, description=...}`. Errors are
// raised as error tables with Redis's texts; a callback already referenced is released.

func luaRegisterFunction(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    let interpreter = FunctionInterpreter.from(L)
    guard let library = interpreter.loading else {
        return raiseError(L, "redis.register_function can only be called on FUNCTION LOAD command")
    }
    let argc = lua_gettop(L)
    if argc < 1 || argc > 2 { return raiseError(L, "wrong number of arguments to redis.register_function") }
    let parsed = argc == 1 ? namedArguments(L) : positionalArguments(L)
    switch parsed {
    case .failure(let error):
        return raiseError(L, error.message)
    case .success(let arguments):
        if !FunctionLibraries.isValidName(arguments.name) {
            luaL_unref(L, apus_lua_registryindex(), arguments.reference)
            return raiseError(L, "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
        }
        if library.functions.contains(where: { $0.name == arguments.name }) {
            luaL_unref(L, apus_lua_registryindex(), arguments.reference)
            return raiseError(L, "Function already exists in the library")
        }
        library.functions.append(LibraryFunction(name: arguments.name, reference: arguments.reference,
                                                 description: arguments.description, flags: arguments.flags,
                                                 library: library))
        return 0
    }
}

private struct RegisterArguments {
    var name: String
    var reference: Int32
    var description: [UInt8]?
    var flags: ScriptFlags
}

/// luaGetStringSds: a string or a number, as bytes.
private func stringArgument(_ L: LuaStatePointer, _ index: Int32) -> [UInt8]? {
    let type = lua_type(L, index)
    guard type == LUA_TSTRING || type == LUA_TNUMBER else { return nil }
    var length = 0
    guard let pointer = apus_lua_tostring(L, index, &length) else { return nil }
    return [UInt8](UnsafeRawBufferPointer(start: pointer, count: length))
}

private func positionalArguments(_ L: LuaStatePointer) -> Result<RegisterArguments, ScriptError> {
    guard let name = stringArgument(L, 1) else {
        return .failure(ScriptError("first argument to redis.register_function must be a string"))
    }
    guard apus_lua_isfunction(L, 2) != 0 else {
        return .failure(ScriptError("second argument to redis.register_function must be a function"))
    }
    let reference = luaL_ref(L, apus_lua_registryindex())
    return .success(RegisterArguments(name: String(decoding: name, as: UTF8.self), reference: reference,
                                      description: nil, flags: []))
}

private func namedArguments(_ L: LuaStatePointer) -> Result<RegisterArguments, ScriptError> {
    guard apus_lua_istable(L, 1) != 0 else {
        return .failure(ScriptError("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."))
    }
    var name: [UInt8]?
    var description: [UInt8]?
    var reference: Int32?
    var flags: ScriptFlags = []
    func fail(_ text: String) -> Result<RegisterArguments, ScriptError> {
        if let reference { luaL_unref(L, apus_lua_registryindex(), reference) }
        return .failure(ScriptError(text))
    }
    lua_pushnil(L)
    while lua_next(L, 1) != 0 {
        // The key stays as it is (converting it would break the traversal).
        let keyType = lua_type(L, -2)
        guard keyType == LUA_TSTRING || keyType == LUA_TNUMBER else {
            return fail("named argument key given to redis.register_function is not a string")
        }
        lua_pushvalue(L, -2)
        let key = (luaString(L, -1) ?? "").lowercased()
        apus_lua_pop(L, 1)
        switch key {
        case "function_name":
            guard let value = stringArgument(L, -1) else {
                return fail("function_name argument given to redis.register_function must be a string")
            }
            name = value
        case "description":
            guard let value = stringArgument(L, -1) else {
                return fail("description argument given to redis.register_function must be a string")
            }
            description = value
        case "callback":
            guard apus_lua_isfunction(L, -1) != 0 else {
                return fail("callback argument given to redis.register_function must be a function")
            }
            if let reference { luaL_unref(L, apus_lua_registryindex(), reference) }
            reference = luaL_ref(L, apus_lua_registryindex())
            continue  // luaL_ref popped the value
        case "flags":
            guard apus_lua_istable(L, -1) != 0 else {
                return fail("flags argument to redis.register_function must be a table representing function flags")
            }
            guard let read = readFlags(L) else { return fail("unknown flag given") }
            flags = read
        default:
            return fail("unknown argument given to redis.register_function")
        }
        apus_lua_pop(L, 1)
    }
    guard let name else { return fail("redis.register_function must get a function name argument") }
    guard let reference else { return fail("redis.register_function must get a callback argument") }
    return .success(RegisterArguments(name: String(decoding: name, as: UTF8.self), reference: reference,
                                      description: description, flags: flags))
}

/// luaRegisterFunctionReadFlags: the flags table on top, 1..n until nil; nil on an unknown flag.
private func readFlags(_ L: LuaStatePointer) -> ScriptFlags? {
    var flags: ScriptFlags = []
    var slot: Int32 = 1
    while true {
        lua_rawgeti(L, -1, slot)
        slot += 1
        defer { apus_lua_pop(L, 1) }
        if lua_type(L, -1) == LUA_TNIL { return flags }
        guard let text = stringArgument(L, -1).map({ String(decoding: $0, as: UTF8.self).lowercased() }),
              let flag = ScriptFlags.names.first(where: { $0.0 == text })?.1 else { return nil }
        flags.insert(flag)
    }
}
