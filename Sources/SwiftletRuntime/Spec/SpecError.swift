/// An error in a bundle's `config.json`: a field path in the JSON (`linux.namespaces[2].type`) and what is
/// wrong with it, optionally prefixed with the file it came from. Printed as `file: path: message`.
public struct SpecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is; new codes may be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case required, invalid, unknownValue, unsupported, duplicate, notFound, decode, io
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A required field is missing or empty.
        public static let required = Code(.required)
        /// A value is malformed or out of range.
        public static let invalid = Code(.invalid)
        /// A name (namespace type, action, capability, …) the spec or this runtime doesn't know.
        public static let unknownValue = Code(.unknownValue)
        /// A valid setting this runtime doesn't support (e.g. `ociVersion` 2.x).
        public static let unsupported = Code(.unsupported)
        /// A value that must be unique appears twice.
        public static let duplicate = Code(.duplicate)
        /// A file or directory the config refers to doesn't exist.
        public static let notFound = Code(.notFound)
        /// The JSON doesn't parse or a field has the wrong JSON type.
        public static let decode = Code(.decode)
        /// The config file couldn't be read.
        public static let io = Code(.io)

        public var description: String { value.rawValue }
    }

    /// The kind of problem.
    public var code: Code
    /// The JSON field path (`process.rlimits[0].type`); empty when the error is about the whole file.
    public var path: String
    /// What is wrong, phrased so the user can fix it.
    public var message: String
    /// The config file, when the error came from reading one.
    public var file: String?

    public init(_ code: Code, path: String, _ message: String, file: String? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.file = file
    }

    public var description: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if !path.isEmpty { parts.append(path) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

/// Quotes a value for an error message the way Go's `%q` does for printable text.
func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
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
