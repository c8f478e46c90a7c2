/// Everything the monitor and the container init need to start one container process,
/// fully resolved and validated by the caller (the Foundation-side runtime library maps an
/// OCI `config.json` to it). Nothing here is interpreted again: paths are absolute host
/// paths (or container paths where named so), flags are kernel bit masks.
///
/// It travels as `plan.bin` in the state directory, written with ``encode()`` and read by
/// `swiftlet-monitor` with ``init(decoding:)``.
public struct InitPlan: Sendable, Equatable {
    /// The process's argv; `args[0]` is looked up in the container's `PATH` when it has no `/`.
    public var args: [String]
    /// The process's environment, `KEY=value` strings.
    public var env: [String]
    /// Working directory inside the container (absolute); created when missing.
    public var cwd: String
    /// Identity the process runs as (container ids, i.e. inside its user namespace).
    public var user: User
    /// The five capability sets.
    public var capabilities: Capabilities
    /// Resource limits applied with setrlimit(2), in order.
    public var rlimits: [Rlimit]
    /// Sets `PR_SET_NO_NEW_PRIVS` before exec.
    public var noNewPrivileges: Bool
    /// Written to `/proc/self/oom_score_adj` when set (-1000...1000).
    public var oomScoreAdj: Int32?
    /// Set with sethostname(2) when present (needs a UTS namespace).
    public var hostname: String?
    /// Set with setdomainname(2) when present (needs a UTS namespace).
    public var domainname: String?
    /// Namespaces to create: a mask of `Namespace` clone flags (`CLONE_NEW*`).
    public var createNamespaces: UInt64
    /// Existing namespaces to join by path (e.g. `/proc/123/ns/net`, or a bind-mounted netns).
    public var joinNamespaces: [NamespaceJoin]
    /// uid mappings written to `/proc/PID/uid_map` when a user namespace is created.
    public var uidMappings: [IDMapping]
    /// gid mappings written to `/proc/PID/gid_map` when a user namespace is created.
    public var gidMappings: [IDMapping]
    /// Writes `deny` to `/proc/PID/setgroups` before the gid map (setgroups(2) then fails inside).
    public var denySetgroups: Bool
    /// Absolute host path of the container's root filesystem.
    public var rootfs: String
    /// Remounts the root read-only after all mounts.
    public var rootfsReadonly: Bool
    /// Propagation applied recursively to `/` in the new mount namespace (`MS_SHARED`,
    /// `MS_SLAVE`, `MS_PRIVATE`, `MS_UNBINDABLE`, optionally with `MS_REC`); 0 means `MS_REC|MS_SLAVE`.
    public var rootfsPropagation: UInt
    /// Mounts, performed in order; destinations are container paths resolved inside the rootfs.
    public var mounts: [Mount]
    /// Device nodes to create (or bind from the host inside a user namespace).
    public var devices: [Device]
    /// Container paths hidden from the process (files: `/dev/null` bound over; directories: an empty read-only tmpfs).
    public var maskedPaths: [String]
    /// Container paths made read-only with a bind remount.
    public var readonlyPaths: [String]
    /// Written to `/proc/sys/<key with . replaced by />` after `/proc` is mounted.
    public var sysctls: [Sysctl]
    /// A compiled seccomp filter, loaded as late as possible before exec.
    public var seccomp: SeccompFilter?
    /// Where the container's stdio goes.
    public var stdio: Stdio
    /// Absolute path of the container's state directory (`plan.bin`, `init.pid`, `exit` live there).
    public var stateDir: String
    /// Absolute path of the exec FIFO the init blocks on until `start` opens it for reading.
    public var execFifoPath: String
    /// Absolute path of the exit file the monitor writes when the init exits.
    public var exitFilePath: String
    /// `cgroup.procs` files the monitor writes the init's pid into before the init continues.
    public var joinCgroupProcs: [String]

    /// Creates a plan; every field has a neutral default except the process and the rootfs.
    public init(
        args: [String],
        env: [String] = [],
        cwd: String = "/",
        user: User = User(),
        capabilities: Capabilities = Capabilities(),
        rlimits: [Rlimit] = [],
        noNewPrivileges: Bool = false,
        oomScoreAdj: Int32? = nil,
        hostname: String? = nil,
        domainname: String? = nil,
        createNamespaces: UInt64 = 0,
        joinNamespaces: [NamespaceJoin] = [],
        uidMappings: [IDMapping] = [],
        gidMappings: [IDMapping] = [],
        denySetgroups: Bool = false,
        rootfs: String,
        rootfsReadonly: Bool = false,
        rootfsPropagation: UInt = 0,
        mounts: [Mount] = [],
        devices: [Device] = [],
        maskedPaths: [String] = [],
        readonlyPaths: [String] = [],
        sysctls: [Sysctl] = [],
        seccomp: SeccompFilter? = nil,
        stdio: Stdio = .inherit,
        stateDir: String,
        execFifoPath: String,
        exitFilePath: String,
        joinCgroupProcs: [String] = []
    ) {
        self.args = args
        self.env = env
        self.cwd = cwd
        self.user = user
        self.capabilities = capabilities
        self.rlimits = rlimits
        self.noNewPrivileges = noNewPrivileges
        self.oomScoreAdj = oomScoreAdj
        self.hostname = hostname
        self.domainname = domainname
        self.createNamespaces = createNamespaces
        self.joinNamespaces = joinNamespaces
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
        self.denySetgroups = denySetgroups
        self.rootfs = rootfs
        self.rootfsReadonly = rootfsReadonly
        self.rootfsPropagation = rootfsPropagation
        self.mounts = mounts
        self.devices = devices
        self.maskedPaths = maskedPaths
        self.readonlyPaths = readonlyPaths
        self.sysctls = sysctls
        self.seccomp = seccomp
        self.stdio = stdio
        self.stateDir = stateDir
        self.execFifoPath = execFifoPath
        self.exitFilePath = exitFilePath
        self.joinCgroupProcs = joinCgroupProcs
    }
}

