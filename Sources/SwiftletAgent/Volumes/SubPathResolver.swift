import CRuntimeShim
import Foundation
import Logging
import SwiftletAPI

/// Resolves a volume mount's `subPath`/`subPathExpr` inside a volume without ever leaving it,
/// and pins the result with a bind mount the container runtime can use safely.
///
/// A container can write symlinks into its volumes, so resolving `subPath` by plain path walk
/// could be steered outside the volume (CVE-2017-1002101), and a path checked once could be
/// swapped for a symlink before the runtime mounts it. As kubelet does (`pkg/volume/util/subpath`),
/// the subPath is opened as a file descriptor, then `/proc/self/fd/N` is bind-mounted onto
/// `<podDir>/volume-subpaths/<volume>/<container>/<mountIndex>` while the descriptor is open;
/// that bind mount, not the path, is what the container gets.
///
/// The open uses `openat2(2)` with `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`: symlinks inside
/// the volume that stay inside it resolve normally, while an absolute symlink or a `..` that
/// would climb above the volume root fails the whole resolution (EXDEV), which becomes an error
/// naming the field, as kubelet rejects a subPath whose real path is outside the volume.
/// Missing directories of the subPath are created one at a time below already-opened
/// directories (`mkdirat` + `O_NOFOLLOW`), with the mode of the volume root, as kubelet does.
public struct SubPathResolver: Sendable {
    /// The directory under the pod directory holding the subPath bind mounts (kubelet's name).
    public static let directoryName = "volume-subpaths"

    /// The pod's directory (`/var/lib/swiftlet/pods/<uid>`).
    public let podDirectory: String
    private let logger: Logger

    /// A resolver for the pod whose directory is `podDirectory`.
    public init(podDirectory: String, logger: Logger = Logger(label: "swiftlet.volumes")) {
        self.podDirectory = podDirectory
        self.logger = logger
    }

    // MARK: - Validation and expansion

    /// Expands `$(VAR)` references in a `subPathExpr` from the container's environment, as kubelet
    /// does: `$$` is a literal `$`, an unterminated `$(` stays as written, and a reference to a
    /// variable that is unset or empty is an error.
    /// - Throws: ``VolumeError`` naming `field` and the missing variables.
    public static func expand(_ expression: String, environment: [String: String], field: FieldPath) throws -> String {
        var missing: Set<String> = []
        let expanded = Self.expandReferences(expression) { name in
            let value = environment[name] ?? ""
            if value.isEmpty { missing.insert(name) }
            return value
        }
        if !missing.isEmpty {
            throw VolumeError.invalid(.invalid(field, .string(expression),
                                               "missing value for \(missing.sorted().joined(separator: ", "))"))
        }
        return expanded
    }

