/// A file or directory on the node.
public struct HostPathVolumeSource: Codable, Hashable, Sendable {
    /// Path on the node.
    public var path: String
    /// `""`, `DirectoryOrCreate`, `Directory`, `FileOrCreate`, `File`, `Socket`, `CharDevice` or `BlockDevice`.
    public var type: String?

    /// Creates a `HostPathVolumeSource`; every argument defaults to unset.
    public init(path: String = "", type: String? = nil) {
        self.path = path
        self.type = type
    }

    private enum CodingKeys: String, CodingKey {
        case path
        case type
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.path = try c.decodeIfPresent(String.self, forKey: .path) ?? ""
        self.type = try c.decodeIfPresent(String.self, forKey: .type)
    }
}

/// An empty directory that lives as long as the pod.
public struct EmptyDirVolumeSource: Codable, Hashable, Sendable {
    /// `""` (node disk) or `Memory` (tmpfs).
    public var medium: String?
    /// Maximum size.
    public var sizeLimit: Quantity?

    /// Creates a `EmptyDirVolumeSource`; every argument defaults to unset.
    public init(medium: String? = nil, sizeLimit: Quantity? = nil) {
        self.medium = medium
        self.sizeLimit = sizeLimit
    }
}

/// A Secret's keys as files.
public struct SecretVolumeSource: Codable, Hashable, Sendable {
    /// Secret name.
    public var secretName: String?
    /// Keys to project and their paths; default all keys.
    public var items: [KeyToPath]?
    /// File mode bits (default 0644).
    public var defaultMode: Int32?
    /// Tolerate a missing Secret or key.
    public var optional: Bool?

    /// Creates a `SecretVolumeSource`; every argument defaults to unset.
    public init(
        secretName: String? = nil,
        items: [KeyToPath]? = nil,
        defaultMode: Int32? = nil,
        optional: Bool? = nil
    ) {
        self.secretName = secretName
        self.items = items
        self.defaultMode = defaultMode
        self.optional = optional
    }
}

/// A ConfigMap's keys as files.
public struct ConfigMapVolumeSource: Codable, Hashable, Sendable {
    /// ConfigMap name.
    public var name: String?
    /// Keys to project and their paths; default all keys.
    public var items: [KeyToPath]?
    /// File mode bits (default 0644).
    public var defaultMode: Int32?
    /// Tolerate a missing ConfigMap or key.
    public var optional: Bool?

    /// Creates a `ConfigMapVolumeSource`; every argument defaults to unset.
    public init(
        name: String? = nil,
        items: [KeyToPath]? = nil,
        defaultMode: Int32? = nil,
        optional: Bool? = nil
    ) {
        self.name = name
        self.items = items
        self.defaultMode = defaultMode
        self.optional = optional
    }
}

/// A key projected to a file.
public struct KeyToPath: Codable, Hashable, Sendable {
    /// Key to project.
    public var key: String
    /// Relative file path.
    public var path: String
    /// File mode bits; default the volume's `defaultMode`.
    public var mode: Int32?

    /// Creates a `KeyToPath`; every argument defaults to unset.
    public init(key: String = "", path: String = "", mode: Int32? = nil) {
        self.key = key
        self.path = path
        self.mode = mode
    }

    private enum CodingKeys: String, CodingKey {
        case key
        case path
        case mode
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.key = try c.decodeIfPresent(String.self, forKey: .key) ?? ""
        self.path = try c.decodeIfPresent(String.self, forKey: .path) ?? ""
        self.mode = try c.decodeIfPresent(Int32.self, forKey: .mode)
    }
}

/// Pod fields and container resources as files.
public struct DownwardAPIVolumeSource: Codable, Hashable, Sendable {
    /// Files to create.
    public var items: [DownwardAPIVolumeFile]?
    /// File mode bits (default 0644).
    public var defaultMode: Int32?

    /// Creates a `DownwardAPIVolumeSource`; every argument defaults to unset.
    public init(items: [DownwardAPIVolumeFile]? = nil, defaultMode: Int32? = nil) {
        self.items = items
        self.defaultMode = defaultMode
    }
}

