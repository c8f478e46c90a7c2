import Foundation
import Logging
import SwiftletAPI
import Synchronization

/// Where the eviction manager gets its measurements (the stats collector in the agent).
public protocol EvictionSource: Sendable {
    /// The node's signals now.
    func observe() async -> [EvictionSignal: EvictionObservation]
    /// The running pods with their usage.
    func podUsages() async -> [PodUsage]
}

/// The node's pressure conditions, readable without waiting (pod admission reads them).
public final class PressureConditions: Sendable {
    private let state = Mutex<[String]>([])
    public init() {}
    /// Active pressure conditions, e.g. `["MemoryPressure"]`, sorted.
    public var conditions: [String] { state.withLock { $0 } }
    func set(_ conditions: [String]) { state.withLock { $0 = conditions.sorted() } }
    /// The same as the node status builder takes it.
    public var nodePressure: NodePressure {
        let c = conditions
        return NodePressure(memory: c.contains("MemoryPressure"), disk: c.contains("DiskPressure"), pid: c.contains("PIDPressure"))
    }
}

/// kubelet's node-pressure eviction: every `interval` it observes the signals, raises the
/// node's pressure conditions (held for `evictionPressureTransitionPeriod` after they clear),
/// and when a hard threshold, or a soft one for its whole grace period, is met: reclaims
/// node-level resources first for disk signals (image GC), then evicts one pod, ranked as
/// kubelet ranks them.
public actor EvictionManager {
    /// A pod the manager evicted: who, why, and the grace period.
    public struct Eviction: Sendable {
        public var pod: Pod
        public var message: String
        public var gracePeriod: Int64
    }

    let thresholds: [EvictionThreshold]
    let transitionPeriod: TimeInterval
    let maxPodGracePeriod: Int64
    let clock: any AgentClock
    let source: any EvictionSource
    let pressure: PressureConditions
    let logger: Logger
    let reclaimDisk: @Sendable () async -> Void
    let evict: @Sendable (Eviction) async -> Void

    private var met: [EvictionThreshold] = []
    private var firstObserved: [String: Date] = [:]
    private var conditionLastObserved: [String: Date] = [:]

    public init(kubelet: KubeletConfiguration, clock: any AgentClock, source: any EvictionSource, pressure: PressureConditions,
                logger: Logger, reclaimDisk: @escaping @Sendable () async -> Void,
                evict: @escaping @Sendable (Eviction) async -> Void) {
        thresholds = EvictionRules.thresholds(kubelet)
        transitionPeriod = Double(kubelet.evictionPressureTransitionPeriod.nanoseconds) / 1e9
        maxPodGracePeriod = Int64(kubelet.evictionMaxPodGracePeriod)
        self.clock = clock
        self.source = source
        self.pressure = pressure
        self.logger = logger
        self.reclaimDisk = reclaimDisk
        self.evict = evict
    }

    /// One round; returns the eviction made, if any.
    @discardableResult
    public func synchronize() async -> Eviction? {
        guard !thresholds.isEmpty else { return nil }
        var observations = await source.observe()
        let now = clock.now()
        met = EvictionRules.met(thresholds, observations: observations, previouslyMet: met)
        let keys = Set(met.map(key))
        firstObserved = firstObserved.filter { keys.contains($0.key) }
        for t in met where firstObserved[key(t)] == nil { firstObserved[key(t)] = now }
        for t in met { conditionLastObserved[EvictionRules.condition(for: t.signal)] = now }
        let active = conditionLastObserved.filter { now.timeIntervalSince($0.value) < transitionPeriod || $0.value == now }.map(\.key)
        if Set(active) != Set(pressure.conditions) {
            logger.notice("node pressure changed", metadata: ["conditions": "\(active.sorted())"])
        }
        pressure.set(active)
        // Thresholds that act now: hard ones, and soft ones met for their whole grace period.
        let acting = met.filter { t in
            guard let grace = t.gracePeriod else { return true }
            return now.timeIntervalSince(firstObserved[key(t)] ?? now) >= grace
        }
        let order: [EvictionSignal] = [.memoryAvailable, .nodeFsAvailable, .nodeFsInodesFree, .imageFsAvailable, .imageFsInodesFree, .pidAvailable]
        guard var threshold = acting.min(by: { order.firstIndex(of: $0.signal)! < order.firstIndex(of: $1.signal)! }) else { return nil }
        if threshold.signal != .memoryAvailable && threshold.signal != .pidAvailable {
            logger.info("disk pressure: reclaiming images first", metadata: ["signal": "\(threshold.signal.rawValue)"])
            await reclaimDisk()
            observations = await source.observe()
            let still = EvictionRules.met(acting, observations: observations, previouslyMet: acting)
            guard let next = still.min(by: { order.firstIndex(of: $0.signal)! < order.firstIndex(of: $1.signal)! }) else {
                logger.info("image garbage collection relieved the disk pressure")
                return nil
            }
            threshold = next
        }
        guard let observation = observations[threshold.signal] else { return nil }
        let ranked = EvictionRules.rank(await source.podUsages(), for: threshold.signal)
        guard let victim = ranked.first else {
            logger.warning("node under pressure but no pod can be evicted", metadata: ["signal": "\(threshold.signal.rawValue)"])
            return nil
        }
        var grace: Int64 = 1
        if !threshold.isHard {
            grace = min(maxPodGracePeriod, victim.pod.spec.terminationGracePeriodSeconds ?? maxPodGracePeriod)
        }
        let eviction = Eviction(pod: victim.pod,
                                message: EvictionRules.evictionMessage(victim, threshold: threshold, observation: observation),
                                gracePeriod: grace)
        logger.warning("evicting pod", metadata: [
            "pod": "\(victim.pod.metadata.name ?? "")", "namespace": "\(victim.pod.metadata.namespace ?? "")",
            "signal": "\(threshold.signal.rawValue)", "available": "\(observation.available)", "threshold": "\(threshold.text)"])
        await evict(eviction)
        return eviction
    }

    /// Runs `synchronize` every `interval` until cancelled.
    public func run(interval: Duration) async {
        while !Task.isCancelled {
            await synchronize()
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    private func key(_ t: EvictionThreshold) -> String { "\(t.signal.rawValue)/\(t.isHard ? "hard" : "soft")" }
}
