import Glibc

/// One line of `/proc/self/mountinfo`: a mount in the agent's mount namespace.
package struct MountEntry: Sendable, Hashable {
    /// Unique mount id (field 1).
    package var id: Int
    /// Id of the parent mount (field 2).
    package var parentID: Int
    /// Root of the mount within its filesystem (field 4), octal escapes decoded.
    package var root: String
    /// Mount point (field 5), octal escapes decoded.
    package var mountPoint: String
    /// Optional fields (`shared:1`, `master:2`, `propagate_from:3`, `unbindable`).
    package var optionalFields: [String]
    /// Filesystem type (first field after `-`).
    package var fsType: String
    /// Mount source (second field after `-`).
    package var source: String

    /// The mount is in a shared peer group (propagates both ways).
    package var isShared: Bool { optionalFields.contains { $0.hasPrefix("shared:") } }
    /// The mount receives propagation from a master peer group.
    package var isSlave: Bool { optionalFields.contains { $0.hasPrefix("master:") } }
}

/// Reads and queries `/proc/self/mountinfo`.
package enum MountTable {
    /// Every mount of the agent's mount namespace, in kernel order (parents before children,
    /// later mounts stacked on the same point after earlier ones); empty when unreadable.
    package static func read(_ file: String = "/proc/self/mountinfo") -> [MountEntry] {
        guard let bytes = try? VolumeSys.readFile(file) else { return [] }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Parses mountinfo text; malformed lines are skipped.
    package static func parse(_ text: String) -> [MountEntry] {
        var result: [MountEntry] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 2 < fields.count,
                  let id = Int(fields[0]), let parent = Int(fields[1]) else { continue }
            result.append(MountEntry(
                id: id, parentID: parent,
                root: unescape(fields[3]), mountPoint: unescape(fields[4]),
                optionalFields: fields[6..<dash].map(String.init),
                fsType: String(fields[dash + 1]), source: unescape(fields[dash + 2])))
        }
        return result
    }

    /// Mounts at `directory` or anywhere below it, deepest first (and, on one point, the
    /// topmost of a stack first), which is the order to unmount them in.
    package static func mounts(under directory: String, in entries: [MountEntry]) -> [MountEntry] {
        let base = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        let matching = entries.enumerated().filter { _, entry in
            entry.mountPoint == base || entry.mountPoint.hasPrefix(base == "/" ? "/" : base + "/")
        }
        return matching.sorted { a, b in
            let da = a.element.mountPoint.split(separator: "/").count
            let db = b.element.mountPoint.split(separator: "/").count
            return da != db ? da > db : a.offset > b.offset
        }.map(\.element)
    }

    /// Whether `path` (already canonical) is a mount point.
    package static func isMountPoint(_ path: String, in entries: [MountEntry]) -> Bool {
        entries.contains { $0.mountPoint == path }
    }

    /// The mount `path` (already canonical) lives on: the longest mount point that is a prefix of
    /// it, the topmost when several are stacked.
    package static func mount(containing path: String, in entries: [MountEntry]) -> MountEntry? {
        var best: MountEntry?
        for entry in entries {
            let point = entry.mountPoint
            let covers = point == "/" || path == point || path.hasPrefix(point + "/")
            guard covers else { continue }
            if let current = best, current.mountPoint.count > point.count { continue }
            best = entry
        }
        return best
    }

    /// Decodes the `\NNN` octal escapes the kernel uses for space, tab, newline and backslash.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        let utf8 = Array(field.utf8)
        var bytes: [UInt8] = []
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count {
                let digits = utf8[(i + 1)...(i + 3)]
                if digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
                    bytes.append(digits.reduce(0) { $0 &* 8 &+ ($1 - UInt8(ascii: "0")) })
                    i += 4
                    continue
                }
            }
            bytes.append(utf8[i])
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Unmounting helpers shared by the volume plugins and teardown.
enum VolumeMounts {
    /// Unmounts every mount at or below `path`, deepest first; a busy mount is detached lazily
    /// (it disappears from the namespace now and is freed when its last user goes).
    /// - Throws: ``VolumeError`` when a mount cannot be removed.
    static func unmountAll(under path: String) throws {
        let canonical = VolumeSys.realPath(path)
        for _ in 0..<8 {
            let mounts = MountTable.mounts(under: canonical, in: MountTable.read())
            if mounts.isEmpty { return }
            for entry in mounts {
                var code = VolumeSys.unmount(entry.mountPoint, flags: VolumeSys.umountNoFollow)
                if code == EBUSY {
                    code = VolumeSys.unmount(entry.mountPoint, flags: VolumeSys.umountNoFollow | VolumeSys.mntDetach)
                }
                // EINVAL/ENOENT: already gone (unmounted with its parent, or by someone else).
                if code != 0 && code != EINVAL && code != ENOENT {
                    throw VolumeError.system("umount2", entry.mountPoint, errno: code)
                }
            }
        }
        let left = MountTable.mounts(under: canonical, in: MountTable.read())
        if !left.isEmpty {
            throw VolumeError.busy("cannot unmount \(left.map(\.mountPoint).joined(separator: ", "))")
        }
    }

    /// Whether `path` is a mount point (compared canonically).
    static func isMountPoint(_ path: String) -> Bool {
        MountTable.isMountPoint(VolumeSys.realPath(path), in: MountTable.read())
    }
}
