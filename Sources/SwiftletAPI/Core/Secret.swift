import Foundation

/// A Secret (`core/v1.Secret`): sensitive data such as tokens, keys and registry credentials.
public struct Secret: Codable, Hashable, Sendable {
    /// API version, `v1`.
    public var apiVersion: String?
    /// Kind, `Secret`.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    /// Whether the data can no longer change.
    public var immutable: Bool?
    /// Values by key (base64 in JSON).
    public var data: [String: Data]?
    /// Write-only plain-text values, merged into `data` by the server.
    public var stringData: [String: String]?
    /// `Opaque`, `kubernetes.io/dockerconfigjson`, `kubernetes.io/service-account-token`, ...
    public var type: String?

    /// Creates a `Secret`; every argument defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Secret",
        metadata: ObjectMeta = ObjectMeta(),
        immutable: Bool? = nil,
        data: [String: Data]? = nil,
        stringData: [String: String]? = nil,
        type: String? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.immutable = immutable
        self.data = data
        self.stringData = stringData
        self.type = type
    }

    private enum CodingKeys: String, CodingKey {
        case apiVersion
        case kind
        case metadata
        case immutable
        case data
        case stringData
        case type
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.immutable = try c.decodeIfPresent(Bool.self, forKey: .immutable)
        self.data = try c.decodeIfPresent([String: Data].self, forKey: .data)
        self.stringData = try c.decodeIfPresent([String: String].self, forKey: .stringData)
        self.type = try c.decodeIfPresent(String.self, forKey: .type)
    }

    /// Encodes set fields only; empty nested objects are omitted.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kind, forKey: .kind)
        if metadata != ObjectMeta() { try c.encode(metadata, forKey: .metadata) }
        try c.encodeIfPresent(immutable, forKey: .immutable)
        try c.encodeIfPresent(data, forKey: .data)
        try c.encodeIfPresent(stringData, forKey: .stringData)
        try c.encodeIfPresent(type, forKey: .type)
    }
}
