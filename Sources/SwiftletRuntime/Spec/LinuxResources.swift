/// `linux.resources`: cgroup limits. Absent fields leave the kernel's (or parent's) value alone.
public struct LinuxResources: Codable, Sendable, Hashable {
    /// Device access rules, applied in order (usually a deny-all first).
    @OmitEmpty public var devices: [LinuxDeviceCgroup]
    /// Memory controller limits.
    public var memory: LinuxMemory?
    /// CPU and cpuset controller settings.
    public var cpu: LinuxCPU?
    /// Task-count limit.
    public var pids: LinuxPids?
    /// Block I/O weights and throttles.
    public var blockIO: LinuxBlockIO?
    /// hugetlb limits per page size.
    @OmitEmpty public var hugepageLimits: [LinuxHugepageLimit]
    /// net_cls / net_prio settings.
    public var network: LinuxNetwork?
    /// Keyed by RDMA device name.
    @OmitEmpty public var rdma: [String: LinuxRdma]
    /// Raw cgroup v2 files and values (`memory.high` → `"1G"`).
    @OmitEmpty public var unified: [String: String]

    public init(
        devices: [LinuxDeviceCgroup] = [],
        memory: LinuxMemory? = nil,
        cpu: LinuxCPU? = nil,
        pids: LinuxPids? = nil,
        blockIO: LinuxBlockIO? = nil,
        hugepageLimits: [LinuxHugepageLimit] = [],
        network: LinuxNetwork? = nil,
        rdma: [String: LinuxRdma] = [:],
        unified: [String: String] = [:]
    ) {
        self.devices = devices
        self.memory = memory
        self.cpu = cpu
        self.pids = pids
        self.blockIO = blockIO
        self.hugepageLimits = hugepageLimits
        self.network = network
        self.rdma = rdma
        self.unified = unified
    }
}

/// `linux.resources.devices[]`: one device-cgroup rule.
public struct LinuxDeviceCgroup: Codable, Sendable, Hashable {
    /// Allow (`devices.allow`) or deny (`devices.deny`).
    public var allow: Bool
    /// `a` (all, also when empty), `c` or `b`.
    @OmitEmpty public var type: String
    /// nil means any (`*`).
    public var major: Int64?
    /// nil means any (`*`).
    public var minor: Int64?
    /// Letters from `rwm`; empty means all.
    @OmitEmpty public var access: String

    public init(allow: Bool, type: String = "", major: Int64? = nil, minor: Int64? = nil, access: String = "") {
        self.allow = allow
        self.type = type
        self.major = major
        self.minor = minor
        self.access = access
    }
}

/// `linux.resources.memory`, in bytes; -1 means unlimited.
public struct LinuxMemory: Codable, Sendable, Hashable {
    /// Hard limit.
    public var limit: Int64?
    /// Soft limit.
    public var reservation: Int64?
    /// memory + swap.
    public var swap: Int64?
    /// Deprecated by the spec; ignored by this runtime.
    public var kernel: Int64?
    /// Deprecated by the spec; ignored by this runtime.
    public var kernelTCP: Int64?
    /// 0…100.
    public var swappiness: UInt64?
    /// Pause instead of OOM-killing when the limit is hit (cgroup v1).
    public var disableOOMKiller: Bool?
    /// Hierarchical accounting (cgroup v1).
    public var useHierarchy: Bool?
    /// Refuse an update that sets the limit below current usage.
    public var checkBeforeUpdate: Bool?

    public init(
        limit: Int64? = nil,
        reservation: Int64? = nil,
        swap: Int64? = nil,
        kernel: Int64? = nil,
        kernelTCP: Int64? = nil,
        swappiness: UInt64? = nil,
        disableOOMKiller: Bool? = nil,
        useHierarchy: Bool? = nil,
        checkBeforeUpdate: Bool? = nil
    ) {
        self.limit = limit
        self.reservation = reservation
        self.swap = swap
        self.kernel = kernel
        self.kernelTCP = kernelTCP
        self.swappiness = swappiness
        self.disableOOMKiller = disableOOMKiller
        self.useHierarchy = useHierarchy
        self.checkBeforeUpdate = checkBeforeUpdate
    }
}

/// `linux.resources.cpu`. Times are microseconds.
public struct LinuxCPU: Codable, Sendable, Hashable {
    /// Relative weight (cgroup v1 `cpu.shares`, 2…262144).
    public var shares: UInt64?
    /// CFS quota per period; -1 means unlimited.
    public var quota: Int64?
    /// Extra time a group may accumulate for bursts, at most `quota`.
    public var burst: UInt64?
    /// CFS period.
    public var period: UInt64?
    /// Realtime runtime per realtime period.
    public var realtimeRuntime: Int64?
    /// Realtime period.
    public var realtimePeriod: UInt64?
    /// cpuset list such as `0-3,7`.
    @OmitEmpty public var cpus: String
    /// Memory-node list such as `0`.
    @OmitEmpty public var mems: String
    /// 1 puts the cgroup in SCHED_IDLE.
    public var idle: Int64?

