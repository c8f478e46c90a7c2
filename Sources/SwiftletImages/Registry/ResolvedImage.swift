/// What `RegistryClient.resolve` found for one reference and platform.
public struct ResolvedImage: Sendable {
    /// A document fetched from the registry: its exact bytes, verified against `descriptor`.
    public struct Blob: Sendable {
        /// The bytes as the registry served them (what the digest covers).
        public var bytes: [UInt8]
        /// Media type, digest and size of `bytes`.
        public var descriptor: Descriptor
    }

    /// The image manifest for the platform.
    public var manifest: ImageManifest
    /// The manifest's exact bytes, for storing it by digest.
    public var manifestBytes: [UInt8]
    /// The manifest's media type, digest and size.
    public var descriptor: Descriptor
    /// The index or manifest list the reference named, when it named one.
    public var index: Blob?

    /// The image config's descriptor.
    public var config: Descriptor { manifest.config }
}
