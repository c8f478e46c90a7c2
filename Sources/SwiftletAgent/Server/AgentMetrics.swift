import Foundation
import Metrics
import Prometheus
import Synchronization

/// The agent's own metrics, served on `/metrics` in Prometheus text, with kubelet's names, labels and
/// histogram buckets (`pkg/kubelet/metrics`, `pkg/kubelet/prober`).
///
/// Every metric goes through swift-metrics with an explicit factory backed by a registry this object
/// owns, so agents (and tests) in one process never share metrics and nothing touches the
/// process-wide `MetricsSystem`.
public final class AgentMetrics: Sendable {
    /// The registry `/metrics` is rendered from.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let podStartDuration: Metrics.Timer
    private let runningPods: Metrics.Gauge
    private let probeDelay: Metrics.Timer
    /// The `prober_probe_total` counters made so far, by pod and label set: a run finds its
    /// counter here rather than in the registry, and a removed pod's series can be dropped.
    private let probeCounters: Mutex<[ProbeCounterKey: Metrics.Counter]>

    private struct ProbeCounterKey: Hashable {
        var namespace: String
        var pod: String
        var podUID: String
        var series: ProbeSeries
    }

    private struct ProbeSeries: Hashable {
        var probeType: String
        var result: String
        var container: String
    }

    // Names (kubelet's).
    static let podStartDurationName = "kubelet_pod_start_duration_seconds"
    static let podWorkerDurationName = "kubelet_pod_worker_duration_seconds"
    static let runningPodsName = "kubelet_running_pods"
    static let runningContainersName = "kubelet_running_containers"
    static let probeTotalName = "prober_probe_total"
    static let runtimeOperationsName = "kubelet_runtime_operations_total"
    static let runtimeOperationsDurationName = "kubelet_runtime_operations_duration_seconds"
    static let runtimeOperationsErrorsName = "kubelet_runtime_operations_errors_total"
    static let imagePullDurationName = "kubelet_image_pull_duration_seconds"
    /// swiftlet's own: how late probes start after their scheduled time (bench-probes reads it).
    static let probeDelayName = "swiftlet_prober_schedule_delay_seconds"

