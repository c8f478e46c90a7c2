/// The numeric value of a `Quantity`, held in whichever of Kubernetes' two representations
/// Kubernetes itself would use for it, so that representation-dependent results
/// (`asApproximateDouble`) come out bit for bit the same.
enum QuantityAmount: Sendable {
    /// Kubernetes' `int64Amount`: `value × 10^scale`.
    case int(value: Int64, scale: Int)
    /// Kubernetes' `inf.Dec` fallback: `unscaled × 10^exponent` (the exponent is the negated
    /// `inf.Scale`).
    case dec(unscaled: QuantityBigInt, exponent: Int)

    static let zero = QuantityAmount.int(value: 0, scale: 0)

    /// Go's inf.Dec for the largest BinarySI quantity a parse may produce (2^63-1).
    static let maxAllowed = QuantityAmount.dec(unscaled: QuantityBigInt(Int64.max), exponent: 0)

    var signum: Int {
        switch self {
        case .int(let value, _): return Int(value.signum())
        case .dec(let unscaled, _): return unscaled.signum
        }
    }

    var isZero: Bool { signum == 0 }

    /// The exact value as `unscaled × 10^exponent`.
    var decimal: (unscaled: QuantityBigInt, exponent: Int) {
        switch self {
        case .int(let value, let scale): return (QuantityBigInt(value), scale)
        case .dec(let unscaled, let exponent): return (unscaled, exponent)
        }
    }

    /// This amount in the `inf.Dec` representation (Kubernetes' `AsDec`).
    var asDec: QuantityAmount {
        let (unscaled, exponent) = decimal
        return .dec(unscaled: unscaled, exponent: exponent)
    }

    var negated: QuantityAmount {
        switch self {
        case .int(let value, let scale):
            // -Int64.min does not fit, so Kubernetes moves that one value to inf.Dec.
            if value != .min { return .int(value: -value, scale: scale) }
            return .dec(unscaled: QuantityBigInt(value).negated, exponent: scale)
        case .dec(let unscaled, let exponent):
            return .dec(unscaled: unscaled.negated, exponent: exponent)
        }
    }

    // MARK: Comparison

    /// -1, 0 or 1 as `a` is less than, equal to or greater than `b` numerically.
    static func compare(_ a: QuantityAmount, _ b: QuantityAmount) -> Int {
        if case .int(var x, let xs) = a, case .int(var y, let ys) = b, abs(xs - ys) <= 18 {
            // Bring both to the finer scale when that fits an Int64, as Kubernetes' int64 Cmp.
            var fits = true
            if xs > ys {
                (x, fits) = positiveScaleInt64(x, xs - ys)
            } else if ys > xs {
                (y, fits) = positiveScaleInt64(y, ys - xs)
            }
            if fits { return x < y ? -1 : (x > y ? 1 : 0) }
        }
        let (au, ae) = a.decimal
        let (bu, be) = b.decimal
        return compareDecimals(au, ae, bu, be)
    }

    static func compareDecimals(_ au: QuantityBigInt, _ ae: Int, _ bu: QuantityBigInt, _ be: Int) -> Int {
        let sa = au.signum
        let sb = bu.signum
        if sa != sb { return sa < sb ? -1 : 1 }
        if sa == 0 { return 0 }
        // Settle what the orders of magnitude decide before aligning the exponents, which
        // could otherwise mean building 10^(huge) (as Kubernetes' cmpDec does).
        let (al, ah) = au.decimalDigitBounds
        let (bl, bh) = bu.decimalDigitBounds
        if al + ae > bh + be { return sa }
        if ah + ae < bl + be { return -sa }
        if ae > be { return QuantityBigInt.compare(au.timesPowerOfTen(ae - be), bu) }
        if be > ae { return QuantityBigInt.compare(au, bu.timesPowerOfTen(be - ae)) }
        return QuantityBigInt.compare(au, bu)
    }

    // MARK: Rounding

