import Foundation
import Yams

/// Why a manifest could not be read or decoded: the Kubernetes field path (when the problem is in a
/// field), what was wrong, and the 1-based line in the manifest (when known).
///
/// Prints as `line 12: spec.containers[0].ports[0].containerPort: expected integer, got string "http"`.
public struct ManifestDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Field path in Kubernetes form (`spec.containers[0].image`), or nil for syntax errors.
    public let field: String?
    /// What was wrong, e.g. `expected integer, got string "abc"`.
    public let message: String
    /// 1-based line in the whole manifest stream, when known.
    public let line: Int?

    /// Creates an error.
    public init(field: String?, message: String, line: Int?) {
        self.field = field
        self.message = message
        self.line = line
    }

    public var description: String {
        var s = line.map { "line \($0): " } ?? ""
        if let field, !field.isEmpty { s += "\(field): " }
        return s + message
    }
}

/// One object of a manifest stream, ready to decode into an API type.
public struct ManifestDocument: Sendable {
    /// 0-based position among the non-empty documents (list items count one each).
    public let index: Int
    /// 1-based line in the stream where the document starts, when known.
    public let line: Int?
    /// The document's `apiVersion`, if it is a string.
    public let apiVersion: String?
    /// The document's `kind`, if it is a string.
    public let kind: String?
    /// The document's `metadata.name`, if it is a string.
    public let name: String?

    let tree: ManifestNode

    init(index: Int, tree: ManifestNode) {
        self.index = index
        self.tree = tree
        line = tree.line
        apiVersion = tree.string("apiVersion")
        kind = tree.string("kind")
        name = tree["metadata"]?.string("name")
    }

    /// The document as compact JSON, exactly what `decode` decodes.
    public func jsonData() -> Data { tree.jsonData() }

    /// Decodes the document as `type`, ignoring fields `type` does not have.
    ///
    /// - Throws: `ManifestDecodingError` naming the field path (`spec.containers[0].image`), what was
    ///   expected and what was found, and the line.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try T(from: ManifestNodeDecoder(node: tree, codingPath: []))
        } catch let error as DecodingError {
            throw ManifestDecodingError(decoding: error, in: tree)
        } catch let error as ManifestDecodingError {
            throw error
        } catch {
            throw ManifestDecodingError(field: nil, message: "\(error)", line: tree.line)
        }
    }
}

/// Reading Kubernetes manifests: YAML streams of `---`-separated documents, or JSON.
public enum Manifest {
    /// Splits `data` into documents.
    ///
    /// YAML streams yield one document per non-empty `---` section; scalars resolve as Kubernetes'
    /// YAML reader resolves them (`yes` is a boolean, `0644` is octal 420). JSON input yields one
    /// document per top-level object (a stream of objects or an array is accepted too); input that
    /// starts like JSON but is not, yet is valid flow YAML, is read as YAML, as the kubelet's
    /// manifest reader does. In both, a list
    /// object (`kind: List` or `*List` with `items`) is replaced by its items; items missing
    /// `apiVersion` or `kind` get them from the list (`PodList` → `Pod`).
    ///
    /// - Throws: `ManifestDecodingError` with the line of a YAML or JSON syntax error, of a duplicate
    ///   mapping key, or of a document that is not an object.
    public static func documents(in data: Data) throws -> [ManifestDocument] {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) })
        var roots: [ManifestNode]
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            var parser = ManifestJSONParser(bytes)
            do {
                roots = try parser.parseStream()
            } catch let jsonError as ManifestDecodingError {
                // Flow-style YAML also starts with a brace; only if that fails too is it bad JSON.
                guard let yamlRoots = try? parseYAML(bytes) else { throw jsonError }
                roots = yamlRoots
            }
            if roots.count == 1, case .array(let items) = roots[0].value { roots = items }
        } else {
            roots = try parseYAML(bytes)
        }
        var documents: [ManifestDocument] = []
        for root in roots {
            for object in try objects(in: root) {
                documents.append(ManifestDocument(index: documents.count, tree: object))
            }
        }
        return documents
    }

    private static func parseYAML(_ bytes: [UInt8]) throws -> [ManifestNode] {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ManifestDecodingError(field: nil, message: "manifest is not valid UTF-8", line: nil)
        }
        var roots: [ManifestNode] = []
        do {
            var sequence = try Yams.compose_all(yaml: text, .default, .default, .utf8)
            while let node = sequence.next() { roots.append(try ManifestNode(yaml: node)) }
            if let error = sequence.error { throw error }
        } catch let error as YamlError {
            throw ManifestDecodingError(yaml: error)
        }
        return roots
    }

    /// The objects a top-level value stands for: none for an empty document, the items of a list,
    /// or the value itself.
    private static func objects(in root: ManifestNode) throws -> [ManifestNode] {
        switch root.value {
        case .null:
            return []
        case .object:
            guard let kind = root.string("kind"), kind.hasSuffix("List"),
                  case .array(let items)? = root["items"]?.value
            else { return [root] }
            let itemKind = kind == "List" ? nil : String(kind.dropLast(4))
            let listVersion = root.string("apiVersion")
            var result: [ManifestNode] = []
            for item in items {
                guard case .object(var members) = item.value else {
                    if case .null = item.value { continue }
                    throw ManifestDecodingError(
                        field: nil, message: "expected a Kubernetes object in list items, got \(item.summary)",
                        line: item.line)
                }
                if item["kind"] == nil, let itemKind {
                    members.insert(("kind", ManifestNode(value: .string(itemKind), line: item.line)), at: 0)
                }
                if item["apiVersion"] == nil, let listVersion {
                    members.insert(("apiVersion", ManifestNode(value: .string(listVersion), line: item.line)), at: 0)
                }
                result.append(ManifestNode(value: .object(members), line: item.line))
            }
            return result
        default:
            throw ManifestDecodingError(
                field: nil, message: "expected a Kubernetes object, got \(root.summary)", line: root.line)
        }
    }
}

