import SwiftletAPI

/// Why a pod volume could not be set up, mounted into a container or torn down.
///
/// `message` is what to show a user: it names the field (`spec.volumes[2]`,
/// `spec.containers[0].volumeMounts[1].subPath`) or the file and system call
/// (`mount(tmpfs, /var/lib/swiftlet/pods/…/volumes/kubernetes.io~empty-dir/cache): EPERM`).
public struct VolumeError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case invalidField, notSupported, typeCheck, system, busy
    }

    private let code: Code
    /// The full message, ready to print.
    public let message: String
    /// The Kubernetes field path the problem is in, when it comes from the pod spec.
    public let field: String?

    private init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// The message.
    public var description: String { message }

    /// A pod spec field whose value cannot be used (bad subPath, unknown volume, bad payload path).
    static func invalid(_ error: FieldError) -> VolumeError {
        VolumeError(.invalidField, error.description, field: error.field.description)
    }

    /// A volume source or projection swiftlet does not implement (yet), naming its field.
    static func notSupported(_ field: FieldPath, _ detail: String) -> VolumeError {
        VolumeError(.notSupported, "\(field): \(detail)", field: field.description)
    }

    /// A hostPath `type` check failed, with Kubernetes' own wording.
    static func typeCheck(_ message: String, field: FieldPath? = nil) -> VolumeError {
        VolumeError(.typeCheck, field.map { "\($0): \(message)" } ?? message, field: field?.description)
    }

    /// A system call failed: `call(path): ENAME (text)`.
    static func system(_ call: String, _ path: String, errno code: Int32, field: FieldPath? = nil) -> VolumeError {
        let text = "\(call)(\(path)): \(VolumeSys.errnoDescription(code))"
        return VolumeError(.system, field.map { "\($0): \(text)" } ?? text, field: field?.description)
    }

    /// Any other failure, already phrased for a user.
    static func other(_ message: String, field: FieldPath? = nil) -> VolumeError {
        VolumeError(.system, field.map { "\($0): \(message)" } ?? message, field: field?.description)
    }

    /// Something is still mounted where it must not be (teardown refuses to delete through it).
    static func busy(_ message: String) -> VolumeError { VolumeError(.busy, message) }

    /// True when a pod spec field is invalid for this node.
    public var isInvalidField: Bool { code == .invalidField }
    /// True when the volume source or projection is not supported.
    public var isNotSupported: Bool { code == .notSupported }
    /// True when a hostPath type check failed.
    public var isTypeCheck: Bool { code == .typeCheck }
    /// True when teardown stopped because mounts remained.
    public var isBusy: Bool { code == .busy }

    /// Several errors as one: the first one's kind and field, every message on its own line.
    static func combined(_ errors: [VolumeError]) -> VolumeError {
        guard let first = errors.first else { return .other("unknown volume error") }
        if errors.count == 1 { return first }
        return VolumeError(first.code, errors.map(\.message).joined(separator: "\n"), field: first.field)
    }

    /// Prefixes the message with a field path (for errors raised below the spec walker).
    func within(_ field: FieldPath) -> VolumeError {
        if self.field != nil { return self }
        return VolumeError(code, "\(field): \(message)", field: field.description)
    }
}
