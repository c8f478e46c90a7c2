import CRuntimeShim
import Glibc

/// Mount setup in the container's new mount namespace, in runc's order: propagation of `/`,
/// the rootfs bound onto itself, the plan's mounts (destinations resolved inside the
/// rootfs), devices and `/dev` symlinks, pivot_root, sysctls, read-only and masked paths,
/// and finally the read-only root.
extension ContainerInit {
    func setUpRootfs() throws(RuntimeInitError) {
        let rootfs = plan.rootfs
        let propagation = plan.rootfsPropagation == 0 ? MountFlag.slave | MountFlag.recursive : plan.rootfsPropagation
        if shim_mount(nil, "/", nil, propagation, nil) != 0 {
            throw Sys.error("mount", "/, propagation 0x\(String(propagation, radix: 16))")
        }
        if propagation & MountFlag.shared != 0 {
            // pivot_root refuses a new root whose parent mount is shared.
            try makeParentMountPrivate(of: rootfs)
        }
        if shim_mount(rootfs, rootfs, nil, MountFlag.bind | MountFlag.recursive, nil) != 0 {
            throw Sys.error("mount", "bind \(rootfs) onto itself")
        }
        let rootFd = Glibc.open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)
        if rootFd < 0 { throw Sys.error("open", rootfs) }
        defer { close(rootFd) }
        let root = ContainerRoot(fd: rootFd, path: rootfs)

