import CRuntimeShim
import Foundation

/// Thin, throwing wrappers over the system calls the volume layer needs; every error names
/// the call and the path (`mount(tmpfs, /x): EPERM (Operation not permitted)`).
enum VolumeSys {
    // Linux constants Swift's Glibc module does not export (sys/mount.h enums, O_PATH).
    static let msBind: UInt = 0x1000
    static let msRec: UInt = 0x4000
    static let msPrivate: UInt = 1 << 18
    static let msSlave: UInt = 1 << 19
    static let msShared: UInt = 1 << 20
    static let mntDetach: Int32 = 2
    static let umountNoFollow: Int32 = 8
    static let oPath: Int32 = 0o10000000

    /// `ENOENT (No such file or directory)`.
    static func errnoDescription(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return "\(errnoName(code)) (\(text))"
    }

    static func errnoName(_ code: Int32) -> String {
        let names: [Int32: String] = [
            EPERM: "EPERM", ENOENT: "ENOENT", EIO: "EIO", EBADF: "EBADF", EACCES: "EACCES", EBUSY: "EBUSY",
            EEXIST: "EEXIST", EXDEV: "EXDEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL",
            ENOSPC: "ENOSPC", EROFS: "EROFS", ELOOP: "ELOOP", ENAMETOOLONG: "ENAMETOOLONG", ENOTEMPTY: "ENOTEMPTY",
            ENOSYS: "ENOSYS", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EMFILE: "EMFILE", ENODEV: "ENODEV",
        ]
        return names[code] ?? "errno \(code)"
    }

    /// The kind of file a mode describes.
    enum FileKind: String, Sendable {
        case regular = "File", directory = "Directory", symlink = "Symlink", socket = "Socket"
        case characterDevice = "CharDevice", blockDevice = "BlockDevice", fifo = "FIFO"

        init(mode: mode_t) {
            switch mode & S_IFMT {
            case S_IFDIR: self = .directory
            case S_IFLNK: self = .symlink
            case S_IFSOCK: self = .socket
            case S_IFCHR: self = .characterDevice
            case S_IFBLK: self = .blockDevice
            case S_IFIFO: self = .fifo
            default: self = .regular
            }
        }
    }

    /// lstat(2); nil when nothing is there.
    static func lstat(_ path: String) throws -> Glibc.stat? {
        var st = Glibc.stat()
        if Glibc.lstat(path, &st) == 0 { return st }
        let code = errno
        if code == ENOENT { return nil }
        throw VolumeError.system("lstat", path, errno: code)
    }

    /// stat(2), following symlinks; nil when nothing (or a dangling link) is there.
    static func stat(_ path: String) throws -> Glibc.stat? {
        var st = Glibc.stat()
        if statFollowing(path, &st) == 0 { return st }
        let code = errno
        if code == ENOENT { return nil }
        throw VolumeError.system("stat", path, errno: code)
    }

    static func fstat(_ fd: Int32, _ what: String) throws -> Glibc.stat {
        var st = Glibc.stat()
        if Glibc.fstat(fd, &st) != 0 { throw VolumeError.system("fstat", what, errno: errno) }
        return st
    }

    /// mkdir(2) of one directory with exactly `mode` (chmod after, so the umask does not apply).
    /// Returns false when something already exists there.
    @discardableResult
    static func mkdir(_ path: String, mode: mode_t) throws -> Bool {
        if Glibc.mkdir(path, mode) != 0 {
            let code = errno
            if code == EEXIST { return false }
            throw VolumeError.system("mkdir", path, errno: code)
        }
        if Glibc.chmod(path, mode) != 0 { throw VolumeError.system("chmod", path, errno: errno) }
        return true
    }

    /// mkdir -p: creates the missing directories of `path` with `mode`, leaving existing ones alone.
    static func mkdirAll(_ path: String, mode: mode_t) throws {
        if let st = try stat(path) {
            if FileKind(mode: st.st_mode) == .directory { return }
            throw VolumeError.system("mkdir", path, errno: ENOTDIR)
        }
        let parent = VolumeSys.parentPath(path)
        if !parent.isEmpty, parent != path { try mkdirAll(parent, mode: mode) }
        try mkdir(path, mode: mode)
    }

    static func chmod(_ path: String, _ mode: mode_t) throws {
        if Glibc.chmod(path, mode) != 0 { throw VolumeError.system("chmod", path, errno: errno) }
    }

