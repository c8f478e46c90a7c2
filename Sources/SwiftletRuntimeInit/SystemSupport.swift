import CRuntimeShim
import Glibc

/// Small Glibc helpers shared by the init and the monitor: error capture, whole-file I/O
/// and atomic writes. No Foundation, little allocation.
enum Sys {
    /// The calling thread's errno.
    static var errno: Int32 { Glibc.errno }

    /// A ``RuntimeInitError`` for the errno just set by `call` on `detail`.
    static func error(_ call: String, _ detail: String, hint: String? = nil) -> RuntimeInitError {
        .systemCall(call, detail, errno: Glibc.errno, hint: hint)
    }

    /// Writes all of `bytes` to `fd`, retrying on EINTR and short writes; false with errno set on failure.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Writes all of `bytes` to `fd`; false with errno set on failure.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// Writes the UTF-8 of `string` to `fd`; false with errno set on failure.
    @discardableResult
    static func writeAll(_ fd: Int32, _ string: String) -> Bool {
        var string = string
        return string.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    /// Reads `fd` to EOF.
    static func readAll(_ fd: Int32) -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                return nil
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// Reads a whole file.
    static func readFile(_ path: String) throws(RuntimeInitError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw error("open", path) }
        defer { close(fd) }
        guard let bytes = readAll(fd) else { throw error("read", path) }
        return bytes
    }

    /// Writes `contents` into an existing file (procfs, cgroupfs), in a single write(2).
    static func writeExisting(_ path: String, _ contents: String, call: String = "write") throws(RuntimeInitError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw error("open", path) }
        defer { close(fd) }
        if !writeAll(fd, contents) { throw error(call, path) }
    }

    /// Replaces `path` atomically: writes a temporary file next to it, optionally fsyncs it
    /// and its directory, and renames it over `path`, so readers see the old or the new
    /// contents, never a partial file.
    static func writeAtomically(_ path: String, _ contents: String, durable: Bool) throws(RuntimeInitError) {
        let temp = "\(path).tmp.\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw error("open", temp) }
        if !writeAll(fd, contents) {
            let e = error("write", temp)
            close(fd)
            unlink(temp)
            throw e
        }
        if durable && fsync(fd) != 0 {
            let e = error("fsync", temp)
            close(fd)
            unlink(temp)
            throw e
        }
        close(fd)
        if rename(temp, path) != 0 {
            let e = error("rename", "\(temp) -> \(path)")
            unlink(temp)
            throw e
        }
        if durable {
            let dir = parentDirectory(path)
            let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dfd >= 0 {
                _ = fsync(dfd)
                close(dfd)
            }
        }
    }

    /// The directory part of an absolute or relative path (`/` for `/x`, `.` for `x`).
    static func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of a path.
    static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Current CLOCK_REALTIME in nanoseconds since the Unix epoch.
    static func realtimeNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// A NUL-terminated argv/envp array for execve(2); the caller frees it with ``freeCStrings(_:)``.
    static func cStrings(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let out = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
        for (i, s) in strings.enumerated() { out[i] = strdup(s) }
        out[strings.count] = nil
        return out
    }

    /// Frees an array from ``cStrings(_:)``.
    static func freeCStrings(_ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, count: Int) {
        for i in 0..<count { free(array[i]) }
        array.deallocate()
    }
}

/// `O_PATH` (glibc defines it only under _GNU_SOURCE, which Swift's Glibc module lacks).
let O_PATH: Int32 = 0o10_000_000
