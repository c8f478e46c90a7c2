import Foundation

/// A running container the collector samples: who it is and where its cgroup and files are.
public struct ContainerRegistration: Sendable, Hashable {
    /// UID of the pod the container belongs to.
    public var podUID: String
    /// Name of that pod.
    public var podName: String
    /// Namespace of that pod.
    public var namespace: String
    /// The container's name in the pod spec.
    public var containerName: String
    /// The runtime's container ID; the key of the registration.
    public var containerID: String
    /// The container's cgroup path inside the hierarchy (`/kubepods/besteffort/pod<uid>/<id>`).
    public var cgroupPath: String
    /// The container's init process on the host, used to read the pod's network counters when the
    /// pod has no `netnsPID`.
    public var initPID: Int32?
    /// When the container was created (`startTime` in the Summary API).
    public var startTime: Date
    /// The overlay upper directory holding the container's writable layer; nil: no rootfs stats.
    public var rootfsUpperDir: String?
    /// The directory of the container's log files (`<podLogsDir>/<ns>_<pod>_<uid>/<container>`);
    /// nil: no logs stats.
    public var logDir: String?

    /// Creates a registration.
    public init(podUID: String, podName: String, namespace: String, containerName: String, containerID: String,
                cgroupPath: String, initPID: Int32? = nil, startTime: Date, rootfsUpperDir: String? = nil, logDir: String? = nil) {
        self.podUID = podUID
        self.podName = podName
        self.namespace = namespace
        self.containerName = containerName
        self.containerID = containerID
        self.cgroupPath = cgroupPath
        self.initPID = initPID
        self.startTime = startTime
        self.rootfsUpperDir = rootfsUpperDir
        self.logDir = logDir
    }
}

/// A pod the collector samples: its cgroup, network namespace and volumes.
public struct PodRegistration: Sendable, Hashable {
    /// Pod UID; the key of the registration.
    public var uid: String
    /// Pod name.
    public var name: String
    /// Pod namespace.
    public var namespace: String
    /// When the pod sandbox was created (`startTime` in the Summary API).
    public var startTime: Date
    /// The pod cgroup (`/kubepods/burstable/pod<uid>`); nil: pod CPU and memory are the sums of its
    /// containers'.
    public var cgroupPath: String?
    /// A process inside the pod's network namespace (the sandbox holder); nil: the first container
    /// with an `initPID` stands in (for a host-network pod that gives the node's interfaces, as
    /// kubelet reports them).
    public var netnsPID: Int32?
    /// The pod's volumes whose usage is reported.
    public var volumes: [VolumeRegistration]

    /// Creates a registration.
    public init(uid: String, name: String, namespace: String, startTime: Date, cgroupPath: String? = nil,
                netnsPID: Int32? = nil, volumes: [VolumeRegistration] = []) {
        self.uid = uid
        self.name = name
        self.namespace = namespace
        self.startTime = startTime
        self.cgroupPath = cgroupPath
        self.netnsPID = netnsPID
        self.volumes = volumes
    }
}

/// A pod volume whose directory the collector measures.
public struct VolumeRegistration: Sendable, Hashable {
    /// The volume's name in the pod spec.
    public var name: String
    /// The volume's directory on the host.
    public var path: String
    /// Whether the volume counts toward the pod's `ephemeral-storage` (kubelet counts emptyDir on
    /// disk, configMap and gitRepo volumes).
    public var isEphemeral: Bool

    /// Creates a registration.
    public init(name: String, path: String, isEphemeral: Bool) {
        self.name = name
        self.path = path
        self.isEphemeral = isEphemeral
    }
}

/// The node-level paths the collector samples.
public struct NodePaths: Sendable, Hashable {
    /// The agent's root directory: its filesystem is the node's `fs` and every pod's ephemeral storage.
    public var rootDirectory: String
    /// The image store: its filesystem and usage are `runtime.imageFs`.
    public var imageStoreDirectory: String
    /// The directory under which container writable layers live (`runtime.containerFs`); nil: the root directory.
    public var containerStoreDirectory: String?
    /// System containers by Summary name (`pods` → `/kubepods`, `kubelet` → the agent's own cgroup).
    public var systemContainers: [String: String]
    /// A process in the host network namespace whose `/proc/<pid>/net/dev` gives the node's
    /// interfaces. Default 1 (init).
    public var networkPID: Int32

    /// Creates node paths.
    public init(rootDirectory: String, imageStoreDirectory: String, containerStoreDirectory: String? = nil,
                systemContainers: [String: String] = [:], networkPID: Int32 = 1) {
        self.rootDirectory = rootDirectory
        self.imageStoreDirectory = imageStoreDirectory
        self.containerStoreDirectory = containerStoreDirectory
        self.systemContainers = systemContainers
        self.networkPID = networkPID
    }
}
