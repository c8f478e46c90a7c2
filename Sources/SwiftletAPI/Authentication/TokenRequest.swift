/// A TokenRequest (`authentication.k8s.io/v1`), posted to `serviceaccounts/<name>/token` to mint the token of a projected `serviceAccountToken` volume.
public struct TokenRequest: Codable, Hashable, Sendable {
    /// API version, `authentication.k8s.io/v1`.
    public var apiVersion: String?
    /// Kind, `TokenRequest`.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    /// The requested token.
    public var spec: TokenRequestSpec
    /// The issued token.
    public var status: TokenRequestStatus?

    /// Creates a `TokenRequest`; every argument defaults to unset.
    public init(
        apiVersion: String? = "authentication.k8s.io/v1",
        kind: String? = "TokenRequest",
        metadata: ObjectMeta = ObjectMeta(),
        spec: TokenRequestSpec = TokenRequestSpec(),
        status: TokenRequestStatus? = nil
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
        self.spec = try c.decodeIfPresent(TokenRequestSpec.self, forKey: .spec) ?? TokenRequestSpec()
        self.status = try c.decodeIfPresent(TokenRequestStatus.self, forKey: .status)
    }

    /// Encodes set fields only; empty nested objects are omitted.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kind, forKey: .kind)
        if metadata != ObjectMeta() { try c.encode(metadata, forKey: .metadata) }
        if spec != TokenRequestSpec() { try c.encode(spec, forKey: .spec) }
        try c.encodeIfPresent(status, forKey: .status)
    }
}

/// What token to issue.
public struct TokenRequestSpec: Codable, Hashable, Sendable {
    /// Intended audiences; empty means the API server's.
    public var audiences: [String]
    /// Requested lifetime in seconds.
    public var expirationSeconds: Int64?
    /// Object the token is bound to; it is invalid once that object is deleted.
    public var boundObjectRef: BoundObjectReference?

    /// Creates a `TokenRequestSpec`; every argument defaults to unset.
    public init(
        audiences: [String] = [],
        expirationSeconds: Int64? = nil,
        boundObjectRef: BoundObjectReference? = nil
    ) {
        self.audiences = audiences
        self.expirationSeconds = expirationSeconds
        self.boundObjectRef = boundObjectRef
    }

    private enum CodingKeys: String, CodingKey {
        case audiences
        case expirationSeconds
        case boundObjectRef
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.audiences = try c.decodeIfPresent([String].self, forKey: .audiences) ?? []
        self.expirationSeconds = try c.decodeIfPresent(Int64.self, forKey: .expirationSeconds)
        self.boundObjectRef = try c.decodeIfPresent(BoundObjectReference.self, forKey: .boundObjectRef)
    }
}

/// An object a token is bound to, e.g. the pod.
public struct BoundObjectReference: Codable, Hashable, Sendable {
    /// `Pod`, `Secret` or `Node`.
    public var kind: String?
    /// API version of the object.
    public var apiVersion: String?
    /// Name of the object.
    public var name: String?
    /// UID of the object.
    public var uid: String?

    /// Creates a `BoundObjectReference`; every argument defaults to unset.
    public init(
        kind: String? = nil,
        apiVersion: String? = nil,
        name: String? = nil,
        uid: String? = nil
    ) {
        self.kind = kind
        self.apiVersion = apiVersion
        self.name = name
        self.uid = uid
    }
}

/// An issued token.
public struct TokenRequestStatus: Codable, Hashable, Sendable {
    /// The opaque bearer token.
    public var token: String
    /// When the token expires.
    public var expirationTimestamp: Time?

    /// Creates a `TokenRequestStatus`; every argument defaults to unset.
    public init(token: String = "", expirationTimestamp: Time? = nil) {
        self.token = token
        self.expirationTimestamp = expirationTimestamp
    }

    private enum CodingKeys: String, CodingKey {
        case token
        case expirationTimestamp
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.token = try c.decodeIfPresent(String.self, forKey: .token) ?? ""
        self.expirationTimestamp = try c.decodeIfPresent(Time.self, forKey: .expirationTimestamp)
    }
}
