import SwiftletAPI

/// Why an image may not, or cannot, be pulled under its pull policy.
public struct PullPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable { case invalidPolicy, neverPull }
    private let code: Code
    /// kubelet's reason string for container status (`ErrImageNeverPull`), or `InvalidPullPolicy`.
    public let reason: String
    /// What went wrong, worded as kubelet words it.
    public let message: String
    /// The offending field, for an invalid policy.
    public let fieldError: FieldError?

    private init(_ code: Code, reason: String, message: String, fieldError: FieldError? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.fieldError = fieldError
    }

    public var description: String { message }

    /// The policy is not `Always`, `IfNotPresent` or `Never`.
    public static func invalidPolicy(_ value: String, container: String) -> PullPolicyError {
        let field = FieldError.notSupported(FieldPath("imagePullPolicy"), .json(value), PullPolicy.allCases.map(\.rawValue))
        return PullPolicyError(
            .invalidPolicy, reason: "InvalidPullPolicy", message: "container \"\(container)\": \(field)", fieldError: field)
    }

    /// The policy is `Never` and the image is not on the node (kubelet's `ErrImageNeverPull`).
    public static func neverPull(image: String) -> PullPolicyError {
        PullPolicyError(
            .neverPull, reason: "ErrImageNeverPull",
            message: "Container image \"\(image)\" is not present with pull policy of Never")
    }

    /// True for `ErrImageNeverPull`.
    public var isNeverPull: Bool { code == .neverPull }
}