    public init(
        shares: UInt64? = nil,
        quota: Int64? = nil,
        burst: UInt64? = nil,
        period: UInt64? = nil,
        realtimeRuntime: Int64? = nil,
        realtimePeriod: UInt64? = nil,
        cpus: String = "",
        mems: String = "",
        idle: Int64? = nil
    ) {
        self.shares = shares
        self.quota = quota
        self.burst = burst
        self.period = period
        self.realtimeRuntime = realtimeRuntime
        self.realtimePeriod = realtimePeriod
        self.cpus = cpus
        self.mems = mems
        self.idle = idle
    }
}

/// `linux.resources.pids`.
public struct LinuxPids: Codable, Sendable, Hashable {
    /// Maximum number of tasks; 0 or -1 means unlimited (as runc treats them).
    public var limit: Int64?

    public init(limit: Int64?) { self.limit = limit }
}

/// `linux.resources.blockIO`. Weights are 10…1000.
public struct LinuxBlockIO: Codable, Sendable, Hashable {
    /// Default weight on every device.
    public var weight: UInt16?
    /// Weight against the group's own children (CFQ only).
    public var leafWeight: UInt16?
    /// Per-device weights.
    @OmitEmpty public var weightDevice: [LinuxWeightDevice]
    /// Bytes per second.
    @OmitEmpty public var throttleReadBpsDevice: [LinuxThrottleDevice]
    /// Bytes per second.
    @OmitEmpty public var throttleWriteBpsDevice: [LinuxThrottleDevice]
    /// I/O operations per second.
    @OmitEmpty public var throttleReadIOPSDevice: [LinuxThrottleDevice]
    /// I/O operations per second.
    @OmitEmpty public var throttleWriteIOPSDevice: [LinuxThrottleDevice]

    public init(
        weight: UInt16? = nil,
        leafWeight: UInt16? = nil,
        weightDevice: [LinuxWeightDevice] = [],
        throttleReadBpsDevice: [LinuxThrottleDevice] = [],
        throttleWriteBpsDevice: [LinuxThrottleDevice] = [],
        throttleReadIOPSDevice: [LinuxThrottleDevice] = [],
        throttleWriteIOPSDevice: [LinuxThrottleDevice] = []
    ) {
        self.weight = weight
        self.leafWeight = leafWeight
        self.weightDevice = weightDevice
        self.throttleReadBpsDevice = throttleReadBpsDevice
        self.throttleWriteBpsDevice = throttleWriteBpsDevice
        self.throttleReadIOPSDevice = throttleReadIOPSDevice
        self.throttleWriteIOPSDevice = throttleWriteIOPSDevice
    }
}

/// `blockIO.weightDevice[]`.
public struct LinuxWeightDevice: Codable, Sendable, Hashable {
    /// Device major number.
    public var major: Int64
    /// Device minor number.
    public var minor: Int64
    /// Weight on this device.
    public var weight: UInt16?
    /// Leaf weight on this device.
    public var leafWeight: UInt16?

    public init(major: Int64, minor: Int64, weight: UInt16? = nil, leafWeight: UInt16? = nil) {
        self.major = major
        self.minor = minor
        self.weight = weight
        self.leafWeight = leafWeight
    }
}

/// `blockIO.throttle*Device[]`.
public struct LinuxThrottleDevice: Codable, Sendable, Hashable {
    /// Device major number.
    public var major: Int64
    /// Device minor number.
    public var minor: Int64
    /// Bytes or operations per second, depending on the list it's in.
    public var rate: UInt64

    public init(major: Int64, minor: Int64, rate: UInt64) {
        self.major = major
        self.minor = minor
        self.rate = rate
    }
}

/// `linux.resources.hugepageLimits[]`.
public struct LinuxHugepageLimit: Codable, Sendable, Hashable {
    /// `2MB`, `1GB`, … (base 1024).
    public var pageSize: String
    /// Bytes.
    public var limit: UInt64

    public init(pageSize: String, limit: UInt64) {
        self.pageSize = pageSize
        self.limit = limit
    }
}

/// `linux.resources.network` (net_cls / net_prio).
public struct LinuxNetwork: Codable, Sendable, Hashable {
    /// net_cls class id for the group's packets.
    public var classID: UInt32?
    /// net_prio priority per interface.
    @OmitEmpty public var priorities: [LinuxInterfacePriority]

    public init(classID: UInt32? = nil, priorities: [LinuxInterfacePriority] = []) {
        self.classID = classID
        self.priorities = priorities
    }
}

/// `network.priorities[]`.
public struct LinuxInterfacePriority: Codable, Sendable, Hashable {
    /// Interface name in the runtime's network namespace.
    public var name: String
    /// Priority for traffic leaving through it.
    public var priority: UInt32

    public init(name: String, priority: UInt32) {
        self.name = name
        self.priority = priority
    }
}

/// `linux.resources.rdma[device]`.
public struct LinuxRdma: Codable, Sendable, Hashable {
    /// Maximum HCA handles.
    public var hcaHandles: UInt32?
    /// Maximum HCA objects.
    public var hcaObjects: UInt32?

    public init(hcaHandles: UInt32? = nil, hcaObjects: UInt32? = nil) {
        self.hcaHandles = hcaHandles
        self.hcaObjects = hcaObjects
    }
}
