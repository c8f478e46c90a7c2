import CRuntimeShim
import Foundation

/// A pod's network namespace, kept alive by a bind mount at `<runDir>/netns/<name>` so it
/// persists with no process in it, the way `ip netns add` keeps `/run/netns/<name>`.
///
/// Containers join it by path (OCI `linux.namespaces[{type: network, path: …}]`) and CNI
/// plugins get the path as `CNI_NETNS`. Creating one never moves a thread of the calling
/// process into another namespace: a short-lived child made with clone(2) does the unshare
/// and the bind mount, so this is safe from any Swift concurrency thread.
public struct PodNetworkNamespace: Sendable, Hashable {
    /// Where the agent keeps volatile state; namespaces go under `<runDir>/netns`.
    public static let defaultRunDir = "/run/swiftlet"

    /// The name, one path component (the agent uses the pod sandbox ID).
    public let name: String
    /// The agent's run directory this namespace lives under.
    public let runDir: String

    /// `<runDir>/netns/<name>`: the bind-mounted namespace file.
    public var path: String { Self.path(name: name, runDir: runDir) }

    private init(name: String, runDir: String) {
        self.name = name
        self.runDir = runDir
    }

    /// `<runDir>/netns`.
    public static func directory(runDir: String = defaultRunDir) -> String { "\(runDir)/netns" }

    /// `<runDir>/netns/<name>`, whether or not it exists.
    public static func path(name: String, runDir: String = defaultRunDir) -> String {
        "\(directory(runDir: runDir))/\(name)"
    }

    /// Creates a new, empty network namespace (only a down `lo`) bind-mounted at
    /// `<runDir>/netns/<name>`.
    ///
    /// The first call makes `<runDir>/netns` a private bind mount of itself, so the namespace
    /// mounts under it never propagate into, or get pinned by, other mount namespaces.
    /// - Throws: `NetworkError.invalid` for a bad name, `NetworkError.system` naming the call
    ///   and path (EEXIST when the name is taken).
    public static func create(name: String, runDir: String = defaultRunDir) throws -> PodNetworkNamespace {
        try validate(name: name)
        let dir = directory(runDir: runDir)
        try AtomicFile.makeDirectories(dir, mode: 0o755)
        try ensurePrivateMount(dir)

        let target = path(name: name, runDir: runDir)
        // The bind mount needs an existing file to cover; mode 0 as `ip netns add` makes it.
        let fd = Glibc.open(target, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0)
        guard fd >= 0 else { throw NetworkError.system("create", target, errno: errno) }
        close(fd)

        var step: Int32 = 0
        if shim_netns_create(target, &step) != 0 {
            let e = errno
            // The child may have been reaped by someone else (ECHILD) after it succeeded.
            if !isNetworkNamespace(target) {
                unlink(target)
                let call = step == 1 ? "unshare(CLONE_NEWNET)" : step == 2 ? "mount(bind /proc/self/ns/net)" : "clone"
                throw NetworkError.system(call, target, errno: e)
            }
        }
        return PodNetworkNamespace(name: name, runDir: runDir)
    }

    /// The existing namespace `name`.
    /// - Throws: `NetworkError.notFound` when `<runDir>/netns/<name>` is missing or is not a
    ///   mounted network namespace.
    public static func open(name: String, runDir: String = defaultRunDir) throws -> PodNetworkNamespace {
        try validate(name: name)
        let target = path(name: name, runDir: runDir)
        guard isNetworkNamespace(target) else {
            throw NetworkError.notFound("network namespace \(target): not found (or not a mounted network namespace)")
        }
        return PodNetworkNamespace(name: name, runDir: runDir)
    }

    /// Whether the namespace file is still a mounted network namespace.
    public var exists: Bool { Self.isNetworkNamespace(path) }

