/// A container of a pod (`core/v1.Container`), used for app and init containers.
public struct Container: Codable, Hashable, Sendable {
    /// DNS label, unique within the pod.
    public var name: String
    /// Image reference, e.g. `docker.io/library/nginx:1.27`.
    public var image: String?
    /// Entrypoint; replaces the image's ENTRYPOINT. `$(VAR)` references are expanded.
    public var command: [String]?
    /// Arguments; replace the image's CMD. `$(VAR)` references are expanded.
    public var args: [String]?
    /// Working directory; defaults to the image's.
    public var workingDir: String?
    /// Ports the container exposes.
    public var ports: [ContainerPort]?
    /// Sources whose keys all become environment variables.
    public var envFrom: [EnvFromSource]?
    /// Environment variables.
    public var env: [EnvVar]?
    /// Compute resources.
    public var resources: ResourceRequirements?
    /// How in-place resizes apply per resource.
    public var resizePolicy: [ContainerResizePolicy]?
    /// Init containers only: `Always` makes a sidecar.
    public var restartPolicy: String?
    /// Volumes mounted into the filesystem.
    public var volumeMounts: [VolumeMount]?
    /// Block devices exposed to the container.
    public var volumeDevices: [VolumeDevice]?
    /// Restarts the container when it fails.
    public var livenessProbe: Probe?
    /// Marks the container unready when it fails.
    public var readinessProbe: Probe?
    /// Holds off the other probes until it succeeds.
    public var startupProbe: Probe?
    /// Hooks run after start and before stop.
    public var lifecycle: Lifecycle?
    /// File whose content becomes the termination message (default `/dev/termination-log`).
    public var terminationMessagePath: String?
    /// `File` (default) or `FallbackToLogsOnError`.
    public var terminationMessagePolicy: String?
    /// `Always`, `IfNotPresent` or `Never`.
    public var imagePullPolicy: String?
    /// Container-level security attributes.
    public var securityContext: SecurityContext?
    /// Keep a stdin buffer open.
    public var stdin: Bool?
    /// Close stdin after the first attach ends.
    public var stdinOnce: Bool?
    /// Allocate a TTY.
    public var tty: Bool?

