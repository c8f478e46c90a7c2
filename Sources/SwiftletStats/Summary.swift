/// kubelet's Summary API (`k8s.io/kubelet/pkg/apis/stats/v1alpha1`), served at `/stats/summary`:
/// node-level and per-pod usage with kubelet's exact JSON field names.
///
/// Optional fields are omitted from the JSON when nil, as Go's `omitempty` omits them.
public struct Summary: Codable, Sendable, Equatable {
    /// Overall node stats.
    public var node: NodeStats
    /// Per-pod stats.
    public var pods: [PodStats]

    /// Creates a summary.
    public init(node: NodeStats, pods: [PodStats] = []) {
        self.node = node
        self.pods = pods
    }
}

/// Node-level stats.
public struct NodeStats: Codable, Sendable, Equatable {
    /// The node's name.
    public var nodeName: String
    /// Stats of system daemons tracked as raw cgroups, named `kubelet`, `runtime`, `misc` or `pods`.
    public var systemContainers: [ContainerStats]?
    /// When collection of node-wide stats (re)started: the node's boot time.
    public var startTime: StatsTime
    /// CPU usage of the node.
    public var cpu: CPUStats?
    /// Memory usage of the node; `availableBytes` is capacity minus working set.
    public var memory: MemoryStats?
    /// Network usage of the node's interfaces.
    public var network: NetworkStats?
    /// The filesystem holding the agent's root directory.
    public var fs: FsStats?
    /// The filesystems holding images and container writable layers.
    public var runtime: RuntimeStats?
    /// Process limits.
    public var rlimit: RlimitStats?
    /// Swap usage; only on nodes with swap.
    public var swap: SwapStats?

    /// Creates node stats.
    public init(nodeName: String, systemContainers: [ContainerStats]? = nil, startTime: StatsTime, cpu: CPUStats? = nil,
                memory: MemoryStats? = nil, network: NetworkStats? = nil, fs: FsStats? = nil, runtime: RuntimeStats? = nil,
                rlimit: RlimitStats? = nil, swap: SwapStats? = nil) {
        self.nodeName = nodeName
        self.systemContainers = systemContainers
        self.startTime = startTime
        self.cpu = cpu
        self.memory = memory
        self.network = network
        self.fs = fs
        self.runtime = runtime
        self.rlimit = rlimit
        self.swap = swap
    }

    private enum CodingKeys: String, CodingKey {
        case nodeName, systemContainers, startTime, cpu, memory, network, fs, runtime, rlimit, swap
    }

    /// Encodes the set fields; an empty `systemContainers` is omitted, as Go's `omitempty` omits it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nodeName, forKey: .nodeName)
        if let systemContainers, !systemContainers.isEmpty { try c.encode(systemContainers, forKey: .systemContainers) }
        try c.encode(startTime, forKey: .startTime)
        try c.encodeIfPresent(cpu, forKey: .cpu)
        try c.encodeIfPresent(memory, forKey: .memory)
        try c.encodeIfPresent(network, forKey: .network)
        try c.encodeIfPresent(fs, forKey: .fs)
        try c.encodeIfPresent(runtime, forKey: .runtime)
        try c.encodeIfPresent(rlimit, forKey: .rlimit)
        try c.encodeIfPresent(swap, forKey: .swap)
    }
}

/// Pod-level stats.
public struct PodStats: Codable, Sendable, Equatable {
    /// The pod measured.
    public var podRef: PodReference
    /// When collection of pod-scoped stats (re)started: the pod sandbox's creation.
    public var startTime: StatsTime
    /// Stats of the pod's containers.
    public var containers: [ContainerStats]
    /// CPU usage of the pod cgroup (all containers plus overhead).
    public var cpu: CPUStats?
    /// Memory usage of the pod cgroup.
    public var memory: MemoryStats?
    /// Network usage inside the pod's network namespace.
    public var network: NetworkStats?
    /// Usage of each volume's filesystem.
    public var volume: [VolumeStats]?
    /// Local ephemeral storage: container writable layers, logs and emptyDir-like volumes.
    public var ephemeralStorage: FsStats?
    /// Process counts.
    public var processStats: ProcessStats?
    /// Swap usage; only on nodes with swap.
    public var swap: SwapStats?