    /// Empty metrics with their own registry.
    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        func seconds(_ values: [Double]) -> [Duration] { values.map { .nanoseconds(Int64(($0 * 1e9).rounded())) } }
        // Prometheus' DefBuckets, which kubelet uses for the pod worker.
        let defBuckets = seconds([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
        factory.defaultDurationHistogramBuckets = defBuckets
        factory.durationHistogramBuckets = [
            Self.podStartDurationName: seconds([0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360,
                                                480, 600, 900, 1200, 1800, 2700, 3600]),
            Self.podWorkerDurationName: defBuckets,
            // ExponentialBuckets(0.005, 2.5, 14).
            Self.runtimeOperationsDurationName: seconds((0..<14).map { 0.005 * pow(2.5, Double($0)) }),
            Self.imagePullDurationName: seconds([1, 5, 10, 20, 30, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200,
                                                 1800, 2700, 3600]),
            Self.probeDelayName: seconds([0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]),
        ]
        self.registry = registry
        self.factory = factory
        podStartDuration = Metrics.Timer(label: Self.podStartDurationName, factory: factory)
        probeDelay = Metrics.Timer(label: Self.probeDelayName, factory: factory)
        runningPods = Metrics.Gauge(label: Self.runningPodsName, factory: factory)
        probeCounters = Mutex([:])
    }

    /// Records how long a pod took from the agent first seeing it to running (`kubelet_pod_start_duration_seconds`).
    public func observePodStart(_ duration: Duration) {
        podStartDuration.recordNanoseconds(Self.nanoseconds(duration))
    }

    /// Records one pod worker sync (`kubelet_pod_worker_duration_seconds{operation_type}`):
    /// `operation` is kubelet's `create`, `update` or `sync`.
    public func observePodWorker(operation: String, _ duration: Duration) {
        Metrics.Timer(label: Self.podWorkerDurationName, dimensions: [("operation_type", operation)], factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    /// Sets the number of pods with a running sandbox (`kubelet_running_pods`).
    public func setRunningPods(_ count: Int) {
        runningPods.record(count)
    }

    /// Sets the number of containers in `state` (`kubelet_running_containers{container_state}`):
    /// kubelet's states are `created`, `running`, `exited` and `unknown`.
    public func setRunningContainers(_ count: Int, state: String) {
        Metrics.Gauge(label: Self.runningContainersName, dimensions: [("container_state", state)], factory: factory).record(count)
    }

    /// Counts one probe run (`prober_probe_total{probe_type,result,container,pod,namespace,pod_uid}`):
    /// `probeType` is `Liveness`, `Readiness` or `Startup`; `result` is `successful`, `failed` or `unknown`.
    public func recordProbe(probeType: String, result: String, container: String, pod: String, namespace: String, podUID: String) {
        let series = ProbeSeries(probeType: probeType, result: result, container: container)
        let key = ProbeCounterKey(namespace: namespace, pod: pod, podUID: podUID, series: series)
        let counter = probeCounters.withLock { counters -> Metrics.Counter in
            if let known = counters[key] { return known }
            let made = probeCounter(series, pod: pod, namespace: namespace, podUID: podUID)
            counters[key] = made
            return made
        }
        counter.increment()
    }

    /// Records how late a probe run started after its scheduled time, in seconds.
    public func observeProbeDelay(_ seconds: TimeInterval) {
        probeDelay.recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    /// Drops a removed pod's `prober_probe_total` series, as kubelet does when its probe workers stop.
    public func forgetPod(namespace: String, name: String, uid: String) {
        let removed = probeCounters.withLock { counters -> [Metrics.Counter] in
            let keys = counters.keys.filter { $0.namespace == namespace && $0.pod == name && $0.podUID == uid }
            return keys.compactMap { counters.removeValue(forKey: $0) }
        }
        for counter in removed { counter.destroy() }
    }

    /// Records one runtime operation (`kubelet_runtime_operations_total`, `kubelet_runtime_operations_duration_seconds`
    /// and, when it failed, `kubelet_runtime_operations_errors_total`, each by `operation_type`, e.g.
    /// `create_container`, `start_container`, `stop_container`, `pull_image`).
    public func observeRuntimeOperation(_ operation: String, _ duration: Duration, failed: Bool = false) {
        let labels = [("operation_type", operation)]
        Metrics.Counter(label: Self.runtimeOperationsName, dimensions: labels, factory: factory).increment()
        Metrics.Timer(label: Self.runtimeOperationsDurationName, dimensions: labels, factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
        if failed {
            Metrics.Counter(label: Self.runtimeOperationsErrorsName, dimensions: labels, factory: factory).increment()
        }
    }

    /// Records one image pull (`kubelet_image_pull_duration_seconds{image_size_in_bytes}`, labelled with
    /// kubelet's size bucket such as `10MB-100MB`; `N/A` when the size is unknown).
    public func observeImagePull(_ duration: Duration, imageSizeBytes: UInt64) {
        Metrics.Timer(label: Self.imagePullDurationName, dimensions: [("image_size_in_bytes", Self.imageSizeBucket(imageSizeBytes))],
                      factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    /// The metrics in Prometheus text exposition format 0.0.4.
    public func prometheusText() -> String {
        registry.emitToString()
    }

    /// kubelet's label for an image size (`GetImageSizeBucket`).
    static func imageSizeBucket(_ bytes: UInt64) -> String {
        if bytes == 0 { return "N/A" }
        let mib: UInt64 = 1024 * 1024
        let gib = 1024 * mib
        let buckets: [(UInt64, String)] = [
            (0, "0-10MB"), (10 * mib, "10MB-100MB"), (100 * mib, "100MB-500MB"), (500 * mib, "500MB-1GB"),
            (gib, "1GB-5GB"), (5 * gib, "5GB-10GB"), (10 * gib, "10GB-20GB"), (20 * gib, "20GB-30GB"),
            (30 * gib, "30GB-40GB"), (40 * gib, "40GB-60GB"), (60 * gib, "60GB-100GB"), (100 * gib, "GT100GB"),
        ]
        return buckets.last { bytes > $0.0 }?.1 ?? "0-10MB"
    }

    private func probeCounter(_ s: ProbeSeries, pod: String, namespace: String, podUID: String) -> Metrics.Counter {
        Metrics.Counter(label: Self.probeTotalName,
                dimensions: [("probe_type", s.probeType), ("result", s.result), ("container", s.container),
                             ("pod", pod), ("namespace", namespace), ("pod_uid", podUID)],
                factory: factory)
    }

    private static func nanoseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
