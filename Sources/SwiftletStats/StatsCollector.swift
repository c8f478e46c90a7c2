import Foundation
import Logging
import Synchronization

/// Samples cgroups, `/proc` and filesystems for every registered container and pod and for the
/// node, and keeps the result for `/stats/summary` and `/metrics/resource`.
///
/// The owner registers containers and pods as they start and stop, and calls `collect(now:)`
/// from its housekeeping timer (every 10 s, as kubelet's cadvisor housekeeping). Each collection
/// reads every source once and replaces the cached `Summary`; requests only read that cache, so no
/// file is ever read on a request. CPU rates (`usageNanoCores`) come from the difference between
/// the last two samples of each cgroup; directory walks (writable layers, logs, volumes, images)
/// run at most once per `Configuration.diskUsagePeriod` per directory, as cadvisor's du does.
public final class StatsCollector: Sendable {
    /// Where to read from and how often to walk directories.
    public struct Configuration: Sendable, Equatable {
        /// The cgroup hierarchy root. Default `/sys/fs/cgroup`.
        public var cgroupRoot: String
        /// The procfs mount. Default `/proc`.
        public var procRoot: String
        /// Minimum time between two walks of the same directory, in seconds. Default 60.
        public var diskUsagePeriod: TimeInterval
        /// The interface whose counters the Summary API inlines in `network`. Default `eth0`.
        public var defaultInterfaceName: String

        /// A configuration; every argument defaults to kubelet's behaviour on a standard host.
        public init(cgroupRoot: String = "/sys/fs/cgroup", procRoot: String = "/proc", diskUsagePeriod: TimeInterval = 60,
                    defaultInterfaceName: String = "eth0") {
            self.cgroupRoot = cgroupRoot
            self.procRoot = procRoot
            self.diskUsagePeriod = diskUsagePeriod
            self.defaultInterfaceName = defaultInterfaceName
        }
    }

    /// The node name reported in `node.nodeName`.
    public let nodeName: String
    /// The detected cgroup layout.
    public let layout: CgroupLayout
    private let configuration: Configuration
    private let logger: Logger
    private let registry: Mutex<Registry>
    private let sampler: Mutex<Sampler>
    private let cache = Mutex<Cached>(Cached())

    private struct Registry {
        var node: NodePaths
        var containers: [String: ContainerRegistration] = [:]
        var pods: [String: PodRegistration] = [:]
    }

    private struct Cached {
        var summary: Summary?
        var time: Date?
    }

    /// A collector for `nodeName`, reading the layout detected under `configuration.cgroupRoot`.
    public init(nodeName: String, node: NodePaths, configuration: Configuration = Configuration(),
                logger: Logger = Logger(label: "swiftlet.stats")) {
        self.nodeName = nodeName
        self.configuration = configuration
        self.logger = logger
        let layout = CgroupLayout.detect(root: configuration.cgroupRoot)
        self.layout = layout
        self.registry = Mutex(Registry(node: node))
        self.sampler = Mutex(Sampler(layout: layout, configuration: configuration, logger: logger))
    }

    // MARK: Registration

    /// Starts sampling a container (replacing a registration with the same container ID).
    public func register(container: ContainerRegistration) {
        registry.withLock { $0.containers[container.containerID] = container }
    }

    /// Stops sampling a container.
    public func unregister(containerID: String) {
        registry.withLock { _ = $0.containers.removeValue(forKey: containerID) }
    }

    /// Starts sampling a pod's cgroup, network and volumes (replacing a registration with the same UID).
    public func register(pod: PodRegistration) {
        registry.withLock { $0.pods[pod.uid] = pod }
    }

    /// Stops sampling a pod and every container registered for it.
    public func unregister(podUID: String) {
        registry.withLock { r in
            r.pods[podUID] = nil
            r.containers = r.containers.filter { $0.value.podUID != podUID }
        }
    }

    /// Replaces the node-level paths.
    public func update(node: NodePaths) {
        registry.withLock { $0.node = node }
    }

    // MARK: Collection and cache

    /// Samples everything once and replaces the cached summary. Call it from one timer task;
    /// `now` stamps every figure of this collection.
    public func collect(now: Date) {
        let snapshot = registry.withLock { $0 }
        let summary = sampler.withLock { s in
            s.collect(nodeName: nodeName, node: snapshot.node, containers: Array(snapshot.containers.values),
                      pods: snapshot.pods, now: now)
        }
        cache.withLock { $0 = Cached(summary: summary, time: now) }
    }

