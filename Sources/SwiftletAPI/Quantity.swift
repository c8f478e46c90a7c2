// PLACEHOLDER owned by the quantity work: replaced wholesale. Public surface that other code may use:
//   Quantity(parsing: String) throws, Quantity.description (canonical), Codable as a JSON string or number,
//   Hashable, Comparable, Sendable, milliValue, value.
public struct Quantity: Codable, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(parsing s: String) throws { description = s }
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { description = s } else { description = String(try c.decode(Int64.self)) }
    }
    public func encode(to encoder: Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(description) }
}
