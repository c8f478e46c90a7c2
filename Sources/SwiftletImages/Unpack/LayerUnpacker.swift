import CRuntimeShim
import Glibc
import Logging

/// Unpacks one layer blob into a directory in overlayfs form: `.wh.NAME` entries become 0:0
/// character devices, `.wh..wh..opq` becomes `trusted.overlay.opaque=y` on its directory.
///
/// Every path is resolved below the layer directory with openat2(RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS), and final components are created with O_EXCL/O_NOFOLLOW after
/// removing what was there, so no entry can write outside the layer: `..` escapes, hardlinks
/// to outside and writes through a symlink (planted by this layer or any other) are rejected.
/// Leading `/` is stripped, as Docker does. The layer is built in a temporary directory next
/// to the destination and renamed into place only when complete and verified.
public struct LayerUnpacker: Sendable {
    private let logger: Logger

    /// An unpacker logging to `logger`.
    public init(logger: Logger = Logger(label: "swiftlet.images.unpack")) {
        self.logger = logger
    }

    /// Unpacks the layer blob `stream` of the given media type into `layerDir`, which must
    /// not exist yet; its parent must.
    /// - Throws: `UnpackError.unsupportedMediaType` for an unknown media type, and whatever
    ///   `unpack(stream:compression:into:options:)` throws.
    public func unpack(stream: any LayerByteSource, mediaType: String, into layerDir: String, options: UnpackOptions = UnpackOptions()) throws -> UnpackResult {
        try unpack(stream: stream, compression: LayerCompression(mediaType: mediaType), into: layerDir, options: options)
    }

    /// Unpacks the layer blob `stream` into `layerDir`, which must not exist yet; its parent must.
    /// - Returns: the diff_id and sizes of what was unpacked.
    /// - Throws: `UnpackError.hostile` naming the first entry that breaks the rules,
    ///   `.corrupt` for damaged data, `.digestMismatch` when `options.expectedDiffID` differs,
    ///   `.exists` when `layerDir` exists, `.system` for failing system calls. On any error
    ///   nothing is left behind.
    public func unpack(stream: any LayerByteSource, compression: LayerCompression, into layerDir: String, options: UnpackOptions = UnpackOptions()) throws -> UnpackResult {
        let (parent, base) = UnpackSys.split(layerDir)
        guard !base.isEmpty, base != ".", base != "..", base != "/" else {
            throw UnpackError.invalid("invalid layer directory \"\(layerDir)\"")
        }
        if UnpackSys.exists(layerDir) { throw UnpackError.exists(layerDir) }
        var template = Array("\(parent)/.\(base).unpack-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw UnpackError.system("mkdtemp", "\(parent)/.\(base).unpack-XXXXXX", errno: errno)
        }
        let tempDir = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var renamed = false
        defer {
            if !renamed {
                do { try UnpackSys.removeTree(path: tempDir) } catch {
                    logger.warning("cannot remove a failed unpack", metadata: ["path": "\(tempDir)", "error": "\(error)"])
                }
            }
        }

        let decompressor = try LayerDecompressor(source: stream, compression: compression)
        let entries: Int
        do {
            let extraction = try Extraction(root: tempDir, options: options, logger: logger)
            defer { extraction.close() }
            entries = try extraction.run(TarReader(decompressor: decompressor))
            try decompressor.drain()
            let diffID = decompressor.diffID()
            if let expected = options.expectedDiffID, expected != diffID {
                throw UnpackError.digestMismatch(expected: expected, actual: diffID)
            }
            try extraction.finish()
        }
        if rename(tempDir, layerDir) != 0 {
            throw errno == EEXIST || errno == ENOTEMPTY ? UnpackError.exists(layerDir) : UnpackError.system("rename", "\(tempDir) -> \(layerDir)", errno: errno)
        }
        renamed = true
        let result = UnpackResult(diffID: decompressor.diffID(), uncompressedSize: decompressor.uncompressedBytes,
                                  compressedSize: decompressor.compressedBytes, entries: entries)
        logger.debug("unpacked layer", metadata: ["path": "\(layerDir)", "diffID": "\(result.diffID)", "entries": "\(entries)"])
        return result
    }
}