    /// Kubernetes' `$(VAR)` expansion syntax with a caller-supplied mapping.
    static func expandReferences(_ input: String, _ mapping: (String) -> String) -> String {
        let chars = Array(input.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < chars.count {
            guard chars[i] == "$", i + 1 < chars.count else {
                out.append(chars[i])
                i += 1
                continue
            }
            let next = chars[i + 1]
            if next == "$" {
                out.append("$")
                i += 2
            } else if next == "(", let close = chars[(i + 2)...].firstIndex(of: ")") {
                var name = String.UnicodeScalarView()
                name.append(contentsOf: chars[(i + 2)..<close])
                out.append(contentsOf: mapping(String(name)).unicodeScalars)
                i = close + 1
            } else {
                out.append("$")
                out.append(next)
                i += 2
            }
        }
        return String(out)
    }

    /// Checks a subPath as kubelet does before using it (relative, no `..` element) and returns
    /// its components without empty and `.` elements (empty for the volume root itself).
    /// - Throws: ``VolumeError`` naming `field`.
    public static func validate(_ subPath: String, field: FieldPath) throws -> [String] {
        if subPath.hasPrefix("/") {
            throw VolumeError.invalid(.invalid(field, .string(subPath), "must be a relative path"))
        }
        let items = subPath.split(separator: "/", omittingEmptySubsequences: false)
        if items.contains("..") {
            throw VolumeError.invalid(.invalid(field, .string(subPath), "must not contain '..'"))
        }
        return items.filter { !$0.isEmpty && $0 != "." }.map(String.init)
    }

    // MARK: - Resolution

    /// The effective subPath of `mount`: `subPath`, or `subPathExpr` expanded with `environment`;
    /// nil when the mount uses the whole volume.
    /// - Parameter field: the mount's path, e.g. `spec.containers[0].volumeMounts[1]`.
    /// - Throws: ``VolumeError`` when both are set or the expansion fails.
    public static func effectiveSubPath(of mount: VolumeMount, environment: [String: String], field: FieldPath) throws -> (path: String, field: FieldPath)? {
        let subPath = mount.subPath ?? ""
        let expr = mount.subPathExpr ?? ""
        if !subPath.isEmpty && !expr.isEmpty {
            throw VolumeError.invalid(.invalid(field.child("subPathExpr"), .string(expr),
                                               "subPathExpr and subPath are mutually exclusive"))
        }
        if !expr.isEmpty {
            let expanded = try expand(expr, environment: environment, field: field.child("subPathExpr"))
            return expanded.isEmpty ? nil : (expanded, field.child("subPathExpr"))
        }
        return subPath.isEmpty ? nil : (subPath, field.child("subPath"))
    }

    /// Resolves `subPath` inside the volume at `volumePath` and bind-mounts it onto
    /// `<podDir>/volume-subpaths/<volumeName>/<containerName>/<mountIndex>`, which it returns.
    ///
    /// Missing directories are created inside the volume first. When that target is already a
    /// bind of the same file (a container restart), it is reused; a stale one is replaced.
    /// - Parameter field: the subPath's field, for errors (`spec.containers[0].volumeMounts[1].subPath`).
    /// - Throws: ``VolumeError`` naming `field` when the subPath is invalid, escapes the volume
    ///   through a symlink, or cannot be created or mounted.
    public func bind(subPath: String, volumePath: String, volumeName: String, containerName: String,
                     mountIndex: Int, field: FieldPath) throws -> String {
        let components = try Self.validate(subPath, field: field)
        let volumeReal = VolumeSys.realPath(volumePath)
        let rootFD = Glibc.open(volumeReal, VolumeSys.oPath | O_DIRECTORY | O_CLOEXEC)
        if rootFD < 0 { throw VolumeError.system("open", volumeReal, errno: errno, field: field) }
        defer { Glibc.close(rootFD) }

        let fd = try openBeneath(rootFD, components, volumeReal: volumeReal, subPath: subPath, field: field,
                                 createMissing: true)
        defer { Glibc.close(fd) }
        let st = try VolumeSys.fstat(fd, volumeReal + "/" + subPath)
        let isDirectory = VolumeSys.FileKind(mode: st.st_mode) == .directory

        let target = bindTarget(volumeName: volumeName, containerName: containerName, mountIndex: mountIndex)
        if VolumeMounts.isMountPoint(target) {
            if let current = try VolumeSys.lstat(target), current.st_dev == st.st_dev, current.st_ino == st.st_ino {
                return target
            }
            try unmountAll(target)
        }
        try VolumeSys.mkdirAll(VolumeSys.parentPath(target), mode: 0o750)
        if let existing = try VolumeSys.lstat(target),
           (VolumeSys.FileKind(mode: existing.st_mode) == .directory) != isDirectory {
            try VolumeSys.removeTree(target)
        }
        if isDirectory {
            try VolumeSys.mkdir(target, mode: 0o750)
        } else if try VolumeSys.lstat(target) == nil {
            try VolumeSys.createFile(target, bytes: [], mode: 0o640)
        }
        do {
            try VolumeSys.mount(source: "/proc/self/fd/\(fd)", target: target, fsType: nil, flags: VolumeSys.msBind, data: nil)
            guard let mounted = try VolumeSys.lstat(target), mounted.st_dev == st.st_dev, mounted.st_ino == st.st_ino else {
                throw VolumeError.other("bind mount of subPath \(goQuote(subPath)) onto \(target) shows a different file", field: field)
            }
        } catch let error as VolumeError {
            try? unmountAll(target)
            try? VolumeSys.removeTree(target)
            throw error.within(field)
        }
        logger.debug("bound subPath", metadata: ["volume": "\(volumeName)", "container": "\(containerName)",
                                                 "subPath": "\(subPath)", "target": "\(target)"])
        return target
    }

    /// Where the subPath of mount `mountIndex` of `containerName` on `volumeName` is bound.
    /// The pod directory is taken canonically (symlinks resolved) when it exists, as mountinfo lists it.
    public func bindTarget(volumeName: String, containerName: String, mountIndex: Int) -> String {
        "\(VolumeSys.realPath(podDirectory))/\(Self.directoryName)/\(volumeName)/\(containerName)/\(mountIndex)"
    }

    /// Unmounts every subPath bind of the pod (or of one volume) and removes their directories.
    /// Idempotent.
    /// - Throws: ``VolumeError`` when a mount cannot be removed.
    public func cleanUp(volumeName: String? = nil) throws {
        var dir = podDirectory + "/" + Self.directoryName
        if let volumeName { dir += "/" + volumeName }
        guard try VolumeSys.lstat(dir) != nil else { return }
        try unmountAll(VolumeSys.realPath(dir))
        try VolumeSys.removeTree(dir)
        if volumeName != nil {
            // The per-pod directory goes once its last volume is gone.
            _ = Glibc.rmdir(podDirectory + "/" + Self.directoryName)
        }
    }

    // MARK: - Helpers

    static let resolveFlags = UInt64(SHIM_RESOLVE_BENEATH | SHIM_RESOLVE_NO_MAGICLINKS)

    /// Opens `components` below `rootFD` with O_PATH, creating missing directories when asked.
    private func openBeneath(_ rootFD: Int32, _ components: [String], volumeReal: String, subPath: String,
                             field: FieldPath, createMissing: Bool) throws -> Int32 {
        let relative = components.isEmpty ? "." : components.joined(separator: "/")
        let fd = VolumeSys.openat2(rootFD, relative, flags: VolumeSys.oPath, resolve: Self.resolveFlags)
        if fd >= 0 { return fd }
        if -fd == ENOENT && createMissing {
            try createDirectories(rootFD, components, volumeReal: volumeReal, subPath: subPath, field: field)
            return try openBeneath(rootFD, components, volumeReal: volumeReal, subPath: subPath, field: field,
                                   createMissing: false)
        }
        throw resolutionError(-fd, volumeReal: volumeReal, subPath: subPath, field: field)
    }

    private func resolutionError(_ code: Int32, volumeReal: String, subPath: String, field: FieldPath) -> VolumeError {
        switch code {
        case EXDEV:
            return .invalid(.invalid(field, .string(subPath), "resolves to a path outside the volume (through a symlink)"))
        case ENOSYS:
            return .other("openat2 is not available (Linux 5.6 or newer is required to resolve subPaths safely)", field: field)
        default:
            return .system("openat2", volumeReal + "/" + subPath, errno: code, field: field)
        }
    }

    /// Creates the missing directories of `components`: finds the deepest existing one through
    /// `openat2` (so it is inside the volume), then `mkdirat` + `openat(O_NOFOLLOW)` one level at a
    /// time, so a directory swapped for a symlink meanwhile is refused rather than followed.
    private func createDirectories(_ rootFD: Int32, _ components: [String], volumeReal: String, subPath: String,
                                   field: FieldPath) throws {
        guard let rootStat = try VolumeSys.stat(volumeReal) else {
            throw VolumeError.system("stat", volumeReal, errno: ENOENT, field: field)
        }
        let perm = rootStat.st_mode & 0o7777
        var parentFD = Glibc.dup(rootFD)
        if parentFD < 0 { throw VolumeError.system("dup", volumeReal, errno: errno, field: field) }
        defer { Glibc.close(parentFD) }
        var existing = 0
        while existing < components.count {
            let prefix = components[0...existing].joined(separator: "/")
            let fd = VolumeSys.openat2(rootFD, prefix, flags: VolumeSys.oPath, resolve: Self.resolveFlags)
            if fd < 0 {
                if -fd == ENOENT { break }
                throw resolutionError(-fd, volumeReal: volumeReal, subPath: subPath, field: field)
            }
            Glibc.close(parentFD)
            parentFD = fd
            existing += 1
        }
        var current = volumeReal + "/" + components[0..<existing].joined(separator: "/")
        for name in components[existing...] {
            current += (current.hasSuffix("/") ? "" : "/") + name
            if Glibc.mkdirat(parentFD, name, perm) != 0 {
                throw VolumeError.system("mkdirat", current, errno: errno, field: field)
            }
            let child = Glibc.openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if child < 0 { throw VolumeError.system("openat", current, errno: errno, field: field) }
            Glibc.close(parentFD)
            parentFD = child
            // mkdirat applied the umask; the subPath must carry the volume root's mode.
            if Glibc.fchmod(child, perm) != 0 { throw VolumeError.system("fchmod", current, errno: errno, field: field) }
        }
    }

    /// Unmounts everything at or below `path`, deepest first, lazily when busy.
    private func unmountAll(_ path: String) throws {
        try VolumeMounts.unmountAll(under: path)
    }
}
