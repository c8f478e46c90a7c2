/// Observed state of a pod (`core/v1.PodStatus`), reported by the kubelet.
public struct PodStatus: Codable, Hashable, Sendable {
    /// The `metadata.generation` this status reflects.
    public var observedGeneration: Int64?
    /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
    public var phase: String?
    /// Current conditions (`Ready`, `ContainersReady`, `Initialized`, ...).
    public var conditions: [PodCondition]?
    /// Human-readable detail on the pod's state.
    public var message: String?
    /// CamelCase reason, e.g. `Evicted`.
    public var reason: String?
    /// Node the scheduler nominated during preemption.
    public var nominatedNodeName: String?
    /// Primary IP of the node.
    public var hostIP: String?
    /// IPs of the node, primary first.
    public var hostIPs: [HostIP]?
    /// Primary IP of the pod.
    public var podIP: String?
    /// IPs of the pod, primary first.
    public var podIPs: [PodIP]?
    /// When the kubelet accepted the pod.
    public var startTime: Time?
    /// Status of each init container.
    public var initContainerStatuses: [ContainerStatus]?
    /// Status of each app container.
    public var containerStatuses: [ContainerStatus]?
    /// `Guaranteed`, `Burstable` or `BestEffort`.
    public var qosClass: String?
    /// Status of each ephemeral container.
    public var ephemeralContainerStatuses: [ContainerStatus]?
    /// Deprecated in-place resize status.
    public var resize: String?

    /// Creates a `PodStatus`; every argument defaults to unset.
    public init(
        observedGeneration: Int64? = nil,
        phase: String? = nil,
        conditions: [PodCondition]? = nil,
        message: String? = nil,
        reason: String? = nil,
        nominatedNodeName: String? = nil,
        hostIP: String? = nil,
        hostIPs: [HostIP]? = nil,
        podIP: String? = nil,
        podIPs: [PodIP]? = nil,
        startTime: Time? = nil,
        initContainerStatuses: [ContainerStatus]? = nil,
        containerStatuses: [ContainerStatus]? = nil,
        qosClass: String? = nil,
        ephemeralContainerStatuses: [ContainerStatus]? = nil,
        resize: String? = nil
    ) {
        self.observedGeneration = observedGeneration
        self.phase = phase
        self.conditions = conditions
        self.message = message
        self.reason = reason
        self.nominatedNodeName = nominatedNodeName
        self.hostIP = hostIP
        self.hostIPs = hostIPs
        self.podIP = podIP
        self.podIPs = podIPs
        self.startTime = startTime
        self.initContainerStatuses = initContainerStatuses
        self.containerStatuses = containerStatuses
        self.qosClass = qosClass
        self.ephemeralContainerStatuses = ephemeralContainerStatuses
        self.resize = resize
    }
}

/// A condition of a pod.
public struct PodCondition: Codable, Hashable, Sendable {
    /// Condition type, e.g. `Ready`.
    public var type: String
    /// The `metadata.generation` the condition reflects.
    public var observedGeneration: Int64?
    /// `True`, `False` or `Unknown`.
    public var status: String
    /// Last time the condition was probed.
    public var lastProbeTime: Time?
    /// Last time the status changed.
    public var lastTransitionTime: Time?
    /// CamelCase reason of the last transition.
    public var reason: String?
    /// Human-readable detail.
    public var message: String?

    /// Creates a `PodCondition`; every argument defaults to unset.
    public init(
        type: String = "",
        observedGeneration: Int64? = nil,
        status: String = "",
        lastProbeTime: Time? = nil,
        lastTransitionTime: Time? = nil,
        reason: String? = nil,
        message: String? = nil
    ) {
        self.type = type
        self.observedGeneration = observedGeneration
        self.status = status
        self.lastProbeTime = lastProbeTime
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }

    private enum CodingKeys: String, CodingKey {
        case type
        case observedGeneration
        case status
        case lastProbeTime
        case lastTransitionTime
        case reason
        case message
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        self.observedGeneration = try c.decodeIfPresent(Int64.self, forKey: .observedGeneration)
        self.status = try c.decodeIfPresent(String.self, forKey: .status) ?? ""
        self.lastProbeTime = try c.decodeIfPresent(Time.self, forKey: .lastProbeTime)
        self.lastTransitionTime = try c.decodeIfPresent(Time.self, forKey: .lastTransitionTime)
        self.reason = try c.decodeIfPresent(String.self, forKey: .reason)
        self.message = try c.decodeIfPresent(String.self, forKey: .message)
    }
}

/// An IP address of the pod's node.
public struct HostIP: Codable, Hashable, Sendable {
    /// The address.
    public var ip: String

    /// Creates a `HostIP`; every argument defaults to unset.
    public init(ip: String = "") {
        self.ip = ip
    }

