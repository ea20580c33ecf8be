import Util

// RESP2 and RESP3 framing of every reply type, following Redis 7.0's addReply* functions: the
// same call produces RESP3's richer type or its RESP2 stand-in, depending on the client.

extension ReplyBuffer {
    @inlinable public func simple(_ text: StaticString) {
        append(byte: UInt8(ascii: "+"))
        append(text)
        appendCRLF()
    }

    @inlinable public func simple(_ bytes: UnsafeRawBufferPointer) {
        append(byte: UInt8(ascii: "+"))
        append(bytes)
        appendCRLF()
    }

    public func simple(_ text: String) {
        var text = text
        text.withUTF8 { simple(UnsafeRawBufferPointer($0)) }
    }

    @inlinable public func ok() { append("+OK\r\n" as StaticString) }

    /// An error whose text starts with its code ("ERR ...", "WRONGTYPE ..."). Newlines inside the
    /// text would break framing, so they become spaces, as Redis does.
    public func error(_ text: String) {
        append(byte: UInt8(ascii: "-"))
        for byte in text.utf8 { append(byte: byte == 0x0D || byte == 0x0A ? 0x20 : byte) }
        appendCRLF()
    }

    @inlinable public func error(_ text: StaticString) {
        append(byte: UInt8(ascii: "-"))
        append(text)
        appendCRLF()
    }

    @inlinable public func integer(_ value: Int64) { appendPrefixed(UInt8(ascii: ":"), value) }
    @inlinable public func integer(_ value: Int) { appendPrefixed(UInt8(ascii: ":"), Int64(value)) }

    @inlinable public func bulk(_ bytes: UnsafeRawBufferPointer) {
        appendPrefixed(UInt8(ascii: "$"), Int64(bytes.count))
        append(bytes)
        appendCRLF()
    }

    /// A stored value: large ones are queued by reference, small ones copied.
    @inlinable public func bulk(_ bytes: [UInt8]) {
        if bytes.count >= ReplyBuffer.sharedValueThreshold {
            appendPrefixed(UInt8(ascii: "$"), Int64(bytes.count))
            appendShared(bytes)
            appendCRLF()
        } else {
            bytes.withUnsafeBytes { bulk($0) }
        }
    }

    @inlinable public func bulk(_ text: StaticString) {
        appendPrefixed(UInt8(ascii: "$"), Int64(text.utf8CodeUnitCount))
        append(text)
        appendCRLF()
    }

    public func bulk(_ text: String) {
        var text = text
        text.withUTF8 { bulk(UnsafeRawBufferPointer($0)) }
    }

    /// An integer sent as a bulk string (GET of an int-encoded value).
    @inlinable public func bulk(integer value: Int64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { raw in
            let length = writeDecimal(value, to: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            bulk(UnsafeRawBufferPointer(rebasing: raw[0..<length]))
        }
    }

    /// A missing bulk value: `$-1` in RESP2, `_` in RESP3.
    @inlinable public func nullBulk() {
        append(resp3 ? "_\r\n" as StaticString : "$-1\r\n")
    }

    /// A missing aggregate: `*-1` in RESP2, `_` in RESP3.
    @inlinable public func nullArray() {
        append(resp3 ? "_\r\n" as StaticString : "*-1\r\n")
    }

    @inlinable public func arrayHeader(_ count: Int) { appendPrefixed(UInt8(ascii: "*"), Int64(count)) }

    /// A map of `count` pairs: `%` in RESP3, a flat array of 2×count in RESP2.
    @inlinable public func mapHeader(_ count: Int) {
        if resp3 { appendPrefixed(UInt8(ascii: "%"), Int64(count)) } else { appendPrefixed(UInt8(ascii: "*"), Int64(count * 2)) }
    }

    @inlinable public func setHeader(_ count: Int) {
        appendPrefixed(resp3 ? UInt8(ascii: "~") : UInt8(ascii: "*"), Int64(count))
    }

    @inlinable public func pushHeader(_ count: Int) {
        appendPrefixed(resp3 ? UInt8(ascii: ">") : UInt8(ascii: "*"), Int64(count))
    }

    @inlinable public func attributeHeader(_ count: Int) {
        appendPrefixed(UInt8(ascii: "|"), Int64(count))
    }

    @inlinable public func emptyArray() { append("*0\r\n" as StaticString) }

    /// `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    @inlinable public func boolean(_ value: Bool) {
        if resp3 { append(value ? "#t\r\n" as StaticString : "#f\r\n") } else { append(value ? ":1\r\n" as StaticString : ":0\r\n") }
    }

    /// A double as Redis 7.0 sends it: `,%.17g` in RESP3, a bulk string in RESP2.
    public func double(_ value: Double) {
        let text = doubleG17Bytes(value)
        if resp3 {
            append(byte: UInt8(ascii: ","))
            append(text)
            appendCRLF()
        } else {
            text.withUnsafeBytes { bulk($0) }
        }
    }

    /// An already formatted double (e.g. a stored score's text), framed per protocol.
    public func doubleText(_ text: UnsafeRawBufferPointer) {
        if resp3 {
            append(byte: UInt8(ascii: ","))
            append(text)
            appendCRLF()
        } else {
            bulk(text)
        }
    }

    public func bigNumber(_ digits: String) {
        if resp3 {
            append(byte: UInt8(ascii: "("))
            var digits = digits
            digits.withUTF8 { append(UnsafeRawBufferPointer($0)) }
            appendCRLF()
        } else {
            bulk(digits)
        }
    }

    /// Verbatim text with a format given at run time (a script's verbatim_string).
    public func verbatim(_ text: String, formatText: String) {
        guard resp3 else { return bulk(text) }
        var text = text
        var format = formatText
        text.withUTF8 { bytes in
            format.withUTF8 { formatBytes in
                appendPrefixed(UInt8(ascii: "="), Int64(bytes.count + formatBytes.count + 1))
                append(UnsafeRawBufferPointer(formatBytes))
                append(byte: UInt8(ascii: ":"))
                append(UnsafeRawBufferPointer(bytes))
                appendCRLF()
            }
        }
    }

    /// Verbatim text (`=len\r\ntxt:...`) in RESP3, a plain bulk string in RESP2.
    public func verbatim(_ text: String, format: StaticString = "txt") {
        if resp3 {
            var text = text
            text.withUTF8 { bytes in
                appendPrefixed(UInt8(ascii: "="), Int64(bytes.count + 4))
                append(format)
                append(byte: UInt8(ascii: ":"))
                append(UnsafeRawBufferPointer(bytes))
                appendCRLF()
            }
        } else {
            bulk(text)
        }
    }
}
