import Foundation
import Logging
import SwiftletAPI

/// An `emptyDir` volume: a directory that lives as long as the pod, at
/// `<podDir>/volumes/kubernetes.io~empty-dir/<name>` with mode 0777, on the node's disk or,
/// with medium `Memory`, on a tmpfs mounted there (mode 1777, as kubelet leaves it).
///
/// The tmpfs size follows kubelet's `calculateEmptyDirMemorySize`: the node's allocatable
/// memory, lowered to the pod's memory limit when every container has one, lowered again to
/// `sizeLimit` when that is smaller. On disk, `sizeLimit` is enforced by eviction, not here.
public struct EmptyDirVolume: Sendable {
    /// kubelet's plugin directory name.
    public static let pluginName = "kubernetes.io~empty-dir"

    /// Where the volume's data lives.
    public enum Medium: String, Sendable, Hashable {
        /// The node's filesystem (medium `""`).
        case disk
        /// A tmpfs (medium `Memory`).
        case memory
    }

    /// The volume's name.
    public let name: String
    /// The volume directory on the host.
    public let path: String
    /// Disk or memory.
    public let medium: Medium
    /// The declared `sizeLimit`, if any.
    public let sizeLimit: Quantity?

    /// The emptyDir `name` of the pod in `podDirectory`.
    /// - Parameter field: the volume's field (`spec.volumes[0]`), for errors.
    /// - Throws: ``VolumeError`` for a medium swiftlet does not support (`HugePages`).
    public init(podDirectory: String, name: String, source: EmptyDirVolumeSource, field: FieldPath) throws {
        self.name = name
        self.path = VolumeLayout.volumeDirectory(podDirectory: podDirectory, plugin: Self.pluginName, name: name)
        switch source.medium ?? "" {
        case "": medium = .disk
        case "Memory": medium = .memory
        case let other where other.hasPrefix("HugePages"):
            throw VolumeError.notSupported(field.child("emptyDir", "medium"),
                                           "medium \(goQuote(other)) is not supported yet: hugepages are not managed by swiftlet")
        case let other:
            throw VolumeError.invalid(.notSupported(field.child("emptyDir", "medium"), .string(other), ["", "Memory"]))
        }
        sizeLimit = source.sizeLimit
    }

    /// The tmpfs size in bytes for a memory-backed volume of `pod` (kubelet's
    /// `calculateEmptyDirMemorySize`).
    /// - Parameter nodeAllocatableMemory: bytes; the host's `MemTotal` when no reservation is configured.
    public static func memorySize(sizeLimit: Quantity?, pod: Pod, nodeAllocatableMemory: Int64) -> Int64 {
        var size = nodeAllocatableMemory
        if let podLimit = PodResources.memoryLimit(pod), podLimit > 0, podLimit <= size { size = podLimit }
        if let sizeLimit, sizeLimit.sign > 0, sizeLimit.value <= size { size = sizeLimit.value }
        return size
    }

    /// Creates the directory (mode 0777) and, for medium `Memory`, mounts a tmpfs of
    /// `tmpfsSizeBytes` there. Idempotent: an existing directory or tmpfs is kept.
    /// - Throws: ``VolumeError`` naming the path and the failing call.
    public func setUp(tmpfsSizeBytes: Int64) throws {
        try Self.setUpDirectory(path, medium: medium, tmpfsSizeBytes: tmpfsSizeBytes)
    }

    /// Unmounts (when memory-backed) and removes the volume directory. Idempotent.
    /// - Throws: ``VolumeError`` when a mount cannot be removed.
    public func tearDown() throws {
        try Self.tearDownDirectory(path)
    }

    /// Directory + optional tmpfs, shared with the downwardAPI and projected volumes (which
    /// kubelet backs with a memory emptyDir).
    static func setUpDirectory(_ path: String, medium: Medium, tmpfsSizeBytes: Int64) throws {
        try VolumeSys.mkdirAll(VolumeSys.parentPath(path), mode: 0o750)
        try VolumeSys.mkdir(path, mode: 0o777)
        if medium == .memory && !VolumeMounts.isMountPoint(path) {
            let data = tmpfsSizeBytes > 0 ? "size=\(tmpfsSizeBytes)" : nil
            try VolumeSys.mount(source: "tmpfs", target: path, fsType: "tmpfs", flags: 0, data: data)
        }
        // mkdir applies the umask; the volume must be rwx for all. Like kubelet, only the
        // permission bits are compared, so a tmpfs root keeps its sticky bit (1777).
        guard let st = try VolumeSys.lstat(path), VolumeSys.FileKind(mode: st.st_mode) == .directory else {
            throw VolumeError.system("mkdir", path, errno: ENOTDIR)
        }
        if st.st_mode & 0o777 != 0o777 {
            try VolumeSys.chmod(path, (st.st_mode & 0o7000) | 0o777)
        }
    }

    static func tearDownDirectory(_ path: String) throws {
        guard try VolumeSys.lstat(path) != nil else { return }
        try VolumeMounts.unmountAll(under: path)
        try VolumeSys.removeTree(path)
    }
}

/// kubelet's on-disk layout under a pod directory.
public enum VolumeLayout {
    /// `<podDir>/volumes`.
    public static func volumesDirectory(podDirectory: String) -> String { podDirectory + "/volumes" }

    /// `<podDir>/volumes/<plugin>/<name>`, e.g. `…/volumes/kubernetes.io~empty-dir/cache`.
    public static func volumeDirectory(podDirectory: String, plugin: String, name: String) -> String {
        "\(volumesDirectory(podDirectory: podDirectory))/\(plugin)/\(name)"
    }
}
