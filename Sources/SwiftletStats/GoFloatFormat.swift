/// Formats a `Double` as Go's `strconv.FormatFloat(f, 'g', -1, 64)`, which the Prometheus text
/// format uses for sample values: the shortest digits that round-trip, in `%e` form when the
/// decimal exponent is below -4 or at least 6 (`1.2926976e+07`, `6197.005020909`, `1000`).
/// `prometheus(_:)` adds the encoder's own spellings of `0`, `1`, `-1`, `NaN`, `+Inf` and `-Inf`.
enum GoFloatFormat {
    static func prometheus(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value == 0 { return "0" }
        if value == 1 { return "1" }
        if value == -1 { return "-1" }
        return g(value)
    }

    /// Go's `'g'` with precision -1.
    static func g(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let negative = value.sign == .minus
        if value == 0 { return negative ? "-0" : "0" }
        let (digits, dp) = shortestDigits(abs(value))
        let exp = dp - 1
        var out = negative ? "-" : ""
        if exp < -4 || exp >= 6 {
            out.append(Character(Unicode.Scalar(digits[0])))
            if digits.count > 1 {
                out.append(".")
                out.append(String(decoding: digits[1...], as: UTF8.self))
            }
            out.append("e")
            out.append(exp < 0 ? "-" : "+")
            let e = abs(exp)
            if e < 10 { out.append("0") }
            out.append(String(e))
            return out
        }
        if dp > 0 {
            for i in 0..<dp { out.append(i < digits.count ? Character(Unicode.Scalar(digits[i])) : "0") }
        } else {
            out.append("0")
        }
        if digits.count > dp {
            out.append(".")
            for i in dp..<digits.count { out.append(i < 0 ? "0" : Character(Unicode.Scalar(digits[i]))) }
        }
        return out
    }

    /// The shortest round-trip decimal digits of a positive finite value (from Swift's own
    /// shortest formatting) and the decimal point position: value = 0.d1d2… × 10^dp.
    static func shortestDigits(_ value: Double) -> (digits: [UInt8], dp: Int) {
        let text = Array(value.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == 0x65 || $0 == 0x45 }) {
            mantissa = text[..<e]
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
        }
        var digits: [UInt8] = []
        var pointAt: Int? = nil
        for c in mantissa {
            if c == 0x2E { pointAt = digits.count } else { digits.append(c) }
        }
        var dp = (pointAt ?? digits.count) + exponent
        while let first = digits.first, first == 0x30, digits.count > 1 {
            digits.removeFirst()
            dp -= 1
        }
        while let last = digits.last, last == 0x30, digits.count > 1 { digits.removeLast() }
        return (digits, dp)
    }
}
