import Foundation
import SwiftletRuntimeInit

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

    /// The fields of `/proc/PID/stat` after the command name: index 0 is the state (field 3),
    /// 1 the parent pid (field 4), 19 the start time (field 22). Nil when the process is gone.
    static func statFields(of pid: Int32) -> [Substring]? {
        guard pid > 0, let stat = readSmallFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    /// A file of at most 4 KiB (a /proc or state file) in one read, without Foundation's
    /// file machinery; nil when it cannot be read.
    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readAll(fd, limit: 4096)
    }

    /// What `fd` gives until end of file, at most `limit` bytes, as text; nil on a read error.
    static func readAll(_ fd: Int32, limit: Int) -> String? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: limit) { buffer -> String? in
            var count = 0
            while count < buffer.count {
                let n = read(fd, buffer.baseAddress! + count, buffer.count - count)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { return nil }
                if n == 0 { break }
                count += n
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and EINTR; false on an error.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// The process start time (clock ticks since boot) of `pid`, nil when it does not exist.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let fields = statFields(of: pid), fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// The parent pid of `pid`, nil when it is gone.
    static func parentPid(of pid: Int32) -> Int32? {
        guard let fields = statFields(of: pid), fields.count > 1 else { return nil }
        return Int32(fields[1])
    }

    /// Whether `pid` is a zombie or gone.
    static func isDeadOrZombie(_ pid: Int32) -> Bool {
        guard let state = statFields(of: pid)?.first else { return true }
        return state == "Z" || state == "X"
    }
}

/// `strerror` with the errno name first, as the runtime prints system-call failures: `ENOENT (No such file or directory)`.
func errnoText(_ code: Int32 = errno) -> String {
    "\(Errno.name(code)) (\(String(cString: strerror(code))))"
}
