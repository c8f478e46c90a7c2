/// Why registry credentials or the registries config could not be read. The message names the
/// source (secret or file) and the field.
public struct CredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable { case unreadable, malformed }
    private let code: Code
    /// Where the problem is: `imagePullSecret "ns/name" key .dockerconfigjson`, a file path.
    public let source: String
    /// The field path inside the source, e.g. `auths."r:5000".auth`; empty for the whole source.
    public let field: String
    /// What is wrong with it.
    public let detail: String

    private init(_ code: Code, source: String, field: String, detail: String) {
        self.code = code
        self.source = source
        self.field = field
        self.detail = detail
    }

    /// `source: field: detail`.
    public var message: String { field.isEmpty ? "\(source): \(detail)" : "\(source): \(field): \(detail)" }
    public var description: String { message }

    /// The source exists but cannot be read.
    public static func unreadable(_ source: String, _ detail: String) -> CredentialsError {
        CredentialsError(.unreadable, source: source, field: "", detail: detail)
    }
    /// A field is missing, of the wrong type or has an invalid value.
    public static func malformed(_ source: String, field: String, _ detail: String) -> CredentialsError {
        CredentialsError(.malformed, source: source, field: field, detail: detail)
    }
}