    /// When the cached figures were collected; nil before the first collection.
    public var lastCollectionTime: Date? { cache.withLock { $0.time } }

    /// The cached summary (`/stats/summary`), or only its CPU and memory figures
    /// (`?only_cpu_and_memory=true`); nil before the first collection or when the node's own CPU
    /// and memory could not be read.
    public func summary(onlyCPUAndMemory: Bool = false) -> Summary? {
        guard let summary = cache.withLock({ $0.summary }) else { return nil }
        return onlyCPUAndMemory ? summary.onlyCPUAndMemory() : summary
    }

    /// The `/metrics/resource` text for the cached figures (`ResourceMetrics.contentType`).
    public func resourceMetrics(options: ResourceMetrics.Options = ResourceMetrics.Options()) -> String {
        ResourceMetrics.render(summary(onlyCPUAndMemory: true), options: options)
    }
}

/// The sampling state: readers with their buffers, the previous CPU readings and the last
/// directory walks. Lives inside the collector's mutex; only `collect` touches it.
private final class Sampler {
    let cgroups: CgroupStatsReader
    let configuration: Configuration
    let logger: Logger
    private var cpuHistory: [String: CPUHistory] = [:]
    private var diskUsage: [String: (usage: DirectoryUsage, time: Date)] = [:]
    private var firstSeen: [String: Date] = [:]
    private var seenCPU: Set<String> = []
    private var seenDisk: Set<String> = []
    /// What failed in the previous collection (logged when it started failing) and in this one.
    private var failing: Set<String> = []
    private var failedNow: Set<String> = []

    typealias Configuration = StatsCollector.Configuration

    struct CPUHistory {
        var previous: (usage: UInt64, time: Date)?
        var latest: (usage: UInt64, time: Date)
    }

    init(layout: CgroupLayout, configuration: Configuration, logger: Logger) {
        self.cgroups = CgroupStatsReader(layout: layout)
        self.configuration = configuration
        self.logger = logger
    }

