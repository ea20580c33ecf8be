// Text primitives with the exact semantics of the C routines Redis's config code uses (string2ll,
// strtoll, memtoull, strtod, sdssplitargs, sdscatrepr). Their quirks are visible to users — which
// numbers are accepted, how a value is quoted in a rewritten file — so they are reproduced rather
// than approximated with Swift's parsers.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public enum ConfigText {
    // MARK: Case

    /// `sdstolower`/`strcasecmp` fold ASCII only.
    static func lowercased(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 >= 65 && $0 <= 90 }) else { return s }
        return String(decoding: s.utf8.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        lowercased(a) == lowercased(b)
    }

    /// Redis's `yesnotoi`.
    static func yesNo(_ s: String) -> Bool? {
        switch lowercased(s) {
        case "yes": return true
        case "no": return false
        default: return nil
        }
    }

    // MARK: Integers

    /// Redis's `string2ll`: optional '-', no '+', no spaces, no leading zeros, no overflow.
    static func string2ll(_ s: Substring) -> Int64? {
        let bytes = Array(s.utf8)
        if bytes.isEmpty || bytes.count >= 21 { return nil }
        if bytes == [UInt8(ascii: "0")] { return 0 }
        var i = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative {
            i = 1
            if bytes.count == 1 { return nil }
        }
        guard bytes[i] >= UInt8(ascii: "1") && bytes[i] <= UInt8(ascii: "9") else { return nil }
        var magnitude: UInt64 = 0
        while i < bytes.count {
            let digit = bytes[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { return nil }
            magnitude = sum
            i += 1
        }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return magnitude > UInt64(Int64.max) ? nil : Int64(magnitude)
    }

    static func string2ll(_ s: String) -> Int64? { string2ll(Substring(s)) }

    /// C's `strtoll` as Redis calls it: leading white space and a sign are allowed, overflow
    /// saturates. `complete` is C's `*endptr == '\0'` (true for "", where nothing is parsed).
    static func strtoll(_ s: String, base: Int64 = 10) -> (value: Int64, complete: Bool, overflow: Bool) {
        let bytes = Array(s.utf8)
        var i = 0
        while i < bytes.count && isCSpace(bytes[i]) { i += 1 }
        var negative = false
        if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        let digitsStart = i
        var magnitude: UInt64 = 0
        var overflow = false
        while i < bytes.count {
            let digit = Int64(bytes[i]) - Int64(UInt8(ascii: "0"))
            guard digit >= 0 && digit < base else { break }
            let (times, o1) = magnitude.multipliedReportingOverflow(by: UInt64(base))
            let (sum, o2) = times.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { overflow = true }
            magnitude = sum
            i += 1
        }
        if i == digitsStart {
            return (0, bytes.isEmpty, false)  // no digits: endptr stays at the start
        }
        let limit = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        if overflow || magnitude > limit {
            return (negative ? Int64.min : Int64.max, i == bytes.count, true)
        }
        let value = negative ? (magnitude == limit ? Int64.min : -Int64(magnitude)) : Int64(magnitude)
        return (value, i == bytes.count, false)
    }

    /// Redis's `memtoull`: digits then an optional unit b, k, kb, m, mb, g, gb (any case; k/m/g
    /// are powers of 1000, kb/mb/gb of 1024). No sign, no spaces; "" and a bare unit read as 0;
    /// overflow is not detected (strtoull saturates, the multiplication wraps), as in Redis.
    public static func memtoull(_ s: String) -> UInt64? {
        let bytes = Array(s.utf8)
        if bytes.first == UInt8(ascii: "-") { return nil }
        var digitsEnd = 0
        while digitsEnd < bytes.count && bytes[digitsEnd] >= 48 && bytes[digitsEnd] <= 57 { digitsEnd += 1 }
        let unit = lowercased(String(decoding: bytes[digitsEnd...], as: UTF8.self))
        let multiplier: UInt64
        switch unit {
        case "", "b": multiplier = 1
        case "k": multiplier = 1000
        case "kb": multiplier = 1024
        case "m": multiplier = 1000 * 1000
        case "mb": multiplier = 1024 * 1024
        case "g": multiplier = 1000 * 1000 * 1000
        case "gb": multiplier = 1024 * 1024 * 1024
        default: return nil
        }
        if digitsEnd >= 128 { return nil }
        var value: UInt64 = 0
        for byte in bytes[..<digitsEnd] {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(byte - 48))
            if o1 || o2 { value = UInt64.max; break }
            value = sum
        }
        return value &* multiplier
    }

    // MARK: Doubles

    /// Redis's `string2d`: strtod over the whole text, no leading space, no NaN, no overflow.
    static func string2d(_ s: String) -> Double? {
        if s.isEmpty || isCSpace(s.utf8.first!) || s.utf8.contains(0) { return nil }
        return s.withCString { start -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtod(start, &end)
            guard let end, end - UnsafeMutablePointer(mutating: start) == s.utf8.count else { return nil }
            if errno == ERANGE && (value == .infinity || value == -.infinity || value == 0) { return nil }
            return value.isNaN ? nil : value
        }
    }

    /// `%f` with trailing zeros (and a trailing dot) removed: Redis's `trimDoubleString` output.
    static func trimmedFixed(_ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        let length = withVaList([value]) { args in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, "%f", args) }
        }
        var text = String(decoding: buffer.prefix(Int(max(0, length))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    // MARK: Quoting and splitting

    /// Redis's `sdscatrepr`: always double-quoted; `\` and `"` escaped; \n \r \t \a \b named;
    /// every other byte outside printable ASCII as \xhh.
    static func quoted(_ s: String) -> String {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), byte]
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x07: out += Array("\\a".utf8)
            case 0x08: out += Array("\\b".utf8)
            case 0x20...0x7E: out.append(byte)
            default:
                let hex = Array("0123456789abcdef".utf8)
                out += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    /// Redis's `sdssplitargs`: words separated by blanks; "double quotes" with \n \r \t \b \a \xhh
    /// and \<any> escapes; 'single quotes' with only \' escaped. A closing quote must be followed
    /// by a blank or the end. Returns nil for unbalanced quotes. A NUL byte ends the line, as it
    /// does for the C string Redis passes.
    public static func splitArgs<Bytes: Collection>(_ line: Bytes) -> [String]? where Bytes.Element == UInt8 {
        var bytes = Array(line)
        if let nul = bytes.firstIndex(of: 0) { bytes.removeSubrange(nul...) }
        func at(_ i: Int) -> UInt8 { i < bytes.count ? bytes[i] : 0 }

        var args: [String] = []
        var p = 0
        while true {
            while p < bytes.count && isCSpace(bytes[p]) { p += 1 }
            if p >= bytes.count { return args }
            var current: [UInt8] = []
            var inDouble = false, inSingle = false, done = false
            while !done {
                let c = at(p)
                if inDouble {
                    if c == UInt8(ascii: "\\") && at(p + 1) == UInt8(ascii: "x")
                        && isHexDigit(at(p + 2)) && isHexDigit(at(p + 3)) {
                        current.append(hexValue(at(p + 2)) * 16 + hexValue(at(p + 3)))
                        p += 3
                    } else if c == UInt8(ascii: "\\") && at(p + 1) != 0 {
                        p += 1
                        switch at(p) {
                        case UInt8(ascii: "n"): current.append(0x0A)
                        case UInt8(ascii: "r"): current.append(0x0D)
                        case UInt8(ascii: "t"): current.append(0x09)
                        case UInt8(ascii: "b"): current.append(0x08)
                        case UInt8(ascii: "a"): current.append(0x07)
                        default: current.append(at(p))
                        }
                    } else if c == UInt8(ascii: "\"") {
                        if at(p + 1) != 0 && !isCSpace(at(p + 1)) { return nil }
                        done = true
                    } else if c == 0 {
                        return nil
                    } else {
                        current.append(c)
                    }
                } else if inSingle {
                    if c == UInt8(ascii: "\\") && at(p + 1) == UInt8(ascii: "'") {
                        p += 1
                        current.append(UInt8(ascii: "'"))
                    } else if c == UInt8(ascii: "'") {
                        if at(p + 1) != 0 && !isCSpace(at(p + 1)) { return nil }
                        done = true
                    } else if c == 0 {
                        return nil
                    } else {
                        current.append(c)
                    }
                } else {
                    switch c {
                    case UInt8(ascii: " "), 0x0A, 0x0D, 0x09, 0: done = true
                    case UInt8(ascii: "\""): inDouble = true
                    case UInt8(ascii: "'"): inSingle = true
                    default: current.append(c)
                    }
                }
                if p < bytes.count { p += 1 }
            }
            args.append(String(decoding: current, as: UTF8.self))
        }
    }

    /// How CONFIG SET splits a multi-word value (`sdssplitlen` on " "): "" gives no words, and
    /// every single space separates, so doubled spaces yield empty words.
    static func splitOnSpaces(_ s: String) -> [String] {
        s.isEmpty ? [] : s.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
    }

    /// Trims the bytes Redis's `sdstrim` is given (" \t\r\n") from both ends.
    static func trimmed(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        var slice = line
        while let first = slice.first, blank(first) { slice.removeFirst() }
        while let last = slice.last, blank(last) { slice.removeLast() }
        return slice
    }

    // MARK: Rewrite formatting

    /// Redis's `rewriteConfigFormatMemory`: the largest of gb/mb/kb that divides the value
    /// exactly. It works on the signed value, as Redis does.
    static func rewriteMemory(_ bytes: Int64) -> String {
        let gb: Int64 = 1 << 30, mb: Int64 = 1 << 20, kb: Int64 = 1 << 10
        if bytes != 0 && bytes % gb == 0 { return "\(bytes / gb)gb" }
        if bytes != 0 && bytes % mb == 0 { return "\(bytes / mb)mb" }
        if bytes != 0 && bytes % kb == 0 { return "\(bytes / kb)kb" }
        return "\(bytes)"
    }

    // MARK: Bytes

    /// C's `isspace` in the C locale.
    static func isCSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    private static func isHexDigit(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70)
    }

    private static func hexValue(_ b: UInt8) -> UInt8 {
        switch b {
        case 48...57: return b - 48
        case 97...102: return b - 87
        default: return b - 55
        }
    }
}
