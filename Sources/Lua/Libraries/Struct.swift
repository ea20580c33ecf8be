import CLua

// struct as Redis 7.0 bundles it (Roberto Ierusalimschy's struct 0.2, with Redis's overflow
// fixes): pack(fmt, ...), unpack(fmt, s [, offset]) (the values, then the next offset) and
// size(fmt). Formats: < > endianness (no '=': invalid, as in Redis), ![n] alignment, x padding,
// b B h H l L T i[n] I[n] integers, f d floats, c[n] (c0: the whole string, or when unpacking the
// length read just before), s zero-terminated, ' ' ignored. The quirks are kept because scripts
// see them: sizes past 8 bytes, x86's results for out-of-range numbers, struct.size ignoring
// unknown letters, "string too short" naming the argument after the string.

private enum Endian { case big, little }

private struct Header {
    var endian = Endian.little
    var align = 1
}

/// The format string as the C code walks it: up to its end or a zero byte.
private struct Format {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    var current: UInt8 { position < bytes.count ? bytes[position] : 0 }

    mutating func next() -> UInt8? {
        let option = current
        if option == 0 { return nil }
        position += 1
        return option
    }
}

private let maxIntegerSize = 32
/// The strictest alignment of the machine (a double's), what a bare '!' means.
private let maxAlign = 8

private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
private func isAlphanumeric(_ c: UInt8) -> Bool {
    isDigit(c) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z"))
}
private func isLower(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }

public func openStruct(_ L: LuaStatePointer) {
    lua_createtable(L, 0, 3)
    luaSetFunctions(L, [("pack", structPack), ("unpack", structUnpack), ("size", structSize)])
    apus_lua_setglobal(L, "struct")
}

/// The number written after an option, or `fallback`; nil when an error was pushed.
private func readNumber(_ L: LuaStatePointer, _ format: inout Format, _ fallback: Int) -> Int? {
    guard isDigit(format.current) else { return fallback }
    var number: Int32 = 0
    repeat {
        let digit = Int32(format.current - UInt8(ascii: "0"))
        if number > Int32.max / 10 || number * 10 > Int32.max - digit {
            luaRaise(L, "integral size overflow")
            return nil
        }
        number = number * 10 + digit
        format.position += 1
    } while isDigit(format.current)
    return Int(number)
}

private func optionSize(_ L: LuaStatePointer, _ option: UInt8, _ format: inout Format) -> Int? {
    switch option {
    case UInt8(ascii: "B"), UInt8(ascii: "b"), UInt8(ascii: "x"): return 1
    case UInt8(ascii: "H"), UInt8(ascii: "h"): return 2
    case UInt8(ascii: "L"), UInt8(ascii: "l"), UInt8(ascii: "T"), UInt8(ascii: "d"): return 8
    case UInt8(ascii: "f"): return 4
    case UInt8(ascii: "c"): return readNumber(L, &format, 1)
    case UInt8(ascii: "i"), UInt8(ascii: "I"):
        guard let size = readNumber(L, &format, 4) else { return nil }
        if size > maxIntegerSize {
            luaRaise(L, "integral size \(size) is larger than limit of \(maxIntegerSize)")
            return nil
        }
        return size
    default: return 0
    }
}

/// Padding bytes before an item of `size` at offset `position` (gettoalign, in size_t).
private func padding(_ position: UInt, _ header: Header, _ option: UInt8, _ size: Int) -> UInt {
    if size == 0 || option == UInt8(ascii: "c") { return 0 }
    let unit = UInt(min(size, header.align))
    let toAlign = (unit &- (position & (unit &- 1))) & (unit &- 1)
    return UInt(bitPattern: Int(Int32(truncatingIfNeeded: toAlign)))
}

/// The options that are not values: endianness, alignment, blanks; false when an error was pushed.
private func controlOption(_ L: LuaStatePointer, _ option: UInt8, _ format: inout Format, _ header: inout Header) -> Bool {
    switch option {
    case UInt8(ascii: " "): return true
    case UInt8(ascii: ">"): header.endian = .big; return true
    case UInt8(ascii: "<"): header.endian = .little; return true
    case UInt8(ascii: "!"):
        guard let align = readNumber(L, &format, maxAlign) else { return false }
        if align <= 0 || align & (align - 1) != 0 {
            luaRaise(L, "alignment \(align) is not a power of 2")
            return false
        }
        header.align = align
        return true
    default:
        luaArgumentError(L, 1, Array("invalid format option '".utf8) + [option, UInt8(ascii: "'")])
        return false
    }
}

