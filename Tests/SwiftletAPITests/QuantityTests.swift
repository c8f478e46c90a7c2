import Foundation
import Testing
import Yams
@testable import SwiftletAPI

// Expected values come from Kubernetes' own tests in k8s.io/apimachinery/pkg/api/resource
// (quantity_test.go, quantity_golden_test.go, quantity_subnano_test.go, quantity_compat_test.go)
// unless a row says it follows from quantity.go directly.

/// One parse → String() expectation.
struct EmitCase: CustomTestStringConvertible, Sendable {
    let input: String
    let expected: String
    init(_ input: String, _ expected: String) {
        self.input = input
        self.expected = expected
    }
    var testDescription: String { "\(input) → \(expected)" }
}

private func q(_ text: String) throws -> Quantity { try Quantity(parsing: text) }

@Suite("Quantity")
struct QuantityTests {
    // MARK: Parse → canonical text

    /// TestQuantityParseEmit, including its negated run.
    static let parseEmitCases: [EmitCase] = [
        .init("1Ki", "1Ki"), .init("1Mi", "1Mi"), .init("1Gi", "1Gi"), .init("1024Mi", "1Gi"),
        .init("1000M", "1G"), .init(".001Ki", "1024m"), .init(".000001Ki", "1024u"),
        .init(".000000001Ki", "1024n"), .init(".000000000001Ki", "2n"),
        .init("-1Ki", "-1Ki"), .init("-1024Mi", "-1Gi"), .init("-1000M", "-1G"),
        .init("-.001Ki", "-1024m"), .init("-.000000000001Ki", "-2n"),
    ]

    @Test("parse then String() as TestQuantityParseEmit", arguments: parseEmitCases)
    func parseEmit(_ c: EmitCase) throws {
        #expect(try q(c.input).description == c.expected)
    }

    /// TestQuantityString: each canonical string parses back to itself (Kubernetes caches it)
    /// and each alternate spelling canonicalizes to it.
    static let canonicalAndAlternatesCases: [EmitCase] = [
        .init("1Gi", "1Gi"), .init("1024Mi", "1Gi"),
        .init("300Mi", "300Mi"), .init("307200Ki", "300Mi"),
        .init("6Ki", "6Ki"),
        .init("1001Gi", "1001Gi"), .init("1025024Mi", "1001Gi"),
        .init("1Ti", "1Ti"), .init("1024Gi", "1Ti"),
        .init("5", "5"), .init("5000m", "5"),
        .init("500m", "500m"), .init("0.5", "500m"),
        .init("1G", "1G"), .init("1000M", "1G"), .init("0.001T", "1G"),
        .init("1m", "1m"), .init("1000u", "1m"),
        .init("80m", "80m"),
        .init("1080m", "1080m"), .init("1.08", "1080m"), .init("1080000000n", "1080m"),
        .init("300M", "300M"), .init("1T", "1T"), .init("1E", "1E"),
        .init("1e21", "1e21"), .init("1000E", "1e21"),
        .init("5e21", "5e21"), .init("5000E", "5e21"),
        .init("1e24", "1e24"), .init("1000000E", "1e24"),
        .init("1234567M", "1234567M"), .init("1234567m", "1234567m"),
        .init("3k", "3k"), .init("1025", "1025"),
        .init("0", "0"), .init("00", "0"),
        .init("1e9", "1e9"), .init(".001e12", "1e9"),
        .init("1e-3", "1e-3"), .init("0.001e0", "1e-3"),
        .init("1e-9", "1e-9"), .init("1000e-12", "1e-9"),
        .init("80e-3", "80e-3"), .init("300e6", "300e6"), .init("1e12", "1e12"),
        .init("1e3", "1e3"), .init("3e3", "3e3"),
        .init("1n", "1n"), .init("80n", "80n"), .init("1080n", "1080n"),
        .init("1u", "1u"), .init("80u", "80u"), .init("1080u", "1080u"),
    ]

    @Test("canonical and alternate spellings as TestQuantityString", arguments: canonicalAndAlternatesCases)
    func canonicalAndAlternates(_ c: EmitCase) throws {
        #expect(try q(c.input).description == c.expected)
    }

