import CRuntimeShim
import Glibc
import Logging

/// Mounts overlayfs root filesystems for containers below one directory:
/// `<root>/<key>/{upper,work,rootfs}`.
///
/// The lower dirs are passed as absolute paths in the mount data, which the kernel limits to
/// one page (4096 bytes here) including `upperdir=` and `workdir=`. With the layer store's
/// 80-odd byte paths that allows roughly 40 layers; past the limit `prepare` fails with an
/// error saying so. (Shortening the paths by mounting relative to a chdir'd cwd would race with
/// every other thread of the agent, so it is not done.)
public struct Snapshotter: Sendable {
    private static let readOnlyFlag: UInt = 1        // MS_RDONLY
    private static let remountFlag: UInt = 32        // MS_REMOUNT
    private static let bindFlag: UInt = 4096         // MS_BIND
    private static let detachFlag: Int32 = 2         // MNT_DETACH

    /// The directory holding one subdirectory per snapshot.
    public let root: String
    private let logger: Logger

    /// A snapshotter for snapshots below `root`, created if missing.
    /// - Throws: `UnpackError.system` when `root` cannot be created.
    public init(root: String, logger: Logger = Logger(label: "swiftlet.images.snapshot")) throws {
        self.root = root
        self.logger = logger
        try UnpackSys.makeDirectories(root)
    }

    /// The most bytes of overlayfs mount data the kernel accepts (one page, NUL included).
    public static var maxMountDataLength: Int { Int(sysconf(Int32(_SC_PAGESIZE))) - 1 }

    /// The snapshot directory for `key`.
    /// - Throws: `UnpackError.invalid` for a key that is empty, has `/` or starts with `.`.
    public func directory(key: String) throws -> String {
        guard !key.isEmpty, !key.hasPrefix("."), !key.contains("/"), key.utf8.count <= 255 else {
            throw UnpackError.invalid("invalid snapshot key \"\(key)\": use a non-empty name without '/' that does not start with '.'")
        }
        return "\(root)/\(key)"
    }

    /// Creates `<root>/<key>` and mounts the layers on its `rootfs`.
    ///
    /// Writable: overlayfs with `lowerdir=<layers joined by ':'>,upperdir=upper,workdir=work`.
    /// Read-only: overlayfs with only lower dirs, or for a single layer a read-only bind mount
    /// (overlayfs needs two lowers without an upper).
    /// - Parameters:
    ///   - key: the snapshot's name, unique below `root`.
    ///   - layers: unpacked layer dirs, top first; at least one.
    ///   - readOnly: mount without an upper dir.
    /// - Throws: `UnpackError.exists` for a key in use, `.invalid` for no layers, a path overlayfs
    ///   cannot take (`:`, `,`, `\`) or mount data over the page-size limit, `.system` when the
    ///   mount fails. Nothing is left behind on failure.
    public func prepare(key: String, layers: [String], readOnly: Bool) throws -> Snapshot {
        let dir = try directory(key: key)
        guard !layers.isEmpty else { throw UnpackError.invalid("snapshot \(key): no layers to mount") }
        for layer in layers {
            guard layer.hasPrefix("/"), !layer.contains(":"), !layer.contains(","), !layer.contains("\\") else {
                throw UnpackError.invalid("snapshot \(key): layer path \"\(layer)\" must be absolute and free of ':', ',' and '\\' for overlayfs")
            }
            var st = stat()
            guard stat(layer, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
                throw UnpackError.invalid("snapshot \(key): layer \"\(layer)\" is not a directory")
            }
        }
        let upper = readOnly ? nil : dir + "/upper"
        let work = readOnly ? nil : dir + "/work"
        let rootfs = dir + "/rootfs"
        var data = "lowerdir=" + layers.joined(separator: ":")
        if let upper, let work { data += ",upperdir=\(upper),workdir=\(work)" }
        let singleBind = readOnly && layers.count == 1
        if !singleBind, data.utf8.count > Self.maxMountDataLength {
            throw UnpackError.invalid("snapshot \(key): \(layers.count) layers need \(data.utf8.count) bytes of overlayfs mount options, over the kernel's limit of \(Self.maxMountDataLength); flatten the image or shorten --root-dir")
        }

        if mkdir(dir, 0o700) != 0 {
            throw errno == EEXIST ? UnpackError.exists("snapshot \(dir)") : UnpackError.system("mkdir", dir, errno: errno)
        }
        var mounted = false
        do {
            for path in [upper, work, rootfs].compactMap({ $0 }) where mkdir(path, 0o755) != 0 {
                throw UnpackError.system("mkdir", path, errno: errno)
            }
            if let upper {
                // The merged root takes the upper dir's owner and mode: keep the image's.
                var top = stat()
                if stat(layers[0], &top) != 0 { throw UnpackError.system("stat", layers[0], errno: errno) }
                if chown(upper, top.st_uid, top.st_gid) != 0 { throw UnpackError.system("chown", upper, errno: errno) }
                if chmod(upper, top.st_mode & 0o7777) != 0 { throw UnpackError.system("chmod", upper, errno: errno) }
            }
            if singleBind {
                if shim_mount(layers[0], rootfs, nil, Self.bindFlag, nil) != 0 {
                    throw UnpackError.system("mount --bind", "\(layers[0]) on \(rootfs)", errno: errno)
                }
                mounted = true
                if shim_mount("none", rootfs, nil, Self.bindFlag | Self.remountFlag | Self.readOnlyFlag, nil) != 0 {
                    throw UnpackError.system("mount -o remount,bind,ro", rootfs, errno: errno)
                }
            } else {
                let flags = readOnly ? Self.readOnlyFlag : 0
                if shim_mount("overlay", rootfs, "overlay", flags, data) != 0 {
                    throw UnpackError.system("mount overlay", "\(rootfs) (\(data))", errno: errno)
                }
                mounted = true
            }
        } catch {
            if mounted { _ = shim_umount2(rootfs, Self.detachFlag) }
            try? UnpackSys.removeTree(path: dir)
            throw error
        }
        logger.debug("prepared snapshot", metadata: ["key": "\(key)", "layers": "\(layers.count)", "readOnly": "\(readOnly)"])
        return Snapshot(key: key, directory: dir, rootfs: rootfs, upper: upper, work: work, layers: layers, readOnly: readOnly)
    }

    /// Unmounts the snapshot `key` (lazily if it is busy) and deletes its directory. Removing
    /// a key that does not exist succeeds.
    /// - Throws: `UnpackError.system` when the rootfs stays mounted or a file cannot be removed;
    ///   the removal never descends into a mount, so lower layers are never touched.
    public func remove(key: String) throws {
        let dir = try directory(key: key)
        let rootfs = dir + "/rootfs"
        guard UnpackSys.exists(dir) else { return }
        // Stacked mounts (a bind of a bind) each need their own unmount.
        for _ in 0..<16 {
            if shim_umount2(rootfs, 0) == 0 { continue }
            let code = errno
            if code == EINVAL || code == ENOENT { break }  // not a mount point (any more)
            if code == EBUSY {
                logger.warning("snapshot rootfs busy, detaching", metadata: ["key": "\(key)"])
                if shim_umount2(rootfs, Self.detachFlag) == 0 { continue }
            }
            throw UnpackError.system("umount", rootfs, errno: errno)
        }
        try UnpackSys.removeTree(path: dir)
        logger.debug("removed snapshot", metadata: ["key": "\(key)"])
    }
}
