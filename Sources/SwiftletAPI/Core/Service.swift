/// A Service (`core/v1.Service`); the kubelet reads Services to inject `<NAME>_SERVICE_HOST`-style environment variables.
public struct Service: Codable, Hashable, Sendable {
    /// API version, `v1`.
    public var apiVersion: String?
    /// Kind, `Service`.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    /// Desired state.
    public var spec: ServiceSpec

    /// Creates a `Service`; every argument defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Service",
        metadata: ObjectMeta = ObjectMeta(),
        spec: ServiceSpec = ServiceSpec()
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.spec = spec
    }

    private enum CodingKeys: String, CodingKey {
        case apiVersion
        case kind
        case metadata
        case spec
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.spec = try c.decodeIfPresent(ServiceSpec.self, forKey: .spec) ?? ServiceSpec()
    }

    /// Encodes set fields only; empty nested objects are omitted.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kind, forKey: .kind)
        if metadata != ObjectMeta() { try c.encode(metadata, forKey: .metadata) }
        if spec != ServiceSpec() { try c.encode(spec, forKey: .spec) }
    }
}

/// Desired state of a service.
public struct ServiceSpec: Codable, Hashable, Sendable {
    /// Ports the service exposes.
    public var ports: [ServicePort]?
    /// Labels of the pods that back the service.
    public var selector: [String: String]?
    /// Virtual IP; `None` for a headless service.
    public var clusterIP: String?
    /// Virtual IPs, one per IP family.
    public var clusterIPs: [String]?
    /// `ClusterIP` (default), `NodePort`, `LoadBalancer` or `ExternalName`.
    public var type: String?
    /// Extra IPs routed to the service.
    public var externalIPs: [String]?
    /// `None` or `ClientIP`.
    public var sessionAffinity: String?
    /// DNS name for `ExternalName` services.
    public var externalName: String?
    /// `Cluster` or `Local`.
    public var externalTrafficPolicy: String?
    /// `Cluster` or `Local`.
    public var internalTrafficPolicy: String?
    /// Publish endpoints of unready pods.
    public var publishNotReadyAddresses: Bool?
    /// `IPv4` and/or `IPv6`.
    public var ipFamilies: [String]?
    /// `SingleStack`, `PreferDualStack` or `RequireDualStack`.
    public var ipFamilyPolicy: String?

    /// Creates a `ServiceSpec`; every argument defaults to unset.
    public init(
        ports: [ServicePort]? = nil,
        selector: [String: String]? = nil,
        clusterIP: String? = nil,
        clusterIPs: [String]? = nil,
        type: String? = nil,
        externalIPs: [String]? = nil,
        sessionAffinity: String? = nil,
        externalName: String? = nil,
        externalTrafficPolicy: String? = nil,
        internalTrafficPolicy: String? = nil,
        publishNotReadyAddresses: Bool? = nil,
        ipFamilies: [String]? = nil,
        ipFamilyPolicy: String? = nil
    ) {
        self.ports = ports
        self.selector = selector
        self.clusterIP = clusterIP
        self.clusterIPs = clusterIPs
        self.type = type
        self.externalIPs = externalIPs
        self.sessionAffinity = sessionAffinity
        self.externalName = externalName
        self.externalTrafficPolicy = externalTrafficPolicy
        self.internalTrafficPolicy = internalTrafficPolicy
        self.publishNotReadyAddresses = publishNotReadyAddresses
        self.ipFamilies = ipFamilies
        self.ipFamilyPolicy = ipFamilyPolicy
    }
}

/// A port of a service.
public struct ServicePort: Codable, Hashable, Sendable {
    /// Name, unique in the service; required when there are several ports.
    public var name: String?
    /// `TCP` (default), `UDP` or `SCTP`.
    public var `protocol`: String?
    /// Application protocol hint.
    public var appProtocol: String?
    /// Port the service listens on.
    public var port: Int32
    /// Port number or name on the pods (default `port`).
    public var targetPort: IntOrString?
    /// Port on every node, for `NodePort` and `LoadBalancer`.
    public var nodePort: Int32?

    /// Creates a `ServicePort`; every argument defaults to unset.
    public init(
        name: String? = nil,
        `protocol`: String? = nil,
        appProtocol: String? = nil,
        port: Int32 = 0,
        targetPort: IntOrString? = nil,
        nodePort: Int32? = nil
    ) {
        self.name = name
        self.protocol = `protocol`
        self.appProtocol = appProtocol
        self.port = port
        self.targetPort = targetPort
        self.nodePort = nodePort
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case `protocol`
        case appProtocol
        case port
        case targetPort
        case nodePort
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name)
        self.protocol = try c.decodeIfPresent(String.self, forKey: .protocol)
        self.appProtocol = try c.decodeIfPresent(String.self, forKey: .appProtocol)
        self.port = try c.decodeIfPresent(Int32.self, forKey: .port) ?? 0
        self.targetPort = try c.decodeIfPresent(IntOrString.self, forKey: .targetPort)
        self.nodePort = try c.decodeIfPresent(Int32.self, forKey: .nodePort)
    }
}
