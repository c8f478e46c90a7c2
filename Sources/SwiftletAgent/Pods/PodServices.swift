import Foundation
import Logging
import SwiftletImages
import SwiftletRuntime
import SwiftletStats

/// What every pod worker shares: the runtime, the image stores, the exit watcher, the clock,
/// the sandbox provider and the node's paths and settings.
public struct PodServices: Sendable {
    public let runtime: ContainerRuntime
    public let images: NodeImages
    public let watcher: ExitWatcher
    public let clock: any AgentClock
    public let sandboxes: any PodSandboxProvider
    public let volumes: VolumeManager
    /// `--root-dir`: pod dirs live in `<rootDir>/pods/<uid>`.
    public let rootDir: String
    /// `--run-dir`: the pods' shared namespaces live in `<runDir>/podns`.
    public let runDir: String
    /// `/var/log/pods` (kubelet's `podLogsDir`).
    public let podLogsDir: String
    public let kubelet: KubeletConfiguration
    public let envContext: PodEnvContext
    public let logger: Logger
    /// Events and timelines of the node's pods.
    public let events: EventRecorder
    /// The latest status of every pod, versioned.
    public let statuses: PodStatusCache
    /// The node's pressure conditions (admission refuses pods under them).
    public let pressure: PressureConditions
    /// Resource usage of the pods' containers (nil: not collected).
    public let stats: StatsCollector?
    /// The agent's own metrics (`/metrics`).
    public let metrics: AgentMetrics
    /// Runs the containers' probes (nil: none run).
    public let probes: ProbeManager?

    public init(runtime: ContainerRuntime, images: NodeImages, watcher: ExitWatcher, clock: any AgentClock,
                sandboxes: any PodSandboxProvider, volumes: VolumeManager = VolumeManager(), rootDir: String, runDir: String = "/run/swiftlet", podLogsDir: String,
                kubelet: KubeletConfiguration, envContext: PodEnvContext, logger: Logger,
                events: EventRecorder? = nil, statuses: PodStatusCache = PodStatusCache(), pressure: PressureConditions = PressureConditions(), stats: StatsCollector? = nil,
                metrics: AgentMetrics = AgentMetrics(), probes: ProbeManager? = nil) {
        self.runtime = runtime
        self.images = images
        self.watcher = watcher
        self.clock = clock
        self.sandboxes = sandboxes
        self.volumes = volumes
        self.rootDir = rootDir
        self.runDir = runDir
        self.podLogsDir = podLogsDir
        self.kubelet = kubelet
        self.envContext = envContext
        self.logger = logger
        self.events = events ?? EventRecorder(nodeName: "", rootDir: rootDir, clock: clock, logger: logger)
        self.statuses = statuses
        self.pressure = pressure
        self.stats = stats
        self.metrics = metrics
        self.probes = probes
    }

    /// `<rootDir>/pods/<uid>`.
    public func podDir(uid: String) -> String { "\(rootDir)/pods/\(uid)" }

    /// `<podLogsDir>/<namespace>_<name>_<uid>`.
    public func podLogDir(namespace: String, name: String, uid: String) -> String {
        "\(podLogsDir)/\(namespace)_\(name)_\(uid)"
    }
}

/// Labels on every container the agent creates, so a restarted agent can find its pods.
public enum PodLabels {
    public static let podUID = "io.kubernetes.pod.uid"
    public static let podName = "io.kubernetes.pod.name"
    public static let podNamespace = "io.kubernetes.pod.namespace"
    public static let containerName = "io.kubernetes.container.name"
    public static let restartCount = "io.kubernetes.container.restartCount"
    public static let logPath = "io.swiftlet.log-path"
    public static let image = "io.swiftlet.image"
    public static let imageID = "io.swiftlet.image-id"
    public static let stopSignal = "io.swiftlet.stop-signal"
}