    /// Rounds away from zero to a multiple of 10^scale when finer, as Kubernetes' `AsScale`;
    /// `exact` is false when precision was lost.
    func asScale(_ scale: Int) -> (amount: QuantityAmount, exact: Bool) {
        switch self {
        case .int(let value, let current):
            if current >= scale { return (self, true) }
            let (result, exact) = Self.negativeScaleInt64(value, scale - current)
            return (.int(value: result, scale: scale), exact)
        case .dec(let unscaled, let exponent):
            // inf.Dec.Round always lands exactly on the requested scale, upscaling if needed.
            let (rounded, exact) = Self.roundAwayFromZero(unscaled, exponent, to: scale)
            return (.dec(unscaled: rounded, exponent: scale), exact)
        }
    }

    /// `unscaled × 10^exponent` expressed as a multiple of 10^target, rounding away from zero.
    static func roundAwayFromZero(_ unscaled: QuantityBigInt, _ exponent: Int, to target: Int) -> (QuantityBigInt, exact: Bool) {
        if exponent >= target { return (unscaled.timesPowerOfTen(exponent - target), true) }
        let (quotient, inexact) = unscaled.magnitude.dividedByPowerOfTen(target - exponent)
        let magnitude = inexact ? quotient.incrementingMagnitude() : quotient
        return (unscaled.signum < 0 ? magnitude.negated : magnitude, !inexact)
    }

    // MARK: Integer accessors

    /// `ceil(|value| / 10^scale)` with the value's sign, saturating at the Int64 range
    /// (Kubernetes' `ScaledValue`, which rounds away from zero since kubernetes#138510;
    /// Kubernetes leaves overflow undefined, we saturate).
    func scaledValue(_ scale: Int) -> Int64 {
        switch self {
        case .int(let value, let current):
            if value == 0 { return 0 }
            let delta = current - scale
            if delta < 0 {
                // |value| < 10^19, so dividing by 10^19 or more leaves only the rounding unit.
                if -delta >= 19 { return value < 0 ? -1 : 1 }
                return Self.negativeScaleInt64(value, -delta).result
            }
            if delta >= 19 { return value < 0 ? .min : .max }
            return Self.positiveScaleInt64(value, delta).result
        case .dec(let unscaled, let exponent):
            if unscaled.isZero { return 0 }
            let saturated: Int64 = unscaled.signum < 0 ? .min : .max
            if exponent > scale {
                // The result has at least (exponent - scale) decimal digits; 20 always overflow.
                if exponent - scale > 19 { return saturated }
            }
            let (rounded, _) = Self.roundAwayFromZero(unscaled, exponent, to: scale)
            return rounded.int64 ?? saturated
        }
    }

    /// Kubernetes' `AsApproximateFloat64`: the unscaled value as a float times Go's `math.Pow10`.
    var approximateDouble: Double {
        let base: Double
        let exponent: Int
        switch self {
        case .int(let value, let scale):
            base = Double(value)
            exponent = scale
        case .dec(let unscaled, let e):
            base = unscaled.doubleValue
            exponent = e
        }
        if exponent == 0 { return base }
        return base * goPow10(exponent)
    }

    // MARK: Canonical digits

    /// Kubernetes' `AsCanonicalBytes`: the value as integer digits times 10^exponent, with all
    /// factors of ten moved into the exponent and the exponent then lowered to a multiple of 3.
    func canonicalDecimal() -> (digits: String, exponent: Int) {
        if case .int(let value, let scale) = self {
            var (amount, times) = Self.removeInt64Factors(value, 10)
            var exponent = scale + times
            switch exponent % 3 {
            case 1, -2:
                let (product, overflow) = amount.multipliedReportingOverflow(by: 10)
                if overflow { return asDec.canonicalDecimal() }
                amount = product
                exponent -= 1
            case 2, -1:
                let (product, overflow) = amount.multipliedReportingOverflow(by: 100)
                if overflow { return asDec.canonicalDecimal() }
                amount = product
                exponent -= 2
            default:
                break
            }
            return (String(amount), exponent)
        }
        let (unscaled, e) = decimal
        var (amount, times) = unscaled.removingFactors(of: 10)
        var exponent = e + times
        while exponent % 3 != 0 {
            amount = amount.timesPowerOfTen(1)
            exponent -= 1
        }
        return (amount.decimalString, exponent)
    }

