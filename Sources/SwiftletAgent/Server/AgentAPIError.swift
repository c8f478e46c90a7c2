/// An error the agent's HTTPS API answers with a given HTTP status and a plain-text message.
///
/// Handlers (the closures in ``AgentAPIHandlers``) throw these to choose the status; any other error
/// becomes a 500 Internal Server Error carrying the error's description.
public struct AgentAPIError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable { case badRequest, unauthorized, forbidden, notFound, methodNotAllowed, invalid, unavailable, internalError }
    private let code: Code
    /// What went wrong, as the response body says it.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// 400: a query parameter or path segment cannot be parsed (the message names it).
    public static func badRequest(_ message: String) -> AgentAPIError { AgentAPIError(.badRequest, message) }
    /// 401: the request carries no credentials the agent accepts.
    public static func unauthorized(_ message: String = "Unauthorized") -> AgentAPIError { AgentAPIError(.unauthorized, message) }
    /// 403: the user is known but may not do this.
    public static func forbidden(_ message: String) -> AgentAPIError { AgentAPIError(.forbidden, message) }
    /// 404: no such path, pod or container.
    public static func notFound(_ message: String) -> AgentAPIError { AgentAPIError(.notFound, message) }
    /// 405: the path exists but not for this method.
    public static func methodNotAllowed(_ message: String) -> AgentAPIError { AgentAPIError(.methodNotAllowed, message) }
    /// 422: the query parses but its values are invalid together or out of range (kubelet's answer
    /// for `PodLogOptions` that fail validation).
    public static func invalid(_ message: String) -> AgentAPIError { AgentAPIError(.invalid, message) }
    /// 503: the data is not available yet (e.g. no stats sample collected so far).
    public static func unavailable(_ message: String) -> AgentAPIError { AgentAPIError(.unavailable, message) }
    /// 500: the agent failed to produce the answer.
    public static func internalError(_ message: String) -> AgentAPIError { AgentAPIError(.internalError, message) }

    /// The HTTP status code this error is answered with.
    public var statusCode: Int {
        switch code {
        case .badRequest: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .invalid: 422
        case .unavailable: 503
        case .internalError: 500
        }
    }

    /// The message.
    public var description: String { message }
}