/// The state of one unpack: the temp root's descriptor and the directory times to set last.
private final class Extraction {
    private static let opaqueMarker = ".wh..wh..opq"
    private static let whiteoutPrefix = ".wh."

    private let root: String
    private let rootFD: Int32
    private let options: UnpackOptions
    private let logger: Logger
    /// Directory mtimes, applied after all entries so creating children does not reset them.
    private var directoryTimes: [[String]: (Int64, Int32)] = [:]
    /// The last parent directory opened (O_PATH), see `cachedParent`.
    private var parentCache: (components: [String], fd: Int32)?
    /// Set by a removal; the cache is dropped when the entry that removed is done.
    private var parentCacheStale = false

    init(root: String, options: UnpackOptions, logger: Logger) throws {
        self.root = root
        self.options = options
        self.logger = logger
        rootFD = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if rootFD < 0 { throw UnpackError.system("open", root, errno: errno) }
        // mkdtemp made it 0700; a layer root without its own entry is a plain 0755 directory.
        if fchmod(rootFD, 0o755) != 0 { throw UnpackError.system("fchmod", root, errno: errno) }
    }

    func close() {
        dropCachedParent()
        _ = Glibc.close(rootFD)
    }

    /// Extracts every entry; returns how many there were.
    func run(_ tar: TarReader) throws -> Int {
        var count = 0
        while let entry = try tar.next() {
            count += 1
            try extract(entry, tar: tar)
        }
        return count
    }

