import Logging

/// The cgroup v1 driver: one directory per mounted controller hierarchy under `root`
/// (`cpu` and `cpuacct` may be separate or co-mounted).
///
/// Only the controllers swiftlet manages are used: cpu, cpuacct, cpuset, memory, devices,
/// freezer, blkio, pids and hugetlb. Named hierarchies (`systemd`) and the hybrid layout's
/// cgroup2 mount (`unified`) are ignored.
public struct CgroupV1Driver: CgroupDriver {
    /// The controllers this driver creates cgroups in, when mounted.
    public static let managedSubsystems = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb"]

    public var version: CgroupVersion { .v1 }
    /// Where the hierarchies are mounted (`/sys/fs/cgroup`).
    public let root: String
    /// The mount directory of each managed controller found under `root`.
    public let mounts: [String: String]

    let fs: CgroupFS
    let procSelfCgroup: String
    let logger: Logger

    /// Creates a driver for the hierarchies mounted under `root`.
    public init(root: String = "/sys/fs/cgroup", logger: Logger = Logger(label: "swiftlet.cgroups")) {
        self.init(root: root, fs: CgroupFS(), logger: logger)
    }

    /// Creates a driver with explicit file access and `/proc/self/cgroup` location (tests).
    package init(
        root: String, fs: CgroupFS, procSelfCgroup: String = "/proc/self/cgroup",
        logger: Logger = Logger(label: "swiftlet.cgroups")
    ) {
        self.root = root
        self.fs = fs
        self.procSelfCgroup = procSelfCgroup
        self.logger = logger
        var mounts: [String: String] = [:]
        for subsystem in Self.managedSubsystems where fs.isDirectory(root + "/" + subsystem) {
            mounts[subsystem] = root + "/" + subsystem
        }
        self.mounts = mounts
    }

    /// The cleaned path and the directory per mounted controller.
    ///
    /// Relative paths are joined to this process's own cgroup in each hierarchy, as runc does.
    func resolve(_ path: String) -> (path: String, directories: [String: String]) {
        let cleaned = CgroupPath.clean(path)
        var own: [String: String] = [:]
        if !cleaned.hasPrefix("/") {
            own = CgroupPath.parseProcCgroup((try? fs.read(procSelfCgroup)) ?? "").v1
        }
        var directories: [String: String] = [:]
        var displayPath = cleaned.hasPrefix("/") ? cleaned : "/" + cleaned
        for (subsystem, mount) in mounts {
            if cleaned.hasPrefix("/") {
                directories[subsystem] = mount + (cleaned == "/" ? "" : cleaned)
            } else {
                let absolute = CgroupPath.clean((own[subsystem] ?? "/") + "/" + cleaned)
                directories[subsystem] = mount + absolute
                if subsystem == "memory" {
                    displayPath = absolute
                }
            }
        }
        return (displayPath, directories)
    }

    public func create(path: String) throws -> any CgroupHandle {
        let (cleaned, directories) = resolve(path)
        var created: [String] = []
        do {
            for (subsystem, directory) in directories.sorted(by: { $0.key < $1.key }) {
                guard let mount = mounts[subsystem] else {
                    continue
                }
                let components = CgroupPath.components(String(directory.dropFirst(mount.count)))
                if subsystem == "cpuset" {
                    created += try createCpuset(mount: mount, components: components)
                } else {
                    created += try fs.mkdirAll(root: mount, components: components)
                }
            }
        } catch {
            fs.removeCreated(created)
            throw error
        }
        logger.debug("created cgroup", metadata: ["cgroup": "\(cleaned)", "version": "v1"])
        return CgroupV1Handle(path: cleaned, controllerPaths: directories, fs: fs, logger: logger)
    }

    public func open(path: String) -> any CgroupHandle {
        let (cleaned, directories) = resolve(path)
        return CgroupV1Handle(path: cleaned, controllerPaths: directories, fs: fs, logger: logger)
    }

    /// Creates the cpuset directories top-down, giving each one that has an empty
    /// `cpuset.cpus`/`cpuset.mems` its parent's values: the kernel refuses tasks (ENOSPC) in a
    /// cpuset with either empty, and a new cpuset starts empty.
    private func createCpuset(mount: String, components: [String]) throws -> [String] {
        var created: [String] = []
        var parent = mount
        do {
            for component in components {
                let current = parent + "/" + component
                if try fs.mkdir(current) {
                    created.append(current)
                }
                for file in ["cpuset.cpus", "cpuset.mems"] {
                    let value = try fs.readIfExists(current + "/" + file) ?? ""
                    if value.allSatisfy(\.isWhitespace) {
                        let inherited = try fs.read(parent + "/" + file).filter { !$0.isWhitespace }
                        try fs.write(current, file, inherited)
                    }
                }
                parent = current
            }
        } catch {
            fs.removeCreated(created)
            throw error
        }
        return created
    }
}
