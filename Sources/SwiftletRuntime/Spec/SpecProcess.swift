extension Spec {
    /// `process`: the program the container runs and the credentials and limits it runs with.
    public struct Process: Codable, Sendable, Hashable {
        /// Whether a pseudo-terminal is allocated for the process.
        @OmitEmpty public var terminal: Bool
        /// Initial size of that terminal, in characters.
        public var consoleSize: Box?
        /// The user and groups the process runs as.
        public var user: User
        /// argv; `args[0]` is looked up in the container's `PATH` when not absolute. Must not be empty.
        @OmitEmpty public var args: [String]
        /// Windows only: the full command line. Decoded for completeness, unused on Linux.
        @OmitEmpty public var commandLine: String
        /// Environment as `KEY=VALUE` strings.
        @OmitEmpty public var env: [String]
        /// Working directory, an absolute path inside the container.
        public var cwd: String
        /// The five capability sets.
        public var capabilities: LinuxCapabilities?
        /// Resource limits set with `setrlimit` before exec.
        @OmitEmpty public var rlimits: [POSIXRlimit]
        /// Sets `PR_SET_NO_NEW_PRIVS` before exec.
        @OmitEmpty public var noNewPrivileges: Bool
        /// AppArmor profile name (unused by this runtime).
        @OmitEmpty public var apparmorProfile: String
        /// `/proc/self/oom_score_adj`, -1000…1000.
        public var oomScoreAdj: Int?
        /// SELinux process label (unused by this runtime).
        @OmitEmpty public var selinuxLabel: String
        /// I/O scheduling class and priority (`ioprio_set`).
        public var ioPriority: LinuxIOPriority?
        /// Scheduling policy and attributes (`sched_setattr`).
        public var scheduler: LinuxScheduler?
        /// CPU affinity while the runtime execs the process (spec 1.2).
        public var execCPUAffinity: CPUAffinity?

        public init(
            terminal: Bool = false,
            consoleSize: Box? = nil,
            user: User = User(),
            args: [String],
            commandLine: String = "",
            env: [String] = [],
            cwd: String = "/",
            capabilities: LinuxCapabilities? = nil,
            rlimits: [POSIXRlimit] = [],
            noNewPrivileges: Bool = false,
            apparmorProfile: String = "",
            oomScoreAdj: Int? = nil,
            selinuxLabel: String = "",
            ioPriority: LinuxIOPriority? = nil,
            scheduler: LinuxScheduler? = nil,
            execCPUAffinity: CPUAffinity? = nil
        ) {
            self.terminal = terminal
            self.consoleSize = consoleSize
            self.user = user
            self.args = args
            self.commandLine = commandLine
            self.env = env
            self.cwd = cwd
            self.capabilities = capabilities
            self.rlimits = rlimits
            self.noNewPrivileges = noNewPrivileges
            self.apparmorProfile = apparmorProfile
            self.oomScoreAdj = oomScoreAdj
            self.selinuxLabel = selinuxLabel
            self.ioPriority = ioPriority
            self.scheduler = scheduler
            self.execCPUAffinity = execCPUAffinity
        }
    }

    /// `process.consoleSize`, in characters.
    public struct Box: Codable, Sendable, Hashable {
        /// Rows.
        public var height: UInt
        /// Columns.
        public var width: UInt

        public init(height: UInt, width: UInt) {
            self.height = height
            self.width = width
        }
    }

    /// `process.user`: numeric ids in the container's user namespace.
    public struct User: Codable, Sendable, Hashable {
        /// User id.
        public var uid: UInt32
        /// Primary group id.
        public var gid: UInt32
        /// File mode creation mask; the runtime's default (0022) when absent.
        public var umask: UInt32?
        /// Supplementary groups (`setgroups`).
        @OmitEmpty public var additionalGids: [UInt32]
        /// Windows only.
        @OmitEmpty public var username: String

        public init(uid: UInt32 = 0, gid: UInt32 = 0, umask: UInt32? = nil, additionalGids: [UInt32] = [], username: String = "") {
            self.uid = uid
            self.gid = gid
            self.umask = umask
            self.additionalGids = additionalGids
            self.username = username
        }
    }

    /// `process.execCPUAffinity`: cpu lists (`0-3,7`) for the runtime's exec and for the process after it.
    public struct CPUAffinity: Codable, Sendable, Hashable {
        /// Affinity while the runtime sets the process up and execs it.
        @OmitEmpty public var initial: String
        /// Affinity once the program runs.
        @OmitEmpty public var final: String

        public init(initial: String = "", final: String = "") {
            self.initial = initial
            self.final = final
        }
    }
}

