/// Desired state of a pod (`core/v1.PodSpec`).
public struct PodSpec: Codable, Hashable, Sendable {
    /// Volumes containers of the pod can mount.
    public var volumes: [Volume]?
    /// Containers run in order before the app containers; those with `restartPolicy: Always` are sidecars that keep running.
    public var initContainers: [Container]?
    /// Application containers; at least one.
    public var containers: [Container]
    /// Debugging containers added to a running pod.
    public var ephemeralContainers: [EphemeralContainer]?
    /// `Always` (default), `OnFailure` or `Never`.
    public var restartPolicy: String?
    /// Seconds between SIGTERM and SIGKILL on deletion (default 30).
    public var terminationGracePeriodSeconds: Int64?
    /// Seconds after start the pod may run before it is failed.
    public var activeDeadlineSeconds: Int64?
    /// `ClusterFirst` (default), `ClusterFirstWithHostNet`, `Default` or `None`.
    public var dnsPolicy: String?
    /// Labels the node must have.
    public var nodeSelector: [String: String]?
    /// Service account the pod runs as.
    public var serviceAccountName: String?
    /// Deprecated alias of `serviceAccountName`.
    public var serviceAccount: String?
    /// Whether to mount the service account token.
    public var automountServiceAccountToken: Bool?
    /// Node the pod is bound to.
    public var nodeName: String?
    /// Use the node's network namespace.
    public var hostNetwork: Bool?
    /// Use the node's PID namespace.
    public var hostPID: Bool?
    /// Use the node's IPC namespace.
    public var hostIPC: Bool?
    /// One PID namespace for all containers of the pod.
    public var shareProcessNamespace: Bool?
    /// Pod-level security attributes.
    public var securityContext: PodSecurityContext?
    /// Secrets holding registry credentials.
    public var imagePullSecrets: [LocalObjectReference]?
    /// Hostname of the pod; defaults to the pod name.
    public var hostname: String?
    /// Subdomain: the FQDN becomes `hostname.subdomain.namespace.svc.<cluster domain>`.
    public var subdomain: String?
    /// Scheduling constraints.
    public var affinity: Affinity?
    /// Scheduler that places the pod.
    public var schedulerName: String?
    /// Taints the pod tolerates.
    public var tolerations: [Toleration]?
    /// Extra `/etc/hosts` entries.
    public var hostAliases: [HostAlias]?
    /// Name of the pod's PriorityClass.
    public var priorityClassName: String?
    /// Priority resolved from the PriorityClass.
    public var priority: Int32?
    /// DNS settings merged into those from `dnsPolicy`.
    public var dnsConfig: PodDNSConfig?
    /// Extra conditions that must be true for the pod to be ready.
    public var readinessGates: [PodReadinessGate]?
    /// RuntimeClass to run the pod with.
    public var runtimeClassName: String?
    /// Whether service environment variables are injected (default true).
    public var enableServiceLinks: Bool?
    /// `PreemptLowerPriority` (default) or `Never`.
    public var preemptionPolicy: String?
    /// Resources the pod sandbox uses beyond its containers.
    public var overhead: [String: Quantity]?
    /// How pods spread across topology domains.
    public var topologySpreadConstraints: [TopologySpreadConstraint]?
    /// Set the kernel hostname to the FQDN.
    public var setHostnameAsFQDN: Bool?
    /// Operating system the pod needs.
    public var os: PodOS?
    /// False runs the pod in a user namespace.
    public var hostUsers: Bool?
    /// Gates that hold the pod back from scheduling.
    public var schedulingGates: [PodSchedulingGate]?
    /// Dynamic resource claims the pod uses.
    public var resourceClaims: [PodResourceClaim]?
    /// Pod-level resource requests and limits.
    public var resources: ResourceRequirements?

