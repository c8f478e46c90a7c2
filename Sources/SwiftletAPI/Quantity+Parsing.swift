/// Why a string is not a quantity. The message is Kubernetes' own error text
/// (`resource.ErrFormatWrong`, `ErrNumeric`, `ErrSuffix`); the description also names the input.
public struct QuantityError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which of Kubernetes' three parse errors this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable { case formatWrong, numeric, suffix }
        private let value: Value

        /// The text does not have the shape `<number><suffix>` (Kubernetes' `ErrFormatWrong`).
        public static let formatWrong = Code(value: .formatWrong)
        /// The number part cannot be read (Kubernetes' `ErrNumeric`).
        public static let numeric = Code(value: .numeric)
        /// The suffix is not one Kubernetes knows (Kubernetes' `ErrSuffix`).
        public static let suffix = Code(value: .suffix)

        /// The code's name, for logs and test output.
        public var description: String {
            switch value {
            case .formatWrong: return "formatWrong"
            case .numeric: return "numeric"
            case .suffix: return "suffix"
            }
        }
    }

    /// Kubernetes' pattern for the shape of a quantity, quoted in `formatWrong` messages.
    public static let pattern = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"

    /// Which parse error this is.
    public let code: Code
    /// The text that failed to parse.
    public let input: String

    /// An error of kind `code` for the text `input`.
    public init(_ code: Code, input: String) {
        self.code = code
        self.input = input
    }

    /// Kubernetes' error text for this code, exactly as the API server reports it.
    public var message: String {
        switch code {
        case .numeric: return "unable to parse numeric part of quantity"
        case .suffix: return "unable to parse quantity's suffix"
        default: return "quantities must match the regular expression '\(Self.pattern)'"
        }
    }

    /// `cannot parse quantity "1Qi": quantities must match the regular expression '…'`.
    public var description: String { "cannot parse quantity \(goQuote(input)): \(message)" }
}

/// The pieces Kubernetes' `parseQuantityString` scans out of a quantity, as byte slices of the
/// input: `value` is the signed number as written, `num` its integer digits without leading
/// zeros ("0" when none), `denom` its fraction digits.
private struct QuantityScan {
    var positive = true
    var value: ArraySlice<UInt8> = []
    var num: ArraySlice<UInt8> = []
    var denom: ArraySlice<UInt8> = []
    var suffix: ArraySlice<UInt8> = []
}

private let zeroDigit: ArraySlice<UInt8> = [UInt8(ascii: "0")]

private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

private func isSuffixLetter(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "u"),
         UInt8(ascii: "m"), UInt8(ascii: "k"), UInt8(ascii: "K"), UInt8(ascii: "M"), UInt8(ascii: "G"),
         UInt8(ascii: "T"), UInt8(ascii: "P"):
        return true
    default:
        return false
    }
}

/// Splits a quantity the way Kubernetes' scanner does, including its leniencies: a bare sign,
/// "." or suffix ("Ki") scans as the number 0 (kubernetes/apimachinery#165), and "1." is 1.
private func scanQuantity(_ s: [UInt8]) -> QuantityScan? {
    var scan = QuantityScan()
    let end = s.count
    var pos = 0
    if pos < end {
        if s[0] == UInt8(ascii: "-") {
            scan.positive = false
            pos += 1
        } else if s[0] == UInt8(ascii: "+") {
            pos += 1
        }
    }
    while true {
        if pos >= end {
            scan.num = zeroDigit
            scan.value = zeroDigit
            return scan
        }
        if s[pos] != UInt8(ascii: "0") { break }
        pos += 1
    }
    var i = pos
    while i < end && isDigit(s[i]) { i += 1 }
    scan.num = s[pos..<i]
    if i >= end {
        scan.value = s[0..<end]
        return scan
    }
    pos = i
    if scan.num.isEmpty { scan.num = zeroDigit }

    if s[pos] == UInt8(ascii: ".") {
        pos += 1
        i = pos
        while i < end && isDigit(s[i]) { i += 1 }
        scan.denom = s[pos..<i]
        if i >= end {
            scan.value = s[0..<end]
            return scan
        }
        pos = i
    }
    scan.value = s[0..<pos]

    let suffixStart = pos
    i = pos
    while i < end && isSuffixLetter(s[i]) { i += 1 }
    if i >= end {
        scan.suffix = s[suffixStart..<end]
        return scan
    }
    pos = i
    if s[pos] == UInt8(ascii: "-") || s[pos] == UInt8(ascii: "+") { pos += 1 }
    i = pos
    while i < end && isDigit(s[i]) { i += 1 }
    guard i >= end else { return nil }
    scan.suffix = s[suffixStart..<end]
    return scan
}

