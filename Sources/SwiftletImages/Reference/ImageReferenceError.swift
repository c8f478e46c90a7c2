/// Why an image reference (or a digest) could not be parsed.
///
/// `message` reads like kubelet's `InvalidImageName` reason: it quotes the input and names the
/// broken rule, e.g. `couldn't parse image name "Busybox": invalid reference format: repository
/// name must be lowercase`.
public struct ImageReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case empty, invalidFormat, uppercase, nameTooLong, tagInvalid, digestInvalid, digestUnsupported, identifier
    }

    private let code: Code
    /// The string that failed to parse, as given.
    public let input: String
    /// The rule it broke, e.g. `invalid reference format: repository name must be lowercase`.
    public let rule: String

    private init(_ code: Code, _ input: String, _ rule: String) {
        self.code = code
        self.input = input
        self.rule = rule
    }

    /// The full message, naming the input and the rule.
    public var message: String { "couldn't parse image name \"\(input)\": \(rule)" }
    public var description: String { message }

    /// The reference is the empty string.
    public static func empty(_ input: String) -> ImageReferenceError {
        ImageReferenceError(.empty, input, "invalid reference format: repository name must have at least one component")
    }
    /// The reference does not follow the grammar; `detail` says which part is wrong.
    public static func invalidFormat(_ input: String, _ detail: String) -> ImageReferenceError {
        ImageReferenceError(.invalidFormat, input, "invalid reference format: \(detail)")
    }
    /// The repository path has uppercase letters (only the domain and tag may).
    public static func uppercase(_ input: String) -> ImageReferenceError {
        ImageReferenceError(.uppercase, input, "invalid reference format: repository name must be lowercase")
    }
    /// The repository path is longer than `ImageReference.maxNameLength` characters.
    public static func nameTooLong(_ input: String) -> ImageReferenceError {
        ImageReferenceError(
            .nameTooLong, input,
            "invalid reference format: repository name must not be more than \(ImageReference.maxNameLength) characters")
    }
    /// The tag is not `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    public static func tagInvalid(_ input: String) -> ImageReferenceError {
        ImageReferenceError(
            .tagInvalid, input,
            "invalid reference format: tag must start with a letter, digit or underscore, then up to 127 letters, digits, '_', '.' or '-'")
    }
    /// The digest is malformed or its hex part has the wrong length for its algorithm.
    public static func digestInvalid(_ input: String, _ detail: String) -> ImageReferenceError {
        ImageReferenceError(.digestInvalid, input, "invalid digest format: \(detail)")
    }
    /// The digest's algorithm is not sha256, sha384 or sha512.
    public static func digestUnsupported(_ input: String, _ algorithm: String) -> ImageReferenceError {
        ImageReferenceError(
            .digestUnsupported, input, "unsupported digest algorithm \"\(algorithm)\": use sha256, sha384 or sha512")
    }
    /// The whole reference is 64 hex characters, which reads as an image ID, not a name.
    public static func identifier(_ input: String) -> ImageReferenceError {
        ImageReferenceError(
            .identifier, input, "invalid repository name: cannot specify 64-byte hexadecimal strings")
    }
}
