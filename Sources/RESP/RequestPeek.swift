// A look at the request after the one being run, without parsing it: when a pipelined batch is
// in the buffer, the key of the next multibulk command can be handed to the keyspace to prefetch
// while the current command runs. The key is the second argument, except for the scripting
// commands (EVAL, EVALSHA, FCALL and their _RO forms), whose first key follows numkeys. Anything
// unexpected, incomplete or inline answers nil; the real parser decides everything. It reads raw
// bytes with its own bounds checks, since it runs once per pipelined command.

public enum RequestPeek {
    /// The first key of the multibulk request starting at `offset`, if all its bytes up to the
    /// end of that argument are already in `bytes`.
    @inlinable
    public static func firstKey(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> UnsafeRawBufferPointer? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let end = bytes.count
        var position = offset
        guard position < end, base[position] == UInt8(ascii: "*"),
              let count = number(base, end, &position), count >= 2 else { return nil }
        guard position < end, base[position] == UInt8(ascii: "$"), let nameLength = number(base, end, &position),
              position &+ nameLength <= end else { return nil }
        let takesNumkeys = isScriptCall(base + position, nameLength)
        position &+= nameLength &+ 2
        if takesNumkeys {
            // <script or function> <numkeys> <key> ...: the key only when numkeys is at least 1.
            guard count >= 4, position < end, base[position] == UInt8(ascii: "$"),
                  let skipped = number(base, end, &position) else { return nil }
            position &+= skipped &+ 2
            guard position < end, base[position] == UInt8(ascii: "$"), let digits = number(base, end, &position),
                  digits >= 1, position &+ digits <= end,
                  (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(base[position]) else { return nil }
            position &+= digits &+ 2
        }
        guard position < end, base[position] == UInt8(ascii: "$"), let keyLength = number(base, end, &position),
              position &+ keyLength <= end else { return nil }
        return UnsafeRawBufferPointer(start: base + position, count: keyLength)
    }

    /// Where the multibulk request starting at `offset` ends, if all of it is in `bytes`.
    @inlinable
    public static func end(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Int? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let end = bytes.count
        var position = offset
        guard position < end, base[position] == UInt8(ascii: "*"), var remaining = number(base, end, &position) else {
            return nil
        }
        while remaining > 0 {
            guard position < end, base[position] == UInt8(ascii: "$"), let length = number(base, end, &position) else {
                return nil
            }
            position &+= length &+ 2
            remaining &-= 1
        }
        return position <= end ? position : nil
    }

    /// EVAL, EVALSHA, FCALL, EVAL_RO, EVALSHA_RO or FCALL_RO, in any case.
    @inlinable
    static func isScriptCall(_ name: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        guard length >= 4 else { return false }
        func lowered(_ index: Int) -> UInt8 { name[index] | 0x20 }
        let stem: Int
        switch lowered(0) {
        case UInt8(ascii: "e"):
            guard lowered(1) == UInt8(ascii: "v"), lowered(2) == UInt8(ascii: "a"),
                  lowered(3) == UInt8(ascii: "l") else { return false }
            if length >= 7, lowered(4) == UInt8(ascii: "s"), lowered(5) == UInt8(ascii: "h"), lowered(6) == UInt8(ascii: "a") {
                stem = 7
            } else {
                stem = 4
            }
        case UInt8(ascii: "f"):
            guard length >= 5, lowered(1) == UInt8(ascii: "c"), lowered(2) == UInt8(ascii: "a"),
                  lowered(3) == UInt8(ascii: "l"), lowered(4) == UInt8(ascii: "l") else { return false }
            stem = 5
        default:
            return false
        }
        return length == stem || (length == stem &+ 3 && name[stem] == UInt8(ascii: "_")
            && lowered(stem &+ 1) == UInt8(ascii: "r") && lowered(stem &+ 2) == UInt8(ascii: "o"))
    }

    /// The decimal after the type byte at `position`, ended by CRLF; `position` moves past it.
    @inlinable @inline(__always)
    static func number(_ base: UnsafePointer<UInt8>, _ end: Int, _ position: inout Int) -> Int? {
        var index = position &+ 1
        var value = 0
        let limit = Swift.min(end, index &+ 10)
        while index < limit {
            let digit = base[index] &- UInt8(ascii: "0")
            if digit > 9 {
                guard base[index] == UInt8(ascii: "\r"), index > position &+ 1, index &+ 1 < end,
                      base[index &+ 1] == UInt8(ascii: "\n") else { return nil }
                position = index &+ 2
                return value
            }
            value = value &* 10 &+ Int(digit)
            index &+= 1
        }
        return nil
    }
}