    /// Creates a `Container`; every argument defaults to unset.
    public init(
        name: String = "",
        image: String? = nil,
        command: [String]? = nil,
        args: [String]? = nil,
        workingDir: String? = nil,
        ports: [ContainerPort]? = nil,
        envFrom: [EnvFromSource]? = nil,
        env: [EnvVar]? = nil,
        resources: ResourceRequirements? = nil,
        resizePolicy: [ContainerResizePolicy]? = nil,
        restartPolicy: String? = nil,
        volumeMounts: [VolumeMount]? = nil,
        volumeDevices: [VolumeDevice]? = nil,
        livenessProbe: Probe? = nil,
        readinessProbe: Probe? = nil,
        startupProbe: Probe? = nil,
        lifecycle: Lifecycle? = nil,
        terminationMessagePath: String? = nil,
        terminationMessagePolicy: String? = nil,
        imagePullPolicy: String? = nil,
        securityContext: SecurityContext? = nil,
        stdin: Bool? = nil,
        stdinOnce: Bool? = nil,
        tty: Bool? = nil
    ) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.workingDir = workingDir
        self.ports = ports
        self.envFrom = envFrom
        self.env = env
        self.resources = resources
        self.resizePolicy = resizePolicy
        self.restartPolicy = restartPolicy
        self.volumeMounts = volumeMounts
        self.volumeDevices = volumeDevices
        self.livenessProbe = livenessProbe
        self.readinessProbe = readinessProbe
        self.startupProbe = startupProbe
        self.lifecycle = lifecycle
        self.terminationMessagePath = terminationMessagePath
        self.terminationMessagePolicy = terminationMessagePolicy
        self.imagePullPolicy = imagePullPolicy
        self.securityContext = securityContext
        self.stdin = stdin
        self.stdinOnce = stdinOnce
        self.tty = tty
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case image
        case command
        case args
        case workingDir
        case ports
        case envFrom
        case env
        case resources
        case resizePolicy
        case restartPolicy
        case volumeMounts
        case volumeDevices
        case livenessProbe
        case readinessProbe
        case startupProbe
        case lifecycle
        case terminationMessagePath
        case terminationMessagePolicy
        case imagePullPolicy
        case securityContext
        case stdin
        case stdinOnce
        case tty
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.image = try c.decodeIfPresent(String.self, forKey: .image)
        self.command = try c.decodeIfPresent([String].self, forKey: .command)
        self.args = try c.decodeIfPresent([String].self, forKey: .args)
        self.workingDir = try c.decodeIfPresent(String.self, forKey: .workingDir)
        self.ports = try c.decodeIfPresent([ContainerPort].self, forKey: .ports)
        self.envFrom = try c.decodeIfPresent([EnvFromSource].self, forKey: .envFrom)
        self.env = try c.decodeIfPresent([EnvVar].self, forKey: .env)
        self.resources = try c.decodeIfPresent(ResourceRequirements.self, forKey: .resources)
        self.resizePolicy = try c.decodeIfPresent([ContainerResizePolicy].self, forKey: .resizePolicy)
        self.restartPolicy = try c.decodeIfPresent(String.self, forKey: .restartPolicy)
        self.volumeMounts = try c.decodeIfPresent([VolumeMount].self, forKey: .volumeMounts)
        self.volumeDevices = try c.decodeIfPresent([VolumeDevice].self, forKey: .volumeDevices)
        self.livenessProbe = try c.decodeIfPresent(Probe.self, forKey: .livenessProbe)
        self.readinessProbe = try c.decodeIfPresent(Probe.self, forKey: .readinessProbe)
        self.startupProbe = try c.decodeIfPresent(Probe.self, forKey: .startupProbe)
        self.lifecycle = try c.decodeIfPresent(Lifecycle.self, forKey: .lifecycle)
        self.terminationMessagePath = try c.decodeIfPresent(String.self, forKey: .terminationMessagePath)
        self.terminationMessagePolicy = try c.decodeIfPresent(String.self, forKey: .terminationMessagePolicy)
        self.imagePullPolicy = try c.decodeIfPresent(String.self, forKey: .imagePullPolicy)
        self.securityContext = try c.decodeIfPresent(SecurityContext.self, forKey: .securityContext)
        self.stdin = try c.decodeIfPresent(Bool.self, forKey: .stdin)
        self.stdinOnce = try c.decodeIfPresent(Bool.self, forKey: .stdinOnce)
        self.tty = try c.decodeIfPresent(Bool.self, forKey: .tty)
    }
}

/// A debugging container added to a running pod (`core/v1.EphemeralContainer`).
public struct EphemeralContainer: Codable, Hashable, Sendable {
    /// DNS label, unique within the pod.
    public var name: String
    /// Image reference.
    public var image: String?
    /// Entrypoint.
    public var command: [String]?
    /// Arguments.
    public var args: [String]?
    /// Working directory.
    public var workingDir: String?
    /// Not allowed for ephemeral containers.
    public var ports: [ContainerPort]?
    /// Sources whose keys all become environment variables.
    public var envFrom: [EnvFromSource]?
    /// Environment variables.
    public var env: [EnvVar]?
    /// Not allowed for ephemeral containers.
    public var resources: ResourceRequirements?
    /// Not allowed for ephemeral containers.
    public var resizePolicy: [ContainerResizePolicy]?
    /// Not allowed for ephemeral containers.
    public var restartPolicy: String?
    /// Volumes mounted into the filesystem.
    public var volumeMounts: [VolumeMount]?
    /// Block devices exposed to the container.
    public var volumeDevices: [VolumeDevice]?
    /// Not allowed for ephemeral containers.
    public var livenessProbe: Probe?
    /// Not allowed for ephemeral containers.
    public var readinessProbe: Probe?
    /// Not allowed for ephemeral containers.
    public var startupProbe: Probe?
    /// Not allowed for ephemeral containers.
    public var lifecycle: Lifecycle?
    /// File whose content becomes the termination message.
    public var terminationMessagePath: String?
    /// `File` or `FallbackToLogsOnError`.
    public var terminationMessagePolicy: String?
    /// `Always`, `IfNotPresent` or `Never`.
    public var imagePullPolicy: String?
    /// Security attributes.
    public var securityContext: SecurityContext?
    /// Keep a stdin buffer open.
    public var stdin: Bool?
    /// Close stdin after the first attach ends.
    public var stdinOnce: Bool?
    /// Allocate a TTY.
    public var tty: Bool?
    /// Container whose namespaces (PID, IPC) this one joins.
    public var targetContainerName: String?