/// One downward API file.
public struct DownwardAPIVolumeFile: Codable, Hashable, Sendable {
    /// Relative file path.
    public var path: String
    /// Pod field (`metadata.labels`, `metadata.annotations`, ...).
    public var fieldRef: ObjectFieldSelector?
    /// Container resource.
    public var resourceFieldRef: ResourceFieldSelector?
    /// File mode bits.
    public var mode: Int32?

    /// Creates a `DownwardAPIVolumeFile`; every argument defaults to unset.
    public init(
        path: String = "",
        fieldRef: ObjectFieldSelector? = nil,
        resourceFieldRef: ResourceFieldSelector? = nil,
        mode: Int32? = nil
    ) {
        self.path = path
        self.fieldRef = fieldRef
        self.resourceFieldRef = resourceFieldRef
        self.mode = mode
    }

    private enum CodingKeys: String, CodingKey {
        case path
        case fieldRef
        case resourceFieldRef
        case mode
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.path = try c.decodeIfPresent(String.self, forKey: .path) ?? ""
        self.fieldRef = try c.decodeIfPresent(ObjectFieldSelector.self, forKey: .fieldRef)
        self.resourceFieldRef = try c.decodeIfPresent(ResourceFieldSelector.self, forKey: .resourceFieldRef)
        self.mode = try c.decodeIfPresent(Int32.self, forKey: .mode)
    }
}

/// Several sources projected into one directory.
public struct ProjectedVolumeSource: Codable, Hashable, Sendable {
    /// The sources.
    public var sources: [VolumeProjection]?
    /// File mode bits.
    public var defaultMode: Int32?

    /// Creates a `ProjectedVolumeSource`; every argument defaults to unset.
    public init(sources: [VolumeProjection]? = nil, defaultMode: Int32? = nil) {
        self.sources = sources
        self.defaultMode = defaultMode
    }
}

/// One source of a projected volume; exactly one member.
public struct VolumeProjection: Codable, Hashable, Sendable {
    /// Keys of a Secret.
    public var secret: SecretProjection?
    /// Downward API files.
    public var downwardAPI: DownwardAPIProjection?
    /// Keys of a ConfigMap.
    public var configMap: ConfigMapProjection?
    /// A service account token.
    public var serviceAccountToken: ServiceAccountTokenProjection?
    /// Certificates from ClusterTrustBundles.
    public var clusterTrustBundle: ClusterTrustBundleProjection?

    /// Creates a `VolumeProjection`; every argument defaults to unset.
    public init(
        secret: SecretProjection? = nil,
        downwardAPI: DownwardAPIProjection? = nil,
        configMap: ConfigMapProjection? = nil,
        serviceAccountToken: ServiceAccountTokenProjection? = nil,
        clusterTrustBundle: ClusterTrustBundleProjection? = nil
    ) {
        self.secret = secret
        self.downwardAPI = downwardAPI
        self.configMap = configMap
        self.serviceAccountToken = serviceAccountToken
        self.clusterTrustBundle = clusterTrustBundle
    }
}

/// A Secret's keys in a projected volume.
public struct SecretProjection: Codable, Hashable, Sendable {
    /// Secret name.
    public var name: String?
    /// Keys to project.
    public var items: [KeyToPath]?
    /// Tolerate a missing Secret or key.
    public var optional: Bool?

    /// Creates a `SecretProjection`; every argument defaults to unset.
    public init(name: String? = nil, items: [KeyToPath]? = nil, optional: Bool? = nil) {
        self.name = name
        self.items = items
        self.optional = optional
    }
}

/// A ConfigMap's keys in a projected volume.
public struct ConfigMapProjection: Codable, Hashable, Sendable {
    /// ConfigMap name.
    public var name: String?
    /// Keys to project.
    public var items: [KeyToPath]?
    /// Tolerate a missing ConfigMap or key.
    public var optional: Bool?