    func collect(nodeName: String, node: NodePaths, containers: [ContainerRegistration], pods: [String: PodRegistration], now: Date) -> Summary? {
        seenCPU.removeAll(keepingCapacity: true)
        seenDisk.removeAll(keepingCapacity: true)
        failedNow.removeAll(keepingCapacity: true)
        defer { failing = failedNow }
        let time = StatsTime(now)
        let procRoot = configuration.procRoot

        let memInfo = attempt("node memory") { try MemInfo.read(procRoot: procRoot, reader: fileReader) }
        cgroups.includeSwap = (memInfo?.swapTotalBytes ?? 0) > 0
        let procStat = attempt("node cpu") { try ProcStat.read(procRoot: procRoot, reader: fileReader) }
        let rootMemoryUsage = memInfo.map { $0.memTotalBytes > $0.memFreeBytes ? $0.memTotalBytes - $0.memFreeBytes : 0 }
        let root = cgroups.sample("/", rootMemoryUsage: cgroups.layout.isV2 ? rootMemoryUsage : nil)

        // Node CPU: the root cgroup as cadvisor reads it, /proc/stat where the root has no counter.
        let nodeCPU = cpuStats(key: "node", usage: root.cpuUsageNanos ?? procStat?.busyNanos, time: time)
        var nodeMemory: MemoryStats?
        if let memInfo {
            let usage = root.memory?.usageBytes ?? rootMemoryUsage ?? 0
            let workingSet = root.memory?.workingSetBytes
                ?? CgroupSample.Memory.workingSet(usage: usage, inactiveFile: memInfo.inactiveFileBytes)
            nodeMemory = MemoryStats(
                time: time,
                availableBytes: memInfo.memTotalBytes > workingSet ? memInfo.memTotalBytes - workingSet : 0,
                usageBytes: usage, workingSetBytes: workingSet, rssBytes: root.memory?.rssBytes ?? memInfo.anonBytes,
                pageFaults: root.memory?.pageFaults, majorPageFaults: root.memory?.majorPageFaults)
        }
        guard let nodeCPU, let nodeMemory else {
            // kubelet fails the whole summary when the node's own figures are missing.
            return nil
        }
        let nodeSwap = memInfo.flatMap { m -> SwapStats? in
            guard m.swapTotalBytes > 0 else { return nil }
            let used = m.swapTotalBytes > m.swapFreeBytes ? m.swapTotalBytes - m.swapFreeBytes : 0
            return SwapStats(time: time, swapAvailableBytes: m.swapFreeBytes, swapUsageBytes: used)
        }

        let systemContainers = node.systemContainers.sorted(by: { $0.key < $1.key }).compactMap { name, path -> ContainerStats? in
            let sample = cgroups.sample(path)
            guard !sample.isEmpty else { return nil }
            let key = "sys/" + name
            let started = firstSeen[key] ?? now
            firstSeen[key] = started
            return ContainerStats(name: name, startTime: StatsTime(started),
                                  cpu: cpuStats(key: key, usage: sample.cpuUsageNanos, time: time),
                                  memory: memoryStats(sample.memory, time: time))
        }
        firstSeen = firstSeen.filter { key, _ in !key.hasPrefix("sys/") || node.systemContainers[String(key.dropFirst(4))] != nil }

        let rootFs = filesystem(node.rootDirectory)
        let nodeFs = rootFs.map { fs in
            FsStats(time: time, availableBytes: fs.availableBytes, capacityBytes: fs.capacityBytes, usedBytes: fs.usedBytes,
                    inodesFree: fs.inodesFree, inodes: fs.inodes, inodesUsed: fs.inodesUsed)
        }

        // Pods: the registered ones plus any pod a registered container names.
        var podsByUID = pods
        var containersByPod: [String: [ContainerRegistration]] = [:]
        for c in containers {
            containersByPod[c.podUID, default: []].append(c)
            if podsByUID[c.podUID] == nil {
                podsByUID[c.podUID] = PodRegistration(uid: c.podUID, name: c.podName, namespace: c.namespace, startTime: c.startTime)
            }
        }
        var podStats: [PodStats] = []
        var containerFsUsed: UInt64 = 0
        var containerFsInodes: UInt64 = 0
        let orderedPods = podsByUID.values.sorted { ($0.namespace, $0.name, $0.uid) < ($1.namespace, $1.name, $1.uid) }
        for pod in orderedPods {
            let members = (containersByPod[pod.uid] ?? []).sorted { ($0.containerName, $0.containerID) < ($1.containerName, $1.containerID) }
            let stats = podStatsFor(pod, members: members, rootFs: rootFs, time: time)
            for c in stats.containers {
                containerFsUsed &+= c.rootfs?.usedBytes ?? 0
                containerFsInodes &+= c.rootfs?.inodesUsed ?? 0
            }
            podStats.append(stats)
        }

        var runtime = RuntimeStats()
        if let fs = filesystem(node.imageStoreDirectory) {
            let usage = directoryUsage(node.imageStoreDirectory, now: now)
            runtime.imageFs = FsStats(time: usage.map { StatsTime($0.time) } ?? time, availableBytes: fs.availableBytes,
                                      capacityBytes: fs.capacityBytes, usedBytes: usage?.usage.bytes, inodesFree: fs.inodesFree,
                                      inodes: fs.inodes, inodesUsed: usage?.usage.inodes)
        }
        if let fs = filesystem(node.containerStoreDirectory ?? node.rootDirectory) {
            runtime.containerFs = FsStats(time: time, availableBytes: fs.availableBytes, capacityBytes: fs.capacityBytes,
                                          usedBytes: containerFsUsed, inodesFree: fs.inodesFree, inodes: fs.inodes,
                                          inodesUsed: containerFsInodes)
        }
        let limits = ProcessLimits.read(procRoot: procRoot, reader: fileReader)

        let nodeStats = NodeStats(
            nodeName: nodeName, systemContainers: systemContainers, startTime: StatsTime(procStat?.bootTime ?? now),
            cpu: nodeCPU, memory: nodeMemory,
            network: network(pid: node.networkPID, time: time, skip: { $0 == "lo" || $0.hasPrefix("veth") }),
            fs: nodeFs, runtime: runtime,
            rlimit: RlimitStats(time: time, maxPID: limits.maxPID, numOfRunningProcesses: limits.currentProcesses),
            swap: nodeSwap)

        // Forget what no longer exists, so the history does not grow with pod churn.
        cpuHistory = cpuHistory.filter { seenCPU.contains($0.key) }
        diskUsage = diskUsage.filter { seenDisk.contains($0.key) }
        return Summary(node: nodeStats, pods: podStats)
    }

    private var fileReader: KernelFileReader { cgroups.fileReader }

