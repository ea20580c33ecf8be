import RESP
import Store

// LCS: the longest common subsequence of two strings by the classic dynamic-programming table,
// with Redis's options (LEN, IDX, MINMATCHLEN, WITHMATCHLEN) and its exact range walk, so the
// reported match ranges come out in Redis's order.

enum LCSCommand {
    static func lcs(_ c: Client) {
        let first = c.lookupRead(c.arg(1))
        let second = c.lookupRead(c.arg(2))
        if (first != nil && first!.type != .string) || (second != nil && second!.type != .string) {
            c.error("ERR The specified keys must contain string values")
            return
        }
        let a = first?.stringBytes ?? []
        let b = second?.stringBytes ?? []
        var getLength = false
        var getIndexes = false
        var withMatchLength = false
        var minimumMatch: Int64 = 0
        var index = 3
        while index < c.argumentCount {
            let more = c.argumentCount - 1 - index
            if c.argIs(index, "idx") {
                getIndexes = true
            } else if c.argIs(index, "len") {
                getLength = true
            } else if c.argIs(index, "withmatchlen") {
                withMatchLength = true
            } else if c.argIs(index, "minmatchlen") && more > 0 {
                guard let value = c.integerArgument(index + 1) else { return }
                minimumMatch = max(value, 0)
                index += 1
            } else {
                c.error(ErrorText.syntax)
                return
            }
            index += 1
        }
        if getIndexes && getLength {
            c.error("ERR If you want both the length and indexes, please just use IDX.")
            return
        }
        let aLength = a.count
        let bLength = b.count
        let tableBytes = Int64(aLength + 1) * Int64(bLength + 1) * 4
        if tableBytes > c.server.settings.protoMaxBulkLen {
            c.error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
            return
        }
        let width = bLength + 1
        var table = [UInt32](repeating: 0, count: (aLength + 1) * width)
        for i in stride(from: 1, through: aLength, by: 1) {
            for j in stride(from: 1, through: bLength, by: 1) {
                if a[i - 1] == b[j - 1] {
                    table[i * width + j] = table[(i - 1) * width + j - 1] + 1
                } else {
                    table[i * width + j] = max(table[(i - 1) * width + j], table[i * width + j - 1])
                }
            }
        }
        let total = Int(table[aLength * width + bLength])
        var remaining = total
        var result = [UInt8](repeating: 0, count: total)
        var ranges: [(aStart: Int, aEnd: Int, bStart: Int, bEnd: Int, length: Int)] = []
        let computeString = getIndexes || !getLength
        var aStart = aLength, aEnd = 0, bStart = 0, bEnd = 0
        var i = aLength, j = bLength
        while computeString && i > 0 && j > 0 {
            var emit = false
            if a[i - 1] == b[j - 1] {
                result[remaining - 1] = a[i - 1]
                if aStart == aLength {
                    aStart = i - 1; aEnd = i - 1
                    bStart = j - 1; bEnd = j - 1
                } else if aStart == i && bStart == j {
                    aStart -= 1
                    bStart -= 1
                } else {
                    emit = true
                }
                if aStart == 0 || bStart == 0 { emit = true }
                remaining -= 1; i -= 1; j -= 1
            } else {
                if table[(i - 1) * width + j] > table[i * width + j - 1] { i -= 1 } else { j -= 1 }
                if aStart != aLength { emit = true }
            }
            let matchLength = aEnd - aStart + 1
            if emit {
                if minimumMatch == 0 || Int64(matchLength) >= minimumMatch {
                    ranges.append((aStart, aEnd, bStart, bEnd, matchLength))
                }
                aStart = aLength
            }
        }
        if getIndexes {
            c.reply.mapHeader(2)
            c.reply.bulk("matches" as StaticString)
            c.reply.arrayHeader(ranges.count)
            for range in ranges {
                c.reply.arrayHeader(withMatchLength ? 3 : 2)
                c.reply.arrayHeader(2)
                c.reply.integer(range.aStart)
                c.reply.integer(range.aEnd)
                c.reply.arrayHeader(2)
                c.reply.integer(range.bStart)
                c.reply.integer(range.bEnd)
                if withMatchLength { c.reply.integer(range.length) }
            }
            c.reply.bulk("len" as StaticString)
            c.reply.integer(total)
        } else if getLength {
            c.reply.integer(total)
        } else {
            c.reply.bulk(result)
        }
    }
}