extension InitPlan {
    /// The process identity (ids as seen inside the container's user namespace).
    public struct User: Sendable, Equatable {
        /// setuid(2) target.
        public var uid: UInt32
        /// setgid(2) target.
        public var gid: UInt32
        /// setgroups(2) list (may be empty, which clears supplementary groups).
        public var additionalGids: [UInt32]
        /// umask(2) applied before exec (e.g. 0o022).
        public var umask: UInt32

        /// Creates a user; defaults to root with umask 022.
        public init(uid: UInt32 = 0, gid: UInt32 = 0, additionalGids: [UInt32] = [], umask: UInt32 = 0o022) {
            self.uid = uid
            self.gid = gid
            self.additionalGids = additionalGids
            self.umask = umask
        }
    }

    /// The five capability sets, each a bit mask where bit N is capability number N
    /// (`CAP_CHOWN` = bit 0 … `CAP_CHECKPOINT_RESTORE` = bit 40).
    public struct Capabilities: Sendable, Equatable {
        /// Bounding set; every capability not in it is dropped with `PR_CAPBSET_DROP`.
        public var bounding: UInt64
        /// Effective set.
        public var effective: UInt64
        /// Inheritable set.
        public var inheritable: UInt64
        /// Permitted set.
        public var permitted: UInt64
        /// Ambient set (each must also be permitted and inheritable).
        public var ambient: UInt64

        /// Creates capability sets; all empty by default.
        public init(bounding: UInt64 = 0, effective: UInt64 = 0, inheritable: UInt64 = 0, permitted: UInt64 = 0, ambient: UInt64 = 0) {
            self.bounding = bounding
            self.effective = effective
            self.inheritable = inheritable
            self.permitted = permitted
            self.ambient = ambient
        }
    }

    /// One resource limit: `resource` is an `RLIMIT_*` number (e.g. 7 = `RLIMIT_NOFILE`);
    /// `UInt64.max` means unlimited.
    public struct Rlimit: Sendable, Equatable {
        /// The `RLIMIT_*` number.
        public var resource: Int32
        /// Soft limit.
        public var soft: UInt64
        /// Hard limit.
        public var hard: UInt64

        /// Creates a limit.
        public init(resource: Int32, soft: UInt64, hard: UInt64) {
            self.resource = resource
            self.soft = soft
            self.hard = hard
        }
    }

    /// A namespace to join: `type` is one `CLONE_NEW*` flag, `path` a namespace file.
    public struct NamespaceJoin: Sendable, Equatable {
        /// One of the `Namespace` flags.
        public var type: UInt64
        /// Path of the namespace file (`/proc/PID/ns/net`, `/run/netns/x`).
        public var path: String

        /// Creates a join.
        public init(type: UInt64, path: String) {
            self.type = type
            self.path = path
        }
    }

    /// One line of a uid/gid map: `containerID hostID size`.
    public struct IDMapping: Sendable, Equatable {
        /// First id inside the namespace.
        public var containerID: UInt32
        /// First id on the host.
        public var hostID: UInt32
        /// Number of ids mapped.
        public var size: UInt32