    /// TestParseQuantity: values around the int64 boundary and beyond it keep every digit.
    static let largeValuesCases: [EmitCase] = [
        .init("-999999999999999999", "-999999999999999999"),
        .init("999999999999999999.0", "999999999999999999"),
        .init("999999999999999999.1", "999999999999999999100m"),
        .init("-999999999999999999.1", "-999999999999999999100m"),
        .init("9999999999999999999", "9999999999999999999"),
        .init("-1E", "-1E"),
        .init("1000000000000000000", "1E"), .init("-1000000000000000000.0", "-1E"), .init("1.0E", "1E"),
        .init("9999999999999999999000m", "9999999999999999999"),
        .init("9999999999999999999.1", "9999999999999999999100m"),
        .init("1.0000000000000000001E", "1000000000000000000100m"),
        .init("-1.000000000000000001E", "-1000000000000000001"),
        .init("1000000000000000001", "1000000000000000001"),
        .init("10E", "10E"), .init("10000000000000000000", "10E"), .init("-10.0E", "-10E"),
        .init("10000000000000000000000m", "10E"),
        .init("10.0000000000000000001E", "10000000000000000000100m"),
        .init("10.000000000000000001E", "10000000000000000001"),
        .init("-9223372036854775809", "-9223372036854775809"),
        .init("9223372036854775806000m", "9223372036854775806"),
        .init("-9223372036854775808", "-9223372036854775808"),
        .init("9223372036854775807", "9223372036854775807"),
        .init("9223372036854775807.0", "9223372036854775807"),
        .init("9223372036854775808", "9223372036854775808"),
        .init("9223372036854775808.1", "9223372036854775808100m"),
        .init("-9223372036854775807.1", "-9223372036854775807100m"),
    ]

    @Test("digits beyond Int64 are kept as TestParseQuantity", arguments: largeValuesCases)
    func largeValues(_ c: EmitCase) throws {
        #expect(try q(c.input).description == c.expected)
    }

    /// quantity_golden_test.go, which pins the bytes Kubernetes stores, quirks included: a
    /// fraction of exactly 3n digits keeps its spelling (kubernetes#138165), BinarySI parses cap
    /// at 2^63-1, and there is no SI suffix past E.
    static let goldenCases: [EmitCase] = [
        .init("1", "1"), .init("-1", "-1"), .init("1e3", "1e3"), .init("0.1", "100m"),
        .init("0.000000000000001", "1n"),
        .init("1.441", "1.441"), .init("1.000001", "1.000001"), .init("1.000000001", "1.000000001"),
        .init("1.5", "1500m"),
        .init("18446744073709551616", "18446744073709551616"),
        .init("100E", "100E"), .init("1e100", "10e99"),
        .init("8Ei", "9223372036854775807"), .init("-20Ei", "-9223372036854775807"),
        .init("-9.5Gi", "-9728Mi"), .init("-9.5000000001Gi", "-10200547328107374183n"),
    ]

    @Test("serialized forms pinned by quantity_golden_test.go", arguments: goldenCases)
    func golden(_ c: EmitCase) throws {
        #expect(try q(c.input).description == c.expected)
    }

    /// quantity_subnano_test.go: a magnitude below 1n rounds away from zero to 1n.
    static let subNanoCases: [EmitCase] = [
        .init("1e-100", "1e-9"), .init("0.0000000000001", "1n"), .init("-0.0000000000001", "-1n"),
        .init("0.00000000000000000000001Ki", "1n"),
        .init("1e-2147483647", "1e-9"), .init("-1e-2147483647", "-1e-9"),
        .init("15e-10", "2e-9"), .init("1000000000000000000001e-30", "2e-9"),
        .init("999999999999999999999e-30", "1e-9"), .init("0e-2147483647", "0"), .init("0.0e-100", "0"),
        // TestQuantityParse "things that saturate/round", as text.
        .init("3.001n", "4n"), .init("0.0000000005", "1n"), .init("0.9n", "1n"),
        .init("0.00000012345", "124n"), .init("0.000000000001Ki", "2n"),
    ]

    @Test("sub-nano values round up to 1n as quantity_subnano_test.go", arguments: subNanoCases)
    func subNano(_ c: EmitCase) throws {
        #expect(try q(c.input).description == c.expected)
    }

    /// quantity_compat_test.go: an exponent is read as int64 then truncated to int32, and
    /// Kubernetes' int32 scale arithmetic wraps; the stored spelling must survive.
    static let int32ExponentsCases: [EmitCase] = [
        .init("1e4294967296", "1e4294967296"), .init("1e4294967297", "10"),
        .init("-1e4294967296", "-1e4294967296"), .init("1.25e2147483648", "1.25e2147483648"),
        .init("1.5e2147483648", "150e2147483646"), .init("0.5e2147483648", "50e2147483646"),
    ]

