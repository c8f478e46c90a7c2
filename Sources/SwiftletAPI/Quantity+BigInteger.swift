/// A signed arbitrary-precision integer with just the operations `Quantity` needs for the
/// values that do not fit Kubernetes' int64 fast path (its `inf.Dec`/`big.Int` fallback).
///
/// The magnitude is little-endian base-2³² limbs with no high zero limbs; zero has no limbs
/// and is never negative, so the stored form of every value is unique.
struct QuantityBigInt: Sendable, Hashable {
    private(set) var negative: Bool
    private(set) var limbs: [UInt32]

    static let zero = QuantityBigInt(negative: false, limbs: [])

    private init(negative: Bool, limbs: [UInt32]) {
        self.limbs = limbs
        self.negative = negative
        normalize()
    }

    init(_ value: Int64) {
        self.init(negative: value < 0, magnitude: value.magnitude)
    }

    init(negative: Bool, magnitude: UInt64) {
        self.init(negative: negative, limbs: [UInt32(truncatingIfNeeded: magnitude), UInt32(truncatingIfNeeded: magnitude >> 32)])
    }

    /// Parses ASCII decimal digits (no sign); nil when `digits` is empty or holds anything else.
    init?<S: Sequence>(decimalDigits digits: S) where S.Element == UInt8 {
        var limbs: [UInt32] = []
        var chunk: UInt32 = 0
        var chunkLength = 0
        var any = false
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            any = true
            chunk = chunk * 10 + UInt32(byte - UInt8(ascii: "0"))
            chunkLength += 1
            if chunkLength == 9 {
                Self.multiplyAdd(&limbs, 1_000_000_000, chunk)
                chunk = 0
                chunkLength = 0
            }
        }
        guard any else { return nil }
        if chunkLength > 0 {
            Self.multiplyAdd(&limbs, Self.smallPowersOfTen[chunkLength], chunk)
        }
        self.init(negative: false, limbs: limbs)
    }

    private mutating func normalize() {
        while let last = limbs.last, last == 0 { limbs.removeLast() }
        if limbs.isEmpty { negative = false }
    }

    var isZero: Bool { limbs.isEmpty }

    /// -1, 0 or 1.
    var signum: Int { isZero ? 0 : (negative ? -1 : 1) }

    /// Number of significant bits in the magnitude (0 for zero).
    var bitWidth: Int {
        guard let top = limbs.last else { return 0 }
        return limbs.count * 32 - top.leadingZeroBitCount
    }

    /// The magnitude when it fits 64 bits.
    var magnitudeUInt64: UInt64? {
        switch limbs.count {
        case 0: return 0
        case 1: return UInt64(limbs[0])
        case 2: return UInt64(limbs[0]) | UInt64(limbs[1]) << 32
        default: return nil
        }
    }

    /// The value when it fits an `Int64`.
    var int64: Int64? {
        guard let m = magnitudeUInt64 else { return nil }
        if negative {
            if m <= UInt64(Int64.max) { return -Int64(m) }
            return m == UInt64(Int64.max) + 1 ? Int64.min : nil
        }
        return m <= UInt64(Int64.max) ? Int64(m) : nil
    }

    /// Lower and upper bounds on the number of decimal digits of the magnitude (non-zero values).
    /// 0.30102 < log10(2) < 0.30103, so these bracket the exact count without computing it.
    var decimalDigitBounds: (lower: Int, upper: Int) {
        let bits = bitWidth
        return ((bits - 1) * 30102 / 100_000 + 1, bits * 30103 / 100_000 + 1)
    }

    var negated: QuantityBigInt {
        var copy = self
        if !copy.isZero { copy.negative.toggle() }
        return copy
    }

    var magnitude: QuantityBigInt { QuantityBigInt(negative: false, limbs: limbs) }

    // MARK: Arithmetic

    static func + (a: QuantityBigInt, b: QuantityBigInt) -> QuantityBigInt {
        if a.negative == b.negative {
            return QuantityBigInt(negative: a.negative, limbs: addMagnitudes(a.limbs, b.limbs))
        }
        switch compareMagnitudes(a.limbs, b.limbs) {
        case 0: return .zero
        case 1: return QuantityBigInt(negative: a.negative, limbs: subtractMagnitudes(a.limbs, b.limbs))
        default: return QuantityBigInt(negative: b.negative, limbs: subtractMagnitudes(b.limbs, a.limbs))
        }
    }

    static func - (a: QuantityBigInt, b: QuantityBigInt) -> QuantityBigInt { a + b.negated }

    static func compare(_ a: QuantityBigInt, _ b: QuantityBigInt) -> Int {
        if a.signum != b.signum { return a.signum < b.signum ? -1 : 1 }
        let m = compareMagnitudes(a.limbs, b.limbs)
        return a.negative ? -m : m
    }

    /// Multiplies by 10^n (n ≥ 0).
    func timesPowerOfTen(_ n: Int) -> QuantityBigInt {
        guard n > 0, !isZero else { return self }
        var limbs = self.limbs
        var remaining = n
        while remaining >= 9 {
            Self.multiplyAdd(&limbs, 1_000_000_000, 0)
            remaining -= 9
        }
        if remaining > 0 { Self.multiplyAdd(&limbs, Self.smallPowersOfTen[remaining], 0) }
        return QuantityBigInt(negative: negative, limbs: limbs)
    }

    /// Multiplies by 2^n (n ≥ 0).
    func shiftedLeft(_ n: Int) -> QuantityBigInt {
        guard n > 0, !isZero else { return self }
        let whole = n / 32
        let bits = n % 32
        var result = [UInt32](repeating: 0, count: whole)
        result.reserveCapacity(whole + limbs.count + 1)
        if bits == 0 {
            result.append(contentsOf: limbs)
        } else {
            var carry: UInt32 = 0
            for limb in limbs {
                result.append(limb << UInt32(bits) | carry)
                carry = limb >> UInt32(32 - bits)
            }
            result.append(carry)
        }
        return QuantityBigInt(negative: negative, limbs: result)
    }

    /// Divides the magnitude by 10^n (n ≥ 0), truncating; `inexact` tells whether a non-zero
    /// remainder was dropped. The sign is kept (a zero quotient is not negative).
    func dividedByPowerOfTen(_ n: Int) -> (quotient: QuantityBigInt, inexact: Bool) {
        guard n > 0, !isZero else { return (self, false) }
        if n > decimalDigitBounds.upper { return (.zero, true) }
        var limbs = self.limbs
        var remaining = n
        var inexact = false
        while remaining > 0 {
            let step = min(remaining, 9)
            if Self.divide(&limbs, Self.smallPowersOfTen[step]) != 0 { inexact = true }
            remaining -= step
        }
        return (QuantityBigInt(negative: negative, limbs: limbs), inexact)
    }

    /// Removes every factor `base` (10 or 1024) from a non-zero value: self == result * base^times.
    func removingFactors(of base: UInt32) -> (result: QuantityBigInt, times: Int) {
        guard !isZero else { return (self, 0) }
        var limbs = self.limbs
        var times = 0
        while true {
            var trial = limbs
            if Self.divide(&trial, base) != 0 { break }
            while let last = trial.last, last == 0 { trial.removeLast() }
            limbs = trial
            times += 1
        }
        return (QuantityBigInt(negative: negative, limbs: limbs), times)
    }

    /// Adds 1 to the magnitude (rounds away from zero).
    func incrementingMagnitude() -> QuantityBigInt {
        QuantityBigInt(negative: negative, limbs: Self.addMagnitudes(limbs, [1]))
    }

    /// The magnitude as a `Double`, rounded to nearest-even as Go's `big.Float.Float64` does
    /// (infinity when too large).
    var magnitudeDouble: Double {
        let bits = bitWidth
        if bits <= 64 { return Double(magnitudeUInt64 ?? 0) }
        let shift = bits - 64
        let shifted = magnitudeDroppingLowBits(shift)
        // Keep a sticky bit for everything shifted out so the 64→53-bit rounding is still correct.
        let sticky: UInt64 = hasNonZeroLowBits(shift) ? 1 : 0
        return Double(sign: .plus, exponent: shift, significand: Double(shifted | sticky))
    }

    var doubleValue: Double { negative ? -magnitudeDouble : magnitudeDouble }

    private func magnitudeDroppingLowBits(_ n: Int) -> UInt64 {
        let whole = n / 32
        let bits = n % 32
        var out: UInt64 = 0
        for i in 0..<3 {
            let index = whole + i
            guard index < limbs.count else { break }
            let limb = UInt64(limbs[index])
            if i == 0 {
                out |= limb >> UInt64(bits)
            } else {
                let position = i * 32 - bits
                if position < 64 { out |= limb << UInt64(position) }
            }
        }
        return out
    }

    private func hasNonZeroLowBits(_ n: Int) -> Bool {
        let whole = n / 32
        let bits = n % 32
        for i in 0..<min(whole, limbs.count) where limbs[i] != 0 { return true }
        if bits > 0, whole < limbs.count, limbs[whole] & ((1 << UInt32(bits)) - 1) != 0 { return true }
        return false
    }

    /// Decimal digits of the magnitude, without sign.
    var magnitudeDecimalString: String {
        guard !isZero else { return "0" }
        var limbs = self.limbs
        var chunks: [UInt32] = []
        while !limbs.isEmpty {
            chunks.append(Self.divide(&limbs, 1_000_000_000))
            while let last = limbs.last, last == 0 { limbs.removeLast() }
        }
        var out = String(chunks.removeLast())
        for chunk in chunks.reversed() {
            let digits = String(chunk)
            out += String(repeating: "0", count: 9 - digits.count) + digits
        }
        return out
    }

    /// Decimal digits with a leading `-` for negative values, as Go's `big.Int.String`.
    var decimalString: String { negative ? "-" + magnitudeDecimalString : magnitudeDecimalString }

    // MARK: Magnitude helpers

    static let smallPowersOfTen: [UInt32] = [1, 10, 100, 1000, 10000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]

    private static func multiplyAdd(_ limbs: inout [UInt32], _ factor: UInt32, _ addend: UInt32) {
        var carry = UInt64(addend)
        for i in limbs.indices {
            let product = UInt64(limbs[i]) * UInt64(factor) + carry
            limbs[i] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
        }
        if carry != 0 { limbs.append(UInt32(carry)) }
    }

    /// Divides in place, returning the remainder; may leave high zero limbs.
    private static func divide(_ limbs: inout [UInt32], _ divisor: UInt32) -> UInt32 {
        var remainder: UInt64 = 0
        for i in limbs.indices.reversed() {
            let current = remainder << 32 | UInt64(limbs[i])
            limbs[i] = UInt32(current / UInt64(divisor))
            remainder = current % UInt64(divisor)
        }
        return UInt32(remainder)
    }

    private static func compareMagnitudes(_ a: [UInt32], _ b: [UInt32]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for i in a.indices.reversed() where a[i] != b[i] {
            return a[i] < b[i] ? -1 : 1
        }
        return 0
    }

    private static func addMagnitudes(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        let (long, short) = a.count >= b.count ? (a, b) : (b, a)
        var result = long
        var carry: UInt64 = 0
        for i in result.indices {
            let sum = UInt64(result[i]) + (i < short.count ? UInt64(short[i]) : 0) + carry
            result[i] = UInt32(truncatingIfNeeded: sum)
            carry = sum >> 32
            if carry == 0 && i >= short.count { break }
        }
        if carry != 0 { result.append(UInt32(carry)) }
        return result
    }

    /// a - b for |a| ≥ |b|.
    private static func subtractMagnitudes(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var result = a
        var borrow: Int64 = 0
        for i in result.indices {
            var difference = Int64(result[i]) - (i < b.count ? Int64(b[i]) : 0) - borrow
            if difference < 0 {
                difference += 1 << 32
                borrow = 1
            } else {
                borrow = 0
            }
            result[i] = UInt32(difference)
            if borrow == 0 && i >= b.count { break }
        }
        return result
    }
}
