import Logging

/// The cgroup hierarchy layout a driver manages.
public enum CgroupVersion: String, Sendable, Equatable {
    /// One hierarchy per controller (`/sys/fs/cgroup/memory`, `/sys/fs/cgroup/cpu`, …).
    case v1
    /// The unified hierarchy (`/sys/fs/cgroup` is cgroup2 with controllers).
    case v2
}

/// Creates and opens cgroups in one cgroupfs layout (the "cgroupfs" driver of runc/kubelet;
/// the systemd driver is not supported).
public protocol CgroupDriver: Sendable {
    /// The layout this driver manages.
    var version: CgroupVersion { get }

    /// Creates the cgroup at `path` (and missing ancestors) and returns a handle to it.
    ///
    /// `path` is a cgroupfs path such as `/kubepods/burstable/pod<uid>/<container>` or an OCI
    /// `cgroupsPath`. An absolute path is taken from the hierarchy root; a relative one is resolved
    /// as runc does: under the caller's own cgroup on v1, under its parent on v2.
    /// Creating an existing cgroup succeeds.
    ///
    /// - Throws: `CgroupError` naming the directory or file that could not be made.
    func create(path: String) throws -> any CgroupHandle

    /// Returns a handle to an existing cgroup at `path` (resolved like `create`) without touching it.
    func open(path: String) -> any CgroupHandle
}

/// One cgroup (v2) or one cgroup per mounted v1 hierarchy, all at the same path.
public protocol CgroupHandle: Sendable {
    /// The cgroup path inside the hierarchy, absolute and cleaned (`/kubepods/pod1/ctr`).
    var path: String { get }

    /// The directory per controller: v1 keys are subsystem names (`memory`, `cpu`, …);
    /// v2 has the single key `unified`.
    var controllerPaths: [String: String] { get }

    /// Writes the given resource limits.
    ///
    /// - Throws: `CgroupError` naming the file and value that the kernel refused, or
    ///   `.unsupported` when this layout cannot express a request.
    func apply(_ resources: CgroupResources) throws

    /// Moves process `pid` (and all its threads) into the cgroup, in every hierarchy.
    ///
    /// - Throws: `CgroupError` naming the `cgroup.procs` file.
    func addProcess(_ pid: Int32) throws

    /// Reads CPU, memory and pid counters.
    ///
    /// - Throws: `CgroupError` when a present stats file cannot be read or parsed.
    func stats() throws -> CgroupStats

    /// Freezes every task in the cgroup and waits until the kernel reports it frozen.
    ///
    /// - Throws: `CgroupError` (`.timeout` when the cgroup does not freeze in time).
    func freeze() throws

    /// Thaws the cgroup.
    ///
    /// - Throws: `CgroupError` naming the freezer file.
    func thaw() throws

    /// SIGKILLs every task in the cgroup and waits until it is empty.
    ///
    /// v2 uses `cgroup.kill` when the kernel has it; otherwise (and on v1) the cgroup is frozen,
    /// every pid in `cgroup.procs` gets SIGKILL, it is thawed, and this repeats until no task is left.
    ///
    /// - Throws: `CgroupError` (`.timeout` when tasks remain).
    func killAll() throws

    /// Removes the cgroup directory (and child cgroups) in every hierarchy; missing ones are fine.
    /// EBUSY (tasks still exiting) is retried briefly.
    ///
    /// - Throws: `CgroupError` from `rmdir` when a directory cannot be removed.
    func delete() throws

    /// The pids in the cgroup (not its children), from `cgroup.procs`.
    ///
    /// - Throws: `CgroupError` when `cgroup.procs` cannot be read.
    func pids() throws -> [Int32]

    /// How many tasks the OOM killer has killed in the cgroup (v1 `memory.oom_control oom_kill`,
    /// v2 `memory.events oom_kill`).
    ///
    /// - Throws: `CgroupError` when the memory controller is unavailable.
    func oomKillCount() throws -> UInt64

    /// An eventfd that becomes readable on each OOM in the cgroup (v1, registered on
    /// `cgroup.event_control` for `memory.oom_control`; it also fires when the cgroup is removed).
    /// The caller owns and must close it. Returns nil on v2, where callers watch `memory.events`.
    ///
    /// - Throws: `CgroupError` naming the call that failed.
    func oomEventFD() throws -> Int32?
}

/// Entry points for picking a cgroup driver.
public enum Cgroups {
    /// The controllers whose presence makes a cgroup2 mount "the" hierarchy.
    static let v2MarkerControllers: Set<String> = ["memory", "cpu", "pids"]

    /// Picks the driver for the host.
    ///
    /// The host is cgroup v2 when `root` is a cgroup2 mount with controllers: its
    /// `cgroup.controllers` lists memory, cpu or pids. Otherwise it is v1, and in the hybrid layout
    /// the cgroup2 mount at `root/unified` (which only carries controllers such as hugetlb, or none)
    /// is ignored.
    public static func detect(root: String = "/sys/fs/cgroup", logger: Logger = Logger(label: "swiftlet.cgroups")) -> any CgroupDriver {
        detect(root: root, fs: CgroupFS(), logger: logger)
    }

    static func detect(root: String, fs: CgroupFS, logger: Logger) -> any CgroupDriver {
        if let controllers = try? fs.readIfExists(root + "/cgroup.controllers") {
            let names = Set(controllers.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            if !names.isDisjoint(with: v2MarkerControllers) {
                return CgroupV2Driver(root: root, fs: fs, logger: logger)
            }
        }
        return CgroupV1Driver(root: root, fs: fs, logger: logger)
    }
}