    @Test("exponents beyond int32 wrap as quantity_compat_test.go", arguments: int32ExponentsCases)
    func int32Exponents(_ c: EmitCase) throws {
        #expect(try q(c.input).description == c.expected)
    }

    /// Cases the brief calls out, each following from quantity.go: note Kubernetes keeps nano
    /// precision, so 0.1m is 100u (the old "rounds up to 1m" doc text is outdated).
    static let everydayCases: [EmitCase] = [
        .init("1500m", "1500m"), .init("1000m", "1"), .init("100M", "100M"), .init("12e6", "12e6"),
        .init("100n", "100n"), .init("0.001", "1m"), .init("0.0001", "100u"), .init("0.1m", "100u"),
        .init("1.5e3", "1500"), .init("0.5Gi", "512Mi"), .init("1536Mi", "1536Mi"), .init("1.5Ki", "1536"),
        .init("0.3Ki", "307200m"), .init("1.5k", "1500"), .init("2.5Mi", "2560Ki"),
        .init("-0", "0"), .init("0Mi", "0"), .init("+1.5", "1500m"), .init("1.0", "1"),
        // The cache keeps these spellings exactly as it keeps "1.441" (same check in quantity.go).
        .init("+1", "+1"), .init("01", "01"), .init("1.G", "1.G"), .init("1.", "1."), .init("1.100", "1.100"),
        // A bare sign, "." or suffix scans as 0 (kubernetes/apimachinery#165, never fixed).
        .init("Ki", "0"), .init("k", "0"), .init("-", "0"), .init(".", "0"),
    ]

    @Test("everyday spellings", arguments: everydayCases)
    func everyday(_ c: EmitCase) throws {
        #expect(try q(c.input).description == c.expected)
    }

    // MARK: Parsed values and formats (TestQuantityParse)

    struct ValueCase: CustomTestStringConvertible, Sendable {
        let input: String
        let value: Int64
        let scale: Int
        let format: Quantity.Format
        var testDescription: String { "\(input) = \(value)e\(scale) \(format.rawValue)" }
    }

    static let parsedValues: [ValueCase] = [
        .init(input: "0Ki", value: 0, scale: 0, format: .binarySI),
        .init(input: "0T", value: 0, scale: 0, format: .decimalSI),
        .init(input: "8Ki", value: 8 * 1024, scale: 0, format: .binarySI),
        .init(input: "7Mi", value: 7 * 1024 * 1024, scale: 0, format: .binarySI),
        .init(input: "4Pi", value: 4 << 50, scale: 0, format: .binarySI),
        .init(input: "3Ei", value: 3 << 60, scale: 0, format: .binarySI),
        .init(input: "100Ti", value: 100 << 40, scale: 0, format: .binarySI),
        .init(input: "5n", value: 5, scale: -9, format: .decimalSI),
        .init(input: "4u", value: 4, scale: -6, format: .decimalSI),
        .init(input: "50k", value: 5, scale: 4, format: .decimalSI),
        .init(input: "300T", value: 3, scale: 14, format: .decimalSI),
        .init(input: "1E-3", value: 1, scale: -3, format: .decimalExponent),
        .init(input: "1e14", value: 1, scale: 14, format: .decimalExponent),
        .init(input: "100.035k", value: 100_035, scale: 0, format: .decimalSI),
        .init(input: "0.0005k", value: 5, scale: -1, format: .decimalSI),
        .init(input: "0.5e-2", value: 5, scale: -3, format: .decimalExponent),
        .init(input: "1.3E+6", value: 13, scale: 5, format: .decimalExponent),
        .init(input: "1.53E12", value: 153, scale: 10, format: .decimalExponent),
        .init(input: "6.987654321G", value: 6_987_654_321, scale: 0, format: .decimalSI),
        .init(input: "1.01E", value: 101, scale: 16, format: .decimalSI),
        .init(input: "1.1E-9", value: 2, scale: -9, format: .decimalExponent),
        .init(input: "0.5e-9", value: 1, scale: -9, format: .decimalExponent),
        .init(input: "9Ei", value: .max, scale: 0, format: .binarySI),
        .init(input: "9223372036854775807Ki", value: .max, scale: 0, format: .binarySI),
        .init(input: "12E", value: 12, scale: 18, format: .decimalSI),
        .init(input: "100.035Ki", value: 10_243_584, scale: -2, format: .binarySI),
        .init(input: "0.05Gi", value: 536_870_912, scale: -1, format: .binarySI),
        .init(input: "0.025Ti", value: 274_877_906_944, scale: -1, format: .binarySI),
        .init(input: "0.000000000001Ki", value: 2, scale: -9, format: .decimalSI),
        .init(input: ".0001k", value: 100, scale: -3, format: .decimalSI),
    ]

