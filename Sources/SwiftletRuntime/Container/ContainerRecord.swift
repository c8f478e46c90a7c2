import Foundation

/// What the runtime keeps about one container in `<root>/<id>/state.json`.
///
/// The monitor owns the `exit` and `init.pid` files of the same directory; the record is
/// written only by runtime operations, always atomically.
struct ContainerRecord: Codable, Sendable {
    var id: String
    var bundle: String
    var ociVersion: String
    var annotations: [String: String]
    /// The cgroup path inside the hierarchies (`/kubepods/pod1/ctr`).
    var cgroupPath: String
    /// The container's init (the process `start` releases), 0 before it exists.
    var pid: Int32
    /// The monitor, the container's parent.
    var monitorPid: Int32
    /// Start time of the init process (`/proc/PID/stat` field 22), to detect pid reuse.
    var pidStartTime: UInt64
    /// Creation time, RFC 3339.
    var created: String
    /// Whether `start` has run.
    var started: Bool
    /// The CRI log file when the monitor writes one.
    var logPath: String?
    /// Hooks to run at poststart and poststop, kept from config.json.
    var hooks: Spec.Hooks?
}

/// Atomic file writes and small /proc readers.
enum FileIO {
    /// Writes `data` to `path` via a temp file, fsync and rename.
    static func writeAtomically(_ data: Data, to path: String, mode: mode_t = 0o600) throws {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw RuntimeError.system("open(\(tmp)): \(errnoText())") }
        var ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        if ok { ok = fsync(fd) == 0 }
        let err = errnoText()
        close(fd)
        guard ok else { unlink(tmp); throw RuntimeError.system("write(\(tmp)): \(err)") }
        guard rename(tmp, path) == 0 else {
            let err = errnoText()
            unlink(tmp)
            throw RuntimeError.system("rename(\(tmp), \(path)): \(err)")
        }
    }

    /// The process start time (clock ticks since boot) of `pid`, nil when it does not exist.
    static func startTime(of pid: Int32) -> UInt64? {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields after the command: state is field 3, starttime is field 22.
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// Whether `pid` is a zombie or gone.
    static func isDeadOrZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.first == "Z" || fields.first == "X"
    }
}

/// `strerror` with the errno name first, as the runtime prints system-call failures: `ENOENT (No such file or directory)`.
func errnoText(_ code: Int32 = errno) -> String {
    let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO", EBADF: "EBADF",
        EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES", EBUSY: "EBUSY", EEXIST: "EEXIST",
        ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL", ENOSPC: "ENOSPC", EROFS: "EROFS",
        ENOSYS: "ENOSYS", ENOTEMPTY: "ENOTEMPTY", ELOOP: "ELOOP", ENAMETOOLONG: "ENAMETOOLONG",
    ]
    let text = String(cString: strerror(code))
    return names[code].map { "\($0) (\(text))" } ?? text
}
