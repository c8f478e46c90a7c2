/// A value that is either an integer or a string (`intstr.IntOrString`), e.g. a probe port that is
/// a number (`8080`) or a named container port (`"http"`).
public enum IntOrString: Codable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral, ExpressibleByStringLiteral
{
    /// A number, such as a port.
    case int(Int32)
    /// A string, such as a named port or a percentage (`"25%"`).
    case string(String)

    public init(integerLiteral value: Int32) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }

    /// Decodes a JSON number or string; throws `DecodingError.typeMismatch` for anything else.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let i = try? container.decode(Int32.self) {
            self = .int(i)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else {
            throw DecodingError.typeMismatch(
                IntOrString.self,
                .init(codingPath: decoder.codingPath, debugDescription: "expected integer or string"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let i): try container.encode(i)
        case .string(let s): try container.encode(s)
        }
    }

    /// The integer, when this is `.int`.
    public var intValue: Int32? { if case .int(let i) = self { return i } else { return nil } }

    /// The string, when this is `.string`.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }

    /// The value as written: `8080` or `http`.
    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return s
        }
    }
}
