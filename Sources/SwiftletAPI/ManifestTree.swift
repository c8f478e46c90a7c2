import Foundation
import Yams

/// A JSON-shaped value with the 1-based source line it started on; the common form YAML and JSON
/// manifests are converted to, so that both decode through `JSONDecoder` to identical values.
struct ManifestNode: Sendable {
    enum Value: Sendable {
        case null
        case bool(Bool)
        /// JSON number text, kept verbatim so nothing is lost before the field's own type parses it.
        case number(String)
        case string(String)
        case array([ManifestNode])
        case object([(key: String, value: ManifestNode)])
    }

    var value: Value
    var line: Int?

    /// The member `key` of an object.
    subscript(key: String) -> ManifestNode? {
        guard case .object(let members) = value else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    /// The member `key` when it is a string.
    func string(_ key: String) -> String? {
        if case .string(let s)? = self[key]?.value { return s }
        return nil
    }

    /// A short description of the value for error messages: `string "abc"`, `number 5`, `object`.
    var summary: String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "boolean \(b)"
        case .number(let n): return "number \(n)"
        case .string(let s): return "string \(goQuote(s.count > 64 ? String(s.prefix(61)) + "..." : s))"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Serializes the value as compact JSON.
    func jsonData() -> Data {
        var out = [UInt8]()
        out.reserveCapacity(1024)
        write(to: &out)
        return Data(out)
    }

    private func write(to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: Array("null".utf8))
        case .bool(let b): out.append(contentsOf: Array((b ? "true" : "false").utf8))
        case .number(let n): out.append(contentsOf: Array(n.utf8))
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Follows a `DecodingError` coding path as far as the tree goes; returns the deepest node
    /// reached and whether the whole path was found.
    func descend(_ path: [CodingKey]) -> (node: ManifestNode, complete: Bool) {
        var node = self
        for key in path {
            switch node.value {
            case .array(let items):
                guard let i = key.intValue, items.indices.contains(i) else { return (node, false) }
                node = items[i]
            case .object:
                guard let child = node[key.stringValue] else { return (node, false) }
                node = child
            default:
                return (node, false)
            }
        }
        return (node, true)
    }
}

// MARK: - YAML

extension ManifestNode {
    /// Converts a composed YAML node, resolving scalars as YAML 1.1 does (as Kubernetes'
    /// YAML-to-JSON conversion does): `yes`/`on` are booleans, `0644` is octal, quoted scalars are
    /// strings. Timestamps stay strings. `<<` merge keys are applied; duplicate keys are errors.
    init(yaml node: Yams.Node) throws {
        let line = node.mark?.line
        switch node {
        case .scalar(let scalar):
            self.init(value: try Self.scalarValue(scalar, line: line), line: line)
        case .sequence(let sequence):
            self.init(value: .array(try sequence.map { try ManifestNode(yaml: $0) }), line: line)
        case .mapping(let mapping):
            var members: [(key: String, value: ManifestNode)] = []
            var seen: [String: Int?] = [:]
            var merges: [ManifestNode] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw ManifestDecodingError(
                        field: nil, message: "mapping keys must be scalars", line: keyNode.mark?.line)
                }
                if keyScalar.style == .plain, keyScalar.string == "<<" {
                    merges.append(try ManifestNode(yaml: valueNode))
                    continue
                }
                let key = keyScalar.string
                if let previous = seen[key] {
                    let at = previous.map { " at line \($0)" } ?? ""
                    throw ManifestDecodingError(
                        field: nil, message: "mapping key \(goQuote(key)) already defined\(at)",
                        line: keyNode.mark?.line)
                }
                seen[key] = keyNode.mark?.line
                members.append((key, try ManifestNode(yaml: valueNode)))
            }
            // Explicit keys win over merged ones; earlier merge sources win over later ones.
            for merge in merges {
                let sources: [ManifestNode]
                switch merge.value {
                case .object: sources = [merge]
                case .array(let items): sources = items
                default:
                    throw ManifestDecodingError(
                        field: nil, message: "merge key << needs a mapping or a list of mappings", line: merge.line)
                }
                for source in sources {
                    guard case .object(let extra) = source.value else {
                        throw ManifestDecodingError(
                            field: nil, message: "merge key << needs a mapping or a list of mappings",
                            line: source.line)
                    }
                    for member in extra where seen[member.key] == nil {
                        seen[member.key] = member.value.line
                        members.append(member)
                    }
                }
            }
            self.init(value: .object(members), line: line)
        case .alias:
            // The composer dereferences aliases; an alias node here has no target.
            throw ManifestDecodingError(field: nil, message: "unresolved YAML alias", line: line)
        }
    }

    private static func scalarValue(_ scalar: Yams.Node.Scalar, line: Int?) throws -> Value {
        let tag = Yams.Node.scalar(scalar).tag.rawValue
        // Kubernetes' YAML parser has no base-60 numbers: `1:30` stays a string.
        if tag == Tag.Name.int.rawValue || tag == Tag.Name.float.rawValue, scalar.string.contains(":") {
            return .string(scalar.string)
        }
        switch tag {
        case Tag.Name.null.rawValue:
            return .null
        case Tag.Name.bool.rawValue:
            if let b = Bool.construct(from: scalar) { return .bool(b) }
        case Tag.Name.int.rawValue:
            if let i = Int64.construct(from: scalar) { return .number(String(i)) }
            if let d = Double.construct(from: scalar), d.isFinite { return .number(String(d)) }
        case Tag.Name.float.rawValue:
            if let d = Double.construct(from: scalar) {
                guard d.isFinite else {
                    throw ManifestDecodingError(
                        field: nil, message: "\(scalar.string) cannot be represented in JSON", line: line)
                }
                return .number(isJSONNumber(scalar.string) ? scalar.string : String(d))
            }
        default:
            break
        }
        return .string(scalar.string)
    }
}

/// Whether `text` is a number as JSON writes it (`-1`, `0.5`, `1e3`), so it can be passed through.
func isJSONNumber(_ text: String) -> Bool {
    let b = Array(text.utf8)
    var i = 0
    func isDigit(_ k: Int) -> Bool { k < b.count && b[k] >= 0x30 && b[k] <= 0x39 }
    if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
    guard isDigit(i) else { return false }
    if b[i] == 0x30 { i += 1 } else { while isDigit(i) { i += 1 } }
    if i < b.count, b[i] == UInt8(ascii: ".") {
        i += 1
        guard isDigit(i) else { return false }
        while isDigit(i) { i += 1 }
    }
    if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
        i += 1
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { return false }
        while isDigit(i) { i += 1 }
    }
    return i == b.count
}