    /// Creates a `EphemeralContainer`; every argument defaults to unset.
    public init(
        name: String = "",
        image: String? = nil,
        command: [String]? = nil,
        args: [String]? = nil,
        workingDir: String? = nil,
        ports: [ContainerPort]? = nil,
        envFrom: [EnvFromSource]? = nil,
        env: [EnvVar]? = nil,
        resources: ResourceRequirements? = nil,
        resizePolicy: [ContainerResizePolicy]? = nil,
        restartPolicy: String? = nil,
        volumeMounts: [VolumeMount]? = nil,
        volumeDevices: [VolumeDevice]? = nil,
        livenessProbe: Probe? = nil,
        readinessProbe: Probe? = nil,
        startupProbe: Probe? = nil,
        lifecycle: Lifecycle? = nil,
        terminationMessagePath: String? = nil,
        terminationMessagePolicy: String? = nil,
        imagePullPolicy: String? = nil,
        securityContext: SecurityContext? = nil,
        stdin: Bool? = nil,
        stdinOnce: Bool? = nil,
        tty: Bool? = nil,
        targetContainerName: String? = nil
    ) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.workingDir = workingDir
        self.ports = ports
        self.envFrom = envFrom
        self.env = env
        self.resources = resources
        self.resizePolicy = resizePolicy
        self.restartPolicy = restartPolicy
        self.volumeMounts = volumeMounts
        self.volumeDevices = volumeDevices
        self.livenessProbe = livenessProbe
        self.readinessProbe = readinessProbe
        self.startupProbe = startupProbe
        self.lifecycle = lifecycle
        self.terminationMessagePath = terminationMessagePath
        self.terminationMessagePolicy = terminationMessagePolicy
        self.imagePullPolicy = imagePullPolicy
        self.securityContext = securityContext
        self.stdin = stdin
        self.stdinOnce = stdinOnce
        self.tty = tty
        self.targetContainerName = targetContainerName
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case image
        case command
        case args
        case workingDir
        case ports
        case envFrom
        case env
        case resources
        case resizePolicy
        case restartPolicy
        case volumeMounts
        case volumeDevices
        case livenessProbe
        case readinessProbe
        case startupProbe
        case lifecycle
        case terminationMessagePath
        case terminationMessagePolicy
        case imagePullPolicy
        case securityContext
        case stdin
        case stdinOnce
        case tty
        case targetContainerName
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.image = try c.decodeIfPresent(String.self, forKey: .image)
        self.command = try c.decodeIfPresent([String].self, forKey: .command)
        self.args = try c.decodeIfPresent([String].self, forKey: .args)
        self.workingDir = try c.decodeIfPresent(String.self, forKey: .workingDir)
        self.ports = try c.decodeIfPresent([ContainerPort].self, forKey: .ports)
        self.envFrom = try c.decodeIfPresent([EnvFromSource].self, forKey: .envFrom)
        self.env = try c.decodeIfPresent([EnvVar].self, forKey: .env)
        self.resources = try c.decodeIfPresent(ResourceRequirements.self, forKey: .resources)
        self.resizePolicy = try c.decodeIfPresent([ContainerResizePolicy].self, forKey: .resizePolicy)
        self.restartPolicy = try c.decodeIfPresent(String.self, forKey: .restartPolicy)
        self.volumeMounts = try c.decodeIfPresent([VolumeMount].self, forKey: .volumeMounts)
        self.volumeDevices = try c.decodeIfPresent([VolumeDevice].self, forKey: .volumeDevices)
        self.livenessProbe = try c.decodeIfPresent(Probe.self, forKey: .livenessProbe)
        self.readinessProbe = try c.decodeIfPresent(Probe.self, forKey: .readinessProbe)
        self.startupProbe = try c.decodeIfPresent(Probe.self, forKey: .startupProbe)
        self.lifecycle = try c.decodeIfPresent(Lifecycle.self, forKey: .lifecycle)
        self.terminationMessagePath = try c.decodeIfPresent(String.self, forKey: .terminationMessagePath)
        self.terminationMessagePolicy = try c.decodeIfPresent(String.self, forKey: .terminationMessagePolicy)
        self.imagePullPolicy = try c.decodeIfPresent(String.self, forKey: .imagePullPolicy)
        self.securityContext = try c.decodeIfPresent(SecurityContext.self, forKey: .securityContext)
        self.stdin = try c.decodeIfPresent(Bool.self, forKey: .stdin)
        self.stdinOnce = try c.decodeIfPresent(Bool.self, forKey: .stdinOnce)
        self.tty = try c.decodeIfPresent(Bool.self, forKey: .tty)
        self.targetContainerName = try c.decodeIfPresent(String.self, forKey: .targetContainerName)
    }
}

