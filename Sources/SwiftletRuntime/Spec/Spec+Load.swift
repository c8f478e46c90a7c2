import Foundation

extension Spec {
    /// Reads and decodes `<bundle>/config.json`.
    ///
    /// The `ociVersion` is checked first, so a 0.x or 2.x config fails with a version error rather than
    /// a confusing type error. Unknown fields are ignored. This doesn't validate the config's contents:
    /// call ``SpecValidation/validate(_:bundle:)`` for that.
    ///
    /// - Throws: ``SpecError`` naming the file and, for a type error, the JSON path
    ///   (`/b/config.json: process.user.uid: expected an unsigned 32-bit integer, found a string`).
    public static func load(bundle: String) throws -> Spec {
        let file = bundle.hasSuffix("/") ? bundle + "config.json" : bundle + "/config.json"
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            if !FileManager.default.fileExists(atPath: file) {
                throw SpecError(.notFound, path: "", "no such file: a bundle directory must contain config.json", file: file)
            }
            throw SpecError(.io, path: "", "cannot read: \(error.localizedDescription)", file: file)
        }
        return try decode(data, file: file)
    }

    /// Decodes a config from JSON bytes; `file` names the source in error messages.
    ///
    /// - Throws: ``SpecError`` as ``load(bundle:)`` does.
    public static func decode(_ data: Data, file: String = "config.json") throws -> Spec {
        let value: JSONValue
        do {
            value = try JSONValue.parse(Array(data))
        } catch let error as JSONValue.SyntaxError {
            throw SpecError(.decode, path: "", "invalid JSON at \(error)", file: file)
        }
        guard case .object(let members) = value else {
            throw SpecError(.decode, path: "", "expected a JSON object, found \(value.kindDescription)", file: file)
        }
        let version: String
        switch members["ociVersion"] {
        case .string(let text)?: version = text
        case nil, .null?: version = ""
        case let other?:
            throw SpecError(.decode, path: "ociVersion", "expected a string, found \(other.kindDescription)", file: file)
        }
        if let error = SpecVersion.check(version) {
            var located = error
            located.file = file
            throw located
        }
        do {
            return try JSONValueDecoder.decode(Spec.self, from: value)
        } catch let error as DecodingError {
            throw specError(error, file: file)
        }
    }

    /// Encodes the config as indented JSON with sorted keys, so equal configs encode to equal bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Turns a `DecodingError` into a ``SpecError`` with the JSON path of the offending field.
    static func specError(_ error: DecodingError, file: String) -> SpecError {
        switch error {
        case .typeMismatch(let type, let context):
            return SpecError(.decode, path: jsonPath(context.codingPath),
                             "expected \(describe(type)), \(context.debugDescription)", file: file)
        case .valueNotFound(let type, let context):
            return SpecError(.decode, path: jsonPath(context.codingPath), "expected \(describe(type)), found null", file: file)
        case .keyNotFound(let key, let context):
            return SpecError(.required, path: jsonPath(context.codingPath + [key]), "required field is missing", file: file)
        case .dataCorrupted(let context):
            return SpecError(.decode, path: jsonPath(context.codingPath), context.debugDescription, file: file)
        @unknown default:
            return SpecError(.decode, path: "", "\(error)", file: file)
        }
    }

    /// `[process, rlimits, 0, hard]` → `process.rlimits[0].hard`.
    static func jsonPath(_ codingPath: [any CodingKey]) -> String {
        var path = ""
        for key in codingPath {
            if String(describing: type(of: key)).contains("DictionaryCodingKey") {
                // Map keys such as sysctl names contain dots: bracket them as validation messages do.
                path += "[\(key.stringValue)]"
            } else if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return path
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Double.Type, is Float.Type: return "a number"
        case let integer as any FixedWidthInteger.Type:
            return integer.isSigned ? "a \(integer.bitWidth)-bit integer" : "an unsigned \(integer.bitWidth)-bit integer"
        case is [Any].Type: return "an array"
        default: return "an object"
        }
    }
}