    private enum CodingKeys: String, CodingKey {
        case ip
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.ip = try c.decodeIfPresent(String.self, forKey: .ip) ?? ""
    }
}

/// An IP address of a pod.
public struct PodIP: Codable, Hashable, Sendable {
    /// The address.
    public var ip: String

    /// Creates a `PodIP`; every argument defaults to unset.
    public init(ip: String = "") {
        self.ip = ip
    }

    private enum CodingKeys: String, CodingKey {
        case ip
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.ip = try c.decodeIfPresent(String.self, forKey: .ip) ?? ""
    }
}

/// Observed state of one container.
public struct ContainerStatus: Codable, Hashable, Sendable {
    /// Container name.
    public var name: String
    /// Current state.
    public var state: ContainerState?
    /// State of the previous run, for restarts.
    public var lastState: ContainerState?
    /// Whether the readiness probe passes.
    public var ready: Bool
    /// Times the container has restarted.
    public var restartCount: Int32
    /// Image the container runs.
    public var image: String
    /// Digest reference of the image.
    public var imageID: String
    /// `<runtime>://<id>`.
    public var containerID: String?
    /// Whether the startup probe passed (true without one once running).
    public var started: Bool?
    /// Resources allocated to the container.
    public var allocatedResources: [String: Quantity]?
    /// Resources actually configured.
    public var resources: ResourceRequirements?
    /// Mounts as made.
    public var volumeMounts: [VolumeMountStatus]?
    /// Identity the first process runs as.
    public var user: ContainerUser?
    /// Signal the container is stopped with.
    public var stopSignal: String?

    /// Creates a `ContainerStatus`; every argument defaults to unset.
    public init(
        name: String = "",
        state: ContainerState? = nil,
        lastState: ContainerState? = nil,
        ready: Bool = false,
        restartCount: Int32 = 0,
        image: String = "",
        imageID: String = "",
        containerID: String? = nil,
        started: Bool? = nil,
        allocatedResources: [String: Quantity]? = nil,
        resources: ResourceRequirements? = nil,
        volumeMounts: [VolumeMountStatus]? = nil,
        user: ContainerUser? = nil,
        stopSignal: String? = nil
    ) {
        self.name = name
        self.state = state
        self.lastState = lastState
        self.ready = ready
        self.restartCount = restartCount
        self.image = image
        self.imageID = imageID
        self.containerID = containerID
        self.started = started
        self.allocatedResources = allocatedResources
        self.resources = resources
        self.volumeMounts = volumeMounts
        self.user = user
        self.stopSignal = stopSignal
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case state
        case lastState
        case ready
        case restartCount
        case image
        case imageID
        case containerID
        case started
        case allocatedResources
        case resources
        case volumeMounts
        case user
        case stopSignal
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.state = try c.decodeIfPresent(ContainerState.self, forKey: .state)
        self.lastState = try c.decodeIfPresent(ContainerState.self, forKey: .lastState)
        self.ready = try c.decodeIfPresent(Bool.self, forKey: .ready) ?? false
        self.restartCount = try c.decodeIfPresent(Int32.self, forKey: .restartCount) ?? 0
        self.image = try c.decodeIfPresent(String.self, forKey: .image) ?? ""
        self.imageID = try c.decodeIfPresent(String.self, forKey: .imageID) ?? ""
        self.containerID = try c.decodeIfPresent(String.self, forKey: .containerID)
        self.started = try c.decodeIfPresent(Bool.self, forKey: .started)
        self.allocatedResources = try c.decodeIfPresent([String: Quantity].self, forKey: .allocatedResources)
        self.resources = try c.decodeIfPresent(ResourceRequirements.self, forKey: .resources)
        self.volumeMounts = try c.decodeIfPresent([VolumeMountStatus].self, forKey: .volumeMounts)
        self.user = try c.decodeIfPresent(ContainerUser.self, forKey: .user)
        self.stopSignal = try c.decodeIfPresent(String.self, forKey: .stopSignal)
    }
}

/// A container's state; at most one member is set.
public struct ContainerState: Codable, Hashable, Sendable {
    /// Not running yet.
    public var waiting: ContainerStateWaiting?
    /// Running.
    public var running: ContainerStateRunning?
    /// Exited.
    public var terminated: ContainerStateTerminated?

    /// Creates a `ContainerState`; every argument defaults to unset.
    public init(
        waiting: ContainerStateWaiting? = nil,
        running: ContainerStateRunning? = nil,
        terminated: ContainerStateTerminated? = nil
    ) {
        self.waiting = waiting
        self.running = running
        self.terminated = terminated
    }
}

/// A container that is not running yet.
public struct ContainerStateWaiting: Codable, Hashable, Sendable {
    /// Why, e.g. `ContainerCreating` or `CrashLoopBackOff`.
    public var reason: String?
    /// Human-readable detail.
    public var message: String?