/// A network port of a container.
public struct ContainerPort: Codable, Hashable, Sendable {
    /// IANA_SVC_NAME, unique in the pod; probes can refer to it.
    public var name: String?
    /// Port on the host to forward.
    public var hostPort: Int32?
    /// Port in the pod's network namespace.
    public var containerPort: Int32
    /// `TCP` (default), `UDP` or `SCTP`.
    public var `protocol`: String?
    /// Host IP to bind the host port to.
    public var hostIP: String?

    /// Creates a `ContainerPort`; every argument defaults to unset.
    public init(
        name: String? = nil,
        hostPort: Int32? = nil,
        containerPort: Int32 = 0,
        `protocol`: String? = nil,
        hostIP: String? = nil
    ) {
        self.name = name
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.protocol = `protocol`
        self.hostIP = hostIP
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case hostPort
        case containerPort
        case `protocol`
        case hostIP
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name)
        self.hostPort = try c.decodeIfPresent(Int32.self, forKey: .hostPort)
        self.containerPort = try c.decodeIfPresent(Int32.self, forKey: .containerPort) ?? 0
        self.protocol = try c.decodeIfPresent(String.self, forKey: .protocol)
        self.hostIP = try c.decodeIfPresent(String.self, forKey: .hostIP)
    }
}

/// An environment variable.
public struct EnvVar: Codable, Hashable, Sendable {
    /// Variable name.
    public var name: String
    /// Value; `$(VAR)` references are expanded.
    public var value: String?
    /// Source of the value; not with `value`.
    public var valueFrom: EnvVarSource?

    /// Creates a `EnvVar`; every argument defaults to unset.
    public init(name: String = "", value: String? = nil, valueFrom: EnvVarSource? = nil) {
        self.name = name
        self.value = value
        self.valueFrom = valueFrom
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case value
        case valueFrom
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.value = try c.decodeIfPresent(String.self, forKey: .value)
        self.valueFrom = try c.decodeIfPresent(EnvVarSource.self, forKey: .valueFrom)
    }
}