    /// Applies the deferred directory times, deepest first.
    func finish() throws {
        let ordered = directoryTimes.sorted { $0.key.count > $1.key.count }
        for (components, time) in ordered {
            let path = components.joined(separator: "/")
            let fd = UnpackSys.openBeneath(rootFD, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            // A later entry may have replaced the directory with something else.
            if fd < 0 { continue }
            defer { _ = Glibc.close(fd) }
            var times = Self.timespecs(time)
            if futimens(fd, &times) != 0 { throw UnpackError.system("futimens", path.isEmpty ? "/" : path, errno: errno) }
        }
    }

    // MARK: Entries

    private func extract(_ entry: TarEntry, tar: TarReader) throws {
        let components = try clean(entry.path, entry: entry.path)
        if entry.kind == .regular, entry.size > options.maxEntrySize {
            throw UnpackError.hostile(entry: entry.path, "size \(entry.size) bytes exceeds the limit of \(options.maxEntrySize)")
        }
        guard let name = components.last else {
            // The layer root itself ("./"): only its metadata can change.
            guard entry.kind == .directory else {
                throw UnpackError.hostile(entry: entry.path, "the layer root can only be a directory")
            }
            try applyMetadata(fd: rootFD, entry)
            directoryTimes[[]] = (entry.mtimeSeconds, entry.mtimeNanoseconds)
            return
        }
        let parentPath = Array(components.dropLast())

        if name.hasPrefix(Self.whiteoutPrefix) {
            try whiteout(entry, name: name, parent: parentPath)
            return
        }
        let parentFD = try cachedParent(parentPath, entry: entry.path)
        defer { if parentCacheStale { dropCachedParent() } }

        // Regular files and directories, nearly every entry, try to create first and look at
        // what is in the way only when something is (saves an fstatat per entry); the other
        // kinds clear the name first. Either way the end state is the same: an existing
        // directory is kept for a directory entry, anything else in the way is removed.
        switch entry.kind {
        case .regular, .directory:
            break
        default:
            if try UnpackSys.lstat(parentFD, name, context: entry.path) != nil {
                try remove(parentFD, name, entry: entry)
            }
        }

        switch entry.kind {
        case .regular:
            let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
            var fd = openat(parentFD, name, flags, 0o600)
            if fd < 0 && errno == EEXIST {
                try remove(parentFD, name, entry: entry)
                fd = openat(parentFD, name, flags, 0o600)
            }
            if fd < 0 { throw UnpackError.system("open", entry.path, errno: errno) }
            defer { _ = Glibc.close(fd) }
            try tar.readContent { chunk in try UnpackSys.writeAll(fd, chunk, context: entry.path) }
            try applyMetadata(fd: fd, entry)
            var times = Self.timespecs((entry.mtimeSeconds, entry.mtimeNanoseconds))
            if futimens(fd, &times) != 0 { throw UnpackError.system("futimens", entry.path, errno: errno) }

        case .directory:
            if mkdirat(parentFD, name, 0o700) != 0 {
                guard errno == EEXIST else { throw UnpackError.system("mkdir", entry.path, errno: errno) }
                // Re-stating a directory keeps its contents (tar order puts a dir before its children).
                let existing = try UnpackSys.lstat(parentFD, name, context: entry.path)
                if !(existing.map(UnpackSys.isDirectory) ?? false) {
                    try remove(parentFD, name, entry: entry)
                    if mkdirat(parentFD, name, 0o700) != 0 { throw UnpackError.system("mkdir", entry.path, errno: errno) }
                }
            }
            let fd = UnpackSys.openBeneath(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            if fd < 0 { throw UnpackError.system("open", entry.path, errno: errno) }
            defer { _ = Glibc.close(fd) }
            try applyMetadata(fd: fd, entry)
            directoryTimes[components] = (entry.mtimeSeconds, entry.mtimeNanoseconds)

        case .symlink:
            guard !entry.linkName.isEmpty else { throw UnpackError.corrupt("tar: symlink \"\(entry.path)\" has no target") }
            // The target is stored as is: it is only ever resolved inside a container's root.
            if symlinkat(entry.linkName, parentFD, name) != 0 { throw UnpackError.system("symlink", entry.path, errno: errno) }
            try applyMetadata(parentFD: parentFD, name: name, entry, isSymlink: true)

        case .hardlink:
            try hardlink(entry, parentFD: parentFD, name: name, components: components)

        case .characterDevice, .blockDevice, .fifo:
            let type: UInt32
            switch entry.kind {
            case .characterDevice: type = S_IFCHR
            case .blockDevice: type = S_IFBLK
            default: type = S_IFIFO
            }
            if entry.kind != .fifo && !options.allowDevices {
                throw UnpackError.hostile(entry: entry.path, "device nodes are not allowed in image layers")
            }
            let device = entry.kind == .fifo ? 0 : shim_makedev(entry.deviceMajor, entry.deviceMinor)
            if mknodat(parentFD, name, type | 0o600, dev_t(device)) != 0 { throw UnpackError.system("mknod", entry.path, errno: errno) }
            try applyMetadata(parentFD: parentFD, name: name, entry, isSymlink: false)
        }
    }

    /// `.wh.NAME` hides NAME of lower layers; `.wh..wh..opq` hides all lower contents of its directory.
    private func whiteout(_ entry: TarEntry, name: String, parent: [String]) throws {
        if name == Self.opaqueMarker {
            let dirFD = try openParent(parent, entry: entry.path, directoryFlags: O_RDONLY)
            defer { _ = Glibc.close(dirFD) }
            if UnpackSys.setXattr(fd: dirFD, "trusted.overlay.opaque", Array("y".utf8)) != 0 {
                throw UnpackError.system("setxattr trusted.overlay.opaque", entry.path, errno: errno)
            }
            return
        }
        if name.hasPrefix(Self.whiteoutPrefix + Self.whiteoutPrefix) {
            // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs) means nothing to overlayfs.
            logger.debug("skipping aufs metadata entry", metadata: ["entry": "\(entry.path)"])
            return
        }
        let target = String(name.dropFirst(Self.whiteoutPrefix.count))
        guard !target.isEmpty, target != ".", target != ".." else {
            throw UnpackError.hostile(entry: entry.path, "whiteout names no file")
        }
        let parentFD = try cachedParent(parent, entry: entry.path)
        defer { if parentCacheStale { dropCachedParent() } }
        if try UnpackSys.lstat(parentFD, target, context: entry.path) != nil {
            try remove(parentFD, target, entry: entry)
        }
        if mknodat(parentFD, target, S_IFCHR, dev_t(shim_makedev(0, 0))) != 0 {
            throw UnpackError.system("mknod (whiteout)", entry.path, errno: errno)
        }
    }

    private func hardlink(_ entry: TarEntry, parentFD: Int32, name: String, components: [String]) throws {
        let target = try clean(entry.linkName, entry: entry.path, what: "hardlink target \"\(entry.linkName)\"")
        guard let targetName = target.last else {
            throw UnpackError.hostile(entry: entry.path, "hardlink to the layer root")
        }
        if target == components { return }
        let targetParent = UnpackSys.openBeneath(rootFD, target.dropLast().joined(separator: "/"), UnpackSys.openPath | O_DIRECTORY)
        if targetParent < 0 {
            throw UnpackError.hostile(entry: entry.path, "hardlink target \"\(entry.linkName)\" is not a file of this layer (\(errnoName(errno)))")
        }
        defer { _ = Glibc.close(targetParent) }
        guard let st = try UnpackSys.lstat(targetParent, targetName, context: entry.linkName) else {
            throw UnpackError.hostile(entry: entry.path, "hardlink target \"\(entry.linkName)\" is not a file of this layer")
        }
        if UnpackSys.isDirectory(st) {
            throw UnpackError.hostile(entry: entry.path, "hardlink target \"\(entry.linkName)\" is a directory")
        }
        // flags 0: a symlink target is linked itself, never followed.
        if linkat(targetParent, targetName, parentFD, name, 0) != 0 {
            throw UnpackError.system("link", "\(entry.path) -> \(entry.linkName)", errno: errno)
        }
    }

    // MARK: Paths

    /// The path's components below the layer root: leading `/` and `.` dropped, `..` applied
    /// lexically. Rejects a path that climbs above the root.
    private func clean(_ path: String, entry: String, what: String? = nil) throws -> [String] {
        guard path.utf8.count <= options.maxPathLength else {
            throw UnpackError.hostile(entry: entry, "\(what ?? "path") is longer than \(options.maxPathLength) bytes")
        }
        var components: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !components.isEmpty else {
                    throw UnpackError.hostile(entry: entry, "\(what ?? "path") escapes the layer with \"..\"")
                }
                components.removeLast()
            default:
                components.append(String(part))
            }
        }
        return components
    }

