#if canImport(Glibc)
import Glibc
#endif

/// An error from a cgroup driver or handle.
///
/// System-call failures name the call, the file and the value, for example
/// `write /sys/fs/cgroup/memory/x/memory.limit_in_bytes "100": EBUSY`, followed by a hint
/// when the cause is known (current usage above the new limit, empty cpuset, …).
public struct CgroupError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case systemCall, invalidArgument, unsupported, timeout, notMounted
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A system call (open, read, write, mkdir, rmdir, kill, bpf, …) failed; `errno` is set.
        public static let systemCall = Code(.systemCall)
        /// The requested resources or path are malformed or contradictory.
        public static let invalidArgument = Code(.invalidArgument)
        /// The host cannot do what was asked (missing controller file, cgroup version, systemd driver).
        public static let unsupported = Code(.unsupported)
        /// The kernel did not reach the requested state in time (freeze, kill, rmdir).
        public static let timeout = Code(.timeout)
        /// A controller hierarchy that the request needs is not mounted.
        public static let notMounted = Code(.notMounted)

        /// The code's name, e.g. `systemCall`.
        public var description: String { value.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// A message naming the call, file and value involved; meant for users.
    public let message: String
    /// The file or directory involved, when there is one.
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

    /// A failed system call: `<call> <path>[ "<value>"]: <ERRNAME>[: hint]`.
    static func syscall(
        _ call: String, path: String, value: String? = nil, errno: Int32, hint: String? = nil
    ) -> CgroupError {
        var message = "\(call) \(path)"
        if let value {
            message += " \"\(value)\""
        }
        message += ": \(cgroupErrnoName(errno))"
        if let hint {
            message += ": \(hint)"
        }
        return CgroupError(.systemCall, message, path: path, errno: errno)
    }
}

/// The symbolic name of an errno value (`EBUSY`), or `errno N` for unusual ones.
func cgroupErrnoName(_ code: Int32) -> String {
    switch code {
    case EPERM: "EPERM"
    case ENOENT: "ENOENT"
    case ESRCH: "ESRCH"
    case EINTR: "EINTR"
    case EIO: "EIO"
    case ENXIO: "ENXIO"
    case E2BIG: "E2BIG"
    case EBADF: "EBADF"
    case EAGAIN: "EAGAIN"
    case ENOMEM: "ENOMEM"
    case EACCES: "EACCES"
    case EFAULT: "EFAULT"
    case EBUSY: "EBUSY"
    case EEXIST: "EEXIST"
    case ENODEV: "ENODEV"
    case ENOTDIR: "ENOTDIR"
    case EISDIR: "EISDIR"
    case EINVAL: "EINVAL"
    case ENFILE: "ENFILE"
    case EMFILE: "EMFILE"
    case ENOSPC: "ENOSPC"
    case EROFS: "EROFS"
    case ERANGE: "ERANGE"
    case ENOSYS: "ENOSYS"
    case ENOTEMPTY: "ENOTEMPTY"
    case EOPNOTSUPP: "EOPNOTSUPP"
    case ETIMEDOUT: "ETIMEDOUT"
    default: "errno \(code)"
    }
}
