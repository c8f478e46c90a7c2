extension Quantity {
    /// Kubernetes' `CanonicalizeBytes`, as text.
    var canonicalText: String {
        if amount.isZero { return "0" }
        var format = self.format
        var wholeAmount: QuantityAmount?
        if format == .binarySI {
            if QuantityAmount.compare(amount, .int(value: -1024, scale: 0)) > 0
                && QuantityAmount.compare(amount, .int(value: 1024, scale: 0)) < 0 {
                // Below one Ki a binary suffix buys nothing, and fractions would round.
                format = .decimalSI
            } else {
                let (rounded, exact) = amount.asScale(0)
                if exact {
                    wholeAmount = rounded
                } else {
                    // Don't lose precision: show the fraction in decimal.
                    format = .decimalSI
                }
            }
        }
        if format == .binarySI, let wholeAmount {
            let (digits, power) = wholeAmount.canonicalBinary()
            return digits + Self.binarySuffixes[power]
        }
        let (digits, exponent) = amount.canonicalDecimal()
        if format == .decimalSI, let suffix = Self.decimalSISuffixes[exponent] {
            return digits + suffix
        }
        // DecimalExponent, and DecimalSI beyond the last SI suffix (kubernetes#140459:
        // "1000E" prints "1e21", not "1").
        return exponent == 0 ? digits : digits + "e" + String(exponent)
    }

    private static let decimalSISuffixes: [Int: String] = [
        -9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E",
    ]

    /// Indexed by the power of 1024.
    private static let binarySuffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
}
