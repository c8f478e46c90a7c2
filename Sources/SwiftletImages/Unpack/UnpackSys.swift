import CRuntimeShim
import CUnpackShim
import Glibc

/// Descriptor-relative file operations that never follow a symlink and never leave the
/// directory they start from; shared by the unpacker, the layer store and the snapshotter.
enum UnpackSys {
    /// O_PATH from <fcntl.h>: Swift's Glibc module hides the _GNU_SOURCE flags.
    static let openPath: Int32 = 0o10000000
    /// Resolution for every path below a layer root: no symlinks at all, no `..` above the
    /// start, no procfs magic links. A symlink an earlier entry planted therefore fails with
    /// ELOOP instead of being followed.
    static let strictResolve = SHIM_RESOLVE_BENEATH | SHIM_RESOLVE_NO_SYMLINKS | SHIM_RESOLVE_NO_MAGICLINKS

    /// openat2(2) with `strictResolve`; returns the fd or -1 with errno set.
    static func openBeneath(_ dirfd: Int32, _ path: String, _ flags: Int32, mode: UInt32 = 0) -> Int32 {
        let rc = shim_openat2(dirfd, path.isEmpty ? "." : path, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), UInt64(mode), strictResolve)
        return rc
    }

    /// `lstat` of `name` in `dirfd`; nil when it does not exist.
    static func lstat(_ dirfd: Int32, _ name: String, context: String) throws -> stat? {
        var st = stat()
        if fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 { return st }
        if errno == ENOENT { return nil }
        throw UnpackError.system("fstatat", context, errno: errno)
    }

    static func isDirectory(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFDIR }

    /// Writes all of `bytes` to `fd`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, context: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw UnpackError.system("write", context, errno: errno)
            }
            offset += n
        }
    }

    /// Removes `name` in `dirfd` and, for a directory, everything below it, without following
    /// symlinks and without crossing into another filesystem (a mount left behind stops it
    /// with an error instead of emptying whatever is mounted there).
    static func removeTree(_ dirfd: Int32, _ name: String, context: String) throws {
        guard let st = try lstat(dirfd, name, context: context) else { return }
        guard isDirectory(st) else {
            if unlinkat(dirfd, name, 0) != 0 && errno != ENOENT { throw UnpackError.system("unlinkat", context, errno: errno) }
            return
        }
        let fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 { throw UnpackError.system("open", context, errno: errno) }
        var inner = stat()
        guard fstat(fd, &inner) == 0, inner.st_dev == st.st_dev, inner.st_ino == st.st_ino else {
            close(fd)
            throw UnpackError.system("open", context, errno: EXDEV)
        }
        var parent = stat()
        if fstat(dirfd, &parent) == 0, parent.st_dev != inner.st_dev {
            close(fd)
            throw UnpackError.invalid("refusing to remove \(context): it is a mount point")
        }
        guard let dir = fdopendir(fd) else {
            close(fd)
            throw UnpackError.system("fdopendir", context, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let child = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if child != "." && child != ".." { names.append(child) }
        }
        let childFD = dirfd_(dir)
        for child in names {
            guard let childStat = try lstat(childFD, child, context: context + "/" + child) else { continue }
            if isDirectory(childStat) {
                if childStat.st_dev != inner.st_dev {
                    throw UnpackError.invalid("refusing to remove \(context)/\(child): it is a mount point")
                }
                try removeTree(childFD, child, context: context + "/" + child)
            } else if unlinkat(childFD, child, 0) != 0 && errno != ENOENT {
                throw UnpackError.system("unlinkat", context + "/" + child, errno: errno)
            }
        }
        if unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT {
            throw UnpackError.system("rmdir", context, errno: errno)
        }
    }

    /// Removes the absolute path `path` (a file or a whole tree) if it exists.
    static func removeTree(path: String) throws {
        let (parent, name) = split(path)
        let dirfd = open(parent, openPath | O_DIRECTORY | O_CLOEXEC)
        if dirfd < 0 {
            if errno == ENOENT { return }
            throw UnpackError.system("open", parent, errno: errno)
        }
        defer { close(dirfd) }
        try removeTree(dirfd, name, context: path)
    }

    /// Creates `path` and its missing parents with mode 0755 (root-owned store directories).
    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw UnpackError.system("mkdir", current, errno: errno)
            }
        }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return Glibc.lstat(path, &st) == 0
    }

    /// The parent directory and last component of an absolute or relative path.
    static func split(_ path: String) -> (String, String) {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return (".", String(trimmed)) }
        let parent = trimmed[..<slash]
        return (parent.isEmpty ? "/" : String(parent), String(trimmed[trimmed.index(after: slash)...]))
    }

    static func setXattr(fd: Int32, _ name: String, _ value: [UInt8]) -> Int32 {
        value.withUnsafeBytes { unpack_fsetxattr(fd, name, $0.baseAddress, $0.count) }
    }

    static func setXattr(path: String, _ name: String, _ value: [UInt8]) -> Int32 {
        value.withUnsafeBytes { unpack_lsetxattr(path, name, $0.baseAddress, $0.count) }
    }
}

/// `dirfd(3)` under a name that does not clash with the parameter labels above.
@inline(__always)
private func dirfd_(_ dir: OpaquePointer) -> Int32 { dirfd(dir) }

/// The symbolic name of an errno value with its description, e.g. `ELOOP (Too many levels of symbolic links)`.
func errnoName(_ code: Int32) -> String {
    let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EIO: "EIO", EBADF: "EBADF", EACCES: "EACCES", EBUSY: "EBUSY",
        EEXIST: "EEXIST", EXDEV: "EXDEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL",
        ENOSPC: "ENOSPC", EROFS: "EROFS", EMLINK: "EMLINK", ENAMETOOLONG: "ENAMETOOLONG",
        ENOTEMPTY: "ENOTEMPTY", ELOOP: "ELOOP", ENOTSUP: "ENOTSUP", EDQUOT: "EDQUOT", ENODEV: "ENODEV",
        E2BIG: "E2BIG", ENOSYS: "ENOSYS",
    ]
    let text = String(cString: strerror(code))
    return "\(names[code] ?? "errno \(code)") (\(text))"
}
