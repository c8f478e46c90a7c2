/// A fixed-point number with a unit suffix, such as `500m`, `1.5`, `128Mi` or `1e3`: the
/// Kubernetes `resource.Quantity` (k8s.io/apimachinery/pkg/api/resource), with the same parse
/// rules, canonical text, rounding and comparison.
///
/// Values are exact: small ones are an `Int64` times a power of ten, others an arbitrary-precision
/// integer times a power of ten, as Kubernetes falls back from `int64Amount` to `inf.Dec`. Parsing
/// rounds a non-zero value finer than a nano away from zero (`0.1n` is `1n`) and caps BinarySI
/// text at 2^63-1; a decimal value is not capped (`18446744073709551616` keeps its value).
///
/// Equality, ordering and hashing are numeric (Kubernetes' `Cmp`/`Equal`): `1Gi == 1073741824`
/// and `1 == 1000m`, whatever their formats.
public struct Quantity: Codable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// How a quantity is written back out. Parsing infers it from the suffix.
    public enum Format: String, Sendable {
        /// `12e6`: a power-of-ten exponent, printed as a multiple of 3 (`1.5e3` prints `1500`).
        case decimalExponent = "DecimalExponent"
        /// `12Mi`: powers of 1024 (`Ki` … `Ei`). A value that is fractional, or strictly
        /// between -1024 and 1024, prints as DecimalSI instead (`1.5Ki` prints `1536`).
        case binarySI = "BinarySI"
        /// `12M`: SI suffixes `n u m "" k M G T P E`; beyond `E`, a decimal exponent.
        case decimalSI = "DecimalSI"
    }

    var amount: QuantityAmount

    /// The format `description` uses. Assigning it re-canonicalizes the text (Kubernetes would
    /// keep printing a string cached while parsing).
    public var format: Format {
        didSet { cached = nil }
    }

    /// Kubernetes' cached `s`: set by parsing when the input already looks canonical and printed
    /// verbatim, so a parsed quantity prints exactly as Kubernetes prints it.
    private var cached: String?

    init(amount: QuantityAmount, format: Format, cached: String?) {
        self.amount = amount
        self.format = format
        self.cached = cached
    }

    /// Parses a quantity as Kubernetes' `resource.ParseQuantity` does: `<sign><number><suffix>`,
    /// where the suffix is one of `Ki Mi Gi Ti Pi Ei`, `n u m k M G T P E`, or `e`/`E` followed
    /// by a signed integer exponent. The format is taken from the suffix.
    ///
    /// Kubernetes' leniencies are kept: `1.` and `.5` are numbers, and a bare sign, `.` or suffix
    /// (`-`, `k`, `Ki`) is zero (kubernetes/apimachinery#165).
    ///
    /// - Throws: `QuantityError` with Kubernetes' message for empty or malformed text (`1.1.1`,
    ///   `1 Gi`, `abc`), an unknown suffix (`1e`, `0.1mi`) or an unreadable number (`Pi`).
    public init(parsing s: String) throws(QuantityError) {
        self = try Quantity.parse(s)
    }

    /// `value` whole units (Kubernetes' `NewQuantity`).
    public init(value: Int64, format: Format) {
        self.init(amount: .int(value: value, scale: 0), format: format, cached: nil)
    }

    /// `milliValue` thousandths of a unit (Kubernetes' `NewMilliQuantity`). A BinarySI quantity
    /// that is not a whole number prints as DecimalSI (`1024m`).
    public init(milliValue: Int64, format: Format) {
        self.init(amount: .int(value: milliValue, scale: -3), format: format, cached: nil)
    }

    /// `scaledValue × 10^scale`, in DecimalSI (Kubernetes' `NewScaledQuantity`): scale -9 counts
    /// nanos, -3 millis, 3 thousands.
    public init(scaledValue: Int64, scale: Int) {
        self.init(amount: .int(value: scaledValue, scale: scale), format: .decimalSI, cached: nil)
    }

    /// The canonical text, exactly as Kubernetes' `Quantity.String()` and its JSON encoding:
    /// no fraction digits, the largest suffix that loses no precision, the sign only when
    /// negative (`1.5` → `1500m`, `1024Mi` → `1Gi`, `0.5Gi` → `512Mi`, `1.5Ki` → `1536`).
    ///
    /// Like Kubernetes, a parsed quantity whose text already looked canonical prints as written,
    /// which includes its spellings `+1`, `01` and `1.100` (kubernetes#138165).
    public var description: String { cached ?? canonicalText }

    /// Whether the value is zero.
    public var isZero: Bool { amount.isZero }

    /// -1, 0 or 1 as the value is negative, zero or positive.
    public var sign: Int { amount.signum }

    /// The value in whole units, rounded away from zero (`1m` → 1, `1500m` → 2, `-1500m` → -2),
    /// as Kubernetes' `Value()`. Saturates at the `Int64` range where Kubernetes overflows.
    public var value: Int64 { amount.scaledValue(0) }

    /// The value in thousandths, rounded away from zero (`1.1` → 1100, `1n` → 1), as Kubernetes'
    /// `MilliValue()`. Saturates at the `Int64` range where Kubernetes overflows.
    public var milliValue: Int64 { amount.scaledValue(-3) }

    /// The value in units of 10^scale, rounded away from zero, as Kubernetes' `ScaledValue`:
    /// `scaledValue(-9)` is nanos, `scaledValue(6)` millions. Saturates at the `Int64` range.
    public func scaledValue(_ scale: Int) -> Int64 { amount.scaledValue(scale) }

    /// The value as a `Double`, bit for bit as Kubernetes' `AsApproximateFloat64`; ±infinity
    /// past the `Double` range.
    public var asApproximateDouble: Double { amount.approximateDouble }

    // MARK: Arithmetic

    /// Adds `other` in place, exactly (Kubernetes' `Add`). The format stays, unless this
    /// quantity is zero, in which case it becomes `other`'s.
    public mutating func add(_ other: Quantity) {
        cached = nil
        if case .int(let a, let aScale) = amount, case .int(let b, let bScale) = other.amount {
            if a == 0 { format = other.format }
            if let sum = Self.addInt64Amounts(a, aScale, b, bScale) {
                amount = sum
                return
            }
        } else if amount.isZero {
            format = other.format
        }
        amount = Self.addDecimals(amount, other.amount)
    }

    /// Subtracts `other` in place, exactly (Kubernetes' `Sub`). The format stays, unless this
    /// quantity is zero, in which case it becomes `other`'s.
    public mutating func subtract(_ other: Quantity) {
        cached = nil
        if amount.isZero { format = other.format }
        if case .int(let a, let aScale) = amount, case .int(let b, let bScale) = other.amount {
            if a == 0 && b == .min {
                // 0 - y is -y, which for Int64.min only fits the decimal form.
                amount = QuantityAmount.int(value: b, scale: bScale).negated
                return
            }
            if b != .min, let difference = Self.addInt64Amounts(a, aScale, -b, bScale) {
                amount = difference
                return
            }
        }
        amount = Self.addDecimals(amount, other.amount.negated)
    }

    /// `self + other`, in this quantity's format (or `other`'s when this one is zero).
    public func adding(_ other: Quantity) -> Quantity {
        var copy = self
        copy.add(other)
        return copy
    }

    /// `self - other`, in this quantity's format (or `other`'s when this one is zero).
    public func subtracting(_ other: Quantity) -> Quantity {
        var copy = self
        copy.subtract(other)
        return copy
    }

    /// The quantity with its sign flipped, in the same format (Kubernetes' `Neg`).
    public func negated() -> Quantity {
        Quantity(amount: amount.negated, format: format, cached: nil)
    }

    /// Kubernetes' `int64Amount.Add`: nil when the sum does not fit, so the caller falls back
    /// to the decimal form.
    private static func addInt64Amounts(_ a: Int64, _ aScale: Int, _ b: Int64, _ bScale: Int) -> QuantityAmount? {
        if b == 0 { return .int(value: a, scale: aScale) }
        if a == 0 { return .int(value: b, scale: bScale) }
        if aScale == bScale {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? nil : .int(value: sum, scale: aScale)
        }
        if aScale > bScale {
            let (scaled, ok) = QuantityAmount.positiveScaleInt64(a, aScale - bScale)
            guard ok else { return nil }
            let (sum, overflow) = scaled.addingReportingOverflow(b)
            return overflow ? nil : .int(value: sum, scale: bScale)
        }
        let (scaled, ok) = QuantityAmount.positiveScaleInt64(b, bScale - aScale)
        guard ok else { return nil }
        let (sum, overflow) = a.addingReportingOverflow(scaled)
        return overflow ? nil : .int(value: sum, scale: aScale)
    }

    /// inf.Dec addition: both operands at the finer of the two exponents.
    private static func addDecimals(_ a: QuantityAmount, _ b: QuantityAmount) -> QuantityAmount {
        let (au, ae) = a.decimal
        let (bu, be) = b.decimal
        let exponent = min(ae, be)
        let sum = au.timesPowerOfTen(ae - exponent) + bu.timesPowerOfTen(be - exponent)
        return .dec(unscaled: sum, exponent: exponent)
    }

    // MARK: Comparison

    /// Numeric equality (Kubernetes' `Equal`); formats and spellings do not matter.
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool {
        QuantityAmount.compare(lhs.amount, rhs.amount) == 0
    }

    /// Numeric order (Kubernetes' `Cmp`).
    public static func < (lhs: Quantity, rhs: Quantity) -> Bool {
        QuantityAmount.compare(lhs.amount, rhs.amount) < 0
    }

    /// -1, 0 or 1 as this quantity is less than, equal to or greater than `other` (Kubernetes'
    /// `Cmp`).
    public func compare(_ other: Quantity) -> Int {
        QuantityAmount.compare(amount, other.amount)
    }

    /// Hashes the numeric value, so equal quantities hash alike whatever their format.
    public func hash(into hasher: inout Hasher) {
        // value = digits × 10^exponent with no trailing decimal zeros is unique per value; both
        // representations must feed the hasher the same sequence for it.
        if case .int(let value, let scale) = amount {
            guard value != 0 else {
                hasher.combine(0)
                return
            }
            var magnitude = value.magnitude
            var exponent = scale
            while magnitude % 10 == 0 {
                magnitude /= 10
                exponent += 1
            }
            hasher.combine(Int(value.signum()))
            hasher.combine(magnitude)
            hasher.combine(exponent)
            return
        }
        let (unscaled, exponent) = amount.decimal
        guard !unscaled.isZero else {
            hasher.combine(0)
            return
        }
        let (digits, times) = unscaled.removingFactors(of: 10)
        hasher.combine(digits.signum)
        if let small = digits.magnitudeUInt64 {
            hasher.combine(small)
        } else {
            hasher.combine(digits.limbs)
        }
        hasher.combine(exponent + times)
    }

    // MARK: Codable

    /// Decodes from a string (`"500m"`, surrounding whitespace ignored) or a number (`1`,
    /// `1.5`), as Kubernetes accepts both; `null` is zero. A JSON number is read through
    /// `Int64`/`Double`, so `1e3` there reads as `1000` (Kubernetes keeps the `1e3` spelling);
    /// YAML scalars keep their text.
    ///
    /// - Throws: `DecodingError.dataCorrupted` whose underlying error is the `QuantityError`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self.init(amount: .zero, format: .decimalSI, cached: nil)
            return
        }
        let text: String
        if let string = try? container.decode(String.self) {
            text = Self.trimmingSpace(string)
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else if let unsigned = try? container.decode(UInt64.self) {
            text = String(unsigned)
        } else {
            let number = try container.decode(Double.self)
            // Swift prints the shortest text that reads back as the same Double ("0.1", "1e-05").
            text = String(number)
        }
        do {
            self = try Quantity.parse(text)
        } catch {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    /// Encodes the canonical text (`description`) as a string, as Kubernetes does.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Go's `strings.TrimSpace`.
    private static func trimmingSpace(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) ?? first
        return String(scalars[first...last])
    }
}
