import Foundation

/// Size and inode figures of the filesystem holding a path, from `statvfs(3)`.
public struct FilesystemInfo: Sendable, Equatable {
    /// Total size, in bytes (`f_blocks × f_frsize`).
    public var capacityBytes: UInt64
    /// Bytes available to unprivileged users (`f_bavail × f_frsize`).
    public var availableBytes: UInt64
    /// Bytes in use (`(f_blocks − f_bfree) × f_frsize`), as cadvisor reports a filesystem's usage.
    public var usedBytes: UInt64
    /// Total inodes (`f_files`).
    public var inodes: UInt64
    /// Free inodes (`f_ffree`).
    public var inodesFree: UInt64

    /// Inodes in use.
    public var inodesUsed: UInt64 { inodes > inodesFree ? inodes - inodesFree : 0 }

    /// Creates figures.
    public init(capacityBytes: UInt64, availableBytes: UInt64, usedBytes: UInt64, inodes: UInt64, inodesFree: UInt64) {
        self.capacityBytes = capacityBytes
        self.availableBytes = availableBytes
        self.usedBytes = usedBytes
        self.inodes = inodes
        self.inodesFree = inodesFree
    }

    /// The figures of the filesystem holding `path`.
    ///
    /// - Throws: `StatsError` naming `statvfs` and the path.
    public static func of(path: String) throws -> FilesystemInfo {
        var s = statvfs()
        guard path.withCString({ statvfs($0, &s) }) == 0 else { throw StatsError.syscall("statvfs", path: path, errno: errno) }
        let unit = UInt64(s.f_frsize)
        let blocks = UInt64(s.f_blocks)
        let free = UInt64(s.f_bfree)
        return FilesystemInfo(
            capacityBytes: blocks &* unit, availableBytes: UInt64(s.f_bavail) &* unit,
            usedBytes: (blocks > free ? blocks - free : 0) &* unit,
            inodes: UInt64(s.f_files), inodesFree: UInt64(s.f_ffree))
    }
}