/// Kubernetes' suffix table: (base, exponent, format), or nil for an unknown suffix.
private func interpretSuffix(_ suffix: ArraySlice<UInt8>) -> (base: Int, exponent: Int32, format: Quantity.Format)? {
    switch String(decoding: suffix, as: UTF8.self) {
    case "": return (10, 0, .decimalSI)
    case "n": return (10, -9, .decimalSI)
    case "u": return (10, -6, .decimalSI)
    case "m": return (10, -3, .decimalSI)
    case "k": return (10, 3, .decimalSI)
    case "M": return (10, 6, .decimalSI)
    case "G": return (10, 9, .decimalSI)
    case "T": return (10, 12, .decimalSI)
    case "P": return (10, 15, .decimalSI)
    case "E": return (10, 18, .decimalSI)
    case "Ki": return (2, 10, .binarySI)
    case "Mi": return (2, 20, .binarySI)
    case "Gi": return (2, 30, .binarySI)
    case "Ti": return (2, 40, .binarySI)
    case "Pi": return (2, 50, .binarySI)
    case "Ei": return (2, 60, .binarySI)
    default:
        guard suffix.count > 1, let first = suffix.first, first == UInt8(ascii: "e") || first == UInt8(ascii: "E") else {
            return nil
        }
        // Go's strconv.ParseInt(_, 10, 64), then a truncating int32 conversion.
        guard let parsed = Int64(String(decoding: suffix.dropFirst(), as: UTF8.self)) else { return nil }
        return (10, Int32(truncatingIfNeeded: parsed), .decimalExponent)
    }
}

/// Kubernetes' `inf.Dec.SetString` for the scanned number: an optional sign, digits with at most
/// one ".", at least one digit. Returns the digits as an integer and the count of fraction digits.
private func parseDecimal(_ text: ArraySlice<UInt8>) -> (unscaled: QuantityBigInt, fractionDigits: Int)? {
    var digits: [UInt8] = []
    var negative = false
    var pointAt: Int?
    for (offset, byte) in text.enumerated() {
        switch byte {
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard offset == 0 else { return nil }
            negative = byte == UInt8(ascii: "-")
        case UInt8(ascii: "."):
            guard pointAt == nil else { return nil }
            pointAt = digits.count
        default:
            guard isDigit(byte) else { return nil }
            digits.append(byte)
        }
    }
    guard let magnitude = QuantityBigInt(decimalDigits: digits) else { return nil }
    return (negative ? magnitude.negated : magnitude, pointAt.map { digits.count - $0 } ?? 0)
}

/// Beyond this many decimal places of upscaling, Kubernetes' nano-rounding would only append
/// zeros that no result can observe (the value is then far past Double's range), so the
/// rounding keeps the value at its own exponent instead of materializing 10^n.
private let maxMaterializedUpscale = 400