    private func podStatsFor(_ pod: PodRegistration, members: [ContainerRegistration], rootFs: FilesystemInfo?, time: StatsTime) -> PodStats {
        var containerStats: [ContainerStats] = []
        var sumCPU: UInt64 = 0
        var sumCPUKnown = false
        var sumMemory: CgroupSample.Memory?
        var sumPids: UInt64?
        var sumSwap: UInt64?
        for c in members {
            let sample = cgroups.sample(c.cgroupPath)
            if sample.isEmpty { noteFailure("cgroup " + c.cgroupPath, container: c) }
            if let cpu = sample.cpuUsageNanos { sumCPU &+= cpu; sumCPUKnown = true }
            if let m = sample.memory {
                var total = sumMemory ?? CgroupSample.Memory(usageBytes: 0, workingSetBytes: 0, rssBytes: 0, pageFaults: 0, majorPageFaults: 0)
                total.usageBytes &+= m.usageBytes
                total.workingSetBytes &+= m.workingSetBytes
                total.rssBytes &+= m.rssBytes
                total.pageFaults &+= m.pageFaults
                total.majorPageFaults &+= m.majorPageFaults
                sumMemory = total
            }
            if let p = sample.pids { sumPids = (sumPids ?? 0) &+ p }
            if let s = sample.swapUsageBytes { sumSwap = (sumSwap ?? 0) &+ s }
            containerStats.append(ContainerStats(
                name: c.containerName, startTime: StatsTime(c.startTime),
                cpu: cpuStats(key: "ctr/" + c.containerID, usage: sample.cpuUsageNanos, time: time),
                memory: memoryStats(sample.memory, time: time),
                rootfs: c.rootfsUpperDir.flatMap { usageStats($0, time: time) },
                logs: c.logDir.flatMap { usageStats($0, time: time) },
                swap: swapStats(sample, time: time)))
        }

        // Pod CPU and memory come from the pod cgroup (overhead included), as kubelet reads them;
        // without one, from the sums of the containers.
        let podSample = pod.cgroupPath.map { cgroups.sample($0) }
        let podCPU: CPUStats?
        let podMemory: MemoryStats?
        let podSwap: SwapStats?
        let processCount: UInt64?
        if let podSample, !podSample.isEmpty {
            podCPU = cpuStats(key: "pod/" + pod.uid, usage: podSample.cpuUsageNanos, time: time)
            podMemory = memoryStats(podSample.memory, time: time)
            podSwap = swapStats(podSample, time: time)
            processCount = podSample.pids ?? sumPids
        } else {
            podCPU = cpuStats(key: "pod/" + pod.uid, usage: sumCPUKnown ? sumCPU : nil, time: time)
            podMemory = memoryStats(sumMemory, time: time)
            podSwap = sumSwap.map { SwapStats(time: time, swapUsageBytes: $0) }
            processCount = sumPids
        }

        let netPID = pod.netnsPID ?? members.lazy.compactMap(\.initPID).first
        let network = netPID.flatMap { self.network(pid: $0, time: time, skip: { $0 == "lo" }) }

        var volumes: [VolumeStats] = []
        var ephemeral: FsStats?
        if let rootFs {
            ephemeral = FsStats(time: time, availableBytes: rootFs.availableBytes, capacityBytes: rootFs.capacityBytes,
                                usedBytes: 0, inodesFree: rootFs.inodesFree, inodes: rootFs.inodes, inodesUsed: 0)
        }
        func addToEphemeral(_ fs: FsStats?) {
            guard let fs, ephemeral != nil else { return }
            ephemeral!.usedBytes = (ephemeral!.usedBytes ?? 0) &+ (fs.usedBytes ?? 0)
            ephemeral!.inodesUsed = (ephemeral!.inodesUsed ?? 0) &+ (fs.inodesUsed ?? 0)
        }
        for c in containerStats {
            addToEphemeral(c.rootfs)
            addToEphemeral(c.logs)
        }
        for v in pod.volumes {
            guard let fs = usageStats(v.path, time: time) else { continue }
            volumes.append(VolumeStats(fs: fs, name: v.name))
            if v.isEphemeral { addToEphemeral(fs) }
        }
        return PodStats(
            podRef: PodReference(name: pod.name, namespace: pod.namespace, uid: pod.uid), startTime: StatsTime(pod.startTime),
            containers: containerStats, cpu: podCPU, memory: podMemory, network: network, volume: volumes,
            ephemeralStorage: ephemeral, processStats: processCount.map { ProcessStats(processCount: $0) }, swap: podSwap)
    }

    // MARK: Pieces

