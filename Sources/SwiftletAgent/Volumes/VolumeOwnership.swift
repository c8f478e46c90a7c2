import Foundation

/// Applies a pod's `fsGroup` to a volume, as kubelet's `SetVolumeOwnership` does: every file
/// and directory gets the group, group read/write (read-only for read-only volumes), and
/// directories get the setgid bit and group search, so files created later inherit the group.
enum VolumeOwnership {
    /// Walks `directory` (without following symlinks) and applies `fsGroup`.
    /// With `changePolicy` `OnRootMismatch`, nothing is done when the root already has the group,
    /// the permissions and the setgid bit.
    static func apply(directory: String, fsGroup: Int64, readOnly: Bool, changePolicy: String?) throws {
        let mask: mode_t = readOnly ? 0o440 : 0o660
        guard let root = try VolumeSys.lstat(directory) else { return }
        if changePolicy == "OnRootMismatch", root.st_gid == gid_t(fsGroup),
           VolumeSys.FileKind(mode: root.st_mode) == .directory,
           root.st_mode & (mask | 0o110) == mask | 0o110, root.st_mode & S_ISGID != 0 {
            return
        }
        try apply(directory, st: root, gid: gid_t(fsGroup), mask: mask)
    }

    private static func apply(_ path: String, st: stat, gid: gid_t, mask: mode_t) throws {
        if Glibc.lchown(path, uid_t.max, gid) != 0 { throw VolumeError.system("lchown", path, errno: errno) }
        let kind = VolumeSys.FileKind(mode: st.st_mode)
        if kind == .symlink { return }
        var mode = (st.st_mode & 0o7777) | mask
        if kind == .directory { mode |= S_ISGID | 0o110 }
        try VolumeSys.chmod(path, mode)
        guard kind == .directory else { return }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for entry in entries {
            let child = path + "/" + entry
            guard let childStat = try VolumeSys.lstat(child) else { continue }
            try apply(child, st: childStat, gid: gid, mask: mask)
        }
    }
}
