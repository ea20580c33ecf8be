import Testing
import Util

@Suite struct FloatTextTests {
    private func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    private func longDouble(_ text: String) -> LongDouble? {
        Array(text.utf8).withUnsafeBytes { parseLongDouble($0) }
    }

    private func double(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBytes { parseDouble($0) }
    }

    @Test(arguments: [
        (0.1, "0.10000000000000001"),
        (1.5, "1.5"),
        (3.0, "3"),
        (0.0, "0"),
        (-0.0, "-0"),
        (100.0, "100"),
        (1e16, "10000000000000000"),
        (1e17, "1e+17"),
        (1e300, "1.0000000000000001e+300"),
        (1e-5, "1.0000000000000001e-05"),
        (2.5e-8, "2.4999999999999999e-08"),
        (1.0 / 3.0, "0.33333333333333331"),
        (123456789012345678.0, "1.2345678901234568e+17"),
        (Double.infinity, "inf"),
        (-Double.infinity, "-inf"),
    ])
    func g17(value: Double, expected: String) {
        #expect(text(doubleG17Bytes(value)) == expected)
    }

    private func human(_ value: Double) -> String? { text(longDoubleHumanBytes(LongDouble(value))) }

    /// INCRBYFLOAT's output: %.17Lf with trailing zeros (and a bare point) removed.
    @Test func humanLongDoubles() throws {
        #expect(human(10.5) == "10.5")
        #expect(human(5000) == "5000")
        #expect(human(0) == "0")
        #expect(human(-0.0) == "0")
        #expect(human(-1e-18) == "0")
        #expect(human(3e-17) == "0.00000000000000003")
        #expect(human(1e20) == "100000000000000000000")
        #expect(human(-2.5) == "-2.5")
        // A value with more precision than a double: the long double's own digits are printed
        // (a double's 1/3 would print as 0.33333333333333331).
        let third = try #require(longDouble("0.333333333333333333333333"))
        #expect(text(longDoubleHumanBytes(third)) == "0.33333333333333333")
        #expect(text(longDoubleHumanBytes(LongDouble(Int64.max))) == "9223372036854775807")
        #expect(longDoubleHumanBytes(.infinity) == nil)
        #expect(longDoubleHumanBytes(LongDouble(-Double.infinity)) == nil)
        #expect(longDoubleHumanBytes(.nan) == nil)
    }

    /// Sums happen in long double: 0.1 + 0.2 is exact enough to print as 0.3 (in doubles it is
    /// 0.30000000000000004), as Redis's INCRBYFLOAT answers.
    @Test func longDoubleAddition() throws {
        let a = try #require(longDouble("0.1"))
        let b = try #require(longDouble("0.2"))
        #expect(text(longDoubleHumanBytes(a + b)) == "0.3")
        #expect((a + b).isNaN == false)
        #expect((LongDouble.infinity + LongDouble(-Double.infinity)).isNaN)
        #expect((LongDouble(1e308) + LongDouble(1e308)).isInfinite == false)  // long double range
    }

    /// getTimeoutFromObjectOrReply's truncation of seconds * 1000 in long double.
    @Test func timeoutMilliseconds() throws {
        #expect(try #require(longDouble("0.0015")).secondsToMillisecondsTruncated == 1)
        #expect(try #require(longDouble("1.5")).secondsToMillisecondsTruncated == 1500)
        #expect(try #require(longDouble("-0.5")).secondsToMillisecondsTruncated == -500)
        #expect(try #require(longDouble("1e30")).secondsToMillisecondsTruncated == Int64.min)
        #expect(LongDouble.infinity.secondsToMillisecondsTruncated == Int64.min)
    }

    /// The documented INCRBYFLOAT examples: 10.50 + 0.1 = 10.6, 5.0e3 + 2.0e2 = 5200.
    @Test func incrByFloatExamples() throws {
        let a = try #require(longDouble("10.50"))
        let b = try #require(longDouble("0.1"))
        #expect(text(longDoubleHumanBytes(a + b)) == "10.6")
        let c = try #require(longDouble("5.0e3"))
        let d = try #require(longDouble("2.0e2"))
        #expect(text(longDoubleHumanBytes(c + d)) == "5200")
        let e = try #require(longDouble("3.0e3"))
        #expect(text(longDoubleHumanBytes(e)) == "3000")
    }

    @Test func parsingLongDoubles() {
        #expect(longDouble("10.5") == LongDouble(10.5))
        #expect(longDouble("-3") == LongDouble(Int64(-3)))
        #expect(longDouble("1e3") == LongDouble(Int64(1000)))
        #expect(longDouble("inf") == .infinity)
        for bad in ["", " 1", "1 ", "abc", "1.5x", "nan", "1e5000", "--1", "\t2"] {
            #expect(longDouble(bad) == nil, "\(bad)")
        }
    }

    @Test func parsingDoubles() {
        #expect(double("1.5") == 1.5)
        #expect(double("-0.25") == -0.25)
        #expect(double("1e10") == 1e10)
        #expect(double("+2") == 2)
        #expect(double("-inf") == -.infinity)
        // Subnormals are range errors in strtod but not zero: accepted, as string2d does.
        #expect(double("4e-320") != nil)
        for bad in ["", " 1", "1 ", "x", "1.2.3", "nan", "1e400", "-1e400", "1e-400", "0x"] {
            #expect(double(bad) == nil, "\(bad)")
        }
    }

    @Test func fixedPoint() {
        #expect(fixedPointString(0.123456789, digits: 6) == "0.123457")
        #expect(fixedPointString(2, digits: 2) == "2.00")
        #expect(fixedPointString(-1.5, digits: 0) == "-2")
    }
}
