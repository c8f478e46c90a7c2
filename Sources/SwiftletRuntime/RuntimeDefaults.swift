/// The defaults a container gets when its pod doesn't say otherwise, matching containerd's behaviour
/// (its default Unix spec, `WithDefaultUnixDevices`, and the RuntimeDefault seccomp profile), and a
/// ready-made config like `runc spec` writes.
public enum RuntimeDefaults {
    /// The 14 capabilities containerd grants a non-privileged container (bounding, permitted, effective).
    public static let capabilities: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ]

    /// Paths under /proc and /sys made unreadable, as containerd's default spec masks them.
    public static let maskedPaths: [String] = [
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/devices/virtual/powercap",
    ]

    /// Paths under /proc remounted read-only.
    public static let readonlyPaths: [String] = [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ]

    /// The default environment.
    public static let env: [String] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]

    /// The namespaces a container gets: pid, ipc, uts, mount, network (no user or cgroup namespace).
    public static let namespaces: [LinuxNamespace] = [
        LinuxNamespace(type: .pid), LinuxNamespace(type: .ipc), LinuxNamespace(type: .uts),
        LinuxNamespace(type: .mount), LinuxNamespace(type: .network),
    ]

    /// containerd's default rlimits: 1024 open files.
    public static let rlimits: [POSIXRlimit] = [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)]

    /// The mounts every container gets: /proc, a tmpfs /dev, devpts, /dev/shm, mqueue and a read-only /sys.
    public static let mounts: [Spec.Mount] = [
        Spec.Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
        Spec.Mount(destination: "/dev", type: "tmpfs", source: "tmpfs",
                   options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        Spec.Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
                   options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        Spec.Mount(destination: "/dev/shm", type: "tmpfs", source: "shm",
                   options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        Spec.Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        Spec.Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
    ]

    /// The read-only cgroup filesystem mount `runc spec` adds.
    public static let cgroupMount = Spec.Mount(
        destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
        options: ["nosuid", "noexec", "nodev", "relatime", "ro"]
    )

    /// The device nodes the runtime-spec requires in every container's /dev (besides `/dev/ptmx` and
    /// `/dev/console`, see ``deviceSymlinks``): char devices, mode 0666, owned by root.
    public static let devices: [LinuxDevice] = [
        defaultDevice("/dev/null", 1, 3), defaultDevice("/dev/zero", 1, 5), defaultDevice("/dev/full", 1, 7),
        defaultDevice("/dev/random", 1, 8), defaultDevice("/dev/urandom", 1, 9), defaultDevice("/dev/tty", 5, 0),
    ]

    /// A symlink the runtime creates in the container's /dev.
    public struct DeviceSymlink: Sendable, Hashable {
        /// Where the link is, inside the container.
        public var path: String
        /// What it points to.
        public var target: String

        public init(path: String, target: String) {
            self.path = path
            self.target = target
        }
    }

    /// Links made in /dev: ptmx to the container's devpts instance, and the /proc/self/fd shortcuts.
    public static let deviceSymlinks: [DeviceSymlink] = [
        DeviceSymlink(path: "/dev/ptmx", target: "pts/ptmx"),
        DeviceSymlink(path: "/dev/fd", target: "/proc/self/fd"),
        DeviceSymlink(path: "/dev/stdin", target: "/proc/self/fd/0"),
        DeviceSymlink(path: "/dev/stdout", target: "/proc/self/fd/1"),
        DeviceSymlink(path: "/dev/stderr", target: "/proc/self/fd/2"),
    ]

    /// The device cgroup rules: deny everything, then allow the default devices, the console, ptys,
    /// /dev/ptmx and tun/tap, as containerd's `WithDefaultUnixDevices` does.
    public static let deviceCgroupRules: [LinuxDeviceCgroup] = [
        LinuxDeviceCgroup(allow: false, access: "rwm"),
        allowChar(1, 3), allowChar(1, 8), allowChar(1, 7), allowChar(5, 0), allowChar(1, 5), allowChar(1, 9),
        allowChar(5, 1), allowChar(136, nil), allowChar(5, 2), allowChar(10, 200),
    ]

    private static func defaultDevice(_ path: String, _ major: Int64, _ minor: Int64) -> LinuxDevice {
        LinuxDevice(path: path, type: "c", major: major, minor: minor, fileMode: 0o666, uid: 0, gid: 0)
    }

    private static func allowChar(_ major: Int64, _ minor: Int64?) -> LinuxDeviceCgroup {
        LinuxDeviceCgroup(allow: true, type: "c", major: major, minor: minor, access: "rwm")
    }

    /// A complete config for running `args` in `rootfs`, like `runc spec` writes but with containerd's
    /// defaults: the 14 capabilities, no_new_privs, masked and read-only paths, default device rules,
    /// its own pid/ipc/uts/mount/network namespaces and a read-only root.
    ///
    /// - Parameters:
    ///   - args: the process' argv.
    ///   - rootfs: the root filesystem, absolute or relative to the bundle.
    ///   - hostname: the container's hostname.
    ///   - seccomp: include the RuntimeDefault seccomp profile (`runc spec` includes none).
    public static func spec(args: [String], rootfs: String = "rootfs", hostname: String = "swiftlet", seccomp: Bool = false) -> Spec {
        Spec(
            ociVersion: Spec.currentVersion,
            process: Spec.Process(
                args: args,
                env: env,
                cwd: "/",
                capabilities: LinuxCapabilities(bounding: capabilities, effective: capabilities, permitted: capabilities),
                rlimits: rlimits,
                noNewPrivileges: true
            ),
            root: Spec.Root(path: rootfs, readonly: true),
            hostname: hostname,
            mounts: mounts + [cgroupMount],
            linux: Linux(
                resources: LinuxResources(devices: deviceCgroupRules),
                namespaces: namespaces,
                seccomp: seccomp ? seccompProfile(capabilities: capabilities) : nil,
                maskedPaths: maskedPaths,
                readonlyPaths: readonlyPaths
            )
        )
    }
}
