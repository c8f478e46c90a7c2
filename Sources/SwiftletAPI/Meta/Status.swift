/// The result of an API call that returns no object (`meta/v1.Status`), e.g. an error.
public struct Status: Codable, Hashable, Sendable {
    /// API version, `v1`.
    public var apiVersion: String?
    /// Kind, `Status`.
    public var kind: String?
    /// List metadata (unused).
    public var metadata: ListMeta
    /// `Success` or `Failure`.
    public var status: String?
    /// Human-readable description.
    public var message: String?
    /// Machine-readable reason, e.g. `NotFound`, `AlreadyExists`, `Conflict`, `Expired`.
    public var reason: String?
    /// Extra data for the reason.
    public var details: StatusDetails?
    /// HTTP status code.
    public var code: Int32?

    /// Creates a `Status`; every argument defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Status",
        metadata: ListMeta = ListMeta(),
        status: String? = nil,
        message: String? = nil,
        reason: String? = nil,
        details: StatusDetails? = nil,
        code: Int32? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.status = status
        self.message = message
        self.reason = reason
        self.details = details
        self.code = code
    }

    private enum CodingKeys: String, CodingKey {
        case apiVersion
        case kind
        case metadata
        case status
        case message
        case reason
        case details
        case code
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ListMeta.self, forKey: .metadata) ?? ListMeta()
        self.status = try c.decodeIfPresent(String.self, forKey: .status)
        self.message = try c.decodeIfPresent(String.self, forKey: .message)
        self.reason = try c.decodeIfPresent(String.self, forKey: .reason)
        self.details = try c.decodeIfPresent(StatusDetails.self, forKey: .details)
        self.code = try c.decodeIfPresent(Int32.self, forKey: .code)
    }

    /// Encodes set fields only; empty nested objects are omitted.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kind, forKey: .kind)
        if metadata != ListMeta() { try c.encode(metadata, forKey: .metadata) }
        try c.encodeIfPresent(status, forKey: .status)
        try c.encodeIfPresent(message, forKey: .message)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeIfPresent(details, forKey: .details)
        try c.encodeIfPresent(code, forKey: .code)
    }
}

/// Extra data on a `Status`.
public struct StatusDetails: Codable, Hashable, Sendable {
    /// Name of the object concerned.
    public var name: String?
    /// API group of the object.
    public var group: String?
    /// Kind of the object.
    public var kind: String?
    /// UID of the object.
    public var uid: String?
    /// Individual problems, e.g. invalid fields.
    public var causes: [StatusCause]?
    /// Seconds to wait before retrying.
    public var retryAfterSeconds: Int32?

    /// Creates a `StatusDetails`; every argument defaults to unset.
    public init(
        name: String? = nil,
        group: String? = nil,
        kind: String? = nil,
        uid: String? = nil,
        causes: [StatusCause]? = nil,
        retryAfterSeconds: Int32? = nil
    ) {
        self.name = name
        self.group = group
        self.kind = kind
        self.uid = uid
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// One cause of a failure.
public struct StatusCause: Codable, Hashable, Sendable {
    /// Machine-readable reason, e.g. `FieldValueInvalid`.
    public var reason: String?
    /// Human-readable description.
    public var message: String?
    /// Field path, e.g. `spec.containers[0].image`.
    public var field: String?

    /// Creates a `StatusCause`; every argument defaults to unset.
    public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
        self.reason = reason
        self.message = message
        self.field = field
    }
}