        /// Creates a mapping.
        public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
            self.containerID = containerID
            self.hostID = hostID
            self.size = size
        }
    }

    /// One mount, with OCI options already parsed (see ``MountOptions/parse(_:)``).
    public struct Mount: Sendable, Equatable {
        /// Container path (absolute), resolved inside the rootfs.
        public var destination: String
        /// Host path for binds, else the filesystem's source string (e.g. `proc`, `tmpfs`).
        public var source: String
        /// Filesystem type (`proc`, `tmpfs`, `cgroup`, …); ignored for binds.
        public var type: String
        /// `MS_*` flags (without propagation flags, without `MS_BIND`/`MS_REC` for binds).
        public var flags: UInt
        /// Propagation flags applied after mounting (e.g. `MS_PRIVATE|MS_REC`), 0 for none.
        public var propagation: UInt
        /// Filesystem-specific options string (e.g. `mode=755,size=65536k`).
        public var data: String
        /// A bind mount of `source`.
        public var isBind: Bool
        /// With `isBind`: a recursive bind (`rbind`).
        public var recursive: Bool

        /// Creates a mount.
        public init(destination: String, source: String, type: String, flags: UInt = 0, propagation: UInt = 0, data: String = "", isBind: Bool = false, recursive: Bool = false) {
            self.destination = destination
            self.source = source
            self.type = type
            self.flags = flags
            self.propagation = propagation
            self.data = data
            self.isBind = isBind
            self.recursive = recursive
        }

        /// Builds a mount from OCI `options` with ``MountOptions/parse(_:)``; `bind`/`rbind`
        /// in the options make it a bind mount whatever `type` says.
        public init(destination: String, source: String, type: String, options: [String]) {
            let parsed = MountOptions.parse(options)
            self.init(
                destination: destination, source: source, type: type, flags: parsed.flags,
                propagation: parsed.propagation, data: parsed.data,
                isBind: parsed.isBind || type == "bind", recursive: parsed.isRecursiveBind)
        }
    }

    /// A device node to create inside the container.
    public struct Device: Sendable, Equatable {
        /// Container path (absolute); the host node with the same path is bound in a user namespace.
        public var path: String
        /// `c`/`u` (character), `b` (block) or `p` (FIFO).
        public var type: UInt8
        /// Major number.
        public var major: UInt32
        /// Minor number.
        public var minor: UInt32
        /// Permission bits (e.g. 0o666).
        public var mode: UInt32
        /// Owner uid (container id).
        public var uid: UInt32
        /// Owner gid (container id).
        public var gid: UInt32

        /// Creates a device; `type` is the ASCII letter (`UInt8(ascii: "c")`).
        public init(path: String, type: UInt8, major: UInt32, minor: UInt32, mode: UInt32 = 0o666, uid: UInt32 = 0, gid: UInt32 = 0) {
            self.path = path
            self.type = type
            self.major = major
            self.minor = minor
            self.mode = mode
            self.uid = uid
            self.gid = gid
        }
    }

    /// One sysctl: `key` in dotted form (`net.ipv4.ip_forward`).
    public struct Sysctl: Sendable, Equatable {
        /// Dotted key.
        public var key: String
        /// Value written verbatim.
        public var value: String

        /// Creates a sysctl.
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// A compiled classic-BPF seccomp program.
    public struct SeccompFilter: Sendable, Equatable {
        /// The program: `struct sock_filter` records, 8 bytes each, native byte order.
        public var program: [UInt8]
        /// `SECCOMP_FILTER_FLAG_*` flags for seccomp(2) (e.g. `LOG`, `SPEC_ALLOW`).
        public var flags: UInt32

        /// Creates a filter.
        public init(program: [UInt8], flags: UInt32 = 0) {
            self.program = program
            self.flags = flags
        }
    }

    /// Where the container's stdin/stdout/stderr go.
    public enum Stdio: Sendable, Equatable {
        /// The container uses the monitor's own stdin/stdout/stderr (runc-like passthrough).
        case inherit
        /// stdin is `/dev/null`; stdout/stderr are pumped into a CRI-format log file at this path.
        case criLog(path: String)
    }
}

/// Namespace clone flags for ``InitPlan/createNamespaces`` and ``InitPlan/NamespaceJoin/type``.
public enum Namespace {
    /// Mount namespace (`CLONE_NEWNS`).
    public static let mount: UInt64 = 0x0002_0000
    /// cgroup namespace (`CLONE_NEWCGROUP`).
    public static let cgroup: UInt64 = 0x0200_0000
    /// UTS namespace (`CLONE_NEWUTS`).
    public static let uts: UInt64 = 0x0400_0000
    /// IPC namespace (`CLONE_NEWIPC`).
    public static let ipc: UInt64 = 0x0800_0000
    /// User namespace (`CLONE_NEWUSER`).
    public static let user: UInt64 = 0x1000_0000
    /// PID namespace (`CLONE_NEWPID`).
    public static let pid: UInt64 = 0x2000_0000
    /// Network namespace (`CLONE_NEWNET`).
    public static let network: UInt64 = 0x4000_0000
    /// Time namespace (`CLONE_NEWTIME`).
    public static let time: UInt64 = 0x0000_0080

    /// All flags above.
    public static let all: UInt64 = mount | cgroup | uts | ipc | user | pid | network | time

    /// The `/proc/PID/ns/` file name of one flag (`net`, `mnt`, …), for messages.
    public static func name(_ flag: UInt64) -> String {
        switch flag {
        case mount: return "mnt"
        case cgroup: return "cgroup"
        case uts: return "uts"
        case ipc: return "ipc"
        case user: return "user"
        case pid: return "pid"
        case network: return "net"
        case time: return "time"
        default: return "namespace(0x\(String(flag, radix: 16)))"
        }
    }
}
