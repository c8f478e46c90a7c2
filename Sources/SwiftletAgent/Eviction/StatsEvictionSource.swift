import Foundation
import SwiftletAPI
import SwiftletStats

/// The eviction manager's measurements, from the stats collector's freshest sample: the node's
/// memory (capacity minus working set, as kubelet computes `memory.available`), the root
/// directory's filesystem (nodefs), the image store's (imagefs), and the PID limit; per pod the
/// containers' working sets, their writable layers and logs, the pod's ephemeral volumes, and
/// its process count.
public struct StatsEvictionSource: EvictionSource {
    let collector: StatsCollector
    let statuses: PodStatusCache
    let clock: any AgentClock

    public init(collector: StatsCollector, statuses: PodStatusCache, clock: any AgentClock) {
        self.collector = collector
        self.statuses = statuses
        self.clock = clock
    }

    public func observe() async -> [EvictionSignal: EvictionObservation] {
        collector.collect(now: clock.now())
        guard let node = collector.summary()?.node else { return [:] }
        return Self.observations(node)
    }

    static func observations(_ node: NodeStats) -> [EvictionSignal: EvictionObservation] {
        var out: [EvictionSignal: EvictionObservation] = [:]
        func int(_ v: UInt64?) -> Int64? { v.map { Int64(clamping: $0) } }
        if let memory = node.memory, let available = int(memory.availableBytes), let working = int(memory.workingSetBytes) {
            out[.memoryAvailable] = EvictionObservation(available: available, capacity: available + working)
        }
        func fs(_ stats: FsStats?, bytes: EvictionSignal, inodes: EvictionSignal) {
            guard let stats else { return }
            if let available = int(stats.availableBytes), let capacity = int(stats.capacityBytes) {
                out[bytes] = EvictionObservation(available: available, capacity: capacity)
            }
            if let free = int(stats.inodesFree), let total = int(stats.inodes) {
                out[inodes] = EvictionObservation(available: free, capacity: total)
            }
        }
        fs(node.fs, bytes: .nodeFsAvailable, inodes: .nodeFsInodesFree)
        fs(node.runtime?.imageFs ?? node.fs, bytes: .imageFsAvailable, inodes: .imageFsInodesFree)
        if let rlimit = node.rlimit, let max = rlimit.maxPID, let running = rlimit.numOfRunningProcesses {
            out[.pidAvailable] = EvictionObservation(available: max - running, capacity: max)
        }
        return out
    }

    public func podUsages() async -> [PodUsage] {
        guard let summary = collector.summary() else { return [] }
        var byUID: [String: Pod] = [:]
        for pod in statuses.pods() where pod.status.phase == "Running" || pod.status.phase == "Pending" {
            byUID[pod.metadata.uid ?? ""] = pod
        }
        return summary.pods.compactMap { stats -> PodUsage? in
            guard let pod = byUID[stats.podRef.uid] else { return nil }
            var usage = PodUsage(pod: pod)
            for c in stats.containers {
                usage.memory[c.name] = Int64(clamping: c.memory?.workingSetBytes ?? 0)
                usage.ephemeral[c.name] = Int64(clamping: (c.rootfs?.usedBytes ?? 0) + (c.logs?.usedBytes ?? 0))
            }
            let containerBytes = usage.ephemeral.values.reduce(0, +)
            let total = Int64(clamping: stats.ephemeralStorage?.usedBytes ?? 0)
            usage.ephemeral[""] = max(0, total - containerBytes)
            usage.processes = Int64(clamping: stats.processStats?.processCount ?? 0)
            return usage
        }
    }
}
