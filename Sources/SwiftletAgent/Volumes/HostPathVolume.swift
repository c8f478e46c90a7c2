import Foundation
import SwiftletAPI

/// A `hostPath` volume: a file or directory of the node, checked against its `type` before the
/// pod starts, with kubelet's checks and messages (`pkg/volume/hostpath`).
///
/// | type | behaviour |
/// | --- | --- |
/// | `""` | no check |
/// | `DirectoryOrCreate` | creates a missing directory (0755, parents too), else it must be a directory |
/// | `Directory` | must be a directory |
/// | `FileOrCreate` | creates a missing empty file (0644; as in Kubernetes, not its parent directory), else it must be a file |
/// | `File` | must be a regular file |
/// | `Socket`, `CharDevice`, `BlockDevice` | must be a UNIX socket, character device, block device |
///
/// Symlinks are followed, as kubelet's `stat` does.
public struct HostPathVolume: Sendable {
    /// kubelet's plugin name; hostPath volumes have no directory under the pod.
    public static let pluginName = "kubernetes.io~host-path"

    /// `hostPath.type`.
    public enum PathType: String, Sendable, Hashable, CaseIterable {
        /// No check.
        case unset = ""
        /// Create a directory when nothing is there.
        case directoryOrCreate = "DirectoryOrCreate"
        /// A directory must exist.
        case directory = "Directory"
        /// Create an empty file when nothing is there.
        case fileOrCreate = "FileOrCreate"
        /// A regular file must exist.
        case file = "File"
        /// A UNIX socket must exist.
        case socket = "Socket"
        /// A character device must exist.
        case charDevice = "CharDevice"
        /// A block device must exist.
        case blockDevice = "BlockDevice"
    }

    /// The path on the node.
    public let path: String
    /// The type to check.
    public let type: PathType

    /// The hostPath volume described by `source`.
    /// - Parameter field: the volume's field (`spec.volumes[0]`), for errors.
    /// - Throws: ``VolumeError`` when the path is empty, relative or contains `..`, or the type is unknown.
    public init(source: HostPathVolumeSource, field: FieldPath) throws {
        let pathField = field.child("hostPath", "path")
        if source.path.isEmpty { throw VolumeError.invalid(.required(pathField)) }
        if !source.path.hasPrefix("/") {
            throw VolumeError.invalid(.invalid(pathField, .string(source.path), "must be an absolute path"))
        }
        if source.path.split(separator: "/").contains("..") {
            throw VolumeError.invalid(.invalid(pathField, .string(source.path), "must not contain '..'"))
        }
        guard let type = PathType(rawValue: source.type ?? "") else {
            throw VolumeError.typeCheck("\(source.type ?? "") is an invalid volume type", field: field.child("hostPath", "type"))
        }
        self.path = source.path
        self.type = type
    }

    /// Runs the type check, creating the directory or file for the `…OrCreate` types.
    /// - Throws: ``VolumeError`` with kubelet's message, e.g.
    ///   `hostPath type check failed: /x is not a directory`.
    public func setUp() throws {
        switch type {
        case .unset:
            return
        case .directoryOrCreate:
            if try VolumeSys.stat(path) == nil {
                try VolumeSys.mkdirAll(path, mode: 0o755)
                return
            }
            try expect(.directory, "directory")
        case .directory:
            try expect(.directory, "directory")
        case .fileOrCreate:
            if try VolumeSys.stat(path) == nil {
                try makeFile()
                return
            }
            try expect(.regular, "file")
        case .file:
            try expect(.regular, "file")
        case .socket:
            try expect(.socket, "socket file")
        case .charDevice:
            try expect(.characterDevice, "character device")
        case .blockDevice:
            try expect(.blockDevice, "block device")
        }
    }

    private func expect(_ kind: VolumeSys.FileKind, _ description: String) throws {
        guard let st = try VolumeSys.stat(path), VolumeSys.FileKind(mode: st.st_mode) == kind else {
            throw VolumeError.typeCheck("hostPath type check failed: \(path) is not a \(description)")
        }
    }

    /// An empty file with mode 0644; anything already there (even a dangling symlink) is left alone.
    private func makeFile() throws {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            let code = errno
            if code == EEXIST || code == EISDIR { return }
            let parent = VolumeSys.parentPath(path)
            if code == ENOENT {
                throw VolumeError.typeCheck(
                    "hostPath type check failed: cannot create \(path): its directory \(parent) does not exist "
                        + "(FileOrCreate does not create parent directories)")
            }
            throw VolumeError.system("open", path, errno: code)
        }
        defer { Glibc.close(fd) }
        // The umask must not narrow the documented 0644.
        if Glibc.fchmod(fd, 0o644) != 0 { throw VolumeError.system("fchmod", path, errno: errno) }
    }
}
