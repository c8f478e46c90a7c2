/// A path to a field of an API object, printed as Kubernetes prints it:
/// `spec.containers[0].ports[1].containerPort`, `metadata.labels[app]`.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    private var segments: [String]

    /// A root path such as `spec` or `metadata`.
    public init(_ root: String) { segments = [root] }

    private init(segments: [String]) { self.segments = segments }

    /// The path of a child field: `spec` → `spec.containers`.
    public func child(_ name: String, _ more: String...) -> FieldPath {
        var copy = self
        copy.segments.append(name)
        copy.segments.append(contentsOf: more)
        return copy
    }

    /// The path of a list element: `spec.containers` → `spec.containers[0]`.
    public func index(_ i: Int) -> FieldPath {
        key(String(i))
    }

    /// The path of a map entry: `metadata.labels` → `metadata.labels[app]`.
    public func key(_ k: String) -> FieldPath {
        var copy = self
        if copy.segments.isEmpty {
            copy.segments = ["[\(k)]"]
        } else {
            copy.segments[copy.segments.count - 1] += "[\(k)]"
        }
        return copy
    }

    /// The path as Kubernetes prints it.
    public var description: String { segments.joined(separator: ".") }
}

/// A value shown in an error, formatted as Kubernetes' `field.Error` formats it:
/// strings quoted with Go's `%q`, numbers and booleans bare.
public enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    /// A Go `string`, printed with `%q`.
    case string(String)
    /// An integer, printed in decimal.
    case int(Int64)
    /// A floating-point number, printed as Go's `%v` prints a `float64` (`0.5`, `1e+06`).
    case double(Double)
    /// A boolean, `true` or `false`.
    case bool(Bool)
    /// A nil pointer, `null`.
    case null
    /// Printed as is (Go's `fmt.Stringer`).
    case raw(String)

    /// The value as it appears after `Invalid value: `.
    public var description: String {
        switch self {
        case .string(let s): return goQuote(s)
        case .int(let i): return String(i)
        case .double(let d): return goFloat(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .raw(let s): return s
        }
    }

    /// A string printed as Go's `encoding/json` prints it: Kubernetes passes enum-typed
    /// values (`RestartPolicy`, `DNSPolicy`, ...), pointers and quantities this way.
    public static func json(_ s: String) -> FieldValue { .raw(goJSONQuote(s)) }
}

/// Quotes a string exactly as Go's `strconv.Quote` (`%q`) does: printable
/// characters (Unicode letters, marks, numbers, punctuation, symbols and the
/// ASCII space) stay as they are, everything else is escaped.
public func goQuote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default:
            if isGoPrintable(scalar) {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x07: out += "\\a"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x0B: out += "\\v"
            case let v where v < 0x20 || v == 0x7F:
                out += "\\x" + hexDigits(v, width: 2)
            case let v where v < 0x10000:
                out += "\\u" + hexDigits(v, width: 4)
            case let v:
                out += "\\U" + hexDigits(v, width: 8)
            }
        }
    }
    return out + "\""
}

