/// A Namespace (`core/v1.Namespace`).
public struct Namespace: Codable, Hashable, Sendable {
    /// API version, `v1`.
    public var apiVersion: String?
    /// Kind, `Namespace`.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    /// Desired state.
    public var spec: NamespaceSpec
    /// Observed state.
    public var status: NamespaceStatus

    /// Creates a `Namespace`; every argument defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Namespace",
        metadata: ObjectMeta = ObjectMeta(),
        spec: NamespaceSpec = NamespaceSpec(),
        status: NamespaceStatus = NamespaceStatus()
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
        self.spec = try c.decodeIfPresent(NamespaceSpec.self, forKey: .spec) ?? NamespaceSpec()
        self.status = try c.decodeIfPresent(NamespaceStatus.self, forKey: .status) ?? NamespaceStatus()
    }

    /// Encodes set fields only; empty nested objects are omitted.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kind, forKey: .kind)
        if metadata != ObjectMeta() { try c.encode(metadata, forKey: .metadata) }
        if spec != NamespaceSpec() { try c.encode(spec, forKey: .spec) }
        if status != NamespaceStatus() { try c.encode(status, forKey: .status) }
    }
}

/// Desired state of a namespace.
public struct NamespaceSpec: Codable, Hashable, Sendable {
    /// Finalizers that must clear before the namespace is removed.
    public var finalizers: [String]?

    /// Creates a `NamespaceSpec`; every argument defaults to unset.
    public init(finalizers: [String]? = nil) {
        self.finalizers = finalizers
    }
}

/// Observed state of a namespace.
public struct NamespaceStatus: Codable, Hashable, Sendable {
    /// `Active` or `Terminating`.
    public var phase: String?
    /// Current conditions.
    public var conditions: [NamespaceCondition]?

    /// Creates a `NamespaceStatus`; every argument defaults to unset.
    public init(phase: String? = nil, conditions: [NamespaceCondition]? = nil) {
        self.phase = phase
        self.conditions = conditions
    }
}

/// A condition of a namespace.
public struct NamespaceCondition: Codable, Hashable, Sendable {
    /// Condition type.
    public var type: String
    /// `True`, `False` or `Unknown`.
    public var status: String
    /// Last time the status changed.
    public var lastTransitionTime: Time?
    /// CamelCase reason.
    public var reason: String?
    /// Human-readable detail.
    public var message: String?

    /// Creates a `NamespaceCondition`; every argument defaults to unset.
    public init(
        type: String = "",
        status: String = "",
        lastTransitionTime: Time? = nil,
        reason: String? = nil,
        message: String? = nil
    ) {
        self.type = type
        self.status = status
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }

    private enum CodingKeys: String, CodingKey {
        case type
        case status
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
        self.lastTransitionTime = try c.decodeIfPresent(Time.self, forKey: .lastTransitionTime)
        self.reason = try c.decodeIfPresent(String.self, forKey: .reason)
        self.message = try c.decodeIfPresent(String.self, forKey: .message)
    }
}