    private func cpuStats(key: String, usage: UInt64?, time: StatsTime) -> CPUStats? {
        guard let usage else { return nil }
        seenCPU.insert(key)
        var history = cpuHistory[key] ?? CPUHistory(previous: nil, latest: (usage, time.date))
        if time.date > history.latest.time {
            history.previous = history.latest
        }
        history.latest = (usage, time.date)
        cpuHistory[key] = history
        var rate: UInt64?
        if let previous = history.previous, usage >= previous.usage {
            let seconds = time.date.timeIntervalSince(previous.time)
            if seconds > 0 { rate = UInt64((Double(usage - previous.usage) / seconds).rounded()) }
        }
        return CPUStats(time: time, usageNanoCores: rate, usageCoreNanoSeconds: usage)
    }

    private func memoryStats(_ memory: CgroupSample.Memory?, time: StatsTime) -> MemoryStats? {
        guard let m = memory else { return nil }
        let available = m.limitBytes.map { $0 > m.workingSetBytes ? $0 - m.workingSetBytes : 0 }
        return MemoryStats(time: time, availableBytes: available, usageBytes: m.usageBytes, workingSetBytes: m.workingSetBytes,
                           rssBytes: m.rssBytes, pageFaults: m.pageFaults, majorPageFaults: m.majorPageFaults)
    }

    private func swapStats(_ sample: CgroupSample, time: StatsTime) -> SwapStats? {
        guard let usage = sample.swapUsageBytes else { return nil }
        let available = sample.swapLimitBytes.map { $0 > usage ? $0 - usage : 0 }
        return SwapStats(time: time, swapAvailableBytes: available, swapUsageBytes: usage)
    }

    /// Filesystem figures of `path` with the usage of the directory itself.
    private func usageStats(_ path: String, time: StatsTime) -> FsStats? {
        guard let fs = filesystem(path) else { return nil }
        let usage = directoryUsage(path, now: time.date)
        return FsStats(time: usage.map { StatsTime($0.time) } ?? time, availableBytes: fs.availableBytes, capacityBytes: fs.capacityBytes,
                       usedBytes: usage?.usage.bytes, inodesFree: fs.inodesFree, inodes: fs.inodes, inodesUsed: usage?.usage.inodes)
    }

    private func filesystem(_ path: String) -> FilesystemInfo? {
        attempt("filesystem " + path) { try FilesystemInfo.of(path: path) }
    }

    private func directoryUsage(_ path: String, now: Date) -> (usage: DirectoryUsage, time: Date)? {
        seenDisk.insert(path)
        if let cached = diskUsage[path], now >= cached.time, now.timeIntervalSince(cached.time) < configuration.diskUsagePeriod {
            return cached
        }
        guard let usage = attempt("disk usage " + path, { try DirectoryUsage.measure(path: path) }) else {
            diskUsage[path] = nil
            return nil
        }
        diskUsage[path] = (usage, now)
        return (usage, now)
    }

    private func network(pid: Int32, time: StatsTime, skip: (String) -> Bool) -> NetworkStats? {
        let path = configuration.procRoot + "/" + String(pid) + "/net/dev"
        guard let interfaces = attempt("network " + path, { try cgroups.withContents(of: path) { NetworkDevStats.parse(bytes: $0, skip: skip) } })
        else { return nil }
        let stats = interfaces.map {
            InterfaceStats(name: $0.name, rxBytes: $0.rxBytes, rxErrors: $0.rxErrors, txBytes: $0.txBytes, txErrors: $0.txErrors)
        }
        let primary = stats.first { $0.name == configuration.defaultInterfaceName } ?? InterfaceStats(name: "")
        return NetworkStats(time: time, defaultInterface: primary, interfaces: stats)
    }

    /// Runs a reader; a failure is logged once when it starts (not on every collection) and gives nil.
    private func attempt<T>(_ what: String, _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch {
            failedNow.insert(what)
            if !failing.contains(what) {
                logger.debug("stats: cannot read \(what)", metadata: ["error": "\(error)"])
            }
            return nil
        }
    }

    private func noteFailure(_ what: String, container: ContainerRegistration) {
        failedNow.insert(what)
        if !failing.contains(what) {
            logger.debug("stats: container cgroup has no counters", metadata: [
                "pod": "\(container.podName)", "namespace": "\(container.namespace)", "uid": "\(container.podUID)",
                "container": "\(container.containerName)", "containerID": "\(container.containerID)", "cgroup": "\(container.cgroupPath)",
            ])
        }
    }
}