    /// Kubernetes' `AsCanonicalBase1024Bytes` for an amount already rounded to an integer:
    /// integer digits times 1024^exponent with every factor of 1024 moved into the exponent.
    func canonicalBinary() -> (digits: String, exponent: Int) {
        if case .int(let value, let scale) = self, scale >= 0 {
            let (integer, ok) = Self.positiveScaleInt64(value, scale)
            if ok {
                let (amount, times) = Self.removeInt64Factors(integer, 1024)
                return (String(amount), times)
            }
        }
        let (unscaled, exponent) = decimal
        let (integer, _) = Self.roundAwayFromZero(unscaled, exponent, to: 0)
        var (amount, times) = integer.removingFactors(of: 1024)
        if times > 6 {
            // There is no suffix past Ei. Kubernetes then prints the digits with no suffix at
            // all, silently dividing the value by 1024^(times-6); keep the value instead.
            amount = amount.shiftedLeft(10 * (times - 6))
            times = 6
        }
        return (amount.decimalString, times)
    }

    // MARK: Int64 helpers (Kubernetes' math.go)

    /// `base × 10^scale` (scale ≥ 0); on overflow saturates to the rail of base's sign and
    /// reports false.
    static func positiveScaleInt64(_ base: Int64, _ scale: Int) -> (result: Int64, ok: Bool) {
        if base == 0 || scale == 0 { return (base, true) }
        var result = base
        for _ in 0..<scale {
            let (product, overflow) = result.multipliedReportingOverflow(by: 10)
            if overflow { return (base < 0 ? .min : .max, false) }
            result = product
        }
        return (result, true)
    }

    /// `base / 10^scale` (scale ≥ 0), rounded away from zero; `exact` is false when a non-zero
    /// remainder was rounded.
    static func negativeScaleInt64(_ base: Int64, _ scale: Int) -> (result: Int64, exact: Bool) {
        if scale == 0 { return (base, true) }
        var value = base
        var fraction = false
        for _ in 0..<scale {
            if !fraction && value % 10 != 0 { fraction = true }
            value /= 10
            if value == 0 {
                if fraction { return (base > 0 ? 1 : -1, false) }
                return (0, true)
            }
        }
        if fraction { value += base > 0 ? 1 : -1 }
        return (value, !fraction)
    }

    /// Divides out every factor `base`: value == result × base^times. Int64.min is left alone,
    /// as Kubernetes' wrapped negation leaves it.
    static func removeInt64Factors(_ value: Int64, _ base: Int64) -> (result: Int64, times: Int) {
        var result = value
        let negative = result < 0
        if negative { result = 0 &- result }
        var times = 0
        while result >= base && result % base == 0 {
            times += 1
            result /= base
        }
        if negative { result = 0 &- result }
        return (result, times)
    }
}

/// Go's `math.Pow10`, built the same way from exactly rounded tables so that
/// `asApproximateDouble` matches Kubernetes to the last bit.
func goPow10(_ n: Int) -> Double {
    if n >= 0 && n <= 308 { return goPow10PositiveTab32[n / 32] * goPow10Tab[n % 32] }
    if n < 0 && n >= -323 { return goPow10NegativeTab32[-n / 32] / goPow10Tab[-n % 32] }
    return n > 0 ? .infinity : 0
}

private let goPow10Tab: [Double] = [
    1e00, 1e01, 1e02, 1e03, 1e04, 1e05, 1e06, 1e07, 1e08, 1e09,
    1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
    1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29,
    1e30, 1e31,
]

private let goPow10PositiveTab32: [Double] = [
    1e00, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288,
]

private let goPow10NegativeTab32: [Double] = [
    1e-00, 1e-32, 1e-64, 1e-96, 1e-128, 1e-160, 1e-192, 1e-224, 1e-256, 1e-288,
    // 1e-320 is subnormal: the nearest Double is exactly 2024 × 2^-1074 (a literal would warn).
    Double(sign: .plus, exponent: -1074, significand: 2024),
]
