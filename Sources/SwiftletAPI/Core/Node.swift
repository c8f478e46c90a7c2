/// A Node (`core/v1.Node`): a machine that runs pods, registered and kept current by its kubelet.
public struct Node: Codable, Hashable, Sendable {
    /// API version, `v1`.
    public var apiVersion: String?
    /// Kind, `Node`.
    public var kind: String?
    /// Standard object metadata; the name is the node name.
    public var metadata: ObjectMeta
    /// Desired state.
    public var spec: NodeSpec
    /// Observed state, written by the kubelet.
    public var status: NodeStatus

    /// Creates a `Node`; every argument defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Node",
        metadata: ObjectMeta = ObjectMeta(),
        spec: NodeSpec = NodeSpec(),
        status: NodeStatus = NodeStatus()
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
        self.spec = try c.decodeIfPresent(NodeSpec.self, forKey: .spec) ?? NodeSpec()
        self.status = try c.decodeIfPresent(NodeStatus.self, forKey: .status) ?? NodeStatus()
    }

    /// Encodes set fields only; empty nested objects are omitted.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kind, forKey: .kind)
        if metadata != ObjectMeta() { try c.encode(metadata, forKey: .metadata) }
        if spec != NodeSpec() { try c.encode(spec, forKey: .spec) }
        if status != NodeStatus() { try c.encode(status, forKey: .status) }
    }
}

/// Desired state of a node.
public struct NodeSpec: Codable, Hashable, Sendable {
    /// Pod IP range assigned to the node (the first of `podCIDRs`).
    public var podCIDR: String?
    /// Pod IP ranges, at most one per IP family.
    public var podCIDRs: [String]?
    /// Cloud provider ID, `<provider>://<id>`.
    public var providerID: String?
    /// Cordoned: no new pods are scheduled.
    public var unschedulable: Bool?
    /// Taints on the node.
    public var taints: [Taint]?

    /// Creates a `NodeSpec`; every argument defaults to unset.
    public init(
        podCIDR: String? = nil,
        podCIDRs: [String]? = nil,
        providerID: String? = nil,
        unschedulable: Bool? = nil,
        taints: [Taint]? = nil
    ) {
        self.podCIDR = podCIDR
        self.podCIDRs = podCIDRs
        self.providerID = providerID
        self.unschedulable = unschedulable
        self.taints = taints
    }
}

/// A taint: pods that do not tolerate it are repelled.
public struct Taint: Codable, Hashable, Sendable {
    /// Taint key.
    public var key: String
    /// Taint value.
    public var value: String?
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    public var effect: String
    /// When a `NoExecute` taint was added.
    public var timeAdded: Time?

    /// Creates a `Taint`; every argument defaults to unset.
    public init(
        key: String = "",
        value: String? = nil,
        effect: String = "",
        timeAdded: Time? = nil
    ) {
        self.key = key
        self.value = value
        self.effect = effect
        self.timeAdded = timeAdded
    }

    private enum CodingKeys: String, CodingKey {
        case key
        case value
        case effect
        case timeAdded
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.key = try c.decodeIfPresent(String.self, forKey: .key) ?? ""
        self.value = try c.decodeIfPresent(String.self, forKey: .value)
        self.effect = try c.decodeIfPresent(String.self, forKey: .effect) ?? ""
        self.timeAdded = try c.decodeIfPresent(Time.self, forKey: .timeAdded)
    }
}
