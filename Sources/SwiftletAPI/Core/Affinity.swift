/// Scheduling constraints of a pod.
public struct Affinity: Codable, Hashable, Sendable {
    /// Constraints on the node.
    public var nodeAffinity: NodeAffinity?
    /// Co-location with other pods.
    public var podAffinity: PodAffinity?
    /// Separation from other pods.
    public var podAntiAffinity: PodAntiAffinity?

    /// Creates a `Affinity`; every argument defaults to unset.
    public init(
        nodeAffinity: NodeAffinity? = nil,
        podAffinity: PodAffinity? = nil,
        podAntiAffinity: PodAntiAffinity? = nil
    ) {
        self.nodeAffinity = nodeAffinity
        self.podAffinity = podAffinity
        self.podAntiAffinity = podAntiAffinity
    }
}

/// Node affinity rules.
public struct NodeAffinity: Codable, Hashable, Sendable {
    /// Hard requirement.
    public var requiredDuringSchedulingIgnoredDuringExecution: NodeSelector?
    /// Weighted preferences.
    public var preferredDuringSchedulingIgnoredDuringExecution: [PreferredSchedulingTerm]?

    /// Creates a `NodeAffinity`; every argument defaults to unset.
    public init(
        requiredDuringSchedulingIgnoredDuringExecution: NodeSelector? = nil,
        preferredDuringSchedulingIgnoredDuringExecution: [PreferredSchedulingTerm]? = nil
    ) {
        self.requiredDuringSchedulingIgnoredDuringExecution = requiredDuringSchedulingIgnoredDuringExecution
        self.preferredDuringSchedulingIgnoredDuringExecution = preferredDuringSchedulingIgnoredDuringExecution
    }
}

/// Node selector terms; a node matches when any term matches.
public struct NodeSelector: Codable, Hashable, Sendable {
    /// The terms, ORed.
    public var nodeSelectorTerms: [NodeSelectorTerm]

    /// Creates a `NodeSelector`; every argument defaults to unset.
    public init(nodeSelectorTerms: [NodeSelectorTerm] = []) {
        self.nodeSelectorTerms = nodeSelectorTerms
    }

    private enum CodingKeys: String, CodingKey {
        case nodeSelectorTerms
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.nodeSelectorTerms = try c.decodeIfPresent([NodeSelectorTerm].self, forKey: .nodeSelectorTerms) ?? []
    }
}

/// Requirements on a node, ANDed.
public struct NodeSelectorTerm: Codable, Hashable, Sendable {
    /// Requirements on node labels.
    public var matchExpressions: [NodeSelectorRequirement]?
    /// Requirements on node fields (`metadata.name`).
    public var matchFields: [NodeSelectorRequirement]?

    /// Creates a `NodeSelectorTerm`; every argument defaults to unset.
    public init(
        matchExpressions: [NodeSelectorRequirement]? = nil,
        matchFields: [NodeSelectorRequirement]? = nil
    ) {
        self.matchExpressions = matchExpressions
        self.matchFields = matchFields
    }
}