    /// Creates a `PodSpec`; every argument defaults to unset.
    public init(
        volumes: [Volume]? = nil,
        initContainers: [Container]? = nil,
        containers: [Container] = [],
        ephemeralContainers: [EphemeralContainer]? = nil,
        restartPolicy: String? = nil,
        terminationGracePeriodSeconds: Int64? = nil,
        activeDeadlineSeconds: Int64? = nil,
        dnsPolicy: String? = nil,
        nodeSelector: [String: String]? = nil,
        serviceAccountName: String? = nil,
        serviceAccount: String? = nil,
        automountServiceAccountToken: Bool? = nil,
        nodeName: String? = nil,
        hostNetwork: Bool? = nil,
        hostPID: Bool? = nil,
        hostIPC: Bool? = nil,
        shareProcessNamespace: Bool? = nil,
        securityContext: PodSecurityContext? = nil,
        imagePullSecrets: [LocalObjectReference]? = nil,
        hostname: String? = nil,
        subdomain: String? = nil,
        affinity: Affinity? = nil,
        schedulerName: String? = nil,
        tolerations: [Toleration]? = nil,
        hostAliases: [HostAlias]? = nil,
        priorityClassName: String? = nil,
        priority: Int32? = nil,
        dnsConfig: PodDNSConfig? = nil,
        readinessGates: [PodReadinessGate]? = nil,
        runtimeClassName: String? = nil,
        enableServiceLinks: Bool? = nil,
        preemptionPolicy: String? = nil,
        overhead: [String: Quantity]? = nil,
        topologySpreadConstraints: [TopologySpreadConstraint]? = nil,
        setHostnameAsFQDN: Bool? = nil,
        os: PodOS? = nil,
        hostUsers: Bool? = nil,
        schedulingGates: [PodSchedulingGate]? = nil,
        resourceClaims: [PodResourceClaim]? = nil,
        resources: ResourceRequirements? = nil
    ) {
        self.volumes = volumes
        self.initContainers = initContainers
        self.containers = containers
        self.ephemeralContainers = ephemeralContainers
        self.restartPolicy = restartPolicy
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
        self.activeDeadlineSeconds = activeDeadlineSeconds
        self.dnsPolicy = dnsPolicy
        self.nodeSelector = nodeSelector
        self.serviceAccountName = serviceAccountName
        self.serviceAccount = serviceAccount
        self.automountServiceAccountToken = automountServiceAccountToken
        self.nodeName = nodeName
        self.hostNetwork = hostNetwork
        self.hostPID = hostPID
        self.hostIPC = hostIPC
        self.shareProcessNamespace = shareProcessNamespace
        self.securityContext = securityContext
        self.imagePullSecrets = imagePullSecrets
        self.hostname = hostname
        self.subdomain = subdomain
        self.affinity = affinity
        self.schedulerName = schedulerName
        self.tolerations = tolerations
        self.hostAliases = hostAliases
        self.priorityClassName = priorityClassName
        self.priority = priority
        self.dnsConfig = dnsConfig
        self.readinessGates = readinessGates
        self.runtimeClassName = runtimeClassName
        self.enableServiceLinks = enableServiceLinks
        self.preemptionPolicy = preemptionPolicy
        self.overhead = overhead
        self.topologySpreadConstraints = topologySpreadConstraints
        self.setHostnameAsFQDN = setHostnameAsFQDN
        self.os = os
        self.hostUsers = hostUsers
        self.schedulingGates = schedulingGates
        self.resourceClaims = resourceClaims
        self.resources = resources
    }