/// `process.capabilities`: capability names such as `CAP_CHOWN` for each of the five sets.
public struct LinuxCapabilities: Codable, Sendable, Hashable {
    /// Upper bound on what the process and its children can ever gain.
    @OmitEmpty public var bounding: [String]
    /// Capabilities in effect.
    @OmitEmpty public var effective: [String]
    /// Capabilities kept across execve of programs with matching file capabilities.
    @OmitEmpty public var inheritable: [String]
    /// Capabilities the process may make effective.
    @OmitEmpty public var permitted: [String]
    /// Capabilities kept across execve of any program.
    @OmitEmpty public var ambient: [String]

    public init(
        bounding: [String] = [],
        effective: [String] = [],
        inheritable: [String] = [],
        permitted: [String] = [],
        ambient: [String] = []
    ) {
        self.bounding = bounding
        self.effective = effective
        self.inheritable = inheritable
        self.permitted = permitted
        self.ambient = ambient
    }
}

/// `process.rlimits[]`: one `setrlimit` call. `type` is a name such as `RLIMIT_NOFILE`.
public struct POSIXRlimit: Codable, Sendable, Hashable {
    /// Resource name (`RLIMIT_NOFILE`).
    public var type: String
    /// Hard limit; raising it above the caller's needs CAP_SYS_RESOURCE.
    public var hard: UInt64
    /// Soft limit, at most `hard`.
    public var soft: UInt64

    public init(type: String, hard: UInt64, soft: UInt64) {
        self.type = type
        self.hard = hard
        self.soft = soft
    }
}

/// `process.ioPriority`: `class` is `IOPRIO_CLASS_RT`, `IOPRIO_CLASS_BE` or `IOPRIO_CLASS_IDLE`; priority 0…7.
public struct LinuxIOPriority: Codable, Sendable, Hashable {
    /// Scheduling class.
    public var `class`: String
    /// Priority within the class, 0 (highest) to 7.
    public var priority: Int

    public init(class: String, priority: Int) {
        self.class = `class`
        self.priority = priority
    }

    /// The classes the spec defines.
    public static let classes = ["IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"]
}

/// `process.scheduler`, mirroring `sched_setattr(2)`. Times are nanoseconds.
public struct LinuxScheduler: Codable, Sendable, Hashable {
    /// `SCHED_OTHER`, `SCHED_FIFO`, `SCHED_RR`, `SCHED_BATCH`, `SCHED_ISO`, `SCHED_IDLE` or `SCHED_DEADLINE`.
    public var policy: String
    /// Nice value for SCHED_OTHER/SCHED_BATCH, -20…19.
    public var nice: Int32?
    /// Static priority for SCHED_FIFO/SCHED_RR.
    public var priority: Int32?
    /// `SCHED_FLAG_*` names.
    @OmitEmpty public var flags: [String]
    /// SCHED_DEADLINE runtime.
    public var runtime: UInt64?
    /// SCHED_DEADLINE deadline.
    public var deadline: UInt64?
    /// SCHED_DEADLINE period.
    public var period: UInt64?

    public init(
        policy: String,
        nice: Int32? = nil,
        priority: Int32? = nil,
        flags: [String] = [],
        runtime: UInt64? = nil,
        deadline: UInt64? = nil,
        period: UInt64? = nil
    ) {
        self.policy = policy
        self.nice = nice
        self.priority = priority
        self.flags = flags
        self.runtime = runtime
        self.deadline = deadline
        self.period = period
    }

    /// The policies the spec defines.
    public static let policies = [
        "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
    ]
    /// The flags the spec defines.
    public static let knownFlags = [
        "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY",
        "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX",
    ]
}
