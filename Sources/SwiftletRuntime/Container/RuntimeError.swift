/// Errors of the runtime's container operations; each message names the container, field or path.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable { case invalidID, notFound, exists, invalidSpec, state, system, hook, monitor }
    private let code: Code
    /// What went wrong.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A container ID that runc would refuse too.
    public static func invalidID(_ id: String) -> RuntimeError {
        RuntimeError(.invalidID, "invalid container id \"\(id)\": use letters, digits, '_', '-', '+' and '.'")
    }
    /// No container with this ID.
    public static func notFound(_ id: String) -> RuntimeError { RuntimeError(.notFound, "container \"\(id)\" does not exist") }
    /// A container with this ID exists already.
    public static func exists(_ id: String) -> RuntimeError { RuntimeError(.exists, "container \"\(id)\" already exists") }
    /// config.json is unusable; the message names the field.
    public static func invalidSpec(_ message: String) -> RuntimeError { RuntimeError(.invalidSpec, message) }
    /// The operation does not fit the container's state (`cannot start a running container`).
    public static func state(_ message: String) -> RuntimeError { RuntimeError(.state, message) }
    /// A system call or file operation failed; the message names the call and the path.
    public static func system(_ message: String) -> RuntimeError { RuntimeError(.system, message) }
    /// An OCI hook failed.
    public static func hook(_ message: String) -> RuntimeError { RuntimeError(.hook, message) }
    /// The monitor or the container init reported an error.
    public static func monitor(_ message: String) -> RuntimeError { RuntimeError(.monitor, message) }

    public var description: String { message }

    /// Whether this is a `notFound` error.
    public var isNotFound: Bool { code == .notFound }
}
