/// A single-platform image: an OCI image manifest or a Docker schema 2 manifest (same JSON shape).
public struct ImageManifest: Codable, Hashable, Sendable {
    /// Always 2.
    public var schemaVersion: Int
    /// `MediaType.ociManifest` or `MediaType.dockerManifest`; optional in OCI documents.
    public var mediaType: String?
    /// The artifact type, for artifacts (OCI 1.1).
    public var artifactType: String?
    /// The image config blob.
    public var config: Descriptor
    /// The layers, base first.
    public var layers: [Descriptor]
    /// The manifest this one refers to (OCI 1.1 referrers).
    public var subject: Descriptor?
    /// Free-form metadata.
    public var annotations: [String: String]?

    /// Creates a manifest.
    public init(
        schemaVersion: Int = 2, mediaType: String? = MediaType.ociManifest, config: Descriptor,
        layers: [Descriptor], annotations: [String: String]? = nil
    ) {
        self.schemaVersion = schemaVersion
        self.mediaType = mediaType
        self.config = config
        self.layers = layers
        self.annotations = annotations
    }
}
