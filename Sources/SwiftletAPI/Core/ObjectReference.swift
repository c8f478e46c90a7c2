/// A reference to any object (`core/v1.ObjectReference`).
public struct ObjectReference: Codable, Hashable, Sendable {
    /// Kind of the referent.
    public var kind: String?
    /// Namespace of the referent.
    public var namespace: String?
    /// Name of the referent.
    public var name: String?
    /// UID of the referent.
    public var uid: String?
    /// API version of the referent.
    public var apiVersion: String?
    /// Resource version of the referent.
    public var resourceVersion: String?
    /// A field inside the referent, e.g. `spec.containers{web}`.
    public var fieldPath: String?

    /// Creates a `ObjectReference`; every argument defaults to unset.
    public init(
        kind: String? = nil,
        namespace: String? = nil,
        name: String? = nil,
        uid: String? = nil,
        apiVersion: String? = nil,
        resourceVersion: String? = nil,
        fieldPath: String? = nil
    ) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.apiVersion = apiVersion
        self.resourceVersion = resourceVersion
        self.fieldPath = fieldPath
    }
}

/// A reference by name to an object in the same namespace.
public struct LocalObjectReference: Codable, Hashable, Sendable {
    /// Name of the referent.
    public var name: String?

    /// Creates a `LocalObjectReference`; every argument defaults to unset.
    public init(name: String? = nil) {
        self.name = name
    }
}
