import Config
import RESP
import Store
import Util

// BITFIELD and BITFIELD_RO (bitops.c's bitfieldGeneric): GET, SET and INCRBY of signed fields up
// to 64 bits and unsigned up to 63, at bit offsets or `#n` field offsets, with OVERFLOW WRAP, SAT
// or FAIL applying to the operations after it. All arguments are checked before anything runs.

enum BitfieldCommand {
    private enum Opcode { case get, set, incrby }

    private struct Operation {
        var opcode: Opcode
        var offset: UInt64
        var bits: Int
        var signed: Bool
        var value: Int64
        var overflow: BitfieldOverflow
    }

    static func bitfield(_ c: Client) { run(c, readOnly: false) }
    static func bitfieldReadOnly(_ c: Client) { run(c, readOnly: true) }

    /// getBitfieldTypeFromArgument: `i1`...`i64` or `u1`...`u63`.
    private static func typeArgument(_ c: Client, _ index: Int) -> (signed: Bool, bits: Int)? {
        let text = c.arg(index)
        guard let first = text.first, first == UInt8(ascii: "i") || first == UInt8(ascii: "u"),
              let bits = parseInt64(UnsafeRawBufferPointer(rebasing: text[1...])) else {
            c.error(ErrorText.bitfieldTypeInvalid)
            return nil
        }
        let signed = first == UInt8(ascii: "i")
        if bits < 1 || (signed && bits > 64) || (!signed && bits > 63) {
            c.error(ErrorText.bitfieldTypeInvalid)
            return nil
        }
        return (signed, Int(bits))
    }

    private static func run(_ c: Client, readOnly: Bool) {
        var operations: [Operation] = []
        var overflow = BitfieldOverflow.wrap
        var writes = false
        var highestWriteBit: UInt64 = 0
        var index = 2
        while index < c.argumentCount {
            let remaining = c.argumentCount - index - 1
            let opcode: Opcode
            if c.argIs(index, "get") && remaining >= 2 {
                opcode = .get
            } else if c.argIs(index, "set") && remaining >= 3 {
                opcode = .set
            } else if c.argIs(index, "incrby") && remaining >= 3 {
                opcode = .incrby
            } else if c.argIs(index, "overflow") && remaining >= 1 {
                if c.argIs(index + 1, "wrap") { overflow = .wrap }
                else if c.argIs(index + 1, "sat") { overflow = .saturate }
                else if c.argIs(index + 1, "fail") { overflow = .fail }
                else {
                    c.error(ErrorText.bitfieldOverflowInvalid)
                    return
                }
                index += 2
                continue
            } else {
                c.error(ErrorText.syntax)
                return
            }
            guard let type = typeArgument(c, index + 1),
                  let offset = BitmapCommands.bitOffsetArgument(c, index + 2, hashAllowed: true, bits: type.bits) else { return }
            var value: Int64 = 0
            if opcode != .get {
                writes = true
                highestWriteBit = max(highestWriteBit, offset + UInt64(type.bits) - 1)
                guard let given = c.integerArgument(index + 3) else { return }
                value = given
            }
            operations.append(Operation(opcode: opcode, offset: offset, bits: type.bits, signed: type.signed,
                                        value: value, overflow: overflow))
            index += opcode == .get ? 3 : 4
        }

        var target: RedisObject?
        var grew = false
        if !writes {
            target = c.lookupRead(c.arg(1))
            if c.wrongType(target, .string) { return }
        } else {
            if readOnly {
                c.error(ErrorText.bitfieldReadOnly)
                return
            }
            guard let (object, lengthened) = BitmapCommands.stringForBitWrite(c, maxBit: highestWriteBit) else { return }
            target = object
            grew = lengthened
        }

        c.reply.arrayHeader(operations.count)
        var changes: Int64 = 0
        for operation in operations {
            if operation.opcode == .get {
                reply(c, get(target, operation))
                continue
            }
            let object = target!
            let outcome = object.withMutableStringBytes { bytes -> (reply: Int64, old: UInt64, new: UInt64)? in
                let raw = UnsafeRawBufferPointer(bytes)
                if operation.signed {
                    let old = signedBitfield(raw, offset: operation.offset, bits: operation.bits)
                    let (result, overflowed) = operation.opcode == .incrby
                        ? signedBitfieldAdd(old, operation.value, bits: operation.bits, operation.overflow)
                        : signedBitfieldAdd(operation.value, 0, bits: operation.bits, operation.overflow)
                    if overflowed && operation.overflow == .fail { return nil }
                    setBitfield(bytes, offset: operation.offset, bits: operation.bits, value: UInt64(bitPattern: result))
                    return (operation.opcode == .incrby ? result : old, UInt64(bitPattern: old), UInt64(bitPattern: result))
                }
                let old = unsignedBitfield(raw, offset: operation.offset, bits: operation.bits)
                let (result, overflowed) = operation.opcode == .incrby
                    ? unsignedBitfieldAdd(old, operation.value, bits: operation.bits, operation.overflow)
                    : unsignedBitfieldAdd(UInt64(bitPattern: operation.value), 0, bits: operation.bits, operation.overflow)
                if overflowed && operation.overflow == .fail { return nil }
                setBitfield(bytes, offset: operation.offset, bits: operation.bits, value: result)
                return (Int64(bitPattern: operation.opcode == .incrby ? result : old), old, result)
            }
            guard let outcome else {
                c.reply.nullBulk()
                continue
            }
            c.reply.integer(outcome.reply)
            if grew || outcome.old != outcome.new { changes += 1 }
        }
        if changes > 0 {
            let key = c.arg(1)
            c.signalModified(key)
            c.notify(KeyspaceEventFlags.string, "setbit", key)
            c.markDirty(changes)
        }
    }

    /// GET reads from a zero-padded copy of the 9 bytes the field can touch, so fields past the
    /// end of the string (or of a missing key) read as zeros.
    private static func get(_ object: RedisObject?, _ operation: Operation) -> Int64 {
        var window: (UInt64, UInt64) = (0, 0)
        let firstByte = Int(operation.offset >> 3)
        return withUnsafeMutableBytes(of: &window) { buffer -> Int64 in
            object?.withStringBytes { bytes in
                var index = 0
                while index < 9 && firstByte + index < bytes.count {
                    buffer[index] = bytes[firstByte + index]
                    index += 1
                }
            }
            let local = operation.offset - UInt64(firstByte) * 8
            let raw = UnsafeRawBufferPointer(buffer)
            if operation.signed { return signedBitfield(raw, offset: local, bits: operation.bits) }
            return Int64(bitPattern: unsignedBitfield(raw, offset: local, bits: operation.bits))
        }
    }

    private static func reply(_ c: Client, _ value: Int64) { c.reply.integer(value) }
}