/// One requirement on a node label or field.
public struct NodeSelectorRequirement: Codable, Hashable, Sendable {
    /// Label key or field name.
    public var key: String
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt` or `Lt`.
    public var `operator`: String
    /// Values for the operator.
    public var values: [String]?

    /// Creates a `NodeSelectorRequirement`; every argument defaults to unset.
    public init(key: String = "", `operator`: String = "", values: [String]? = nil) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }

    private enum CodingKeys: String, CodingKey {
        case key
        case `operator`
        case values
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.key = try c.decodeIfPresent(String.self, forKey: .key) ?? ""
        self.operator = try c.decodeIfPresent(String.self, forKey: .operator) ?? ""
        self.values = try c.decodeIfPresent([String].self, forKey: .values)
    }
}

/// A weighted node preference.
public struct PreferredSchedulingTerm: Codable, Hashable, Sendable {
    /// Weight, 1-100.
    public var weight: Int32
    /// The preferred term.
    public var preference: NodeSelectorTerm

    /// Creates a `PreferredSchedulingTerm`; every argument defaults to unset.
    public init(weight: Int32 = 0, preference: NodeSelectorTerm = NodeSelectorTerm()) {
        self.weight = weight
        self.preference = preference
    }

    private enum CodingKeys: String, CodingKey {
        case weight
        case preference
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.weight = try c.decodeIfPresent(Int32.self, forKey: .weight) ?? 0
        self.preference = try c.decodeIfPresent(NodeSelectorTerm.self, forKey: .preference) ?? NodeSelectorTerm()
    }
}

/// Rules that co-locate a pod with others.
public struct PodAffinity: Codable, Hashable, Sendable {
    /// Hard requirements.
    public var requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]?
    /// Weighted preferences.
    public var preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]?

    /// Creates a `PodAffinity`; every argument defaults to unset.
    public init(
        requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]? = nil,
        preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]? = nil
    ) {
        self.requiredDuringSchedulingIgnoredDuringExecution = requiredDuringSchedulingIgnoredDuringExecution
        self.preferredDuringSchedulingIgnoredDuringExecution = preferredDuringSchedulingIgnoredDuringExecution
    }
}

/// Rules that keep a pod apart from others.
public struct PodAntiAffinity: Codable, Hashable, Sendable {
    /// Hard requirements.
    public var requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]?
    /// Weighted preferences.
    public var preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]?

    /// Creates a `PodAntiAffinity`; every argument defaults to unset.
    public init(
        requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]? = nil,
        preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]? = nil
    ) {
        self.requiredDuringSchedulingIgnoredDuringExecution = requiredDuringSchedulingIgnoredDuringExecution
        self.preferredDuringSchedulingIgnoredDuringExecution = preferredDuringSchedulingIgnoredDuringExecution
    }
}

/// A set of pods, and the topology in which to co-locate with (or avoid) them.
public struct PodAffinityTerm: Codable, Hashable, Sendable {
    /// Pods the term applies to.
    public var labelSelector: LabelSelector?
    /// Namespaces to look in; default the pod's own.
    public var namespaces: [String]?
    /// Node label that defines "the same place".
    public var topologyKey: String
    /// Namespaces to look in, by label.
    public var namespaceSelector: LabelSelector?
    /// Pod label keys merged into `labelSelector` with `In`.
    public var matchLabelKeys: [String]?
    /// Pod label keys merged into `labelSelector` with `NotIn`.
    public var mismatchLabelKeys: [String]?

    /// Creates a `PodAffinityTerm`; every argument defaults to unset.
    public init(
        labelSelector: LabelSelector? = nil,
        namespaces: [String]? = nil,
        topologyKey: String = "",
        namespaceSelector: LabelSelector? = nil,
        matchLabelKeys: [String]? = nil,
        mismatchLabelKeys: [String]? = nil
    ) {
        self.labelSelector = labelSelector
        self.namespaces = namespaces
        self.topologyKey = topologyKey
        self.namespaceSelector = namespaceSelector
        self.matchLabelKeys = matchLabelKeys
        self.mismatchLabelKeys = mismatchLabelKeys
    }

    private enum CodingKeys: String, CodingKey {
        case labelSelector
        case namespaces
        case topologyKey
        case namespaceSelector
        case matchLabelKeys
        case mismatchLabelKeys
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.labelSelector = try c.decodeIfPresent(LabelSelector.self, forKey: .labelSelector)
        self.namespaces = try c.decodeIfPresent([String].self, forKey: .namespaces)
        self.topologyKey = try c.decodeIfPresent(String.self, forKey: .topologyKey) ?? ""
        self.namespaceSelector = try c.decodeIfPresent(LabelSelector.self, forKey: .namespaceSelector)
        self.matchLabelKeys = try c.decodeIfPresent([String].self, forKey: .matchLabelKeys)
        self.mismatchLabelKeys = try c.decodeIfPresent([String].self, forKey: .mismatchLabelKeys)
    }
}

/// A weighted pod affinity term.
public struct WeightedPodAffinityTerm: Codable, Hashable, Sendable {
    /// Weight, 1-100.
    public var weight: Int32
    /// The term.
    public var podAffinityTerm: PodAffinityTerm

    /// Creates a `WeightedPodAffinityTerm`; every argument defaults to unset.
    public init(weight: Int32 = 0, podAffinityTerm: PodAffinityTerm = PodAffinityTerm()) {
        self.weight = weight
        self.podAffinityTerm = podAffinityTerm
    }

    private enum CodingKeys: String, CodingKey {
        case weight
        case podAffinityTerm
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.weight = try c.decodeIfPresent(Int32.self, forKey: .weight) ?? 0
        self.podAffinityTerm = try c.decodeIfPresent(PodAffinityTerm.self, forKey: .podAffinityTerm) ?? PodAffinityTerm()
    }
}