    /// Removes `name` (a whole tree for a directory) in `parentFD`. The removed directory may
    /// be the cached parent or one of its ancestors, so the cache goes once the entry is done.
    private func remove(_ parentFD: Int32, _ name: String, entry: TarEntry) throws {
        parentCacheStale = true
        try UnpackSys.removeTree(parentFD, name, context: entry.path)
    }

    /// The directory `components` below the root (created as `openParent` does), kept open
    /// for the next entry: tar streams list a directory's entries together.
    ///
    /// Reusing the descriptor is as safe as resolving the path again: the directory was
    /// resolved beneath the root without symlinks when it was opened, and a directory can only
    /// leave its path by being removed (entries only create names, and never over an existing
    /// directory). Every removal drops the cache, so the descriptor always names what the path
    /// names now. The caller must not close it.
    private func cachedParent(_ components: [String], entry: String) throws -> Int32 {
        if let cached = parentCache, cached.components == components { return cached.fd }
        dropCachedParent()
        let fd = try openParent(components, entry: entry)
        parentCache = (components, fd)
        return fd
    }

    private func dropCachedParent() {
        if let cached = parentCache { _ = Glibc.close(cached.fd) }
        parentCache = nil
        parentCacheStale = false
    }

    /// Opens the directory `components` below the root, creating missing directories
    /// (root-owned, 0755, as tar does for parents it was not given).
    private func openParent(_ components: [String], entry: String, directoryFlags: Int32 = UnpackSys.openPath) throws -> Int32 {
        let path = components.joined(separator: "/")
        let fd = UnpackSys.openBeneath(rootFD, path, directoryFlags | O_DIRECTORY)
        if fd >= 0 { return fd }
        if errno != ENOENT { throw parentError(errno, entry: entry, path: path) }
        var current = UnpackSys.openBeneath(rootFD, "", UnpackSys.openPath | O_DIRECTORY)
        if current < 0 { throw UnpackError.system("open", root, errno: errno) }
        for (index, component) in components.enumerated() {
            if mkdirat(current, component, 0o755) != 0 && errno != EEXIST {
                let code = errno
                _ = Glibc.close(current)
                throw UnpackError.system("mkdir", components[...index].joined(separator: "/"), errno: code)
            }
            let isLast = index == components.count - 1
            let next = UnpackSys.openBeneath(current, component, (isLast ? directoryFlags : UnpackSys.openPath) | O_DIRECTORY | O_NOFOLLOW)
            let code = errno
            _ = Glibc.close(current)
            if next < 0 { throw parentError(code, entry: entry, path: components[...index].joined(separator: "/")) }
            current = next
        }
        return current
    }