        for mount in plan.mounts {
            try perform(mount, in: root)
        }
        if plan.cwd != "/" {
            // runc creates a missing working directory; a failure surfaces at chdir.
            if let fd = try? root.makeDirectories(plan.cwd) { close(fd) }
        }
        try createDevices(in: root)
        if plan.mounts.contains(where: { $0.destination.normalizedPath == "/dev" && !$0.isBind }) {
            try createDevSymlinks(in: root)
        }
        try pivotRoot(rootFd: rootFd, rootfs: rootfs)
        try applySysctls()
        for path in plan.readonlyPaths { try makeReadonly(path) }
        for path in plan.maskedPaths { try mask(path) }
        if plan.rootfsReadonly {
            try remountBind("/", flags: MountFlag.readOnly, describe: "/ (read-only root)")
        }
    }

    /// True when the init runs in a user namespace it created or joined: device nodes must
    /// then be bound from the host (mknod is not allowed) and remounts keep locked flags.
    var inUserNamespace: Bool {
        plan.createNamespaces & Namespace.user != 0 || plan.joinNamespaces.contains { $0.type == Namespace.user }
    }

    // MARK: - Mounts

    private func perform(_ mount: InitPlan.Mount, in root: ContainerRoot) throws(RuntimeInitError) {
        let destination = mount.destination
        if mount.isBind {
            var st = stat()
            if stat(mount.source, &st) != 0 { throw Sys.error("stat", "bind source \(mount.source) for \(destination)") }
            let isDirectory = st.st_mode & S_IFMT == S_IFDIR
            let target = isDirectory ? try root.makeDirectories(destination) : try root.makeFile(destination)
            let bindFlags = MountFlag.bind | (mount.recursive ? MountFlag.recursive : 0)
            let rc = shim_mount(mount.source, ContainerRoot.procPath(target), nil, bindFlags, nil)
            close(target)
            if rc != 0 { throw Sys.error("mount", "bind \(mount.source) on \(root.describe(destination))") }
            let remountable = mount.flags & ~(MountFlag.remount | MountFlag.bind | MountFlag.recursive)
            if remountable != 0 {
                // The new mount is only reachable by reopening the path: the old descriptor
                // still names the directory underneath it.
                let mounted = root.open(destination)
                if mounted < 0 { throw Sys.error("openat2", root.describe(destination)) }
                defer { close(mounted) }
                try remountBind(ContainerRoot.procPath(mounted), flags: remountable, describe: root.describe(destination))
            }
        } else if mount.type == "cgroup" || mount.type == "cgroup2" {
            try mountCgroup(mount, in: root)
        } else {
            let target = try root.makeDirectories(destination)
            let rc = shim_mount(mount.source, ContainerRoot.procPath(target), mount.type, mount.flags, mount.data.isEmpty ? nil : mount.data)
            let err = Sys.errno
            close(target)
            if rc != 0 {
                // In a user namespace sysfs needs an owned network namespace and mqueue an
                // owned IPC namespace; without them runc binds the host's instead.
                if err == EPERM && inUserNamespace, let hostPath = ["sysfs": "/sys", "mqueue": "/dev/mqueue"][mount.type] {
                    try bindFallback(hostPath, onto: destination, flags: mount.flags, in: root)
                } else {
                    let data = mount.data.isEmpty ? "" : ", data \(mount.data)"
                    throw .systemCall("mount", "\(mount.source) on \(root.describe(destination)), type \(mount.type)\(data)", errno: err)
                }
            }
        }
        if mount.propagation != 0 {
            let mounted = root.open(destination)
            if mounted < 0 { throw Sys.error("openat2", root.describe(destination)) }
            defer { close(mounted) }
            if shim_mount(nil, ContainerRoot.procPath(mounted), nil, mount.propagation, nil) != 0 {
                throw Sys.error("mount", "\(root.describe(destination)), propagation 0x\(String(mount.propagation, radix: 16))")
            }
        }
    }

    private func bindFallback(_ hostPath: String, onto destination: String, flags: UInt, in root: ContainerRoot) throws(RuntimeInitError) {
        let target = try root.makeDirectories(destination)
        let rc = shim_mount(hostPath, ContainerRoot.procPath(target), nil, MountFlag.bind | MountFlag.recursive, nil)
        close(target)
        if rc != 0 { throw Sys.error("mount", "bind \(hostPath) on \(root.describe(destination))") }
        let remountable = flags & ~MountFlag.remount
        if remountable != 0 {
            let mounted = root.open(destination)
            if mounted < 0 { throw Sys.error("openat2", root.describe(destination)) }
            defer { close(mounted) }
            try remountBind(ContainerRoot.procPath(mounted), flags: remountable, describe: root.describe(destination))
        }
    }

    /// Bind-remounts `path` with `flags`. In a user namespace the kernel refuses to clear
    /// flags it locked on the original mount (nosuid, nodev, noexec, atime); on EPERM the
    /// mount's current locked flags are added and the remount retried, as runc does.
    func remountBind(_ path: String, flags: UInt, describe: String) throws(RuntimeInitError) {
        let base = MountFlag.bind | MountFlag.remount
        if shim_mount(nil, path, nil, base | flags, nil) == 0 { return }
        let firstErrno = Sys.errno
        var vfs = statvfs()
        if firstErrno == EPERM && statvfs(path, &vfs) == 0 {
            let locked = Self.mountFlags(fromStatvfs: UInt(vfs.f_flag))
            if shim_mount(nil, path, nil, base | flags | locked, nil) == 0 { return }
        }
        throw .systemCall("mount", "remount \(describe), flags 0x\(String(flags, radix: 16))", errno: firstErrno)
    }

    /// `ST_*` statvfs flags to the `MS_*` flags a remount must keep.
    static func mountFlags(fromStatvfs f: UInt) -> UInt {
        var flags: UInt = 0
        if f & 1 != 0 { flags |= MountFlag.readOnly }       // ST_RDONLY
        if f & 2 != 0 { flags |= MountFlag.noSuid }         // ST_NOSUID
        if f & 4 != 0 { flags |= MountFlag.noDev }          // ST_NODEV
        if f & 8 != 0 { flags |= MountFlag.noExec }         // ST_NOEXEC
        if f & 1024 != 0 { flags |= MountFlag.noAtime }     // ST_NOATIME
        if f & 2048 != 0 { flags |= MountFlag.noDirAtime }  // ST_NODIRATIME
        if f & 4096 != 0 { flags |= MountFlag.relatime }    // ST_RELATIME
        return flags
    }

    /// Makes the mount that contains `path` private (non-recursively).
    private func makeParentMountPrivate(of path: String) throws(RuntimeInitError) {
        var best = "/"
        for entry in MountInfo.read() where path == entry.mountPoint || path.hasPrefix(entry.mountPoint == "/" ? "/" : entry.mountPoint + "/") {
            if entry.mountPoint.count > best.count { best = entry.mountPoint }
        }
        if shim_mount(nil, best, nil, MountFlag.private, nil) != 0 {
            throw Sys.error("mount", "\(best), make private (parent mount of the rootfs)")
        }
    }

    // MARK: - Devices

    private func createDevices(in root: ContainerRoot) throws(RuntimeInitError) {
        for device in plan.devices {
            let parent = try root.makeDirectories(Sys.parentDirectory(device.path))
            defer { close(parent) }
            let name = Sys.baseName(device.path)
            if !inUserNamespace {
                let kind: UInt32
                switch device.type {
                case UInt8(ascii: "b"): kind = S_IFBLK
                case UInt8(ascii: "p"): kind = S_IFIFO
                default: kind = S_IFCHR
                }
                let dev = shim_makedev(device.major, device.minor)
                if mknodat(parent, name, kind | (device.mode & 0o7777), dev_t(dev)) == 0 || Sys.errno == EEXIST {
                    if fchownat(parent, name, device.uid, device.gid, AT_SYMLINK_NOFOLLOW) != 0 {
                        throw Sys.error("chown", "device \(root.describe(device.path)) to \(device.uid):\(device.gid)")
                    }
                    continue
                }
                if Sys.errno != EPERM { throw Sys.error("mknod", "device \(root.describe(device.path))") }
            }
            // In a user namespace (or without CAP_MKNOD) bind the host's node instead.
            let target = try root.makeFile(device.path)
            let rc = shim_mount(device.path, ContainerRoot.procPath(target), nil, MountFlag.bind, nil)
            close(target)
            if rc != 0 { throw Sys.error("mount", "bind host device \(device.path) on \(root.describe(device.path))") }
        }
    }

    private func createDevSymlinks(in root: ContainerRoot) throws(RuntimeInitError) {
        let dev = root.open("/dev", flags: O_PATH | O_DIRECTORY)
        if dev < 0 { throw Sys.error("openat2", root.describe("/dev")) }
        defer { close(dev) }
        var links = [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")]
        if access("/proc/kcore", F_OK) == 0 { links.append(("core", "/proc/kcore")) }
        if plan.mounts.contains(where: { $0.destination.normalizedPath == "/dev/pts" && $0.type == "devpts" }) {
            // The devpts instance's ptmx must be the one the container uses.
            _ = unlinkat(dev, "ptmx", 0)
            links.append(("ptmx", "pts/ptmx"))
        }
        for (name, target) in links {
            if symlinkat(target, dev, name) != 0 && Sys.errno != EEXIST {
                throw Sys.error("symlink", "\(root.describe("/dev/" + name)) -> \(target)")
            }
        }
    }

    // MARK: - pivot_root and after

    /// pivot_root(".", ".") stacks the old root on top of the new one at the same place;
    /// it is made a slave (so the unmount does not propagate to the host) and detached.
    private func pivotRoot(rootFd: Int32, rootfs: String) throws(RuntimeInitError) {
        if fchdir(rootFd) != 0 { throw Sys.error("chdir", rootfs) }
        if shim_pivot_root(".", ".") != 0 { throw Sys.error("pivot_root", rootfs) }
        if shim_mount(nil, ".", nil, MountFlag.slave | MountFlag.recursive, nil) != 0 {
            throw Sys.error("mount", "old root, make rslave")
        }
        if shim_umount2(".", Int32(MNT_DETACH)) != 0 { throw Sys.error("umount2", "old root") }
        if chdir("/") != 0 { throw Sys.error("chdir", "/") }
    }

    private func applySysctls() throws(RuntimeInitError) {
        for sysctl in plan.sysctls {
            let path = "/proc/sys/" + String(sysctl.key.map { $0 == "." ? "/" : $0 })
            let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
            if fd < 0 { throw Sys.error("open", path, hint: "sysctl \(sysctl.key)") }
            defer { close(fd) }
            if !Sys.writeAll(fd, sysctl.value) {
                throw Sys.error("write", path, hint: "sysctl \(sysctl.key)=\(sysctl.value)")
            }
        }
    }

    /// After pivot_root the root is the container's, so plain paths cannot escape it.
    private func makeReadonly(_ path: String) throws(RuntimeInitError) {
        var st = stat()
        if stat(path, &st) != 0 {
            if Sys.errno == ENOENT { return }
            throw Sys.error("stat", "read-only path \(path)")
        }
        if shim_mount(path, path, nil, MountFlag.bind | MountFlag.recursive, nil) != 0 {
            throw Sys.error("mount", "bind read-only path \(path)")
        }
        try remountBind(path, flags: MountFlag.readOnly, describe: path)
    }

    private func mask(_ path: String) throws(RuntimeInitError) {
        var st = stat()
        if stat(path, &st) != 0 {
            if Sys.errno == ENOENT { return }
            throw Sys.error("stat", "masked path \(path)")
        }
        if st.st_mode & S_IFMT == S_IFDIR {
            if shim_mount("tmpfs", path, "tmpfs", MountFlag.readOnly, nil) != 0 {
                throw Sys.error("mount", "read-only tmpfs over masked directory \(path)")
            }
        } else if shim_mount("/dev/null", path, nil, MountFlag.bind, nil) != 0 {
            throw Sys.error("mount", "bind /dev/null over masked path \(path)")
        }
    }
}

extension String {
    /// The path without trailing slashes and duplicate separators (`/dev/` → `/dev`).
    var normalizedPath: String {
        "/" + split(separator: "/").joined(separator: "/")
    }
}
