import Foundation

/// A `Decoder` reading straight from a `ManifestNode` tree, so YAML and JSON manifests decode
/// identically and every error carries its exact coding path. Types follow Go's `encoding/json`:
/// strings only from strings, integers only from integral numbers in range, booleans only from
/// booleans, `[]byte` (`Data`) from base64 strings. Unknown keys are ignored.
struct ManifestNodeDecoder: Decoder {
    let node: ManifestNode
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = node.value else {
            throw mismatch([String: Any].self, "object", node, codingPath)
        }
        var byKey: [String: ManifestNode] = [:]
        for member in members { byKey[member.key] = member.value }
        return KeyedDecodingContainer(KeyedContainer<Key>(node: node, members: byKey, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .array(let items) = node.value else {
            throw mismatch([Any].self, "array", node, codingPath)
        }
        return UnkeyedContainer(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        SingleValueContainer(node: node, codingPath: codingPath)
    }
}

/// `expected <what>, got <summary>` as a `typeMismatch`.
private func mismatch(_ type: Any.Type, _ expected: String, _ node: ManifestNode, _ path: [CodingKey]) -> DecodingError {
    DecodingError.typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(expected), got \(node.summary)"))
}

/// Decodes one value of type `T` from `node`; the primitives are handled here, everything else
/// through its own `init(from:)`.
private func decodeValue<T: Decodable>(_ type: T.Type, from node: ManifestNode, at path: [CodingKey]) throws -> T {
    if T.self == Data.self {
        guard case .string(let s) = node.value else { throw mismatch(Data.self, "base64 data", node, path) }
        guard let data = Data(base64Encoded: s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "expected base64 data, got \(node.summary)"))
        }
        return data as! T
    }
    let single = SingleValueContainer(node: node, codingPath: path)
    switch T.self {
    case is String.Type: return try single.decode(String.self) as! T
    case is Bool.Type: return try single.decode(Bool.self) as! T
    case is Int.Type: return try single.decode(Int.self) as! T
    case is Int32.Type: return try single.decode(Int32.self) as! T
    case is Int64.Type: return try single.decode(Int64.self) as! T
    case is Double.Type: return try single.decode(Double.self) as! T
    default: return try T(from: ManifestNodeDecoder(node: node, codingPath: path))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let node: ManifestNode
    let members: [String: ManifestNode]
    let codingPath: [CodingKey]

    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func child(_ key: Key) throws -> ManifestNode {
        guard let child = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "required field is missing"))
        }
        return child
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try child(key).value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decodeValue(T.self, from: child(key), at: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try ManifestNodeDecoder(node: child(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try ManifestNodeDecoder(node: child(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> Decoder {
        let key = AnyCodingKey("super")
        return ManifestNodeDecoder(node: members["super"] ?? ManifestNode(value: .null, line: node.line),
                                   codingPath: codingPath + [key])
    }

    func superDecoder(forKey key: Key) throws -> Decoder {
        ManifestNodeDecoder(node: members[key.stringValue] ?? ManifestNode(value: .null, line: node.line),
                            codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let items: [ManifestNode]
    let codingPath: [CodingKey]
    var currentIndex = 0

    init(items: [ManifestNode], codingPath: [CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private var indexKey: AnyCodingKey { AnyCodingKey(intValue: currentIndex)! }

    private func current<T>(_ type: T.Type) throws -> ManifestNode {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [indexKey], debugDescription: "list has no more items"))
        }
        return items[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        if case .null = try current(Any?.self).value {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let value = try decodeValue(T.self, from: current(T.self), at: codingPath + [indexKey])
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let container = try ManifestNodeDecoder(node: current(type), codingPath: codingPath + [indexKey]).container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        let container = try ManifestNodeDecoder(node: current([Any].self), codingPath: codingPath + [indexKey]).unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> Decoder {
        let decoder = ManifestNodeDecoder(node: try current(Any.self), codingPath: codingPath + [indexKey])
        currentIndex += 1
        return decoder
    }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let node: ManifestNode
    let codingPath: [CodingKey]

    func decodeNil() -> Bool {
        if case .null = node.value { return true }
        return false
    }

    private func null<T>(_ type: T.Type, _ expected: String) -> DecodingError {
        .valueNotFound(type, .init(codingPath: codingPath, debugDescription: "expected \(expected), got null"))
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch node.value {
        case .bool(let b): return b
        case .null: throw null(type, "boolean")
        default: throw mismatch(type, "boolean", node, codingPath)
        }
    }

    func decode(_ type: String.Type) throws -> String {
        switch node.value {
        case .string(let s): return s
        case .null: throw null(type, "string")
        default: throw mismatch(type, "string", node, codingPath)
        }
    }

    func decode(_ type: Double.Type) throws -> Double {
        switch node.value {
        case .number(let text):
            guard let d = Double(text), d.isFinite else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "number \(text) is out of range"))
            }
            return d
        case .null: throw null(type, "number")
        default: throw mismatch(type, "number", node, codingPath)
        }
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        switch node.value {
        case .number(let text):
            let integral = !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
            guard integral else { throw mismatch(type, "integer", node, codingPath) }
            guard let value = T(text) else {
                let size = T.isSigned ? "\(T.bitWidth)-bit integer" : "\(T.bitWidth)-bit unsigned integer"
                throw DecodingError.dataCorrupted(.init(
                    codingPath: codingPath, debugDescription: "number \(text) is out of range for a \(size)"))
            }
            return value
        case .null: throw null(type, "integer")
        default: throw mismatch(type, "integer", node, codingPath)
        }
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decodeValue(T.self, from: node, at: codingPath)
    }
}
