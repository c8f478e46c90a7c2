/// Observed state of a node, reported by the kubelet.
public struct NodeStatus: Codable, Hashable, Sendable {
    /// Total resources of the node.
    public var capacity: [String: Quantity]?
    /// Resources available to pods.
    public var allocatable: [String: Quantity]?
    /// Current conditions (`Ready`, `MemoryPressure`, ...).
    public var conditions: [NodeCondition]?
    /// Addresses of the node.
    public var addresses: [NodeAddress]?
    /// Ports of daemons on the node.
    public var daemonEndpoints: NodeDaemonEndpoints?
    /// Identity and versions of the node.
    public var nodeInfo: NodeSystemInfo?
    /// Images present on the node.
    public var images: [ContainerImage]?
    /// Attachable volumes in use.
    public var volumesInUse: [String]?
    /// Volumes attached to the node.
    public var volumesAttached: [AttachedVolume]?
    /// Dynamic kubelet config status (deprecated).
    public var config: NodeConfigStatus?
    /// Runtime handlers available.
    public var runtimeHandlers: [NodeRuntimeHandler]?
    /// Features the node supports.
    public var features: NodeFeatures?

    /// Creates a `NodeStatus`; every argument defaults to unset.
    public init(
        capacity: [String: Quantity]? = nil,
        allocatable: [String: Quantity]? = nil,
        conditions: [NodeCondition]? = nil,
        addresses: [NodeAddress]? = nil,
        daemonEndpoints: NodeDaemonEndpoints? = nil,
        nodeInfo: NodeSystemInfo? = nil,
        images: [ContainerImage]? = nil,
        volumesInUse: [String]? = nil,
        volumesAttached: [AttachedVolume]? = nil,
        config: NodeConfigStatus? = nil,
        runtimeHandlers: [NodeRuntimeHandler]? = nil,
        features: NodeFeatures? = nil
    ) {
        self.capacity = capacity
        self.allocatable = allocatable
        self.conditions = conditions
        self.addresses = addresses
        self.daemonEndpoints = daemonEndpoints
        self.nodeInfo = nodeInfo
        self.images = images
        self.volumesInUse = volumesInUse
        self.volumesAttached = volumesAttached
        self.config = config
        self.runtimeHandlers = runtimeHandlers
        self.features = features
    }
}

/// A condition of a node.
public struct NodeCondition: Codable, Hashable, Sendable {
    /// `Ready`, `MemoryPressure`, `DiskPressure`, `PIDPressure` or `NetworkUnavailable`.
    public var type: String
    /// `True`, `False` or `Unknown`.
    public var status: String
    /// Last time the condition was reported.
    public var lastHeartbeatTime: Time?
    /// Last time the status changed.
    public var lastTransitionTime: Time?
    /// CamelCase reason of the last transition.
    public var reason: String?
    /// Human-readable detail.
    public var message: String?

    /// Creates a `NodeCondition`; every argument defaults to unset.
    public init(
        type: String = "",
        status: String = "",
        lastHeartbeatTime: Time? = nil,
        lastTransitionTime: Time? = nil,
        reason: String? = nil,
        message: String? = nil
    ) {
        self.type = type
        self.status = status
        self.lastHeartbeatTime = lastHeartbeatTime
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }

    private enum CodingKeys: String, CodingKey {
        case type
        case status
        case lastHeartbeatTime
        case lastTransitionTime
        case reason
        case message
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        self.status = try c.decodeIfPresent(String.self, forKey: .status) ?? ""
        self.lastHeartbeatTime = try c.decodeIfPresent(Time.self, forKey: .lastHeartbeatTime)
        self.lastTransitionTime = try c.decodeIfPresent(Time.self, forKey: .lastTransitionTime)
        self.reason = try c.decodeIfPresent(String.self, forKey: .reason)
        self.message = try c.decodeIfPresent(String.self, forKey: .message)
    }
}

/// An address of a node.
public struct NodeAddress: Codable, Hashable, Sendable {
    /// `Hostname`, `InternalIP`, `ExternalIP`, `InternalDNS` or `ExternalDNS`.
    public var type: String
    /// The address.
    public var address: String

    /// Creates a `NodeAddress`; every argument defaults to unset.
    public init(type: String = "", address: String = "") {
        self.type = type
        self.address = address
    }

    private enum CodingKeys: String, CodingKey {
        case type
        case address
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        self.address = try c.decodeIfPresent(String.self, forKey: .address) ?? ""
    }
}

/// Ports of daemons on the node.
public struct NodeDaemonEndpoints: Codable, Hashable, Sendable {
    /// The kubelet's HTTPS port.
    public var kubeletEndpoint: DaemonEndpoint?

