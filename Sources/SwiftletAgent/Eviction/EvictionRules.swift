import Foundation
import SwiftletAPI

/// What a signal measured: available and capacity, in bytes, inodes or pids.
public struct EvictionObservation: Sendable, Equatable {
    public var available: Int64
    public var capacity: Int64
    public init(available: Int64, capacity: Int64) {
        self.available = available
        self.capacity = capacity
    }
}

/// One configured threshold: `signal < value`, hard or soft with its grace period, and the
/// minimum to reclaim beyond it.
public struct EvictionThreshold: Sendable, Equatable {
    public var signal: EvictionSignal
    public var value: EvictionThresholdValue
    /// Seconds the threshold must be met before it acts; nil for a hard threshold.
    public var gracePeriod: TimeInterval?
    public var minimumReclaim: EvictionThresholdValue?

    public var isHard: Bool { gracePeriod == nil }

    /// The threshold in the signal's unit for `capacity`.
    public func quantity(capacity: Int64) -> Int64 {
        Self.amount(value, capacity: capacity)
    }

    static func amount(_ value: EvictionThresholdValue, capacity: Int64) -> Int64 {
        switch value {
        case .quantity(let q): return q.value
        case .percentage(let p): return Int64((Double(capacity) * p / 100).rounded(.down))
        }
    }

    /// `100Mi` or `10%` as configured.
    public var text: String {
        switch value {
        case .quantity(let q): return q.description
        case .percentage(let p): return p == p.rounded() ? "\(Int(p))%" : "\(p)%"
        }
    }
}

/// What the ranking needs to know of a pod: its usage of the pressured resources.
public struct PodUsage: Sendable {
    public var pod: Pod
    /// Working set bytes per container, by container name.
    public var memory: [String: Int64]
    /// Local ephemeral storage bytes (rootfs upper dirs, logs, emptyDirs), by container name;
    /// pod-level usage (emptyDirs) under "".
    public var ephemeral: [String: Int64]
    public var processes: Int64

    public init(pod: Pod, memory: [String: Int64] = [:], ephemeral: [String: Int64] = [:], processes: Int64 = 0) {
        self.pod = pod
        self.memory = memory
        self.ephemeral = ephemeral
        self.processes = processes
    }
}

/// kubelet's node-pressure eviction rules, as pure functions: thresholds from the
/// configuration, which are met, which node conditions they raise, how pods rank, and the
/// messages evicted or refused pods carry.
public enum EvictionRules {
    /// The thresholds of `kubelet`'s configuration (0% and 100% switch one off).
    public static func thresholds(_ kubelet: KubeletConfiguration) -> [EvictionThreshold] {
        var out: [EvictionThreshold] = []
        func parse(_ text: String?) -> EvictionThresholdValue? { text.flatMap { try? EvictionThresholdValue(parsing: $0) } }
        for signal in EvictionSignal.allCases {
            let reclaim = parse(kubelet.evictionMinimumReclaim[signal.rawValue])
            if let hard = parse(kubelet.evictionHard[signal.rawValue]), !hard.isDisabled {
                out.append(EvictionThreshold(signal: signal, value: hard, gracePeriod: nil, minimumReclaim: reclaim))
            }
            if let soft = parse(kubelet.evictionSoft[signal.rawValue]), !soft.isDisabled,
               let grace = kubelet.evictionSoftGracePeriod[signal.rawValue].flatMap({ try? GoDuration(parsing: $0) }) {
                out.append(EvictionThreshold(signal: signal, value: soft, gracePeriod: Double(grace.nanoseconds) / 1e9, minimumReclaim: reclaim))
            }
        }
        return out
    }

    /// The thresholds met by `observations`. One met before (`previouslyMet`) stays met until
    /// the signal recovers past its minimum reclaim too.
    public static func met(_ thresholds: [EvictionThreshold], observations: [EvictionSignal: EvictionObservation],
                           previouslyMet: [EvictionThreshold] = []) -> [EvictionThreshold] {
        thresholds.filter { t in
            guard let o = observations[t.signal] else { return false }
            var limit = t.quantity(capacity: o.capacity)
            if previouslyMet.contains(t), let reclaim = t.minimumReclaim {
                limit += EvictionThreshold.amount(reclaim, capacity: o.capacity)
            }
            return o.available < limit
        }
    }

    /// The node condition a signal raises.
    public static func condition(for signal: EvictionSignal) -> String {
        switch signal {
        case .memoryAvailable: return "MemoryPressure"
        case .nodeFsAvailable, .nodeFsInodesFree, .imageFsAvailable, .imageFsInodesFree: return "DiskPressure"
        case .pidAvailable: return "PIDPressure"
        }
    }

