/// A Lease (`coordination.k8s.io/v1`), which the kubelet renews as its heartbeat in `kube-node-lease`.
public struct Lease: Codable, Hashable, Sendable {
    /// API version, `coordination.k8s.io/v1`.
    public var apiVersion: String?
    /// Kind, `Lease`.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    /// The lease.
    public var spec: LeaseSpec

    /// Creates a `Lease`; every argument defaults to unset.
    public init(
        apiVersion: String? = "coordination.k8s.io/v1",
        kind: String? = "Lease",
        metadata: ObjectMeta = ObjectMeta(),
        spec: LeaseSpec = LeaseSpec()
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
        self.spec = try c.decodeIfPresent(LeaseSpec.self, forKey: .spec) ?? LeaseSpec()
    }

    /// Encodes set fields only; empty nested objects are omitted.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kind, forKey: .kind)
        if metadata != ObjectMeta() { try c.encode(metadata, forKey: .metadata) }
        if spec != LeaseSpec() { try c.encode(spec, forKey: .spec) }
    }
}

/// A lease's holder and timing.
public struct LeaseSpec: Codable, Hashable, Sendable {
    /// Current holder.
    public var holderIdentity: String?
    /// Seconds candidates wait after `renewTime` before taking over.
    public var leaseDurationSeconds: Int32?
    /// When the current holder acquired the lease.
    public var acquireTime: MicroTime?
    /// When the holder last renewed it.
    public var renewTime: MicroTime?
    /// Times the lease changed holders.
    public var leaseTransitions: Int32?
    /// Coordinated leader election strategy.
    public var strategy: String?
    /// Holder the coordinator prefers.
    public var preferredHolder: String?

    /// Creates a `LeaseSpec`; every argument defaults to unset.
    public init(
        holderIdentity: String? = nil,
        leaseDurationSeconds: Int32? = nil,
        acquireTime: MicroTime? = nil,
        renewTime: MicroTime? = nil,
        leaseTransitions: Int32? = nil,
        strategy: String? = nil,
        preferredHolder: String? = nil
    ) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
        self.strategy = strategy
        self.preferredHolder = preferredHolder
    }
}
