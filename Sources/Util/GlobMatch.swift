// Glob matching with the semantics of Redis's `stringmatchlen` (util.c), used by KEYS, SCAN MATCH,
// PSUBSCRIBE and CONFIG GET.
//
// Redis's version is recursive (one frame per `*`), which a long pattern of stars can turn into a
// deep stack. This one is iterative: every token other than `*` consumes exactly one byte of the
// string and its extent in the pattern does not depend on the string, so backtracking to the most
// recent `*` is complete and gives the same answers. It reads both buffers in place and allocates
// nothing.
//
// Quirks kept on purpose, because clients can observe them:
// - an empty string matches only an empty pattern (Redis never enters its loop), so `*` does not
//   match ""; KEYS and SCAN special-case a lone `*` before calling the matcher;
// - `[` without a closing `]` ends the class at the end of the pattern; `[^` then matches any byte;
// - a trailing `\` matches a literal backslash;
// - inside a class, ranges compare bytes as C's signed `char`, so a range reaching into 0x80...0xFF
//   behaves as it does in Redis on x86;
// - `noCase` folds ASCII letters only, as `tolower` does in the C locale.

/// Whether `string` matches the glob `pattern` (Redis's `stringmatchlen`).
public func globMatch(pattern: UnsafeRawBufferPointer, string: UnsafeRawBufferPointer, noCase: Bool) -> Bool {
    let patternCount = pattern.count
    let stringCount = string.count
    if stringCount == 0 { return patternCount == 0 }

    var p = 0
    var s = 0
    // The most recent `*`: where the rest of the pattern starts, and the string position it was
    // last tried at. Backtracking lets that star swallow one more byte.
    var starRest = -1
    var starString = 0

    while true {
        if s == stringCount {
            while p < patternCount && pattern[p] == UInt8(ascii: "*") { p += 1 }
            if p == patternCount { return true }
        } else if p < patternCount && pattern[p] == UInt8(ascii: "*") {
            while p + 1 < patternCount && pattern[p + 1] == UInt8(ascii: "*") { p += 1 }
            if p + 1 == patternCount { return true }  // trailing star takes the rest
            starRest = p + 1
            starString = s
            p += 1
            continue
        } else if p < patternCount,
                  let next = matchToken(pattern, at: p, byte: string[s], noCase: noCase) {
            p = next
            s += 1
            continue
        }
        // Mismatch (or pattern left over at the end of the string): let the last star grow.
        if starRest < 0 { return false }
        starString += 1
        if starString > stringCount { return false }
        s = starString
        p = starRest
    }
}

/// Convenience for callers holding Swift strings (CONFIG GET, tests); matches their UTF-8 bytes.
public func globMatch(pattern: String, string: String, noCase: Bool) -> Bool {
    var pattern = pattern
    var string = string
    return pattern.withUTF8 { patternBytes in
        string.withUTF8 { stringBytes in
            globMatch(pattern: UnsafeRawBufferPointer(patternBytes),
                      string: UnsafeRawBufferPointer(stringBytes), noCase: noCase)
        }
    }
}

/// Matches the single non-star token starting at `pattern[index]` against `byte`.
/// Returns the index just past the token, or nil when the byte does not match.
@inline(__always)
private func matchToken(_ pattern: UnsafeRawBufferPointer, at index: Int, byte: UInt8, noCase: Bool) -> Int? {
    let count = pattern.count
    switch pattern[index] {
    case UInt8(ascii: "?"):
        return index + 1
    case UInt8(ascii: "["):
        return matchClass(pattern, at: index + 1, byte: byte, noCase: noCase)
    case UInt8(ascii: "\\") where index + 1 < count:
        return sameByte(pattern[index + 1], byte, noCase) ? index + 2 : nil
    default:
        return sameByte(pattern[index], byte, noCase) ? index + 1 : nil
    }
}

/// A `[...]` class whose body starts at `start` (just after the `[`). Mirrors the C loop, including
/// its handling of an unterminated class, and returns the index just past the class.
private func matchClass(_ pattern: UnsafeRawBufferPointer, at start: Int, byte: UInt8, noCase: Bool) -> Int? {
    let count = pattern.count
    var i = start
    let negate = i < count && pattern[i] == UInt8(ascii: "^")
    if negate { i += 1 }
    var matched = false
    let end: Int
    while true {
        if i == count {
            end = count  // unterminated class: it runs to the end of the pattern
            break
        }
        let c = pattern[i]
        if c == UInt8(ascii: "\\") && count - i >= 2 {
            i += 1
            if pattern[i] == byte { matched = true }
        } else if c == UInt8(ascii: "]") {
            end = i + 1
            break
        } else if count - i >= 3 && pattern[i + 1] == UInt8(ascii: "-") {
            var low = signedChar(c)
            var high = signedChar(pattern[i + 2])
            var value = signedChar(byte)
            if low > high { swap(&low, &high) }
            if noCase {
                low = lowerSigned(low)
                high = lowerSigned(high)
                value = lowerSigned(value)
            }
            i += 2
            if value >= low && value <= high { matched = true }
        } else if sameByte(c, byte, noCase) {
            matched = true
        }
        i += 1
    }
    if negate { matched.toggle() }
    return matched ? end : nil
}

@inline(__always)
private func sameByte(_ a: UInt8, _ b: UInt8, _ noCase: Bool) -> Bool {
    noCase ? asciiLower(a) == asciiLower(b) : a == b
}

@inline(__always)
private func asciiLower(_ c: UInt8) -> UInt8 {
    c &- UInt8(ascii: "A") < 26 ? c | 0x20 : c
}

/// A byte as C's `char` on x86 (signed), widened for comparisons.
@inline(__always)
private func signedChar(_ c: UInt8) -> Int { Int(Int8(bitPattern: c)) }

/// `tolower` over a signed char value: only ASCII capitals change.
@inline(__always)
private func lowerSigned(_ c: Int) -> Int { c >= 65 && c <= 90 ? c + 32 : c }