/// Where an environment variable's value comes from; exactly one member.
public struct EnvVarSource: Codable, Hashable, Sendable {
    /// A field of the pod.
    public var fieldRef: ObjectFieldSelector?
    /// A resource limit or request of a container.
    public var resourceFieldRef: ResourceFieldSelector?
    /// A key of a ConfigMap.
    public var configMapKeyRef: ConfigMapKeySelector?
    /// A key of a Secret.
    public var secretKeyRef: SecretKeySelector?

    /// Creates a `EnvVarSource`; every argument defaults to unset.
    public init(
        fieldRef: ObjectFieldSelector? = nil,
        resourceFieldRef: ResourceFieldSelector? = nil,
        configMapKeyRef: ConfigMapKeySelector? = nil,
        secretKeyRef: SecretKeySelector? = nil
    ) {
        self.fieldRef = fieldRef
        self.resourceFieldRef = resourceFieldRef
        self.configMapKeyRef = configMapKeyRef
        self.secretKeyRef = secretKeyRef
    }
}

/// Selects a field of the pod, e.g. `metadata.name` or `status.podIP`.
public struct ObjectFieldSelector: Codable, Hashable, Sendable {
    /// Schema version of `fieldPath` (default `v1`).
    public var apiVersion: String?
    /// Path of the field.
    public var fieldPath: String

    /// Creates a `ObjectFieldSelector`; every argument defaults to unset.
    public init(apiVersion: String? = nil, fieldPath: String = "") {
        self.apiVersion = apiVersion
        self.fieldPath = fieldPath
    }

    private enum CodingKeys: String, CodingKey {
        case apiVersion
        case fieldPath
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.fieldPath = try c.decodeIfPresent(String.self, forKey: .fieldPath) ?? ""
    }
}

/// Selects a container's resource, e.g. `limits.memory`.
public struct ResourceFieldSelector: Codable, Hashable, Sendable {
    /// Container; required for volumes, defaults to the current one for env.
    public var containerName: String?
    /// `limits.cpu`, `requests.memory`, ...
    public var resource: String
    /// Output unit (default `1`).
    public var divisor: Quantity?

    /// Creates a `ResourceFieldSelector`; every argument defaults to unset.
    public init(containerName: String? = nil, resource: String = "", divisor: Quantity? = nil) {
        self.containerName = containerName
        self.resource = resource
        self.divisor = divisor
    }

    private enum CodingKeys: String, CodingKey {
        case containerName
        case resource
        case divisor
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.containerName = try c.decodeIfPresent(String.self, forKey: .containerName)
        self.resource = try c.decodeIfPresent(String.self, forKey: .resource) ?? ""
        self.divisor = try c.decodeIfPresent(Quantity.self, forKey: .divisor)
    }
}

/// A key of a ConfigMap.
public struct ConfigMapKeySelector: Codable, Hashable, Sendable {
    /// ConfigMap name.
    public var name: String?
    /// Key to select.
    public var key: String
    /// Tolerate a missing ConfigMap or key.
    public var optional: Bool?

    /// Creates a `ConfigMapKeySelector`; every argument defaults to unset.
    public init(name: String? = nil, key: String = "", optional: Bool? = nil) {
        self.name = name
        self.key = key
        self.optional = optional
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case key
        case optional
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name)
        self.key = try c.decodeIfPresent(String.self, forKey: .key) ?? ""
        self.optional = try c.decodeIfPresent(Bool.self, forKey: .optional)
    }
}

/// A key of a Secret.
public struct SecretKeySelector: Codable, Hashable, Sendable {
    /// Secret name.
    public var name: String?
    /// Key to select.
    public var key: String
    /// Tolerate a missing Secret or key.
    public var optional: Bool?

    /// Creates a `SecretKeySelector`; every argument defaults to unset.
    public init(name: String? = nil, key: String = "", optional: Bool? = nil) {
        self.name = name
        self.key = key
        self.optional = optional
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case key
        case optional
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name)
        self.key = try c.decodeIfPresent(String.self, forKey: .key) ?? ""
        self.optional = try c.decodeIfPresent(Bool.self, forKey: .optional)
    }
}

