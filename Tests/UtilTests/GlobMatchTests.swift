import Testing
import Util

@Suite struct GlobMatchTests {
    private func match(_ pattern: String, _ string: String, noCase: Bool = false) -> Bool {
        globMatch(pattern: pattern, string: string, noCase: noCase)
    }

    private func matchBytes(_ pattern: [UInt8], _ string: [UInt8], noCase: Bool = false) -> Bool {
        pattern.withUnsafeBytes { p in string.withUnsafeBytes { s in globMatch(pattern: p, string: s, noCase: noCase) } }
    }

    @Test func literals() {
        #expect(match("hello", "hello"))
        #expect(!match("hello", "hellO"))
        #expect(!match("hello", "hell"))
        #expect(!match("hell", "hello"))
        #expect(match("", ""))
        #expect(!match("", "a"))
    }

    @Test func stars() {
        #expect(match("*", "anything"))
        #expect(match("h*o", "hello"))
        #expect(match("h*o", "ho"))
        #expect(match("h**o", "hello"))
        #expect(match("*llo", "hello"))
        #expect(match("he*", "he"))
        #expect(match("a*b*c", "aXXbYYc"))
        #expect(!match("a*b*c", "aXXbYY"))
        #expect(match("*a*a*a*", "banana aa"))
        #expect(!match("*x*", "hello"))
    }

    @Test func emptyStringMatchesOnlyEmptyPattern() {
        // Redis's loop never runs for an empty string, so even `*` fails; KEYS/SCAN special-case `*`.
        #expect(!match("*", ""))
        #expect(!match("**", ""))
        #expect(match("a*", "a"))
        #expect(match("a**", "a"))
    }

    @Test func questionMark() {
        #expect(match("h?llo", "hello"))
        #expect(match("h?llo", "hallo"))
        #expect(!match("h?llo", "hllo"))
        #expect(match("???", "abc"))
        #expect(!match("???", "ab"))
    }

    @Test func classes() {
        #expect(match("h[ae]llo", "hello"))
        #expect(match("h[ae]llo", "hallo"))
        #expect(!match("h[ae]llo", "hillo"))
        #expect(match("h[^e]llo", "hallo"))
        #expect(!match("h[^e]llo", "hello"))
        #expect(match("h[a-b]llo", "hbllo"))
        #expect(!match("h[a-b]llo", "hcllo"))
        #expect(match("h[b-a]llo", "hallo"), "reversed ranges are swapped")
        #expect(match("[\\]]", "]"))
        #expect(match("[a\\-z]", "-"))
        #expect(!match("[a\\-z]", "b"))
    }

    @Test func unterminatedClass() {
        #expect(match("a[bc", "ab"))
        #expect(match("a[bc", "ac"))
        #expect(!match("a[bc", "ad"))
        #expect(match("a[^", "ax"), "`[^` at the end matches any byte")
        #expect(!match("a[", "ax"))
    }

    @Test func escapes() {
        #expect(match("\\*", "*"))
        #expect(!match("\\*", "a"))
        #expect(match("a\\?b", "a?b"))
        #expect(!match("a\\?b", "axb"))
        #expect(match("a\\", "a\\"), "a trailing backslash is literal")
        #expect(match("\\[x]", "[x]"))
    }

    @Test func noCase() {
        #expect(match("HeLLo", "hello", noCase: true))
        #expect(!match("HeLLo", "hello", noCase: false))
        #expect(match("H[A-C]*", "hb-whatever", noCase: true))
        #expect(match("[^X]", "y", noCase: true))
        #expect(!match("[^X]", "x", noCase: true))
        #expect(match("maxmemory*", "MAXMEMORY-POLICY", noCase: true))
    }

    @Test func binaryBytes() {
        #expect(matchBytes([0x2A, 0x00, 0x2A], [0x61, 0x00, 0x62]))
        #expect(matchBytes([0x3F], [0xFF]))
        // Ranges compare as signed chars: [a-\xff] is swapped into -1...97, which holds 0xFF,
        // NUL and 'a' but neither 0x80 (-128) nor 'b'.
        let range = Array("[a-".utf8) + [0xFF, 0x5D]
        #expect(matchBytes(range, [0xFF]))
        #expect(matchBytes(range, [0x00]))
        #expect(matchBytes(range, Array("a".utf8)))
        #expect(!matchBytes(range, [0x80]))
        #expect(!matchBytes(range, Array("b".utf8)))
    }

    @Test func longStarPatternsDoNotRecurse() {
        // Redis's recursive matcher uses one frame per star; this must stay flat and fast.
        let pattern = String(repeating: "a*", count: 50_000) + "b"
        let string = String(repeating: "a", count: 60_000)
        #expect(!match(pattern, string))
        #expect(match(String(repeating: "*a", count: 10_000), String(repeating: "a", count: 10_000)))
    }
}
