/// A response of the agent's API before it is written to the connection.
struct AgentHTTPResponse: Sendable {
    /// How the body is produced.
    enum Body: Sendable {
        /// A body known in full (sent with `Content-Length`).
        case bytes([UInt8])
        /// A body written as it is produced (sent chunked); the closure returns when it is complete.
        case stream(@Sendable (ContainerLogStreamer.Output) async throws -> Void)
    }

    var status: Int
    var headers: [(String, String)]
    var body: Body

    /// A plain-text answer: the message as is, as go-restful's `WriteErrorString` writes kubelet's errors.
    static func text(_ status: Int, _ message: String) -> AgentHTTPResponse {
        AgentHTTPResponse(status: status, headers: plainTextHeaders, body: .bytes(Array(message.utf8)))
    }

    /// The answer for an error thrown by a handler: its status for ``AgentAPIError``, else 500.
    static func error(_ error: any Error) -> AgentHTTPResponse {
        if let api = error as? AgentAPIError { return text(api.statusCode, api.message) }
        return text(500, "Internal Error: \(error)")
    }

    static let plainTextHeaders = [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")]
    static let prometheusHeaders = [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")]
    static let jsonHeaders = [("Content-Type", "application/json")]
}