extension ManifestDecodingError {
    init(yaml error: YamlError) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) (\($0.text) at line \($0.mark.line))" } ?? problem
            self.init(field: nil, message: "invalid YAML: \(detail)", line: mark.line)
        case .reader(let problem, _, _, _):
            self.init(field: nil, message: "invalid YAML: \(problem)", line: nil)
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams reports where the first duplicated key is first defined.
            let keys = duplicates.map(goQuote).joined(separator: ", ")
            let noun = duplicates.count == 1 ? "mapping key" : "mapping keys"
            self.init(field: nil, message: "\(noun) \(keys) defined more than once", line: context.mark.line)
        default:
            self.init(field: nil, message: "invalid YAML: \(error)", line: nil)
        }
    }

    /// Translates a decoding error into Kubernetes terms, looking up the offending value in `tree`
    /// for the message and line.
    init(decoding error: DecodingError, in tree: ManifestNode) {
        let path: [CodingKey]
        var message: String
        switch error {
        case .typeMismatch(let type, let context):
            path = context.codingPath
            message = context.debugDescription
            let (node, complete) = tree.descend(path)
            if !message.hasPrefix("expected ") {
                message = "expected \(Self.describe(type))"
            }
            if !message.contains(", got "), complete { message += ", got \(node.summary)" }
        case .valueNotFound(let type, let context):
            path = context.codingPath
            message = context.debugDescription.hasPrefix("expected ")
                ? context.debugDescription : "expected \(Self.describe(type)), got null"
        case .keyNotFound(let key, let context):
            path = context.codingPath + [key]
            message = "required field is missing"
        case .dataCorrupted(let context):
            path = context.codingPath
            message = context.debugDescription
        @unknown default:
            self.init(field: nil, message: "\(error)", line: tree.line)
            return
        }
        let (node, _) = tree.descend(path)
        self.init(field: Self.fieldPath(path), message: message, line: node.line)
    }

    /// `spec.containers[0].ports[1].containerPort`; map keys that are not plain identifiers are
    /// bracketed (`metadata.labels[app.kubernetes.io/name]`).
    static func fieldPath(_ path: [CodingKey]) -> String {
        var out = ""
        for key in path {
            if let i = key.intValue {
                out += "[\(i)]"
            } else if !key.stringValue.isEmpty,
                      key.stringValue.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            } else {
                out += "[\(key.stringValue)]"
            }
        }
        return out
    }

    /// A Kubernetes-style name for a Swift type in a message: `integer`, `string`, `boolean`, ...
    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: return "string"
        case is Bool.Type: return "boolean"
        case is Int.Type, is Int8.Type, is Int16.Type, is Int32.Type, is Int64.Type,
            is UInt.Type, is UInt8.Type, is UInt16.Type, is UInt32.Type, is UInt64.Type:
            return "integer"
        case is Double.Type, is Float.Type: return "number"
        case is IntOrString.Type: return "integer or string"
        case is Data.Type: return "base64 string"
        case is Time.Type, is MicroTime.Type: return "RFC 3339 time string"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") || name.hasPrefix("[") && !name.contains(":") { return "array" }
            return "object"
        }
    }
}
