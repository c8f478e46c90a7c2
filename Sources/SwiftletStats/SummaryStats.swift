/// CPU usage.
public struct CPUStats: Codable, Sendable, Equatable {
    /// When these figures were sampled.
    public var time: StatsTime
    /// Usage averaged over the last sampling window, in nanocores (core-nanoseconds per second);
    /// nil until two samples exist.
    public var usageNanoCores: UInt64?
    /// Cumulative usage since creation, in core-nanoseconds.
    public var usageCoreNanoSeconds: UInt64?

    /// Creates CPU stats.
    public init(time: StatsTime, usageNanoCores: UInt64? = nil, usageCoreNanoSeconds: UInt64? = nil) {
        self.time = time
        self.usageNanoCores = usageNanoCores
        self.usageCoreNanoSeconds = usageCoreNanoSeconds
    }
}

/// Memory usage, in bytes unless noted.
public struct MemoryStats: Codable, Sendable, Equatable {
    /// When these figures were sampled.
    public var time: StatsTime
    /// Memory limit minus working set; nil without a limit.
    public var availableBytes: UInt64?
    /// All memory in use, including inactive page cache.
    public var usageBytes: UInt64?
    /// Usage minus inactive file pages: what eviction and metrics-server look at.
    public var workingSetBytes: UInt64?
    /// Anonymous and swap-cache memory.
    public var rssBytes: UInt64?
    /// Cumulative minor and major page faults (a count).
    public var pageFaults: UInt64?
    /// Cumulative major page faults (a count).
    public var majorPageFaults: UInt64?

    /// Creates memory stats.
    public init(time: StatsTime, availableBytes: UInt64? = nil, usageBytes: UInt64? = nil, workingSetBytes: UInt64? = nil,
                rssBytes: UInt64? = nil, pageFaults: UInt64? = nil, majorPageFaults: UInt64? = nil) {
        self.time = time
        self.availableBytes = availableBytes
        self.usageBytes = usageBytes
        self.workingSetBytes = workingSetBytes
        self.rssBytes = rssBytes
        self.pageFaults = pageFaults
        self.majorPageFaults = majorPageFaults
    }
}

/// Swap usage, in bytes.
public struct SwapStats: Codable, Sendable, Equatable {
    /// When these figures were sampled.
    public var time: StatsTime
    /// Swap limit minus usage; nil without a limit.
    public var swapAvailableBytes: UInt64?
    /// Swap in use.
    public var swapUsageBytes: UInt64?

    /// Creates swap stats.
    public init(time: StatsTime, swapAvailableBytes: UInt64? = nil, swapUsageBytes: UInt64? = nil) {
        self.time = time
        self.swapAvailableBytes = swapAvailableBytes
        self.swapUsageBytes = swapUsageBytes
    }
}

/// Counters of one network interface.
public struct InterfaceStats: Codable, Sendable, Equatable {
    /// Interface name; empty in `NetworkStats` when there is no default interface (`eth0`).
    public var name: String
    /// Cumulative bytes received.
    public var rxBytes: UInt64?
    /// Cumulative receive errors.
    public var rxErrors: UInt64?
    /// Cumulative bytes transmitted.
    public var txBytes: UInt64?
    /// Cumulative transmit errors.
    public var txErrors: UInt64?

    /// Creates interface stats.
    public init(name: String, rxBytes: UInt64? = nil, rxErrors: UInt64? = nil, txBytes: UInt64? = nil, txErrors: UInt64? = nil) {
        self.name = name
        self.rxBytes = rxBytes
        self.rxErrors = rxErrors
        self.txBytes = txBytes
        self.txErrors = txErrors
    }

    /// Decodes; a missing `name` is empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        rxBytes = try c.decodeIfPresent(UInt64.self, forKey: .rxBytes)
        rxErrors = try c.decodeIfPresent(UInt64.self, forKey: .rxErrors)
        txBytes = try c.decodeIfPresent(UInt64.self, forKey: .txBytes)
        txErrors = try c.decodeIfPresent(UInt64.self, forKey: .txErrors)
    }
}

/// Network usage: the default interface's counters inline, and every interface in `interfaces`.
public struct NetworkStats: Codable, Sendable, Equatable {
    /// When these figures were sampled.
    public var time: StatsTime
    /// The default interface (`eth0`), serialized inline as kubelet does; name empty when absent.
    public var defaultInterface: InterfaceStats
    /// Every interface except loopback.
    public var interfaces: [InterfaceStats]?

    /// Creates network stats.
    public init(time: StatsTime, defaultInterface: InterfaceStats, interfaces: [InterfaceStats]? = nil) {
        self.time = time
        self.defaultInterface = defaultInterface
        self.interfaces = interfaces
    }

    private enum CodingKeys: String, CodingKey { case time, name, rxBytes, rxErrors, txBytes, txErrors, interfaces }

