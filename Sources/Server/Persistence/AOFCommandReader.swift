// The AOF's command syntax, as loadSingleAppendOnlyFile reads it: `*<argc>\r\n` then argc
// times `$<len>\r\n<bytes>\r\n`; lines starting with `#` are annotations (`#TS:`), skipped.

struct AOFCommandReader {
    enum Item {
        case command([Range<Int>])
        case annotation
        case end
        /// The file ends inside a command.
        case truncated
        case badFormat(at: Int)
    }

    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8], from offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func next() -> Item {
        guard offset < bytes.count else { return .end }
        let start = offset
        if bytes[offset] == UInt8(ascii: "#") {
            guard let end = lineEnd(from: offset) else { return .truncated }
            offset = end + 1
            return .annotation
        }
        guard bytes[offset] == UInt8(ascii: "*") else { return .badFormat(at: start) }
        guard let argc = number(after: offset) else { return lineEnd(from: offset) == nil ? .truncated : .badFormat(at: start) }
        guard argc.value >= 1 else { return .badFormat(at: start) }
        var cursor = argc.next
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(argc.value)
        for _ in 0..<argc.value {
            guard cursor < bytes.count else { return .truncated }
            guard bytes[cursor] == UInt8(ascii: "$") else { return .badFormat(at: cursor) }
            guard let length = number(after: cursor) else { return lineEnd(from: cursor) == nil ? .truncated : .badFormat(at: cursor) }
            let dataStart = length.next
            let dataEnd = dataStart + length.value
            guard dataEnd + 2 <= bytes.count else { return .truncated }
            guard bytes[dataEnd] == 13 && bytes[dataEnd + 1] == 10 else { return .badFormat(at: dataEnd) }
            ranges.append(dataStart..<dataEnd)
            cursor = dataEnd + 2
        }
        offset = cursor
        return .command(ranges)
    }

    /// The index of the `\n` ending the line at `from`.
    private func lineEnd(from: Int) -> Int? {
        var index = from
        while index < bytes.count {
            if bytes[index] == 10 { return index }
            index += 1
        }
        return nil
    }

    /// The decimal after the type byte at `at`, up to `\r\n`, and where the next line starts.
    private func number(after at: Int) -> (value: Int, next: Int)? {
        guard let end = lineEnd(from: at), end > at + 1, bytes[end - 1] == 13 else { return nil }
        var value = 0
        for index in (at + 1)..<(end - 1) {
            let byte = bytes[index]
            guard byte >= 48 && byte <= 57, value < Int.max / 10 - 10 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return end - 1 > at + 1 ? (value, end + 1) : nil
    }
}