    /// The resource a signal is about, as eviction messages name it.
    public static func resource(for signal: EvictionSignal) -> String {
        switch signal {
        case .memoryAvailable: return "memory"
        case .nodeFsAvailable, .imageFsAvailable: return "ephemeral-storage"
        case .nodeFsInodesFree, .imageFsInodesFree: return "inodes"
        case .pidAvailable: return "pids"
        }
    }

    /// Pods in eviction order for `signal`, first to go first: for memory and disk, those using
    /// more than they request, then lower priority, then the larger excess over requests; for
    /// pids, lower priority, then more processes. Critical pods are left out.
    public static func rank(_ usages: [PodUsage], for signal: EvictionSignal) -> [PodUsage] {
        let candidates = usages.filter { !isCritical($0.pod) }
        func priority(_ u: PodUsage) -> Int32 { u.pod.spec.priority ?? 0 }
        switch signal {
        case .pidAvailable:
            return candidates.sorted { a, b in
                priority(a) != priority(b) ? priority(a) < priority(b) : a.processes > b.processes
            }
        default:
            let memory = signal == .memoryAvailable
            func usage(_ u: PodUsage) -> Int64 { (memory ? u.memory : u.ephemeral).values.reduce(0, +) }
            func request(_ u: PodUsage) -> Int64 { podRequest(u.pod, memory ? "memory" : "ephemeral-storage") }
            return candidates.sorted { a, b in
                let exceedsA = usage(a) > request(a), exceedsB = usage(b) > request(b)
                if exceedsA != exceedsB { return exceedsA }
                if priority(a) != priority(b) { return priority(a) < priority(b) }
                return usage(a) - request(a) > usage(b) - request(b)
            }
        }
    }

    /// Static and mirror pods are critical to kubelet, which never evicts them; with no API
    /// server every swiftlet pod is static, so here only the system priority classes (or a
    /// priority of 2000000000 and more) make a pod critical.
    public static func isCritical(_ pod: Pod) -> Bool {
        if let p = pod.spec.priority, p >= 2_000_000_000 { return true }
        return ["system-node-critical", "system-cluster-critical"].contains(pod.spec.priorityClassName ?? "")
    }

    /// The sum of a resource's requests over the pod's containers (limits stand in for
    /// missing requests, as the API defaults them).
    static func podRequest(_ pod: Pod, _ resource: String) -> Int64 {
        pod.spec.containers.reduce(0) { sum, c in
            sum + ((c.resources?.requests?[resource] ?? c.resources?.limits?[resource])?.value ?? 0)
        }
    }

    /// kubelet's message for a pod evicted on `threshold`.
    public static func evictionMessage(_ usage: PodUsage, threshold: EvictionThreshold, observation: EvictionObservation) -> String {
        let resource = resource(for: threshold.signal)
        var message = "The node was low on resource: \(resource). Threshold quantity: \(threshold.text), available: \(format(observation.available, signal: threshold.signal)). "
        guard threshold.signal == .memoryAvailable || resource == "ephemeral-storage" else { return message }
        let perContainer = threshold.signal == .memoryAvailable ? usage.memory : usage.ephemeral
        for c in usage.pod.spec.containers {
            let used = perContainer[c.name] ?? 0
            let requested = (c.resources?.requests?[resource] ?? c.resources?.limits?[resource])?.value ?? 0
            if used > requested {
                message += "Container \(c.name) was using \(format(used, signal: threshold.signal)), request is \(format(requested, signal: threshold.signal)), has larger consumption of \(resource). "
            }
        }
        return message
    }

    /// The refusal for a pod admitted under `conditions`: nil when it may run. Under memory
    /// pressure only BestEffort pods are refused; under disk or PID pressure every pod is.
    public static func admissionRejection(_ pod: Pod, conditions: [String]) -> (reason: String, message: String)? {
        guard !conditions.isEmpty, !isCritical(pod) else { return nil }
        if conditions == ["MemoryPressure"], PodResources.qosClass(pod.spec) != "BestEffort" { return nil }
        return ("Evicted", "The node had condition: [\(conditions.joined(separator: " "))]. ")
    }

    /// Bytes as a binary-SI quantity (`50Mi`, `1536Ki`, `1000`), other units as numbers.
    static func format(_ value: Int64, signal: EvictionSignal) -> String {
        switch signal {
        case .memoryAvailable, .nodeFsAvailable, .imageFsAvailable:
            return Quantity(value: value, format: .binarySI).description
        default:
            return "\(value)"
        }
    }
}