    /// Decodes the inline interface fields into `defaultInterface`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        time = try c.decode(StatsTime.self, forKey: .time)
        defaultInterface = try InterfaceStats(from: decoder)
        interfaces = try c.decodeIfPresent([InterfaceStats].self, forKey: .interfaces)
    }

    /// Encodes `time`, the default interface's fields inline, then `interfaces` (omitted when empty).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(time, forKey: .time)
        try c.encode(defaultInterface.name, forKey: .name)
        try c.encodeIfPresent(defaultInterface.rxBytes, forKey: .rxBytes)
        try c.encodeIfPresent(defaultInterface.rxErrors, forKey: .rxErrors)
        try c.encodeIfPresent(defaultInterface.txBytes, forKey: .txBytes)
        try c.encodeIfPresent(defaultInterface.txErrors, forKey: .txErrors)
        if let interfaces, !interfaces.isEmpty { try c.encode(interfaces, forKey: .interfaces) }
    }
}

/// Filesystem usage, in bytes and inodes.
public struct FsStats: Codable, Sendable, Equatable {
    /// When these figures were sampled.
    public var time: StatsTime
    /// Bytes available on the filesystem.
    public var availableBytes: UInt64?
    /// Size of the filesystem.
    public var capacityBytes: UInt64?
    /// Bytes used by the measured thing (a writable layer, logs, a volume), or by the whole
    /// filesystem for node-level stats.
    public var usedBytes: UInt64?
    /// Free inodes on the filesystem.
    public var inodesFree: UInt64?
    /// Total inodes of the filesystem.
    public var inodes: UInt64?
    /// Inodes used by the measured thing.
    public var inodesUsed: UInt64?

    /// Creates filesystem stats.
    public init(time: StatsTime, availableBytes: UInt64? = nil, capacityBytes: UInt64? = nil, usedBytes: UInt64? = nil,
                inodesFree: UInt64? = nil, inodes: UInt64? = nil, inodesUsed: UInt64? = nil) {
        self.time = time
        self.availableBytes = availableBytes
        self.capacityBytes = capacityBytes
        self.usedBytes = usedBytes
        self.inodesFree = inodesFree
        self.inodes = inodes
        self.inodesUsed = inodesUsed
    }
}

/// Usage of one pod volume: filesystem figures inline, then the volume's name.
public struct VolumeStats: Codable, Sendable, Equatable {
    /// The volume's filesystem figures, serialized inline.
    public var fs: FsStats
    /// The volume's name in the pod spec.
    public var name: String
    /// The claim behind the volume, if any.
    public var pvcRef: PVCReference?

    /// Creates volume stats.
    public init(fs: FsStats, name: String, pvcRef: PVCReference? = nil) {
        self.fs = fs
        self.name = name
        self.pvcRef = pvcRef
    }

    private enum CodingKeys: String, CodingKey { case name, pvcRef }

    /// Decodes the inline filesystem fields into `fs`.
    public init(from decoder: any Decoder) throws {
        fs = try FsStats(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        pvcRef = try c.decodeIfPresent(PVCReference.self, forKey: .pvcRef)
    }

    /// Encodes the filesystem fields inline, then `name` (omitted when empty) and `pvcRef`.
    public func encode(to encoder: any Encoder) throws {
        try fs.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        if !name.isEmpty { try c.encode(name, forKey: .name) }
        try c.encodeIfPresent(pvcRef, forKey: .pvcRef)
    }
}

/// Identifies a PersistentVolumeClaim.
public struct PVCReference: Codable, Sendable, Hashable {
    /// Claim name.
    public var name: String
    /// Claim namespace.
    public var namespace: String

    /// Creates a reference.
    public init(name: String, namespace: String) {
        self.name = name
        self.namespace = namespace
    }
}

/// The container runtime's filesystems.
public struct RuntimeStats: Codable, Sendable, Equatable {
    /// The filesystem holding images; `usedBytes`/`inodesUsed` count the image store.
    public var imageFs: FsStats?
    /// The filesystem holding container writable layers; `usedBytes`/`inodesUsed` count the layers.
    public var containerFs: FsStats?

    /// Creates runtime stats.
    public init(imageFs: FsStats? = nil, containerFs: FsStats? = nil) {
        self.imageFs = imageFs
        self.containerFs = containerFs
    }
}

/// Process limits of the node.
public struct RlimitStats: Codable, Sendable, Equatable {
    /// When these figures were sampled.
    public var time: StatsTime
    /// The most tasks (processes and threads) the node can hold.
    public var maxPID: Int64?
    /// Tasks that exist now.
    public var numOfRunningProcesses: Int64?

    /// Creates rlimit stats.
    public init(time: StatsTime, maxPID: Int64? = nil, numOfRunningProcesses: Int64? = nil) {
        self.time = time
        self.maxPID = maxPID
        self.numOfRunningProcesses = numOfRunningProcesses
    }

    private enum CodingKeys: String, CodingKey {
        case time
        case maxPID = "maxpid"
        case numOfRunningProcesses = "curproc"
    }
}

/// Process counts of a pod.
public struct ProcessStats: Codable, Sendable, Equatable {
    /// Tasks in the pod's cgroup.
    public var processCount: UInt64?

    /// Creates process stats.
    public init(processCount: UInt64? = nil) {
        self.processCount = processCount
    }

    private enum CodingKeys: String, CodingKey {
        case processCount = "process_count"
    }
}
