/// An error of the init plan codec, the container init or the monitor.
///
/// System-call failures name the call and the path, e.g.
/// `pivot_root(/var/lib/swiftlet/pods/…/rootfs): EINVAL`, so a user can act on the message
/// without reading the code.
public struct RuntimeInitError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case invalidPlan
        case systemCall
        case containerInit
        case monitor
    }

    private let code: Code
    /// What went wrong, for a human.
    public let message: String
    /// The errno of the failed system call, when one failed.
    public let errno: Int32?

    private init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    /// The plan bytes are corrupt or from another version.
    public static func invalidPlan(_ message: String) -> Self { Self(.invalidPlan, message) }

    /// A system call failed: `call(detail): ENAME[: hint]`.
    public static func systemCall(_ call: String, _ detail: String, errno: Int32, hint: String? = nil) -> Self {
        var message = "\(call)(\(detail)): \(Errno.name(errno))"
        if let hint { message += ": \(hint)" }
        return Self(.systemCall, message, errno: errno)
    }

    /// The container's init reported a failure (the message is the init's own).
    public static func containerInit(_ message: String) -> Self { Self(.containerInit, message) }

    /// The monitor could not do its job (start, report, record the exit).
    public static func monitor(_ message: String) -> Self { Self(.monitor, message) }

    /// True when both errors have the same kind (ignoring message and errno).
    public func isSameKind(as other: Self) -> Bool { code == other.code }

    /// The message.
    public var description: String { message }
}

/// errno values as their symbolic names, as used in error messages.
public enum Errno {
    /// `EINVAL`-style name of an errno value, or `errno N` for unknown ones.
    public static func name(_ value: Int32) -> String {
        switch value {
        case 1: return "EPERM"
        case 2: return "ENOENT"
        case 3: return "ESRCH"
        case 4: return "EINTR"
        case 5: return "EIO"
        case 6: return "ENXIO"
        case 7: return "E2BIG"
        case 8: return "ENOEXEC"
        case 9: return "EBADF"
        case 10: return "ECHILD"
        case 11: return "EAGAIN"
        case 12: return "ENOMEM"
        case 13: return "EACCES"
        case 14: return "EFAULT"
        case 15: return "ENOTBLK"
        case 16: return "EBUSY"
        case 17: return "EEXIST"
        case 18: return "EXDEV"
        case 19: return "ENODEV"
        case 20: return "ENOTDIR"
        case 21: return "EISDIR"
        case 22: return "EINVAL"
        case 23: return "ENFILE"
        case 24: return "EMFILE"
        case 25: return "ENOTTY"
        case 26: return "ETXTBSY"
        case 27: return "EFBIG"
        case 28: return "ENOSPC"
        case 29: return "ESPIPE"
        case 30: return "EROFS"
        case 31: return "EMLINK"
        case 32: return "EPIPE"
        case 33: return "EDOM"
        case 34: return "ERANGE"
        case 36: return "ENAMETOOLONG"
        case 38: return "ENOSYS"
        case 39: return "ENOTEMPTY"
        case 40: return "ELOOP"
        case 61: return "ENODATA"
        case 75: return "EOVERFLOW"
        case 95: return "EOPNOTSUPP"
        case 110: return "ETIMEDOUT"
        case 111: return "ECONNREFUSED"
        case 116: return "ESTALE"
        case 122: return "EDQUOT"
        default: return "errno \(value)"
        }
    }
}
