// A look at the request after the one being run, without parsing it: when a pipelined batch is
// in the buffer, the key of the next multibulk command (its second argument) can be handed to
// the keyspace to prefetch while the current command runs. Anything unexpected, incomplete or
// inline answers nil; the real parser decides everything. It reads raw bytes with its own
// bounds checks, since it runs once per pipelined command.

public enum RequestPeek {
    /// The second argument of the multibulk request starting at `offset`, if all its bytes up to
    /// the end of that argument are already in `bytes`.
    @inlinable
    public static func secondArgument(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> UnsafeRawBufferPointer? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let end = bytes.count
        var position = offset
        guard position < end, base[position] == UInt8(ascii: "*"),
              let count = number(base, end, &position), count >= 2 else { return nil }
        guard position < end, base[position] == UInt8(ascii: "$"), let nameLength = number(base, end, &position) else { return nil }
        position &+= nameLength &+ 2
        guard position < end, base[position] == UInt8(ascii: "$"), let keyLength = number(base, end, &position),
              position &+ keyLength <= end else { return nil }
        return UnsafeRawBufferPointer(start: base + position, count: keyLength)
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
