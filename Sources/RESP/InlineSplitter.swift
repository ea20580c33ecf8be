// Splits an inline command line into arguments with the quoting rules of Redis's sdssplitargs:
// "double quotes" with \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' with \' only, and a
// closing quote that must be followed by a space or the end of the line.

/// Appends each argument's bytes to `storage` and its (offset, length) to `spans`.
/// Returns false on unbalanced quotes.
func splitInlineArguments(_ line: UnsafeRawBufferPointer, storage: inout [UInt8], spans: inout [ArgumentSpan]) -> Bool {
    var index = 0
    let end = line.count
    func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0B || byte == 0x0C
    }
    func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
    while true {
        while index < end && isSpace(line[index]) { index += 1 }
        if index >= end { return true }
        let start = storage.count
        var inDoubleQuotes = false
        var inSingleQuotes = false
        var done = false
        while !done {
            if inDoubleQuotes {
                if index >= end { return false }
                let byte = line[index]
                if byte == UInt8(ascii: "\\") && index + 3 < end && line[index + 1] == UInt8(ascii: "x"),
                   let high = hexValue(line[index + 2]), let low = hexValue(line[index + 3]) {
                    storage.append(high << 4 | low)
                    index += 3
                } else if byte == UInt8(ascii: "\\") && index + 1 < end {
                    index += 1
                    switch line[index] {
                    case UInt8(ascii: "n"): storage.append(0x0A)
                    case UInt8(ascii: "r"): storage.append(0x0D)
                    case UInt8(ascii: "t"): storage.append(0x09)
                    case UInt8(ascii: "b"): storage.append(0x08)
                    case UInt8(ascii: "a"): storage.append(0x07)
                    default: storage.append(line[index])
                    }
                } else if byte == UInt8(ascii: "\"") {
                    if index + 1 < end && !isSpace(line[index + 1]) { return false }
                    done = true
                } else {
                    storage.append(byte)
                }
            } else if inSingleQuotes {
                if index >= end { return false }
                let byte = line[index]
                if byte == UInt8(ascii: "\\") && index + 1 < end && line[index + 1] == UInt8(ascii: "'") {
                    index += 1
                    storage.append(UInt8(ascii: "'"))
                } else if byte == UInt8(ascii: "'") {
                    if index + 1 < end && !isSpace(line[index + 1]) { return false }
                    done = true
                } else {
                    storage.append(byte)
                }
            } else {
                if index >= end { break }
                let byte = line[index]
                switch byte {
                case 0x20, 0x0A, 0x0D, 0x09, 0x00:
                    done = true
                case UInt8(ascii: "\""):
                    inDoubleQuotes = true
                case UInt8(ascii: "'"):
                    inSingleQuotes = true
                default:
                    storage.append(byte)
                }
            }
            if index < end { index += 1 }
        }
        spans.append(ArgumentSpan(offset: start, length: storage.count - start))
    }
}
