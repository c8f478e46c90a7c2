/// A duration written the way Go writes `time.Duration`: `"1m30s"`, `"300ms"`, `"-1.5h"`, `"0s"`.
///
/// Kubernetes' `metav1.Duration` (every duration field of `KubeletConfiguration`) is a Go duration
/// serialized as a string, so config files carry Go's syntax. Parsing accepts exactly what Go's
/// `time.ParseDuration` accepts (units `ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`; fractions; a sign;
/// several units in a row; a bare `"0"`), with Go's error messages, and `description` prints what
/// `time.Duration.String()` prints (`1m30s`, `5m0s`, `0s`, `300ms`, `1h0m0s`).
///
/// Precision is one nanosecond; the range is that of `Int64` nanoseconds (about ±292 years).
public struct GoDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in nanoseconds.
    public var nanoseconds: Int64

    /// A duration of `nanoseconds` nanoseconds.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The zero duration, printed `0s`.
    public static let zero = GoDuration(nanoseconds: 0)

    /// `n` milliseconds.
    public static func milliseconds(_ n: Int64) -> GoDuration { GoDuration(nanoseconds: n * 1_000_000) }
    /// `n` seconds.
    public static func seconds(_ n: Int64) -> GoDuration { GoDuration(nanoseconds: n * 1_000_000_000) }
    /// `n` minutes.
    public static func minutes(_ n: Int64) -> GoDuration { GoDuration(nanoseconds: n * 60_000_000_000) }
    /// `n` hours.
    public static func hours(_ n: Int64) -> GoDuration { GoDuration(nanoseconds: n * 3_600_000_000_000) }

    /// The same length as a `Swift.Duration`, for clocks and sleeps.
    public var duration: Swift.Duration { .nanoseconds(nanoseconds) }

    /// Whole seconds, rounded toward zero (Go's `int64(d / time.Second)`).
    public var wholeSeconds: Int64 { nanoseconds / 1_000_000_000 }

    public static func < (lhs: GoDuration, rhs: GoDuration) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    // MARK: Parsing

    /// Parses a Go duration string such as `"1h15m30.5s"`.
    ///
    /// - Throws: `GoDurationError` with Go's message, e.g. `time: unknown unit "d" in duration "1d"`,
    ///   `time: missing unit in duration "5"`, `time: invalid duration ""`.
    public init(parsing text: String) throws(GoDurationError) {
        nanoseconds = try GoDuration.parse(text)
    }

    private static let unitNanoseconds: [String: UInt64] = [
        "ns": 1,
        "us": 1_000,
        "\u{00B5}s": 1_000, // MICRO SIGN
        "\u{03BC}s": 1_000, // GREEK SMALL LETTER MU
        "ms": 1_000_000,
        "s": 1_000_000_000,
        "m": 60_000_000_000,
        "h": 3_600_000_000_000,
    ]

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private static func parse(_ text: String) throws(GoDurationError) -> Int64 {
        let invalid = GoDurationError(message: "time: invalid duration " + goTimeQuote(text))
        var s = ArraySlice(Array(text.utf8))
        var negative = false
        if let first = s.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            s = s.dropFirst()
        }
        if s.count == 1, s.first == UInt8(ascii: "0") { return 0 }
        if s.isEmpty { throw invalid }

        let limit: UInt64 = 1 << 63
        var total: UInt64 = 0
        while let first = s.first {
            guard first == UInt8(ascii: ".") || isDigit(first) else { throw invalid }

            // Integer part; an overflow here is an invalid duration in Go.
            var whole: UInt64 = 0
            let beforeWhole = s.count
            while let c = s.first, isDigit(c) {
                if whole > limit / 10 { throw invalid }
                whole = whole * 10 + UInt64(c - 0x30)
                if whole > limit { throw invalid }
                s = s.dropFirst()
            }
            let hasWhole = s.count != beforeWhole

            // Fraction: digits past what fits are ignored, as Go does.
            var fraction: UInt64 = 0
            var scale: Double = 1
            var hasFraction = false
            if s.first == UInt8(ascii: ".") {
                s = s.dropFirst()
                let beforeFraction = s.count
                var overflow = false
                while let c = s.first, isDigit(c) {
                    s = s.dropFirst()
                    if overflow { continue }
                    if fraction > (limit - 1) / 10 { overflow = true; continue }
                    let next = fraction * 10 + UInt64(c - 0x30)
                    if next > limit { overflow = true; continue }
                    fraction = next
                    scale *= 10
                }
                hasFraction = s.count != beforeFraction
            }
            if !hasWhole && !hasFraction { throw invalid }

            // The unit runs up to the next digit or dot.
            var unitBytes: [UInt8] = []
            while let c = s.first, c != UInt8(ascii: "."), !isDigit(c) {
                unitBytes.append(c)
                s = s.dropFirst()
            }
            if unitBytes.isEmpty {
                throw GoDurationError(message: "time: missing unit in duration " + goTimeQuote(text))
            }
            let unitText = String(decoding: unitBytes, as: UTF8.self)
            guard let unit = unitNanoseconds[unitText] else {
                throw GoDurationError(
                    message: "time: unknown unit " + goTimeQuote(bytes: unitBytes) + " in duration " + goTimeQuote(text))
            }
            if whole > limit / unit { throw invalid }
            var value = whole * unit
            if fraction > 0 {
                // Double keeps nanosecond accuracy for fractions of an hour, the largest unit.
                value += UInt64(Double(fraction) * (Double(unit) / scale))
                if value > limit { throw invalid }
            }
            if value > limit - total { throw invalid }
            total += value
        }
        if negative { return Int64(bitPattern: 0 &- total) }
        if total > limit - 1 { throw invalid }
        return Int64(total)
    }

    // MARK: Printing

    /// The duration as Go's `time.Duration.String()` prints it: `72h3m0.5s`, `1.5ms`, `0s`.
    public var description: String {
        let negative = nanoseconds < 0
        var u = UInt64(bitPattern: nanoseconds)
        if negative { u = 0 &- u }
        var out: String
        if u < 1_000_000_000 {
            if u == 0 { return "0s" }
            let (unit, precision): (String, Int)
            switch u {
            case ..<1_000: (unit, precision) = ("ns", 0)
            case ..<1_000_000: (unit, precision) = ("\u{00B5}s", 3)
            default: (unit, precision) = ("ms", 6)
            }
            let (frac, rest) = GoDuration.fraction(u, precision: precision)
            out = String(rest) + frac + unit
        } else {
            let (frac, wholeSeconds) = GoDuration.fraction(u, precision: 9)
            out = String(wholeSeconds % 60) + frac + "s"
            let minutes = wholeSeconds / 60
            if minutes > 0 {
                out = String(minutes % 60) + "m" + out
                let hours = minutes / 60
                // Go stops at hours: days vary in length.
                if hours > 0 { out = String(hours) + "h" + out }
            }
        }
        return negative ? "-" + out : out
    }

    /// Splits `v` into `v / 10^precision` and its fraction printed as `.123` without trailing zeros
    /// (empty when the fraction is zero).
    private static func fraction(_ v: UInt64, precision: Int) -> (String, UInt64) {
        var v = v
        var digits: [Character] = []
        var printing = false
        for _ in 0..<precision {
            let digit = v % 10
            printing = printing || digit != 0
            if printing { digits.append(Character(String(digit))) }
            v /= 10
        }
        guard printing else { return ("", v) }
        return ("." + String(digits.reversed()), v)
    }
}

extension GoDuration: Codable {
    /// Decodes a Go duration string (`"20s"`), as `metav1.Duration` does.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try GoDuration(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes as Go prints it (`"1m30s"`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A Go duration string that does not parse; `message` is Go's own wording.
public struct GoDurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// E.g. `time: unknown unit "d" in duration "1d"`.
    public var message: String
    public var description: String { message }
}

/// Quotes as Go's time package does in its errors: printable ASCII as is (with `"` and `\` escaped),
/// every byte of anything else as `\xNN`.
private func goTimeQuote(_ s: String) -> String { goTimeQuote(bytes: Array(s.utf8)) }

private func goTimeQuote(bytes: [UInt8]) -> String {
    var out = "\""
    for b in bytes {
        if b >= 0x80 || b < 0x20 {
            let hex = String(b, radix: 16)
            out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
        } else {
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { out += "\\" }
            out.unicodeScalars.append(Unicode.Scalar(b))
        }
    }
    return out + "\""
}