/// Quotes a string as Go's `encoding/json` does (with its default HTML escaping),
/// which is how `field.Error` prints values of named string types and pointers.
public func goJSONQuote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar.value {
        case 0x22: out += "\\\""
        case 0x5C: out += "\\\\"
        case 0x0A: out += "\\n"
        case 0x0D: out += "\\r"
        case 0x09: out += "\\t"
        case 0x08: out += "\\b"
        case 0x0C: out += "\\f"
        case 0x3C, 0x3E, 0x26, 0x2028, 0x2029:
            out += "\\u" + hexDigits(scalar.value, width: 4)
        case let v where v < 0x20:
            out += "\\u" + hexDigits(v, width: 4)
        default:
            out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// Go's `%v` for a `float64` (`strconv.FormatFloat(d, 'g', -1, 64)`): the shortest digits that
/// round-trip, in exponent form when the decimal exponent is below -4 or at least 6.
func goFloat(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
    let sign = d.sign == .minus ? "-" : ""
    // Swift's description is also the shortest round-tripping form; re-lay its digits out Go's way.
    let text = "\(d.magnitude)"
    let parts = text.split(separator: "e", maxSplits: 1)
    let mantissa = parts[0]
    let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
    let pointIndex = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count
    var digits = Array(mantissa.filter { $0 != "." })
    var decimalPoint = pointIndex + exponent
    while digits.first == "0" {
        digits.removeFirst()
        decimalPoint -= 1
    }
    while digits.last == "0" { digits.removeLast() }
    if digits.isEmpty { return sign + "0" }
    let exp = decimalPoint - 1
    if exp < -4 || exp >= 6 {
        var out = sign + String(digits[0])
        if digits.count > 1 { out += "." + String(digits[1...]) }
        let magnitude = String(abs(exp))
        return out + "e" + (exp < 0 ? "-" : "+") + (magnitude.count < 2 ? "0" : "") + magnitude
    }
    if decimalPoint <= 0 {
        return sign + "0." + String(repeating: "0", count: -decimalPoint) + String(digits)
    }
    if decimalPoint >= digits.count {
        return sign + String(digits) + String(repeating: "0", count: decimalPoint - digits.count)
    }
    return sign + String(digits[..<decimalPoint]) + "." + String(digits[decimalPoint...])
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and U+0020.
private func isGoPrintable(_ scalar: Unicode.Scalar) -> Bool {
    if scalar == " " { return true }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
         .nonspacingMark, .spacingMark, .enclosingMark,
         .decimalNumber, .letterNumber, .otherNumber,
         .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
         .initialPunctuation, .finalPunctuation, .otherPunctuation,
         .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
        return true
    default:
        return false
    }
}

private func hexDigits(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// One validation error, in the shape of Kubernetes' `field.Error` (k8s.io/apimachinery/pkg/util/validation/field).
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Kubernetes' `field.ErrorType`.
    public enum Kind: String, Sendable, Hashable {
        /// A referenced value does not exist.
        case notFound = "Not found"
        /// A required value is missing.
        case required = "Required value"
        /// A value that must be unique is repeated.
        case duplicate = "Duplicate value"
        /// A value is malformed or out of range.
        case invalid = "Invalid value"
        /// A value is not one of an enumeration's members.
        case notSupported = "Unsupported value"
        /// A valid value is not allowed here.
        case forbidden = "Forbidden"
        /// A value is longer than allowed.
        case tooLong = "Too long"
        /// A list has more items than allowed.
        case tooMany = "Too many"
        /// Something went wrong that is not the user's input.
        case `internal` = "Internal error"
    }

    /// What kind of problem this is.
    public var kind: Kind
    /// The field the problem is in.
    public var field: FieldPath
    /// The offending value, when the kind shows one.
    public var value: FieldValue?
    /// The explanation after the value; may be empty.
    public var detail: String

    /// Creates an error; the static constructors below mirror Kubernetes' `field.Invalid`, `field.Required`, ...
    public init(_ kind: Kind, _ field: FieldPath, value: FieldValue? = nil, detail: String = "") {
        self.kind = kind
        self.field = field
        self.value = value
        self.detail = detail
    }

    /// `Invalid value: <value>: <detail>` (`field.Invalid`).
    public static func invalid(_ field: FieldPath, _ value: FieldValue, _ detail: String) -> FieldError {
        FieldError(.invalid, field, value: value, detail: detail)
    }
    /// `Required value` with an optional detail (`field.Required`).
    public static func required(_ field: FieldPath, _ detail: String = "") -> FieldError {
        FieldError(.required, field, detail: detail)
    }
    /// `Duplicate value: <value>` (`field.Duplicate`).
    public static func duplicate(_ field: FieldPath, _ value: FieldValue) -> FieldError {
        FieldError(.duplicate, field, value: value)
    }
    /// `Forbidden: <detail>` (`field.Forbidden`).
    public static func forbidden(_ field: FieldPath, _ detail: String) -> FieldError {
        FieldError(.forbidden, field, detail: detail)
    }
    /// `Not found: <value>` (`field.NotFound`).
    public static func notFound(_ field: FieldPath, _ value: FieldValue) -> FieldError {
        FieldError(.notFound, field, value: value)
    }
    /// `Unsupported value: "x": supported values: "a", "b"`, as `field.NotSupported` prints it.
    public static func notSupported(_ field: FieldPath, _ value: FieldValue, _ supported: [String]) -> FieldError {
        let detail = supported.isEmpty ? "" : "supported values: " + supported.map(goQuote).joined(separator: ", ")
        return FieldError(.notSupported, field, value: value, detail: detail)
    }
    /// `Too long: may not be more than 63 bytes`, as `field.TooLong` prints it.
    public static func tooLong(_ field: FieldPath, _ maxLength: Int) -> FieldError {
        let detail = maxLength < 0 ? "value is too long"
            : "may not be more than \(maxLength) \(maxLength == 1 ? "byte" : "bytes")"
        return FieldError(.tooLong, field, detail: detail)
    }
    /// `Too many: 4: must have at most 3 items`, as `field.TooMany` prints it.
    public static func tooMany(_ field: FieldPath, actual: Int, max: Int) -> FieldError {
        let detail = max < 0 ? "has too many items" : "must have at most \(max) \(max == 1 ? "item" : "items")"
        return FieldError(.tooMany, field, value: actual < 0 ? nil : .int(Int64(actual)), detail: detail)
    }

    /// The body after the field path, as `field.Error.ErrorBody()`.
    public var body: String {
        var s: String
        switch kind {
        case .required, .forbidden, .tooLong, .internal:
            s = kind.rawValue
        default:
            if let value { s = "\(kind.rawValue): \(value)" } else { s = kind.rawValue }
        }
        if !detail.isEmpty { s += ": \(detail)" }
        return s
    }

    /// `spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive`.
    public var description: String { "\(field): \(body)" }
}