extension Quantity {
    /// Kubernetes' `ParseQuantity`, step by step: the int64 fast path (keeping the input as the
    /// cached string when it already looks canonical) and the decimal fallback, which rounds
    /// any non-zero magnitude up to the next nano, caps BinarySI at 2^63-1 and turns a BinarySI
    /// value between 0 and 1 into DecimalSI.
    static func parse(_ text: String) throws(QuantityError) -> Quantity {
        if text.isEmpty { throw QuantityError(.formatWrong, input: text) }
        if text == "0" { return Quantity(amount: .zero, format: .decimalSI, cached: "0") }

        let bytes = Array(text.utf8)
        guard let scan = scanQuantity(bytes) else { throw QuantityError(.formatWrong, input: text) }
        guard let (base, exponent, parsedFormat) = interpretSuffix(scan.suffix) else {
            throw QuantityError(.suffix, input: text)
        }
        var format = parsedFormat

        let digitCount = scan.num.count + scan.denom.count
        var precision: Int
        var scale: Int32 = 0
        var mantissa: Int64 = 1
        switch format {
        case .binarySI:
            if exponent >= 0 && scan.denom.isEmpty {
                mantissa = 1 << Int64(exponent)
                // Kubernetes' estimate: 2^(10k) carries about 3k decimal digits.
                precision = 15 - scan.num.count - Int(exponent) * 3 / 10 - 1
            } else {
                precision = -1
            }
        default:
            scale = exponent
            // Kubernetes' maxInt64Factors: 18 digits always fit an Int64. (Kubernetes master
            // moved to 19 in #141938, which changes only how 19-digit input is cached.)
            precision = 18 - digitCount
        }

        if precision >= 0 {
            scale = scale &- Int32(scan.denom.count)
            if scale >= -9 {
                let shifted = Array(scan.num) + Array(scan.denom)
                if let value = Int64(String(decoding: shifted, as: UTF8.self)) {
                    let (product, overflow) = value.multipliedReportingOverflow(by: mantissa)
                    if !overflow {
                        let result = scan.positive ? product : -product
                        let amount = QuantityAmount.int(value: result, scale: Int(scale))
                        // Kubernetes reuses the input as the String() of a value it believes is
                        // already canonical, which also keeps "+1", "01" and "1.100" as written
                        // (kubernetes#138165).
                        let cacheable: Bool
                        switch format {
                        case .binarySI:
                            cacheable = exponent % 10 == 0 && value & 0x07 != 0
                        default:
                            cacheable = scale % 3 == 0
                                && !shifted.suffix(3).elementsEqual("000".utf8)
                                && shifted.first != UInt8(ascii: "0")
                        }
                        return Quantity(amount: amount, format: format, cached: cacheable ? text : nil)
                    }
                }
            }
        }

        guard let (unscaled, fractionDigits) = parseDecimal(scan.value) else {
            throw QuantityError(.numeric, input: text)
        }
        var magnitude = unscaled.magnitude
        var decimalExponent = -fractionDigits
        if base == 10 {
            decimalExponent += Int(exponent)
        } else {
            magnitude = magnitude.shiftedLeft(Int(exponent))
        }
        let negative = unscaled.signum < 0

        // Round any non-zero magnitude up to whole nanos: asking for a sliver of a resource
        // still gets some.
        if !magnitude.isZero {
            if decimalExponent > -9 && decimalExponent + 9 > maxMaterializedUpscale {
                // Already a whole number of nanos; see maxMaterializedUpscale.
            } else {
                (magnitude, _) = QuantityAmount.roundAwayFromZero(magnitude, decimalExponent, to: -9)
                decimalExponent = -9
            }
        }
        var amount = QuantityAmount.dec(unscaled: magnitude, exponent: decimalExponent)
        if format == .binarySI && QuantityAmount.compare(amount, .maxAllowed) > 0 {
            amount = .maxAllowed
        }
        if format == .binarySI && QuantityAmount.compare(amount, .int(value: 1, scale: 0)) < 0 && !amount.isZero {
            format = .decimalSI
        }
        if negative { amount = amount.negated }
        return Quantity(amount: amount, format: format, cached: nil)
    }
}