// MARK: - pack

private func structPack(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    guard let formatBytes = luaCheckString(L, 1) else { return -1 }
    var format = Format(bytes: formatBytes)
    var header = Header()
    var argument: Int32 = 2
    var total: UInt = 0
    // As in C: a nil separates the arguments from the pieces luaL_Buffer may leave on the stack,
    // so an argument past the last one reads "got nil".
    lua_pushnil(L)
    let buffer = UnsafeMutablePointer<luaL_Buffer>.allocate(capacity: 1)
    defer { buffer.deallocate() }
    luaL_buffinit(L, buffer)
    func add(_ bytes: UnsafeRawBufferPointer) {
        guard let start = bytes.baseAddress, bytes.count > 0 else { return }
        luaL_addlstring(buffer, start.assumingMemoryBound(to: CChar.self), bytes.count)
    }
    func addZero() {
        withUnsafeBytes(of: UInt8(0)) { add($0) }
    }
    while let option = format.next() {
        guard var size = optionSize(L, option, &format) else { return -1 }
        var toAlign = padding(total, header, option, size)
        total &+= toAlign
        while toAlign > 0 {
            addZero()
            toAlign -= 1
        }
        switch option {
        case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "l"),
             UInt8(ascii: "L"), UInt8(ascii: "T"), UInt8(ascii: "i"), UInt8(ascii: "I"):
            guard let number = luaCheckNumber(L, argument) else { return -1 }
            argument += 1
            var value = number < 0 ? UInt64(bitPattern: MachineConversions.int64(number)) : MachineConversions.uint64(number)
            var bytes = [UInt8](repeating: 0, count: size)
            for index in 0..<size {
                bytes[header.endian == .little ? index : size - 1 - index] = UInt8(truncatingIfNeeded: value)
                value >>= 8
            }
            bytes.withUnsafeBytes { add($0) }
        case UInt8(ascii: "x"):
            addZero()
        case UInt8(ascii: "f"):
            guard let number = luaCheckNumber(L, argument) else { return -1 }
            argument += 1
            addFloatBits(UInt64(Float(number).bitPattern), 4, header.endian, add)
        case UInt8(ascii: "d"):
            guard let number = luaCheckNumber(L, argument) else { return -1 }
            argument += 1
            addFloatBits(number.bitPattern, 8, header.endian, add)
        case UInt8(ascii: "c"), UInt8(ascii: "s"):
            guard let string = luaCheckString(L, argument) else { return -1 }
            argument += 1
            if size == 0 { size = string.count }
            if string.count < size { return luaArgumentError(L, argument, "string too short") }
            add(UnsafeRawBufferPointer(rebasing: string[0..<size]))
            if option == UInt8(ascii: "s") {
                addZero()
                size += 1
            }
        default:
            guard controlOption(L, option, &format, &header) else { return -1 }
        }
        total &+= UInt(size)
    }
    luaL_pushresult(buffer)
    return 1
}

private func addFloatBits(_ bits: UInt64, _ width: Int, _ endian: Endian, _ add: (UnsafeRawBufferPointer) -> Void) {
    var bytes = [UInt8](repeating: 0, count: width)
    for index in 0..<width {
        bytes[endian == .little ? index : width - 1 - index] = UInt8(truncatingIfNeeded: bits >> UInt64(8 * index))
    }
    bytes.withUnsafeBytes { add($0) }
}

// MARK: - unpack

/// An integer of `size` bytes (past 8, the high bytes fall out and the sign mask's shift wraps,
/// as on x86).
private func readInteger(_ bytes: UnsafeRawBufferPointer, _ endian: Endian, signed: Bool) -> Double {
    var value: UInt64 = 0
    let size = bytes.count
    for index in 0..<size {
        value = value << 8 | UInt64(bytes[endian == .big ? index : size - 1 - index])
    }
    if !signed { return Double(value) }
    let mask = MachineConversions.shiftLeft(~0, size * 8 - 1)
    if value & mask != 0 { value |= mask }
    return Double(Int64(bitPattern: value))
}