    /// Creates pod stats.
    public init(podRef: PodReference, startTime: StatsTime, containers: [ContainerStats] = [], cpu: CPUStats? = nil,
                memory: MemoryStats? = nil, network: NetworkStats? = nil, volume: [VolumeStats]? = nil,
                ephemeralStorage: FsStats? = nil, processStats: ProcessStats? = nil, swap: SwapStats? = nil) {
        self.podRef = podRef
        self.startTime = startTime
        self.containers = containers
        self.cpu = cpu
        self.memory = memory
        self.network = network
        self.volume = volume
        self.ephemeralStorage = ephemeralStorage
        self.processStats = processStats
        self.swap = swap
    }

    private enum CodingKeys: String, CodingKey {
        case podRef, startTime, containers, cpu, memory, network, volume
        case ephemeralStorage = "ephemeral-storage"
        case processStats = "process_stats"
        case swap
    }

    /// Decodes; a missing or null `containers` is empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        podRef = try c.decode(PodReference.self, forKey: .podRef)
        startTime = try c.decode(StatsTime.self, forKey: .startTime)
        containers = try c.decodeIfPresent([ContainerStats].self, forKey: .containers) ?? []
        cpu = try c.decodeIfPresent(CPUStats.self, forKey: .cpu)
        memory = try c.decodeIfPresent(MemoryStats.self, forKey: .memory)
        network = try c.decodeIfPresent(NetworkStats.self, forKey: .network)
        volume = try c.decodeIfPresent([VolumeStats].self, forKey: .volume)
        ephemeralStorage = try c.decodeIfPresent(FsStats.self, forKey: .ephemeralStorage)
        processStats = try c.decodeIfPresent(ProcessStats.self, forKey: .processStats)
        swap = try c.decodeIfPresent(SwapStats.self, forKey: .swap)
    }

    /// Encodes the set fields; an empty `volume` list is omitted, as Go's `omitempty` omits it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(podRef, forKey: .podRef)
        try c.encode(startTime, forKey: .startTime)
        try c.encode(containers, forKey: .containers)
        try c.encodeIfPresent(cpu, forKey: .cpu)
        try c.encodeIfPresent(memory, forKey: .memory)
        try c.encodeIfPresent(network, forKey: .network)
        if let volume, !volume.isEmpty { try c.encode(volume, forKey: .volume) }
        try c.encodeIfPresent(ephemeralStorage, forKey: .ephemeralStorage)
        try c.encodeIfPresent(processStats, forKey: .processStats)
        try c.encodeIfPresent(swap, forKey: .swap)
    }
}

/// Container-level stats.
public struct ContainerStats: Codable, Sendable, Equatable {
    /// The container's name in its pod (or the system container's name).
    public var name: String
    /// When the container was created.
    public var startTime: StatsTime
    /// CPU usage.
    public var cpu: CPUStats?
    /// Memory usage.
    public var memory: MemoryStats?
    /// The container's writable layer: `usedBytes`/`inodesUsed` of the layer, capacity of its filesystem.
    public var rootfs: FsStats?
    /// The container's log files: `usedBytes`/`inodesUsed` of its log directory, capacity of its filesystem.
    public var logs: FsStats?
    /// Swap usage; only on nodes with swap.
    public var swap: SwapStats?

    /// Creates container stats.
    public init(name: String, startTime: StatsTime, cpu: CPUStats? = nil, memory: MemoryStats? = nil,
                rootfs: FsStats? = nil, logs: FsStats? = nil, swap: SwapStats? = nil) {
        self.name = name
        self.startTime = startTime
        self.cpu = cpu
        self.memory = memory
        self.rootfs = rootfs
        self.logs = logs
        self.swap = swap
    }
}

/// Identifies a pod.
public struct PodReference: Codable, Sendable, Hashable {
    /// Pod name.
    public var name: String
    /// Pod namespace.
    public var namespace: String
    /// Pod UID.
    public var uid: String

    /// Creates a reference.
    public init(name: String, namespace: String, uid: String) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
    }
}
