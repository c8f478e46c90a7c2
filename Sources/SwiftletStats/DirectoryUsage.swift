import Foundation

/// Disk space and inodes a directory tree uses, as `du -x -s` and `find -xdev | wc -l` count them.
public struct DirectoryUsage: Sendable, Equatable {
    /// Allocated bytes: `st_blocks × 512` summed over the tree, each hard-linked file once.
    public var bytes: UInt64
    /// Inodes: every entry of the tree, the top directory included, each hard-linked file once.
    public var inodes: UInt64

    /// Creates figures.
    public init(bytes: UInt64, inodes: UInt64) {
        self.bytes = bytes
        self.inodes = inodes
    }

    /// Walks the tree at `path` with `openat`/`getdents` (through `readdir` on the directory's
    /// descriptor)/`fstatat`, never following symlinks and never crossing into another filesystem.
    /// Entries that vanish during the walk are skipped.
    ///
    /// - Throws: `StatsError` when `path` itself cannot be opened or is not a directory.
    public static func measure(path: String) throws -> DirectoryUsage {
        let fd = path.withCString { open($0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        if fd < 0 { throw StatsError.syscall("open", path: path, errno: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let err = errno
            close(fd)
            throw StatsError.syscall("fstat", path: path, errno: err)
        }
        var walk = Walk(device: st.st_dev)
        walk.count(st)
        walk.descend(fd)
        return DirectoryUsage(bytes: walk.bytes, inodes: walk.inodes)
    }

    private struct Walk {
        let device: dev_t
        var bytes: UInt64 = 0
        var inodes: UInt64 = 0
        var seenLinks: Set<ino_t> = []

        init(device: dev_t) { self.device = device }

        mutating func count(_ st: stat) {
            if st.st_nlink > 1 && (st.st_mode & S_IFMT) != S_IFDIR {
                guard seenLinks.insert(st.st_ino).inserted else { return }
            }
            bytes &+= UInt64(max(0, st.st_blocks)) &* 512
            inodes &+= 1
        }

        /// Counts the entries of the directory open at `fd` and recurses into subdirectories;
        /// takes ownership of `fd`.
        mutating func descend(_ fd: Int32) {
            guard let dir = fdopendir(fd) else {
                close(fd)
                return
            }
            defer { closedir(dir) }
            let dfd = dirfd(dir)
            while let entry = readdir(dir) {
                let isDot = withUnsafePointer(to: &entry.pointee.d_name) { p in
                    p.withMemoryRebound(to: UInt8.self, capacity: 3) { n in
                        n[0] == 0x2E && (n[1] == 0 || (n[1] == 0x2E && n[2] == 0))
                    }
                }
                if isDot { continue }
                let type = entry.pointee.d_type
                var st = stat()
                let statted = withUnsafePointer(to: &entry.pointee.d_name) { p in
                    p.withMemoryRebound(to: CChar.self, capacity: 256) { fstatat(dfd, $0, &st, AT_SYMLINK_NOFOLLOW) == 0 }
                }
                guard statted else { continue }
                count(st)
                let isDirectory = type == UInt8(DT_DIR) || (type == UInt8(DT_UNKNOWN) && (st.st_mode & S_IFMT) == S_IFDIR)
                guard isDirectory, st.st_dev == device else { continue }
                let child = withUnsafePointer(to: &entry.pointee.d_name) { p in
                    p.withMemoryRebound(to: CChar.self, capacity: 256) {
                        openat(dfd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    }
                }
                if child >= 0 { descend(child) }
            }
        }
    }
}