private func readFloatBits(_ bytes: UnsafeRawBufferPointer, _ endian: Endian) -> UInt64 {
    var bits: UInt64 = 0
    let width = bytes.count
    for index in 0..<width {
        bits |= UInt64(bytes[endian == .little ? index : width - 1 - index]) << UInt64(8 * index)
    }
    return bits
}

private func structUnpack(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    guard let formatBytes = luaCheckString(L, 1), let data = luaCheckString(L, 2),
          let start = luaOptionalInteger(L, 3, 1) else { return -1 }
    // size_t arithmetic, as in C: a negative offset wraps to a huge one (then "too short").
    var position = UInt(bitPattern: start)
    if position == 0 { return luaArgumentError(L, 3, "offset must be 1 or greater") }
    position -= 1
    let length = UInt(data.count)
    var format = Format(bytes: formatBytes)
    var header = Header()
    var results: Int32 = 0
    func fits(_ size: UInt) -> Bool { size <= length && position <= length - size }
    func slice(_ size: UInt) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: data[Int(position)..<Int(position + size)])
    }
    while let option = format.next() {
        guard let optionBytes = optionSize(L, option, &format) else { return -1 }
        var size = UInt(optionBytes)
        position &+= padding(position, header, option, optionBytes)
        if !fits(size) { return luaArgumentError(L, 2, "data string too short") }
        guard luaCheckStack(L, 2, "too many results") else { return -1 }
        switch option {
        case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "l"),
             UInt8(ascii: "L"), UInt8(ascii: "T"), UInt8(ascii: "i"), UInt8(ascii: "I"):
            lua_pushnumber(L, readInteger(slice(size), header.endian, signed: isLower(option)))
            results += 1
        case UInt8(ascii: "x"):
            break
        case UInt8(ascii: "f"):
            lua_pushnumber(L, Double(Float(bitPattern: UInt32(readFloatBits(slice(size), header.endian)))))
            results += 1
        case UInt8(ascii: "d"):
            lua_pushnumber(L, Double(bitPattern: readFloatBits(slice(size), header.endian)))
            results += 1
        case UInt8(ascii: "c"):
            if size == 0 {
                if results == 0 || lua_isnumber(L, -1) == 0 { return luaRaise(L, "format 'c0' needs a previous size") }
                size = UInt(MachineConversions.uint64(lua_tonumber(L, -1)))
                apus_lua_pop(L, 1)
                results -= 1
                if !fits(size) { return luaArgumentError(L, 2, "data string too short") }
            }
            pushSlice(L, slice(size))
            results += 1
        case UInt8(ascii: "s"):
            let rest = UnsafeRawBufferPointer(rebasing: data[Int(position)...])
            guard let zero = rest.firstIndex(of: 0) else { return luaRaise(L, "unfinished string in data") }
            size = UInt(zero - rest.startIndex) + 1
            pushSlice(L, slice(size - 1))
            results += 1
        default:
            guard controlOption(L, option, &format, &header) else { return -1 }
        }
        position &+= size
    }
    lua_pushinteger(L, Int(bitPattern: position &+ 1))
    return results + 1
}

private func pushSlice(_ L: LuaStatePointer, _ bytes: UnsafeRawBufferPointer) {
    if let start = bytes.baseAddress {
        lua_pushlstring(L, start.assumingMemoryBound(to: CChar.self), bytes.count)
    } else {
        lua_pushstring(L, "")
    }
}

// MARK: - size

private func structSize(_ L: LuaStatePointer?) -> Int32 {
    let L = L!
    guard let formatBytes = luaCheckString(L, 1) else { return -1 }
    var format = Format(bytes: formatBytes)
    var header = Header()
    var position: UInt = 0
    while let option = format.next() {
        guard let size = optionSize(L, option, &format) else { return -1 }
        position &+= padding(position, header, option, size)
        if option == UInt8(ascii: "s") { return luaArgumentError(L, 1, "option 's' has no fixed size") }
        if option == UInt8(ascii: "c") && size == 0 { return luaArgumentError(L, 1, "option 'c0' has no fixed size") }
        if !isAlphanumeric(option) {
            guard controlOption(L, option, &format, &header) else { return -1 }
        }
        position &+= UInt(size)
    }
    lua_pushinteger(L, Int(bitPattern: position))
    return 1
}
