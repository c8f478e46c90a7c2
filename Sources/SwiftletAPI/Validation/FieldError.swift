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

    public var description: String { segments.joined(separator: ".") }
}

/// A value shown in an error, formatted as Kubernetes' `field.Error` formats it:
/// strings quoted with Go's `%q`, numbers and booleans bare.
public enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case null
    /// Printed as is (Go's `fmt.Stringer`).
    case raw(String)

    public var description: String {
        switch self {
        case .string(let s): return goQuote(s)
        case .int(let i): return String(i)
        case .double(let d):
            if d == d.rounded(), abs(d) < 1e21 { return String(Int64(d)) }
            return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .raw(let s): return s
        }
    }
}

/// Quotes a string as Go's `%q` does for printable text.
public func goQuote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f {
                out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// One validation error, in the shape of Kubernetes' `field.Error` (k8s.io/apimachinery/pkg/util/validation/field).
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Kubernetes' `field.ErrorType`.
    public enum Kind: String, Sendable, Hashable {
        case notFound = "Not found"
        case required = "Required value"
        case duplicate = "Duplicate value"
        case invalid = "Invalid value"
        case notSupported = "Unsupported value"
        case forbidden = "Forbidden"
        case tooLong = "Too long"
        case tooMany = "Too many"
        case `internal` = "Internal error"
    }

    public var kind: Kind
    public var field: FieldPath
    public var value: FieldValue?
    public var detail: String

    public init(_ kind: Kind, _ field: FieldPath, value: FieldValue? = nil, detail: String = "") {
        self.kind = kind
        self.field = field
        self.value = value
        self.detail = detail
    }

    public static func invalid(_ field: FieldPath, _ value: FieldValue, _ detail: String) -> FieldError {
        FieldError(.invalid, field, value: value, detail: detail)
    }
    public static func required(_ field: FieldPath, _ detail: String = "") -> FieldError {
        FieldError(.required, field, detail: detail)
    }
    public static func duplicate(_ field: FieldPath, _ value: FieldValue) -> FieldError {
        FieldError(.duplicate, field, value: value)
    }
    public static func forbidden(_ field: FieldPath, _ detail: String) -> FieldError {
        FieldError(.forbidden, field, detail: detail)
    }
    public static func notFound(_ field: FieldPath, _ value: FieldValue) -> FieldError {
        FieldError(.notFound, field, value: value)
    }
    /// `Unsupported value: "x": supported values: "a", "b"`, as `field.NotSupported` prints it.
    public static func notSupported(_ field: FieldPath, _ value: FieldValue, _ supported: [String]) -> FieldError {
        let detail = supported.isEmpty ? "" : "supported values: " + supported.map(goQuote).joined(separator: ", ")
        return FieldError(.notSupported, field, value: value, detail: detail)
    }
    public static func tooLong(_ field: FieldPath, _ maxLength: Int) -> FieldError {
        FieldError(.tooLong, field, detail: "may not be more than \(maxLength) bytes")
    }
    public static func tooMany(_ field: FieldPath, actual: Int, max: Int) -> FieldError {
        FieldError(.tooMany, field, value: .int(Int64(actual)), detail: "must have at most \(max) items")
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
