import Foundation

/// An error from the stats readers: a failed system call naming the call and the path, or
/// kernel text that does not parse.
public struct StatsError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable { case systemCall, malformed }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A system call (open, read, statvfs, fstatat, …) failed; `errno` is set.
        public static let systemCall = Code(.systemCall)
        /// A kernel file had an unexpected shape.
        public static let malformed = Code(.malformed)

        /// The code's name, e.g. `systemCall`.
        public var description: String { value.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong, naming the call and the path: `statvfs(/var/lib/swiftlet): ENOENT`.
    public let message: String
    /// The file or directory involved.
    public let path: String?
    /// The errno of a failed system call.
    public let errno: Int32?

    /// Creates an error.
    public init(_ code: Code, _ message: String, path: String? = nil, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.errno = errno
    }

    /// The message.
    public var description: String { message }

    /// A failed system call: `<call>(<path>): <ERRNAME> (<strerror>)`.
    static func syscall(_ call: String, path: String, errno err: Int32) -> StatsError {
        StatsError(.systemCall, "\(call)(\(path)): \(errnoName(err)) (\(String(cString: strerror(err))))", path: path, errno: err)
    }

    /// The symbolic name of the errno values these readers meet.
    static func errnoName(_ err: Int32) -> String {
        switch err {
        case ENOENT: "ENOENT"
        case EACCES: "EACCES"
        case EPERM: "EPERM"
        case ENOTDIR: "ENOTDIR"
        case ELOOP: "ELOOP"
        case EMFILE: "EMFILE"
        case ENFILE: "ENFILE"
        case ENOMEM: "ENOMEM"
        case EIO: "EIO"
        case ESRCH: "ESRCH"
        case EINVAL: "EINVAL"
        case ENODEV: "ENODEV"
        default: "errno \(err)"
        }
    }
}
