/// Errors of talking to a registry; each message names the registry host and what to do.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case unauthorized, notFound, unsupported, digestMismatch, unreachable, http, protocolViolation, noPlatform
    }
    private let code: Code
    /// What went wrong.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The registry refused the credentials (401 after authenticating), or wants some and none are configured.
    public static func unauthorized(host: String, _ detail: String) -> RegistryError {
        RegistryError(.unauthorized, "registry \(host): \(detail)")
    }
    /// The manifest or blob does not exist.
    public static func notFound(host: String, _ what: String) -> RegistryError {
        RegistryError(.notFound, "registry \(host): \(what) not found")
    }
    /// The content is of a kind swiftlet refuses (schema 1, unknown media type).
    public static func unsupported(_ message: String) -> RegistryError { RegistryError(.unsupported, message) }
    /// Received bytes do not hash to the digest they were asked for or announced with.
    public static func digestMismatch(_ what: String, expected: String, actual: String) -> RegistryError {
        RegistryError(.digestMismatch, "\(what): digest mismatch: expected \(expected), received content is \(actual)")
    }
    /// Every attempt failed with a connection error, a 5xx or a 429.
    public static func unreachable(host: String, attempts: Int, lastCause: String) -> RegistryError {
        RegistryError(.unreachable, "registry \(host) is unreachable after \(attempts) attempt(s): \(lastCause)")
    }
    /// An unexpected HTTP status.
    public static func http(host: String, status: Int, _ what: String, body: String) -> RegistryError {
        RegistryError(.http, "registry \(host): \(what): HTTP \(status)\(body.isEmpty ? "" : ": \(body)")")
    }
    /// The registry or token server sent something that breaks the protocol.
    public static func protocolViolation(host: String, _ detail: String) -> RegistryError {
        RegistryError(.protocolViolation, "registry \(host): \(detail)")
    }
    /// The index has no manifest for the requested platform.
    public static func noPlatform(_ reference: String, _ platform: String, available: [String]) -> RegistryError {
        RegistryError(
            .noPlatform,
            "image \(reference) has no manifest for platform \(platform); available: \(available.isEmpty ? "none" : available.joined(separator: ", "))")
    }

    /// The message.
    public var description: String { message }
    /// Whether the registry rejected or demanded credentials.
    public var isUnauthorized: Bool { code == .unauthorized }
    /// Whether the content does not exist.
    public var isNotFound: Bool { code == .notFound }
    /// Whether the registry could not be reached after all retries.
    public var isUnreachable: Bool { code == .unreachable }
    /// Whether received content failed digest verification.
    public var isDigestMismatch: Bool { code == .digestMismatch }
}
