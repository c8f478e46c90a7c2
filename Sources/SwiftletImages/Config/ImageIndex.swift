/// A multi-platform image: an OCI image index or a Docker manifest list (same JSON shape).
public struct ImageIndex: Codable, Hashable, Sendable {
    /// Always 2.
    public var schemaVersion: Int
    /// `MediaType.ociIndex` or `MediaType.dockerManifestList`; optional in OCI documents.
    public var mediaType: String?
    /// The artifact type, for artifacts (OCI 1.1).
    public var artifactType: String?
    /// One entry per platform (and possibly attestations).
    public var manifests: [Descriptor]
    /// Free-form metadata.
    public var annotations: [String: String]?

    /// Creates an index.
    public init(
        schemaVersion: Int = 2, mediaType: String? = MediaType.ociIndex, manifests: [Descriptor],
        annotations: [String: String]? = nil
    ) {
        self.schemaVersion = schemaVersion
        self.mediaType = mediaType
        self.manifests = manifests
        self.annotations = annotations
    }
}
