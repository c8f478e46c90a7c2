import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Receives every value the drivers write to a cgroup file, in order (tests use it to assert exact writes).
package typealias CgroupWriteObserver = @Sendable (_ path: String, _ value: String) -> Void

/// File access for the cgroup drivers.
///
/// Uses the raw system calls so errors keep their errno and name the file and value.
/// On a real cgroupfs every cgroup directory is full of kernel pseudo-files and `rmdir` removes it
/// anyway; a fake tree made of regular files (tests) cannot do that, so `simulated` makes writes
/// create missing files and makes removal delete regular files before `rmdir`.
package struct CgroupFS: Sendable {
    /// True when the tree is made of regular files, not a mounted cgroupfs.
    package var simulated: Bool
    /// Called with every write, before it happens.
    package var writeObserver: CgroupWriteObserver?

    package init(simulated: Bool = false, writeObserver: CgroupWriteObserver? = nil) {
        self.simulated = simulated
        self.writeObserver = writeObserver
    }

    /// Writes `value` to `dir/file` in one `write(2)`, as the kernel expects.
    ///
    /// - Throws: `CgroupError` naming the file, the value and the errno (`hint` is appended).
    package func write(_ dir: String, _ file: String, _ value: String, hint: ((Int32) -> String?)? = nil) throws {
        let path = dir + "/" + file
        writeObserver?(path, value)
        var flags = O_WRONLY | O_CLOEXEC
        if simulated {
            flags |= O_CREAT | O_TRUNC
        }
        let fd = path.withCString { open($0, flags, 0o644) }
        if fd < 0 {
            let err = errno
            throw CgroupError.syscall("write", path: path, value: value, errno: err, hint: hint?(err))
        }
        defer { close(fd) }
        var bytes = Array(value.utf8)
        if bytes.isEmpty {
            bytes = [0x0A]
        }
        while true {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n >= 0 {
                return
            }
            let err = errno
            if err == EINTR {
                continue
            }
            throw CgroupError.syscall("write", path: path, value: value, errno: err, hint: hint?(err))
        }
    }

    /// Reads the whole file at `path`.
    ///
    /// - Throws: `CgroupError` naming the file and the errno.
    package func read(_ path: String) throws -> String {
        let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        if fd < 0 {
            throw CgroupError.syscall("open", path: path, errno: errno)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                result.append(contentsOf: buffer[0..<n])
            } else if n == 0 {
                break
            } else {
                let err = errno
                if err == EINTR {
                    continue
                }
                throw CgroupError.syscall("read", path: path, errno: err)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// Reads `path`, or returns nil when it does not exist.
    package func readIfExists(_ path: String) throws -> String? {
        do {
            return try read(path)
        } catch let error as CgroupError where error.errno == ENOENT {
            return nil
        }
    }

    /// Whether anything exists at `path` (following symlinks).
    package func exists(_ path: String) -> Bool {
        var st = stat()
        return path.withCString { stat($0, &st) } == 0
    }

    /// Whether `path` is a directory (following symlinks).
    package func isDirectory(_ path: String) -> Bool {
        var st = stat()
        guard path.withCString({ stat($0, &st) }) == 0 else {
            return false
        }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates the directory `path`; returns false when it already existed.
    ///
    /// - Throws: `CgroupError` for any failure other than EEXIST.
    @discardableResult
    package func mkdir(_ path: String) throws -> Bool {
        if path.withCString({ Glibc.mkdir($0, 0o755) }) == 0 {
            return true
        }
        let err = errno
        if err == EEXIST {
            return false
        }
        throw CgroupError.syscall("mkdir", path: path, errno: err)
    }

    /// Creates `path` and any missing parents below `root` (which must exist).
    ///
    /// - Returns: the directories this call created, outermost first.
    package func mkdirAll(root: String, components: [String]) throws -> [String] {
        var created: [String] = []
        var current = root
        do {
            for component in components {
                current += "/" + component
                if try mkdir(current) {
                    created.append(current)
                }
            }
        } catch {
            removeCreated(created)
            throw error
        }
        return created
    }

    /// Best-effort removal of directories made by a failed create, innermost first.
    package func removeCreated(_ dirs: [String]) {
        for dir in dirs.reversed() {
            try? removeCgroupDirectory(dir, retries: 0)
        }
    }

    /// The names of the subdirectories of `dir` (child cgroups on a real cgroupfs).
    package func subdirectories(_ dir: String) -> [String] {
        entries(dir).filter { $0.isDirectory }.map(\.name)
    }

    private func entries(_ dir: String) -> [(name: String, isDirectory: Bool)] {
        guard let handle = dir.withCString({ opendir($0) }) else {
            return []
        }
        defer { closedir(handle) }
        var result: [(String, Bool)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." {
                continue
            }
            let isDir: Bool
            if entry.pointee.d_type == UInt8(DT_DIR) {
                isDir = true
            } else if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                isDir = isDirectory(dir + "/" + name)
            } else {
                isDir = false
            }
            result.append((name, isDir))
        }
        return result
    }

    /// Removes the cgroup directory `dir` and its child cgroups, innermost first.
    ///
    /// A missing directory is fine. EBUSY (a task is still leaving) is retried with a short
    /// backoff, `retries` times. On a simulated tree the regular files inside are deleted first,
    /// standing in for the kernel's pseudo-files which `rmdir` ignores.
    ///
    /// - Throws: `CgroupError` from the last `rmdir` when the directory cannot be removed.
    package func removeCgroupDirectory(_ dir: String, retries: Int = 6) throws {
        guard isDirectory(dir) else {
            return
        }
        for child in subdirectories(dir) {
            try removeCgroupDirectory(dir + "/" + child, retries: retries)
        }
        if simulated {
            for entry in entries(dir) where !entry.isDirectory {
                _ = (dir + "/" + entry.name).withCString { unlink($0) }
            }
        }
        var delayMicros: UInt32 = 10_000
        var attempt = 0
        while true {
            if dir.withCString({ rmdir($0) }) == 0 {
                return
            }
            let err = errno
            if err == ENOENT {
                return
            }
            if err == EBUSY && attempt < retries {
                attempt += 1
                usleep(delayMicros)
                delayMicros = min(delayMicros * 2, 320_000)
                continue
            }
            let hint = err == EBUSY ? "the cgroup still has tasks; kill them first (killAll)" : nil
            throw CgroupError.syscall("rmdir", path: dir, errno: err, hint: hint)
        }
    }
}

/// Parsers for the flat text formats of cgroup files.
enum CgroupFormat {
    /// Parses `key value` lines (cpu.stat, memory.stat, memory.events, memory.oom_control).
    /// Lines that are not a key followed by an unsigned integer are skipped.
    static func keyedValues(_ content: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in content.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2, let value = UInt64(fields[1]) else {
                continue
            }
            result[String(fields[0])] = value
        }
        return result
    }

    /// Parses a single unsigned integer file; `max` (v2) parses as nil.
    static func singleValue(_ content: String, path: String) throws -> UInt64? {
        let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed == "max" {
            return nil
        }
        guard let value = UInt64(trimmed) else {
            throw CgroupError(.invalidArgument, "parse \(path): expected an unsigned integer, found \"\(trimmed)\"", path: path)
        }
        return value
    }

    /// `content` without leading and trailing whitespace.
    static func trim(_ content: String) -> String {
        content.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Parses cgroup.procs / tasks: one pid per line.
    static func pids(_ content: String) -> [Int32] {
        content.split(separator: "\n").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
    }
}
