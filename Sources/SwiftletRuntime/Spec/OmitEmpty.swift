/// A value with a natural "empty" state that the runtime-spec's Go bindings leave out of
/// JSON (`omitempty`): empty arrays, maps and strings, `false`, zero.
public protocol OmitEmptyValue: Codable, Hashable {
    /// The value an absent or `null` JSON field decodes to.
    static var emptyValue: Self { get }
    /// Whether encoding should leave the field out.
    var isEmptyValue: Bool { get }
}

extension Array: OmitEmptyValue where Element: Codable & Hashable {
    public static var emptyValue: [Element] { [] }
    public var isEmptyValue: Bool { isEmpty }
}

extension Dictionary: OmitEmptyValue where Key: Codable & Hashable, Value: Codable & Hashable {
    public static var emptyValue: [Key: Value] { [:] }
    public var isEmptyValue: Bool { isEmpty }
}

extension String: OmitEmptyValue {
    public static var emptyValue: String { "" }
    public var isEmptyValue: Bool { isEmpty }
}

extension Bool: OmitEmptyValue {
    public static var emptyValue: Bool { false }
    public var isEmptyValue: Bool { !self }
}

extension UInt64: OmitEmptyValue {
    public static var emptyValue: UInt64 { 0 }
    public var isEmptyValue: Bool { self == 0 }
}

/// Marks a config.json field as optional-with-a-default, the way Go's `omitempty` does:
/// a missing or `null` field decodes to the empty value, and an empty value is not encoded.
/// This keeps the Swift API free of optionals for fields where "absent" and "empty" mean the same.
@propertyWrapper
public struct OmitEmpty<Value: OmitEmptyValue>: Codable, Hashable {
    /// The field's value.
    public var wrappedValue: Value

    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? Value.emptyValue : try container.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

extension OmitEmpty: Sendable where Value: Sendable {}

extension KeyedDecodingContainer {
    /// Synthesized `Decodable` calls this for `@OmitEmpty` properties: a missing key is not an error.
    public func decode<V>(_ type: OmitEmpty<V>.Type, forKey key: Key) throws -> OmitEmpty<V> {
        OmitEmpty(wrappedValue: try decodeIfPresent(V.self, forKey: key) ?? V.emptyValue)
    }
}

extension KeyedEncodingContainer {
    /// Synthesized `Encodable` calls this for `@OmitEmpty` properties: empty values are left out.
    public mutating func encode<V>(_ value: OmitEmpty<V>, forKey key: Key) throws {
        if !value.wrappedValue.isEmptyValue {
            try encode(value.wrappedValue, forKey: key)
        }
    }
}