    /// Creates a `ConfigMapProjection`; every argument defaults to unset.
    public init(name: String? = nil, items: [KeyToPath]? = nil, optional: Bool? = nil) {
        self.name = name
        self.items = items
        self.optional = optional
    }
}

/// Downward API files in a projected volume.
public struct DownwardAPIProjection: Codable, Hashable, Sendable {
    /// Files to create.
    public var items: [DownwardAPIVolumeFile]?

    /// Creates a `DownwardAPIProjection`; every argument defaults to unset.
    public init(items: [DownwardAPIVolumeFile]? = nil) {
        self.items = items
    }
}

/// A service account token in a projected volume.
public struct ServiceAccountTokenProjection: Codable, Hashable, Sendable {
    /// Intended audience; default the API server's.
    public var audience: String?
    /// Requested lifetime (default 3600, at least 600).
    public var expirationSeconds: Int64?
    /// Relative file path.
    public var path: String

    /// Creates a `ServiceAccountTokenProjection`; every argument defaults to unset.
    public init(audience: String? = nil, expirationSeconds: Int64? = nil, path: String = "") {
        self.audience = audience
        self.expirationSeconds = expirationSeconds
        self.path = path
    }

    private enum CodingKeys: String, CodingKey {
        case audience
        case expirationSeconds
        case path
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.audience = try c.decodeIfPresent(String.self, forKey: .audience)
        self.expirationSeconds = try c.decodeIfPresent(Int64.self, forKey: .expirationSeconds)
        self.path = try c.decodeIfPresent(String.self, forKey: .path) ?? ""
    }
}

/// Certificates from ClusterTrustBundles.
public struct ClusterTrustBundleProjection: Codable, Hashable, Sendable {
    /// A bundle by name.
    public var name: String?
    /// Bundles of this signer.
    public var signerName: String?
    /// Bundles matching the selector.
    public var labelSelector: LabelSelector?
    /// Tolerate missing bundles.
    public var optional: Bool?
    /// Relative file path.
    public var path: String

    /// Creates a `ClusterTrustBundleProjection`; every argument defaults to unset.
    public init(
        name: String? = nil,
        signerName: String? = nil,
        labelSelector: LabelSelector? = nil,
        optional: Bool? = nil,
        path: String = ""
    ) {
        self.name = name
        self.signerName = signerName
        self.labelSelector = labelSelector
        self.optional = optional
        self.path = path
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case signerName
        case labelSelector
        case optional
        case path
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name)
        self.signerName = try c.decodeIfPresent(String.self, forKey: .signerName)
        self.labelSelector = try c.decodeIfPresent(LabelSelector.self, forKey: .labelSelector)
        self.optional = try c.decodeIfPresent(Bool.self, forKey: .optional)
        self.path = try c.decodeIfPresent(String.self, forKey: .path) ?? ""
    }
}

/// A PersistentVolumeClaim in the pod's namespace.
public struct PersistentVolumeClaimVolumeSource: Codable, Hashable, Sendable {
    /// Claim name.
    public var claimName: String
    /// Mount read-only.
    public var readOnly: Bool?

    /// Creates a `PersistentVolumeClaimVolumeSource`; every argument defaults to unset.
    public init(claimName: String = "", readOnly: Bool? = nil) {
        self.claimName = claimName
        self.readOnly = readOnly
    }

    private enum CodingKeys: String, CodingKey {
        case claimName
        case readOnly
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.claimName = try c.decodeIfPresent(String.self, forKey: .claimName) ?? ""
        self.readOnly = try c.decodeIfPresent(Bool.self, forKey: .readOnly)
    }
}

/// An OCI image or artifact mounted read-only.
public struct ImageVolumeSource: Codable, Hashable, Sendable {
    /// Image reference.
    public var reference: String?
    /// `Always`, `Never` or `IfNotPresent`.
    public var pullPolicy: String?

    /// Creates a `ImageVolumeSource`; every argument defaults to unset.
    public init(reference: String? = nil, pullPolicy: String? = nil) {
        self.reference = reference
        self.pullPolicy = pullPolicy
    }
}
