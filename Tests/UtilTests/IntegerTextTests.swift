import Testing
import Util
import TestSupport

@Suite struct IntegerTextTests {
    @Test(arguments: [
        ("0", Int64(0)),
        ("1", 1),
        ("-1", -1),
        ("123", 123),
        ("-123", -123),
        ("10", 10),
        ("9223372036854775807", Int64.max),
        ("-9223372036854775808", Int64.min),
        ("-9223372036854775807", -Int64.max),
    ])
    func accepted(text: String, value: Int64) {
        #expect(parseInt64(text) == value)
        #expect(parseInt64(Array(text.utf8)) == value)
    }

    /// string2ll's refusals: signs other than a leading '-', leading zeros, "-0", spaces,
    /// anything but digits, more than 20 characters, and overflow.
    @Test(arguments: [
        "", "-", "+", "+1", "+0", "00", "01", "-01", "-0", "007", " 1", "1 ", "1\r\n", "\t1",
        "1a", "a1", "1.0", "1e3", "0x10", "--1", "1-", "/", ":",
        "9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
        "99999999999999999999", "-99999999999999999999", "123456789012345678901", "000000000000000000001",
        "\u{0661}",
    ])
    func rejected(text: String) {
        #expect(parseInt64(text) == nil, "\(text)")
    }

    @Test func decimalFormatting() {
        for (value, text) in [(Int64(0), "0"), (7, "7"), (-7, "-7"), (10, "10"), (99, "99"), (100, "100"),
                              (-100, "-100"), (Int64.max, "9223372036854775807"), (Int64.min, "-9223372036854775808")] {
            #expect(decimalBytes(value) == Array(text.utf8))
            #expect(decimalLength(value) == text.utf8.count)
            var buffer = [UInt8](repeating: 0xAA, count: 24)
            let length = buffer.withUnsafeMutableBufferPointer { writeDecimal(value, to: $0.baseAddress!) }
            #expect(length == text.utf8.count)
            #expect(Array(buffer[..<length]) == Array(text.utf8))
            #expect(buffer[length...].allSatisfy { $0 == 0xAA }, "writes nothing past the digits")
        }
    }

    @Test func roundTripsRandomValues() {
        var generator = SeededGenerator(seed: 3)
        var failures = 0
        for _ in 0..<20_000 {
            // Spread over every magnitude, not just huge values.
            let bits = Int64.random(in: 0...63, using: &generator)
            let value = Int64.random(in: Int64.min...Int64.max, using: &generator) >> bits
            let text = decimalBytes(value)
            if parseInt64(text) != value { failures += 1 }
            if String(value) != String(decoding: text, as: UTF8.self) { failures += 1 }
        }
        #expect(failures == 0)
    }
}
