/// A Pod (`core/v1.Pod`): containers scheduled together on one node, sharing network and volumes.
public struct Pod: Codable, Hashable, Sendable {
    /// API version, `v1`.
    public var apiVersion: String?
    /// Kind, `Pod`.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    /// Desired state.
    public var spec: PodSpec
    /// Observed state, written by the kubelet.
    public var status: PodStatus

    /// Creates a `Pod`; every argument defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Pod",
        metadata: ObjectMeta = ObjectMeta(),
        spec: PodSpec = PodSpec(),
        status: PodStatus = PodStatus()
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    private enum CodingKeys: String, CodingKey {
        case apiVersion
        case kind
        case metadata
        case spec
        case status
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.spec = try c.decodeIfPresent(PodSpec.self, forKey: .spec) ?? PodSpec()
        self.status = try c.decodeIfPresent(PodStatus.self, forKey: .status) ?? PodStatus()
    }

    /// Encodes set fields only; empty nested objects are omitted.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kind, forKey: .kind)
        if metadata != ObjectMeta() { try c.encode(metadata, forKey: .metadata) }
        if spec != PodSpec() { try c.encode(spec, forKey: .spec) }
        if status != PodStatus() { try c.encode(status, forKey: .status) }
    }
}
