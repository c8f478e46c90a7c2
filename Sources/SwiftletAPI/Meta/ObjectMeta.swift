/// Metadata every persisted object has (`meta/v1.ObjectMeta`).
public struct ObjectMeta: Codable, Hashable, Sendable {
    /// Unique name within the namespace.
    public var name: String?
    /// Prefix the server uses to generate a unique name when `name` is empty.
    public var generateName: String?
    /// Namespace the object lives in; empty means `default` for namespaced kinds.
    public var namespace: String?
    /// Unique identifier the server assigns for the object's lifetime.
    public var uid: String?
    /// Opaque version for optimistic concurrency and watch resumption.
    public var resourceVersion: String?
    /// Sequence number of the desired state (spec) the server increments.
    public var generation: Int64?
    /// When the server created the object.
    public var creationTimestamp: Time?
    /// When graceful deletion was requested; the object goes away after the grace period.
    public var deletionTimestamp: Time?
    /// Seconds the object is allowed to terminate gracefully; set with `deletionTimestamp`.
    public var deletionGracePeriodSeconds: Int64?
    /// Key/value pairs for selection.
    public var labels: [String: String]?
    /// Unstructured key/value metadata.
    public var annotations: [String: String]?
    /// Objects this object depends on; garbage collection follows them.
    public var ownerReferences: [OwnerReference]?
    /// Conditions that must clear before the object is deleted.
    public var finalizers: [String]?

    /// Creates a `ObjectMeta`; every argument defaults to unset.
    public init(
        name: String? = nil,
        generateName: String? = nil,
        namespace: String? = nil,
        uid: String? = nil,
        resourceVersion: String? = nil,
        generation: Int64? = nil,
        creationTimestamp: Time? = nil,
        deletionTimestamp: Time? = nil,
        deletionGracePeriodSeconds: Int64? = nil,
        labels: [String: String]? = nil,
        annotations: [String: String]? = nil,
        ownerReferences: [OwnerReference]? = nil,
        finalizers: [String]? = nil
    ) {
        self.name = name
        self.generateName = generateName
        self.namespace = namespace
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.generation = generation
        self.creationTimestamp = creationTimestamp
        self.deletionTimestamp = deletionTimestamp
        self.deletionGracePeriodSeconds = deletionGracePeriodSeconds
        self.labels = labels
        self.annotations = annotations
        self.ownerReferences = ownerReferences
        self.finalizers = finalizers
    }
}

/// A reference from an object to its owner (`meta/v1.OwnerReference`).
public struct OwnerReference: Codable, Hashable, Sendable {
    /// API version of the owner.
    public var apiVersion: String
    /// Kind of the owner.
    public var kind: String
    /// Name of the owner.
    public var name: String
    /// UID of the owner.
    public var uid: String
    /// True when the owner is the managing controller.
    public var controller: Bool?
    /// True when the owner cannot be deleted before this object is.
    public var blockOwnerDeletion: Bool?

    /// Creates a `OwnerReference`; every argument defaults to unset.
    public init(
        apiVersion: String = "",
        kind: String = "",
        name: String = "",
        uid: String = "",
        controller: Bool? = nil,
        blockOwnerDeletion: Bool? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }

    private enum CodingKeys: String, CodingKey {
        case apiVersion
        case kind
        case name
        case uid
        case controller
        case blockOwnerDeletion
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion) ?? ""
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? ""
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        self.controller = try c.decodeIfPresent(Bool.self, forKey: .controller)
        self.blockOwnerDeletion = try c.decodeIfPresent(Bool.self, forKey: .blockOwnerDeletion)
    }
}
