/// An error from talking to the service manager (sd_notify protocol) or the journal.
///
/// Match on ``code`` (new codes may be added without breaking callers); show ``message`` to a user.
public struct SystemdError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidNotifySocket
            case notifyFailed
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// `NOTIFY_SOCKET` (or the explicit socket path) is not a socket address swiftlet can use.
        public static let invalidNotifySocket = Code(.invalidNotifySocket)
        /// Creating the datagram socket or sending the notification failed.
        public static let notifyFailed = Code(.notifyFailed)

        /// The code's name, for logs and test output.
        public var description: String {
            switch value {
            case .invalidNotifySocket: "invalidNotifySocket"
            case .notifyFailed: "notifyFailed"
            }
        }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A message naming the call and the socket that failed, for a human to act on.
    public let message: String
    /// The underlying error, if another error caused this one.
    public let cause: (any Error & Sendable)?

    /// Creates an error with a code, a message and an optional cause.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The message, followed by the cause when there is one.
    public var description: String {
        if let cause {
            return "\(message): \(cause)"
        }
        return message
    }
}
