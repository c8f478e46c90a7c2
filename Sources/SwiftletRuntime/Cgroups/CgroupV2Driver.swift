import Logging

/// The cgroup v2 driver: one unified hierarchy mounted at `root`.
///
/// `create` enables the managed controllers in `cgroup.subtree_control` of every ancestor (from
/// the root down to the new cgroup's parent), because a v2 cgroup only gets a controller's files
/// when its parent delegates it. The new leaf itself delegates nothing: tasks live in leaves
/// ("no internal processes").
public struct CgroupV2Driver: CgroupDriver {
    /// The controllers enabled for descendants by default, in kernel order, when available.
    public static let defaultControllers = ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"]

    public var version: CgroupVersion { .v2 }
    /// The cgroup2 mount (`/sys/fs/cgroup`).
    public let root: String
    /// The controllers `create` enables in ancestors' `cgroup.subtree_control` when available.
    public let controllers: [String]

    let fs: CgroupFS
    let procSelfCgroup: String
    let logger: Logger

    /// Creates a driver for the cgroup2 hierarchy mounted at `root`.
    ///
    /// - Parameter controllers: the controllers to delegate down to new cgroups (only those listed
    ///   in an ancestor's `cgroup.controllers` are written).
    public init(
        root: String = "/sys/fs/cgroup", controllers: [String] = defaultControllers,
        logger: Logger = Logger(label: "swiftlet.cgroups")
    ) {
        self.init(root: root, controllers: controllers, fs: CgroupFS(), logger: logger)
    }

    /// Creates a driver with explicit file access and `/proc/self/cgroup` location (tests).
    package init(
        root: String, controllers: [String] = defaultControllers, fs: CgroupFS,
        procSelfCgroup: String = "/proc/self/cgroup", logger: Logger = Logger(label: "swiftlet.cgroups")
    ) {
        self.root = root
        self.controllers = controllers
        self.fs = fs
        self.procSelfCgroup = procSelfCgroup
        self.logger = logger
    }

    /// The cleaned absolute cgroup path. Relative paths go under the parent of this process's own
    /// cgroup, as runc does (the own cgroup holds tasks, so it cannot delegate controllers).
    func resolve(_ path: String) -> String {
        let cleaned = CgroupPath.clean(path)
        if cleaned.hasPrefix("/") {
            return cleaned
        }
        let own = CgroupPath.parseProcCgroup((try? fs.read(procSelfCgroup)) ?? "").unified ?? "/"
        let parent = CgroupPath.components(CgroupPath.clean(own)).dropLast().joined(separator: "/")
        return CgroupPath.clean("/" + parent + "/" + cleaned)
    }

    private func directory(for cgroupPath: String) -> String {
        cgroupPath == "/" ? root : root + cgroupPath
    }

    public func create(path: String) throws -> any CgroupHandle {
        let cleaned = resolve(path)
        let components = CgroupPath.components(cleaned)
        var available = words(try fs.read(root + "/cgroup.controllers"))
        var current = root
        var created: [String] = []
        do {
            for component in components {
                let enabled = try enableControllers(in: current, available: available)
                let next = current + "/" + component
                if try fs.mkdir(next) {
                    created.append(next)
                }
                // A fresh simulated directory has no cgroup.controllers; the kernel would show
                // exactly what the parent enabled.
                available = try fs.readIfExists(next + "/cgroup.controllers").map(words) ?? enabled
                current = next
            }
        } catch {
            fs.removeCreated(created)
            throw error
        }
        logger.debug("created cgroup", metadata: ["cgroup": "\(cleaned)", "version": "v2"])
        return CgroupV2Handle(path: cleaned, directory: directory(for: cleaned), fs: fs, logger: logger)
    }

    public func open(path: String) -> any CgroupHandle {
        let cleaned = resolve(path)
        return CgroupV2Handle(path: cleaned, directory: directory(for: cleaned), fs: fs, logger: logger)
    }

    /// Writes the missing wanted controllers to `dir/cgroup.subtree_control` in one write, or one
    /// by one if the kernel refuses the batch; returns what `dir` now delegates.
    private func enableControllers(in dir: String, available: [String]) throws -> [String] {
        let current = try fs.readIfExists(dir + "/cgroup.subtree_control").map(words) ?? []
        let wanted = controllers.filter { available.contains($0) }
        let missing = wanted.filter { !current.contains($0) }
        if missing.isEmpty {
            return current
        }
        do {
            try fs.write(dir, "cgroup.subtree_control", missing.map { "+" + $0 }.joined(separator: " "))
            return current + missing
        } catch {
            var enabled = current
            for controller in missing {
                do {
                    try fs.write(dir, "cgroup.subtree_control", "+" + controller)
                    enabled.append(controller)
                } catch {
                    // Applying a limit that needs it will then fail naming the missing file.
                    logger.debug(
                        "cannot enable cgroup controller",
                        metadata: ["controller": "\(controller)", "cgroup": "\(dir)", "error": "\(error)"])
                }
            }
            return enabled
        }
    }

    private func words(_ content: String) -> [String] {
        content.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }
}