    private enum CodingKeys: String, CodingKey {
        case volumes
        case initContainers
        case containers
        case ephemeralContainers
        case restartPolicy
        case terminationGracePeriodSeconds
        case activeDeadlineSeconds
        case dnsPolicy
        case nodeSelector
        case serviceAccountName
        case serviceAccount
        case automountServiceAccountToken
        case nodeName
        case hostNetwork
        case hostPID
        case hostIPC
        case shareProcessNamespace
        case securityContext
        case imagePullSecrets
        case hostname
        case subdomain
        case affinity
        case schedulerName
        case tolerations
        case hostAliases
        case priorityClassName
        case priority
        case dnsConfig
        case readinessGates
        case runtimeClassName
        case enableServiceLinks
        case preemptionPolicy
        case overhead
        case topologySpreadConstraints
        case setHostnameAsFQDN
        case os
        case hostUsers
        case schedulingGates
        case resourceClaims
        case resources
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.volumes = try c.decodeIfPresent([Volume].self, forKey: .volumes)
        self.initContainers = try c.decodeIfPresent([Container].self, forKey: .initContainers)
        self.containers = try c.decodeIfPresent([Container].self, forKey: .containers) ?? []
        self.ephemeralContainers = try c.decodeIfPresent([EphemeralContainer].self, forKey: .ephemeralContainers)
        self.restartPolicy = try c.decodeIfPresent(String.self, forKey: .restartPolicy)
        self.terminationGracePeriodSeconds = try c.decodeIfPresent(Int64.self, forKey: .terminationGracePeriodSeconds)
        self.activeDeadlineSeconds = try c.decodeIfPresent(Int64.self, forKey: .activeDeadlineSeconds)
        self.dnsPolicy = try c.decodeIfPresent(String.self, forKey: .dnsPolicy)
        self.nodeSelector = try c.decodeIfPresent([String: String].self, forKey: .nodeSelector)
        self.serviceAccountName = try c.decodeIfPresent(String.self, forKey: .serviceAccountName)
        self.serviceAccount = try c.decodeIfPresent(String.self, forKey: .serviceAccount)
        self.automountServiceAccountToken = try c.decodeIfPresent(Bool.self, forKey: .automountServiceAccountToken)
        self.nodeName = try c.decodeIfPresent(String.self, forKey: .nodeName)
        self.hostNetwork = try c.decodeIfPresent(Bool.self, forKey: .hostNetwork)
        self.hostPID = try c.decodeIfPresent(Bool.self, forKey: .hostPID)
        self.hostIPC = try c.decodeIfPresent(Bool.self, forKey: .hostIPC)
        self.shareProcessNamespace = try c.decodeIfPresent(Bool.self, forKey: .shareProcessNamespace)
        self.securityContext = try c.decodeIfPresent(PodSecurityContext.self, forKey: .securityContext)
        self.imagePullSecrets = try c.decodeIfPresent([LocalObjectReference].self, forKey: .imagePullSecrets)
        self.hostname = try c.decodeIfPresent(String.self, forKey: .hostname)
        self.subdomain = try c.decodeIfPresent(String.self, forKey: .subdomain)
        self.affinity = try c.decodeIfPresent(Affinity.self, forKey: .affinity)
        self.schedulerName = try c.decodeIfPresent(String.self, forKey: .schedulerName)
        self.tolerations = try c.decodeIfPresent([Toleration].self, forKey: .tolerations)
        self.hostAliases = try c.decodeIfPresent([HostAlias].self, forKey: .hostAliases)
        self.priorityClassName = try c.decodeIfPresent(String.self, forKey: .priorityClassName)
        self.priority = try c.decodeIfPresent(Int32.self, forKey: .priority)
        self.dnsConfig = try c.decodeIfPresent(PodDNSConfig.self, forKey: .dnsConfig)
        self.readinessGates = try c.decodeIfPresent([PodReadinessGate].self, forKey: .readinessGates)
        self.runtimeClassName = try c.decodeIfPresent(String.self, forKey: .runtimeClassName)
        self.enableServiceLinks = try c.decodeIfPresent(Bool.self, forKey: .enableServiceLinks)
        self.preemptionPolicy = try c.decodeIfPresent(String.self, forKey: .preemptionPolicy)
        self.overhead = try c.decodeIfPresent([String: Quantity].self, forKey: .overhead)
        self.topologySpreadConstraints = try c.decodeIfPresent([TopologySpreadConstraint].self, forKey: .topologySpreadConstraints)
        self.setHostnameAsFQDN = try c.decodeIfPresent(Bool.self, forKey: .setHostnameAsFQDN)
        self.os = try c.decodeIfPresent(PodOS.self, forKey: .os)
        self.hostUsers = try c.decodeIfPresent(Bool.self, forKey: .hostUsers)
        self.schedulingGates = try c.decodeIfPresent([PodSchedulingGate].self, forKey: .schedulingGates)
        self.resourceClaims = try c.decodeIfPresent([PodResourceClaim].self, forKey: .resourceClaims)
        self.resources = try c.decodeIfPresent(ResourceRequirements.self, forKey: .resources)
    }
}