    @Test("parsed value and inferred format as TestQuantityParse", arguments: parsedValues)
    func parsedValue(_ c: ValueCase) throws {
        let parsed = try q(c.input)
        #expect(parsed == Quantity(scaledValue: c.value, scale: c.scale))
        #expect(parsed.format == c.format)
        // TestQuantityParse also runs every row negated and with an explicit "+".
        let negative = try q("-" + c.input)
        #expect(negative == Quantity(scaledValue: c.value, scale: c.scale).negated())
        #expect(negative.format == c.format)
        #expect(try q("+" + c.input) == parsed)
    }

    // MARK: Invalid input

    struct InvalidCase: CustomTestStringConvertible, Sendable {
        let input: String
        let code: QuantityError.Code
        var testDescription: String { "\(input.debugDescription) → \(code)" }
    }

    /// TestQuantityParse's invalid list (trailing or leading space included), the brief's
    /// examples, and which of Kubernetes' three errors each one gets in quantity.go.
    static let invalid: [InvalidCase] = [
        .init(input: "", code: .formatWrong), .init(input: "1.1.M", code: .formatWrong),
        .init(input: "1+1.0M", code: .formatWrong), .init(input: "0.1mi", code: .suffix),
        .init(input: "0.1am", code: .formatWrong), .init(input: "aoeu", code: .formatWrong),
        .init(input: ".5i", code: .suffix), .init(input: "1i", code: .suffix),
        .init(input: "-3.01i", code: .suffix), .init(input: "-3.01e-", code: .suffix),
        .init(input: " 1", code: .formatWrong), .init(input: "1 ", code: .formatWrong),
        .init(input: "Non-Numeric", code: .formatWrong), .init(input: "1.1.1", code: .formatWrong),
        .init(input: "1Qi", code: .formatWrong), .init(input: "abc", code: .formatWrong),
        .init(input: "1 Gi", code: .formatWrong), .init(input: "1e", code: .suffix),
        .init(input: "1ki", code: .suffix), .init(input: "1KiB", code: .formatWrong),
        .init(input: "1e99999999999999999999", code: .suffix),
        // A bare "Pi" skips the int64 path and the decimal parser finds no digits.
        .init(input: "Pi", code: .numeric),
    ]