    private func parentError(_ code: Int32, entry: String, path: String) -> UnpackError {
        switch code {
        case ELOOP: return UnpackError.hostile(entry: entry, "its parent \"\(path)\" goes through a symlink")
        case EXDEV: return UnpackError.hostile(entry: entry, "its parent \"\(path)\" escapes the layer")
        case ENOTDIR: return UnpackError.hostile(entry: entry, "its parent \"\(path)\" is not a directory")
        default: return UnpackError.system("openat2", path, errno: code)
        }
    }

    // MARK: Metadata

    /// Owner, then mode (chown clears setuid/setgid), then xattrs, through an open descriptor.
    private func applyMetadata(fd: Int32, _ entry: TarEntry) throws {
        if fchown(fd, entry.uid, entry.gid) != 0 { throw UnpackError.system("fchown", entry.path, errno: errno) }
        if fchmod(fd, mode_t(entry.mode)) != 0 { throw UnpackError.system("fchmod", entry.path, errno: errno) }
        for (name, value) in entry.xattrs.sorted(by: { $0.key < $1.key }) where try acceptXattr(name, entry: entry) {
            if UnpackSys.setXattr(fd: fd, name, value) != 0 {
                throw UnpackError.system("setxattr \(name)", entry.path, errno: errno)
            }
        }
    }

    /// The same for entries that cannot be opened (symlinks, devices, fifos), by name.
    private func applyMetadata(parentFD: Int32, name: String, _ entry: TarEntry, isSymlink: Bool) throws {
        if fchownat(parentFD, name, entry.uid, entry.gid, AT_SYMLINK_NOFOLLOW) != 0 {
            throw UnpackError.system("lchown", entry.path, errno: errno)
        }
        // Symlink modes mean nothing on Linux; other nodes were just created here by mknodat,
        // so the name is not a symlink and fchmodat cannot be redirected.
        if !isSymlink, fchmodat(parentFD, name, mode_t(entry.mode), 0) != 0 {
            throw UnpackError.system("chmod", entry.path, errno: errno)
        }
        let procPath = "/proc/self/fd/\(parentFD)/\(name)"
        for (xname, value) in entry.xattrs.sorted(by: { $0.key < $1.key }) where try acceptXattr(xname, entry: entry) {
            if UnpackSys.setXattr(path: procPath, xname, value) != 0 {
                // user.* xattrs are not allowed on symlinks and devices; tar would skip them too.
                if errno == EPERM && xname.hasPrefix("user.") { continue }
                throw UnpackError.system("lsetxattr \(xname)", entry.path, errno: errno)
            }
        }
        var times = Self.timespecs((entry.mtimeSeconds, entry.mtimeNanoseconds))
        if utimensat(parentFD, name, &times, AT_SYMLINK_NOFOLLOW) != 0 {
            throw UnpackError.system("utimensat", entry.path, errno: errno)
        }
    }

    /// overlayfs' own xattrs (redirects, metacopy, opaque) would steer the merge; a layer may
    /// only express them through whiteout entries.
    private func acceptXattr(_ name: String, entry: TarEntry) throws -> Bool {
        if name.hasPrefix("trusted.overlay.") {
            logger.warning("ignoring overlayfs xattr in layer entry", metadata: ["entry": "\(entry.path)", "xattr": "\(name)"])
            return false
        }
        return true
    }

    private static func timespecs(_ time: (Int64, Int32)) -> [timespec] {
        let spec = timespec(tv_sec: Int(time.0), tv_nsec: Int(time.1))
        return [spec, spec]
    }
}