/// Lets a pod schedule onto (or stay on) a node with a matching taint.
public struct Toleration: Codable, Hashable, Sendable {
    /// Taint key; empty with `Exists` matches every taint.
    public var key: String?
    /// `Equal` (default) or `Exists`.
    public var `operator`: String?
    /// Taint value for `Equal`.
    public var value: String?
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`; empty matches all.
    public var effect: String?
    /// For `NoExecute`: seconds the pod stays bound after the taint appears.
    public var tolerationSeconds: Int64?

    /// Creates a `Toleration`; every argument defaults to unset.
    public init(
        key: String? = nil,
        `operator`: String? = nil,
        value: String? = nil,
        effect: String? = nil,
        tolerationSeconds: Int64? = nil
    ) {
        self.key = key
        self.operator = `operator`
        self.value = value
        self.effect = effect
        self.tolerationSeconds = tolerationSeconds
    }
}

/// An `/etc/hosts` entry.
public struct HostAlias: Codable, Hashable, Sendable {
    /// The IP address.
    public var ip: String
    /// Hostnames for the address.
    public var hostnames: [String]?

    /// Creates a `HostAlias`; every argument defaults to unset.
    public init(ip: String = "", hostnames: [String]? = nil) {
        self.ip = ip
        self.hostnames = hostnames
    }

    private enum CodingKeys: String, CodingKey {
        case ip
        case hostnames
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.ip = try c.decodeIfPresent(String.self, forKey: .ip) ?? ""
        self.hostnames = try c.decodeIfPresent([String].self, forKey: .hostnames)
    }
}

/// DNS settings beyond those `dnsPolicy` generates.
public struct PodDNSConfig: Codable, Hashable, Sendable {
    /// Name server IPs.
    public var nameservers: [String]?
    /// Search domains.
    public var searches: [String]?
    /// resolver options.
    public var options: [PodDNSConfigOption]?

    /// Creates a `PodDNSConfig`; every argument defaults to unset.
    public init(
        nameservers: [String]? = nil,
        searches: [String]? = nil,
        options: [PodDNSConfigOption]? = nil
    ) {
        self.nameservers = nameservers
        self.searches = searches
        self.options = options
    }
}

/// A resolver option (`ndots:2`, `edns0`).
public struct PodDNSConfigOption: Codable, Hashable, Sendable {
    /// Option name.
    public var name: String?
    /// Option value, if any.
    public var value: String?

    /// Creates a `PodDNSConfigOption`; every argument defaults to unset.
    public init(name: String? = nil, value: String? = nil) {
        self.name = name
        self.value = value
    }
}

/// A pod condition that must be true for the pod to be ready.
public struct PodReadinessGate: Codable, Hashable, Sendable {
    /// The condition type.
    public var conditionType: String

    /// Creates a `PodReadinessGate`; every argument defaults to unset.
    public init(conditionType: String = "") {
        self.conditionType = conditionType
    }

    private enum CodingKeys: String, CodingKey {
        case conditionType
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.conditionType = try c.decodeIfPresent(String.self, forKey: .conditionType) ?? ""
    }
}

/// The operating system of a pod.
public struct PodOS: Codable, Hashable, Sendable {
    /// `linux` or `windows`.
    public var name: String

    /// Creates a `PodOS`; every argument defaults to unset.
    public init(name: String = "") {
        self.name = name
    }

    private enum CodingKeys: String, CodingKey {
        case name
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
    }
}

/// A gate holding a pod back from scheduling.
public struct PodSchedulingGate: Codable, Hashable, Sendable {
    /// Gate name.
    public var name: String

    /// Creates a `PodSchedulingGate`; every argument defaults to unset.
    public init(name: String = "") {
        self.name = name
    }

    private enum CodingKeys: String, CodingKey {
        case name
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
    }
}

/// A dynamic resource claim a pod references.
public struct PodResourceClaim: Codable, Hashable, Sendable {
    /// Name referenced from containers' `resources.claims`.
    public var name: String
    /// An existing ResourceClaim.
    public var resourceClaimName: String?
    /// A template to create a claim from.
    public var resourceClaimTemplateName: String?

    /// Creates a `PodResourceClaim`; every argument defaults to unset.
    public init(
        name: String = "",
        resourceClaimName: String? = nil,
        resourceClaimTemplateName: String? = nil
    ) {
        self.name = name
        self.resourceClaimName = resourceClaimName
        self.resourceClaimTemplateName = resourceClaimTemplateName
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case resourceClaimName
        case resourceClaimTemplateName
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.resourceClaimName = try c.decodeIfPresent(String.self, forKey: .resourceClaimName)
        self.resourceClaimTemplateName = try c.decodeIfPresent(String.self, forKey: .resourceClaimTemplateName)
    }
}

/// How matching pods spread across a topology.
public struct TopologySpreadConstraint: Codable, Hashable, Sendable {
    /// Maximum allowed difference in matching pods between domains.
    public var maxSkew: Int32
    /// Node label that defines a domain.
    public var topologyKey: String
    /// `DoNotSchedule` or `ScheduleAnyway`.
    public var whenUnsatisfiable: String
    /// Pods counted in each domain.
    public var labelSelector: LabelSelector?
    /// Minimum number of eligible domains.
    public var minDomains: Int32?
    /// `Honor` or `Ignore`.
    public var nodeAffinityPolicy: String?
    /// `Honor` or `Ignore`.
    public var nodeTaintsPolicy: String?
    /// Pod label keys added to the selector.
    public var matchLabelKeys: [String]?

    /// Creates a `TopologySpreadConstraint`; every argument defaults to unset.
    public init(
        maxSkew: Int32 = 0,
        topologyKey: String = "",
        whenUnsatisfiable: String = "",
        labelSelector: LabelSelector? = nil,
        minDomains: Int32? = nil,
        nodeAffinityPolicy: String? = nil,
        nodeTaintsPolicy: String? = nil,
        matchLabelKeys: [String]? = nil
    ) {
        self.maxSkew = maxSkew
        self.topologyKey = topologyKey
        self.whenUnsatisfiable = whenUnsatisfiable
        self.labelSelector = labelSelector
        self.minDomains = minDomains
        self.nodeAffinityPolicy = nodeAffinityPolicy
        self.nodeTaintsPolicy = nodeTaintsPolicy
        self.matchLabelKeys = matchLabelKeys
    }

    private enum CodingKeys: String, CodingKey {
        case maxSkew
        case topologyKey
        case whenUnsatisfiable
        case labelSelector
        case minDomains
        case nodeAffinityPolicy
        case nodeTaintsPolicy
        case matchLabelKeys
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.maxSkew = try c.decodeIfPresent(Int32.self, forKey: .maxSkew) ?? 0
        self.topologyKey = try c.decodeIfPresent(String.self, forKey: .topologyKey) ?? ""
        self.whenUnsatisfiable = try c.decodeIfPresent(String.self, forKey: .whenUnsatisfiable) ?? ""
        self.labelSelector = try c.decodeIfPresent(LabelSelector.self, forKey: .labelSelector)
        self.minDomains = try c.decodeIfPresent(Int32.self, forKey: .minDomains)
        self.nodeAffinityPolicy = try c.decodeIfPresent(String.self, forKey: .nodeAffinityPolicy)
        self.nodeTaintsPolicy = try c.decodeIfPresent(String.self, forKey: .nodeTaintsPolicy)
        self.matchLabelKeys = try c.decodeIfPresent([String].self, forKey: .matchLabelKeys)
    }
}
