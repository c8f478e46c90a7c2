import CRuntimeShim
import Glibc

/// The OCI `cgroup` mount: the container sees its own cgroup at the destination.
///
/// - cgroup v2 host (`/sys/fs/cgroup` is cgroup2): with a cgroup namespace a fresh cgroup2
///   mount (rooted at the container's cgroup by the namespace); without one, a bind of the
///   container's own cgroup directory.
/// - cgroup v1 or hybrid host: a tmpfs at the destination holding one entry per hierarchy
///   (named like the host's mount points, plus symlinks for co-mounted controllers such as
///   `cpu,cpuacct`): fresh v1/v2 mounts when in a cgroup namespace, else binds of the
///   container's cgroup directory in each hierarchy. The tmpfs gets the mount's flags (ro)
///   last.
///
/// Runs after the monitor moved the init into its cgroups, so `/proc/self/cgroup` is final.
extension ContainerInit {
    func mountCgroup(_ mount: InitPlan.Mount, in root: ContainerRoot) throws(RuntimeInitError) {
        let destination = mount.destination
        let mounts = MountInfo.read()
        let ownCgroups = Self.readOwnCgroups()
        let inCgroupNamespace = plan.createNamespaces & Namespace.cgroup != 0 || plan.joinNamespaces.contains { $0.type == Namespace.cgroup }
        let hierarchyFlags = mount.flags & ~MountFlag.remount

        if let unified = mounts.last(where: { $0.mountPoint == "/sys/fs/cgroup" }), unified.fsType == "cgroup2" {
            let target = try root.makeDirectories(destination)
            defer { close(target) }
            if inCgroupNamespace {
                if shim_mount("cgroup2", ContainerRoot.procPath(target), "cgroup2", hierarchyFlags, nil) != 0 {
                    throw Sys.error("mount", "cgroup2 on \(root.describe(destination))")
                }
            } else {
                let source = Self.hostDirectory(of: unified, cgroupPath: ownCgroups[""] ?? "/")
                try bindHierarchy(source, onto: destination, flags: hierarchyFlags, in: root)
            }
            return
        }

        let tmpfsTarget = try root.makeDirectories(destination)
        let rc = shim_mount("tmpfs", ContainerRoot.procPath(tmpfsTarget), "tmpfs", hierarchyFlags & ~MountFlag.readOnly, "mode=755")
        close(tmpfsTarget)
        if rc != 0 { throw Sys.error("mount", "tmpfs on \(root.describe(destination)) (cgroup v1 hierarchies)") }

        for hierarchy in mounts where hierarchy.fsType == "cgroup" || hierarchy.fsType == "cgroup2" {
            guard hierarchy.mountPoint.hasPrefix("/sys/fs/cgroup/") else { continue }
            let name = Sys.baseName(hierarchy.mountPoint)
            let controllers = hierarchy.fsType == "cgroup2" ? [] : hierarchy.superOptions.filter { Self.isController($0) }
            let key = hierarchy.fsType == "cgroup2" ? "" : controllers.sorted().joined(separator: ",")
            let childDestination = destination.normalizedPath + "/" + name
            if inCgroupNamespace {
                let target = try root.makeDirectories(childDestination)
                let (fsType, data) = hierarchy.fsType == "cgroup2" ? ("cgroup2", nil) : ("cgroup", controllers.joined(separator: ","))
                let rc = shim_mount("cgroup", ContainerRoot.procPath(target), fsType, hierarchyFlags, data)
                close(target)
                if rc != 0 { throw Sys.error("mount", "\(fsType) \(data ?? "") on \(root.describe(childDestination))") }
            } else {
                guard let path = ownCgroups[key] else { continue }
                try bindHierarchy(Self.hostDirectory(of: hierarchy, cgroupPath: path), onto: childDestination, flags: hierarchyFlags, in: root)
            }
            if name.contains(",") {
                let parent = root.open(destination)
                if parent >= 0 {
                    for controller in name.split(separator: ",") {
                        _ = symlinkat(name, parent, String(controller))
                    }
                    close(parent)
                }
            }
        }
        if hierarchyFlags != 0 {
            let mounted = root.open(destination)
            if mounted < 0 { throw Sys.error("openat2", root.describe(destination)) }
            defer { close(mounted) }
            try remountBind(ContainerRoot.procPath(mounted), flags: hierarchyFlags, describe: root.describe(destination))
        }
    }

    private func bindHierarchy(_ source: String, onto destination: String, flags: UInt, in root: ContainerRoot) throws(RuntimeInitError) {
        let target = try root.makeDirectories(destination)
        let rc = shim_mount(source, ContainerRoot.procPath(target), nil, MountFlag.bind | MountFlag.recursive, nil)
        close(target)
        if rc != 0 { throw Sys.error("mount", "bind \(source) on \(root.describe(destination))") }
        if flags != 0 {
            let mounted = root.open(destination)
            if mounted < 0 { throw Sys.error("openat2", root.describe(destination)) }
            defer { close(mounted) }
            try remountBind(ContainerRoot.procPath(mounted), flags: flags, describe: root.describe(destination))
        }
    }

    /// Host directory of `cgroupPath` in the hierarchy mounted at `mount`.
    static func hostDirectory(of mount: MountInfo, cgroupPath: String) -> String {
        var relative = Substring(cgroupPath)
        if mount.root != "/" && relative.hasPrefix(mount.root) { relative = relative.dropFirst(mount.root.count) }
        let trimmed = relative.split(separator: "/").joined(separator: "/")
        return trimmed.isEmpty ? mount.mountPoint : mount.mountPoint + "/" + trimmed
    }

    /// `/proc/self/cgroup` as controller list (`cpu,cpuacct`, `name=systemd`, `` for v2) → path.
    static func readOwnCgroups() -> [String: String] {
        guard let bytes = try? Sys.readFile("/proc/self/cgroup") else { return [:] }
        var result: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let controllers = parts[1].split(separator: ",").sorted().joined(separator: ",")
            result[controllers] = String(parts[2])
        }
        return result
    }

    /// Super options of a v1 cgroup mount that name its controllers (not rw/ro, etc.).
    static func isController(_ option: Substring) -> Bool {
        !["rw", "ro", "nosuid", "nodev", "noexec", "relatime", "noatime", "clone_children", "nsdelegate", "memory_recursiveprot", "xattr"].contains(option)
            && !option.hasPrefix("release_agent=")
    }
}
