import Foundation

/// A ConfigMap (`core/v1.ConfigMap`): non-secret configuration data.
public struct ConfigMap: Codable, Hashable, Sendable {
    /// API version, `v1`.
    public var apiVersion: String?
    /// Kind, `ConfigMap`.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    /// Whether the data can no longer change.
    public var immutable: Bool?
    /// UTF-8 values by key.
    public var data: [String: String]?
    /// Binary values by key (base64 in JSON).
    public var binaryData: [String: Data]?

    /// Creates a `ConfigMap`; every argument defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "ConfigMap",
        metadata: ObjectMeta = ObjectMeta(),
        immutable: Bool? = nil,
        data: [String: String]? = nil,
        binaryData: [String: Data]? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.immutable = immutable
        self.data = data
        self.binaryData = binaryData
    }

    private enum CodingKeys: String, CodingKey {
        case apiVersion
        case kind
        case metadata
        case immutable
        case data
        case binaryData
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.immutable = try c.decodeIfPresent(Bool.self, forKey: .immutable)
        self.data = try c.decodeIfPresent([String: String].self, forKey: .data)
        self.binaryData = try c.decodeIfPresent([String: Data].self, forKey: .binaryData)
    }

    /// Encodes set fields only; empty nested objects are omitted.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kind, forKey: .kind)
        if metadata != ObjectMeta() { try c.encode(metadata, forKey: .metadata) }
        try c.encodeIfPresent(immutable, forKey: .immutable)
        try c.encodeIfPresent(data, forKey: .data)
        try c.encodeIfPresent(binaryData, forKey: .binaryData)
    }
}
