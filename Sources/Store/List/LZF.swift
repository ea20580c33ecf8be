// LZF, the byte-oriented LZ77 variant Redis uses to compress interior quicklist nodes
// (list-compress-depth). The stream is a sequence of literal runs (control byte 0..31: that many
// bytes + 1 follow) and back references (length-2 in the top three bits, 7 meaning one more length
// byte; 13-bit distance-1). Any LZF decoder reads what this greedy encoder writes.

public enum LZF {
    static let maxLiteral = 32
    static let maxOffset = 1 << 13
    static let maxMatch = (1 << 8) + (1 << 3)
    static let hashBits = 14

    /// Compressed bytes, or nil when compression would not make the input smaller.
    public static func compress(_ input: [UInt8]) -> [UInt8]? {
        let count = input.count
        if count < 4 { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(count)
        var table = [Int](repeating: -1, count: 1 << hashBits)
        var literalStart = 0
        var index = 0

        func flushLiterals(upTo end: Int) {
            var start = literalStart
            while start < end {
                let run = min(maxLiteral, end - start)
                output.append(UInt8(run - 1))
                output.append(contentsOf: input[start..<(start + run)])
                start += run
            }
        }

        while index + 2 < count {
            let key = (Int(input[index]) << 16 | Int(input[index + 1]) << 8 | Int(input[index + 2]))
            let slot = ((key &* 2_654_435_761) >> 8) & ((1 << hashBits) - 1)
            let candidate = table[slot]
            table[slot] = index
            if candidate >= 0 && index - candidate - 1 < maxOffset
                && input[candidate] == input[index] && input[candidate + 1] == input[index + 1]
                && input[candidate + 2] == input[index + 2] {
                let limit = min(maxMatch, count - index)
                var length = 3
                while length < limit && input[candidate + length] == input[index + length] { length += 1 }
                flushLiterals(upTo: index)
                let offset = index - candidate - 1
                let encoded = length - 2
                if encoded < 7 {
                    output.append(UInt8(encoded << 5 | offset >> 8))
                } else {
                    output.append(UInt8(7 << 5 | offset >> 8))
                    output.append(UInt8(encoded - 7))
                }
                output.append(UInt8(offset & 0xFF))
                index += length
                literalStart = index
                if output.count >= count { return nil }
                continue
            }
            index += 1
        }
        flushLiterals(upTo: count)
        return output.count < count ? output : nil
    }

    /// The original bytes of `input`, which decompress to exactly `size` bytes; nil if corrupt.
    public static func decompress(_ input: [UInt8], size: Int) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(size)
        var index = 0
        while index < input.count {
            let control = Int(input[index])
            index += 1
            if control < maxLiteral {
                let run = control + 1
                guard index + run <= input.count else { return nil }
                output.append(contentsOf: input[index..<(index + run)])
                index += run
            } else {
                var length = control >> 5
                if length == 7 {
                    guard index < input.count else { return nil }
                    length += Int(input[index])
                    index += 1
                }
                guard index < input.count else { return nil }
                let distance = ((control & 0x1F) << 8 | Int(input[index])) + 1
                index += 1
                var from = output.count - distance
                guard from >= 0 else { return nil }
                for _ in 0..<(length + 2) {
                    output.append(output[from])
                    from += 1
                }
            }
        }
        return output.count == size ? output : nil
    }
}
