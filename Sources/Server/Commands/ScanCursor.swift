import RESP
import Store
import Util

// SCAN's cursor and options (scanGenericCommand): the cursor is parsed like strtoul, the dict is
// walked with its reverse-binary cursor for up to COUNT buckets' worth of keys, then MATCH,
// TYPE and expiry filter what was collected.

enum ScanCursor {
    /// Parses a cursor with strtoul's rules (sign allowed, "-1" wraps, empty means 0), rejecting
    /// leading spaces and trailing garbage: "ERR invalid cursor".
    static func parse(_ c: Client, _ index: Int) -> UInt64? {
        let bytes = c.arg(index)
        var position = 0
        var negative = false
        if position < bytes.count && (bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-")) {
            negative = bytes[0] == UInt8(ascii: "-")
            position += 1
        }
        var value: UInt64 = 0
        var overflow = false
        var digits = 0
        while position < bytes.count, bytes[position] >= 48 && bytes[position] <= 57 {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(bytes[position] - 48))
            overflow = overflow || o1 || o2
            value = sum
            position += 1
            digits += 1
        }
        let leadingSpace = bytes.count > 0 && [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains(bytes[0])
        let trailing = digits == 0 ? bytes.count > 0 : position != bytes.count
        if leadingSpace || trailing || overflow {
            c.error("ERR invalid cursor")
            return nil
        }
        return negative ? 0 &- value : value
    }

    /// SCAN's options: COUNT (default 10), MATCH (nil for "*"), TYPE (SCAN only).
    struct Options {
        var count: Int64 = 10
        var pattern: [UInt8]? = nil
        var typeName: String? = nil
    }

    /// Parses COUNT/MATCH (and TYPE when `allowType`, as only SCAN has it) from argument
    /// `start` on; replies the error and returns nil on a bad option.
    static func parseOptions(_ c: Client, from start: Int, allowType: Bool) -> Options? {
        var options = Options()
        var index = start
        while index < c.argumentCount {
            let remaining = c.argumentCount - index
            if c.argIs(index, "count") && remaining >= 2 {
                guard let value = c.integerArgument(index + 1) else { return nil }
                if value < 1 {
                    c.error(ErrorText.syntax)
                    return nil
                }
                options.count = value
                index += 2
            } else if c.argIs(index, "match") && remaining >= 2 {
                let bytes = c.argBytes(index + 1)
                options.pattern = bytes == [UInt8(ascii: "*")] ? nil : bytes
                index += 2
            } else if allowType && c.argIs(index, "type") && remaining >= 2 {
                options.typeName = c.argString(index + 1)
                index += 2
            } else {
                c.error(ErrorText.syntax)
                return nil
            }
        }
        return options
    }

    static func scanKeys(_ c: Client, cursor: UInt64, optionsFrom start: Int) {
        guard let options = parseOptions(c, from: start, allowType: true) else { return }
        let count = options.count
        let pattern = options.pattern
        let typeName = options.typeName
        let db = c.db
        var keys: [[UInt8]] = []
        var next = cursor
        // Redis allows COUNT*10 further bucket visits (`maxiterations--`) to fill the reply.
        var iterations = count &* 10
        repeat {
            next = db.scan(next) { object in keys.append(object.keyBytes) }
            if next == 0 || iterations == 0 { break }
            iterations -= 1
        } while keys.count < count
        var kept: [[UInt8]] = []
        kept.reserveCapacity(keys.count)
        for key in keys {
            let keep = key.withUnsafeBytes { bytes -> Bool in
                if let pattern, !pattern.withUnsafeBytes({ globMatch(pattern: $0, string: bytes, noCase: false) }) {
                    return false
                }
                if let typeName {
                    let object = c.lookupCounted(bytes)
                    let name = object.map { $0.type.name.description } ?? "none"
                    if name.lowercased() != typeName.lowercased() { return false }
                }
                return c.lookupEntry(bytes) != nil
            }
            if keep { kept.append(key) }
        }
        c.reply.arrayHeader(2)
        c.reply.bulk(String(next))
        c.reply.arrayHeader(kept.count)
        for key in kept { c.reply.bulk(key) }
    }
}
