/// Errors of the agent, each with a message a user can act on.
public struct AgentError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable { case staticPodPath, config, filesystem, invalid }
    private let code: Code
    /// What went wrong, naming the file or field.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The static pod directory cannot be read.
    public static func staticPodPath(_ message: String) -> AgentError { AgentError(.staticPodPath, message) }
    /// The configuration is unusable.
    public static func config(_ message: String) -> AgentError { AgentError(.config, message) }
    /// A directory or file the agent needs cannot be created.
    public static func filesystem(_ message: String) -> AgentError { AgentError(.filesystem, message) }

    /// A pod asks for something this node cannot do.
    public static func invalid(_ message: String) -> AgentError { AgentError(.invalid, message) }

    public var description: String { message }
}