    /// Opens the namespace file for setns(2); the caller closes the descriptor.
    /// - Throws: `NetworkError.system` when it cannot be opened.
    public func openDescriptor() throws -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NetworkError.system("open", path, errno: errno) }
        return fd
    }

    /// The namespace's inode number (as in `net:[4026532177]`), which identifies it.
    /// - Throws: `NetworkError.system` when the file cannot be read.
    public func inode() throws -> UInt64 {
        var st = stat()
        guard stat(path, &st) == 0 else { throw NetworkError.system("stat", path, errno: errno) }
        return UInt64(st.st_ino)
    }

    /// Unmounts and deletes the namespace file; the namespace itself goes away once no
    /// process is left in it. Removing a namespace that is already gone succeeds.
    /// - Throws: `NetworkError.system` when unmounting or unlinking fails for another reason.
    public func remove() throws {
        try Self.remove(name: name, runDir: runDir)
    }

    /// Unmounts and deletes `<runDir>/netns/<name>`; succeeds when it does not exist.
    /// - Throws: `NetworkError.invalid` for a bad name, `NetworkError.system` otherwise.
    public static func remove(name: String, runDir: String = defaultRunDir) throws {
        try validate(name: name)
        let target = path(name: name, runDir: runDir)
        // MNT_DETACH as `ip netns delete` does: a process still holding it open keeps the
        // namespace, not the mount.
        while shim_umount2(target, Int32(MNT_DETACH)) == 0 {}
        let e = errno
        if e != EINVAL && e != ENOENT { throw NetworkError.system("umount2", target, errno: e) }
        if unlink(target) != 0 && errno != ENOENT { throw NetworkError.system("unlink", target, errno: errno) }
    }

    /// Names of every namespace file under `<runDir>/netns`, sorted, for the agent's orphan
    /// cleanup at start (names it no longer knows are removed). A missing directory lists as empty.
    /// - Throws: `NetworkError.system` when the directory cannot be read.
    public static func listNamespaces(runDir: String = defaultRunDir) throws -> [String] {
        let dir = directory(runDir: runDir)
        guard let handle = opendir(dir) else {
            if errno == ENOENT { return [] }
            throw NetworkError.system("opendir", dir, errno: errno)
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        return names.sorted()
    }

    /// Undoes the self bind mount of `<runDir>/netns` once no namespace is left in it (for
    /// tests and uninstall; the agent keeps it). Succeeds when it is not a mount point.
    /// - Throws: `NetworkError.invalid` while namespaces remain, `NetworkError.system` otherwise.
    public static func unmountDirectory(runDir: String = defaultRunDir) throws {
        let remaining = try listNamespaces(runDir: runDir)
        guard remaining.isEmpty else {
            throw NetworkError.invalid(
                "\(directory(runDir: runDir)): still holds network namespaces \(remaining.joined(separator: ", "))")
        }
        let dir = directory(runDir: runDir)
        while shim_umount2(dir, Int32(MNT_DETACH)) == 0 {}
        if errno != EINVAL && errno != ENOENT { throw NetworkError.system("umount2", dir, errno: errno) }
    }

    /// Whether `path` is a mounted network namespace (NS_GET_NSTYPE says CLONE_NEWNET).
    static func isNetworkNamespace(_ path: String) -> Bool {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return UInt(bitPattern: Int(shim_ns_get_type(fd))) == UInt(SHIM_CLONE_NEWNET)
    }

    /// Names become file names under `<runDir>/netns`, so one path component, no hidden files.
    static func validate(name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 255, !name.hasPrefix("."), !name.contains("/"),
            !name.contains("\0")
        else {
            throw NetworkError.invalid(
                "network namespace name \"\(name)\": must be a non-empty file name without \"/\" and not starting with \".\"")
        }
    }

    /// Makes `dir` a mount point with private propagation, serialized across threads and
    /// processes by flock on the directory: namespace files bind-mounted below it neither
    /// propagate nor pin other mount namespaces.
    /// - Throws: `NetworkError.system` naming the failing call.
    public static func ensurePrivateMount(_ dir: String) throws {
        let lock = Glibc.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lock >= 0 else { throw NetworkError.system("open", dir, errno: errno) }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            if errno != EINTR { throw NetworkError.system("flock", dir, errno: errno) }
        }
        defer { flock(lock, LOCK_UN) }
        if shim_mount("", dir, "none", UInt(MS_PRIVATE), nil) == 0 { return }
        // EINVAL: not a mount point yet.
        guard errno == EINVAL else { throw NetworkError.system("mount(MS_PRIVATE)", dir, errno: errno) }
        guard shim_mount(dir, dir, "none", UInt(MS_BIND | MS_REC), nil) == 0 else {
            throw NetworkError.system("mount(bind)", dir, errno: errno)
        }
        guard shim_mount("", dir, "none", UInt(MS_PRIVATE), nil) == 0 else {
            throw NetworkError.system("mount(MS_PRIVATE)", dir, errno: errno)
        }
    }
}