/// A source whose keys all become environment variables.
public struct EnvFromSource: Codable, Hashable, Sendable {
    /// Prefix added to every key.
    public var prefix: String?
    /// A ConfigMap.
    public var configMapRef: ConfigMapEnvSource?
    /// A Secret.
    public var secretRef: SecretEnvSource?

    /// Creates a `EnvFromSource`; every argument defaults to unset.
    public init(
        prefix: String? = nil,
        configMapRef: ConfigMapEnvSource? = nil,
        secretRef: SecretEnvSource? = nil
    ) {
        self.prefix = prefix
        self.configMapRef = configMapRef
        self.secretRef = secretRef
    }
}

/// A ConfigMap whose keys become environment variables.
public struct ConfigMapEnvSource: Codable, Hashable, Sendable {
    /// ConfigMap name.
    public var name: String?
    /// Tolerate a missing ConfigMap.
    public var optional: Bool?

    /// Creates a `ConfigMapEnvSource`; every argument defaults to unset.
    public init(name: String? = nil, optional: Bool? = nil) {
        self.name = name
        self.optional = optional
    }
}

/// A Secret whose keys become environment variables.
public struct SecretEnvSource: Codable, Hashable, Sendable {
    /// Secret name.
    public var name: String?
    /// Tolerate a missing Secret.
    public var optional: Bool?

    /// Creates a `SecretEnvSource`; every argument defaults to unset.
    public init(name: String? = nil, optional: Bool? = nil) {
        self.name = name
        self.optional = optional
    }
}

/// Compute resources of a container or pod.
public struct ResourceRequirements: Codable, Hashable, Sendable {
    /// Maximum amounts, by resource name (`cpu`, `memory`, ...).
    public var limits: [String: Quantity]?
    /// Minimum amounts; default to the limits.
    public var requests: [String: Quantity]?
    /// Dynamic resource claims used.
    public var claims: [ResourceClaim]?

    /// Creates a `ResourceRequirements`; every argument defaults to unset.
    public init(
        limits: [String: Quantity]? = nil,
        requests: [String: Quantity]? = nil,
        claims: [ResourceClaim]? = nil
    ) {
        self.limits = limits
        self.requests = requests
        self.claims = claims
    }
}

/// A use of a pod's resource claim by a container.
public struct ResourceClaim: Codable, Hashable, Sendable {
    /// Name of an entry in `spec.resourceClaims`.
    public var name: String
    /// A request inside the claim.
    public var request: String?

    /// Creates a `ResourceClaim`; every argument defaults to unset.
    public init(name: String = "", request: String? = nil) {
        self.name = name
        self.request = request
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case request
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.request = try c.decodeIfPresent(String.self, forKey: .request)
    }
}

/// How an in-place resize of one resource applies.
public struct ContainerResizePolicy: Codable, Hashable, Sendable {
    /// `cpu` or `memory`.
    public var resourceName: String
    /// `NotRequired` or `RestartContainer`.
    public var restartPolicy: String

    /// Creates a `ContainerResizePolicy`; every argument defaults to unset.
    public init(resourceName: String = "", restartPolicy: String = "") {
        self.resourceName = resourceName
        self.restartPolicy = restartPolicy
    }

    private enum CodingKeys: String, CodingKey {
        case resourceName
        case restartPolicy
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.resourceName = try c.decodeIfPresent(String.self, forKey: .resourceName) ?? ""
        self.restartPolicy = try c.decodeIfPresent(String.self, forKey: .restartPolicy) ?? ""
    }
}

/// A volume mounted into a container.
public struct VolumeMount: Codable, Hashable, Sendable {
    /// Volume name.
    public var name: String
    /// Mount read-only.
    public var readOnly: Bool?
    /// `Disabled`, `IfPossible` or `Enabled`.
    public var recursiveReadOnly: String?
    /// Path in the container; must not contain `:`.
    public var mountPath: String
    /// Path inside the volume to mount instead of its root.
    public var subPath: String?
    /// `None` (default), `HostToContainer` or `Bidirectional`.
    public var mountPropagation: String?
    /// Like `subPath`, with `$(VAR)` expansion.
    public var subPathExpr: String?

