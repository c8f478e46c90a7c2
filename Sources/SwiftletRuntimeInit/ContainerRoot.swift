import CRuntimeShim
import Glibc

/// Resolves container paths inside the rootfs with openat2(`RESOLVE_IN_ROOT |
/// RESOLVE_NO_MAGICLINKS`): absolute symlinks and `..` are interpreted relative to the
/// rootfs, so a symlink in an image (`/mnt -> /etc`, `x -> ../../..`) can never make a mount
/// point, a device node or a mount land on the host. Mounts then target the resolved
/// O_PATH descriptor through `/proc/self/fd/N`.
struct ContainerRoot {
    /// O_PATH descriptor of the rootfs (after it was bind-mounted onto itself).
    let fd: Int32
    /// The rootfs host path, for messages.
    let path: String

    static let resolveFlags = SHIM_RESOLVE_IN_ROOT | SHIM_RESOLVE_NO_MAGICLINKS

    /// Opens `containerPath` (with O_PATH unless `flags` say otherwise); -1 with errno on failure.
    func open(_ containerPath: String, flags: Int32 = O_PATH) -> Int32 {
        shim_openat2(fd, containerPath, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), 0, Self.resolveFlags)
    }

    /// `/proc/self/fd/N`, the name mount(2) follows to the descriptor's file.
    static func procPath(_ fd: Int32) -> String { "/proc/self/fd/\(fd)" }

    /// The host-side description of a container path for error messages.
    func describe(_ containerPath: String) -> String { "\(containerPath) in \(path)" }

    /// Creates the directory `containerPath` and its missing parents (mode 0755), each
    /// component resolved inside the root; returns an O_PATH descriptor of it. A dangling
    /// symlink on the way is followed (inside the root) and its target created, as runc's
    /// MkdirAllInRoot does.
    func makeDirectories(_ containerPath: String) throws(RuntimeInitError) -> Int32 {
        let existing = open(containerPath, flags: O_PATH | O_DIRECTORY)
        if existing >= 0 { return existing }
        if Sys.errno != ENOENT { throw Sys.error("openat2", describe(containerPath)) }

        var components = containerPath.split(separator: "/").map(String.init)
        var parent = open("/", flags: O_PATH | O_DIRECTORY)
        if parent < 0 { throw Sys.error("openat2", describe("/")) }
        var index = 0
        var symlinks = 0
        while index < components.count {
            let prefix = "/" + components[0...index].joined(separator: "/")
            var next = open(prefix, flags: O_PATH | O_DIRECTORY)
            if next < 0 && Sys.errno == ENOENT {
                if let target = Self.readLink(parent, components[index]) {
                    // A dangling symlink: continue along its target, resolved in the root.
                    symlinks += 1
                    if symlinks > 40 {
                        close(parent)
                        throw .systemCall("openat2", describe(containerPath), errno: ELOOP)
                    }
                    let base = target.hasPrefix("/") ? [] : Array(components[0..<index])
                    components = base + target.split(separator: "/").map(String.init) + components[(index + 1)...]
                    close(parent)
                    parent = open("/", flags: O_PATH | O_DIRECTORY)
                    if parent < 0 { throw Sys.error("openat2", describe("/")) }
                    index = 0
                    continue
                }
                if mkdirat(parent, components[index], 0o755) != 0 && Sys.errno != EEXIST {
                    let e = Sys.error("mkdir", describe(prefix))
                    close(parent)
                    throw e
                }
                next = open(prefix, flags: O_PATH | O_DIRECTORY)
            }
            if next < 0 {
                let e = Sys.error("openat2", describe(prefix))
                close(parent)
                throw e
            }
            close(parent)
            parent = next
            index += 1
        }
        return parent
    }

    /// Ensures a regular file exists at `containerPath` (creating it empty, and its
    /// parents, when missing); returns an O_PATH descriptor of it.
    func makeFile(_ containerPath: String, symlinksFollowed: Int = 0) throws(RuntimeInitError) -> Int32 {
        let existing = open(containerPath)
        if existing >= 0 { return existing }
        if Sys.errno != ENOENT { throw Sys.error("openat2", describe(containerPath)) }
        let parentPath = Sys.parentDirectory(containerPath)
        let name = Sys.baseName(containerPath)
        let dirFd = try makeDirectories(parentPath)
        defer { close(dirFd) }
        // O_EXCL|O_NOFOLLOW: never follow a symlink at the final component on the host side.
        let created = openat(dirFd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if created >= 0 {
            close(created)
        } else if Sys.errno == EEXIST, let target = Self.readLink(dirFd, name) {
            if symlinksFollowed >= 40 { throw .systemCall("openat2", describe(containerPath), errno: ELOOP) }
            let next = target.hasPrefix("/") ? target : parentPath + "/" + target
            return try makeFile(next, symlinksFollowed: symlinksFollowed + 1)
        } else if Sys.errno != EEXIST {
            throw Sys.error("create", describe(containerPath))
        }
        let fd = open(containerPath)
        if fd < 0 { throw Sys.error("openat2", describe(containerPath)) }
        return fd
    }

    /// The target of the symlink `name` in directory `dirFd`, nil if it is not a symlink.
    static func readLink(_ dirFd: Int32, _ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        let n = readlinkat(dirFd, name, &buffer, buffer.count)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
