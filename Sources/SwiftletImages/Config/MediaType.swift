/// Media types of OCI and Docker image content, as sent in `Accept` and `Content-Type` headers
/// and in descriptors.
public enum MediaType {
    /// OCI image index (multi-platform).
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    /// OCI image manifest.
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    /// OCI image config.
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    /// OCI layer, uncompressed tar.
    public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    /// OCI layer, gzip-compressed tar.
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    /// OCI layer, zstd-compressed tar.
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    /// OCI non-distributable layer, uncompressed (deprecated by the spec, still seen).
    public static let ociLayerNonDistributable = "application/vnd.oci.image.layer.nondistributable.v1.tar"
    /// OCI non-distributable layer, gzip (deprecated by the spec, still seen).
    public static let ociLayerNonDistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
    /// OCI non-distributable layer, zstd (deprecated by the spec, still seen).
    public static let ociLayerNonDistributableZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
    /// OCI empty JSON blob (`{}`), used as the config of artifacts.
    public static let ociEmptyJSON = "application/vnd.oci.empty.v1+json"

    /// Docker manifest list (multi-platform), schema 2.
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    /// Docker image manifest, schema 2.
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    /// Docker image config.
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    /// Docker layer, gzip-compressed tar.
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    /// Docker foreign layer (pulled from its `urls`).
    public static let dockerLayerForeignGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

    /// Docker schema 1 manifest: deprecated and rejected.
    public static let dockerSchema1Manifest = "application/vnd.docker.distribution.manifest.v1+json"
    /// Docker schema 1 signed manifest: deprecated and rejected.
    public static let dockerSchema1SignedManifest = "application/vnd.docker.distribution.manifest.v1+prettyjws"

    /// The `Accept` header for manifest requests: every type we can use, preferred first. A
    /// registry answers 404 for an OCI manifest asked for without the OCI types.
    public static let manifestAccept = [ociIndex, dockerManifestList, ociManifest, dockerManifest]

    /// Whether `type` is a multi-platform index or manifest list.
    public static func isIndex(_ type: String?) -> Bool { type == ociIndex || type == dockerManifestList }

    /// Whether `type` is a single-platform image manifest.
    public static func isManifest(_ type: String?) -> Bool { type == ociManifest || type == dockerManifest }

    /// Whether `type` is a Docker schema 1 manifest, which swiftlet refuses.
    public static func isSchema1(_ type: String?) -> Bool {
        type == dockerSchema1Manifest || type == dockerSchema1SignedManifest
    }

    /// Whether `type` is an image config blob.
    public static func isConfig(_ type: String?) -> Bool { type == ociConfig || type == dockerConfig }

    /// How a layer's bytes are compressed, by media type; nil when `type` is not a layer.
    public static func layerCompression(_ type: String) -> LayerCompression? {
        try? LayerCompression(mediaType: type)
    }
}