    /// Creates a `VolumeMount`; every argument defaults to unset.
    public init(
        name: String = "",
        readOnly: Bool? = nil,
        recursiveReadOnly: String? = nil,
        mountPath: String = "",
        subPath: String? = nil,
        mountPropagation: String? = nil,
        subPathExpr: String? = nil
    ) {
        self.name = name
        self.readOnly = readOnly
        self.recursiveReadOnly = recursiveReadOnly
        self.mountPath = mountPath
        self.subPath = subPath
        self.mountPropagation = mountPropagation
        self.subPathExpr = subPathExpr
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case readOnly
        case recursiveReadOnly
        case mountPath
        case subPath
        case mountPropagation
        case subPathExpr
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.readOnly = try c.decodeIfPresent(Bool.self, forKey: .readOnly)
        self.recursiveReadOnly = try c.decodeIfPresent(String.self, forKey: .recursiveReadOnly)
        self.mountPath = try c.decodeIfPresent(String.self, forKey: .mountPath) ?? ""
        self.subPath = try c.decodeIfPresent(String.self, forKey: .subPath)
        self.mountPropagation = try c.decodeIfPresent(String.self, forKey: .mountPropagation)
        self.subPathExpr = try c.decodeIfPresent(String.self, forKey: .subPathExpr)
    }
}

/// A block volume exposed as a device.
public struct VolumeDevice: Codable, Hashable, Sendable {
    /// Name of a persistentVolumeClaim volume.
    public var name: String
    /// Device path in the container.
    public var devicePath: String

    /// Creates a `VolumeDevice`; every argument defaults to unset.
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

/// Hooks run around a container's life.
public struct Lifecycle: Codable, Hashable, Sendable {
    /// Runs right after the container starts; failure kills it.
    public var postStart: LifecycleHandler?
    /// Runs before the container is stopped.
    public var preStop: LifecycleHandler?
    /// Signal that stops the container, e.g. `SIGUSR1`; overrides the image's.
    public var stopSignal: String?

    /// Creates a `Lifecycle`; every argument defaults to unset.
    public init(
        postStart: LifecycleHandler? = nil,
        preStop: LifecycleHandler? = nil,
        stopSignal: String? = nil
    ) {
        self.postStart = postStart
        self.preStop = preStop
        self.stopSignal = stopSignal
    }
}

/// An action of a lifecycle hook; exactly one member.
public struct LifecycleHandler: Codable, Hashable, Sendable {
    /// Run a command in the container.
    public var exec: ExecAction?
    /// Make an HTTP GET request.
    public var httpGet: HTTPGetAction?
    /// Deprecated; accepted but not run.
    public var tcpSocket: TCPSocketAction?
    /// Sleep.
    public var sleep: SleepAction?

    /// Creates a `LifecycleHandler`; every argument defaults to unset.
    public init(
        exec: ExecAction? = nil,
        httpGet: HTTPGetAction? = nil,
        tcpSocket: TCPSocketAction? = nil,
        sleep: SleepAction? = nil
    ) {
        self.exec = exec
        self.httpGet = httpGet
        self.tcpSocket = tcpSocket
        self.sleep = sleep
    }
}

/// Sleeps before the hook completes.
public struct SleepAction: Codable, Hashable, Sendable {
    /// Seconds to sleep.
    public var seconds: Int64

    /// Creates a `SleepAction`; every argument defaults to unset.
    public init(seconds: Int64 = 0) {
        self.seconds = seconds
    }

    private enum CodingKeys: String, CodingKey {
        case seconds
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.seconds = try c.decodeIfPresent(Int64.self, forKey: .seconds) ?? 0
    }
}