    /// Creates a `ContainerStateWaiting`; every argument defaults to unset.
    public init(reason: String? = nil, message: String? = nil) {
        self.reason = reason
        self.message = message
    }
}

/// A running container.
public struct ContainerStateRunning: Codable, Hashable, Sendable {
    /// When it (last) started.
    public var startedAt: Time?

    /// Creates a `ContainerStateRunning`; every argument defaults to unset.
    public init(startedAt: Time? = nil) {
        self.startedAt = startedAt
    }
}

/// A container that exited.
public struct ContainerStateTerminated: Codable, Hashable, Sendable {
    /// Exit status.
    public var exitCode: Int32
    /// Signal that killed it.
    public var signal: Int32?
    /// Why, e.g. `Completed`, `Error` or `OOMKilled`.
    public var reason: String?
    /// Termination message.
    public var message: String?
    /// When it started.
    public var startedAt: Time?
    /// When it exited.
    public var finishedAt: Time?
    /// `<runtime>://<id>`.
    public var containerID: String?

    /// Creates a `ContainerStateTerminated`; every argument defaults to unset.
    public init(
        exitCode: Int32 = 0,
        signal: Int32? = nil,
        reason: String? = nil,
        message: String? = nil,
        startedAt: Time? = nil,
        finishedAt: Time? = nil,
        containerID: String? = nil
    ) {
        self.exitCode = exitCode
        self.signal = signal
        self.reason = reason
        self.message = message
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.containerID = containerID
    }

    private enum CodingKeys: String, CodingKey {
        case exitCode
        case signal
        case reason
        case message
        case startedAt
        case finishedAt
        case containerID
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.exitCode = try c.decodeIfPresent(Int32.self, forKey: .exitCode) ?? 0
        self.signal = try c.decodeIfPresent(Int32.self, forKey: .signal)
        self.reason = try c.decodeIfPresent(String.self, forKey: .reason)
        self.message = try c.decodeIfPresent(String.self, forKey: .message)
        self.startedAt = try c.decodeIfPresent(Time.self, forKey: .startedAt)
        self.finishedAt = try c.decodeIfPresent(Time.self, forKey: .finishedAt)
        self.containerID = try c.decodeIfPresent(String.self, forKey: .containerID)
    }
}

/// A volume mount as made.
public struct VolumeMountStatus: Codable, Hashable, Sendable {
    /// Volume name.
    public var name: String
    /// Path in the container.
    public var mountPath: String
    /// Mounted read-only.
    public var readOnly: Bool?
    /// `Disabled` or `Enabled`.
    public var recursiveReadOnly: String?

    /// Creates a `VolumeMountStatus`; every argument defaults to unset.
    public init(
        name: String = "",
        mountPath: String = "",
        readOnly: Bool? = nil,
        recursiveReadOnly: String? = nil
    ) {
        self.name = name
        self.mountPath = mountPath
        self.readOnly = readOnly
        self.recursiveReadOnly = recursiveReadOnly
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case mountPath
        case readOnly
        case recursiveReadOnly
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.mountPath = try c.decodeIfPresent(String.self, forKey: .mountPath) ?? ""
        self.readOnly = try c.decodeIfPresent(Bool.self, forKey: .readOnly)
        self.recursiveReadOnly = try c.decodeIfPresent(String.self, forKey: .recursiveReadOnly)
    }
}

/// The identity of a container's first process.
public struct ContainerUser: Codable, Hashable, Sendable {
    /// On Linux.
    public var linux: LinuxContainerUser?

    /// Creates a `ContainerUser`; every argument defaults to unset.
    public init(linux: LinuxContainerUser? = nil) {
        self.linux = linux
    }
}

/// A Linux identity.
public struct LinuxContainerUser: Codable, Hashable, Sendable {
    /// User ID.
    public var uid: Int64
    /// Primary group ID.
    public var gid: Int64
    /// Supplementary group IDs.
    public var supplementalGroups: [Int64]?

    /// Creates a `LinuxContainerUser`; every argument defaults to unset.
    public init(uid: Int64 = 0, gid: Int64 = 0, supplementalGroups: [Int64]? = nil) {
        self.uid = uid
        self.gid = gid
        self.supplementalGroups = supplementalGroups
    }

    private enum CodingKeys: String, CodingKey {
        case uid
        case gid
        case supplementalGroups
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.uid = try c.decodeIfPresent(Int64.self, forKey: .uid) ?? 0
        self.gid = try c.decodeIfPresent(Int64.self, forKey: .gid) ?? 0
        self.supplementalGroups = try c.decodeIfPresent([Int64].self, forKey: .supplementalGroups)
    }
}