    /// mount(2) through the C shim.
    static func mount(source: String, target: String, fsType: String?, flags: UInt, data: String?) throws {
        let rc: Int32
        if let fsType {
            rc = data.map { shim_mount(source, target, fsType, flags, $0) } ?? shim_mount(source, target, fsType, flags, nil)
        } else {
            rc = data.map { shim_mount(source, target, nil, flags, $0) } ?? shim_mount(source, target, nil, flags, nil)
        }
        if rc != 0 {
            throw VolumeError.system("mount", "\(source), \(target)", errno: shim_errno())
        }
    }

    /// umount2(2); returns the errno (0 on success) so callers decide what is fatal.
    static func unmount(_ target: String, flags: Int32) -> Int32 {
        shim_umount2(target, flags) == 0 ? 0 : shim_errno()
    }

    /// openat2(2) with RESOLVE_* flags; returns the fd or minus the errno.
    static func openat2(_ dirfd: Int32, _ path: String, flags: Int32, mode: UInt64 = 0, resolve: UInt64) -> Int32 {
        let fd = shim_openat2(dirfd, path, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), mode, resolve)
        return fd >= 0 ? fd : -shim_errno()
    }

    /// Reads a whole file; nil when it does not exist.
    static func readFile(_ path: String) throws -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw VolumeError.system("open", path, errno: code)
        }
        defer { Glibc.close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw VolumeError.system("read", path, errno: errno)
            }
            if n == 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }

    /// Creates `path` (which must not exist) with `bytes` and exactly `mode`, never following a symlink.
    static func createFile(_ path: String, bytes: [UInt8], mode: mode_t) throws {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        if fd < 0 { throw VolumeError.system("open", path, errno: errno) }
        defer { Glibc.close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw VolumeError.system("write", path, errno: errno)
            }
            offset += n
        }
        if Glibc.fchmod(fd, mode) != 0 { throw VolumeError.system("fchmod", path, errno: errno) }
    }

    /// readlink(2); nil when nothing is there, throws when it is not a symlink.
    static func readlink(_ path: String) throws -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = Glibc.readlink(path, &buffer, buffer.count - 1)
        if n < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw VolumeError.system("readlink", path, errno: code)
        }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func symlink(_ target: String, at path: String) throws {
        if Glibc.symlink(target, path) != 0 { throw VolumeError.system("symlink", path, errno: errno) }
    }

    static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw VolumeError.system("rename", "\(from), \(to)", errno: errno) }
    }

    /// unlink(2); a missing file is not an error.
    static func unlink(_ path: String) throws {
        if Glibc.unlink(path) != 0, errno != ENOENT { throw VolumeError.system("unlink", path, errno: errno) }
    }

    /// Removes `path` and everything below it without following symlinks and without ever
    /// crossing into another filesystem: a mount left below `path` (a hostPath bind, a tmpfs)
    /// stops the removal with an error instead of having its contents deleted.
    static func removeTree(_ path: String) throws {
        guard let root = try lstat(path) else { return }
        try removeTree(path, st: root, device: root.st_dev)
    }

    private static func removeTree(_ path: String, st: Glibc.stat, device: dev_t) throws {
        if FileKind(mode: st.st_mode) == .directory {
            if st.st_dev != device {
                throw VolumeError.busy("refusing to remove \(path): another filesystem is mounted there")
            }
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw VolumeError.other("cannot list \(path): \(error.localizedDescription)")
            }
            for entry in entries {
                let child = path + "/" + entry
                guard let childStat = try lstat(child) else { continue }
                try removeTree(child, st: childStat, device: device)
            }
            if Glibc.rmdir(path) != 0, errno != ENOENT {
                let code = errno
                throw code == EBUSY
                    ? VolumeError.busy("refusing to remove \(path): it is still a mount point")
                    : VolumeError.system("rmdir", path, errno: code)
            }
        } else {
            try unlink(path)
        }
    }

    /// `a/b/c` → `a/b`, `/a` → `/`, `a` → `` (Foundation's NSString path helpers trap on some
    /// inputs in this toolchain, and these only need to split on `/`).
    static func parentPath(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }

    /// `a/b/c` → `c`.
    static func baseName(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// The canonical path (symlinks resolved), or the path itself when it cannot be resolved.
    static func realPath(_ path: String) -> String {
        guard let resolved = Glibc.realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Total memory of the host from `/proc/meminfo` (`MemTotal`), in bytes.
    static func hostMemTotal() -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kib = Int64(parts[1]) else { return nil }
            return kib * 1024
        }
        return nil
    }
}

/// stat(2); outside ``VolumeSys`` so the name resolves to the C function, not the wrapper.
private func statFollowing(_ path: String, _ st: inout Glibc.stat) -> Int32 {
    stat(path, &st)
}
