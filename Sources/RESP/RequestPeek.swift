// A look at the request after the one being run, without parsing it: when a pipelined batch is
// in the buffer, the key of the next multibulk command (its second argument) can be handed to
// the keyspace to prefetch while the current command runs. Anything unexpected, incomplete or
// inline answers nil; the real parser decides everything.

public enum RequestPeek {
    /// The second argument of the multibulk request starting at `offset`, if all its bytes up to
    /// the end of that argument are already in `bytes`.
    @inlinable
    public static func secondArgument(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> UnsafeRawBufferPointer? {
        var position = offset
        guard position < bytes.count, bytes[position] == UInt8(ascii: "*"),
              let count = number(bytes, &position), count >= 2 else { return nil }
        guard let nameLength = bulkHeader(bytes, &position) else { return nil }
        position &+= nameLength &+ 2
        guard let keyLength = bulkHeader(bytes, &position), position &+ keyLength <= bytes.count else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position &+ keyLength)])
    }

    /// `$<len>\r\n` at `position`: the length, with `position` moved past the header.
    @inlinable
    static func bulkHeader(_ bytes: UnsafeRawBufferPointer, _ position: inout Int) -> Int? {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "$") else { return nil }
        return number(bytes, &position)
    }

    /// The decimal after the type byte at `position`, ended by CRLF; `position` moves past it.
    @inlinable
    static func number(_ bytes: UnsafeRawBufferPointer, _ position: inout Int) -> Int? {
        var index = position &+ 1
        var value = 0
        var digits = 0
        while index < bytes.count, digits < 10 {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\r") {
                guard digits > 0, index &+ 1 < bytes.count, bytes[index &+ 1] == UInt8(ascii: "\n") else { return nil }
                position = index &+ 2
                return value
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value &* 10 &+ Int(byte &- UInt8(ascii: "0"))
            digits &+= 1
            index &+= 1
        }
        return nil
    }
}
