import Foundation

/// What the node knows about one stored image under one reference.
public struct ImageRecord: Codable, Hashable, Sendable {
    /// The fully qualified reference, e.g. `docker.io/library/busybox:1.36`.
    public var reference: String
    /// The image manifest (for the node's platform) the reference resolves to.
    public var target: Descriptor
    /// The image config blob's digest; its hex also serves as the image ID.
    public var configDigest: ImageDigest
    /// The manifest's layer descriptors, bottom first.
    public var layers: [Descriptor]
    /// The chain ID of each layer prefix, bottom first (keys into `LayerStore`).
    public var chainIDs: [String]
    /// The image's platform, from its config.
    public var platform: Platform
    /// Bytes of the manifest, config and layer blobs.
    public var size: Int64
    /// When the image was first stored on this node.
    public var created: Date
    /// When a container last used the image (or when it was stored).
    public var lastUsed: Date

    /// Creates a record.
    public init(
        reference: String, target: Descriptor, configDigest: ImageDigest, layers: [Descriptor],
        chainIDs: [String], platform: Platform, size: Int64, created: Date, lastUsed: Date
    ) {
        self.reference = reference
        self.target = target
        self.configDigest = configDigest
        self.layers = layers
        self.chainIDs = chainIDs
        self.platform = platform
        self.size = size
        self.created = created
        self.lastUsed = lastUsed
    }

    /// The image ID: the config digest's hex.
    public var id: String { configDigest.encoded }

    /// The blobs this image holds: manifest, config and layers.
    public var blobs: [ImageDigest] { [target.digest, configDigest] + layers.map(\.digest) }
}