    /// Creates a `NodeDaemonEndpoints`; every argument defaults to unset.
    public init(kubeletEndpoint: DaemonEndpoint? = nil) {
        self.kubeletEndpoint = kubeletEndpoint
    }
}

/// A daemon's port.
public struct DaemonEndpoint: Codable, Hashable, Sendable {
    /// Port number (serialized as `Port`).
    public var port: Int32

    /// Creates a `DaemonEndpoint`; every argument defaults to unset.
    public init(port: Int32 = 0) {
        self.port = port
    }

    private enum CodingKeys: String, CodingKey {
        case port = "Port"
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.port = try c.decodeIfPresent(Int32.self, forKey: .port) ?? 0
    }
}

/// Identity and software versions of a node.
public struct NodeSystemInfo: Codable, Hashable, Sendable {
    /// `/etc/machine-id`.
    public var machineID: String
    /// SMBIOS system UUID.
    public var systemUUID: String
    /// Boot ID; changes on reboot.
    public var bootID: String
    /// `uname -r`.
    public var kernelVersion: String
    /// `PRETTY_NAME` of `/etc/os-release`.
    public var osImage: String
    /// `<runtime>://<version>`.
    public var containerRuntimeVersion: String
    /// Kubelet version.
    public var kubeletVersion: String
    /// Kube-proxy version (deprecated).
    public var kubeProxyVersion: String
    /// `GOOS`-style name, `linux`.
    public var operatingSystem: String
    /// `GOARCH`-style name, `amd64` or `arm64`.
    public var architecture: String
    /// Swap memory.
    public var swap: NodeSwapStatus?

    /// Creates a `NodeSystemInfo`; every argument defaults to unset.
    public init(
        machineID: String = "",
        systemUUID: String = "",
        bootID: String = "",
        kernelVersion: String = "",
        osImage: String = "",
        containerRuntimeVersion: String = "",
        kubeletVersion: String = "",
        kubeProxyVersion: String = "",
        operatingSystem: String = "",
        architecture: String = "",
        swap: NodeSwapStatus? = nil
    ) {
        self.machineID = machineID
        self.systemUUID = systemUUID
        self.bootID = bootID
        self.kernelVersion = kernelVersion
        self.osImage = osImage
        self.containerRuntimeVersion = containerRuntimeVersion
        self.kubeletVersion = kubeletVersion
        self.kubeProxyVersion = kubeProxyVersion
        self.operatingSystem = operatingSystem
        self.architecture = architecture
        self.swap = swap
    }

    private enum CodingKeys: String, CodingKey {
        case machineID
        case systemUUID
        case bootID
        case kernelVersion
        case osImage
        case containerRuntimeVersion
        case kubeletVersion
        case kubeProxyVersion
        case operatingSystem
        case architecture
        case swap
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.machineID = try c.decodeIfPresent(String.self, forKey: .machineID) ?? ""
        self.systemUUID = try c.decodeIfPresent(String.self, forKey: .systemUUID) ?? ""
        self.bootID = try c.decodeIfPresent(String.self, forKey: .bootID) ?? ""
        self.kernelVersion = try c.decodeIfPresent(String.self, forKey: .kernelVersion) ?? ""
        self.osImage = try c.decodeIfPresent(String.self, forKey: .osImage) ?? ""
        self.containerRuntimeVersion = try c.decodeIfPresent(String.self, forKey: .containerRuntimeVersion) ?? ""
        self.kubeletVersion = try c.decodeIfPresent(String.self, forKey: .kubeletVersion) ?? ""
        self.kubeProxyVersion = try c.decodeIfPresent(String.self, forKey: .kubeProxyVersion) ?? ""
        self.operatingSystem = try c.decodeIfPresent(String.self, forKey: .operatingSystem) ?? ""
        self.architecture = try c.decodeIfPresent(String.self, forKey: .architecture) ?? ""
        self.swap = try c.decodeIfPresent(NodeSwapStatus.self, forKey: .swap)
    }
}

/// Swap memory of a node.
public struct NodeSwapStatus: Codable, Hashable, Sendable {
    /// Swap size in bytes.
    public var capacity: Int64?

    /// Creates a `NodeSwapStatus`; every argument defaults to unset.
    public init(capacity: Int64? = nil) {
        self.capacity = capacity
    }
}

/// An image present on a node.
public struct ContainerImage: Codable, Hashable, Sendable {
    /// References of the image (tags and digests).
    public var names: [String]
    /// Size in bytes.
    public var sizeBytes: Int64?

    /// Creates a `ContainerImage`; every argument defaults to unset.
    public init(names: [String] = [], sizeBytes: Int64? = nil) {
        self.names = names
        self.sizeBytes = sizeBytes
    }