    @Test("invalid input throws Kubernetes' error", arguments: invalid)
    func invalidInput(_ c: InvalidCase) {
        #expect {
            try Quantity(parsing: c.input)
        } throws: { error in
            guard let error = error as? QuantityError else { return false }
            return error.code == c.code && error.input == c.input
        }
    }

    @Test("error messages are Kubernetes' text and name the input")
    func errorMessages() {
        #expect(throws: QuantityError(.formatWrong, input: "1Qi")) { try Quantity(parsing: "1Qi") }
        let format = QuantityError(.formatWrong, input: "1Qi")
        #expect(format.message == "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        #expect(format.description == "cannot parse quantity \"1Qi\": " + format.message)
        #expect(QuantityError(.suffix, input: "1e").message == "unable to parse quantity's suffix")
        #expect(QuantityError(.numeric, input: "Pi").message == "unable to parse numeric part of quantity")
    }

    // MARK: Comparison

    struct CmpCase: CustomTestStringConvertible, Sendable {
        let a: Quantity
        let b: Quantity
        let expected: Int
        var testDescription: String { "\(a) vs \(b) → \(expected)" }
    }

    /// TestQuantityCmp (parsed) and TestQuantityCmpInt64AndDec (scaled int64 values, which
    /// exercise alignment of different scales and the decimal fallback).
    static let comparisons: [CmpCase] = {
        func p(_ s: String) -> Quantity { (try? Quantity(parsing: s)) ?? Quantity(value: .min, format: .decimalSI) }
        func s(_ v: Int64, _ e: Int) -> Quantity { Quantity(scaledValue: v, scale: e) }
        let e18: Int64 = 1_000_000_000_000_000_000
        return [
            .init(a: p("0"), b: p("0"), expected: 0), .init(a: p("100m"), b: p("50m"), expected: 1),
            .init(a: p("50m"), b: p("100m"), expected: -1), .init(a: p("10000T"), b: p("100Gi"), expected: 1),
            .init(a: s(901, -2), b: s(901, -2), expected: 0), .init(a: s(90, -1), b: s(901, -2), expected: -1),
            .init(a: s(901, -2), b: s(900, -2), expected: 1), .init(a: s(0, 1), b: s(0, -1), expected: 0),
            .init(a: s(800, -3), b: s(1, 0), expected: -1), .init(a: s(800, -3), b: s(79, -2), expected: 1),
            .init(a: s(.max, 0), b: s(1, -1), expected: 1), .init(a: s(.max, 1), b: s(1, 1), expected: 1),
            .init(a: s(.max, -16), b: s(1, 3), expected: -1), .init(a: s(.min, 0), b: s(0, 0), expected: -1),
            .init(a: s(.min, -18), b: s(-1, 0), expected: -1), .init(a: s(.min, -19), b: s(-1, 0), expected: 1),
            .init(a: s(e18, -17), b: s(1, 1), expected: 0), .init(a: s(e18, -17), b: s(-10, 0), expected: 1),
            .init(a: s(-e18, -17), b: s(-10, 0), expected: 0), .init(a: s(e18 + 1, -17), b: s(1, 1), expected: 1),
            .init(a: s(e18 - 1, -17), b: s(1, 1), expected: -1),
            // Formats never matter (Kubernetes' Equal is Cmp == 0).
            .init(a: p("1Gi"), b: p("1073741824"), expected: 0), .init(a: p("1"), b: p("1000m"), expected: 0),
            .init(a: p("1e3"), b: p("1k"), expected: 0), .init(a: p("0.5Gi"), b: p("512Mi"), expected: 0),
            .init(a: p("1E"), b: p("1e18"), expected: 0), .init(a: p("1e-100"), b: p("1n"), expected: 0),
            .init(a: p("18446744073709551616"), b: p("16Ei"), expected: 1),
            .init(a: p("1e2147483647"), b: p("99999999999999999999999"), expected: 1),
        ]
    }()

    @Test("numeric comparison as TestQuantityCmp and TestQuantityCmpInt64AndDec", arguments: comparisons)
    func comparison(_ c: CmpCase) {
        #expect(c.a.compare(c.b) == c.expected)
        #expect(c.b.compare(c.a) == -c.expected)
        #expect((c.a == c.b) == (c.expected == 0))
        #expect((c.a < c.b) == (c.expected < 0))
        if c.expected == 0 { #expect(c.a.hashValue == c.b.hashValue) }
    }

    @Test("equal quantities collapse in a Set whatever their spelling")
    func hashingIsNumeric() throws {
        let spellings = ["1Gi", "1073741824", "1024Mi", "1048576Ki", "1.073741824G", "1073741824000m", "0.0009765625Ti"]
        let set = Set(try spellings.map(q))
        #expect(set.count == 1)
        #expect(Set(try ["1", "1000m", "1e0", "1.000"].map(q)).count == 1)
        #expect(Set(try ["1", "2", "1m"].map(q)).count == 3)
        // The decimal fallback (fractional binary, 19+ digits) hashes like the int64 form.
        #expect(try q("1.5Ki").hashValue == Quantity(value: 1536, format: .decimalSI).hashValue)
        #expect(try q("9223372036854775807").hashValue == Quantity(value: .max, format: .decimalSI).hashValue)
        #expect(try q("-9223372036854775808").hashValue == Quantity(value: .min, format: .decimalSI).hashValue)
    }

    @Test("sorting orders by value")
    func sorting() throws {
        let sorted = try ["1Gi", "100m", "-1", "1G", "2", "0"].map(q).sorted().map(\.description)
        #expect(sorted == ["-1", "0", "100m", "2", "1G", "1Gi"])
    }

    // MARK: Integer accessors

    struct AccessorCase: CustomTestStringConvertible, Sendable {
        let input: String
        let value: Int64
        let milli: Int64
        var testDescription: String { "\(input): value \(value), milli \(milli)" }
    }

    /// Value() and MilliValue() round away from zero (kubernetes#138510 fixed negatives).
    static let accessorsCases: [AccessorCase] = [
        .init(input: "1m", value: 1, milli: 1), .init(input: "1500m", value: 2, milli: 1500),
        .init(input: "1.1", value: 2, milli: 1100), .init(input: "1n", value: 1, milli: 1),
        .init(input: "1Mi", value: 1_048_576, milli: 1_048_576_000), .init(input: "0", value: 0, milli: 0),
        .init(input: "-1500m", value: -2, milli: -1500), .init(input: "-1n", value: -1, milli: -1),
        .init(input: "-.484785E-7466", value: -1, milli: -1), .init(input: "1.5Gi", value: 1_610_612_736, milli: 1_610_612_736_000),
        .init(input: "0.3Ki", value: 308, milli: 307_200), .init(input: "-0.3Ki", value: -308, milli: -307_200),
    ]

    @Test("value and milliValue round away from zero", arguments: accessorsCases)
    func accessors(_ c: AccessorCase) throws {
        let parsed = try q(c.input)
        #expect(parsed.value == c.value)
        #expect(parsed.milliValue == c.milli)
    }

    @Test("integer accessors saturate where Kubernetes leaves overflow undefined")
    func accessorsSaturate() throws {
        #expect(try q("9223372036854775807").value == .max)
        #expect(try q("9223372036854775807").milliValue == .max)
        #expect(try q("100E").value == .max)
        #expect(try q("-100E").milliValue == .min)
        #expect(try q("1e-100").scaledValue(0) == 1)
        #expect(Quantity(scaledValue: 5, scale: 30).scaledValue(-9) == .max)
    }

    /// TestScaledValue: NewScaledQuantity(1, from).ScaledValue(to).
    @Test("scaledValue as TestScaledValue", arguments: [
        (-9, -9, 1), (-9, -6, 1), (-9, -3, 1), (-9, 0, 1), (-6, -9, 1000), (-6, -6, 1), (-6, -3, 1), (-6, 0, 1),
        (-3, -9, 1_000_000), (-3, -6, 1000), (-3, -3, 1), (-3, 0, 1), (0, -9, 1_000_000_000), (0, -6, 1_000_000),
        (0, -3, 1000), (0, 0, 1), (2, -2, 10_000),
    ] as [(Int, Int, Int64)])
    func scaledValue(_ from: Int, _ to: Int, _ expected: Int64) {
        #expect(Quantity(scaledValue: 1, scale: from).scaledValue(to) == expected)
    }

    // MARK: Construction

    @Test("init(value:format:) as TestNewSet")
    func newQuantity() throws {
        let rows: [(Int64, Quantity.Format, String)] = [
            (1, .decimalSI, "1"), (1000, .decimalSI, "1k"), (1_234_000, .decimalSI, "1234k"),
            (1024, .binarySI, "1Ki"), (1_000_000, .decimalExponent, "1e6"), (1024 * 1024, .binarySI, "1Mi"),
        ]
        for (value, format, expected) in rows {
            let quantity = Quantity(value: value, format: format)
            #expect(quantity.description == expected)
            #expect(try q(quantity.description).value == value)
        }
    }

    @Test("init(milliValue:format:) as TestMilliNewSet")
    func newMilliQuantity() throws {
        let rows: [(Int64, Quantity.Format, String)] = [
            (1, .decimalSI, "1m"), (1000, .decimalSI, "1"), (1_234_000, .decimalSI, "1234"),
            (1024, .binarySI, "1024m"), (1_000_000, .decimalExponent, "1e3"), (1024 * 1024, .binarySI, "1048576m"),
            (1441, .decimalSI, "1441m"),
        ]
        for (milli, format, expected) in rows {
            let quantity = Quantity(milliValue: milli, format: format)
            #expect(quantity.description == expected)
            #expect(try q(quantity.description).milliValue == milli)
        }
    }

    @Test("init(scaledValue:scale:) as TestNewScaledSet and the golden corpus")
    func newScaledQuantity() {
        let rows: [(Int64, Int, String)] = [
            (1, -9, "1n"), (1000, -9, "1u"), (1, -6, "1u"), (1000, -6, "1m"), (1, -3, "1m"), (1000, -3, "1"),
            (1, 0, "1"), (0, -9, "0"), (0, 0, "0"), (.max, 1, "92233720368547758070"), (1, 21, "1e21"),
            (.min, 0, "-9223372036854775808"), (901, -2, "9010m"),
        ]
        for (value, scale, expected) in rows {
            #expect(Quantity(scaledValue: value, scale: scale).description == expected)
        }
    }

    @Test("assigning a format re-canonicalizes")
    func formatAssignment() throws {
        var quantity = try q("1024")
        #expect(quantity.format == .decimalSI)
        quantity.format = .binarySI
        #expect(quantity.description == "1Ki")
        quantity.format = .decimalExponent
        #expect(quantity.description == "1024")
    }

    // MARK: Arithmetic

    @Test("add as TestAdd keeps the receiver's format unless it is zero")
    func add() throws {
        let ten = Quantity(value: 10, format: .decimalSI)
        let zero = Quantity(value: 0, format: .decimalSI)
        #expect(ten.adding(Quantity(scaledValue: 1, scale: 1)) == Quantity(value: 20, format: .decimalSI))
        let mixed = ten.adding(Quantity(value: 1, format: .binarySI))
        #expect(mixed == Quantity(value: 11, format: .decimalSI) && mixed.format == .decimalSI)
        let binary = Quantity(value: 10, format: .binarySI).adding(Quantity(value: 1, format: .decimalSI))
        #expect(binary.value == 11 && binary.format == .binarySI)
        #expect(zero.adding(Quantity(value: 50, format: .decimalSI)).value == 50)
        #expect(zero.adding(zero).isZero)
        // TestQuantityAddZeroPreservesSuffix.
        for text in ["100m", "1Gi"] {
            let value = try q(text)
            #expect(value.adding(try q("0")).description == text)
            #expect(try q("0").adding(value).description == text)
        }
        #expect(try q("1Gi").adding(q("512Mi")).description == "1536Mi")
        #expect(try q("100m").adding(q("1.9")).description == "2")
        #expect(try q("1.441").adding(q("0")).description == "1441m")
    }

    @Test("subtract as TestSub and TestQuantitySubZeroPreservesSuffix")
    func subtract() throws {
        let ten = Quantity(value: 10, format: .decimalSI)
        #expect(ten.subtracting(Quantity(scaledValue: 1, scale: 1)).isZero)
        #expect(ten.subtracting(Quantity(value: 1, format: .binarySI)).value == 9)
        let binary = Quantity(value: 10, format: .binarySI).subtracting(Quantity(value: 1, format: .decimalSI))
        #expect(binary.value == 9 && binary.format == .binarySI)
        #expect(Quantity(value: 0, format: .decimalSI).subtracting(Quantity(value: 50, format: .decimalSI)).value == -50)
        for text in ["100m", "1Gi"] {
            let value = try q(text)
            #expect(value.subtracting(try q("0")).description == text)
            #expect(try q("0").subtracting(value).description == value.negated().description)
        }
        #expect(try q("0").subtracting(q("1Gi")).description == "-1Gi")
        #expect(try q("1").subtracting(q("1500m")).description == "-500m")
    }

    @Test("Int64.min negates and subtracts exactly as TestNegAndSubAtMostNegative")
    func mostNegative() {
        let minimum = Quantity(value: .min, format: .decimalSI)
        #expect(minimum.negated().description == "9223372036854775808")
        #expect(Quantity(value: 0, format: .decimalSI).subtracting(minimum).description == "9223372036854775808")
        #expect(Quantity(value: 1, format: .decimalSI).subtracting(minimum).description == "9223372036854775809")
        #expect(Quantity(value: 10, format: .decimalSI).subtracting(minimum).description == "9223372036854775818")
        let milliMinimum = Quantity(scaledValue: .min, scale: -3)
        #expect(milliMinimum.negated().description == "9223372036854775808m")
        #expect(Quantity(scaledValue: 1, scale: -3).subtracting(milliMinimum).description == "9223372036854775809m")
        let binary = Quantity(value: 0, format: .decimalSI).subtracting(Quantity(value: .min, format: .binarySI))
        #expect(binary.format == .binarySI && binary.description == "8Ei")
        #expect(Quantity(scaledValue: 901, scale: -2).negated().description == "-9010m")
    }

    @Test("sums beyond Int64 stay exact and cancel back to zero as TestAddSubRoundTripAcrossScales")
    func addSubRoundTrip() {
        var generator = SplitMix64(seed: 0x5eed)
        var total = Quantity(value: 0, format: .decimalSI)
        var terms: [Quantity] = []
        for _ in 0..<100 {
            let j = Int64(bitPattern: generator.next() >> 1)
            let term = Quantity(scaledValue: j, scale: Int(j % 20) - 10)
            terms.append(term)
            total.add(term)
        }
        #expect(total.sign == 1)
        for term in terms { total.subtract(term) }
        #expect(total.isZero)
        #expect(total.description == "0")

        var big = Quantity(value: .max, format: .decimalSI)
        big.add(Quantity(value: .max, format: .decimalSI))
        #expect(big.description == "18446744073709551614")
        // Kubernetes leaves an overflowing Value() undefined; we saturate.
        #expect(big.value == .max)
    }

    // MARK: Floating point

    @Test("asApproximateDouble matches AsApproximateFloat64 bit for bit")
    func approximateDouble() throws {
        #expect(try q("2Ki").asApproximateDouble == 2048)
        #expect(try q("1.1Ki").asApproximateDouble == 1126.4)
        #expect(try q("1Mi").asApproximateDouble == 1.048576e+06)
        #expect(try q("2Gi").asApproximateDouble == 2.147483648e+09)
        let mebi7: Int64 = 7 * 1024 * 1024
        #expect(Quantity(scaledValue: mebi7, scale: 4).asApproximateDouble == Double(mebi7) * 10000)
        // Kubernetes multiplies by math.Pow10(-1) rather than dividing by 10; they round differently.
        #expect(Quantity(scaledValue: mebi7, scale: -1).asApproximateDouble == Double(mebi7) * 1e-1)
        #expect(Quantity(scaledValue: mebi7, scale: -8).asApproximateDouble == Double(mebi7) / 100_000_000)
        #expect(Quantity(scaledValue: 12, scale: 18).asApproximateDouble == 1.2e19)
        #expect(Quantity(scaledValue: 12, scale: 500).asApproximateDouble == .infinity)
        #expect(Quantity(scaledValue: -12, scale: 500).asApproximateDouble == -.infinity)
        #expect(try q("9Ei").asApproximateDouble == Double(Int64.max))
        #expect(try q("0").asApproximateDouble == 0)
    }

    // MARK: Codable

    struct Resources: Codable, Equatable {
        var cpu: Quantity
        var memory: Quantity
    }

    @Test("decodes JSON strings and numbers, encodes canonical strings")
    func jsonRoundTrip() throws {
        let decoded = try JSONDecoder().decode(Resources.self, from: Data(#"{"cpu": 1.5, "memory": "1024Mi"}"#.utf8))
        #expect(decoded.cpu.description == "1500m")
        #expect(decoded.memory.description == "1Gi")
        let encoded = try JSONEncoder().encode(decoded)
        let object = try JSONSerialization.jsonObject(with: encoded) as? [String: String]
        #expect(object == ["cpu": "1500m", "memory": "1Gi"])
        #expect(try JSONDecoder().decode(Resources.self, from: encoded) == decoded)
    }

    /// TestJSONWhitespace: quoted or bare, surrounding whitespace is ignored.
    @Test("JSON whitespace and number forms as TestJSONWhitespace", arguments: [
        (#"" 1""#, "1"), (#""1 ""#, "1"), ("1", "1"), (" 1", "1"), ("1 ", "1"), ("10", "10"), ("-1", "-1"), (" -1", "-1"),
        ("0.1", "100m"), (#""500m""#, "500m"), ("9223372036854775807", "9223372036854775807"), ("null", "0"),
    ])
    func jsonForms(_ json: String, _ expected: String) throws {
        #expect(try JSONDecoder().decode(Quantity.self, from: Data(json.utf8)).description == expected)
    }

    @Test("an invalid JSON quantity is a data-corrupted error carrying QuantityError")
    func jsonInvalid() {
        #expect {
            try JSONDecoder().decode(Resources.self, from: Data(#"{"cpu": "1Qi", "memory": "1Gi"}"#.utf8))
        } throws: { error in
            guard case DecodingError.dataCorrupted(let context) = error,
                  let cause = context.underlyingError as? QuantityError else { return false }
            return cause.code == .formatWrong && cause.input == "1Qi" && context.codingPath.last?.stringValue == "cpu"
        }
    }

    @Test("decodes YAML scalars keeping their spelling")
    func yaml() throws {
        let decoded = try YAMLDecoder().decode(Resources.self, from: "cpu: 1\nmemory: 1.5\n")
        #expect(decoded.cpu.description == "1")
        #expect(decoded.memory.description == "1500m")
        let quoted = try YAMLDecoder().decode(Resources.self, from: "cpu: \"500m\"\nmemory: 1e3\n")
        #expect(quoted.cpu.description == "500m")
        #expect(quoted.memory.description == "1e3")
        #expect(try YAMLEncoder().encode(quoted).contains("cpu: 500m"))
    }
}

/// A tiny deterministic generator so the round-trip test is reproducible.
private struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
