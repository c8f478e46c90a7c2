/// An OCI content descriptor: what a blob is, its digest and size, and where else to fetch it
/// (OCI image spec `descriptor.md`). Docker schema 2 uses the same shape.
public struct Descriptor: Codable, Hashable, Sendable {
    /// The blob's media type (see `MediaType`).
    public var mediaType: String
    /// The blob's digest.
    public var digest: ImageDigest
    /// The blob's size in bytes.
    public var size: Int64
    /// Alternative download locations (foreign layers).
    public var urls: [String]?
    /// Free-form metadata.
    public var annotations: [String: String]?
    /// The platform of the manifest this points to (index entries only).
    public var platform: Platform?
    /// The artifact type, for artifacts (OCI 1.1).
    public var artifactType: String?

    /// Creates a descriptor.
    public init(
        mediaType: String, digest: ImageDigest, size: Int64, urls: [String]? = nil,
        annotations: [String: String]? = nil, platform: Platform? = nil, artifactType: String? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.urls = urls
        self.annotations = annotations
        self.platform = platform
        self.artifactType = artifactType
    }
}