    private enum CodingKeys: String, CodingKey {
        case names
        case sizeBytes
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.names = try c.decodeIfPresent([String].self, forKey: .names) ?? []
        self.sizeBytes = try c.decodeIfPresent(Int64.self, forKey: .sizeBytes)
    }
}

/// A volume attached to a node.
public struct AttachedVolume: Codable, Hashable, Sendable {
    /// Volume name.
    public var name: String
    /// Device path.
    public var devicePath: String

    /// Creates a `AttachedVolume`; every argument defaults to unset.
    public init(name: String = "", devicePath: String = "") {
        self.name = name
        self.devicePath = devicePath
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case devicePath
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.devicePath = try c.decodeIfPresent(String.self, forKey: .devicePath) ?? ""
    }
}

/// Status of a node's dynamic config (deprecated).
public struct NodeConfigStatus: Codable, Hashable, Sendable {
    /// Config the node was assigned.
    public var assigned: NodeConfigSource?
    /// Config in use.
    public var active: NodeConfigSource?
    /// Fallback config.
    public var lastKnownGood: NodeConfigSource?
    /// Error applying the config.
    public var error: String?

    /// Creates a `NodeConfigStatus`; every argument defaults to unset.
    public init(
        assigned: NodeConfigSource? = nil,
        active: NodeConfigSource? = nil,
        lastKnownGood: NodeConfigSource? = nil,
        error: String? = nil
    ) {
        self.assigned = assigned
        self.active = active
        self.lastKnownGood = lastKnownGood
        self.error = error
    }
}

/// Source of a node's dynamic config (deprecated).
public struct NodeConfigSource: Codable, Hashable, Sendable {
    /// A ConfigMap.
    public var configMap: ConfigMapNodeConfigSource?

    /// Creates a `NodeConfigSource`; every argument defaults to unset.
    public init(configMap: ConfigMapNodeConfigSource? = nil) {
        self.configMap = configMap
    }
}

/// A ConfigMap holding node config (deprecated).
public struct ConfigMapNodeConfigSource: Codable, Hashable, Sendable {
    /// ConfigMap namespace.
    public var namespace: String
    /// ConfigMap name.
    public var name: String
    /// ConfigMap UID.
    public var uid: String?
    /// ConfigMap version.
    public var resourceVersion: String?
    /// Key holding the KubeletConfiguration.
    public var kubeletConfigKey: String

    /// Creates a `ConfigMapNodeConfigSource`; every argument defaults to unset.
    public init(
        namespace: String = "",
        name: String = "",
        uid: String? = nil,
        resourceVersion: String? = nil,
        kubeletConfigKey: String = ""
    ) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.kubeletConfigKey = kubeletConfigKey
    }

    private enum CodingKeys: String, CodingKey {
        case namespace
        case name
        case uid
        case resourceVersion
        case kubeletConfigKey
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.namespace = try c.decodeIfPresent(String.self, forKey: .namespace) ?? ""
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.uid = try c.decodeIfPresent(String.self, forKey: .uid)
        self.resourceVersion = try c.decodeIfPresent(String.self, forKey: .resourceVersion)
        self.kubeletConfigKey = try c.decodeIfPresent(String.self, forKey: .kubeletConfigKey) ?? ""
    }
}

/// A runtime handler (RuntimeClass) of a node.
public struct NodeRuntimeHandler: Codable, Hashable, Sendable {
    /// Handler name; empty for the default.
    public var name: String?
    /// Features it supports.
    public var features: NodeRuntimeHandlerFeatures?

    /// Creates a `NodeRuntimeHandler`; every argument defaults to unset.
    public init(name: String? = nil, features: NodeRuntimeHandlerFeatures? = nil) {
        self.name = name
        self.features = features
    }
}

/// Features of a runtime handler.
public struct NodeRuntimeHandlerFeatures: Codable, Hashable, Sendable {
    /// Supports recursive read-only mounts.
    public var recursiveReadOnlyMounts: Bool?
    /// Supports user namespaces.
    public var userNamespaces: Bool?

    /// Creates a `NodeRuntimeHandlerFeatures`; every argument defaults to unset.
    public init(recursiveReadOnlyMounts: Bool? = nil, userNamespaces: Bool? = nil) {
        self.recursiveReadOnlyMounts = recursiveReadOnlyMounts
        self.userNamespaces = userNamespaces
    }
}

/// Features a node supports.
public struct NodeFeatures: Codable, Hashable, Sendable {
    /// Supports `supplementalGroupsPolicy`.
    public var supplementalGroupsPolicy: Bool?

    /// Creates a `NodeFeatures`; every argument defaults to unset.
    public init(supplementalGroupsPolicy: Bool? = nil) {
        self.supplementalGroupsPolicy = supplementalGroupsPolicy
    }
}
